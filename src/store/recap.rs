//! The weekly recap in the store: each server's recap setting, the recaps made (once per server
//! and week), and the week's numbers read from rollups and ledgers in a few grouped queries.
//! [`RecapStore`] is a supertrait of [`super::Store`]; [`super::sql::SqlStore`] implements it for
//! both databases in `sql/recap.rs`.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc, Weekday};

use super::StoreError;
use crate::domain::coplay::VoiceStay;
use crate::domain::ids::{ChannelId, GuildId, UserId};

/// Where and when a server's recap is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecapSettings {
    /// Where it is posted.
    pub channel_id: ChannelId,
    /// The day, on the server's clock.
    pub weekday: Weekday,
    /// The hour, 0–23, on the server's clock.
    pub hour: u32,
    /// When it was set up: no recap is made for a week that ended before.
    pub set_up_at: DateTime<Utc>,
}

/// A week's counts the store sums itself; time in voice and the duo come from the voice stays.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecapCounts {
    /// Kills tracked (undone entries left out).
    pub kills: u64,
    /// Kills per member, most first, up to the limit asked.
    pub top_killers: Vec<(UserId, u64)>,
    /// Messages posted.
    pub messages: u64,
    /// Messages per member, most first, up to the limit asked.
    pub top_posters: Vec<(UserId, u64)>,
    /// Messages per hour (its start), every hour of the week with any.
    pub message_hours: Vec<(DateTime<Utc>, u64)>,
    /// Members who joined for the first time.
    pub new_members: u64,
    /// Members who joined again after leaving.
    pub returning_members: u64,
    /// Badges unlocked.
    pub unlocks: u64,
}

/// Recap settings, the recaps made, and the week's counts.
#[async_trait]
pub trait RecapStore: Send + Sync {
    /// The server's recap setting, if it has one.
    async fn recap_settings(&self, guild_id: GuildId) -> Result<Option<RecapSettings>, StoreError>;

    /// Saves the server's recap setting. An unknown guild is [`StoreError::UnknownGuild`].
    async fn save_recap_settings(
        &self,
        guild_id: GuildId,
        settings: &RecapSettings,
    ) -> Result<(), StoreError>;

    /// Stops the server's recap; `false` when it had none.
    async fn stop_recap(&self, guild_id: GuildId) -> Result<bool, StoreError>;

    /// Every server with a recap, with its setting.
    async fn recaps(&self) -> Result<Vec<(GuildId, RecapSettings)>, StoreError>;

    /// Claims the recap of the week keyed `day`; `true` only for the one caller that claimed it,
    /// however many processes race. A claim left without a post for ten minutes (its process
    /// stopped) can be claimed again; a posted recap cannot.
    async fn claim_recap(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Records the message a claimed recap was posted as.
    async fn recap_posted(
        &self,
        guild_id: GuildId,
        day: NaiveDate,
        message_id: u64,
    ) -> Result<(), StoreError>;

    /// Gives a claim back after the post failed, so a later pass tries again.
    async fn unclaim_recap(&self, guild_id: GuildId, day: NaiveDate) -> Result<(), StoreError>;

    /// The counts of `[from, to)`, each top list up to `limit` members long.
    async fn recap_counts(
        &self,
        guild_id: GuildId,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
        limit: u32,
    ) -> Result<RecapCounts, StoreError>;

    /// The server's voice stays outside AFK channels overlapping `[from, to)`, each cut to it
    /// (stays still open end at `to`); empty ones left out, in no particular order.
    async fn recap_stays(
        &self,
        guild_id: GuildId,
        range: (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Vec<VoiceStay>, StoreError>;
}
