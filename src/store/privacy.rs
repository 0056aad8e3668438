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
}
