//! [`PrivacyStore`] for both databases.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Encode, Executor, IntoArguments, Type};

use super::{Column, Dialect, SqlStore};
use crate::domain::ids::{GuildId, UserId};
use crate::store::codec::{count_from_db, StoredId};
use crate::store::privacy::{PrivacyChoices, PrivacyStore, RecordedAbout};
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
        let mut counts = [0_u64; 10];
        for (count, statement) in counts.iter_mut().zip(RECORDED) {
            let rows: i64 = sqlx::query_scalar(&format!("SELECT CAST(({statement}) AS BIGINT)"))
                .bind(guild_id.to_db())
                .bind(user_id.to_db())
                .fetch_one(&self.pool)
                .await?;
            *count = count_from_db(rows);
        }
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
}
