//! Throw-away databases for tests: a temporary SQLite file, and a fresh Postgres database created
//! on the test server and dropped again when the test ends, passed or failed.
//!
//! Postgres is found at `TEST_DATABASE_URL`, else [`DEFAULT_POSTGRES_URL`]. When it cannot be
//! reached the test is skipped with one line saying so, unless `TRAKKER_REQUIRE_SERVICES=1`, which
//! turns the skip into a failure (CI sets it).

use std::hash::{BuildHasher, Hasher, RandomState};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};
use tempfile::TempDir;
use trakker::config::DatabaseUrl;

/// The Postgres server used when `TEST_DATABASE_URL` is unset: local, trust authentication.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Every database [`FreshPostgres`] creates starts with this, so leftovers are easy to recognise.
pub const TEST_DATABASE_PREFIX: &str = "trakker_test_";

/// Set once the skip line is printed, so a test binary prints it once, not once per test.
static SKIP_REPORTED: AtomicBool = AtomicBool::new(false);

/// How long to wait for the Postgres server before deciding it is not there.
const REACH_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether a missing service must fail the test instead of skipping it (`TRAKKER_REQUIRE_SERVICES=1`).
#[must_use]
pub fn services_required() -> bool {
    std::env::var("TRAKKER_REQUIRE_SERVICES").is_ok_and(|value| value.trim() == "1")
}

/// The Postgres server tests create their databases on: `TEST_DATABASE_URL` or the local default.
///
/// # Panics
/// When `TEST_DATABASE_URL` is not a URL.
#[must_use]
pub fn postgres_server_url() -> DatabaseUrl {
    let raw = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|raw| !raw.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_POSTGRES_URL.to_owned());
    DatabaseUrl::parse(raw.trim()).expect("TEST_DATABASE_URL is a URL")
}

/// A SQLite file in a temporary directory that is removed, file and all, when this is dropped.
/// The file itself does not exist until the store opens it.
pub struct TempSqlite {
    dir: TempDir,
    path: PathBuf,
    url: DatabaseUrl,
}

impl TempSqlite {
    /// A new, not yet created database file `trakker.db` in a fresh temporary directory.
    ///
    /// # Panics
    /// When the temporary directory cannot be created.
    #[must_use]
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("trakker-test-")
            .tempdir()
            .expect("create a temporary directory");
        let path = dir.path().join("trakker.db");
        let url = DatabaseUrl::parse(&format!("sqlite://{}", path.display()))
            .expect("a file path makes a URL");
        Self { dir, path, url }
    }

    /// The `sqlite://` URL of the file, as `DATABASE_URL` takes it.
    #[must_use]
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Where the database file is (or will be).
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary directory holding the file and its WAL companions.
    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Default for TempSqlite {
    fn default() -> Self {
        Self::new()
    }
}

/// An empty database `trakker_test_<random>` on the test Postgres server, dropped (with any
/// connections still open to it) when this guard is dropped, also when the test panics.
pub struct FreshPostgres {
    name: String,
    url: DatabaseUrl,
    server: DatabaseUrl,
}

impl FreshPostgres {
    /// Creates a new empty database on the test server.
    ///
    /// Returns `None` after printing `skipped: Postgres not reachable at <url>` (once per test
    /// binary) when the server cannot be reached; the caller then skips its test.
    ///
    /// # Panics
    /// When the server cannot be reached and [`services_required`], or when it is reachable but
    /// refuses to create the database.
    pub async fn create() -> Option<Self> {
        let server = postgres_server_url();
        let Some(mut admin) = connect_to_server(&server).await else {
            assert!(
                !services_required(),
                "Postgres not reachable at {server} and TRAKKER_REQUIRE_SERVICES=1"
            );
            if !SKIP_REPORTED.swap(true, Ordering::Relaxed) {
                println!("skipped: Postgres not reachable at {server}");
            }
            return None;
        };
        let name = format!("{TEST_DATABASE_PREFIX}{}", random_suffix());
        sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|error| panic!("create database {name} on {server}: {error}"));
        let _ = admin.close().await;
        let mut url = url::Url::parse(server.expose()).expect("the server URL parsed before");
        url.set_path(&name);
        let url = DatabaseUrl::parse(url.as_str()).expect("a valid URL with another path");
        Some(Self { name, url, server })
    }

    /// The database's URL (password included by [`DatabaseUrl::expose`], redacted when shown).
    #[must_use]
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// The database's name, `trakker_test_<random>`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for FreshPostgres {
    fn drop(&mut self) {
        // `drop` cannot await, and blocking on the test's own runtime from inside it would panic;
        // a short-lived runtime on a thread of its own can.
        let server = self.server.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(drop_database(&server, &name))
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            // Panicking in `drop` while the test is already panicking would abort the run.
            Ok(Err(error)) => eprintln!("could not drop test database {}: {error}", self.name),
            Err(_) => eprintln!(
                "could not drop test database {}: the cleanup thread panicked",
                self.name
            ),
        }
    }
}

/// A connection to the server's maintenance database, or `None` when it is not reachable.
async fn connect_to_server(server: &DatabaseUrl) -> Option<PgConnection> {
    let options = PgConnectOptions::from_str(server.expose()).ok()?;
    tokio::time::timeout(REACH_TIMEOUT, options.connect())
        .await
        .ok()?
        .ok()
}

/// Drops `name`, closing whatever connections a test left open to it (Postgres 13 or later).
async fn drop_database(
    server: &DatabaseUrl,
    name: &str,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut admin = PgConnectOptions::from_str(server.expose())?
        .connect()
        .await?;
    sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    Ok(())
}

/// 16 hex digits, different for every call in every process: names cannot collide between tests
/// running in parallel, nor between test binaries running at the same time.
fn random_suffix() -> String {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    // `RandomState` is seeded randomly per process, which is all the randomness needed here.
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    if let Ok(since_epoch) = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
        hasher.write_u128(since_epoch.as_nanos());
    }
    format!("{:016x}", hasher.finish())
}
