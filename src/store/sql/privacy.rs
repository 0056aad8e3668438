//! [`PrivacyStore`] for both databases.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Type};

use super::{Column, Dialect, SqlStore};
use crate::domain::ids::{ChannelId, GuildId, UserId};
use crate::store::codec::{application_id_from_db, count_from_db, StoredId};
use crate::store::privacy::{
    AchievementRow, CommandHourRow, EmojiHourRow, Erased, FlagChangeRow, GameRow, JoinRow, KillRow,
    MarkRow, MemberExport, MessageHourRow, PrivacyAction, PrivacyChoices, PrivacyStore,
    RecordedAbout, TournamentEntryRow, VoiceStayRow, WeekdayRow,
};
use crate::store::{MemberRecord, StoreError};

/// Which privacy column a choice writes.
#[derive(Clone, Copy)]
enum Choice {
    OptOut,
    Hidden,
}

impl Choice {
    const fn column(self) -> &'static str {
        match self {
            Self::OptOut => "tracking_opt_out",
            Self::Hidden => "hidden",
        }
    }
}

/// The format of [`MemberExport`].
const EXPORT_VERSION: u32 = 1;

/// A time read as milliseconds since 1970 (what `Dialect::millis_between` from the epoch gives).
/// A stored time is always within chrono's range.
fn time(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or(DateTime::UNIX_EPOCH)
}

/// What one member's rows count in each table, in [`RecordedAbout`]'s order.
const RECORDED: &[&str] = &[
    "SELECT COUNT(*) FROM message_rollups WHERE guild_id = $1 AND user_id = $2",
    "SELECT COUNT(*) FROM emoji_rollups WHERE guild_id = $1 AND user_id = $2",
    "SELECT COUNT(*) FROM app_rollups WHERE guild_id = $1 AND user_id = $2",
    "SELECT COUNT(*) FROM voice_sessions WHERE guild_id = $1 AND user_id = $2",
    "SELECT COUNT(*) FROM voice_flag_changes WHERE guild_id = $1 AND user_id = $2",
    "SELECT COUNT(*) FROM activity_sessions WHERE guild_id = $1 AND user_id = $2",
    "SELECT COUNT(*) FROM member_joins WHERE guild_id = $1 AND user_id = $2",
    "SELECT COUNT(*) FROM member_joins WHERE guild_id = $1 AND inviter_id = $2",
    "SELECT COUNT(*) FROM kill_ledger WHERE guild_id = $1 AND (player_id = $2 OR victim_id = $2)",
    "SELECT (SELECT COUNT(*) FROM schedule_marks WHERE guild_id = $1 AND user_id = $2)
          + (SELECT COUNT(*) FROM weekly_schedules WHERE guild_id = $1 AND user_id = $2)",
];

/// Rows deleted when a member is erased: `$1` is the guild, `$2` the member.
const ERASE_DELETES: &[&str] = &[
    "DELETE FROM message_rollups WHERE guild_id = $1 AND user_id = $2",
    "DELETE FROM member_message_days WHERE guild_id = $1 AND user_id = $2",
    // An entry in a tournament not started yet simply goes; started ones keep the seat below.
    "DELETE FROM tournament_entrants WHERE guild_id = $1 AND user_id = $2
       AND tournament_id IN (SELECT id FROM tournaments WHERE guild_id = $1 AND state = 'open')",
    "DELETE FROM emoji_rollups WHERE guild_id = $1 AND user_id = $2",
    "DELETE FROM app_rollups WHERE guild_id = $1 AND user_id = $2",
    "DELETE FROM voice_sessions WHERE guild_id = $1 AND user_id = $2",
    "DELETE FROM voice_flag_changes WHERE guild_id = $1 AND user_id = $2",
    "DELETE FROM activity_sessions WHERE guild_id = $1 AND user_id = $2",
    "DELETE FROM member_joins WHERE guild_id = $1 AND user_id = $2",
    "DELETE FROM schedule_marks WHERE guild_id = $1 AND user_id = $2",
    "DELETE FROM schedule_responders WHERE guild_id = $1 AND user_id = $2",
    "DELETE FROM weekly_schedules WHERE guild_id = $1 AND user_id = $2",
    "DELETE FROM member_timezones WHERE guild_id = $1 AND user_id = $2",
    "DELETE FROM member_ranks WHERE guild_id = $1 AND user_id = $2",
    "DELETE FROM achievement_unlocks WHERE guild_id = $1 AND user_id = $2",
    "DELETE FROM members WHERE guild_id = $1 AND user_id = $2 AND NOT tracking_opt_out",
];

/// Where the erased member is named as an inviter: the invite and the joins through it stay,
/// with no inviter, as for an invite whose creator Discord does not say.
const ERASE_UNLINKS: &[&str] = &[
    "UPDATE member_joins SET inviter_id = NULL WHERE guild_id = $1 AND inviter_id = $2",
    "UPDATE invites SET inviter_id = NULL WHERE guild_id = $1 AND inviter_id = $2",
];

/// Where rows that others need name the erased member: each column is set to `UserId::ERASED`
/// (`$3`).
const ERASE_ANONYMISES: &[&str] = &[
    "UPDATE kill_ledger SET player_id = $3 WHERE guild_id = $1 AND player_id = $2",
    "UPDATE kill_ledger SET victim_id = $3 WHERE guild_id = $1 AND victim_id = $2",
    "UPDATE kill_ledger SET recorded_by = $3 WHERE guild_id = $1 AND recorded_by = $2",
    "UPDATE kill_ledger SET undone_by = $3 WHERE guild_id = $1 AND undone_by = $2",
    "UPDATE game_sessions SET started_by = $3 WHERE guild_id = $1 AND started_by = $2",
    "UPDATE game_sessions SET ended_by = $3 WHERE guild_id = $1 AND ended_by = $2",
    "UPDATE seasons SET started_by = $3 WHERE guild_id = $1 AND started_by = $2",
    "UPDATE seasons SET ended_by = $3 WHERE guild_id = $1 AND ended_by = $2",
    // A bracket needs its seats: the entry stays, as an erased member.
    "UPDATE tournament_entrants SET user_id = $3 WHERE guild_id = $1 AND user_id = $2",
    "UPDATE tournament_events SET actor_id = $3 WHERE guild_id = $1 AND actor_id = $2",
    "UPDATE tournaments SET created_by = $3 WHERE guild_id = $1 AND created_by = $2",
];

impl<DB> SqlStore<DB>
where
    DB: Dialect,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Column<DB>,
    bool: Column<DB>,
    String: Column<DB>,
    Option<DB::Time>: Column<DB>,
    for<'a> &'a str: Type<DB> + Encode<'a, DB>,
{
    /// Every row `statement` returns for one member: `$1` is the guild, `$2` the member, and
    /// `$3`, when the statement names it, the epoch its times are counted from
    /// ([`Dialect::millis_between`]).
    async fn member_rows<T>(
        &self,
        statement: &str,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<Vec<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, DB::Row> + Send + Unpin,
    {
        let mut query = sqlx::query_as::<_, T>(statement)
            .bind(guild_id.to_db())
            .bind(user_id.to_db());
        // Postgres refuses a parameter the statement does not use.
        if statement.contains("$3") {
            query = query.bind(DB::time_to_db(DateTime::UNIX_EPOCH));
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    /// Sets one choice of `member`, inserting the member when unknown, and returns the value it
    /// had before (`None` for a member not recorded yet). Runs inside the caller's transaction.
    async fn set_choice(
        tx: &mut DB::Connection,
        guild_id: GuildId,
        member: &MemberRecord,
        choice: Choice,
        value: bool,
    ) -> Result<Option<bool>, StoreError> {
        let column = choice.column();
        let before: Option<bool> = sqlx::query_scalar(&format!(
            "SELECT {column} FROM members WHERE guild_id = $1 AND user_id = $2{}",
            DB::FOR_UPDATE
        ))
        .bind(guild_id.to_db())
        .bind(member.user_id.to_db())
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query(&format!(
            "INSERT INTO members (guild_id, user_id, display_name, is_bot, joined_at, {column})
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (guild_id, user_id) DO UPDATE SET {column} = EXCLUDED.{column}"
        ))
        .bind(guild_id.to_db())
        .bind(member.user_id.to_db())
        .bind(member.display_name.as_str())
        .bind(member.is_bot)
        .bind(DB::time_to_db(member.joined_at))
        .bind(value)
        .execute(&mut *tx)
        .await?;
        Ok(before)
    }
}

#[async_trait]
impl<DB> PrivacyStore for SqlStore<DB>
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
    async fn privacy_choices(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<PrivacyChoices, StoreError> {
        let row: Option<(bool, bool)> = sqlx::query_as(
            "SELECT tracking_opt_out, hidden FROM members WHERE guild_id = $1 AND user_id = $2",
        )
        .bind(guild_id.to_db())
        .bind(user_id.to_db())
        .fetch_optional(&self.pool)
        .await?;
        Ok(
            row.map_or_else(PrivacyChoices::default, |(opted_out, hidden)| {
                PrivacyChoices { opted_out, hidden }
            }),
        )
    }

    #[tracing::instrument(skip(self, member), fields(user = %member.user_id), err(level = "debug"))]
    async fn set_tracking_opt_out(
        &self,
        guild_id: GuildId,
        member: &MemberRecord,
        opted_out: bool,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        if !Self::guild_known(&mut tx, guild_id).await? {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        DB::lock_member(&mut tx, guild_id, member.user_id).await?;
        let before = Self::set_choice(&mut tx, guild_id, member, Choice::OptOut, opted_out).await?;
        if opted_out {
            // Recording stops now: what is open ends at this moment, as if they had left.
            for (table, start, end) in [
                ("voice_sessions", "joined_at", "left_at"),
                ("activity_sessions", "started_at", "ended_at"),
            ] {
                sqlx::query(&format!(
                    "UPDATE {table} SET {end} = {}({start}, $3)
                     WHERE guild_id = $1 AND user_id = $2 AND {end} IS NULL",
                    DB::GREATEST
                ))
                .bind(guild_id.to_db())
                .bind(member.user_id.to_db())
                .bind(DB::time_to_db(at))
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(before.unwrap_or(false) != opted_out)
    }

    #[tracing::instrument(skip(self, member), fields(user = %member.user_id), err(level = "debug"))]
    async fn set_hidden(
        &self,
        guild_id: GuildId,
        member: &MemberRecord,
        hidden: bool,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        if !Self::guild_known(&mut tx, guild_id).await? {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        let before = Self::set_choice(&mut tx, guild_id, member, Choice::Hidden, hidden).await?;
        tx.commit().await?;
        Ok(before.unwrap_or(false) != hidden)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn hidden_members(&self, guild_id: GuildId) -> Result<Vec<UserId>, StoreError> {
        let users: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM members WHERE guild_id = $1 AND hidden ORDER BY user_id",
        )
        .bind(guild_id.to_db())
        .fetch_all(&self.pool)
        .await?;
        Ok(users.into_iter().map(UserId::from_db).collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn recorded_about(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<RecordedAbout, StoreError> {
        // One round trip: every count is a scalar subquery of the same statement.
        let columns: Vec<String> = RECORDED
            .iter()
            .map(|statement| format!("CAST(({statement}) AS BIGINT)"))
            .collect();
        let counts: Vec<(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)> = self
            .member_rows(&format!("SELECT {}", columns.join(", ")), guild_id, user_id)
            .await?;
        let (a, b, c, d, e, f, g, h, i, j) = counts.first().copied().unwrap_or_default();
        let counts = [a, b, c, d, e, f, g, h, i, j].map(count_from_db);
        let [message_hours, emoji_hours, command_hours, voice_stays, voice_flag_changes, game_sessions, joins, invited, kills, schedule_entries] =
            counts;
        Ok(RecordedAbout {
            message_hours,
            emoji_hours,
            command_hours,
            voice_stays,
            voice_flag_changes,
            game_sessions,
            joins,
            invited,
            kills,
            schedule_entries,
        })
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn erase_member(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        by: Option<UserId>,
        at: DateTime<Utc>,
    ) -> Result<Erased, StoreError> {
        let mut tx = self.begin_write().await?;
        if !Self::guild_known(&mut tx, guild_id).await? {
            return Err(StoreError::UnknownGuild(guild_id));
        }
        DB::lock_member(&mut tx, guild_id, user_id).await?;
        let (guild, user) = (guild_id.to_db(), user_id.to_db());
        // The channels' counts lose exactly what the member's rows added to them.
        sqlx::query(&format!(
            "UPDATE channel_rollups AS c SET messages = {}(c.messages - m.total, 0)
             FROM (SELECT hour, channel_id, SUM(messages) AS total FROM message_rollups
                   WHERE guild_id = $1 AND user_id = $2 GROUP BY hour, channel_id) AS m
             WHERE c.guild_id = $1 AND c.hour = m.hour AND c.channel_id = m.channel_id",
            DB::GREATEST
        ))
        .bind(guild)
        .bind(user)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM channel_rollups WHERE guild_id = $1 AND messages = 0")
            .bind(guild)
            .execute(&mut *tx)
            .await?;
        let mut erased = Erased::default();
        for (statements, anonymises) in [(ERASE_DELETES, false), (ERASE_UNLINKS, true)] {
            for statement in statements {
                let done = sqlx::query(statement)
                    .bind(guild)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
                let rows = DB::rows_affected(&done);
                if anonymises {
                    erased.anonymised += rows;
                } else {
                    erased.deleted += rows;
                }
            }
        }
        for statement in ERASE_ANONYMISES {
            let done = sqlx::query(statement)
                .bind(guild)
                .bind(user)
                .bind(UserId::ERASED.to_db())
                .execute(&mut *tx)
                .await?;
            erased.anonymised += DB::rows_affected(&done);
        }
        // A note may mention them; the mention goes, the note stays.
        for form in [format!("<@{}>", user_id.0), format!("<@!{}>", user_id.0)] {
            sqlx::query(
                "UPDATE kill_ledger SET note = REPLACE(note, $2, '@erased member')
                 WHERE guild_id = $1 AND note LIKE '%' || $2 || '%'",
            )
            .bind(guild)
            .bind(form.as_str())
            .execute(&mut *tx)
            .await?;
        }
        // A member who opted out stays opted out: the row keeps that choice and nothing else.
        sqlx::query(
            "UPDATE members SET display_name = '', joined_at = $3, left_at = NULL, is_bot = $4
             WHERE guild_id = $1 AND user_id = $2",
        )
        .bind(guild)
        .bind(user)
        .bind(DB::time_to_db(at))
        .bind(false)
        .execute(&mut *tx)
        .await?;
        if let Some(actor) = by {
            sqlx::query(
                "INSERT INTO privacy_actions (guild_id, at, actor_id, subject_id, action)
                 VALUES ($1, $2, $3, $4, 'erase')",
            )
            .bind(guild)
            .bind(DB::time_to_db(at))
            .bind(actor.to_db())
            .bind(user)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(erased)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn privacy_actions(
        &self,
        guild_id: GuildId,
        limit: u32,
    ) -> Result<Vec<PrivacyAction>, StoreError> {
        let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&format!(
            "SELECT {}, actor_id, subject_id, action FROM privacy_actions
             WHERE guild_id = $1 ORDER BY id DESC LIMIT $2",
            DB::millis_between("$3", "at")
        ))
        .bind(guild_id.to_db())
        .bind(i64::from(limit))
        .bind(DB::time_to_db(DateTime::UNIX_EPOCH))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, actor, subject, action)| PrivacyAction {
                at: time(at),
                actor: UserId::from_db(actor),
                subject: UserId::from_db(subject),
                action,
            })
            .collect())
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn member_export(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<MemberExport, StoreError> {
        let ms = |column: &str| DB::millis_between("$3", column);
        let member: Option<(String, bool, bool)> = self
            .member_rows(
                "SELECT display_name, tracking_opt_out, hidden FROM members
                 WHERE guild_id = $1 AND user_id = $2",
                guild_id,
                user_id,
            )
            .await?
            .pop();
        let messages: Vec<(i64, i64, i64, i64, i64, i64)> = self
            .member_rows(
                &format!(
                    "SELECT {}, channel_id, messages, with_attachments, replies, in_threads
                     FROM message_rollups WHERE guild_id = $1 AND user_id = $2
                     ORDER BY hour, channel_id",
                    ms("hour")
                ),
                guild_id,
                user_id,
            )
            .await?;
        let emojis: Vec<(i64, String, i64, i64, i64)> = self
            .member_rows(
                &format!(
                    "SELECT {}, emoji, reactions_added, reactions_removed, in_messages
                     FROM emoji_rollups WHERE guild_id = $1 AND user_id = $2
                     ORDER BY hour, emoji",
                    ms("hour")
                ),
                guild_id,
                user_id,
            )
            .await?;
        let commands: Vec<(i64, i64, String, i64)> = self
            .member_rows(
                &format!(
                    "SELECT {}, application_id, command, uses FROM app_rollups
                     WHERE guild_id = $1 AND user_id = $2 ORDER BY hour, application_id, command",
                    ms("hour")
                ),
                guild_id,
                user_id,
            )
            .await?;
        let stays: Vec<(i64, i64, Option<i64>, bool)> = self
            .member_rows(
                &format!(
                    "SELECT channel_id, {}, {}, afk FROM voice_sessions
                     WHERE guild_id = $1 AND user_id = $2 ORDER BY id",
                    ms("joined_at"),
                    ms("left_at")
                ),
                guild_id,
                user_id,
            )
            .await?;
        let flags: Vec<(i64, bool, bool, bool, bool, bool, bool)> = self
            .member_rows(
                &format!(
                    "SELECT {}, self_mute, self_deaf, mute, deaf, streaming, video
                     FROM voice_flag_changes WHERE guild_id = $1 AND user_id = $2 ORDER BY id",
                    ms("at")
                ),
                guild_id,
                user_id,
            )
            .await?;
        let games: Vec<(String, i64, Option<i64>)> = self
            .member_rows(
                &format!(
                    "SELECT game, {}, {} FROM activity_sessions
                     WHERE guild_id = $1 AND user_id = $2 ORDER BY id",
                    ms("started_at"),
                    ms("ended_at")
                ),
                guild_id,
                user_id,
            )
            .await?;
        let joins: Vec<(i64, String, Option<String>, Option<i64>)> = self
            .member_rows(
                &format!(
                    "SELECT {}, source, invite_code, {} FROM member_joins
                     WHERE guild_id = $1 AND user_id = $2 ORDER BY id",
                    ms("joined_at"),
                    ms("left_at")
                ),
                guild_id,
                user_id,
            )
            .await?;
        let kills: Vec<(i64, bool, i64, i64, Option<String>, i64, Option<i64>)> = self
            .member_rows(
                &format!(
                    "SELECT id, player_id = $2, CAST(kind AS BIGINT), CAST(count AS BIGINT), game,
                         {}, {}
                     FROM kill_ledger WHERE guild_id = $1 AND (player_id = $2 OR victim_id = $2)
                     ORDER BY id",
                    ms("recorded_at"),
                    ms("undone_at")
                ),
                guild_id,
                user_id,
            )
            .await?;
        let marks: Vec<(i64, String, i64)> = self
            .member_rows(
                "SELECT CAST(day AS BIGINT), source, CAST(slot AS BIGINT) FROM schedule_marks
                 WHERE guild_id = $1 AND user_id = $2 ORDER BY day, source, slot",
                guild_id,
                user_id,
            )
            .await?;
        let weekly: Vec<(i64, i64)> = self
            .member_rows(
                "SELECT CAST(weekday AS BIGINT), CAST(hours AS BIGINT) FROM weekly_schedules
                 WHERE guild_id = $1 AND user_id = $2 ORDER BY weekday",
                guild_id,
                user_id,
            )
            .await?;
        let badges: Vec<(String, i64)> = self
            .member_rows(
                &format!(
                    "SELECT milestone, {} FROM achievement_unlocks
                     WHERE guild_id = $1 AND user_id = $2 ORDER BY unlocked_at, milestone",
                    ms("unlocked_at")
                ),
                guild_id,
                user_id,
            )
            .await?;
        let entries: Vec<(i64, String, i64, Option<i64>, Option<i64>)> = self
            .member_rows(
                &format!(
                    "SELECT t.id, t.name, {}, e.seat, {} FROM tournament_entrants AS e
                     JOIN tournaments AS t ON t.id = e.tournament_id
                     WHERE e.guild_id = $1 AND e.user_id = $2 ORDER BY t.id",
                    ms("e.joined_at"),
                    ms("e.left_at")
                ),
                guild_id,
                user_id,
            )
            .await?;
        let timezone: Option<(String,)> = self
            .member_rows(
                "SELECT timezone FROM member_timezones WHERE guild_id = $1 AND user_id = $2",
                guild_id,
                user_id,
            )
            .await?
            .pop();
        let timezone = timezone.map(|(zone,)| zone);
        let (display_name, opted_out, hidden) =
            member.map_or((None, false, false), |m| (Some(m.0), m.1, m.2));
        Ok(MemberExport {
            version: EXPORT_VERSION,
            guild_id: guild_id.0.to_string(),
            user_id: user_id.0.to_string(),
            display_name,
            opted_out,
            hidden,
            message_hours: messages
                .into_iter()
                .map(
                    |(hour, channel, messages, with_attachments, replies, in_threads)| {
                        MessageHourRow {
                            hour: time(hour),
                            channel_id: ChannelId::from_db(channel).0.to_string(),
                            messages,
                            with_attachments,
                            replies,
                            in_threads,
                        }
                    },
                )
                .collect(),
            emoji_hours: emojis
                .into_iter()
                .map(
                    |(hour, emoji, reactions_added, reactions_removed, in_messages)| EmojiHourRow {
                        hour: time(hour),
                        emoji,
                        reactions_added,
                        reactions_removed,
                        in_messages,
                    },
                )
                .collect(),
            command_hours: commands
                .into_iter()
                .map(|(hour, application, command, uses)| CommandHourRow {
                    hour: time(hour),
                    application_id: application_id_from_db(application).to_string(),
                    command,
                    uses,
                })
                .collect(),
            voice_stays: stays
                .into_iter()
                .map(|(channel, joined, left, afk)| VoiceStayRow {
                    channel_id: ChannelId::from_db(channel).0.to_string(),
                    joined_at: time(joined),
                    left_at: left.map(time),
                    afk,
                })
                .collect(),
            voice_flag_changes: flags
                .into_iter()
                .map(
                    |(at, self_mute, self_deaf, mute, deaf, streaming, video)| FlagChangeRow {
                        at: time(at),
                        self_mute,
                        self_deaf,
                        mute,
                        deaf,
                        streaming,
                        video,
                    },
                )
                .collect(),
            game_sessions: games
                .into_iter()
                .map(|(game, started, ended)| GameRow {
                    game,
                    started_at: time(started),
                    ended_at: ended.map(time),
                })
                .collect(),
            joins: joins
                .into_iter()
                .map(|(joined, source, invite_code, left)| JoinRow {
                    joined_at: time(joined),
                    source,
                    invite_code,
                    left_at: left.map(time),
                })
                .collect(),
            kills: kills
                .into_iter()
                .map(
                    |(id, player, kind, count, game, recorded, undone)| KillRow {
                        id,
                        role: if player { "player" } else { "victim" }.to_owned(),
                        kind: if kind == 0 { "kill" } else { "team kill" }.to_owned(),
                        count,
                        game,
                        recorded_at: time(recorded),
                        undone_at: undone.map(time),
                    },
                )
                .collect(),
            schedule_marks: marks
                .into_iter()
                .map(|(day, source, slot)| MarkRow { day, source, slot })
                .collect(),
            weekly_schedule: weekly
                .into_iter()
                .map(|(weekday, hours)| WeekdayRow { weekday, hours })
                .collect(),
            achievements: badges
                .into_iter()
                .map(|(milestone, unlocked)| AchievementRow {
                    milestone,
                    unlocked_at: time(unlocked),
                })
                .collect(),
            tournaments: entries
                .into_iter()
                .map(
                    |(tournament_id, name, joined, seat, left)| TournamentEntryRow {
                        tournament_id,
                        name,
                        joined_at: time(joined),
                        seed: seat.map(|seat| seat + 1),
                        left_at: left.map(time),
                    },
                )
                .collect(),
            timezone,
        })
    }
}
