//! The moderator charts' part of the storage interface: voice stays, hourly message counts per
//! channel, the guild's member directory (names, bots, who left), and which charts the managers
//! opened to everyone. [`ChartStore`] is a supertrait of [`super::Store`]; [`super::sql::SqlStore`]
//! implements it for both databases in `sql/charts.rs`.
//!
//! The charts read the voice ledger itself rather than a stored pair rollup: a daily per-pair
//! table holds several rows per pair (2.5 times the stays it replaces on the medium reference
//! community), so reading it would cost more than the stays, and the ledger is exact by
//! construction. The charts keep what they read and compute their tables in memory
//! (`community::charts`), reading only what was appended since.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
pub use crate::domain::coplay::VoiceStay;
use crate::domain::ids::{ChannelId, GuildId, UserId};

/// Messages posted in one channel in one UTC hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelHour {
    /// The start of the hour, in unix milliseconds.
    pub hour_ms: i64,
    /// The channel.
    pub channel: ChannelId,
    /// Messages posted (by every member).
    pub messages: u64,
}

/// A stay as the voice ledger holds it, for the charts' cache of a guild's stays: not clamped
/// to any period, and `end_ms` is `None` while the member is still there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerStay {
    /// The ledger row's id: rows are appended in id order.
    pub id: i64,
    /// Who.
    pub user: UserId,
    /// Where.
    pub channel: ChannelId,
    /// When they joined, in unix milliseconds.
    pub start_ms: i64,
    /// When they left, in unix milliseconds; `None` while the stay is open.
    pub end_ms: Option<i64>,
}

/// A member the guild has known, as the charts name them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// Who.
    pub user: UserId,
    /// Their display name when last seen.
    pub display_name: String,
    /// A bot account: never shown in a chart.
    pub is_bot: bool,
    /// They left the guild: shown as "former member".
    pub left: bool,
}

/// Storage for the moderator charts. Every method filters by guild.
#[async_trait]
pub trait ChartStore: Send + Sync {
    /// Every stay outside AFK channels that overlaps `[since, until)`, clamped to it (a stay
    /// still open runs to `until`), in no particular order, times in unix milliseconds. Members
    /// marked as bots are left out.
    async fn voice_stays(
        &self,
        guild_id: GuildId,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<VoiceStay>, StoreError>;

    /// The guild's stays outside AFK channels, bots left out, whose ledger id is above `after`
    /// or among `also` (stays read while still open, to see whether they closed), by id, at most
    /// `limit` of them. A stay once closed never changes, so a reader that keeps what it read
    /// needs only these; a long history is read in pages (`after` the last id of the previous
    /// one), so it is never held twice.
    async fn ledger_stays(
        &self,
        guild_id: GuildId,
        after: i64,
        also: &[i64],
        limit: usize,
    ) -> Result<Vec<LedgerStay>, StoreError>;

    /// Messages per channel and UTC hour for the hours starting at `since` or later, by hour
    /// then channel; hours without messages are not listed. Counts are the whole server's
    /// (bots' messages are never recorded), read from the per-channel rollup.
    async fn channel_hours(
        &self,
        guild_id: GuildId,
        since: DateTime<Utc>,
    ) -> Result<Vec<ChannelHour>, StoreError>;

    /// Every member the guild has recorded, present or gone.
    async fn member_directory(&self, guild_id: GuildId) -> Result<Vec<DirectoryEntry>, StoreError>;

    /// The charts opened to every member (chart names, `all` for every chart), sorted.
    async fn open_charts(&self, guild_id: GuildId) -> Result<Vec<String>, StoreError>;

    /// Opens `chart` to every member, or closes it again; `false` when it already was so. The
    /// guild must have been recorded ([`StoreError::UnknownGuild`] otherwise).
    async fn set_chart_open(
        &self,
        guild_id: GuildId,
        chart: &str,
        open: bool,
    ) -> Result<bool, StoreError>;
}
