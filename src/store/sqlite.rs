//! The SQLite backend: the embedded default, one file next to the bot, nothing to install.
//!
//! This file opens the pool and says how SQLite differs ([`Dialect`] for [`Sqlite`]); the queries
//! themselves are shared, in `store/sql/`. The file is opened in WAL mode (readers never wait for
//! the writer) with a busy timeout (a writer waits for another instead of failing at once).
//! Snowflakes are `INTEGER` with the bit-preserving cast of [`GuildId::to_db`]; times are
//! `INTEGER` unix milliseconds in UTC. Every write transaction starts with `BEGIN IMMEDIATE`, so
//! writers queue for the file's lock instead of failing half-way.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult,
    SqliteSynchronous,
};
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};

use super::activity::InviteRecord;
use super::codec::{count_to_db, StoredId};
use super::normalize::{from_millis, to_millis, RollupRows};
use super::sql::dialect::{
    APP_ROLLUP_UPSERT, CHANNEL_ROLLUP_UPSERT, EMOJI_ROLLUP_UPSERT, INVITE_UPSERT,
    MEMBER_DAY_UPSERT, MEMBER_UPSERT, MESSAGE_ROLLUP_UPSERT,
};
use super::sql::{Dialect, SqlStore};
use super::{unreachable, Backend, MemberRecord, StoreError};
use crate::config::DatabaseUrl;
use crate::domain::ids::{ChannelId, GuildId, UserId};

/// The SQLite migrations, embedded in the binary so `trakker migrate` needs no files beside it.
pub static MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a writer waits for another writer before giving up with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long `migrate` keeps waiting for another process that is migrating the same file.
const MIGRATION_LOCK_WAIT: Duration = Duration::from_secs(60);

/// SQLite allows at most this many bound variables per statement (the bundled build's limit).
const SQLITE_MAX_VARIABLES: usize = 32_766;

/// The primary result code SQLite reports when another connection holds the write lock.
const SQLITE_BUSY: &str = "5";

/// Members written by one multi-row `INSERT`; a `GUILD_CREATE` of a large guild takes a few.
const MEMBERS_PER_STATEMENT: usize = 1_000;

/// Rollup rows written by one multi-row upsert. Each connection keeps the prepared statement of a
/// full chunk, so the chunk is kept small enough that those stay a few hundred kilobytes: a
/// 4,000-row statement cost tens of megabytes of resident memory across the pool.
const ROLLUP_ROWS_PER_STATEMENT: usize = 500;

/// Invites written by one multi-row upsert.
const INVITES_PER_STATEMENT: usize = 1_000;

// Values bound per row: members 6, message rollups 8 (the most of any rollup), invites 7.
const _: () = assert!(MEMBERS_PER_STATEMENT * 6 <= SQLITE_MAX_VARIABLES);
const _: () = assert!(ROLLUP_ROWS_PER_STATEMENT * 8 <= SQLITE_MAX_VARIABLES);
const _: () = assert!(INVITES_PER_STATEMENT * 7 <= SQLITE_MAX_VARIABLES);

/// A [`crate::store::Store`] on a SQLite file.
pub type SqliteStore = SqlStore<Sqlite>;

impl SqlStore<Sqlite> {
    /// Opens (and creates, when missing) the SQLite file `url` names, e.g. `sqlite://trakker.db`.
    /// Migrations are not applied here: see [`crate::store::Store::migrate`].
    ///
    /// # Errors
    /// When the URL is not a SQLite URL, the file's directory does not exist, or the file cannot
    /// be created or opened.
    // No `err` here: the caller reports the error, and one message is enough.
    #[tracing::instrument(skip_all, fields(url = %url))]
    pub async fn open(url: &DatabaseUrl) -> Result<Self, StoreError> {
        Self::open_with(url, true).await
    }

    /// Opens the SQLite file `url` names only if it exists: `None` when it does not, and nothing
    /// is created (`check-config` must leave no file behind).
    ///
    /// # Errors
    /// When the URL is not a SQLite URL, the file's directory does not exist, or the file exists
    /// but cannot be opened.
    #[tracing::instrument(skip_all, fields(url = %url))]
    pub async fn open_existing(url: &DatabaseUrl) -> Result<Option<Self>, StoreError> {
        if !is_in_memory(url) && !Self::file(url)?.exists() {
            Self::check_directory(url)?;
            return Ok(None);
        }
        Self::open_with(url, false).await.map(Some)
    }

    /// The file `url` names, relative to the working directory unless absolute.
    ///
    /// # Errors
    /// When the URL is not a SQLite URL.
    pub fn file(url: &DatabaseUrl) -> Result<PathBuf, StoreError> {
        let options = SqliteConnectOptions::from_str(url.expose())
            .map_err(|error| unreachable::unreachable(url, &error))?;
        Ok(options.get_filename().to_owned())
    }

    fn check_directory(url: &DatabaseUrl) -> Result<(), StoreError> {
        let file = Self::file(url)?;
        match unreachable::missing_directory(&file) {
            Some(dir) => Err(unreachable::because(
                url,
                format!("the directory {} does not exist", dir.display()),
            )),
            None => Ok(()),
        }
    }

    async fn open_with(url: &DatabaseUrl, create: bool) -> Result<Self, StoreError> {
        let in_memory = is_in_memory(url);
        if !in_memory {
            Self::check_directory(url)?;
        }
        let options = SqliteConnectOptions::from_str(url.expose())
            .map_err(|error| unreachable::unreachable(url, &error))?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(BUSY_TIMEOUT)
            // NORMAL is durable in WAL mode except for the last commits before a power cut, and
            // spares the Pi's SD card an fsync per write.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true);
        let pool = if in_memory {
            // An in-memory database lives as long as its last connection: keep exactly one open.
            SqlitePoolOptions::new()
                .min_connections(1)
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            // One writer at a time is all SQLite allows; a few connections let reads run meanwhile.
            SqlitePoolOptions::new().max_connections(4)
        }
        .connect_with(options)
        .await
        .map_err(|error| unreachable::unreachable(url, &error))?;
        Ok(Self {
            pool,
            url: url.clone(),
        })
    }
}

/// Whether `url` names an in-memory database, which has no file.
fn is_in_memory(url: &DatabaseUrl) -> bool {
    let raw = url.expose();
    raw.contains(":memory:") || raw.contains("mode=memory")
}

/// Runs a multi-row statement. Only full chunks share one SQL text worth keeping prepared;
/// caching the odd-sized last one would only evict statements that are reused.
async fn execute_chunk(
    tx: &mut SqliteConnection,
    mut statement: QueryBuilder<'_, Sqlite>,
    full: bool,
) -> Result<(), sqlx::Error> {
    statement.build().persistent(full).execute(tx).await?;
    Ok(())
}

#[async_trait]
impl Dialect for Sqlite {
    const BACKEND: Backend = Backend::Sqlite;

    type Time = i64;

    fn time_to_db(at: DateTime<Utc>) -> i64 {
        to_millis(at)
    }

    fn time_from_db(stored: i64) -> Result<DateTime<Utc>, sqlx::Error> {
        from_millis(stored)
    }

    fn rows_affected(done: &SqliteQueryResult) -> u64 {
        done.rows_affected()
    }

    const GREATEST: &'static str = "MAX";
    const LEAST: &'static str = "MIN";
    const NULL_SAFE_EQ: &'static str = "IS";
    const FOR_UPDATE_SKIP_LOCKED: &'static str = "";
    const FOR_UPDATE: &'static str = "";
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";

    fn plus_minutes(time: &str, minutes: &str) -> String {
        format!("({time} + ({minutes}) * 60000)")
    }

    fn known_schema() -> i64 {
        MIGRATIONS
            .iter()
            .map(|migration| migration.version)
            .max()
            .unwrap_or(0)
    }

    fn millis_between(from: &str, to: &str) -> String {
        format!("(({to}) - ({from}))")
    }

    /// sqlx's migrator takes no lock on SQLite, so two processes starting on one file could both
    /// see a migration as pending and the second would fail applying it. Running the whole
    /// migration inside one `BEGIN IMMEDIATE` transaction serializes them: the second waits, then
    /// finds everything applied. (Migrations here must therefore be transactional, which SQLite
    /// DDL is.)
    async fn migrate(mut conn: PoolConnection<Sqlite>) -> Result<(), StoreError> {
        let started = Instant::now();
        let mut tx = loop {
            match conn.begin_with("BEGIN IMMEDIATE").await {
                Ok(tx) => break tx,
                Err(sqlx::Error::Database(error))
                    if error.code().as_deref() == Some(SQLITE_BUSY)
                        && started.elapsed() < MIGRATION_LOCK_WAIT =>
                {
                    tracing::info!("another process is migrating the database; waiting");
                }
                Err(error) => return Err(error.into()),
            }
        };
        // `run_direct` is `run` without the `Acquire` bound, which the compiler cannot prove `Send`
        // for every lifetime inside an `async_trait` method (sqlx added it for this case).
        MIGRATIONS.run_direct(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn lock_member(
        _tx: &mut SqliteConnection,
        _guild_id: GuildId,
        _user_id: UserId,
    ) -> Result<(), sqlx::Error> {
        // The transaction began with `BEGIN IMMEDIATE` and already holds the file's write lock.
        Ok(())
    }

    async fn upsert_members(
        tx: &mut SqliteConnection,
        guild_id: GuildId,
        members: &[&MemberRecord],
    ) -> Result<(), sqlx::Error> {
        for chunk in members.chunks(MEMBERS_PER_STATEMENT) {
            let mut insert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO members (guild_id, user_id, display_name, is_bot, joined_at, tracking_opt_out) ",
            );
            insert.push_values(chunk, |mut row, member| {
                row.push_bind(guild_id.to_db())
                    .push_bind(member.user_id.to_db())
                    .push_bind(member.display_name.as_str())
                    .push_bind(member.is_bot)
                    .push_bind(to_millis(member.joined_at))
                    .push_bind(member.tracking_opt_out);
            });
            insert.push(MEMBER_UPSERT);
            execute_chunk(tx, insert, chunk.len() == MEMBERS_PER_STATEMENT).await?;
        }
        Ok(())
    }

    async fn add_rollups(
        tx: &mut SqliteConnection,
        rows: &RollupRows<'_>,
    ) -> Result<(), sqlx::Error> {
        for chunk in rows.messages.chunks(ROLLUP_ROWS_PER_STATEMENT) {
            let mut upsert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO message_rollups (guild_id, hour, channel_id, user_id, messages,
                     with_attachments, replies, in_threads) ",
            );
            upsert.push_values(chunk, |mut row, ((guild, hour, channel, user), counts)| {
                row.push_bind(*guild)
                    .push_bind(to_millis(*hour))
                    .push_bind(*channel)
                    .push_bind(*user)
                    .push_bind(count_to_db(counts.messages))
                    .push_bind(count_to_db(counts.with_attachments))
                    .push_bind(count_to_db(counts.replies))
                    .push_bind(count_to_db(counts.in_threads));
            });
            upsert.push(MESSAGE_ROLLUP_UPSERT);
            execute_chunk(tx, upsert, chunk.len() == ROLLUP_ROWS_PER_STATEMENT).await?;
        }
        for chunk in rows.channels.chunks(ROLLUP_ROWS_PER_STATEMENT) {
            let mut upsert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO channel_rollups (guild_id, hour, channel_id, messages) ",
            );
            upsert.push_values(chunk, |mut row, ((guild, hour, channel), messages)| {
                row.push_bind(*guild)
                    .push_bind(to_millis(*hour))
                    .push_bind(*channel)
                    .push_bind(count_to_db(*messages));
            });
            upsert.push(CHANNEL_ROLLUP_UPSERT);
            execute_chunk(tx, upsert, chunk.len() == ROLLUP_ROWS_PER_STATEMENT).await?;
        }
        for chunk in rows.member_days.chunks(ROLLUP_ROWS_PER_STATEMENT) {
            let mut upsert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO member_message_days (guild_id, day_at, user_id, messages) ",
            );
            upsert.push_values(chunk, |mut row, ((guild, day, user), messages)| {
                row.push_bind(*guild)
                    .push_bind(to_millis(*day))
                    .push_bind(*user)
                    .push_bind(count_to_db(*messages));
            });
            upsert.push(MEMBER_DAY_UPSERT);
            execute_chunk(tx, upsert, chunk.len() == ROLLUP_ROWS_PER_STATEMENT).await?;
        }
        for chunk in rows.emojis.chunks(ROLLUP_ROWS_PER_STATEMENT) {
            let mut upsert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO emoji_rollups (guild_id, hour, emoji, user_id, reactions_added,
                     reactions_removed, in_messages) ",
            );
            upsert.push_values(chunk, |mut row, ((guild, hour, emoji, user), counts)| {
                row.push_bind(*guild)
                    .push_bind(to_millis(*hour))
                    .push_bind(*emoji)
                    .push_bind(*user)
                    .push_bind(count_to_db(counts.reactions_added))
                    .push_bind(count_to_db(counts.reactions_removed))
                    .push_bind(count_to_db(counts.in_messages));
            });
            upsert.push(EMOJI_ROLLUP_UPSERT);
            execute_chunk(tx, upsert, chunk.len() == ROLLUP_ROWS_PER_STATEMENT).await?;
        }
        for chunk in rows.apps.chunks(ROLLUP_ROWS_PER_STATEMENT) {
            let mut upsert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO app_rollups (guild_id, hour, application_id, command, user_id, uses) ",
            );
            upsert.push_values(
                chunk,
                |mut row, ((guild, hour, app, command, user), uses)| {
                    row.push_bind(*guild)
                        .push_bind(to_millis(*hour))
                        .push_bind(*app)
                        .push_bind(*command)
                        .push_bind(*user)
                        .push_bind(count_to_db(*uses));
                },
            );
            upsert.push(APP_ROLLUP_UPSERT);
            execute_chunk(tx, upsert, chunk.len() == ROLLUP_ROWS_PER_STATEMENT).await?;
        }
        Ok(())
    }

    async fn upsert_invites(
        tx: &mut SqliteConnection,
        guild_id: GuildId,
        invites: &[&InviteRecord],
    ) -> Result<(), sqlx::Error> {
        for chunk in invites.chunks(INVITES_PER_STATEMENT) {
            let mut upsert = QueryBuilder::<Sqlite>::new(
                "INSERT INTO invites (guild_id, code, inviter_id, channel_id, uses, max_uses, created_at) ",
            );
            upsert.push_values(chunk, |mut row, invite| {
                row.push_bind(guild_id.to_db())
                    .push_bind(invite.code.as_str())
                    .push_bind(invite.inviter_id.map(UserId::to_db))
                    .push_bind(invite.channel_id.map(ChannelId::to_db))
                    .push_bind(count_to_db(invite.uses))
                    .push_bind(count_to_db(invite.max_uses))
                    .push_bind(invite.created_at.map(to_millis));
            });
            upsert.push(INVITE_UPSERT);
            execute_chunk(tx, upsert, chunk.len() == INVITES_PER_STATEMENT).await?;
        }
        Ok(())
    }
}
