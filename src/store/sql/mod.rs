//! The store's queries, written once for both databases: [`SqlStore`] implements [`Store`],
//! [`crate::store::SquadStore`] and [`crate::store::ActivityStore`] for any database with a
//! [`Dialect`].
//!
//! Read a query here and you know what runs on both databases; what differs between them (time
//! storage, a few SQL fragments, bulk upserts, locks) is in [`dialect`], implemented in
//! `store/sqlite.rs` and `store/postgres.rs`, which also open the connection pools.
//!
//! Each `impl` block repeats the same `where` clause: the types the queries bind and read, and
//! that a connection executes statements. Rust does not carry such clauses over from a trait's
//! declaration to its users, so they cannot live on [`Dialect`] alone.

mod achievements;
mod activity;
mod charts;
pub mod dialect;
mod exports;
mod portable;
mod privacy;
mod recap;
mod retention;
mod schedule;
mod squad;
mod tournaments;
mod webhooks;

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Pool, Transaction, Type};

pub use dialect::Dialect;

use super::codec::{access_to_db, StoredId};
use super::normalize::{last_entry_per_user, settings_from_row, SettingsRow};
use super::{Backend, GuildRecord, GuildSettings, MemberRecord, Store, StoreError};
use crate::config::DatabaseUrl;
use crate::domain::ids::{GuildId, RoleId, UserId};

/// A value the shared queries bind and read on database `DB`.
pub trait Column<DB: sqlx::Database>:
    Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Send
{
}

impl<DB: sqlx::Database, T> Column<DB> for T where
    T: Type<DB> + for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Send
{
}

/// A [`Store`] on a database with a [`Dialect`]: [`crate::store::sqlite::SqliteStore`] or
/// [`crate::store::postgres::PostgresStore`].
pub struct SqlStore<DB: Dialect> {
    pub(super) pool: Pool<DB>,
    pub(super) url: DatabaseUrl,
}

impl<DB: Dialect> fmt::Debug for SqlStore<DB> {
    // Written by hand: the pool's own `Debug` shows its connect options, password included.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &DB::BACKEND)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl<DB: Dialect> SqlStore<DB> {
    /// The connection pool, for reading tables this interface does not expose (test support
    /// checks what was stored through it).
    #[must_use]
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// Starts a transaction that writes (see [`Dialect::BEGIN_WRITE`]).
    async fn begin_write(&self) -> Result<Transaction<'static, DB>, sqlx::Error> {
        self.pool.begin_with(DB::BEGIN_WRITE).await
    }
}

impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
{
    /// Starts a write transaction holding the guild's row (on Postgres; SQLite's write
    /// transaction holds the whole file) and counts the guild's rows in `table`, so that two
    /// managers adding at once cannot both pass a limit checked against the count. An unknown
    /// guild is [`StoreError::UnknownGuild`].
    async fn lock_guild_counting(
        &self,
        guild_id: GuildId,
        table: &str,
    ) -> Result<(Transaction<'static, DB>, i64), StoreError> {
        let mut tx = self.begin_write().await?;
        let known: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM guilds WHERE id = $1{}",
            DB::FOR_UPDATE
        ))
        .bind(guild_id.to_db())
        .fetch_optional(&mut *tx)
        .await?;
        if known.is_none() {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        let held: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE guild_id = $1"))
                .bind(guild_id.to_db())
                .fetch_one(&mut *tx)
                .await?;
        Ok((tx, held))
    }
}

#[async_trait]
impl<DB> Store for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    bool: Column<DB>,
    String: Column<DB>,
    Option<i64>: Column<DB>,
    Option<String>: Column<DB>,
    Option<DB::Time>: Column<DB>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
    for<'a> Option<&'a str>: Type<DB> + Encode<'a, DB>,
{
    fn backend(&self) -> Backend {
        DB::BACKEND
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn migrate(&self) -> Result<(), StoreError> {
        DB::migrate(self.pool.acquire().await?).await
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
            "INSERT INTO guilds (id, name, joined_at, left_at) VALUES ($1, $2, $3, NULL)
             ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, left_at = NULL",
        )
        .bind(guild.id.to_db())
        .bind(&guild.name)
        .bind(DB::time_to_db(guild.joined_at))
        .execute(&mut *tx)
        .await?;
        Self::seed_games(&mut tx, guild.id, guild.joined_at).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn mark_guild_left(
        &self,
        guild_id: GuildId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE guilds SET left_at = $2 WHERE id = $1 AND left_at IS NULL")
            .bind(guild_id.to_db())
            .bind(DB::time_to_db(at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn settings(&self, guild_id: GuildId) -> Result<GuildSettings, StoreError> {
        let row: Option<SettingsRow> = sqlx::query_as(
            "SELECT admin_role_id, default_timezone, tracker_access, tracker_role_id, reaction_emoji,
                    CAST(session_idle_minutes AS BIGINT)
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
        let (tracker_mode, tracker_role) = access_to_db(settings.tracker_access);
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
        // The column is a 32-bit integer on Postgres; no idle limit comes near it.
        .bind(i64::from(
            settings.session_idle_minutes.min(i32::MAX.unsigned_abs()),
        ))
        .bind(DB::time_to_db(Utc::now()))
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
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
        if !Self::guild_known(&mut tx, guild_id).await? {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        DB::upsert_members(&mut tx, guild_id, &last_entry_per_user(members)).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn mark_member_left(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE members SET left_at = $3
             WHERE guild_id = $1 AND user_id = $2 AND left_at IS NULL",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(DB::time_to_db(at))
        .execute(&self.pool)
        .await?;
        Ok(())
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

    async fn close(&self) {
        self.pool.close().await;
    }
}
