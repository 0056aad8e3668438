//! [`AchievementStore`] for both databases.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Type};

use super::{Column, Dialect, SqlStore};
use crate::domain::achievements::{Measure, Milestone, Progress};
use crate::domain::ids::{ChannelId, GuildId, RoleId, UserId};
use crate::store::achievements::{AchievementSettings, AchievementStore, NewMilestone, Unlock};
use crate::store::codec::StoredId;
use crate::store::StoreError;

/// A member's ledger measures in one statement, read off the covering index `kill_ledger_tally`.
/// The member's rows are read apart (`MATERIALIZED`) before they are put in time order: left to
/// itself, SQLite without table statistics walks the guild's whole ledger by `kill_ledger_by_time`
/// to avoid that sort (90 ms on a million rows instead of half a millisecond). Runs are numbered by the team kills before each entry in time order (the id settles a tie),
/// so a run's kills are a clean streak; kind 0 is a kill and 1 a team kill. A season's first
/// kill is looked up only for the seasons the member killed in (`kill_ledger_first_kills`).
const PROGRESS: &str = "
    WITH mine AS MATERIALIZED (
        SELECT kind, count, session_id, season_id, recorded_at, id FROM kill_ledger
        WHERE guild_id = $1 AND player_id = $2 AND undone_at IS NULL),
    e AS MATERIALIZED (
        SELECT kind, count, session_id, season_id,
               SUM(kind) OVER (ORDER BY recorded_at, id ROWS UNBOUNDED PRECEDING) AS run
        FROM mine),
    per_session AS (
        SELECT SUM(CASE WHEN kind = 0 THEN count ELSE 0 END) AS kills,
               SUM(CASE WHEN kind = 1 THEN count ELSE 0 END) AS teamkills
        FROM e WHERE session_id IS NOT NULL GROUP BY session_id),
    runs AS (
        SELECT SUM(CASE WHEN kind = 0 THEN count ELSE 0 END) AS kills FROM e GROUP BY run)
    SELECT CAST(COALESCE((SELECT SUM(count) FROM e WHERE kind = 0), 0) AS BIGINT),
           CAST(COALESCE((SELECT MAX(kills) FROM per_session), 0) AS BIGINT),
           CAST(COALESCE((SELECT MAX(kills) FROM runs), 0) AS BIGINT),
           CAST((SELECT COUNT(*) FROM per_session) AS BIGINT),
           CAST(COALESCE((SELECT MAX(teamkills) FROM per_session), 0) AS BIGINT),
           CAST((SELECT COUNT(*) FROM seasons s
                 WHERE s.guild_id = $1
                   AND s.id IN (SELECT season_id FROM e WHERE kind = 0)
                   AND $2 = (SELECT k.player_id FROM kill_ledger k
                             WHERE k.guild_id = $1 AND k.season_id = s.id AND k.kind = 0
                               AND k.undone_at IS NULL
                             ORDER BY k.recorded_at, k.id LIMIT 1)) AS BIGINT)";

/// The key of a server's own milestone with this row id.
fn custom_key(id: i64) -> String {
    format!("custom-{id}")
}

/// The row id of a server's own milestone key; `None` for a built-in key.
fn custom_id(key: &str) -> Option<i64> {
    key.strip_prefix("custom-")?.parse().ok()
}

fn milestone_from_row(
    (id, name, emoji, measure, threshold): (i64, String, String, String, i64),
) -> Option<Milestone> {
    Some(Milestone {
        key: custom_key(id),
        name,
        emoji,
        measure: Measure::from_key(&measure)?,
        threshold: u64::try_from(threshold).ok()?,
    })
}

/// Writes one settings column for a recorded guild, creating the row; zero rows written means
/// the guild is unknown.
const UPSERT_SETTING: &str = "INSERT INTO achievement_settings (guild_id, {column})
     SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM guilds WHERE id = $1)
     ON CONFLICT (guild_id) DO UPDATE SET {column} = EXCLUDED.{column}";

impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i64: Column<DB>,
    bool: Column<DB>,
{
    /// Sets one yes-or-no column of the guild's achievement settings.
    async fn set_achievement_flag(
        &self,
        guild_id: GuildId,
        column: &str,
        on: bool,
    ) -> Result<(), StoreError> {
        let written = sqlx::query(&UPSERT_SETTING.replace("{column}", column))
            .bind(guild_id.to_db())
            .bind(on)
            .execute(&self.pool)
            .await
            .map(|done| DB::rows_affected(&done))?;
        known_guild(guild_id, written)
    }
}

#[async_trait]
impl<DB> AchievementStore for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    bool: Column<DB>,
    String: Column<DB>,
    Option<i64>: Column<DB>,
    DB::Time: Column<DB>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
{
    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn custom_milestones(&self, guild_id: GuildId) -> Result<Vec<Milestone>, StoreError> {
        let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
            "SELECT id, name, emoji, measure, CAST(threshold AS BIGINT) FROM milestones
             WHERE guild_id = $1 ORDER BY id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        // A measure a newer trakker stored is skipped rather than failing every /track.
        Ok(rows.into_iter().filter_map(milestone_from_row).collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn add_milestone(
        &self,
        guild_id: GuildId,
        milestone: &NewMilestone,
        limit: u32,
        at: DateTime<Utc>,
    ) -> Result<Option<Milestone>, StoreError> {
        let (mut tx, held) = self.lock_guild_counting(guild_id, "milestones").await?;
        if held >= i64::from(limit) {
            return Ok(None);
        }
        let threshold = i64::try_from(milestone.threshold.get()).unwrap_or(i64::MAX);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO milestones (guild_id, name, emoji, measure, threshold, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(guild_id.to_db())
        .bind(milestone.name.as_str())
        .bind(milestone.emoji.as_str())
        .bind(milestone.measure.key())
        .bind(threshold)
        .bind(DB::time_to_db(at))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(Milestone {
            key: custom_key(id),
            name: milestone.name.clone(),
            emoji: milestone.emoji.clone(),
            measure: milestone.measure,
            threshold: milestone.threshold.get(),
        }))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn remove_milestone(&self, guild_id: GuildId, key: &str) -> Result<bool, StoreError> {
        let Some(id) = custom_id(key) else {
            return Ok(false);
        };
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query("DELETE FROM milestones WHERE guild_id = $1 AND id = $2")
            .bind(guild_id.to_db())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map(|done| DB::rows_affected(&done))?;
        for table in ["milestone_roles", "achievement_unlocks"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE guild_id = $1 AND milestone = $2"
            ))
            .bind(guild_id.to_db())
            .bind(key)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(removed > 0)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn achievement_settings(
        &self,
        guild_id: GuildId,
    ) -> Result<AchievementSettings, StoreError> {
        let row: Option<(bool, Option<i64>, bool)> = sqlx::query_as(
            "SELECT enabled, channel_id, shame_badges FROM achievement_settings
             WHERE guild_id = $1",
        )
        .bind(guild_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        let rewards: Vec<(String, i64)> = sqlx::query_as(
            "SELECT milestone, role_id FROM milestone_roles WHERE guild_id = $1 ORDER BY milestone",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        let (enabled, channel_id, shame_badges) = row.unwrap_or((true, None, true));
        Ok(AchievementSettings {
            enabled,
            channel_id: channel_id.map(ChannelId::from_db),
            shame_badges,
            rewards: rewards
                .into_iter()
                .map(|(key, role)| (key, RoleId::from_db(role)))
                .collect(),
        })
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn set_achievement_channel(
        &self,
        guild_id: GuildId,
        channel_id: Option<ChannelId>,
    ) -> Result<(), StoreError> {
        let written = sqlx::query(&UPSERT_SETTING.replace("{column}", "channel_id"))
            .bind(guild_id.to_db())
            .bind(channel_id.map(StoredId::to_db))
            .execute(&self.pool)
            .await
            .map(|done| DB::rows_affected(&done))?;
        known_guild(guild_id, written)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn set_shame_badges(&self, guild_id: GuildId, on: bool) -> Result<(), StoreError> {
        self.set_achievement_flag(guild_id, "shame_badges", on)
            .await
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn set_achievements_enabled(
        &self,
        guild_id: GuildId,
        on: bool,
    ) -> Result<(), StoreError> {
        self.set_achievement_flag(guild_id, "enabled", on).await
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn set_milestone_role(
        &self,
        guild_id: GuildId,
        milestone: &str,
        role_id: Option<RoleId>,
    ) -> Result<(), StoreError> {
        let Some(role_id) = role_id else {
            sqlx::query("DELETE FROM milestone_roles WHERE guild_id = $1 AND milestone = $2")
                .bind(guild_id.to_db())
                .bind(milestone)
                .execute(&self.pool)
                .await?;
            return Ok(());
        };
        let written = sqlx::query(
            "INSERT INTO milestone_roles (guild_id, milestone, role_id)
             SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM guilds WHERE id = $1)
             ON CONFLICT (guild_id, milestone) DO UPDATE SET role_id = EXCLUDED.role_id",
        )
        .bind(guild_id.to_db())
        .bind(milestone)
        .bind(role_id.to_db())
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
        known_guild(guild_id, written)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn unlocks(&self, guild_id: GuildId, user_id: UserId) -> Result<Vec<Unlock>, StoreError> {
        let rows: Vec<(String, DB::Time)> = sqlx::query_as(
            "SELECT milestone, unlocked_at FROM achievement_unlocks
             WHERE guild_id = $1 AND user_id = $2 ORDER BY unlocked_at, milestone",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(milestone, at)| {
                Ok(Unlock {
                    milestone,
                    unlocked_at: DB::time_from_db(at)?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn unlock(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        milestone: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let written = sqlx::query(
            "INSERT INTO achievement_unlocks (guild_id, user_id, milestone, unlocked_at)
             SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM guilds WHERE id = $1)
             ON CONFLICT DO NOTHING",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(milestone)
        .bind(DB::time_to_db(at))
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
        Ok(written == 1)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn revoke(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        milestone: &str,
    ) -> Result<bool, StoreError> {
        let removed = sqlx::query(
            "DELETE FROM achievement_unlocks
             WHERE guild_id = $1 AND user_id = $2 AND milestone = $3",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(milestone)
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
        Ok(removed == 1)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn ledger_progress(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<Progress, StoreError> {
        let row: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(PROGRESS)
            .bind(guild_id.to_db())
            .bind(user_id.to_db())
            .fetch_one(&self.pool)
            .await?;
        let count = |value: i64| u64::try_from(value).unwrap_or(0);
        Ok(Progress {
            kills: count(row.0),
            best_session_kills: count(row.1),
            longest_clean_streak: count(row.2),
            sessions: count(row.3),
            worst_session_teamkills: count(row.4),
            season_first_kill: row.5 > 0,
            voice_hours: 0,
            voice_weeks: 0,
        })
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn voice_closed_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(GuildId, UserId)>, StoreError> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT DISTINCT guild_id, user_id FROM voice_sessions WHERE left_at >= $1
             ORDER BY guild_id, user_id",
        )
        .bind(DB::time_to_db(since))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(guild, user)| (GuildId::from_db(guild), UserId::from_db(user)))
            .collect())
    }
}

fn known_guild(guild_id: GuildId, written: u64) -> Result<(), StoreError> {
    if written == 0 {
        Err(StoreError::UnknownGuild(guild_id))
    } else {
        Ok(())
    }
}
