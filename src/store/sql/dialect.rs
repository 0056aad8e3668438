//! The seam between the shared queries and the two databases: everything SQLite and Postgres do
//! differently, and nothing else.
//!
//! [`Dialect`] is implemented on sqlx's own database types ([`sqlx::Sqlite`] in
//! `store/sqlite.rs`, [`sqlx::Postgres`] in `store/postgres.rs`). It provides:
//!
//! - **the time codec**: how a `DateTime<Utc>` is stored and read back ([`Dialect::Time`]);
//! - **a few SQL fragments**: the two-argument maximum and minimum, null-safe equality, row
//!   locks, the statement that starts a write transaction, and time arithmetic;
//! - **the statements that really differ**: bulk upserts (`UNNEST` over arrays on Postgres,
//!   multi-row `VALUES` on SQLite), the per-member lock, and locking around migrations.
//!
//! Every other query is written once, in `store/sql/`, with `$N` placeholders (SQLite accepts
//! them too) and SQL both databases read the same way (`CAST(x AS BIGINT)` rather than `x::bigint`).
//!
//! # Why time is stored differently
//!
//! Postgres keeps `timestamptz`. The analytics to come group by day, ISO week and month in each
//! member's own time zone; `date_trunc('week', at AT TIME ZONE $tz)` does that in the database,
//! correctly across daylight-saving changes, where integer milliseconds would need the time-zone
//! rules re-implemented in SQL. SQLite has no time type and no time-zone database, so it keeps
//! unix milliseconds (an `INTEGER` compares, sorts and subtracts exactly), and its grouping by
//! local calendar periods happens in Rust. Both cut times to the millisecond on write, so a value
//! reads back the same whichever database holds it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::{Database, Decode, Encode, Type};

use crate::domain::ids::{GuildId, UserId};
use crate::store::activity::InviteRecord;
use crate::store::normalize::RollupRows;
use crate::store::{Backend, MemberRecord, StoreError};

/// What one database does differently from the other; see the module documentation.
#[async_trait]
pub trait Dialect: Database {
    /// Which database this is.
    const BACKEND: Backend;

    /// How a time is stored: `DateTime<Utc>` on Postgres, unix milliseconds (`i64`) on SQLite.
    type Time: Type<Self>
        + for<'q> Encode<'q, Self>
        + for<'r> Decode<'r, Self>
        + Copy
        + Send
        + Sync
        + Unpin
        + 'static;

    /// `at` as stored, cut to the millisecond.
    fn time_to_db(at: DateTime<Utc>) -> Self::Time;

    /// A stored time read back.
    ///
    /// # Errors
    /// When the stored value is outside the range chrono can represent.
    fn time_from_db(stored: Self::Time) -> Result<DateTime<Utc>, sqlx::Error>;

    /// How many rows a statement changed (sqlx has no trait for it common to all databases).
    fn rows_affected(done: &Self::QueryResult) -> u64;

    /// The larger of two values: `GREATEST` or SQLite's two-argument `MAX`.
    const GREATEST: &'static str;

    /// The smaller of two values: `LEAST` or SQLite's two-argument `MIN`.
    const LEAST: &'static str;

    /// Equality where `NULL` equals `NULL`: `IS NOT DISTINCT FROM` or SQLite's `IS`.
    const NULL_SAFE_EQ: &'static str;

    /// Appended to a `SELECT` inside a write transaction to lock the rows it reads: `FOR UPDATE`
    /// on Postgres; nothing on SQLite, whose write transaction already holds the whole file.
    const FOR_UPDATE: &'static str;

    /// As [`Dialect::FOR_UPDATE`], skipping rows another transaction holds instead of waiting
    /// for them (a claim that must never wait, so it can never deadlock with a writer).
    const FOR_UPDATE_SKIP_LOCKED: &'static str;

    /// Starts a transaction that writes. SQLite takes its write lock up front (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads first can fail at its first write, without waiting, when
    /// another connection wrote in between.
    const BEGIN_WRITE: &'static str;

    /// SQL for the time expression `time` plus the integer expression `minutes` in minutes.
    fn plus_minutes(time: &str, minutes: &str) -> String;

    /// SQL for the whole milliseconds from the time expression `from` to `to`, as a `BIGINT`.
    fn millis_between(from: &str, to: &str) -> String;

    /// The latest migration this build carries for the database.
    fn known_schema() -> i64;
    /// Applies the embedded migrations on `conn`, safe against several processes migrating at
    /// the same moment.
    async fn migrate(conn: PoolConnection<Self>) -> Result<(), StoreError>;

    /// Serializes the caller's transaction with any other one closing and opening voice sessions
    /// of the same member, until commit or rollback.
    async fn lock_member(
        tx: &mut Self::Connection,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<(), sqlx::Error>;

    /// Inserts or refreshes `members` (one entry per user) inside the caller's transaction, as
    /// [`crate::store::Store::upsert_members`] describes.
    async fn upsert_members(
        tx: &mut Self::Connection,
        guild_id: GuildId,
        members: &[&MemberRecord],
    ) -> Result<(), sqlx::Error>;

    /// Adds `rows` to the rollup tables inside the caller's transaction.
    async fn add_rollups(
        tx: &mut Self::Connection,
        rows: &RollupRows<'_>,
    ) -> Result<(), sqlx::Error>;

    /// Adds or refreshes `invites` (one entry per code) inside the caller's transaction, with
    /// `INVITE_UPSERT` as the conflict clause.
    async fn upsert_invites(
        tx: &mut Self::Connection,
        guild_id: GuildId,
        invites: &[&InviteRecord],
    ) -> Result<(), sqlx::Error>;
}

/// What refreshing a known invite changes: Discord's counts always, the rest only when the record
/// knows it; a listed invite is no longer deleted.
pub(in crate::store) const INVITE_UPSERT: &str = " ON CONFLICT (guild_id, code) DO UPDATE SET
         inviter_id = COALESCE(EXCLUDED.inviter_id, invites.inviter_id),
         channel_id = COALESCE(EXCLUDED.channel_id, invites.channel_id),
         uses = EXCLUDED.uses,
         max_uses = EXCLUDED.max_uses,
         created_at = COALESCE(EXCLUDED.created_at, invites.created_at),
         deleted_at = NULL";

/// The conflict clause of a member upsert: refreshing keeps `tracking_opt_out` and `joined_at`.
pub(in crate::store) const MEMBER_UPSERT: &str = " ON CONFLICT (guild_id, user_id) DO UPDATE SET
         display_name = EXCLUDED.display_name,
         is_bot = EXCLUDED.is_bot,
         left_at = NULL";

/// The conflict clause of the message rollup upsert: counts add up.
pub(in crate::store) const MESSAGE_ROLLUP_UPSERT: &str =
    " ON CONFLICT (guild_id, hour, channel_id, user_id) DO UPDATE SET
         messages = message_rollups.messages + EXCLUDED.messages,
         with_attachments = message_rollups.with_attachments + EXCLUDED.with_attachments,
         replies = message_rollups.replies + EXCLUDED.replies,
         in_threads = message_rollups.in_threads + EXCLUDED.in_threads";

/// The conflict clause of the channel rollup upsert: counts add up.
pub(in crate::store) const CHANNEL_ROLLUP_UPSERT: &str =
    " ON CONFLICT (guild_id, hour, channel_id) DO UPDATE SET
         messages = channel_rollups.messages + EXCLUDED.messages";

/// The conflict clause of the members' messages-per-day upsert: counts add up.
pub(in crate::store) const MEMBER_DAY_UPSERT: &str =
    " ON CONFLICT (guild_id, day_at, user_id) DO UPDATE SET
         messages = member_message_days.messages + EXCLUDED.messages";

/// The conflict clause of the emoji rollup upsert: counts add up.
pub(in crate::store) const EMOJI_ROLLUP_UPSERT: &str =
    " ON CONFLICT (guild_id, hour, emoji, user_id) DO UPDATE SET
         reactions_added = emoji_rollups.reactions_added + EXCLUDED.reactions_added,
         reactions_removed = emoji_rollups.reactions_removed + EXCLUDED.reactions_removed,
         in_messages = emoji_rollups.in_messages + EXCLUDED.in_messages";

/// The conflict clause of the application-command rollup upsert: uses add up.
pub(in crate::store) const APP_ROLLUP_UPSERT: &str =
    " ON CONFLICT (guild_id, hour, application_id, command, user_id) DO UPDATE SET
         uses = app_rollups.uses + EXCLUDED.uses";
