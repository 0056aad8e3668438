//! [`ActivityStore`] on SQLite: hourly rollups, voice and game-activity sessions, heartbeats,
//! invites and joins.
//!
//! Every write runs under `BEGIN IMMEDIATE` (or is one statement), so writers queue for the file's
//! lock instead of failing half-way; a session is closed at `MAX(start, at)`, so events out of
//! order never break the `left_at >= joined_at` check.

use async_trait::async_trait;

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::{SqliteStore, SQLITE_MAX_VARIABLES};
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
    application_id_from_db, count_from_db, count_to_db, from_millis, last_entry_per_code,
    rollup_rows, to_millis,
};
use crate::store::StoreError;

/// How long applied flush ids are remembered: far longer than any retry takes.
const BATCH_MEMORY: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// Rollup rows written by one multi-row upsert. Each connection keeps the prepared statement of a
/// full chunk, so the chunk is kept small enough that those stay a few hundred kilobytes: a
/// 4,000-row statement cost tens of megabytes of resident memory across the pool.
const ROLLUP_ROWS_PER_STATEMENT: usize = 500;

/// Values bound per row of each rollup table.
const BINDS_PER_MESSAGE_ROW: usize = 8;
const BINDS_PER_EMOJI_ROW: usize = 7;
const BINDS_PER_APP_ROW: usize = 6;

const _: () = assert!(ROLLUP_ROWS_PER_STATEMENT * BINDS_PER_MESSAGE_ROW <= SQLITE_MAX_VARIABLES);
const _: () = assert!(ROLLUP_ROWS_PER_STATEMENT * BINDS_PER_EMOJI_ROW <= SQLITE_MAX_VARIABLES);
const _: () = assert!(ROLLUP_ROWS_PER_STATEMENT * BINDS_PER_APP_ROW <= SQLITE_MAX_VARIABLES);

/// Invites written by one multi-row upsert in [`ActivityStore::sync_invites`].
const INVITES_PER_STATEMENT: usize = 1_000;

/// Values bound per invite row.
const BINDS_PER_INVITE: usize = 7;

const _: () = assert!(INVITES_PER_STATEMENT * BINDS_PER_INVITE <= SQLITE_MAX_VARIABLES);

/// What refreshing a known invite changes: Discord's counts always, the rest only when the record
/// knows it; a listed invite is no longer deleted.
const INVITE_UPSERT: &str = " ON CONFLICT (guild_id, code) DO UPDATE SET
         inviter_id = COALESCE(excluded.inviter_id, invites.inviter_id),
         channel_id = COALESCE(excluded.channel_id, invites.channel_id),
         uses = excluded.uses,
         max_uses = excluded.max_uses,
         created_at = COALESCE(excluded.created_at, invites.created_at),
         deleted_at = NULL";

/// A join counts for its inviter unless the member left within this many milliseconds (24 h).
const INVITE_GRACE_MILLIS: i64 = 24 * 60 * 60 * 1000;

fn voice_session(row: VoiceSessionRow<i64>) -> Result<VoiceSession, sqlx::Error> {
    voice_session_from_row(row, from_millis)
}

fn standings(rows: Vec<(i64, i64)>) -> Vec<Standing> {
    rows.into_iter()
        .map(|(player, total)| Standing {
            player: UserId::from_db(player),
            total,
        })
        .collect()
}

impl SqliteStore {
    /// Appends a flag change unless the same one is already recorded for that moment, inside the
    /// caller's transaction or on its connection.
    async fn record_flags(
        conn: &mut SqliteConnection,
        guild_id: GuildId,
        user_id: UserId,
        flags: VoiceFlags,
        at: DateTime<Utc>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO voice_flag_changes (guild_id, user_id, at, self_mute, self_deaf, mute, deaf,
                 streaming, video)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9
             WHERE NOT EXISTS (
                 SELECT 1 FROM voice_flag_changes
                 WHERE guild_id = ?1 AND user_id = ?2 AND at = ?3 AND self_mute = ?4
                   AND self_deaf = ?5 AND mute = ?6 AND deaf = ?7 AND streaming = ?8 AND video = ?9)",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(to_millis(at))
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
        // Open sessions count up to `now`; every stay is clamped to the window first, and the
        // milliseconds are summed before dividing so both backends round alike.
        sqlx::query_as(
            "SELECT user_id, total FROM (
                 SELECT user_id,
                        SUM(MAX(0, MIN(COALESCE(left_at, ?3), ?3) - MAX(joined_at, ?2))) / 1000 AS total
                 FROM voice_sessions
                 WHERE guild_id = ?1 AND afk = 0 AND joined_at < ?3
                   AND (left_at IS NULL OR left_at > ?2)
                   AND (?4 IS NULL OR user_id = ?4)
                   AND (?5 IS NULL OR channel_id = ?5)
                 GROUP BY user_id)
             WHERE total > 0",
        )
        .bind(guild_id.to_db())
        .bind(to_millis(since))
        .bind(to_millis(now))
        .bind(user_id.map(UserId::to_db))
        .bind(channel.map(ChannelId::to_db))
        .fetch_all(&self.pool)
        .await
    }
}

#[async_trait]
impl ActivityStore for SqliteStore {
    #[tracing::instrument(skip(self, deltas), fields(rows = deltas.rows(), events = deltas.events), err(level = "debug"))]
    async fn apply_deltas(&self, batch: &str, deltas: &Deltas) -> Result<bool, StoreError> {
        if deltas.is_empty() {
            return Ok(true);
        }
        let rows = rollup_rows(deltas);
        let mut tx = self.begin_write().await?;
        let first_time = sqlx::query(
            "INSERT INTO ingest_batches (id, applied_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )
        .bind(batch)
        .bind(to_millis(Utc::now()))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !first_time {
            return Ok(false);
        }
        sqlx::query("DELETE FROM ingest_batches WHERE applied_at < ?1")
            .bind(to_millis(Utc::now() - BATCH_MEMORY))
            .execute(&mut *tx)
            .await?;
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
            upsert.push(
                " ON CONFLICT (guild_id, hour, channel_id, user_id) DO UPDATE SET
                      messages = message_rollups.messages + excluded.messages,
                      with_attachments = message_rollups.with_attachments + excluded.with_attachments,
                      replies = message_rollups.replies + excluded.replies,
                      in_threads = message_rollups.in_threads + excluded.in_threads",
            );
            // Only full chunks share one SQL text worth caching (see `upsert_members`).
            upsert
                .build()
                .persistent(chunk.len() == ROLLUP_ROWS_PER_STATEMENT)
                .execute(&mut *tx)
                .await?;
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
            upsert.push(
                " ON CONFLICT (guild_id, hour, emoji, user_id) DO UPDATE SET
                      reactions_added = emoji_rollups.reactions_added + excluded.reactions_added,
                      reactions_removed = emoji_rollups.reactions_removed + excluded.reactions_removed,
                      in_messages = emoji_rollups.in_messages + excluded.in_messages",
            );
            upsert
                .build()
                .persistent(chunk.len() == ROLLUP_ROWS_PER_STATEMENT)
                .execute(&mut *tx)
                .await?;
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
            upsert.push(
                " ON CONFLICT (guild_id, hour, application_id, command, user_id) DO UPDATE SET
                      uses = app_rollups.uses + excluded.uses",
            );
            upsert
                .build()
                .persistent(chunk.len() == ROLLUP_ROWS_PER_STATEMENT)
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
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE voice_sessions SET left_at = MAX(joined_at, ?3)
             WHERE guild_id = ?1 AND user_id = ?2 AND left_at IS NULL",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(to_millis(at))
        .execute(&mut *tx)
        .await?;
        let row: VoiceSessionRow<i64> = sqlx::query_as(&format!(
            "INSERT INTO voice_sessions (guild_id, channel_id, user_id, joined_at, afk)
             VALUES (?1, ?2, ?3, ?4, ?5)
             RETURNING {VOICE_SESSION_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(channel_id.to_db())
        .bind(user_id.to_db())
        .bind(to_millis(at))
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
        let row: Option<VoiceSessionRow<i64>> = sqlx::query_as(&format!(
            "UPDATE voice_sessions SET left_at = MAX(joined_at, ?3)
             WHERE guild_id = ?1 AND user_id = ?2 AND left_at IS NULL
             RETURNING {VOICE_SESSION_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(to_millis(at))
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
        let rows: Vec<FlagChangeRow<i64>> = sqlx::query_as(&format!(
            "SELECT {FLAG_CHANGE_COLUMNS} FROM voice_flag_changes
             WHERE guild_id = ?1 AND user_id = ?2 AND at >= ?3 AND at < ?4
             ORDER BY at, id"
        ))
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(to_millis(since))
        .bind(to_millis(until))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| flag_change_from_row(row, from_millis))
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn open_voice_sessions(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<VoiceSession>, StoreError> {
        let rows: Vec<VoiceSessionRow<i64>> = sqlx::query_as(&format!(
            "SELECT {VOICE_SESSION_COLUMNS} FROM voice_sessions
             WHERE guild_id = ?1 AND left_at IS NULL ORDER BY joined_at, id"
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
            "UPDATE voice_sessions SET left_at = MAX(joined_at, ?3)
             WHERE guild_id = ?1 AND id = ?2 AND left_at IS NULL",
        )
        .bind(guild_id.to_db())
        .bind(session_id)
        .bind(to_millis(at))
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
        let rows: Vec<VoiceSessionRow<i64>> = sqlx::query_as(&format!(
            "SELECT {VOICE_SESSION_COLUMNS} FROM voice_sessions
             WHERE guild_id = ?1 AND (?2 IS NULL OR user_id = ?2)
               AND joined_at < ?4 AND (left_at IS NULL OR left_at > ?3)
             ORDER BY joined_at, id"
        ))
        .bind(guild_id.to_db())
        .bind(user_id.map(UserId::to_db))
        .bind(to_millis(since))
        .bind(to_millis(until))
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
            "INSERT INTO shard_heartbeats (shard, beat_at) VALUES (?1, ?2)
             ON CONFLICT (shard) DO UPDATE SET beat_at = MAX(shard_heartbeats.beat_at, excluded.beat_at)",
        )
        .bind(i64::from(shard))
        .bind(to_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn last_heartbeat(&self, shard: u32) -> Result<Option<DateTime<Utc>>, StoreError> {
        let beat: Option<i64> =
            sqlx::query_scalar("SELECT beat_at FROM shard_heartbeats WHERE shard = ?1")
                .bind(i64::from(shard))
                .fetch_optional(&self.pool)
                .await?;
        Ok(beat.map(from_millis).transpose()?)
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
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(game)
        .bind(to_millis(at))
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
        let mut update =
            QueryBuilder::<Sqlite>::new("UPDATE activity_sessions SET ended_at = MAX(started_at, ");
        update.push_bind(to_millis(at));
        update.push(") WHERE ended_at IS NULL AND guild_id = ");
        update.push_bind(guild_id.to_db());
        update.push(" AND user_id = ").push_bind(user_id.to_db());
        if !still_playing.is_empty() {
            update.push(" AND game NOT IN (");
            let mut games = update.separated(", ");
            for game in still_playing {
                games.push_bind(game.as_str());
            }
            update.push(")");
        }
        update.build().execute(&self.pool).await?;
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
        let rows: Vec<ActivitySessionRow<i64>> = sqlx::query_as(&format!(
            "SELECT {ACTIVITY_SESSION_COLUMNS} FROM activity_sessions
             WHERE guild_id = ?1 AND (?2 IS NULL OR user_id = ?2)
               AND started_at < ?4 AND (ended_at IS NULL OR ended_at > ?3)
             ORDER BY started_at, id"
        ))
        .bind(guild_id.to_db())
        .bind(user_id.map(UserId::to_db))
        .bind(to_millis(since))
        .bind(to_millis(until))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| activity_session_from_row(row, from_millis))
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self, invites), fields(count = invites.len()), err(level = "debug"))]
    async fn sync_invites(
        &self,
        guild_id: GuildId,
        invites: &[InviteRecord],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // Everything not yet deleted is deleted now, then every listed code comes back: what is
        // left deleted is exactly what the fetch no longer lists, keeping earlier deletion times.
        sqlx::query(
            "UPDATE invites SET deleted_at = ?2 WHERE guild_id = ?1 AND deleted_at IS NULL",
        )
        .bind(guild_id.to_db())
        .bind(to_millis(at))
        .execute(&mut *tx)
        .await?;
        let invites = last_entry_per_code(invites);
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
            upsert
                .build()
                .persistent(chunk.len() == INVITES_PER_STATEMENT)
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
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7){INVITE_UPSERT}"
        ))
        .bind(guild_id.to_db())
        .bind(invite.code.as_str())
        .bind(invite.inviter_id.map(UserId::to_db))
        .bind(invite.channel_id.map(ChannelId::to_db))
        .bind(count_to_db(invite.uses))
        .bind(count_to_db(invite.max_uses))
        .bind(invite.created_at.map(to_millis))
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
            "UPDATE invites SET deleted_at = ?3
             WHERE guild_id = ?1 AND code = ?2 AND deleted_at IS NULL",
        )
        .bind(guild_id.to_db())
        .bind(code)
        .bind(to_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn invites(&self, guild_id: GuildId) -> Result<Vec<InviteRecord>, StoreError> {
        let rows: Vec<InviteRow<i64>> = sqlx::query_as(&format!(
            "SELECT {INVITE_COLUMNS} FROM invites
             WHERE guild_id = ?1 AND deleted_at IS NULL ORDER BY code"
        ))
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| invite_from_row(row, from_millis))
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn record_join(&self, guild_id: GuildId, join: &JoinRecord) -> Result<(), StoreError> {
        let (source, code, inviter) = join_source_to_db(&join.source);
        sqlx::query(
            "INSERT INTO member_joins (guild_id, user_id, joined_at, source, invite_code,
                 inviter_id, left_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .bind(guild_id.to_db())
        .bind(join.user_id.to_db())
        .bind(to_millis(join.joined_at))
        .bind(source)
        .bind(code)
        .bind(inviter)
        .bind(join.left_at.map(to_millis))
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
            "UPDATE member_joins SET left_at = MAX(joined_at, ?3)
             WHERE id = (SELECT id FROM member_joins
                         WHERE guild_id = ?1 AND user_id = ?2 AND left_at IS NULL
                         ORDER BY joined_at DESC, id DESC LIMIT 1)",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(to_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn joins(&self, guild_id: GuildId) -> Result<Vec<JoinRecord>, StoreError> {
        let rows: Vec<JoinRow<i64>> = sqlx::query_as(&format!(
            "SELECT {JOIN_COLUMNS} FROM member_joins WHERE guild_id = ?1 ORDER BY joined_at, id"
        ))
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| join_from_row(row, from_millis))
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
        let first_hour = to_millis(hour_of(since));
        let rows: Vec<(i64, i64)> = match metric {
            Metric::Messages => {
                sqlx::query_as(
                    "SELECT user_id, SUM(messages) FROM message_rollups
                     WHERE guild_id = ?1 AND hour >= ?2 AND (?3 IS NULL OR channel_id = ?3)
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
            Metric::Emojis => {
                sqlx::query_as(
                    "SELECT user_id, SUM(reactions_added + in_messages) FROM emoji_rollups
                     WHERE guild_id = ?1 AND hour >= ?2
                     GROUP BY user_id HAVING SUM(reactions_added + in_messages) > 0",
                )
                .bind(guild)
                .bind(first_hour)
                .fetch_all(&self.pool)
                .await?
            }
            Metric::AppCommands => {
                sqlx::query_as(
                    "SELECT user_id, SUM(uses) FROM app_rollups
                     WHERE guild_id = ?1 AND hour >= ?2
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
                     WHERE guild_id = ?1 AND inviter_id IS NOT NULL AND joined_at >= ?2
                       AND (left_at IS NULL OR left_at - joined_at >= ?3)
                     GROUP BY inviter_id",
                )
                .bind(guild)
                .bind(to_millis(since))
                .bind(INVITE_GRACE_MILLIS)
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
        let rows: Vec<(i64, i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT hour, channel_id, user_id, messages, with_attachments, replies, in_threads
             FROM message_rollups WHERE guild_id = ?1 ORDER BY hour, channel_id, user_id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(hour, channel, user, messages, with_attachments, replies, in_threads)| {
                    Ok((
                        MessageKey {
                            guild_id,
                            channel_id: ChannelId::from_db(channel),
                            user_id: UserId::from_db(user),
                            hour: from_millis(hour)?,
                        },
                        MessageCounts {
                            messages: count_from_db(messages),
                            with_attachments: count_from_db(with_attachments),
                            replies: count_from_db(replies),
                            in_threads: count_from_db(in_threads),
                        },
                    ))
                },
            )
            .collect::<Result<_, sqlx::Error>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn emoji_rows(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<(EmojiKey, EmojiCounts)>, StoreError> {
        let rows: Vec<(i64, String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT hour, emoji, user_id, reactions_added, reactions_removed, in_messages
             FROM emoji_rollups WHERE guild_id = ?1 ORDER BY hour, emoji, user_id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(hour, emoji, user, added, removed, in_messages)| {
                Ok((
                    EmojiKey {
                        guild_id,
                        emoji,
                        user_id: UserId::from_db(user),
                        hour: from_millis(hour)?,
                    },
                    EmojiCounts {
                        reactions_added: count_from_db(added),
                        reactions_removed: count_from_db(removed),
                        in_messages: count_from_db(in_messages),
                    },
                ))
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn app_rows(&self, guild_id: GuildId) -> Result<Vec<(AppKey, u64)>, StoreError> {
        let rows: Vec<(i64, i64, String, i64, i64)> = sqlx::query_as(
            "SELECT hour, application_id, command, user_id, uses
             FROM app_rollups WHERE guild_id = ?1 ORDER BY hour, application_id, command, user_id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(hour, app, command, user, uses)| {
                Ok((
                    AppKey {
                        guild_id,
                        application_id: application_id_from_db(app),
                        command,
                        user_id: UserId::from_db(user),
                        hour: from_millis(hour)?,
                    },
                    count_from_db(uses),
                ))
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn member_activity(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<MemberActivity, StoreError> {
        let first_hour = to_millis(hour_of(since));
        let channels: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT channel_id, SUM(messages) FROM message_rollups
             WHERE guild_id = ?1 AND user_id = ?2 AND hour >= ?3
             GROUP BY channel_id HAVING SUM(messages) > 0
             ORDER BY SUM(messages) DESC, channel_id",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(first_hour)
        .fetch_all(&self.pool)
        .await?;
        let emojis: Vec<(String, i64)> = sqlx::query_as(
            "SELECT emoji, SUM(reactions_added + in_messages) FROM emoji_rollups
             WHERE guild_id = ?1 AND user_id = ?2 AND hour >= ?3
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
