//! [`ActivityStore`] for both databases: hourly rollups, voice and game-activity sessions,
//! heartbeats, invites and joins.
//!
//! Rollups go through [`Dialect::add_rollups`], rows sorted by primary key so that shards flushing
//! at the same moment lock shared rows in the same order. A session is closed at the later of its
//! start and `at`, so events out of order never break the `left_at >= joined_at` check.

use std::collections::HashSet;

use async_trait::async_trait;

use chrono::{DateTime, TimeDelta, Utc};
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Type};

use super::dialect::INVITE_UPSERT;
use super::{Column, Dialect, SqlStore};
use crate::domain::activity::{hour_of, Deltas};
use crate::domain::board::Standing;
use crate::domain::ids::{ChannelId, GuildId, UserId};
use crate::store::activity::{
    invite_from_row, join_source_to_db, voice_session_from_row, ActivityStore, InviteRecord,
    InviteRow, JoinRecord, MemberActivity, Metric, VoiceFlags, VoiceSession, VoiceSessionRow,
    INVITE_COLUMNS, VOICE_SESSION_COLUMNS,
};
use crate::store::codec::{count_from_db, count_to_db, StoredId};
use crate::store::normalize::{last_entry_per_code, rollup_rows};
use crate::store::StoreError;

/// How long applied flush ids are remembered: far longer than any retry takes.
const BATCH_MEMORY: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// Guilds whose opt-outs one statement reads during a flush.
const GUILDS_PER_OPT_OUT_READ: usize = 500;

fn voice_session<DB: Dialect>(row: VoiceSessionRow<DB::Time>) -> Result<VoiceSession, sqlx::Error> {
    voice_session_from_row(row, DB::time_from_db)
}

fn standings(rows: Vec<(i64, i64)>) -> Vec<Standing> {
    rows.into_iter()
        .map(|(player, total)| Standing {
            player: UserId::from_db(player),
            total,
        })
        .collect()
}

impl<DB> SqlStore<DB>
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
    /// Appends a flag change unless the same one is already recorded for that moment, inside the
    /// caller's transaction or on its connection.
    async fn record_flags(
        conn: &mut DB::Connection,
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
        .bind(DB::time_to_db(at))
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
        let stay = DB::millis_between(
            &format!("{}(joined_at, $2)", DB::GREATEST),
            &format!("{}(COALESCE(left_at, $3), $3)", DB::LEAST),
        );
        sqlx::query_as(&format!(
            "SELECT user_id, total FROM (
                 SELECT user_id, CAST(SUM({greatest}(0, {stay})) AS BIGINT) / 1000 AS total
                 FROM voice_sessions
                 WHERE guild_id = $1 AND NOT afk AND joined_at < $3
                   AND (left_at IS NULL OR left_at > $2)
                   AND (CAST($4 AS BIGINT) IS NULL OR user_id = $4)
                   AND (CAST($5 AS BIGINT) IS NULL OR channel_id = $5)
                 GROUP BY user_id) AS per_member
             WHERE total > 0",
            greatest = DB::GREATEST,
        ))
        .bind(guild_id.to_db())
        .bind(DB::time_to_db(since))
        .bind(DB::time_to_db(now))
        .bind(user_id.map(UserId::to_db))
        .bind(channel.map(ChannelId::to_db))
        .fetch_all(&self.pool)
        .await
    }
}

/// The longest period [`recent_stays`] serves.
pub(super) const RECENT_DAYS: i64 = 31;

/// The statement reading `columns` of a server's voice stays overlapping `[$3, $4)` of a recent
/// period (`$1` the server, `$2` a member or NULL), AFK stays too unless `extra` filters them.
///
/// Three ranges, each through its own index, rather than every stay that began before the
/// period's end (a year of them, for last week's): the stays begun in the period, and those begun
/// before it and ended in it, after it or not yet (by `left_at`, across servers: the unary plus
/// keeps both databases off the server's indexes). Reading `left_at` across servers is cheap for
/// a recent period only, hence [`RECENT_DAYS`]; a member's stays, or a long period, read one range.
pub(super) fn recent_stays(columns: &str, extra: &str) -> String {
    let member = "(CAST($2 AS BIGINT) IS NULL OR user_id = $2)";
    format!(
        "SELECT {columns} FROM voice_sessions
         WHERE guild_id = $1 AND {member} AND joined_at >= $3 AND joined_at < $4
           AND (left_at IS NULL OR left_at > $3){extra}
         UNION ALL
         SELECT {columns} FROM voice_sessions
         WHERE left_at > $3 AND +guild_id = $1 AND {member} AND joined_at < $3{extra}
         UNION ALL
         SELECT {columns} FROM voice_sessions
         WHERE left_at IS NULL AND +guild_id = $1 AND {member} AND joined_at < $3{extra}"
    )
}

#[async_trait]
impl<DB> ActivityStore for SqlStore<DB>
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
    #[tracing::instrument(skip(self, deltas), fields(rows = deltas.rows(), events = deltas.events), err(level = "debug"))]
    async fn apply_deltas(&self, batch: &str, deltas: &Deltas) -> Result<bool, StoreError> {
        if deltas.is_empty() {
            return Ok(true);
        }
        let mut tx = self.begin_write().await?;
        let first_time = sqlx::query(
            "INSERT INTO ingest_batches (id, applied_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(batch)
        .bind(DB::time_to_db(Utc::now()))
        .execute(&mut *tx)
        .await
        .map(|done| DB::rows_affected(&done))?
            == 1;
        if !first_time {
            return Ok(false);
        }
        sqlx::query("DELETE FROM ingest_batches WHERE applied_at < $1")
            .bind(DB::time_to_db(Utc::now() - BATCH_MEMORY))
            .execute(&mut *tx)
            .await?;
        // Read inside the transaction: a member who opted out in another process since these
        // events were gathered is left out of this flush. One statement per few hundred guilds
        // (a flush of a large bot touches many), served by the partial index of opt-outs.
        let mut opted_out = HashSet::new();
        for guilds in deltas.guilds().chunks(GUILDS_PER_OPT_OUT_READ) {
            let listed = (1..=guilds.len())
                .map(|at| format!("${at}"))
                .collect::<Vec<_>>()
                .join(", ");
            let statement = format!(
                "SELECT guild_id, user_id FROM members
                 WHERE tracking_opt_out AND guild_id IN ({listed})"
            );
            let mut query = sqlx::query_as::<_, (i64, i64)>(&statement);
            for guild in guilds {
                query = query.bind(guild.to_db());
            }
            let rows = query.fetch_all(&mut *tx).await?;
            opted_out.extend(
                rows.into_iter()
                    .map(|(guild, user)| (GuildId::from_db(guild), UserId::from_db(user))),
            );
        }
        let rows = rollup_rows(deltas, |guild, user| opted_out.contains(&(guild, user)));
        DB::add_rollups(&mut tx, &rows).await?;
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
        let stored_at = DB::time_to_db(at);
        let mut tx = self.begin_write().await?;
        DB::lock_member(&mut tx, guild_id, user_id).await?;
        sqlx::query(&format!(
            "UPDATE voice_sessions SET left_at = {}(joined_at, $3)
             WHERE guild_id = $1 AND user_id = $2 AND left_at IS NULL",
            DB::GREATEST
        ))
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(stored_at)
        .execute(&mut *tx)
        .await?;
        let row: VoiceSessionRow<DB::Time> = sqlx::query_as(&format!(
            "INSERT INTO voice_sessions (guild_id, channel_id, user_id, joined_at, afk)
             VALUES ($1, $2, $3, $4, $5)
             RETURNING {VOICE_SESSION_COLUMNS}"
        ))
        .bind(guild_id.to_db())
        .bind(channel_id.to_db())
        .bind(user_id.to_db())
        .bind(stored_at)
        .bind(afk)
        .fetch_one(&mut *tx)
        .await?;
        Self::record_flags(&mut tx, guild_id, user_id, flags, at).await?;
        tx.commit().await?;
        Ok(voice_session::<DB>(row)?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn voice_leave(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<Option<VoiceSession>, StoreError> {
        let row: Option<VoiceSessionRow<DB::Time>> = sqlx::query_as(&format!(
            "UPDATE voice_sessions SET left_at = {greatest}(joined_at, $3)
             WHERE guild_id = $1 AND user_id = $2 AND left_at IS NULL
             RETURNING {VOICE_SESSION_COLUMNS}",
            greatest = DB::GREATEST
        ))
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(DB::time_to_db(at))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(voice_session::<DB>).transpose()?)
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
    async fn open_voice_sessions(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<VoiceSession>, StoreError> {
        let rows: Vec<VoiceSessionRow<DB::Time>> = sqlx::query_as(&format!(
            "SELECT {VOICE_SESSION_COLUMNS} FROM voice_sessions
             WHERE guild_id = $1 AND left_at IS NULL ORDER BY joined_at, id"
        ))
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(voice_session::<DB>)
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn close_voice_session(
        &self,
        guild_id: GuildId,
        session_id: i64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let closed = sqlx::query(&format!(
            "UPDATE voice_sessions SET left_at = {}(joined_at, $3)
             WHERE guild_id = $1 AND id = $2 AND left_at IS NULL",
            DB::GREATEST
        ))
        .bind(guild_id.to_db())
        .bind(session_id)
        .bind(DB::time_to_db(at))
        .execute(&self.pool)
        .await
        .map(|done| DB::rows_affected(&done))?;
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
        let recent = user_id.is_none() && until - since <= TimeDelta::days(RECENT_DAYS);
        let sql = if recent {
            recent_stays(VOICE_SESSION_COLUMNS, "")
        } else {
            format!(
                "SELECT {VOICE_SESSION_COLUMNS} FROM voice_sessions
                 WHERE guild_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR user_id = $2)
                   AND joined_at < $4 AND (left_at IS NULL OR left_at > $3)"
            )
        } + " ORDER BY joined_at, id";
        let rows: Vec<VoiceSessionRow<DB::Time>> = sqlx::query_as(&sql)
            .bind(guild_id.to_db())
            .bind(user_id.map(UserId::to_db))
            .bind(DB::time_to_db(since))
            .bind(DB::time_to_db(until))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(voice_session::<DB>)
            .collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn heartbeat(&self, shard: u32, at: DateTime<Utc>) -> Result<(), StoreError> {
        // The latest beat wins, also when two writes arrive out of order.
        sqlx::query(&format!(
            "INSERT INTO shard_heartbeats (shard, beat_at) VALUES ($1, $2)
             ON CONFLICT (shard) DO UPDATE SET
                 beat_at = {}(shard_heartbeats.beat_at, EXCLUDED.beat_at)",
            DB::GREATEST
        ))
        .bind(i64::from(shard))
        .bind(DB::time_to_db(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn last_heartbeat(&self, shard: u32) -> Result<Option<DateTime<Utc>>, StoreError> {
        let beat: Option<DB::Time> =
            sqlx::query_scalar("SELECT beat_at FROM shard_heartbeats WHERE shard = $1")
                .bind(i64::from(shard))
                .fetch_optional(&self.pool)
                .await?;
        Ok(beat.map(DB::time_from_db).transpose()?)
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
        .bind(DB::time_to_db(at))
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
        // With nothing still playing, everything stops.
        let mut sql = format!(
            "UPDATE activity_sessions SET ended_at = {}(started_at, $3)
             WHERE guild_id = $1 AND user_id = $2 AND ended_at IS NULL",
            DB::GREATEST
        );
        if !still_playing.is_empty() {
            let games: Vec<String> = (4..4 + still_playing.len())
                .map(|n| format!("${n}"))
                .collect();
            sql.push_str(" AND game NOT IN (");
            sql.push_str(&games.join(", "));
            sql.push(')');
        }
        let mut update = sqlx::query(&sql)
            .bind(guild_id.to_db())
            .bind(user_id.to_db())
            .bind(DB::time_to_db(at));
        for game in still_playing {
            update = update.bind(game.as_str());
        }
        update.execute(&self.pool).await?;
        Ok(())
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
            "UPDATE invites SET deleted_at = $2 WHERE guild_id = $1 AND deleted_at IS NULL",
        )
        .bind(guild_id.to_db())
        .bind(DB::time_to_db(at))
        .execute(&mut *tx)
        .await?;
        let invites = last_entry_per_code(invites);
        DB::upsert_invites(&mut tx, guild_id, &invites).await?;
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
        .bind(invite.created_at.map(DB::time_to_db))
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
        .bind(DB::time_to_db(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn invites(&self, guild_id: GuildId) -> Result<Vec<InviteRecord>, StoreError> {
        // `code` is collated "C": byte order, as SQLite sorts.
        let rows: Vec<InviteRow<DB::Time>> = sqlx::query_as(&format!(
            "SELECT {INVITE_COLUMNS} FROM invites
             WHERE guild_id = $1 AND deleted_at IS NULL ORDER BY code"
        ))
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| invite_from_row(row, DB::time_from_db))
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
        .bind(DB::time_to_db(join.joined_at))
        .bind(source)
        .bind(code)
        .bind(inviter)
        .bind(join.left_at.map(DB::time_to_db))
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
        sqlx::query(&format!(
            "UPDATE member_joins SET left_at = {}(joined_at, $3)
             WHERE id = (SELECT id FROM member_joins
                         WHERE guild_id = $1 AND user_id = $2 AND left_at IS NULL
                         ORDER BY joined_at DESC, id DESC LIMIT 1)",
            DB::GREATEST
        ))
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .bind(DB::time_to_db(at))
        .execute(&self.pool)
        .await?;
        Ok(())
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
        let first_hour = DB::time_to_db(hour_of(since));
        let rows: Vec<(i64, i64)> =
            match metric {
                Metric::Messages => {
                    sqlx::query_as(
                        "SELECT user_id, CAST(SUM(messages) AS BIGINT) FROM message_rollups
                     WHERE guild_id = $1 AND hour >= $2 AND (CAST($3 AS BIGINT) IS NULL OR channel_id = $3)
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
                    "SELECT user_id, CAST(SUM(reactions_added + in_messages) AS BIGINT) FROM emoji_rollups
                     WHERE guild_id = $1 AND hour >= $2
                     GROUP BY user_id HAVING SUM(reactions_added + in_messages) > 0",
                )
                .bind(guild)
                .bind(first_hour)
                .fetch_all(&self.pool)
                .await?,
                Metric::AppCommands => {
                    sqlx::query_as(
                        "SELECT user_id, CAST(SUM(uses) AS BIGINT) FROM app_rollups
                     WHERE guild_id = $1 AND hour >= $2
                     GROUP BY user_id HAVING SUM(uses) > 0",
                    )
                    .bind(guild)
                    .bind(first_hour)
                    .fetch_all(&self.pool)
                    .await?
                }
                Metric::Invites => {
                    sqlx::query_as(&format!(
                        "SELECT inviter_id, COUNT(*) FROM member_joins
                     WHERE guild_id = $1 AND inviter_id IS NOT NULL AND joined_at >= $2
                       AND (left_at IS NULL OR left_at >= {})
                     GROUP BY inviter_id",
                        DB::plus_minutes("joined_at", "1440")
                    ))
                    .bind(guild)
                    .bind(DB::time_to_db(since))
                    .fetch_all(&self.pool)
                    .await?
                }
            };
        Ok(standings(rows))
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn member_activity(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<MemberActivity, StoreError> {
        let first_hour = DB::time_to_db(hour_of(since));
        let channels: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT channel_id, CAST(SUM(messages) AS BIGINT) FROM message_rollups
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
            "SELECT emoji, CAST(SUM(reactions_added + in_messages) AS BIGINT) FROM emoji_rollups
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
