//! The PostgreSQL backend: production, several shard processes sharing one database.
//!
//! Snowflakes are stored as `bigint` with the bit-preserving cast of [`GuildId::to_db`]; times as
//! `timestamptz`, cut to the millisecond so they read back exactly as on SQLite. Bulk writes bind
//! one array per column and `UNNEST` them, so a batch of any size is one statement.
//!
//! The database itself must exist: creating it (and its owner) is the operator's job, done once
//! with `createdb` or the hosting provider's console. `trakker migrate` then creates the tables.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::Connection;

mod activity;
mod squad;

use super::normalize::{last_entry_per_user, settings_from_row, truncate_to_millis, SettingsRow};
use super::{unreachable, Backend, GuildRecord, GuildSettings, MemberRecord, Store, StoreError};
use crate::config::DatabaseUrl;
use crate::domain::ids::{GuildId, RoleId, UserId};

/// The Postgres migrations, embedded in the binary so `trakker migrate` needs no files beside it.
pub static MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// How long the first connection at start-up may take before failing.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a query waits for a pooled connection before failing as unavailable. A command must
/// be able to say "the database is not answering" inside Discord's three seconds, and while the
/// server is down every new connection is refused, so a longer wait only delays that answer.
/// The batched writer retries failed flushes itself.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// Connections per process. Several shard processes share the server's connection limit (small on
/// hosted plans), and the batched writer needs few.
const MAX_CONNECTIONS: u32 = 5;

/// Members written by one `UNNEST` statement: bounds the size of one protocol message.
const MEMBERS_PER_STATEMENT: usize = 10_000;

/// A [`Store`] on a PostgreSQL database.
pub struct PostgresStore {
    pool: PgPool,
    url: DatabaseUrl,
}

impl fmt::Debug for PostgresStore {
    // Written by hand: the pool's own `Debug` shows its connect options, password included.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to the existing database `url` names, e.g. `postgres://user:pw@host/trakker`.
    /// Migrations are not applied here: see [`Store::migrate`].
    ///
    /// # Errors
    /// When the URL is not a Postgres URL, or the server cannot be reached within 10 s or refuses
    /// the connection (wrong password, missing database); the error says which.
    // No `err` here: the caller reports the error, and one message is enough.
    #[tracing::instrument(skip_all, fields(url = %url))]
    pub async fn open(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url.expose())
            .map_err(|error| unreachable::unreachable(url, &error))?
            .application_name("trakker");
        // A pool retries a refused connection until its acquire timeout and then reports only
        // "pool timed out"; one direct attempt first fails at once, with the server's reason.
        match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
            Ok(Ok(connection)) => {
                let _ = connection.close().await;
            }
            Ok(Err(error)) => return Err(unreachable::unreachable(url, &error)),
            Err(_) => {
                return Err(unreachable::because(
                    url,
                    format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
                ))
            }
        }
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|error| unreachable::unreachable(url, &error))?;
        Ok(Self {
            pool,
            url: url.clone(),
        })
    }
}

/// A `guilds` row as Postgres returns it.
type GuildRow = (i64, String, DateTime<Utc>, Option<DateTime<Utc>>);

/// A `members` row as Postgres returns it.
type MemberRow = (
    i64,
    String,
    bool,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    bool,
);

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn migrate(&self) -> Result<(), StoreError> {
        // sqlx holds a session-level advisory lock (`pg_advisory_lock`, keyed by the database name)
        // from before it creates `_sqlx_migrations` until it is done, so processes starting at the
        // same moment apply migrations one after the other.
        let mut conn = self.pool.acquire().await?;
        // `run_direct` is `run` without the `Acquire` bound, which the compiler cannot prove `Send`
        // for every lifetime inside an `async_trait` method (sqlx added it for this case).
        match MIGRATIONS.run_direct(&mut *conn).await {
            Ok(()) => Ok(()),
            Err(error) => {
                // A failed run returns without unlocking; closing the session releases the lock,
                // where returning the connection to the pool would keep it held.
                let _ = conn.detach().close().await;
                Err(error.into())
            }
        }
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn upsert_guild(&self, guild: &GuildRecord) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO guilds (id, name, joined_at, left_at) VALUES ($1, $2, $3, NULL)
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, left_at = NULL",
        )
        .bind(guild.id.to_db())
        .bind(&guild.name)
        .bind(truncate_to_millis(guild.joined_at))
        .execute(&mut *tx)
        .await?;
        Self::seed_games(&mut tx, guild.id, guild.joined_at).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn guild(&self, guild_id: GuildId) -> Result<Option<GuildRecord>, StoreError> {
        let row: Option<GuildRow> =
            sqlx::query_as("SELECT id, name, joined_at, left_at FROM guilds WHERE id = $1")
                .bind(guild_id.to_db())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id, name, joined_at, left_at)| GuildRecord {
            id: GuildId::from_db(id),
            name,
            joined_at,
            left_at,
        }))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn mark_guild_left(
        &self,
        guild_id: GuildId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE guilds SET left_at = $2 WHERE id = $1 AND left_at IS NULL")
            .bind(guild_id.to_db())
            .bind(truncate_to_millis(at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn settings(&self, guild_id: GuildId) -> Result<GuildSettings, StoreError> {
        let row: Option<SettingsRow> = sqlx::query_as(
            "SELECT admin_role_id, default_timezone, tracker_access, tracker_role_id, reaction_emoji,
                    session_idle_minutes::bigint
             FROM guild_settings WHERE guild_id = $1",
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
             SELECT $1, $2, $3, $4, $5, $6, $7, $8
             WHERE EXISTS (SELECT 1 FROM guilds WHERE id = $1)
             ON CONFLICT (guild_id) DO UPDATE SET
                 admin_role_id = EXCLUDED.admin_role_id,
                 default_timezone = EXCLUDED.default_timezone,
                 tracker_access = EXCLUDED.tracker_access,
                 tracker_role_id = EXCLUDED.tracker_role_id,
                 reaction_emoji = EXCLUDED.reaction_emoji,
                 session_idle_minutes = EXCLUDED.session_idle_minutes,
                 updated_at = EXCLUDED.updated_at",
        )
        .bind(guild_id.to_db())
        .bind(settings.admin_role_id.map(RoleId::to_db))
        .bind(settings.default_timezone.as_deref())
        .bind(tracker_mode)
        .bind(tracker_role.map(RoleId::to_db))
        .bind(settings.reaction_emoji.as_deref())
        .bind(i32::try_from(settings.session_idle_minutes).unwrap_or(i32::MAX))
        .bind(truncate_to_millis(Utc::now()))
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
        let mut tx = self.pool.begin().await?;
        let known: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM guilds WHERE id = $1)")
            .bind(guild_id.to_db())
            .fetch_one(&mut *tx)
            .await?;
        if !known {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        let members = last_entry_per_user(members);
        for chunk in members.chunks(MEMBERS_PER_STATEMENT) {
            let user_ids: Vec<i64> = chunk.iter().map(|m| m.user_id.to_db()).collect();
            let names: Vec<&str> = chunk.iter().map(|m| m.display_name.as_str()).collect();
            let bots: Vec<bool> = chunk.iter().map(|m| m.is_bot).collect();
            let joined: Vec<DateTime<Utc>> = chunk
                .iter()
                .map(|m| truncate_to_millis(m.joined_at))
                .collect();
            let opt_outs: Vec<bool> = chunk.iter().map(|m| m.tracking_opt_out).collect();
            sqlx::query(
                "INSERT INTO members (guild_id, user_id, display_name, is_bot, joined_at, tracking_opt_out)
                 SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::boolean[], $5::timestamptz[], $6::boolean[])
                 ON CONFLICT (guild_id, user_id) DO UPDATE SET
                     display_name = EXCLUDED.display_name,
                     is_bot = EXCLUDED.is_bot,
                     left_at = NULL",
            )
            .bind(guild_id.to_db())
            .bind(&user_ids)
            .bind(&names)
            .bind(&bots)
            .bind(&joined)
            .bind(&opt_outs)
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
             FROM members WHERE guild_id = $1 AND user_id = $2",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(
            |(user_id, display_name, is_bot, joined_at, left_at, tracking_opt_out)| MemberRecord {
                user_id: UserId::from_db(user_id),
                display_name,
                is_bot,
                joined_at,
                left_at,
                tracking_opt_out,
            },
        ))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn mark_member_left(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE members SET left_at = $3 WHERE guild_id = $1 AND user_id = $2 AND left_at IS NULL")
            .bind(guild_id.to_db())
            .bind(user_id.to_db())
            .bind(truncate_to_millis(at))
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
            "UPDATE members SET tracking_opt_out = $3 WHERE guild_id = $1 AND user_id = $2",
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
            "SELECT user_id FROM members WHERE guild_id = $1 AND tracking_opt_out ORDER BY user_id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(users.into_iter().map(UserId::from_db).collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn member_count(&self, guild_id: GuildId) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM members WHERE guild_id = $1 AND left_at IS NULL",
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
