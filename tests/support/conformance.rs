//! The conformance macro: one scenario, a test per storage backend (see `tests/store_conformance.rs`).
//!
//! Each test file that uses it defines `async fn migrated_store(url: &DatabaseUrl) -> Box<dyn Store>`
//! beside its scenarios.

/// Declares the scenarios and generates a test per scenario and backend.
///
/// `fresh` scenarios get the URL of a database that does not exist yet (SQLite) or is empty
/// (Postgres); `migrated` scenarios get a store opened on such a database with migrations applied.
macro_rules! conformance {
    (fresh: [$($fresh:ident),* $(,)?], migrated: [$($migrated:ident),* $(,)?] $(,)?) => {
        mod sqlite {
            use super::support::db::TempSqlite;

            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $fresh() {
                    let db = TempSqlite::new();
                    super::$fresh(db.url()).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $migrated() {
                    let db = TempSqlite::new();
                    let store = super::migrated_store(db.url()).await;
                    super::$migrated(&*store).await;
                    store.close().await;
                }
            )*
        }

        mod postgres {
            use super::support::db::FreshPostgres;

            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $fresh() {
                    let Some(db) = FreshPostgres::create().await else { return };
                    super::$fresh(db.url()).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $migrated() {
                    let Some(db) = FreshPostgres::create().await else { return };
                    let store = super::migrated_store(db.url()).await;
                    super::$migrated(&*store).await;
                    store.close().await;
                }
            )*
        }
    };
}
