//! [`ScheduleStore`] for both databases.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Type};

use super::{Column, Dialect, SqlStore};
use crate::domain::ids::{ChannelId, GuildId, MessageId, UserId};
use crate::store::codec::{day_from_db, day_to_db, StoredId};
use crate::store::schedule::{
    DayMarks, MemberZone, PostRecord, PostState, Rank, ScheduleSettings, ScheduleStore,
    ScheduledGuild,
};
use crate::store::StoreError;

/// `schedule_posts` columns as [`post`] reads them.
const POST_COLUMNS: &str = "guild_id, day, channel_id, message_id, nonce, state";

type PostRow = (i64, i64, i64, Option<i64>, String, String);

fn post(row: PostRow) -> Result<PostRecord, sqlx::Error> {
    let (guild_id, day, channel_id, message_id, nonce, state) = row;
    let state = match state.as_str() {
        "sending" => PostState::Sending,
        "posted" => PostState::Posted,
        "deleted" => PostState::Deleted,
        other => {
            return Err(sqlx::Error::Decode(
                format!("unknown post state {other}").into(),
            ))
        }
    };
    Ok(PostRecord {
        guild_id: GuildId::from_db(guild_id),
        day: day_from_db(day)?,
        channel_id: ChannelId::from_db(channel_id),
        message_id: message_id.map(MessageId::from_db),
        nonce,
        state,
    })
}

type SettingsRow = (i64, i64, i64, i64, i64);

fn settings(
    (channel, minute, start, hours, weekdays): SettingsRow,
) -> Result<ScheduleSettings, sqlx::Error> {
    let narrow = |value: i64| {
        u8::try_from(value)
            .map_err(|_| sqlx::Error::Decode(format!("out of range: {value}").into()))
    };
    Ok(ScheduleSettings {
        channel_id: ChannelId::from_db(channel),
        post_minute: u16::try_from(minute)
            .map_err(|_| sqlx::Error::Decode(format!("out of range: {minute}").into()))?,
        window_start: narrow(start)?,
        window_hours: narrow(hours)?,
        weekdays: narrow(weekdays)?,
    })
}

/// A weekly schedule's rows folded into one mask per weekday; a row outside the schema's checks
/// is a decode error.
fn week(rows: impl IntoIterator<Item = (i64, i64)>) -> Result<[u32; 7], sqlx::Error> {
    let mut hours = [0_u32; 7];
    for (weekday, mask) in rows {
        let slot = usize::try_from(weekday)
            .ok()
            .and_then(|day| hours.get_mut(day))
            .ok_or_else(|| sqlx::Error::Decode(format!("not a weekday: {weekday}").into()))?;
        *slot = u32::try_from(mask)
            .map_err(|_| sqlx::Error::Decode(format!("not an hour mask: {mask}").into()))?;
    }
    Ok(hours)
}

#[async_trait]
impl<DB> ScheduleStore for SqlStore<DB>
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
    async fn schedule_settings(
        &self,
        guild_id: GuildId,
    ) -> Result<Option<ScheduleSettings>, StoreError> {
        let row: Option<SettingsRow> = sqlx::query_as(
            "SELECT channel_id, post_minute, window_start, window_hours, weekdays
             FROM schedule_settings WHERE guild_id = $1",
        )
        .bind(guild_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(settings).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn save_schedule_settings(
        &self,
        guild_id: GuildId,
        settings: &ScheduleSettings,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let written = sqlx::query(
            "INSERT INTO schedule_settings (guild_id, channel_id, post_minute, window_start,
                 window_hours, weekdays, updated_at)
             SELECT $1, $2, $3, $4, $5, $6, $7
             WHERE EXISTS (SELECT 1 FROM guilds WHERE id = $1)
             ON CONFLICT (guild_id) DO UPDATE SET
                 channel_id = EXCLUDED.channel_id,
                 post_minute = EXCLUDED.post_minute,
                 window_start = EXCLUDED.window_start,
                 window_hours = EXCLUDED.window_hours,
                 weekdays = EXCLUDED.weekdays,
                 updated_at = EXCLUDED.updated_at",
        )
        .bind(guild_id.to_db())
        .bind(settings.channel_id.to_db())
        .bind(i64::from(settings.post_minute))
        .bind(i64::from(settings.window_start))
        .bind(i64::from(settings.window_hours))
        .bind(i64::from(settings.weekdays))
        .bind(DB::time_to_db(at))
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
        if written == 0 {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn remove_schedule_settings(&self, guild_id: GuildId) -> Result<bool, StoreError> {
        let removed = sqlx::query("DELETE FROM schedule_settings WHERE guild_id = $1")
            .bind(guild_id.to_db())
            .execute(&self.pool)
            .await
            .map(|done| DB::rows_affected(&done))?;
        Ok(removed > 0)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn scheduled_guilds(&self) -> Result<Vec<ScheduledGuild>, StoreError> {
        let rows: Vec<(i64, i64, i64, i64, i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT s.guild_id, s.channel_id, s.post_minute, s.window_start, s.window_hours,
                    s.weekdays, g.default_timezone
             FROM schedule_settings s
             JOIN guilds ON guilds.id = s.guild_id AND guilds.left_at IS NULL
             LEFT JOIN guild_settings g ON g.guild_id = s.guild_id
             ORDER BY s.guild_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let guilds = rows
            .into_iter()
            .map(
                |(guild, channel, minute, start, hours, weekdays, timezone)| {
                    Ok(ScheduledGuild {
                        guild_id: GuildId::from_db(guild),
                        settings: settings((channel, minute, start, hours, weekdays))?,
                        timezone,
                    })
                },
            )
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(guilds)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn claim_post(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        channel_id: ChannelId,
        nonce: &str,
        at: DateTime<Utc>,
    ) -> Result<(PostRecord, bool), StoreError> {
        let mut tx = self.begin_write().await?;
        let claimed = sqlx::query(
            "INSERT INTO schedule_posts (guild_id, day, channel_id, nonce, state, claimed_at)
             SELECT $1, $2, $3, $4, 'sending', $5
             WHERE EXISTS (SELECT 1 FROM guilds WHERE id = $1)
             ON CONFLICT (guild_id, day) DO NOTHING",
        )
        .bind(guild_id.to_db())
        .bind(day_to_db(day))
        .bind(channel_id.to_db())
        .bind(nonce)
        .bind(DB::time_to_db(at))
        .execute(&mut *tx)
        .await
        .map(|done| DB::rows_affected(&done))?;
        let row: Option<PostRow> = sqlx::query_as(&format!(
            "SELECT {POST_COLUMNS} FROM schedule_posts WHERE guild_id = $1 AND day = $2"
        ))
        .bind(guild_id.to_db())
        .bind(day_to_db(day))
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let row = row.ok_or(StoreError::UnknownGuild(guild_id))?;
        Ok((post(row)?, claimed > 0))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn post_sent(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        message_id: MessageId,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE schedule_posts SET message_id = $3, state = 'posted'
             WHERE guild_id = $1 AND day = $2 AND state = 'sending'",
        )
        .bind(guild_id.to_db())
        .bind(day_to_db(day))
        .bind(message_id.to_db())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn post_deleted(
        &self,
        guild_id: GuildId,
        message_id: MessageId,
    ) -> Result<Option<NaiveDate>, StoreError> {
        let day: Option<i64> = sqlx::query_scalar(
            "UPDATE schedule_posts SET state = 'deleted'
             WHERE guild_id = $1 AND message_id = $2 RETURNING day",
        )
        .bind(guild_id.to_db())
        .bind(message_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(day.map(day_from_db).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn post(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
    ) -> Result<Option<PostRecord>, StoreError> {
        self.post_where(guild_id, "day", day_to_db(day)).await
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn post_by_message(
        &self,
        guild_id: GuildId,
        message_id: MessageId,
    ) -> Result<Option<PostRecord>, StoreError> {
        self.post_where(guild_id, "message_id", message_id.to_db())
            .await
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn set_reaction(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        user_id: UserId,
        slot: i64,
        present: bool,
    ) -> Result<(), StoreError> {
        let (guild, day, user) = (guild_id.to_db(), day_to_db(day), user_id.to_db());
        if !present {
            sqlx::query(
                "DELETE FROM schedule_marks WHERE guild_id = $1 AND day = $2 AND user_id = $3
                 AND source = 'reaction' AND slot = $4",
            )
            .bind(guild)
            .bind(day)
            .bind(user)
            .bind(slot)
            .execute(&self.pool)
            .await?;
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO schedule_marks (guild_id, day, user_id, source, slot)
             VALUES ($1, $2, $3, 'reaction', $4) ON CONFLICT DO NOTHING",
        )
        .bind(guild)
        .bind(day)
        .bind(user)
        .bind(slot)
        .execute(&mut *tx)
        .await?;
        Self::add_responder(&mut tx, guild, day, user).await?;
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self, reactions), fields(count = reactions.len()), err(level = "debug"))]
    async fn replace_reactions(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        reactions: &[(UserId, i64)],
    ) -> Result<(), StoreError> {
        let (guild, day) = (guild_id.to_db(), day_to_db(day));
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM schedule_marks WHERE guild_id = $1 AND day = $2 AND source = 'reaction'",
        )
        .bind(guild)
        .bind(day)
        .execute(&mut *tx)
        .await?;
        for (user, slot) in reactions {
            sqlx::query(
                "INSERT INTO schedule_marks (guild_id, day, user_id, source, slot)
                 VALUES ($1, $2, $3, 'reaction', $4) ON CONFLICT DO NOTHING",
            )
            .bind(guild)
            .bind(day)
            .bind(user.to_db())
            .bind(*slot)
            .execute(&mut *tx)
            .await?;
            Self::add_responder(&mut tx, guild, day, user.to_db()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn add_voice_mark(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        user_id: UserId,
        slot: i64,
    ) -> Result<bool, StoreError> {
        let added = sqlx::query(
            "INSERT INTO schedule_marks (guild_id, day, user_id, source, slot)
             VALUES ($1, $2, $3, 'voice', $4) ON CONFLICT DO NOTHING",
        )
        .bind(guild_id.to_db())
        .bind(day_to_db(day))
        .bind(user_id.to_db())
        .bind(slot)
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
        Ok(added > 0)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn day_marks(&self, guild_id: GuildId, day: NaiveDate) -> Result<DayMarks, StoreError> {
        let (guild, day) = (guild_id.to_db(), day_to_db(day));
        let marks: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT user_id, source, slot FROM schedule_marks
             WHERE guild_id = $1 AND day = $2 ORDER BY user_id, slot",
        )
        .bind(guild)
        .bind(day)
        .fetch_all(&self.pool)
        .await?;
        let responders: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM schedule_responders WHERE guild_id = $1 AND day = $2
             ORDER BY user_id",
        )
        .bind(guild)
        .bind(day)
        .fetch_all(&self.pool)
        .await?;
        let mut found = DayMarks {
            responders: responders.into_iter().map(UserId::from_db).collect(),
            ..DayMarks::default()
        };
        for (user, source, slot) in marks {
            let list = if source == "voice" {
                &mut found.voice
            } else {
                &mut found.reactions
            };
            list.push((UserId::from_db(user), slot));
        }
        Ok(found)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn weekly_schedule(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<[u32; 7], StoreError> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT weekday, hours FROM weekly_schedules WHERE guild_id = $1 AND user_id = $2",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(week(rows)?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn weekly_schedules(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<(UserId, [u32; 7])>, StoreError> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT user_id, weekday, hours FROM weekly_schedules WHERE guild_id = $1
             ORDER BY user_id, weekday",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        let mut schedules: Vec<(UserId, [u32; 7])> = Vec::new();
        let mut rows = rows.into_iter().peekable();
        while let Some((user, weekday, mask)) = rows.next() {
            let mut days = vec![(weekday, mask)];
            while let Some((_, weekday, mask)) = rows.next_if(|(next, _, _)| *next == user) {
                days.push((weekday, mask));
            }
            schedules.push((UserId::from_db(user), week(days)?));
        }
        Ok(schedules)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn save_weekly_schedule(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        hours: [u32; 7],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        if !Self::guild_known(&mut tx, guild_id).await? {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        // Day by day, upserting rather than deleting and inserting: two saves of one member at
        // once (a double click) must not collide on the key under Postgres' read committed.
        for (weekday, mask) in (0_i64..).zip(hours) {
            if mask == 0 {
                sqlx::query(
                    "DELETE FROM weekly_schedules
                     WHERE guild_id = $1 AND user_id = $2 AND weekday = $3",
                )
                .bind(guild_id.to_db())
                .bind(user_id.to_db())
                .bind(weekday)
                .execute(&mut *tx)
                .await?;
                continue;
            }
            sqlx::query(
                "INSERT INTO weekly_schedules (guild_id, user_id, weekday, hours)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (guild_id, user_id, weekday) DO UPDATE SET hours = EXCLUDED.hours",
            )
            .bind(guild_id.to_db())
            .bind(user_id.to_db())
            .bind(weekday)
            .bind(i64::from(mask))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn member_zone(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<Option<MemberZone>, StoreError> {
        let row: Option<(String, bool)> = sqlx::query_as(
            "SELECT timezone, private FROM member_timezones WHERE guild_id = $1 AND user_id = $2",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(timezone, private)| MemberZone { timezone, private }))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn member_zones(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<(UserId, MemberZone)>, StoreError> {
        let rows: Vec<(i64, String, bool)> = sqlx::query_as(
            "SELECT user_id, timezone, private FROM member_timezones WHERE guild_id = $1
             ORDER BY user_id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(user, timezone, private)| {
                (UserId::from_db(user), MemberZone { timezone, private })
            })
            .collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn ranks(&self, guild_id: GuildId) -> Result<Vec<Rank>, StoreError> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT rank_key, name, emoji FROM ranks WHERE guild_id = $1 ORDER BY rank_key",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(key, name, emoji)| Rank { key, name, emoji })
            .collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn save_rank(&self, guild_id: GuildId, rank: &Rank) -> Result<(), StoreError> {
        let written = sqlx::query(
            "INSERT INTO ranks (guild_id, rank_key, name, emoji)
             SELECT $1, $2, $3, $4
             WHERE EXISTS (SELECT 1 FROM guilds WHERE id = $1)
             ON CONFLICT (guild_id, rank_key) DO UPDATE SET
                 name = EXCLUDED.name,
                 emoji = EXCLUDED.emoji",
        )
        .bind(guild_id.to_db())
        .bind(rank.key.as_str())
        .bind(rank.name.as_str())
        .bind(rank.emoji.as_str())
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
        if written == 0 {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn remove_rank(&self, guild_id: GuildId, key: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        // Picks go first: they are the rank's, whether or not the database enforces the link.
        sqlx::query("DELETE FROM member_ranks WHERE guild_id = $1 AND rank_key = $2")
            .bind(guild_id.to_db())
            .bind(key)
            .execute(&mut *tx)
            .await?;
        let removed = sqlx::query("DELETE FROM ranks WHERE guild_id = $1 AND rank_key = $2")
            .bind(guild_id.to_db())
            .bind(key)
            .execute(&mut *tx)
            .await
            .map(|done| DB::rows_affected(&done))?;
        tx.commit().await?;
        Ok(removed > 0)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn set_member_rank(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        key: Option<&str>,
    ) -> Result<bool, StoreError> {
        let Some(key) = key else {
            sqlx::query("DELETE FROM member_ranks WHERE guild_id = $1 AND user_id = $2")
                .bind(guild_id.to_db())
                .bind(user_id.to_db())
                .execute(&self.pool)
                .await?;
            return Ok(true);
        };
        // The existence check and the write are one statement, so a rank removed meanwhile
        // cannot be picked.
        let written = sqlx::query(
            "INSERT INTO member_ranks (guild_id, user_id, rank_key)
             SELECT $1, $2, $3
             WHERE EXISTS (SELECT 1 FROM ranks WHERE guild_id = $1 AND rank_key = $3)
             ON CONFLICT (guild_id, user_id) DO UPDATE SET rank_key = EXCLUDED.rank_key",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(key)
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
        Ok(written > 0)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn member_ranks(&self, guild_id: GuildId) -> Result<Vec<(UserId, String)>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT m.user_id, r.emoji FROM member_ranks m
             JOIN ranks r ON r.guild_id = m.guild_id AND r.rank_key = m.rank_key
             WHERE m.guild_id = $1 ORDER BY m.user_id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(user, emoji)| (UserId::from_db(user), emoji))
            .collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn set_member_zone(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        zone: Option<&MemberZone>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let Some(zone) = zone else {
            sqlx::query("DELETE FROM member_timezones WHERE guild_id = $1 AND user_id = $2")
                .bind(guild_id.to_db())
                .bind(user_id.to_db())
                .execute(&self.pool)
                .await?;
            return Ok(());
        };
        let written = sqlx::query(
            "INSERT INTO member_timezones (guild_id, user_id, timezone, private, updated_at)
             SELECT $1, $2, $3, $4, $5
             WHERE EXISTS (SELECT 1 FROM guilds WHERE id = $1)
             ON CONFLICT (guild_id, user_id) DO UPDATE SET
                 timezone = EXCLUDED.timezone,
                 private = EXCLUDED.private,
                 updated_at = EXCLUDED.updated_at",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(zone.timezone.as_str())
        .bind(zone.private)
        .bind(DB::time_to_db(at))
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
        if written == 0 {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        Ok(())
    }
}

impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    String: Column<DB>,
    Option<i64>: Column<DB>,
{
    /// The guild's post whose `column` (`day` or `message_id`, never user input) is `value`.
    async fn post_where(
        &self,
        guild_id: GuildId,
        column: &'static str,
        value: i64,
    ) -> Result<Option<PostRecord>, StoreError> {
        let row: Option<PostRow> = sqlx::query_as(&format!(
            "SELECT {POST_COLUMNS} FROM schedule_posts WHERE guild_id = $1 AND {column} = $2"
        ))
        .bind(guild_id.to_db())
        .bind(value)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(post).transpose()?)
    }

    /// Makes `user` a responder of the day, inside the caller's transaction.
    async fn add_responder(
        tx: &mut DB::Connection,
        guild: i64,
        day: i64,
        user: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO schedule_responders (guild_id, day, user_id) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(guild)
        .bind(day)
        .bind(user)
        .execute(tx)
        .await?;
        Ok(())
    }
}
