//! Members' privacy choices: opting out of activity tracking and hiding from what others see,
//! and what the bot holds about one member. [`PrivacyStore`] is a supertrait of
//! [`super::Store`]; [`super::sql::SqlStore`] implements it for both databases in
//! `sql/privacy.rs`.
//!
//! Opting out stops recording at once: the member's open voice and game sessions end at that
//! moment, and every flush of the ingest writer leaves out rows of members opted out in the
//! store, whichever process gathered them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{MemberRecord, StoreError};
use crate::domain::ids::{GuildId, UserId};

/// A member's choices in one guild. A member the store does not know has made none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrivacyChoices {
    /// Nothing new about their activity is recorded.
    pub opted_out: bool,
    /// Recorded, but absent from every chart and ranking.
    pub hidden: bool,
}

/// How many records the bot holds about one member in one guild, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordedAbout {
    /// Hours in which they posted messages (counts only, never content).
    pub message_hours: u64,
    /// Hours in which they used emojis or reactions.
    pub emoji_hours: u64,
    /// Hours in which they used other apps' commands.
    pub command_hours: u64,
    /// Stays in voice channels.
    pub voice_stays: u64,
    /// Changes of their mute, deafen, stream and camera state while in voice.
    pub voice_flag_changes: u64,
    /// Games played (presence), when the server's operator turned presences on.
    pub game_sessions: u64,
    /// Times they joined the server, with the invite used.
    pub joins: u64,
    /// Members who joined with an invite of theirs.
    pub invited: u64,
    /// Kill ledger entries where they are the player or the victim.
    pub kills: u64,
    /// Days they marked on the daily schedule post, and weekdays in their weekly schedule.
    pub schedule_entries: u64,
}

/// Storage for members' privacy choices. Every method filters by guild.
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// The member's choices; the defaults for a member never recorded.
    async fn privacy_choices(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<PrivacyChoices, StoreError>;

    /// Opts `member` out of activity tracking (or back in), recording the member if the store
    /// did not know them. Opting out ends their open voice and game sessions at `at`. Returns
    /// whether the choice changed. Unknown guild: [`StoreError::UnknownGuild`], nothing written.
    async fn set_tracking_opt_out(
        &self,
        guild_id: GuildId,
        member: &MemberRecord,
        opted_out: bool,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Hides `member` from charts and rankings (or shows them again), recording the member if
    /// the store did not know them. Returns whether the choice changed. Unknown guild:
    /// [`StoreError::UnknownGuild`], nothing written.
    async fn set_hidden(
        &self,
        guild_id: GuildId,
        member: &MemberRecord,
        hidden: bool,
    ) -> Result<bool, StoreError>;

    /// The guild's hidden members, by user id.
    async fn hidden_members(&self, guild_id: GuildId) -> Result<Vec<UserId>, StoreError>;

    /// What the store holds about the member in this guild.
    async fn recorded_about(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<RecordedAbout, StoreError>;

    /// Erases everything recorded about `user` in this guild, in one transaction: their
    /// activity rows, schedule entries, time zone, rank and member row are deleted, the
    /// server-wide message counts lose their share, and wherever a ledger, a session, a season
    /// or an invite names them (player, victim, recorder, inviter) it names
    /// [`UserId::ERASED`] (or no inviter) instead, so the squad's totals stay right. A member
    /// who opted out keeps that choice, and only that. `by` is the manager erasing a member
    /// who left, recorded with the time; `None` when members erase themselves (nothing is
    /// recorded then). Erasing twice changes nothing more. Unknown guild:
    /// [`StoreError::UnknownGuild`], nothing written.
    async fn erase_member(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        by: Option<UserId>,
        at: DateTime<Utc>,
    ) -> Result<Erased, StoreError>;

    /// The guild's erasures by managers, newest first, at most `limit`.
    async fn privacy_actions(
        &self,
        guild_id: GuildId,
        limit: u32,
    ) -> Result<Vec<PrivacyAction>, StoreError>;

    /// Every row about the member in this guild, for them to take away.
    async fn member_export(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<MemberExport, StoreError>;
}

/// What an erasure removed or anonymised.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    /// Rows deleted, every table together.
    pub deleted: u64,
    /// Ledger entries, sessions, seasons and invites that named the member and now name no one.
    pub anonymised: u64,
}

/// A manager's privacy action on a member who left, as the log keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivacyAction {
    /// When.
    pub at: DateTime<Utc>,
    /// The manager.
    pub actor: UserId,
    /// The member acted on.
    pub subject: UserId,
    /// What was done (`erase`).
    pub action: String,
}

/// Everything the store holds about one member in one guild, for `/privacy export`: the rows
/// of every table about them, times in UTC.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct MemberExport {
    /// The export's format, raised when a field changes meaning.
    pub version: u32,
    /// The guild.
    pub guild_id: String,
    /// The member.
    pub user_id: String,
    /// Their display name when last seen, if recorded.
    pub display_name: Option<String>,
    /// Their choices.
    pub opted_out: bool,
    /// Hidden from charts and rankings.
    pub hidden: bool,
    /// Messages per channel and hour (counts only).
    pub message_hours: Vec<MessageHourRow>,
    /// Emojis and reactions per emoji and hour.
    pub emoji_hours: Vec<EmojiHourRow>,
    /// Other apps' commands per command and hour.
    pub command_hours: Vec<CommandHourRow>,
    /// Stays in voice channels.
    pub voice_stays: Vec<VoiceStayRow>,
    /// Mute, deafen, stream and camera changes in voice.
    pub voice_flag_changes: Vec<FlagChangeRow>,
    /// Games played.
    pub game_sessions: Vec<GameRow>,
    /// Joins of the server, with the invite used.
    pub joins: Vec<JoinRow>,
    /// Kill ledger entries where they are the player or the victim.
    pub kills: Vec<KillRow>,
    /// Hours marked on the daily schedule post (`day` as YYYYMMDD, `slot` -1 for "not today").
    pub schedule_marks: Vec<MarkRow>,
    /// Their weekly schedule: per weekday (0 = Monday), the hours as a bit set.
    pub weekly_schedule: Vec<WeekdayRow>,
    /// Badges they hold, by milestone key.
    pub achievements: Vec<AchievementRow>,
    /// The tournaments they entered.
    pub tournaments: Vec<TournamentEntryRow>,
    /// Their time zone, if set.
    pub timezone: Option<String>,
}

/// One row of [`MemberExport::achievements`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AchievementRow {
    /// The milestone's key (`kills-100`, `custom-3`).
    pub milestone: String,
    /// When it was unlocked.
    pub unlocked_at: DateTime<Utc>,
}

/// One row of [`MemberExport::tournaments`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TournamentEntryRow {
    /// The tournament's number in the server.
    pub tournament_id: i64,
    /// Its name.
    pub name: String,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
    /// Their seed (from 1; a team's members share one), once it started.
    pub seed: Option<i64>,
    /// When they left after the start.
    pub left_at: Option<DateTime<Utc>>,
}

impl MemberExport {
    /// Whether the store holds anything about the member in this guild: a member row, a
    /// choice, or any row of activity, kills or schedule.
    #[must_use]
    pub fn holds_anything(&self) -> bool {
        self.display_name.is_some()
            || self.opted_out
            || self.hidden
            || self.timezone.is_some()
            || !self.message_hours.is_empty()
            || !self.emoji_hours.is_empty()
            || !self.command_hours.is_empty()
            || !self.voice_stays.is_empty()
            || !self.voice_flag_changes.is_empty()
            || !self.game_sessions.is_empty()
            || !self.joins.is_empty()
            || !self.kills.is_empty()
            || !self.schedule_marks.is_empty()
            || !self.weekly_schedule.is_empty()
            || !self.achievements.is_empty()
            || !self.tournaments.is_empty()
    }
}

/// One row of [`MemberExport::message_hours`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MessageHourRow {
    /// The UTC hour.
    pub hour: DateTime<Utc>,
    /// Where.
    pub channel_id: String,
    /// Messages.
    pub messages: i64,
    /// With an attachment.
    pub with_attachments: i64,
    /// Replies.
    pub replies: i64,
    /// In threads.
    pub in_threads: i64,
}

/// One row of [`MemberExport::emoji_hours`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct EmojiHourRow {
    /// The UTC hour.
    pub hour: DateTime<Utc>,
    /// The emoji, or `name:id` for a server's own.
    pub emoji: String,
    /// Reactions added.
    pub reactions_added: i64,
    /// Reactions removed.
    pub reactions_removed: i64,
    /// Used inside messages.
    pub in_messages: i64,
}

/// One row of [`MemberExport::command_hours`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CommandHourRow {
    /// The UTC hour.
    pub hour: DateTime<Utc>,
    /// The app.
    pub application_id: String,
    /// The command as typed.
    pub command: String,
    /// Uses.
    pub uses: i64,
}

/// One row of [`MemberExport::voice_stays`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VoiceStayRow {
    /// Where.
    pub channel_id: String,
    /// Joined.
    pub joined_at: DateTime<Utc>,
    /// Left; `None` while there.
    pub left_at: Option<DateTime<Utc>>,
    /// The AFK channel.
    pub afk: bool,
}

/// One row of [`MemberExport::voice_flag_changes`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "one field per voice flag Discord reports, as the export names them"
)]
pub struct FlagChangeRow {
    /// When.
    pub at: DateTime<Utc>,
    /// Muted themselves.
    pub self_mute: bool,
    /// Deafened themselves.
    pub self_deaf: bool,
    /// Muted by the server.
    pub mute: bool,
    /// Deafened by the server.
    pub deaf: bool,
    /// Streaming.
    pub streaming: bool,
    /// Camera on.
    pub video: bool,
}

/// One row of [`MemberExport::game_sessions`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GameRow {
    /// The game.
    pub game: String,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Ended; `None` while playing.
    pub ended_at: Option<DateTime<Utc>>,
}

/// One row of [`MemberExport::joins`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct JoinRow {
    /// Joined.
    pub joined_at: DateTime<Utc>,
    /// `invite`, `vanity` or `unknown`.
    pub source: String,
    /// The invite's code.
    pub invite_code: Option<String>,
    /// Left; `None` while a member.
    pub left_at: Option<DateTime<Utc>>,
}

/// One row of [`MemberExport::kills`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct KillRow {
    /// The ledger entry.
    pub id: i64,
    /// `player` or `victim`.
    pub role: String,
    /// `kill` or `team kill`.
    pub kind: String,
    /// How many.
    pub count: i64,
    /// The game.
    pub game: Option<String>,
    /// Recorded.
    pub recorded_at: DateTime<Utc>,
    /// Undone, if it was.
    pub undone_at: Option<DateTime<Utc>>,
}

/// One row of [`MemberExport::schedule_marks`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MarkRow {
    /// The server's local date as YYYYMMDD.
    pub day: i64,
    /// `reaction` or `voice`.
    pub source: String,
    /// The post's hour slot; -1 is "not today".
    pub slot: i64,
}

/// One row of [`MemberExport::weekly_schedule`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct WeekdayRow {
    /// 0 = Monday.
    pub weekday: i64,
    /// The hours, as a bit set over the post's slots.
    pub hours: i64,
}
