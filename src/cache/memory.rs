//! The in-process cache: the default when `REDIS_URL` is unset, and the model the Redis cache
//! is checked against (the conformance suite runs the same scenarios on both).
//!
//! It mirrors Redis where callers can tell the difference: an empty sorted set ceases to exist,
//! and sorted sets are ordered exactly as Redis orders them.
//!
//! Memory is not bounded: a set lives until it is replaced. trakker's keys are per guild and few
//! (a handful of leaderboards each), so this is fine for the single process this cache serves. A
//! deployment large enough to need eviction should run Redis with `maxmemory`.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use crate::domain::ids::GuildId;

use super::{key, Cache, CacheBackend, CacheError, CacheKey, Ranked, SealedView};

/// A cache in this process's memory, safe to share between tasks.
pub struct MemoryCache {
    prefix: String,
    // One std mutex over the whole key space: every critical section is a few map operations and
    // never awaits, so a finer lock (or an async one) would cost more than it saves.
    sets: Mutex<HashMap<String, SortedSet>>,
}

/// A sorted set indexed both ways: by member for scores, by (score, member) for ranks.
#[derive(Default)]
struct SortedSet {
    scores: HashMap<String, f64>,
    // Ascending (score, member) is Redis's order for ZRANGE; reading it backwards gives
    // ZREVRANGE's: highest score first, equal scores by member descending. `String`'s order is
    // byte-wise, as Redis compares members with memcmp.
    order: BTreeSet<(Score, String)>,
}

/// A score with a total order, so it can sit in a `BTreeSet`. Never NaN (refused on the way in).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Score(f64);

impl Score {
    fn new(value: f64) -> Self {
        // `-0.0 + 0.0` is `0.0`: Redis treats the two zeros as one score, `total_cmp` would not.
        Self(value + 0.0)
    }
}

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

impl SortedSet {
    fn insert(&mut self, member: &str, score: f64) {
        let score = Score::new(score);
        if let Some(old) = self.scores.insert(member.to_owned(), score.0) {
            self.order.remove(&(Score(old), member.to_owned()));
        }
        self.order.insert((score, member.to_owned()));
    }

    fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    fn remove(&mut self, member: &str) -> bool {
        let Some(score) = self.scores.remove(member) else {
            return false;
        };
        self.order.remove(&(Score(score), member.to_owned()));
        true
    }

    /// `member`'s rank from the top: the number of entries ordered after it.
    fn rank_desc(&self, member: &str) -> Option<u64> {
        let &score = self.scores.get(member)?;
        let above = self
            .order
            .range((
                Bound::Excluded((Score(score), member.to_owned())),
                Bound::Unbounded,
            ))
            .count();
        Some(above as u64)
    }

    /// The `limit` highest entries other than `except`, highest first.
    fn top(&self, limit: usize, except: Option<&str>) -> Vec<Ranked> {
        self.order
            .iter()
            .rev()
            .filter(|(_, member)| Some(member.as_str()) != except)
            .take(limit)
            .map(|(score, member)| Ranked {
                member: member.clone(),
                score: score.0,
            })
            .collect()
    }
}

impl MemoryCache {
    /// An empty cache whose keys live under `prefix`.
    #[must_use]
    pub fn new(prefix: &str) -> Self {
        if let Err(error) = key::validate_prefix(prefix) {
            // Every key built through this cache will be refused and logged; say why once here.
            tracing::error!(%error, "the in-process cache has an unusable key prefix");
        }
        Self {
            prefix: prefix.to_owned(),
            sets: Mutex::default(),
        }
    }

    fn sets(&self) -> MutexGuard<'_, HashMap<String, SortedSet>> {
        // A panic while the lock is held cannot leave a half-applied change: each critical
        // section mutates through complete map operations. So a poisoned lock is still usable.
        self.sets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Redis's answer when an increment would make a score NaN (`inf + -inf`).
fn not_a_number() -> CacheError {
    CacheError::Rejected("ERR resulting score is not a number (NaN)".to_owned())
}

#[async_trait]
impl Cache for MemoryCache {
    fn backend(&self) -> CacheBackend {
        CacheBackend::Memory
    }

    fn prefix(&self) -> &str {
        &self.prefix
    }

    async fn ping(&self) -> Result<(), CacheError> {
        Ok(())
    }

    async fn zincr(&self, key: &CacheKey, member: &str, delta: f64) -> Result<f64, CacheError> {
        let mut sets = self.sets();
        let current = sets
            .get(key.as_str())
            .and_then(|set| set.scores.get(member).copied());
        let score = current.unwrap_or(0.0) + delta;
        if score.is_nan() {
            return Err(not_a_number());
        }
        sets.entry(key.as_str().to_owned())
            .or_default()
            .insert(member, score);
        Ok(Score::new(score).0)
    }

    async fn zscore(&self, key: &CacheKey, member: &str) -> Result<Option<f64>, CacheError> {
        let sets = self.sets();
        Ok(sets
            .get(key.as_str())
            .and_then(|set| set.scores.get(member).copied()))
    }

    async fn zrank_desc(&self, key: &CacheKey, member: &str) -> Result<Option<u64>, CacheError> {
        let sets = self.sets();
        Ok(sets.get(key.as_str()).and_then(|set| set.rank_desc(member)))
    }

    async fn ztop(&self, key: &CacheKey, limit: usize) -> Result<Vec<Ranked>, CacheError> {
        let sets = self.sets();
        Ok(sets
            .get(key.as_str())
            .map(|set| set.top(limit, None))
            .unwrap_or_default())
    }

    async fn zincr_sealed(
        &self,
        key: &CacheKey,
        seal: &str,
        member: &str,
        delta: f64,
    ) -> Result<Option<f64>, CacheError> {
        let mut sets = self.sets();
        let Some(set) = sets.get_mut(key.as_str()) else {
            return Ok(None);
        };
        let Some(&sealed) = set.scores.get(seal) else {
            return Ok(None);
        };
        let score = set.scores.get(member).copied().unwrap_or(0.0) + delta;
        if score.is_nan() {
            return Err(not_a_number());
        }
        set.insert(member, score);
        set.insert(seal, sealed - 1.0);
        Ok(Some(Score::new(sealed - 1.0).0))
    }

    async fn zview_sealed(
        &self,
        key: &CacheKey,
        seal: &str,
        limit: usize,
        member: &str,
    ) -> Result<Option<SealedView>, CacheError> {
        let sets = self.sets();
        let Some(set) = sets.get(key.as_str()) else {
            return Ok(None);
        };
        let Some(&sealed) = set.scores.get(seal) else {
            return Ok(None);
        };
        Ok(Some(SealedView {
            seal: sealed,
            top: set.top(limit, Some(seal)),
            rank: set.rank_desc(member),
            score: set.scores.get(member).copied(),
        }))
    }

    async fn zreplace(&self, key: &CacheKey, entries: &[Ranked]) -> Result<(), CacheError> {
        if entries.iter().any(|entry| entry.score.is_nan()) {
            return Err(CacheError::Rejected(
                "ERR value is not a valid float".to_owned(),
            ));
        }
        let mut set = SortedSet::default();
        for entry in entries {
            set.insert(&entry.member, entry.score);
        }
        // Built outside the map, swapped in under one lock: readers see the old set or the new.
        let mut sets = self.sets();
        if set.is_empty() {
            sets.remove(key.as_str());
        } else {
            sets.insert(key.as_str().to_owned(), set);
        }
        Ok(())
    }

    async fn zrem_guild(&self, guild: GuildId, member: &str) -> Result<u64, CacheError> {
        let start = CacheKey::guild_start(&self.prefix, guild)?;
        let mut removed = 0;
        let mut sets = self.sets();
        for (key, set) in sets.iter_mut() {
            if key.starts_with(&start) && set.remove(member) {
                removed += 1;
            }
        }
        // Redis deletes a set once its last member is gone.
        sets.retain(|_, set| !set.is_empty());
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::GuildId;

    fn key(cache: &MemoryCache, name: &str) -> CacheKey {
        cache.guild_key(GuildId(1), name).expect("valid key")
    }

    #[tokio::test]
    async fn negative_zero_is_the_same_score_as_zero() {
        let cache = MemoryCache::new("test");
        let board = key(&cache, "lb");
        cache.zincr(&board, "a", -0.0).await.expect("zincr");
        cache.zincr(&board, "b", 0.0).await.expect("zincr");
        let top = cache.ztop(&board, 10).await.expect("ztop");
        let members: Vec<&str> = top.iter().map(|r| r.member.as_str()).collect();
        assert_eq!(members, ["b", "a"], "a tie, ordered by member descending");
    }
}
