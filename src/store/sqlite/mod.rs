//! The SQLite backend: the embedded default, one file next to the bot, nothing to install.
//!
//! The file is opened in WAL mode (readers never wait for the writer) with a busy timeout (a
//! writer waits for another instead of failing at once). Snowflakes are stored as `INTEGER` with
//! the bit-preserving cast of [`GuildId::to_db`]; times as `INTEGER` unix milliseconds in UTC.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection, QueryBuilder, Sqlite, SqliteConnection};

mod activity;
mod squad;

use super::normalize::{
    from_millis, last_entry_per_user, settings_from_row, to_millis, SettingsRow,
};
use super::{unreachable, Backend, GuildRecord, GuildSettings, MemberRecord, Store, StoreError};
use crate::config::DatabaseUrl;
use crate::domain::ids::{GuildId, RoleId, UserId};

/// The SQLite migrations, embedded in the binary so `trakker migrate` needs no files beside it.
pub static MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a writer waits for another writer before giving up with "database is locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long `migrate` keeps waiting for another process that is migrating the same file.
const MIGRATION_LOCK_WAIT: Duration = Duration::from_secs(60);

/// SQLite allows at most this many bound variables per statement (the bundled build's limit).
const SQLITE_MAX_VARIABLES: usize = 32_766;

/// Values bound per member row in [`SqliteStore::upsert_members`].
const BINDS_PER_MEMBER: usize = 6;

/// Members written by one multi-row `INSERT`; a `GUILD_CREATE` of a large guild takes a few.
const MEMBERS_PER_STATEMENT: usize = 1_000;

const _: () = assert!(MEMBERS_PER_STATEMENT * BINDS_PER_MEMBER <= SQLITE_MAX_VARIABLES);

/// The primary result code SQLite reports when another connection holds the write lock.
const SQLITE_BUSY: &str = "5";

/// A [`Store`] on a SQLite file.
pub struct SqliteStore {
    pool: SqlitePool,
    url: DatabaseUrl,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (and creates, when missing) the SQLite file `url` names, e.g. `sqlite://trakker.db`.
    /// Migrations are not applied here: see [`Store::migrate`].
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

    /// Starts a transaction that holds SQLite's write lock from its first statement.
    ///
    /// A deferred transaction that reads before it writes can fail with "database is locked" at
    /// its first write, without waiting, when another connection wrote in between; taking the
    /// lock up front makes it wait for the busy timeout instead.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Sqlite>, sqlx::Error> {
        self.pool.begin_with("BEGIN IMMEDIATE").await
    }
}

/// Whether `url` names an in-memory database, which has no file.
fn is_in_memory(url: &DatabaseUrl) -> bool {
    let raw = url.expose();
    raw.contains(":memory:") || raw.contains("mode=memory")
}

/// Applies [`MIGRATIONS`] while holding the database's write lock.
///
/// sqlx's migrator takes no lock on SQLite, so two processes starting on one file could both see
/// a migration as pending and the second would fail applying it. Running the whole migration
/// inside one `BEGIN IMMEDIATE` transaction serializes them: the second waits, then finds
/// everything applied. (Migrations here must therefore be transactional, which SQLite DDL is.)
async fn migrate_locked(conn: &mut SqliteConnection) -> Result<(), StoreError> {
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

/// A `guilds` row as SQLite returns it.
type GuildRow = (i64, String, i64, Option<i64>);

/// A `members` row as SQLite returns it.
type MemberRow = (i64, String, bool, i64, Option<i64>, bool);

fn guild_from_row((id, name, joined_at, left_at): GuildRow) -> Result<GuildRecord, sqlx::Error> {
    Ok(GuildRecord {
        id: GuildId::from_db(id),
        name,
        joined_at: from_millis(joined_at)?,
        left_at: left_at.map(from_millis).transpose()?,
    })
}

fn member_from_row(
    (user_id, display_name, is_bot, joined_at, left_at, tracking_opt_out): MemberRow,
) -> Result<MemberRecord, sqlx::Error> {
    Ok(MemberRecord {
        user_id: UserId::from_db(user_id),
        display_name,
        is_bot,
        joined_at: from_millis(joined_at)?,
        left_at: left_at.map(from_millis).transpose()?,
        tracking_opt_out,
    })
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        migrate_locked(&mut conn).await
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn upsert_guild(&self, guild: &GuildRecord) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO guilds (id, name, joined_at, left_at) VALUES (?1, ?2, ?3, NULL)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, left_at = NULL",
        )
        .bind(guild.id.to_db())
        .bind(&guild.name)
        .bind(to_millis(guild.joined_at))
        .execute(&mut *tx)
        .await?;
        Self::seed_games(&mut tx, guild.id, guild.joined_at).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn guild(&self, guild_id: GuildId) -> Result<Option<GuildRecord>, StoreError> {
        let row: Option<GuildRow> =
            sqlx::query_as("SELECT id, name, joined_at, left_at FROM guilds WHERE id = ?1")
                .bind(guild_id.to_db())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(guild_from_row).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn mark_guild_left(
        &self,
        guild_id: GuildId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE guilds SET left_at = ?2 WHERE id = ?1 AND left_at IS NULL")
            .bind(guild_id.to_db())
            .bind(to_millis(at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn settings(&self, guild_id: GuildId) -> Result<GuildSettings, StoreError> {
        let row: Option<SettingsRow> = sqlx::query_as(
            "SELECT admin_role_id, default_timezone, tracker_access, tracker_role_id, reaction_emoji,
                    session_idle_minutes
             FROM guild_settings WHERE guild_id = ?1",
        )
        .bind(guild_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map_or_else(GuildSettings::default, settings_from_row))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn save_settings(
        &self,
        guild_id: GuildId,
        settings: &GuildSettings,
    ) -> Result<(), StoreError> {
        // The existence check and the write are one statement, so a guild cannot slip in between.
        let (tracker_mode, tracker_role) = settings.tracker_access.to_db();
        let written = sqlx::query(
            "INSERT INTO guild_settings (guild_id, admin_role_id, default_timezone, tracker_access,
                 tracker_role_id, reaction_emoji, session_idle_minutes, updated_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8
             WHERE EXISTS (SELECT 1 FROM guilds WHERE id = ?1)
             ON CONFLICT (guild_id) DO UPDATE SET
                 admin_role_id = excluded.admin_role_id,
                 default_timezone = excluded.default_timezone,
                 tracker_access = excluded.tracker_access,
                 tracker_role_id = excluded.tracker_role_id,
                 reaction_emoji = excluded.reaction_emoji,
                 session_idle_minutes = excluded.session_idle_minutes,
                 updated_at = excluded.updated_at",
        )
        .bind(guild_id.to_db())
        .bind(settings.admin_role_id.map(RoleId::to_db))
        .bind(settings.default_timezone.as_deref())
        .bind(tracker_mode)
        .bind(tracker_role.map(RoleId::to_db))
        .bind(settings.reaction_emoji.as_deref())
        .bind(i32::try_from(settings.session_idle_minutes).unwrap_or(i32::MAX))
        .bind(to_millis(Utc::now()))
        .execute(&self.pool)
        .await?
        .rows_affected();
        if written == 0 {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        Ok(())
    }

    #[tracing::instrument(skip(self, members), fields(count = members.len()), err(level = "debug"))]
    async fn upsert_members(
        &self,
        guild_id: GuildId,
        members: &[MemberRecord],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM guilds WHERE id = ?1)")
            .bind(guild_id.to_db())
            .fetch_one(&mut *tx)
            .await?;
        if !known {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        let members = last_entry_per_user(members);
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
            insert.push(
                " ON CONFLICT (guild_id, user_id) DO UPDATE SET
                      display_name = excluded.display_name,
                      is_bot = excluded.is_bot,
                      left_at = NULL",
            );
            // Only full chunks share one SQL text; caching the odd-sized last one would only evict
            // statements that are reused.
            insert
                .build()
                .persistent(chunk.len() == MEMBERS_PER_STATEMENT)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn member(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<Option<MemberRecord>, StoreError> {
        let row: Option<MemberRow> = sqlx::query_as(
            "SELECT user_id, display_name, is_bot, joined_at, left_at, tracking_opt_out
             FROM members WHERE guild_id = ?1 AND user_id = ?2",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(member_from_row).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn mark_member_left(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE members SET left_at = ?3 WHERE guild_id = ?1 AND user_id = ?2 AND left_at IS NULL")
            .bind(guild_id.to_db())
            .bind(user_id.to_db())
            .bind(to_millis(at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn set_tracking_opt_out(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        opt_out: bool,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE members SET tracking_opt_out = ?3 WHERE guild_id = ?1 AND user_id = ?2",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(opt_out)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(updated > 0)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn opted_out_members(&self, guild_id: GuildId) -> Result<Vec<UserId>, StoreError> {
        let users: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM members WHERE guild_id = ?1 AND tracking_opt_out = 1 ORDER BY user_id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(users.into_iter().map(UserId::from_db).collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn member_count(&self, guild_id: GuildId) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM members WHERE guild_id = ?1 AND left_at IS NULL",
        )
        .bind(guild_id.to_db())
        .fetch_one(&self.pool)
        .await?;
        // COUNT(*) is never negative.
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
