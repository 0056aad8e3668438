//! Storage: every query trakker runs lives below this module.
//!
//! [`Store`] is the one interface the rest of the bot sees. Two implementations sit behind it,
//! picked by the scheme of `DATABASE_URL` in [`connect`]:
//!
//! - [`sqlite::SqliteStore`] — the embedded default: one file, WAL mode, nothing to install.
//! - [`postgres::PostgresStore`] — production: several shard processes sharing one database.
//!
//! Both are [`sql::SqlStore`]: every query is written once in `store/sql/`, and what the two
//! databases do differently (time storage, a few SQL fragments, bulk upserts, locks) sits behind
//! the small [`sql::Dialect`] trait, implemented in `sqlite.rs` and `postgres.rs`.
//!
//! Each backend has its own append-only migrations (`migrations/sqlite`, `migrations/postgres`),
//! applied at start-up and by `trakker migrate`. The conformance suite in
//! `tests/store_conformance.rs` runs the same scenarios against both, so a query that behaves
//! differently on the two is caught as a bug.
//!
//! Every method is instrumented; its errors are logged at debug level only, because the caller
//! knows how loud a failure should be: a command during an outage warns and tells the member,
//! the batched writer logs an outage once a minute. Logging each failed query at error level
//! would flood the log exactly when an operator reads it.

pub mod achievements;
pub mod activity;
pub mod charts;
mod codec;
pub mod exports;
mod normalize;
pub mod portable;
pub mod postgres;
pub mod privacy;
pub mod recap;
pub mod records;
pub mod retention;
pub mod schedule;
pub mod sql;
pub mod sqlite;
pub mod squad;
pub mod tournaments;
mod unreachable;
pub mod webhooks;

use std::any::Any;
use std::path::PathBuf;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::config::DatabaseUrl;
use crate::domain::ids::{GuildId, UserId};
use crate::ops::metrics::{self, DatabaseFailure};
pub use achievements::AchievementStore;
pub use activity::{
    ActivitySession, ActivityStore, InviteRecord, JoinRecord, JoinSource, MemberActivity, Metric,
    VoiceFlags, VoiceSession,
};
pub use charts::ChartStore;
pub use exports::ExportStore;
pub use portable::PortableStore;
pub use privacy::PrivacyStore;
pub use recap::RecapStore;
pub use records::{
    GameSession, GuildRecord, GuildSettings, MemberRecord, Season, SessionEnd, TrackerAccess,
};
pub use retention::RetentionStore;
pub use schedule::ScheduleStore;
pub use squad::SquadStore;
pub use tournaments::TournamentStore;
pub use webhooks::WebhookStore;

/// Which database a [`Store`] talks to; shown by /about and `check-config`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The backend's name as users see it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database answered with an error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// The database could not be reached, or stayed busy past the wait limit: the call did not
    /// take effect (a transaction that fails before its commit is rolled back).
    #[error("the database is unavailable: {0}")]
    Unavailable(sqlx::Error),
    /// The connection failed while a commit was under way: the write may or may not have been
    /// saved. Writes that can be retried safely carry a key that makes the retry find them.
    #[error("the database stopped answering during a commit: {0}")]
    InDoubt(sqlx::Error),
    /// Applying the migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The guild has no row yet: settings and members can only be saved for a guild recorded
    /// with [`Store::upsert_guild`] first. Nothing was written.
    #[error("guild {0} is not recorded yet")]
    UnknownGuild(GuildId),
    /// The database could not be opened: the server refused or did not answer, or the SQLite file
    /// cannot be opened. `cause` is the reason in a few words; `url` shows no password.
    #[error("could not connect to the database at {url}: {cause}")]
    Unreachable {
        /// The database, password redacted when displayed.
        url: DatabaseUrl,
        /// Why, e.g. "connection refused".
        cause: String,
    },
    /// Copying rows out of or into the database stopped; the sentence says why.
    #[error("{0}")]
    Copy(String),
    /// `DATABASE_URL` names a scheme trakker has no backend for.
    #[error("unsupported database URL scheme `{0}`: use sqlite:// or postgres://")]
    UnsupportedScheme(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if is_unavailable(&error) {
            metrics::database_error(DatabaseFailure::Unavailable);
            Self::Unavailable(error)
        } else {
            metrics::database_error(DatabaseFailure::Refused);
            Self::Database(error)
        }
    }
}

impl StoreError {
    /// The error of a failed commit: in doubt when the connection failed, since the commit may
    /// have reached the database before it did.
    #[must_use]
    pub fn from_commit(error: sqlx::Error) -> Self {
        if is_unavailable(&error) {
            metrics::database_error(DatabaseFailure::InDoubt);
            Self::InDoubt(error)
        } else {
            metrics::database_error(DatabaseFailure::Refused);
            Self::Database(error)
        }
    }
}

/// Whether `error` says the database could not be reached or was too busy, rather than that it
/// refused the statement: no connection, a broken one, a pool wait that ran out, SQLite's lock
/// held past the busy timeout, or a Postgres server shutting down or out of connections.
fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        // A protocol error is a connection that broke mid-conversation (a proxy or load
        // balancer closing it, a server gone), not a statement the database refused.
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(error) => {
            let Some(code) = error.code() else {
                return false;
            };
            if error
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .is_some()
            {
                // Busy and locked, with their extended codes in the high bits.
                code.parse::<u32>()
                    .is_ok_and(|number| matches!(number & 0xff, 5 | 6))
            } else {
                // Postgres SQLSTATE: connection exceptions, shutting down, too many connections.
                code.starts_with("08") || code.starts_with("57P0") || code == "53300"
            }
        }
        _ => false,
    }
}

/// The storage interface of the bot. Every method filters by guild: nothing crosses guilds.
///
/// Times are kept in UTC to the millisecond on every backend: anything finer is truncated on
/// write, so a value reads back the same whichever database holds it.
///
/// `Any` lets code outside this interface reach the concrete [`sql::SqlStore`] and its pool
/// (test support reads tables directly that way).
#[async_trait]
pub trait Store:
    SquadStore
    + AchievementStore
    + ActivityStore
    + ScheduleStore
    + ChartStore
    + PrivacyStore
    + RetentionStore
    + ExportStore
    + PortableStore
    + WebhookStore
    + RecapStore
    + TournamentStore
    + Any
    + Send
    + Sync
{
    /// Which database this is.
    fn backend(&self) -> Backend;

    /// Applies every pending migration. Safe to run concurrently from several processes and to
    /// run again: applied migrations are skipped.
    async fn migrate(&self) -> Result<(), StoreError>;

    /// A round trip to the database, for health checks.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Records a guild the bot is in: inserts it, or refreshes its name. `joined_at` keeps the
    /// first value stored; `left_at` is cleared (whatever the record says), since the bot is in it.
    async fn upsert_guild(&self, guild: &GuildRecord) -> Result<(), StoreError>;

    /// Marks the guild as left (the bot was removed); its data stays. A guild already marked left
    /// keeps its first `left_at`; an unknown guild is ignored.
    async fn mark_guild_left(&self, guild_id: GuildId, at: DateTime<Utc>)
        -> Result<(), StoreError>;

    /// The guild's settings, or the defaults when none were saved.
    async fn settings(&self, guild_id: GuildId) -> Result<GuildSettings, StoreError>;

    /// Saves the guild's settings, replacing the previous ones.
    ///
    /// The guild must have been recorded with [`Store::upsert_guild`]: a settings row is never
    /// created for a guild without one, and [`StoreError::UnknownGuild`] is returned instead.
    async fn save_settings(
        &self,
        guild_id: GuildId,
        settings: &GuildSettings,
    ) -> Result<(), StoreError>;

    /// Inserts or refreshes members in one transaction (a `GUILD_CREATE` brings thousands at once).
    /// Refreshing keeps `tracking_opt_out` and `joined_at` as stored and updates `display_name` and
    /// `is_bot`; `left_at` is cleared in every case, since the members are present. When a user
    /// appears twice in `members`, the last entry counts. Unknown guild: [`StoreError::UnknownGuild`],
    /// nothing written.
    async fn upsert_members(
        &self,
        guild_id: GuildId,
        members: &[MemberRecord],
    ) -> Result<(), StoreError>;

    /// Marks a member as having left the guild; their history stays. A member already marked left
    /// keeps their first `left_at`; an unknown member is ignored.
    async fn mark_member_left(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Members of the guild who opted out of activity tracking, by user id.
    async fn opted_out_members(&self, guild_id: GuildId) -> Result<Vec<UserId>, StoreError>;

    /// Closes the connection pool, waiting for running queries.
    async fn close(&self);
}

/// What [`probe`] found, without creating or changing anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// The database answered a query.
    Ready(Backend),
    /// The SQLite file does not exist yet; its directory does, so `run` and `migrate` will
    /// create it there.
    NotCreatedYet(PathBuf),
}

/// Checks that the database `url` names can be used, for `check-config`: opens it, runs one
/// query and closes it. Unlike [`connect`], a missing SQLite file is reported, not created.
///
/// # Errors
/// When the database cannot be reached or opened, or does not answer the query.
pub async fn probe(url: &DatabaseUrl) -> Result<Probe, StoreError> {
    let store: Box<dyn Store> = match url.scheme() {
        "sqlite" => match sqlite::SqliteStore::open_existing(url).await? {
            Some(store) => Box::new(store),
            None => return Ok(Probe::NotCreatedYet(sqlite::SqliteStore::file(url)?)),
        },
        "postgres" | "postgresql" => Box::new(postgres::PostgresStore::open(url).await?),
        other => return Err(StoreError::UnsupportedScheme(other.to_owned())),
    };
    let answered = store.ping().await;
    store.close().await;
    answered.map(|()| Probe::Ready(store.backend()))
}

/// Opens the store `url` names and applies pending migrations when `migrate` is true.
///
/// # Errors
/// When the database cannot be reached or opened, or a migration fails.
pub async fn connect(url: &DatabaseUrl, migrate: bool) -> Result<Box<dyn Store>, StoreError> {
    let store: Box<dyn Store> = match url.scheme() {
        "sqlite" => Box::new(sqlite::SqliteStore::open(url).await?),
        "postgres" | "postgresql" => Box::new(postgres::PostgresStore::open(url).await?),
        other => return Err(StoreError::UnsupportedScheme(other.to_owned())),
    };
    if migrate {
        store.migrate().await?;
    }
    Ok(store)
}
