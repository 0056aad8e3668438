//! Achievements in the store: a server's own milestones, the roles milestones grant, where
//! unlocks are announced, and who holds which badge. [`AchievementStore`] is a supertrait of
//! [`super::Store`]; [`super::sql::SqlStore`] implements it for both databases in
//! `sql/achievements.rs`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::achievements::{Measure, Milestone, Progress, Threshold};
use crate::domain::ids::{ChannelId, GuildId, RoleId, UserId};

/// A server's achievement settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AchievementSettings {
    /// Whether the server has achievements at all.
    pub enabled: bool,
    /// Where unlocks are announced; `None` announces them where they happened.
    pub channel_id: Option<ChannelId>,
    /// Whether shame badges are given.
    pub shame_badges: bool,
    /// The role each milestone grants, by milestone key.
    pub rewards: Vec<(String, RoleId)>,
}

impl Default for AchievementSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            channel_id: None,
            shame_badges: true,
            rewards: Vec::new(),
        }
    }
}

impl AchievementSettings {
    /// The role `milestone` grants, if any.
    #[must_use]
    pub fn reward(&self, milestone: &str) -> Option<RoleId> {
        self.rewards
            .iter()
            .find(|(key, _)| key == milestone)
            .map(|(_, role)| *role)
    }
}

/// A badge a member holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unlock {
    /// The milestone's key.
    pub milestone: String,
    /// When it was unlocked.
    pub unlocked_at: DateTime<Utc>,
}

/// A server's own milestone before it is stored.
#[derive(Clone, Debug)]
pub struct NewMilestone {
    /// Its name, already checked.
    pub name: String,
    /// Its badge emoji, already checked.
    pub emoji: String,
    /// What it counts.
    pub measure: Measure,
    /// How much of it.
    pub threshold: Threshold,
}

/// Storage for achievements. Every method filters by guild.
#[async_trait]
pub trait AchievementStore: Send + Sync {
    /// The server's own milestones (not the built-in ones), oldest first.
    async fn custom_milestones(&self, guild_id: GuildId) -> Result<Vec<Milestone>, StoreError>;

    /// Adds a milestone of the server's own, unless it already has `limit`; `None` then.
    /// Unknown guild: [`StoreError::UnknownGuild`], nothing written.
    async fn add_milestone(
        &self,
        guild_id: GuildId,
        milestone: &NewMilestone,
        limit: u32,
        at: DateTime<Utc>,
    ) -> Result<Option<Milestone>, StoreError>;

    /// Removes one of the server's own milestones with its reward and every unlock of it;
    /// returns whether it existed.
    async fn remove_milestone(&self, guild_id: GuildId, key: &str) -> Result<bool, StoreError>;

    /// The server's settings; the defaults when none were saved.
    async fn achievement_settings(
        &self,
        guild_id: GuildId,
    ) -> Result<AchievementSettings, StoreError>;

    /// Sets where unlocks are announced (`None`: where they happen). Unknown guild:
    /// [`StoreError::UnknownGuild`], nothing written.
    async fn set_achievement_channel(
        &self,
        guild_id: GuildId,
        channel_id: Option<ChannelId>,
    ) -> Result<(), StoreError>;

    /// Turns shame badges on or off. Unknown guild: [`StoreError::UnknownGuild`].
    async fn set_shame_badges(&self, guild_id: GuildId, on: bool) -> Result<(), StoreError>;

    /// Turns achievements on or off for the server. Unknown guild: [`StoreError::UnknownGuild`].
    async fn set_achievements_enabled(&self, guild_id: GuildId, on: bool)
        -> Result<(), StoreError>;

    /// Sets the role a milestone grants (`None`: no role). Unknown guild:
    /// [`StoreError::UnknownGuild`].
    async fn set_milestone_role(
        &self,
        guild_id: GuildId,
        milestone: &str,
        role_id: Option<RoleId>,
    ) -> Result<(), StoreError>;

    /// The badges `user` holds, oldest first.
    async fn unlocks(&self, guild_id: GuildId, user_id: UserId) -> Result<Vec<Unlock>, StoreError>;

    /// Gives `user` the milestone's badge; `true` only for the one call that gave it, however
    /// many race.
    async fn unlock(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        milestone: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Takes the badge back; `true` only for the one call that took it.
    async fn revoke(
        &self,
        guild_id: GuildId,
        user_id: UserId,
        milestone: &str,
    ) -> Result<bool, StoreError>;

    /// The ledger's part of `user`'s progress (kills, best session, longest clean streak,
    /// sessions, worst session for team kills, a season's first kill), folded by the database
    /// so that a check after every /track reads one row, not the member's whole ledger. Equal
    /// to [`Progress::from_ledger`] over their counting entries.
    async fn ledger_progress(
        &self,
        guild_id: GuildId,
        user_id: UserId,
    ) -> Result<Progress, StoreError>;

    /// Every (guild, member) with a voice stay that closed at `since` or later, in every guild:
    /// whose voice milestones may have moved.
    async fn voice_closed_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(GuildId, UserId)>, StoreError>;
}
