//! The connection pool behind a trakker [`Store`], for the statements the store's interface does
//! not offer: the bulk load.

use trakker::store::postgres::PostgresStore;
use trakker::store::sqlite::SqliteStore;
use trakker::store::Store;

/// A store's pool, by backend.
#[derive(Clone, Copy)]
pub(crate) enum StorePool<'a> {
    /// A SQLite file: times are unix milliseconds.
    Sqlite(&'a sqlx::SqlitePool),
    /// A Postgres database: times are `timestamptz`.
    Postgres(&'a sqlx::PgPool),
}

impl<'a> StorePool<'a> {
    /// The pool of `store` (`Store: Any` lets the concrete store be reached).
    pub fn of(store: &'a dyn Store) -> anyhow::Result<Self> {
        let any: &dyn std::any::Any = store;
        if let Some(store) = any.downcast_ref::<SqliteStore>() {
            Ok(Self::Sqlite(store.pool()))
        } else if let Some(store) = any.downcast_ref::<PostgresStore>() {
            Ok(Self::Postgres(store.pool()))
        } else {
            anyhow::bail!("a store of an unknown backend")
        }
    }
}

/// Discord ids are stored bit for bit as signed 64-bit integers.
#[expect(
    clippy::cast_possible_wrap,
    reason = "snowflakes are stored bit-preserving, as the bot stores them"
)]
pub(crate) fn to_db(id: u64) -> i64 {
    id as i64
}
