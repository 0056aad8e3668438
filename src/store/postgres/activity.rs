//! [`ActivityStore`] on PostgreSQL: hourly rollups, voice and game-activity sessions, heartbeats,
//! invites and joins.
//!
//! Rollups are written with one `UNNEST` upsert per table, rows sorted by primary key so that
//! shards flushing at the same moment lock shared rows in the same order. A session is closed at
//! `GREATEST(start, at)`, so events out of order never break the `left_at >= joined_at` check.

use async_trait::async_trait;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::PostgresStore;
use crate::domain::activity::{
    hour_of, AppKey, Deltas, EmojiCounts, EmojiKey, MessageCounts, MessageKey,
};
use crate::domain::board::Standing;
use crate::domain::ids::{ChannelId, GuildId, UserId};
use crate::store::activity::{
    activity_session_from_row, flag_change_from_row, invite_from_row, join_from_row,
    join_source_to_db, voice_session_from_row, ActivitySession, ActivitySessionRow, ActivityStore,
    FlagChangeRow, InviteRecord, InviteRow, JoinRecord, JoinRow, MemberActivity, Metric,
    VoiceFlags, VoiceSession, VoiceSessionRow, ACTIVITY_SESSION_COLUMNS, FLAG_CHANGE_COLUMNS,
    INVITE_COLUMNS, JOIN_COLUMNS, VOICE_SESSION_COLUMNS,
};
use crate::store::normalize::{
    application_id_from_db, count_from_db, count_to_db, last_entry_per_code, rollup_rows,
    truncate_to_millis,
};
use crate::store::StoreError;

/// How long applied flush ids are remembered: far longer than any retry takes.
const BATCH_MEMORY: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// What refreshing a known invite changes: Discord's counts always, the rest only when the record
/// knows it; a listed invite is no longer deleted.
const INVITE_UPSERT: &str = " ON CONFLICT (guild_id, code) DO UPDATE SET
         inviter_id = COALESCE(EXCLUDED.inviter_id, invites.inviter_id),
         channel_id = COALESCE(EXCLUDED.channel_id, invites.channel_id),
         uses = EXCLUDED.uses,
         max_uses = EXCLUDED.max_uses,
         created_at = COALESCE(EXCLUDED.created_at, invites.created_at),
         deleted_at = NULL";

fn voice_session(row: VoiceSessionRow<DateTime<Utc>>) -> Result<VoiceSession, sqlx::Error> {
    voice_session_from_row(row, Ok)
}

fn standings(rows: Vec<(i64, i64)>) -> Vec<Standing> {
    rows.into_iter()
        .map(|(player, total)| Standing {
            player: UserId::from_db(player),
            total,
        })
        .collect()
}

impl PostgresStore {
    /// Serializes the caller's transaction with any other one closing and opening sessions of the
    /// same member: without it, two joins at once would both close nothing and the second insert
    /// would break the one-open-session index. Released at commit or rollback.
    async fn lock_member(
        tx: &mut PgConnection,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<(), sqlx::Error> {
        // A shared key between two members only makes them wait for each other, never wrong.
        sqlx::query("SELECT pg_advisory_xact_lock($1 # $2)")
            .bind(guild_id.to_db())
            .bind(user_id.to_db())
            .execute(tx)
            .await?;
        Ok(())
    }

    /// Appends a flag change unless the same one is already recorded for that moment, inside the
    /// caller's transaction or on its connection.
    async fn record_flags(
        conn: &mut PgConnection,
        guild_id: GuildId,
        user_id: UserId,
        flags: VoiceFlags,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO voice_flag_changes (guild_id, user_id, at, self_mute, self_deaf, mute, deaf,
                 streaming, video)
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
             WHERE NOT EXISTS (
                 SELECT 1 FROM voice_flag_changes
                 WHERE guild_id = $1 AND user_id = $2 AND at = $3 AND self_mute = $4
                   AND self_deaf = $5 AND mute = $6 AND deaf = $7 AND streaming = $8 AND video = $9)",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(truncate_to_millis(at))
        .bind(flags.self_mute)
        .bind(flags.self_deaf)
        .bind(flags.mute)
        .bind(flags.deaf)
        .bind(flags.streaming)
        .bind(flags.video)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// Each member's seconds in voice outside AFK channels within `[since, now]`, optionally of
    /// one member and in one channel; only members with at least a second.
    async fn voice_seconds(
        &self,
        guild_id: GuildId,
        user_id: Option<UserId>,
        channel: Option<ChannelId>,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<(i64, i64)>, sqlx::Error> {
        // Open sessions count up to `now`; every stay is clamped to the window first, and whole
        // milliseconds are summed before dividing so both backends round alike.
        sqlx::query_as(
            "SELECT user_id, total FROM (
                 SELECT user_id,
                        SUM(GREATEST(0, (EXTRACT(EPOCH FROM
                            LEAST(COALESCE(left_at, $3), $3) - GREATEST(joined_at, $2)) * 1000)::bigint)
                        )::bigint / 1000 AS total
                 FROM voice_sessions
                 WHERE guild_id = $1 AND NOT afk AND joined_at < $3
                   AND (left_at IS NULL OR left_at > $2)
                   AND ($4::bigint IS NULL OR user_id = $4)
                   AND ($5::bigint IS NULL OR channel_id = $5)
                 GROUP BY user_id) AS per_member
             WHERE total > 0",
        )
        .bind(guild_id.to_db())
        .bind(truncate_to_millis(since))
        .bind(truncate_to_millis(now))
        .bind(user_id.map(UserId::to_db))
        .bind(channel.map(ChannelId::to_db))
        .fetch_all(&self.pool)
        .await
    }
}

#[async_trait]
impl ActivityStore for PostgresStore {
    #[tracing::instrument(skip(self, deltas), fields(rows = deltas.rows(), events = deltas.events), err(level = "debug"))]
    async fn apply_deltas(&self, batch: &str, deltas: &Deltas) -> Result<bool, StoreError> {
        if deltas.is_empty() {
            return Ok(true);
        }
        let rows = rollup_rows(deltas);
        let mut tx = self.pool.begin().await?;
        let first_time = sqlx::query(
            "INSERT INTO ingest_batches (id, applied_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(batch)
        .bind(truncate_to_millis(Utc::now()))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !first_time {
            return Ok(false);
        }
        sqlx::query("DELETE FROM ingest_batches WHERE applied_at < $1")
            .bind(truncate_to_millis(Utc::now() - BATCH_MEMORY))
            .execute(&mut *tx)
            .await?;
        if !rows.messages.is_empty() {
            let (mut guilds, mut hours, mut channels, mut users) = (vec![], vec![], vec![], vec![]);
            let (mut messages, mut attachments, mut replies, mut threads) =
                (vec![], vec![], vec![], vec![]);
            for ((guild, hour, channel, user), counts) in &rows.messages {
                guilds.push(*guild);
                hours.push(*hour);
                channels.push(*channel);
                users.push(*user);
                messages.push(count_to_db(counts.messages));
                attachments.push(count_to_db(counts.with_attachments));
                replies.push(count_to_db(counts.replies));
                threads.push(count_to_db(counts.in_threads));
            }
            sqlx::query(
                "INSERT INTO message_rollups (guild_id, hour, channel_id, user_id, messages,
                     with_attachments, replies, in_threads)
                 SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::bigint[], $4::bigint[],
                     $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[])
                 ON CONFLICT (guild_id, hour, channel_id, user_id) DO UPDATE SET
                     messages = message_rollups.messages + EXCLUDED.messages,
                     with_attachments = message_rollups.with_attachments + EXCLUDED.with_attachments,
                     replies = message_rollups.replies + EXCLUDED.replies,
                     in_threads = message_rollups.in_threads + EXCLUDED.in_threads",
            )
            .bind(&guilds)
            .bind(&hours)
            .bind(&channels)
            .bind(&users)
            .bind(&messages)
            .bind(&attachments)
            .bind(&replies)
            .bind(&threads)
            .execute(&mut *tx)
            .await?;
        }
        if !rows.emojis.is_empty() {
            let (mut guilds, mut hours, mut emojis, mut users) = (vec![], vec![], vec![], vec![]);
            let (mut added, mut removed, mut in_messages) = (vec![], vec![], vec![]);
            for ((guild, hour, emoji, user), counts) in &rows.emojis {
                guilds.push(*guild);
                hours.push(*hour);
                emojis.push(*emoji);
                users.push(*user);
                added.push(count_to_db(counts.reactions_added));
                removed.push(count_to_db(counts.reactions_removed));
                in_messages.push(count_to_db(counts.in_messages));
            }
            sqlx::query(
                "INSERT INTO emoji_rollups (guild_id, hour, emoji, user_id, reactions_added,
                     reactions_removed, in_messages)
                 SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::text[], $4::bigint[],
                     $5::bigint[], $6::bigint[], $7::bigint[])
                 ON CONFLICT (guild_id, hour, emoji, user_id) DO UPDATE SET
                     reactions_added = emoji_rollups.reactions_added + EXCLUDED.reactions_added,
                     reactions_removed = emoji_rollups.reactions_removed + EXCLUDED.reactions_removed,
                     in_messages = emoji_rollups.in_messages + EXCLUDED.in_messages",
            )
            .bind(&guilds)
            .bind(&hours)
            .bind(&emojis)
            .bind(&users)
            .bind(&added)
            .bind(&removed)
            .bind(&in_messages)
            .execute(&mut *tx)
            .await?;
        }
        if !rows.apps.is_empty() {
            let (mut guilds, mut hours, mut apps) = (vec![], vec![], vec![]);
            let (mut commands, mut users, mut uses) = (vec![], vec![], vec![]);
            for ((guild, hour, app, command, user), count) in &rows.apps {
                guilds.push(*guild);
                hours.push(*hour);
                apps.push(*app);
                commands.push(*command);
                users.push(*user);
                uses.push(count_to_db(*count));
            }
            sqlx::query(
                "INSERT INTO app_rollups (guild_id, hour, application_id, command, user_id, uses)
                 SELECT * FROM UNNEST($1::bigint[], $2::timestamptz[], $3::bigint[], $4::text[],
                     $5::bigint[], $6::bigint[])
                 ON CONFLICT (guild_id, hour, application_id, command, user_id) DO UPDATE SET
                     uses = app_rollups.uses + EXCLUDED.uses",
            )
            .bind(&guilds)
            .bind(&hours)
            .bind(&apps)
            .bind(&commands)
            .bind(&users)
            .bind(&uses)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn voice_join(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
        user_id: UserId,
        afk: bool,
        flags: VoiceFlags,
        at: DateTime<Utc>,
    ) -> Result<VoiceSession, StoreError> {
        let at = truncate_to_millis(at);
        let mut tx = self.pool.begin().await?;
        Self::lock_member(&mut tx, guild_id, user_id).await?;
        sqlx::query(
            "UPDATE voice_sessions SET left_at = GREATEST(joined_at, $3)
             WHERE guild_id = $1 AND user_id = $2 AND left_at IS NULL",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let row: VoiceSessionRow<DateTime<Utc>> = sqlx::query_as(&format!(
            "INSERT INTO voice_sessions (guild_id, channel_id, user_id, joined_at, afk)
             VALUES ($1, $2, $3, $4, $5)
             RETURNING {VOICE_SESSION_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(channel_id.to_db())
        .bind(user_id.to_db())
        .bind(at)
        .bind(afk)
        .fetch_one(&mut *tx)
        .await?;
        Self::record_flags(&mut tx, guild_id, user_id, flags, at).await?;
        tx.commit().await?;
        Ok(voice_session(row)?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn voice_leave(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<Option<VoiceSession>, StoreError> {
        let row: Option<VoiceSessionRow<DateTime<Utc>>> = sqlx::query_as(&format!(
            "UPDATE voice_sessions SET left_at = GREATEST(joined_at, $3)
             WHERE guild_id = $1 AND user_id = $2 AND left_at IS NULL
             RETURNING {VOICE_SESSION_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(truncate_to_millis(at))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(voice_session).transpose()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn voice_flags_changed(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        flags: VoiceFlags,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        Self::record_flags(&mut conn, guild_id, user_id, flags, at).await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn voice_flag_history(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, VoiceFlags)>, StoreError> {
        let rows: Vec<FlagChangeRow<DateTime<Utc>>> = sqlx::query_as(&format!(
            "SELECT {FLAG_CHANGE_COLUMNS} FROM voice_flag_changes
             WHERE guild_id = $1 AND user_id = $2 AND at >= $3 AND at < $4
             ORDER BY at, id"
        ))
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(truncate_to_millis(since))
        .bind(truncate_to_millis(until))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| flag_change_from_row(row, Ok))
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn open_voice_sessions(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<VoiceSession>, StoreError> {
        let rows: Vec<VoiceSessionRow<DateTime<Utc>>> = sqlx::query_as(&format!(
            "SELECT {VOICE_SESSION_COLUMNS} FROM voice_sessions
             WHERE guild_id = $1 AND left_at IS NULL ORDER BY joined_at, id"
        ))
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(voice_session)
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn close_voice_session(
        &self,
        guild_id: GuildId,
        session_id: i64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let closed = sqlx::query(
            "UPDATE voice_sessions SET left_at = GREATEST(joined_at, $3)
             WHERE guild_id = $1 AND id = $2 AND left_at IS NULL",
        )
        .bind(guild_id.to_db())
        .bind(session_id)
        .bind(truncate_to_millis(at))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(closed > 0)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn voice_sessions(
        &self,
        guild_id: GuildId,
        user_id: Option<UserId>,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<VoiceSession>, StoreError> {
        let rows: Vec<VoiceSessionRow<DateTime<Utc>>> = sqlx::query_as(&format!(
            "SELECT {VOICE_SESSION_COLUMNS} FROM voice_sessions
             WHERE guild_id = $1 AND ($2::bigint IS NULL OR user_id = $2)
               AND joined_at < $4 AND (left_at IS NULL OR left_at > $3)
             ORDER BY joined_at, id"
        ))
        .bind(guild_id.to_db())
        .bind(user_id.map(UserId::to_db))
        .bind(truncate_to_millis(since))
        .bind(truncate_to_millis(until))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(voice_session)
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn heartbeat(&self, shard: u32, at: DateTime<Utc>) -> Result<(), StoreError> {
        // The latest beat wins, also when two writes arrive out of order.
        sqlx::query(
            "INSERT INTO shard_heartbeats (shard, beat_at) VALUES ($1, $2)
             ON CONFLICT (shard) DO UPDATE SET
                 beat_at = GREATEST(shard_heartbeats.beat_at, EXCLUDED.beat_at)",
        )
        .bind(i64::from(shard))
        .bind(truncate_to_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn last_heartbeat(&self, shard: u32) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT beat_at FROM shard_heartbeats WHERE shard = $1")
                .bind(i64::from(shard))
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn activity_start(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        game: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // The partial unique index allows one open session per game: playing on changes nothing.
        sqlx::query(
            "INSERT INTO activity_sessions (guild_id, user_id, game, started_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(game)
        .bind(truncate_to_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn activity_stop(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        still_playing: &[String],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // `<> ALL` of an empty array is true: with nothing still playing, everything stops.
        sqlx::query(
            "UPDATE activity_sessions SET ended_at = GREATEST(started_at, $4)
             WHERE guild_id = $1 AND user_id = $2 AND ended_at IS NULL AND game <> ALL($3::text[])",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(still_playing)
        .bind(truncate_to_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn activity_sessions(
        &self,
        guild_id: GuildId,
        user_id: Option<UserId>,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<ActivitySession>, StoreError> {
        let rows: Vec<ActivitySessionRow<DateTime<Utc>>> = sqlx::query_as(&format!(
            "SELECT {ACTIVITY_SESSION_COLUMNS} FROM activity_sessions
             WHERE guild_id = $1 AND ($2::bigint IS NULL OR user_id = $2)
               AND started_at < $4 AND (ended_at IS NULL OR ended_at > $3)
             ORDER BY started_at, id"
        ))
        .bind(guild_id.to_db())
        .bind(user_id.map(UserId::to_db))
        .bind(truncate_to_millis(since))
        .bind(truncate_to_millis(until))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| activity_session_from_row(row, Ok))
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self, invites), fields(count = invites.len()), err(level = "debug"))]
    async fn sync_invites(
        &self,
        guild_id: GuildId,
        invites: &[InviteRecord],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // Everything not yet deleted is deleted now, then every listed code comes back: what is
        // left deleted is exactly what the fetch no longer lists, keeping earlier deletion times.
        sqlx::query(
            "UPDATE invites SET deleted_at = $2 WHERE guild_id = $1 AND deleted_at IS NULL",
        )
        .bind(guild_id.to_db())
        .bind(truncate_to_millis(at))
        .execute(&mut *tx)
        .await?;
        let invites = last_entry_per_code(invites);
        if !invites.is_empty() {
            let codes: Vec<&str> = invites.iter().map(|i| i.code.as_str()).collect();
            let inviters: Vec<Option<i64>> = invites
                .iter()
                .map(|i| i.inviter_id.map(UserId::to_db))
                .collect();
            let channels: Vec<Option<i64>> = invites
                .iter()
                .map(|i| i.channel_id.map(ChannelId::to_db))
                .collect();
            let uses: Vec<i64> = invites.iter().map(|i| count_to_db(i.uses)).collect();
            let max_uses: Vec<i64> = invites.iter().map(|i| count_to_db(i.max_uses)).collect();
            let created: Vec<Option<DateTime<Utc>>> = invites
                .iter()
                .map(|i| i.created_at.map(truncate_to_millis))
                .collect();
            sqlx::query(&format!(
                "INSERT INTO invites (guild_id, code, inviter_id, channel_id, uses, max_uses, created_at)
                 SELECT $1, * FROM UNNEST($2::text[], $3::bigint[], $4::bigint[], $5::bigint[],
                     $6::bigint[], $7::timestamptz[]){INVITE_UPSERT}"
            ))
            .bind(guild_id.to_db())
            .bind(&codes)
            .bind(&inviters)
            .bind(&channels)
            .bind(&uses)
            .bind(&max_uses)
            .bind(&created)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn upsert_invite(
        &self,
        guild_id: GuildId,
        invite: &InviteRecord,
    ) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO invites (guild_id, code, inviter_id, channel_id, uses, max_uses, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7){INVITE_UPSERT}"
        ))
        .bind(guild_id.to_db())
        .bind(invite.code.as_str())
        .bind(invite.inviter_id.map(UserId::to_db))
        .bind(invite.channel_id.map(ChannelId::to_db))
        .bind(count_to_db(invite.uses))
        .bind(count_to_db(invite.max_uses))
        .bind(invite.created_at.map(truncate_to_millis))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn delete_invite(
        &self,
        guild_id: GuildId,
        code: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE invites SET deleted_at = $3
             WHERE guild_id = $1 AND code = $2 AND deleted_at IS NULL",
        )
        .bind(guild_id.to_db())
        .bind(code)
        .bind(truncate_to_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn invites(&self, guild_id: GuildId) -> Result<Vec<InviteRecord>, StoreError> {
        // `code` is collated "C": byte order, as SQLite sorts.
        let rows: Vec<InviteRow<DateTime<Utc>>> = sqlx::query_as(&format!(
            "SELECT {INVITE_COLUMNS} FROM invites
             WHERE guild_id = $1 AND deleted_at IS NULL ORDER BY code"
        ))
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| invite_from_row(row, Ok))
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn record_join(&self, guild_id: GuildId, join: &JoinRecord) -> Result<(), StoreError> {
        let (source, code, inviter) = join_source_to_db(&join.source);
        sqlx::query(
            "INSERT INTO member_joins (guild_id, user_id, joined_at, source, invite_code,
                 inviter_id, left_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(guild_id.to_db())
        .bind(join.user_id.to_db())
        .bind(truncate_to_millis(join.joined_at))
        .bind(source)
        .bind(code)
        .bind(inviter)
        .bind(join.left_at.map(truncate_to_millis))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn record_departure(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE member_joins SET left_at = GREATEST(joined_at, $3)
             WHERE id = (SELECT id FROM member_joins
                         WHERE guild_id = $1 AND user_id = $2 AND left_at IS NULL
                         ORDER BY joined_at DESC, id DESC LIMIT 1)",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(truncate_to_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn joins(&self, guild_id: GuildId) -> Result<Vec<JoinRecord>, StoreError> {
        let rows: Vec<JoinRow<DateTime<Utc>>> = sqlx::query_as(&format!(
            "SELECT {JOIN_COLUMNS} FROM member_joins WHERE guild_id = $1 ORDER BY joined_at, id"
        ))
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| join_from_row(row, Ok))
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn top_members(
        &self,
        guild_id: GuildId,
        metric: Metric,
        since: DateTime<Utc>,
        channel: Option<ChannelId>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Standing>, StoreError> {
        let guild = guild_id.to_db();
        let first_hour = hour_of(since);
        let rows: Vec<(i64, i64)> =
            match metric {
                Metric::Messages => {
                    sqlx::query_as(
                        "SELECT user_id, SUM(messages)::bigint FROM message_rollups
                     WHERE guild_id = $1 AND hour >= $2 AND ($3::bigint IS NULL OR channel_id = $3)
                     GROUP BY user_id HAVING SUM(messages) > 0",
                    )
                    .bind(guild)
                    .bind(first_hour)
                    .bind(channel.map(ChannelId::to_db))
                    .fetch_all(&self.pool)
                    .await?
                }
                Metric::VoiceSeconds => {
                    self.voice_seconds(guild_id, None, channel, since, now)
                        .await?
                }
                Metric::Emojis => sqlx::query_as(
                    "SELECT user_id, SUM(reactions_added + in_messages)::bigint FROM emoji_rollups
                     WHERE guild_id = $1 AND hour >= $2
                     GROUP BY user_id HAVING SUM(reactions_added + in_messages) > 0",
                )
                .bind(guild)
                .bind(first_hour)
                .fetch_all(&self.pool)
                .await?,
                Metric::AppCommands => {
                    sqlx::query_as(
                        "SELECT user_id, SUM(uses)::bigint FROM app_rollups
                     WHERE guild_id = $1 AND hour >= $2
                     GROUP BY user_id HAVING SUM(uses) > 0",
                    )
                    .bind(guild)
                    .bind(first_hour)
                    .fetch_all(&self.pool)
                    .await?
                }
                Metric::Invites => {
                    sqlx::query_as(
                        "SELECT inviter_id, COUNT(*) FROM member_joins
                     WHERE guild_id = $1 AND inviter_id IS NOT NULL AND joined_at >= $2
                       AND (left_at IS NULL OR left_at - joined_at >= INTERVAL '24 hours')
                     GROUP BY inviter_id",
                    )
                    .bind(guild)
                    .bind(truncate_to_millis(since))
                    .fetch_all(&self.pool)
                    .await?
                }
            };
        Ok(standings(rows))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn message_rows(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<(MessageKey, MessageCounts)>, StoreError> {
        let rows: Vec<(DateTime<Utc>, i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT hour, channel_id, user_id, messages, with_attachments, replies, in_threads
             FROM message_rollups WHERE guild_id = $1 ORDER BY hour, channel_id, user_id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(hour, channel, user, messages, with_attachments, replies, in_threads)| {
                    (
                        MessageKey {
                            guild_id,
                            channel_id: ChannelId::from_db(channel),
                            user_id: UserId::from_db(user),
                            hour,
                        },
                        MessageCounts {
                            messages: count_from_db(messages),
                            with_attachments: count_from_db(with_attachments),
                            replies: count_from_db(replies),
                            in_threads: count_from_db(in_threads),
                        },
                    )
                },
            )
            .collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn emoji_rows(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<(EmojiKey, EmojiCounts)>, StoreError> {
        let rows: Vec<(DateTime<Utc>, String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT hour, emoji, user_id, reactions_added, reactions_removed, in_messages
             FROM emoji_rollups WHERE guild_id = $1 ORDER BY hour, emoji, user_id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(hour, emoji, user, added, removed, in_messages)| {
                (
                    EmojiKey {
                        guild_id,
                        emoji,
                        user_id: UserId::from_db(user),
                        hour,
                    },
                    EmojiCounts {
                        reactions_added: count_from_db(added),
                        reactions_removed: count_from_db(removed),
                        in_messages: count_from_db(in_messages),
                    },
                )
            })
            .collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn app_rows(&self, guild_id: GuildId) -> Result<Vec<(AppKey, u64)>, StoreError> {
        let rows: Vec<(DateTime<Utc>, i64, String, i64, i64)> = sqlx::query_as(
            "SELECT hour, application_id, command, user_id, uses
             FROM app_rollups WHERE guild_id = $1 ORDER BY hour, application_id, command, user_id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(hour, app, command, user, uses)| {
                (
                    AppKey {
                        guild_id,
                        application_id: application_id_from_db(app),
                        command,
                        user_id: UserId::from_db(user),
                        hour,
                    },
                    count_from_db(uses),
                )
            })
            .collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn member_activity(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<MemberActivity, StoreError> {
        let first_hour = hour_of(since);
        let channels: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT channel_id, SUM(messages)::bigint FROM message_rollups
             WHERE guild_id = $1 AND user_id = $2 AND hour >= $3
             GROUP BY channel_id HAVING SUM(messages) > 0
             ORDER BY SUM(messages) DESC, channel_id",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(first_hour)
        .fetch_all(&self.pool)
        .await?;
        // `emoji` is collated "C": ties go in byte order, as SQLite sorts.
        let emojis: Vec<(String, i64)> = sqlx::query_as(
            "SELECT emoji, SUM(reactions_added + in_messages)::bigint FROM emoji_rollups
             WHERE guild_id = $1 AND user_id = $2 AND hour >= $3
             GROUP BY emoji HAVING SUM(reactions_added + in_messages) > 0
             ORDER BY SUM(reactions_added + in_messages) DESC, emoji
             LIMIT 5",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(first_hour)
        .fetch_all(&self.pool)
        .await?;
        let voice = self
            .voice_seconds(guild_id, Some(user_id), None, since, now)
            .await?;
        Ok(MemberActivity {
            messages: channels
                .iter()
                .map(|(_, messages)| count_from_db(*messages))
                .sum(),
            voice_seconds: voice
                .first()
                .map_or(0, |(_, seconds)| count_from_db(*seconds)),
            top_channels: channels
                .into_iter()
                .take(3)
                .map(|(channel, messages)| (ChannelId::from_db(channel), count_from_db(messages)))
                .collect(),
            top_emojis: emojis
                .into_iter()
                .map(|(emoji, uses)| (emoji, count_from_db(uses)))
                .collect(),
        })
    }
}
