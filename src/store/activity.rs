//! The community-activity part of the storage interface: hourly rollups of messages, emojis and
//! application commands, voice and game-activity sessions, the shards' heartbeats, and invites
//! with the joins they brought. [`ActivityStore`] is a supertrait of [`super::Store`]; [`super::sql::SqlStore`]
//! implements it for both databases in `sql/activity.rs`.
//!
//! Rollup rows carry their guild but no foreign key to `guilds`: an event may arrive before the
//! guild's `GUILD_CREATE` is stored, and a count must never be refused for that.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::codec::{count_from_db, StoredId};
use super::StoreError;
use crate::domain::activity::Deltas;
use crate::domain::board::Standing;
use crate::domain::ids::{ChannelId, GuildId, UserId};
pub use crate::domain::invites::{InviteRecord, JoinRecord, JoinSource};

/// A member's voice flags at a moment: what "time talking vs time deafened" is computed from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "Discord's six voice flags are independent of each other"
)]
pub struct VoiceFlags {
    /// Muted themselves.
    pub self_mute: bool,
    /// Deafened themselves.
    pub self_deaf: bool,
    /// Muted by the server.
    pub mute: bool,
    /// Deafened by the server.
    pub deaf: bool,
    /// Streaming (Go Live).
    pub streaming: bool,
    /// Camera on.
    pub video: bool,
}

/// A stay in one voice channel, from joining to leaving (or to now, while open).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceSession {
    /// The session's number.
    pub id: i64,
    /// The guild.
    pub guild_id: GuildId,
    /// The voice channel.
    pub channel_id: ChannelId,
    /// Who.
    pub user_id: UserId,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
    /// When they left; `None` while they are still there.
    pub left_at: Option<DateTime<Utc>>,
    /// The channel is the guild's AFK channel.
    pub afk: bool,
}

/// A stretch of playing one game (presence "Playing"), from its start to its end (or to now,
/// while it runs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivitySession {
    /// The session's number.
    pub id: i64,
    /// The guild.
    pub guild_id: GuildId,
    /// Who.
    pub user_id: UserId,
    /// The game's name as the presence gave it.
    pub game: String,
    /// When they started playing.
    pub started_at: DateTime<Utc>,
    /// When they stopped; `None` while they still play.
    pub ended_at: Option<DateTime<Utc>>,
}

/// What a [`ActivityStore::top_members`] ranking counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Messages posted (optionally in one channel).
    Messages,
    /// Seconds in voice outside the AFK channel (optionally in one channel); open sessions count
    /// up to the `now` given.
    VoiceSeconds,
    /// Emojis used: reactions added plus emojis in message text.
    Emojis,
    /// Application commands used.
    AppCommands,
    /// Members brought in through the member's invites, minus those who left within 24 hours.
    Invites,
}

/// A member's totals over a period, for /me and /user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberActivity {
    /// Messages posted.
    pub messages: u64,
    /// Seconds in voice outside the AFK channel.
    pub voice_seconds: u64,
    /// The channels they posted most in, most first, with their message counts (at most 3).
    pub top_channels: Vec<(ChannelId, u64)>,
    /// Their most used emojis, most first, with uses (reactions added plus in text; at most 5).
    pub top_emojis: Vec<(String, u64)>,
}

/// Storage for community activity. Every method filters by guild, except heartbeats, which are
/// per shard.
#[async_trait]
pub trait ActivityStore: Send + Sync {
    /// Adds every delta in one transaction with multi-row upserts; either all of it is written or
    /// none of it (the caller keeps it and retries with the same `batch` id). A batch id already
    /// applied is skipped and `false` returned: a retry whose first attempt committed but whose
    /// answer was lost is not counted twice. Different batches add up, whatever they hold. A
    /// key's hour is taken as the start of the UTC hour holding it
    /// ([`crate::domain::activity::hour_of`]). Empty deltas touch nothing and return `true`.
    async fn apply_deltas(&self, batch: &str, deltas: &Deltas) -> Result<bool, StoreError>;

    /// Opens a voice session and records `flags` as the member's flags at `at` (as
    /// [`ActivityStore::voice_flags_changed`] does); any session the member still has open in the
    /// guild is closed at `at` first (a join that arrives while the store thinks they are elsewhere
    /// is a move).
    ///
    /// Whenever a session is closed, here or below, it ends at `at` or at its own start if that is
    /// later (events out of order never make a negative stay).
    async fn voice_join(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
        user_id: UserId,
        afk: bool,
        flags: VoiceFlags,
        at: DateTime<Utc>,
    ) -> Result<VoiceSession, StoreError>;

    /// Closes the member's open session in the guild at `at`; `None` when none was open.
    async fn voice_leave(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<Option<VoiceSession>, StoreError>;

    /// Appends a change of mute/deafen/stream/video flags of a member in voice. The same flags
    /// recorded again for the same moment stay one row, so a retried write adds nothing.
    async fn voice_flags_changed(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        flags: VoiceFlags,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Every session still open in the guild, oldest first.
    async fn open_voice_sessions(&self, guild_id: GuildId)
        -> Result<Vec<VoiceSession>, StoreError>;

    /// Closes one session at `at` (used by reconciliation); `false` when it was already closed.
    async fn close_voice_session(
        &self,
        guild_id: GuildId,
        session_id: i64,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Sessions of the guild that overlap `[since, until)`, optionally of one member, oldest first.
    async fn voice_sessions(
        &self,
        guild_id: GuildId,
        user_id: Option<UserId>,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<VoiceSession>, StoreError>;

    /// Records that shard `shard` was alive at `at`.
    async fn heartbeat(&self, shard: u32, at: DateTime<Utc>) -> Result<(), StoreError>;

    /// The last time shard `shard` was known alive.
    async fn last_heartbeat(&self, shard: u32) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Opens a game-activity session (presence "Playing") unless one of the same game is already
    /// open: every presence update lists the games still being played, and playing on is one
    /// session, not one per update.
    async fn activity_start(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        game: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Closes the member's open game-activity sessions whose game is not in `still_playing`.
    async fn activity_stop(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        still_playing: &[String],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Replaces the guild's known invites with `invites` (a fresh fetch): listed codes are added
    /// or refreshed (and no longer deleted), codes not listed are marked deleted at `at`.
    async fn sync_invites(
        &self,
        guild_id: GuildId,
        invites: &[InviteRecord],
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Adds or refreshes one invite (`INVITE_CREATE`); a code marked deleted is listed again.
    /// An inviter, channel or creation time the record does not know keeps the one stored.
    async fn upsert_invite(
        &self,
        guild_id: GuildId,
        invite: &InviteRecord,
    ) -> Result<(), StoreError>;

    /// Marks one invite deleted (`INVITE_DELETE`).
    async fn delete_invite(
        &self,
        guild_id: GuildId,
        code: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The guild's invites not deleted, by code.
    async fn invites(&self, guild_id: GuildId) -> Result<Vec<InviteRecord>, StoreError>;

    /// Records a member's join and how they came in.
    async fn record_join(&self, guild_id: GuildId, join: &JoinRecord) -> Result<(), StoreError>;

    /// Marks the member's latest join as left at `at` (no-op when none is open).
    async fn record_departure(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Members ranked by `metric` since `since` (and in `channel`, for messages and voice), with
    /// totals, unordered (see [`crate::domain::board::ranked`]); `now` bounds open voice sessions.
    /// Only members with a total above zero are listed. Rollups are hourly, so the hour holding
    /// `since` counts whole; voice counts to the millisecond and joins from `since` on.
    async fn top_members(
        &self,
        guild_id: GuildId,
        metric: Metric,
        since: DateTime<Utc>,
        channel: Option<ChannelId>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Standing>, StoreError>;

    /// One member's totals since `since` (counted as by [`ActivityStore::top_members`]); `now`
    /// bounds open voice sessions. Ties in the top lists go to the lower channel id and to the
    /// emoji first in byte order.
    async fn member_activity(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<MemberActivity, StoreError>;
}

/// A `voice_sessions` row ([`VOICE_SESSION_COLUMNS`]) with the backend's time type `T`.
pub(super) type VoiceSessionRow<T> = (i64, i64, i64, i64, T, Option<T>, bool);

/// The columns of a [`VoiceSessionRow`], in order.
pub(super) const VOICE_SESSION_COLUMNS: &str =
    "id, guild_id, channel_id, user_id, joined_at, left_at, afk";

/// A voice session from its row; `time` turns the backend's time type into UTC.
pub(super) fn voice_session_from_row<T>(
    (id, guild_id, channel_id, user_id, joined_at, left_at, afk): VoiceSessionRow<T>,
    time: impl Fn(T) -> Result<DateTime<Utc>, sqlx::Error>,
) -> Result<VoiceSession, sqlx::Error> {
    Ok(VoiceSession {
        id,
        guild_id: GuildId::from_db(guild_id),
        channel_id: ChannelId::from_db(channel_id),
        user_id: UserId::from_db(user_id),
        joined_at: time(joined_at)?,
        left_at: left_at.map(&time).transpose()?,
        afk,
    })
}

/// An `invites` row ([`INVITE_COLUMNS`]) with the backend's time type `T`.
pub(super) type InviteRow<T> = (String, Option<i64>, Option<i64>, i64, i64, Option<T>);

/// The columns of an [`InviteRow`], in order.
pub(super) const INVITE_COLUMNS: &str = "code, inviter_id, channel_id, uses, max_uses, created_at";

/// An invite from its row.
pub(super) fn invite_from_row<T>(
    (code, inviter_id, channel_id, uses, max_uses, created_at): InviteRow<T>,
    time: impl Fn(T) -> Result<DateTime<Utc>, sqlx::Error>,
) -> Result<InviteRecord, sqlx::Error> {
    Ok(InviteRecord {
        code,
        inviter_id: inviter_id.map(UserId::from_db),
        channel_id: channel_id.map(ChannelId::from_db),
        uses: count_from_db(uses),
        max_uses: count_from_db(max_uses),
        created_at: created_at.map(&time).transpose()?,
    })
}

/// How a join's source is stored: the `source` column, the invite code and the inviter.
pub(super) fn join_source_to_db(source: &JoinSource) -> (&'static str, Option<&str>, Option<i64>) {
    match source {
        JoinSource::Invite { code, inviter_id } => {
            ("invite", Some(code.as_str()), inviter_id.map(UserId::to_db))
        }
        JoinSource::Vanity => ("vanity", None, None),
        JoinSource::Unknown => ("unknown", None, None),
    }
}
