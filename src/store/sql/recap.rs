//! [`RecapStore`] for both databases.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc, Weekday};
use sqlx::{ColumnIndex, Executor, IntoArguments};

use super::activity::{recent_stays, RECENT_DAYS};
use super::{Column, Dialect, SqlStore};
use crate::domain::coplay::VoiceStay;
use crate::domain::ids::{ChannelId, GuildId, UserId};
use crate::store::codec::{day_to_db, StoredId};
use crate::store::normalize::day_of;
use crate::store::recap::{RecapCounts, RecapSettings, RecapStore};
use crate::store::StoreError;

/// How long a claim may go without its post before another pass takes it over.
const STALE_CLAIM: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

fn weekday_from_db(stored: i64) -> Weekday {
    Weekday::try_from(u8::try_from(stored.rem_euclid(7)).unwrap_or(0)).unwrap_or(Weekday::Mon)
}

/// Per member totals, most first, as the total and the first `limit` members; the placeholder
/// of erased members (0) is counted in the total and never named.
fn total_and_top(mut rows: Vec<(i64, i64)>, limit: u32) -> (u64, Vec<(UserId, u64)>) {
    let total = rows.iter().map(|(_, value)| count(*value)).sum();
    rows.retain(|(user, value)| *user != 0 && *value > 0);
    rows.sort_by_key(|(user, value)| (std::cmp::Reverse(*value), UserId::from_db(*user).0));
    let top = rows
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|(user, value)| (UserId::from_db(user), count(value)))
        .collect();
    (total, top)
}

#[async_trait]
impl<DB> RecapStore for SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    Option<i64>: Column<DB>,
    DB::Time: Column<DB>,
    Option<DB::Time>: Column<DB>,
{
    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn recap_settings(&self, guild_id: GuildId) -> Result<Option<RecapSettings>, StoreError> {
        let row: Option<(i64, i64, i64, DB::Time)> = sqlx::query_as(
            "SELECT channel_id, weekday, local_hour, set_up_at FROM recap_settings WHERE guild_id = $1",
        )
        .bind(guild_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        row.map(settings_from_row::<DB>).transpose()
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn save_recap_settings(
        &self,
        guild_id: GuildId,
        settings: &RecapSettings,
    ) -> Result<(), StoreError> {
        let written = sqlx::query(
            "INSERT INTO recap_settings (guild_id, channel_id, weekday, local_hour, set_up_at)
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM guilds WHERE id = $1)
             ON CONFLICT (guild_id) DO UPDATE SET channel_id = EXCLUDED.channel_id,
                 weekday = EXCLUDED.weekday, local_hour = EXCLUDED.local_hour,
                 set_up_at = EXCLUDED.set_up_at",
        )
        .bind(guild_id.to_db())
        .bind(settings.channel_id.to_db())
        .bind(i64::from(settings.weekday.num_days_from_monday()))
        .bind(i64::from(settings.hour))
        .bind(DB::time_to_db(settings.set_up_at))
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
        if written == 0 {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn stop_recap(&self, guild_id: GuildId) -> Result<bool, StoreError> {
        let removed = sqlx::query("DELETE FROM recap_settings WHERE guild_id = $1")
            .bind(guild_id.to_db())
            .execute(&self.pool)
            .await
            .map(|done| DB::rows_affected(&done))?;
        Ok(removed > 0)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn recaps(&self) -> Result<Vec<(GuildId, RecapSettings)>, StoreError> {
        let rows: Vec<(i64, i64, i64, i64, DB::Time)> = sqlx::query_as(
            "SELECT guild_id, channel_id, weekday, local_hour, set_up_at FROM recap_settings
             ORDER BY guild_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(guild, channel, weekday, hour, at)| {
                Ok((
                    GuildId::from_db(guild),
                    settings_from_row::<DB>((channel, weekday, hour, at))?,
                ))
            })
            .collect()
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn claim_recap(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        // Every process asks every minute for a day after the recap's time: a read answers
        // once it is made or claimed, without taking SQLite's write lock.
        let settled: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(1 AS BIGINT) FROM recap_posts WHERE guild_id = $1 AND day = $2
               AND (message_id IS NOT NULL OR claimed_at >= $3)",
        )
        .bind(guild_id.to_db())
        .bind(day_to_db(day))
        .bind(DB::time_to_db(at - STALE_CLAIM))
        .fetch_optional(&self.pool)
        .await?;
        if settled.is_some() {
            return Ok(false);
        }
        // A claim whose post never went out (the process stopped in between) is taken over once
        // it is stale; a posted recap is never claimed again.
        let written = sqlx::query(
            "INSERT INTO recap_posts (guild_id, day, claimed_at)
             SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM guilds WHERE id = $1)
             ON CONFLICT (guild_id, day) DO UPDATE SET claimed_at = EXCLUDED.claimed_at
             WHERE recap_posts.message_id IS NULL AND recap_posts.claimed_at < $4",
        )
        .bind(guild_id.to_db())
        .bind(day_to_db(day))
        .bind(DB::time_to_db(at))
        .bind(DB::time_to_db(at - STALE_CLAIM))
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
        Ok(written == 1)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn recap_posted(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        message_id: u64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE recap_posts SET message_id = $3 WHERE guild_id = $1 AND day = $2")
            .bind(guild_id.to_db())
            .bind(day_to_db(day))
            .bind(i64::from_ne_bytes(message_id.to_ne_bytes()))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn unclaim_recap(&self, guild_id: GuildId, day: NaiveDate) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM recap_posts WHERE guild_id = $1 AND day = $2 AND message_id IS NULL",
        )
        .bind(guild_id.to_db())
        .bind(day_to_db(day))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn recap_counts(
        &self,
        guild_id: GuildId,
        range: (DateTime<Utc>, DateTime<Utc>),
        limit: u32,
    ) -> Result<RecapCounts, StoreError> {
        let (from, to) = range;
        let (guild, from, to) = (guild_id.to_db(), DB::time_to_db(from), DB::time_to_db(to));
        let kills: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT player_id, CAST(SUM(count) AS BIGINT) FROM kill_ledger
             WHERE guild_id = $1 AND kind = 0 AND undone_at IS NULL
               AND recorded_at >= $2 AND recorded_at < $3
             GROUP BY player_id",
        )
        .bind(guild)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        // Whole UTC days from the members' daily counts; the hours before the first midnight
        // and after the last one (a server whose clock is not UTC) from the hourly rollups.
        let (days_from, days_to) = whole_days(range);
        let messages: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT user_id, CAST(SUM(messages) AS BIGINT) FROM (
                 SELECT user_id, messages FROM member_message_days
                 WHERE guild_id = $1 AND day_at >= $4 AND day_at < $5
                 UNION ALL
                 SELECT user_id, messages FROM message_rollups
                 WHERE guild_id = $1 AND hour >= $2 AND hour < $4
                 UNION ALL
                 SELECT user_id, messages FROM message_rollups
                 WHERE guild_id = $1 AND hour >= $5 AND hour < $3
             ) AS week GROUP BY user_id",
        )
        .bind(guild)
        .bind(from)
        .bind(to)
        .bind(DB::time_to_db(days_from))
        .bind(DB::time_to_db(days_to))
        .fetch_all(&self.pool)
        .await?;
        let hours: Vec<(DB::Time, i64)> = sqlx::query_as(
            "SELECT hour, CAST(SUM(messages) AS BIGINT) FROM channel_rollups
             WHERE guild_id = $1 AND hour >= $2 AND hour < $3
             GROUP BY hour ORDER BY hour",
        )
        .bind(guild)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let (new_members, returning_members, unlocks): (i64, i64, i64) = sqlx::query_as(
            "SELECT
                 CAST(COALESCE(SUM(CASE WHEN b.before = 0 THEN 1 ELSE 0 END), 0) AS BIGINT),
                 CAST(COALESCE(SUM(CASE WHEN b.before = 1 THEN 1 ELSE 0 END), 0) AS BIGINT),
                 CAST((SELECT COUNT(*) FROM achievement_unlocks
                       WHERE guild_id = $1 AND unlocked_at >= $2 AND unlocked_at < $3) AS BIGINT)
             FROM (SELECT CASE WHEN EXISTS (
                              SELECT 1 FROM member_joins p
                              WHERE p.guild_id = j.guild_id AND p.user_id = j.user_id
                                AND p.joined_at < j.joined_at) THEN 1 ELSE 0 END AS before
                   FROM member_joins j
                   WHERE j.guild_id = $1 AND j.joined_at >= $2 AND j.joined_at < $3) b",
        )
        .bind(guild)
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?;
        let (kills, top_killers) = total_and_top(kills, limit);
        let (messages, top_posters) = total_and_top(messages, limit);
        Ok(RecapCounts {
            kills,
            top_killers,
            messages,
            top_posters,
            message_hours: hours
                .into_iter()
                .map(|(hour, messages)| Ok((DB::time_from_db(hour)?, count(messages))))
                .collect::<Result<_, sqlx::Error>>()?,
            new_members: count(new_members),
            returning_members: count(returning_members),
            unlocks: count(unlocks),
        })
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn recap_stays(
        &self,
        guild_id: GuildId,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<VoiceStay>, StoreError> {
        const COLUMNS: &str = "user_id, channel_id, joined_at, left_at";
        let sql = if to - from <= chrono::TimeDelta::days(RECENT_DAYS) {
            recent_stays(COLUMNS, " AND NOT afk")
        } else {
            format!(
                "SELECT {COLUMNS} FROM voice_sessions
                 WHERE guild_id = $1 AND CAST($2 AS BIGINT) IS NULL AND NOT afk
                   AND joined_at < $4 AND (left_at IS NULL OR left_at > $3)"
            )
        };
        let rows: Vec<(i64, i64, DB::Time, Option<DB::Time>)> = sqlx::query_as(&sql)
            .bind(guild_id.to_db())
            .bind(None::<i64>)
            .bind(DB::time_to_db(from))
            .bind(DB::time_to_db(to))
            .fetch_all(&self.pool)
            .await?;
        let (from_ms, to_ms) = (from.timestamp_millis(), to.timestamp_millis());
        let mut stays = Vec::with_capacity(rows.len());
        for (user, channel, joined, left) in rows {
            let end = left.map(DB::time_from_db).transpose()?.unwrap_or(to);
            let stay = VoiceStay {
                user: UserId::from_db(user).0,
                channel: ChannelId::from_db(channel).0,
                start_ms: DB::time_from_db(joined)?.timestamp_millis().max(from_ms),
                end_ms: end.timestamp_millis().min(to_ms),
            };
            if stay.end_ms > stay.start_ms {
                stays.push(stay);
            }
        }
        Ok(stays)
    }
}

/// The whole UTC days inside `[from, to)`, as their first midnight and the midnight after the
/// last; both `to` when there is none.
fn whole_days((from, to): (DateTime<Utc>, DateTime<Utc>)) -> (DateTime<Utc>, DateTime<Utc>) {
    let first = if day_of(from) == from {
        from
    } else {
        day_of(from) + chrono::TimeDelta::days(1)
    };
    let last = day_of(to);
    if first < last {
        (first, last)
    } else {
        (to, to)
    }
}

fn settings_from_row<DB: Dialect>(
    (channel, weekday, hour, at): (i64, i64, i64, DB::Time),
) -> Result<RecapSettings, StoreError> {
    Ok(RecapSettings {
        channel_id: ChannelId::from_db(channel),
        weekday: weekday_from_db(weekday),
        hour: u32::try_from(hour).unwrap_or(0),
        set_up_at: DB::time_from_db(at)?,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .single()
            .expect("a time")
    }

    #[test]
    fn whole_days_are_cut_from_a_week_on_any_clock() {
        assert_eq!(whole_days((at(2, 0), at(9, 0))), (at(2, 0), at(9, 0)));
        assert_eq!(whole_days((at(2, 15), at(9, 15))), (at(3, 0), at(9, 0)));
        assert_eq!(
            whole_days((at(2, 15), at(3, 9))),
            (at(3, 9), at(3, 9)),
            "no whole day"
        );
        assert_eq!(whole_days((at(2, 0), at(2, 23))), (at(2, 23), at(2, 23)));
    }
}
