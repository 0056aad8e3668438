//! The cache: fast reads in front of the store, never the only copy of anything.
//!
//! [`Cache`] has two implementations, picked by `REDIS_URL`: [`redis::RedisCache`] (shared by
//! every shard process) and [`memory::MemoryCache`] (in process, the default). Leaderboards are
//! sorted sets. Every key is namespaced by guild through [`CacheKey`].
//!
//! A cache call can fail (Redis restarting, a network blip). Callers treat an error exactly like
//! a miss and answer from the store; [`health::CacheHealth`] makes sure such an outage is logged
//! once when it starts and once when it ends, not on every command.

pub mod health;
pub mod key;
pub mod memory;
pub mod redis;

use std::time::Duration;

use async_trait::async_trait;

pub use health::CacheHealth;
pub use key::CacheKey;

/// Why a cache call failed. Callers fall back to the store; users never see this.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// Redis could not be reached, timed out, or answered with an error.
    #[error("redis: {0}")]
    Redis(String),
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

/// Cache operations. Every method is bounded in time: a dead Redis answers with an error quickly
/// instead of making a command wait.
#[async_trait]
pub trait Cache: Send + Sync + 'static {
    /// Which cache this is.
    fn backend(&self) -> CacheBackend;

    /// A round trip, for health checks.
    async fn ping(&self) -> Result<(), CacheError>;

    /// The value stored at `key`, if any and not expired.
    async fn get(&self, key: &CacheKey) -> Result<Option<String>, CacheError>;

    /// Stores `value` at `key`, expiring after `ttl` when given.
    async fn set(&self, key: &CacheKey, value: &str, ttl: Option<Duration>) -> Result<(), CacheError>;

    /// Removes `key`, whatever its type. Removing a missing key is not an error.
    async fn delete(&self, key: &CacheKey) -> Result<(), CacheError>;

    /// Whether `key` exists (a sorted set exists while it has a member).
    async fn exists(&self, key: &CacheKey) -> Result<bool, CacheError>;

    /// Adds `delta` to `member`'s score in the sorted set (creating either); returns the new score.
    async fn zincr(&self, key: &CacheKey, member: &str, delta: f64) -> Result<f64, CacheError>;

    /// `member`'s score, if it is in the set.
    async fn zscore(&self, key: &CacheKey, member: &str) -> Result<Option<f64>, CacheError>;

    /// `member`'s 0-based rank, highest score first, if it is in the set. Equal scores are
    /// ordered by member, descending, as Redis does.
    async fn zrank_desc(&self, key: &CacheKey, member: &str) -> Result<Option<u64>, CacheError>;

    /// The `limit` highest entries, highest first (ties as in [`Cache::zrank_desc`]).
    async fn ztop(&self, key: &CacheKey, limit: usize) -> Result<Vec<Ranked>, CacheError>;

    /// Number of members in the set.
    async fn zcard(&self, key: &CacheKey) -> Result<u64, CacheError>;

    /// Replaces the whole set with `entries` atomically: readers see the old set or the new one,
    /// never a half-written one. Used to rebuild a leaderboard from the store.
    async fn zreplace(&self, key: &CacheKey, entries: &[Ranked]) -> Result<(), CacheError>;
}
