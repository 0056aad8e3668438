//! [`ChartStore`] for both databases.
//!
//! The stays are read as offsets in milliseconds from the period's start, which both databases
//! compute the same way ([`Dialect::millis_between`]): decoding hundreds of thousands of rows as
//! plain integers is several times cheaper than as times.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::TryStreamExt as _;
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Type};

use super::{Column, Dialect, SqlStore};
use crate::domain::ids::{ChannelId, GuildId, UserId};
use crate::store::charts::{ChannelHour, ChartStore, DirectoryEntry, LedgerStay, VoiceStay};
use crate::store::codec::{count_from_db, StoredId};
use crate::store::StoreError;

/// Rows of members marked as bots are left out of every chart query.
const NOT_A_BOT: &str =
    "user_id NOT IN (SELECT user_id FROM members WHERE guild_id = $1 AND is_bot)";

#[async_trait]
impl<DB> ChartStore for SqlStore<DB>
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
    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn voice_stays(
        &self,
        guild_id: GuildId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<VoiceStay>, StoreError> {
        let start = DB::millis_between("$2", &format!("{}(joined_at, $2)", DB::GREATEST));
        let end = DB::millis_between("$2", &format!("{}(COALESCE(left_at, $3), $3)", DB::LEAST));
        let rows: Vec<(i64, i64, i64, i64)> = sqlx::query_as(&format!(
            "SELECT channel_id, user_id, {start}, {end} FROM voice_sessions
             WHERE guild_id = $1 AND NOT afk AND joined_at < $3
               AND (left_at IS NULL OR left_at > $2) AND {NOT_A_BOT}"
        ))
        .bind(guild_id.to_db())
        .bind(DB::time_to_db(since))
        .bind(DB::time_to_db(until))
        .fetch_all(&self.pool)
        .await?;
        let origin = since.timestamp_millis();
        Ok(rows
            .into_iter()
            .filter(|&(_, _, start, end)| end > start)
            .map(|(channel, user, start, end)| VoiceStay {
                user: UserId::from_db(user).0,
                channel: ChannelId::from_db(channel).0,
                start_ms: origin + start,
                end_ms: origin + end,
            })
            .collect())
    }

    #[tracing::instrument(skip(self, also), fields(also = also.len()), err(level = "debug"))]
    async fn ledger_stays(
        &self,
        guild_id: GuildId,
        after: i64,
        also: &[i64],
        limit: usize,
    ) -> Result<Vec<LedgerStay>, StoreError> {
        let start = DB::millis_between("$3", "joined_at");
        let end = DB::millis_between("$3", "left_at");
        // The ids of open stays follow as $5, $6, …: a few hundred at most (who is in voice).
        let listed = (0..also.len())
            .map(|at| format!("${}", at + 5))
            .collect::<Vec<_>>()
            .join(", ");
        let reopened = if also.is_empty() {
            String::new()
        } else {
            format!(" OR id IN ({listed})")
        };
        let statement = format!(
            "SELECT id, channel_id, user_id, {start}, {end} FROM voice_sessions
             WHERE guild_id = $1 AND NOT afk AND {NOT_A_BOT} AND (id > $2{reopened})
             ORDER BY id LIMIT $4"
        );
        let mut query = sqlx::query_as::<_, (i64, i64, i64, i64, Option<i64>)>(&statement)
            .bind(guild_id.to_db())
            .bind(after)
            .bind(DB::time_to_db(DateTime::UNIX_EPOCH))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX));
        for id in also {
            query = query.bind(*id);
        }
        let mut rows = query.fetch(&self.pool);
        let mut stays = Vec::new();
        while let Some((id, channel, user, start_ms, end_ms)) = rows.try_next().await? {
            stays.push(LedgerStay {
                id,
                user: UserId::from_db(user),
                channel: ChannelId::from_db(channel),
                start_ms,
                end_ms,
            });
        }
        Ok(stays)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn channel_hours(
        &self,
        guild_id: GuildId,
        since: DateTime<Utc>,
    ) -> Result<Vec<ChannelHour>, StoreError> {
        let offset = DB::millis_between("$2", "hour");
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(&format!(
            "SELECT {offset}, channel_id, messages FROM channel_rollups
             WHERE guild_id = $1 AND hour >= $2 AND messages > 0
             ORDER BY hour, channel_id"
        ))
        .bind(guild_id.to_db())
        .bind(DB::time_to_db(since))
        .fetch_all(&self.pool)
        .await?;
        let origin = since.timestamp_millis();
        Ok(rows
            .into_iter()
            .map(|(offset, channel, messages)| ChannelHour {
                hour_ms: origin + offset,
                channel: ChannelId::from_db(channel),
                messages: count_from_db(messages),
            })
            .collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn member_directory(&self, guild_id: GuildId) -> Result<Vec<DirectoryEntry>, StoreError> {
        let rows: Vec<(i64, String, bool, bool)> = sqlx::query_as(
            "SELECT user_id, display_name, is_bot, left_at IS NOT NULL FROM members
             WHERE guild_id = $1 ORDER BY user_id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(user, display_name, is_bot, left)| DirectoryEntry {
                user: UserId::from_db(user),
                display_name,
                is_bot,
                left,
            })
            .collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn open_charts(&self, guild_id: GuildId) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT chart FROM open_charts WHERE guild_id = $1 ORDER BY chart")
                .bind(guild_id.to_db())
                .fetch_all(&self.pool)
                .await?,
        )
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn set_chart_open(
        &self,
        guild_id: GuildId,
        chart: &str,
        open: bool,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        if !Self::guild_known(&mut tx, guild_id).await? {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        let statement = if open {
            "INSERT INTO open_charts (guild_id, chart) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM open_charts WHERE guild_id = $1 AND chart = $2"
        };
        let changed = sqlx::query(statement)
            .bind(guild_id.to_db())
            .bind(chart)
            .execute(&mut *tx)
            .await
            .map(|done| DB::rows_affected(&done))?;
        tx.commit().await?;
        Ok(changed > 0)
    }
}
