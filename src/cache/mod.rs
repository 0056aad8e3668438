//! The cache: fast reads in front of the store, never the only copy of anything.
//!
//! [`Cache`] has two implementations, picked by `REDIS_URL`: [`redis::RedisCache`] (shared by
//! every shard process) and [`memory::MemoryCache`] (in process, the default). Leaderboards are
//! sorted sets. Every key is namespaced by guild through [`CacheKey`].
//!
//! A cache call can fail (Redis restarting, a network blip). Callers treat an error exactly like
//! a miss and answer from the store. The cache itself owns the one outage breaker,
//! [`health::CacheHealth`]: it fails calls at once while Redis is known to be down, lets one
//! through after a short pause to try again, and logs an outage once when it starts and once
//! when it ends, not on every command.

pub mod health;
pub mod key;
pub mod memory;
pub mod redis;

use async_trait::async_trait;

use crate::domain::ids::GuildId;

pub use health::CacheHealth;
pub use key::{CacheKey, CacheKeyError};

/// Why a cache call failed. Callers fall back to the store; users never see this.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// Redis could not be reached or did not answer in time, or is known to be down: an outage,
    /// logged once by [`CacheHealth`] until it ends.
    #[error("redis unavailable: {0}")]
    Unavailable(String),
    /// The cache answered but refused the call (a key holding another type, a score that is not
    /// a number). A bug in the caller, not an outage.
    #[error("cache refused the call: {0}")]
    Rejected(String),
    /// A key could not be built from its parts. A bug in the caller, not an outage.
    #[error(transparent)]
    InvalidKey(#[from] CacheKeyError),
}

impl CacheError {
    /// Whether this error means the cache is unreachable (as opposed to a wrong call).
    #[must_use]
    pub const fn is_outage(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// Which cache a [`Cache`] is; shown by /about and `check-config`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheBackend {
    /// In this process's memory.
    Memory,
    /// A Redis server.
    Redis,
}

impl CacheBackend {
    /// The backend's name as users see it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Memory => "in-process memory",
            Self::Redis => "Redis",
        }
    }
}

/// One entry of a sorted set: a member and its score.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    /// The member (for leaderboards, a user id as text).
    pub member: String,
    /// Its score.
    pub score: f64,
}

/// What [`Cache::zview_sealed`] reads of a sealed sorted set, in one atomic step.
#[derive(Clone, Debug, PartialEq)]
pub struct SealedView {
    /// The seal's score.
    pub seal: f64,
    /// The highest entries other than the seal, highest first.
    pub top: Vec<Ranked>,
    /// The asked-for member's 0-based rank from the top, if it is in the set.
    pub rank: Option<u64>,
    /// The asked-for member's score, if it is in the set.
    pub score: Option<f64>,
}

/// Cache operations. Every method is bounded in time: a dead Redis answers with an error quickly
/// instead of making a command wait.
#[async_trait]
pub trait Cache: Send + Sync + 'static {
    /// Which cache this is.
    fn backend(&self) -> CacheBackend;

    /// The deployment prefix every key of this cache starts with.
    fn prefix(&self) -> &str;

    /// The key `name` of `guild` in this cache's prefix (see [`CacheKey::guild`]).
    ///
    /// # Errors
    /// [`CacheError::InvalidKey`] when the prefix or `name` is malformed.
    fn guild_key(&self, guild: GuildId, name: &str) -> Result<CacheKey, CacheError> {
        Ok(CacheKey::guild(self.prefix(), guild, name)?)
    }

    /// A round trip, for health checks.
    async fn ping(&self) -> Result<(), CacheError>;

    /// Whether the cache answered its last call (see [`CacheHealth::is_available`]); a cache
    /// that cannot fail always does.
    fn is_available(&self) -> bool {
        true
    }

    /// Adds `delta` to `member`'s score in the sorted set (creating either); returns the new score.
    /// A result that is not a number (`inf + -inf`) is refused and changes nothing.
    async fn zincr(&self, key: &CacheKey, member: &str, delta: f64) -> Result<f64, CacheError>;

    /// `member`'s score, if it is in the set.
    async fn zscore(&self, key: &CacheKey, member: &str) -> Result<Option<f64>, CacheError>;

    /// `member`'s 0-based rank, highest score first, if it is in the set. Equal scores are
    /// ordered by member, descending, as Redis does.
    async fn zrank_desc(&self, key: &CacheKey, member: &str) -> Result<Option<u64>, CacheError>;

    /// The `limit` highest entries, highest first (ties as in [`Cache::zrank_desc`]). A `limit`
    /// of 0 gives none.
    async fn ztop(&self, key: &CacheKey, limit: usize) -> Result<Vec<Ranked>, CacheError>;

    /// For a *sealed* set, one whose writer keeps a `seal` member below every other score and
    /// counts its writes on it: adds `delta` to `member` and subtracts one from the seal, in one
    /// atomic step, only while the seal is there. Returns the seal's new score, or `None` when
    /// the seal is gone (the set was flushed, evicted or lost in a restart), changing nothing.
    async fn zincr_sealed(
        &self,
        key: &CacheKey,
        seal: &str,
        member: &str,
        delta: f64,
    ) -> Result<Option<f64>, CacheError>;

    /// For a sealed set (see [`Cache::zincr_sealed`]), in one atomic step: the seal's score, the
    /// `limit` highest other entries, and `member`'s rank and score. `None` when the seal is gone.
    async fn zview_sealed(
        &self,
        key: &CacheKey,
        seal: &str,
        limit: usize,
        member: &str,
    ) -> Result<Option<SealedView>, CacheError>;

    /// Replaces the whole set with `entries` atomically: readers see the old set or the new one,
    /// never a half-written one. Used to rebuild a leaderboard from the store. A member listed
    /// twice keeps its last score; no entries removes the key; a score that is not a number is
    /// refused and changes nothing.
    async fn zreplace(&self, key: &CacheKey, entries: &[Ranked]) -> Result<(), CacheError>;

    /// Removes `member` from every sorted set of `guild` (when a member's data is erased);
    /// returns how many sets held it. Other guilds' sets are untouched.
    async fn zrem_guild(&self, guild: GuildId, member: &str) -> Result<u64, CacheError>;
}
