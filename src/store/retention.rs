//! How long each server keeps raw activity, and removing what is older. [`RetentionStore`] is a
//! supertrait of [`super::Store`]; [`super::sql::SqlStore`] implements it for both databases in
//! `sql/retention.rs`.
//!
//! Raw activity is what the activity recorder writes: voice stays, hourly message, emoji and
//! command rollups (the members' and the channels'), voice flag changes, game sessions and
//! joins. Ledgers, sessions of the squad and seasons are never removed by retention.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::ids::GuildId;
use crate::domain::retention::RetentionDays;

/// What one batch of a retention pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Rows removed, every table together.
    pub rows: u64,
    /// Whether voice stays were among them (the charts' kept stays are then stale).
    pub voice_stays: bool,
}

/// Storage for retention. Every method filters by guild.
#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Days of raw activity the guild keeps; `None` keeps everything.
    async fn retention_days(&self, guild_id: GuildId) -> Result<Option<RetentionDays>, StoreError>;

    /// Sets the days kept (`None`: everything). Unknown guild: [`StoreError::UnknownGuild`],
    /// nothing written.
    async fn set_retention_days(
        &self,
        guild_id: GuildId,
        days: Option<RetentionDays>,
    ) -> Result<(), StoreError>;

    /// Every guild that keeps raw activity for a limited time, with its days.
    async fn retention_guilds(&self) -> Result<Vec<(GuildId, RetentionDays)>, StoreError>;

    /// Removes at most `limit` rows of each kind of raw activity that ended before `before`
    /// (a voice stay or game still open is kept), each kind in its own short statement so
    /// ingest never waits long. Call again until it removes nothing.
    async fn purge_activity(
        &self,
        guild_id: GuildId,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Purged, StoreError>;

    /// When the oldest raw activity row kept for the guild begins; `None` when there is none.
    async fn oldest_activity(&self, guild_id: GuildId)
        -> Result<Option<DateTime<Utc>>, StoreError>;
}
