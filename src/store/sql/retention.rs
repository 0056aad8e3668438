//! [`RetentionStore`] for both databases.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Type};

use super::{Column, Dialect, SqlStore};
use crate::domain::ids::GuildId;
use crate::domain::retention::RetentionDays;
use crate::store::codec::StoredId;
use crate::store::retention::{Purged, RetentionStore};
use crate::store::StoreError;

/// One kind of raw activity retention removes: its table, the columns that find a row, and
/// which rows are old (`$2` is the cutoff). Open voice stays and games are never old.
struct Kind {
    table: &'static str,
    key: &'static str,
    old: &'static str,
    /// When it holds the stay the charts keep between draws.
    voice_stays: bool,
}

/// Every kind of raw activity, each read through an index on (guild, time).
const KINDS: &[Kind] = &[
    Kind {
        table: "message_rollups",
        key: "guild_id, hour, channel_id, user_id",
        old: "hour < $2",
        voice_stays: false,
    },
    // A day goes with its first hour: nothing older than the cutoff is kept, even summed.
    Kind {
        table: "member_message_days",
        key: "guild_id, day_at, user_id",
        old: "day_at < $2",
        voice_stays: false,
    },
    Kind {
        table: "channel_rollups",
        key: "guild_id, hour, channel_id",
        old: "hour < $2",
        voice_stays: false,
    },
    Kind {
        table: "emoji_rollups",
        key: "guild_id, hour, emoji, user_id",
        old: "hour < $2",
        voice_stays: false,
    },
    Kind {
        table: "app_rollups",
        key: "guild_id, hour, application_id, command, user_id",
        old: "hour < $2",
        voice_stays: false,
    },
    Kind {
        table: "voice_sessions",
        key: "id",
        old: "joined_at < $2 AND left_at < $2",
        voice_stays: true,
    },
    Kind {
        table: "voice_flag_changes",
        key: "id",
        old: "at < $2",
        voice_stays: false,
    },
    Kind {
        table: "activity_sessions",
        key: "id",
        old: "started_at < $2 AND ended_at < $2",
        voice_stays: false,
    },
    Kind {
        table: "member_joins",
        key: "id",
        old: "joined_at < $2",
        voice_stays: false,
    },
];

/// Where each kind's oldest row begins, for [`RetentionStore::oldest_activity`].
const OLDEST: &str = "SELECT MIN(t) FROM (
        SELECT MIN(hour) AS t FROM message_rollups WHERE guild_id = $1
        UNION ALL SELECT MIN(hour) FROM channel_rollups WHERE guild_id = $1
        UNION ALL SELECT MIN(hour) FROM emoji_rollups WHERE guild_id = $1
        UNION ALL SELECT MIN(hour) FROM app_rollups WHERE guild_id = $1
        UNION ALL SELECT MIN(joined_at) FROM voice_sessions WHERE guild_id = $1
        UNION ALL SELECT MIN(at) FROM voice_flag_changes WHERE guild_id = $1
        UNION ALL SELECT MIN(started_at) FROM activity_sessions WHERE guild_id = $1
        UNION ALL SELECT MIN(joined_at) FROM member_joins WHERE guild_id = $1
    ) AS oldest";

#[async_trait]
impl<DB> RetentionStore for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    Option<DB::Time>: Column<DB>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
{
    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn retention_days(&self, guild_id: GuildId) -> Result<Option<RetentionDays>, StoreError> {
        let days: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT CAST(retention_days AS BIGINT) FROM guild_settings WHERE guild_id = $1",
        )
        .bind(guild_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        // The column's CHECK keeps stored values valid.
        Ok(days
            .flatten()
            .and_then(|days| RetentionDays::new(days).ok()))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn set_retention_days(
        &self,
        guild_id: GuildId,
        days: Option<RetentionDays>,
    ) -> Result<(), StoreError> {
        // The existence check and the write are one statement, so a guild cannot slip in between.
        let written = sqlx::query(
            "INSERT INTO guild_settings (guild_id, retention_days, updated_at)
             SELECT $1, $2, $3
             WHERE EXISTS (SELECT 1 FROM guilds WHERE id = $1)
             ON CONFLICT (guild_id) DO UPDATE SET
                 retention_days = EXCLUDED.retention_days,
                 updated_at = EXCLUDED.updated_at",
        )
        .bind(guild_id.to_db())
        .bind(days.map(|days| i64::from(days.get())))
        .bind(DB::time_to_db(Utc::now()))
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
        if written == 0 {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn retention_guilds(&self) -> Result<Vec<(GuildId, RetentionDays)>, StoreError> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT guild_id, CAST(retention_days AS BIGINT) FROM guild_settings
             WHERE retention_days IS NOT NULL ORDER BY guild_id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(guild, days)| {
                Some((GuildId::from_db(guild), RetentionDays::new(days).ok()?))
            })
            .collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn purge_activity(
        &self,
        guild_id: GuildId,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Purged, StoreError> {
        let mut purged = Purged::default();
        for kind in KINDS {
            // Each statement commits on its own: a batch holds the write lock briefly, and
            // what one removed stays removed if the next fails.
            let done = sqlx::query(&format!(
                "DELETE FROM {table} WHERE ({key}) IN (
                     SELECT {key} FROM {table} WHERE guild_id = $1 AND {old} LIMIT $3)",
                table = kind.table,
                key = kind.key,
                old = kind.old,
            ))
            .bind(guild_id.to_db())
            .bind(DB::time_to_db(before))
            .bind(i64::from(limit))
            .execute(&self.pool)
            .await?;
            let rows = DB::rows_affected(&done);
            purged.rows += rows;
            purged.voice_stays |= kind.voice_stays && rows > 0;
        }
        Ok(purged)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn oldest_activity(
        &self,
        guild_id: GuildId,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let oldest: Option<DB::Time> = sqlx::query_scalar(OLDEST)
            .bind(guild_id.to_db())
            .fetch_one(&self.pool)
            .await?;
        Ok(oldest.map(DB::time_from_db).transpose()?)
    }
}
