//! The in-process cache: the default when `REDIS_URL` is unset, and the model the Redis cache
//! is checked against (the conformance suite runs the same scenarios on both).
//!
//! It mirrors Redis where callers can tell the difference: one key space for values and sorted
//! sets (a call on a key of the other type is refused, as Redis answers `WRONGTYPE`), expiry in
//! milliseconds, an empty sorted set ceases to exist, and sorted sets are ordered exactly as
//! Redis orders them.
//!
//! Memory is not bounded: entries live until they expire, are deleted or replaced. Expired
//! entries are dropped when read and by a sweep every [`SWEEP_EVERY`] writes, so keys written
//! with a TTL do not pile up; keys without one stay. trakker's keys are per guild and few (a
//! handful of leaderboards each), so this is fine for the single process this cache serves. A
//! deployment large enough to need eviction should run Redis with `maxmemory`.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;

use super::{expiry_millis, key, Cache, CacheBackend, CacheError, CacheKey, Ranked, SealedView};

/// Writes between two sweeps of expired entries: often enough to bound the garbage, rarely
/// enough that the O(entries) sweep costs nothing per write.
pub const SWEEP_EVERY: u32 = 1024;

/// Redis's own words for a call on a key of the other type, so logs read the same on both.
const WRONG_TYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

/// A cache in this process's memory, safe to share between tasks.
pub struct MemoryCache {
    prefix: String,
    // One std mutex over the whole key space: every critical section is a few map operations and
    // never awaits, so a finer lock (or an async one) would cost more than it saves.
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: HashMap<String, Entry>,
    writes_since_sweep: u32,
}

struct Entry {
    value: Value,
    expires_at: Option<Instant>,
}

enum Value {
    Text(String),
    Sorted(SortedSet),
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
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock is held cannot leave a half-applied change: each critical
        // section mutates through complete map operations. So a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// The live entry at `key`, dropping it first if it has expired.
    fn live(&mut self, key: &CacheKey, now: Instant) -> Option<&mut Entry> {
        if self
            .entries
            .get(key.as_str())
            .is_some_and(|entry| entry.expired(now))
        {
            self.entries.remove(key.as_str());
        }
        self.entries.get_mut(key.as_str())
    }

    /// The live sorted set at `key`, if any; refused if `key` holds a value.
    fn sorted(
        &mut self,
        key: &CacheKey,
        now: Instant,
    ) -> Result<Option<&mut SortedSet>, CacheError> {
        match self.live(key, now) {
            None => Ok(None),
            Some(Entry {
                value: Value::Sorted(set),
                ..
            }) => Ok(Some(set)),
            Some(_) => Err(CacheError::Rejected(WRONG_TYPE.to_owned())),
        }
    }

    fn note_write(&mut self, now: Instant) {
        self.writes_since_sweep += 1;
        if self.writes_since_sweep >= SWEEP_EVERY {
            self.writes_since_sweep = 0;
            self.entries.retain(|_, entry| !entry.expired(now));
        }
    }
}

impl Entry {
    fn expired(&self, now: Instant) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
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

    async fn get(&self, key: &CacheKey) -> Result<Option<String>, CacheError> {
        match self.state().live(key, Instant::now()) {
            None => Ok(None),
            Some(Entry {
                value: Value::Text(text),
                ..
            }) => Ok(Some(text.clone())),
            Some(_) => Err(CacheError::Rejected(WRONG_TYPE.to_owned())),
        }
    }

    async fn set(
        &self,
        key: &CacheKey,
        value: &str,
        ttl: Option<Duration>,
    ) -> Result<(), CacheError> {
        let now = Instant::now();
        let mut state = self.state();
        let entry = Entry {
            value: Value::Text(value.to_owned()),
            expires_at: ttl.map(|ttl| now + Duration::from_millis(expiry_millis(ttl))),
        };
        state.entries.insert(key.as_str().to_owned(), entry);
        state.note_write(now);
        Ok(())
    }

    async fn delete(&self, key: &CacheKey) -> Result<(), CacheError> {
        self.state().entries.remove(key.as_str());
        Ok(())
    }

    async fn exists(&self, key: &CacheKey) -> Result<bool, CacheError> {
        Ok(self.state().live(key, Instant::now()).is_some())
    }

    async fn zincr(&self, key: &CacheKey, member: &str, delta: f64) -> Result<f64, CacheError> {
        let now = Instant::now();
        let mut state = self.state();
        let current = state
            .sorted(key, now)?
            .and_then(|set| set.scores.get(member).copied());
        let score = current.unwrap_or(0.0) + delta;
        if score.is_nan() {
            return Err(CacheError::Rejected(
                "ERR resulting score is not a number (NaN)".to_owned(),
            ));
        }
        if let Some(set) = state.sorted(key, now)? {
            set.insert(member, score);
        } else {
            let mut set = SortedSet::default();
            set.insert(member, score);
            let entry = Entry {
                value: Value::Sorted(set),
                expires_at: None,
            };
            state.entries.insert(key.as_str().to_owned(), entry);
        }
        state.note_write(now);
        Ok(Score::new(score).0)
    }

    async fn zscore(&self, key: &CacheKey, member: &str) -> Result<Option<f64>, CacheError> {
        let mut state = self.state();
        let set = state.sorted(key, Instant::now())?;
        Ok(set.and_then(|set| set.scores.get(member).copied()))
    }

    async fn zrank_desc(&self, key: &CacheKey, member: &str) -> Result<Option<u64>, CacheError> {
        let mut state = self.state();
        let set = state.sorted(key, Instant::now())?;
        Ok(set.and_then(|set| set.rank_desc(member)))
    }

    async fn ztop(&self, key: &CacheKey, limit: usize) -> Result<Vec<Ranked>, CacheError> {
        let mut state = self.state();
        let set = state.sorted(key, Instant::now())?;
        Ok(set.map(|set| set.top(limit, None)).unwrap_or_default())
    }

    async fn zincr_sealed(
        &self,
        key: &CacheKey,
        seal: &str,
        member: &str,
        delta: f64,
    ) -> Result<Option<f64>, CacheError> {
        let now = Instant::now();
        let mut state = self.state();
        let sealed = {
            let Some(set) = state.sorted(key, now)? else {
                return Ok(None);
            };
            let Some(&sealed) = set.scores.get(seal) else {
                return Ok(None);
            };
            let score = set.scores.get(member).copied().unwrap_or(0.0) + delta;
            if score.is_nan() {
                return Err(CacheError::Rejected(
                    "ERR resulting score is not a number (NaN)".to_owned(),
                ));
            }
            set.insert(member, score);
            set.insert(seal, sealed - 1.0);
            Score::new(sealed - 1.0).0
        };
        state.note_write(now);
        Ok(Some(sealed))
    }

    async fn zview_sealed(
        &self,
        key: &CacheKey,
        seal: &str,
        limit: usize,
        member: &str,
    ) -> Result<Option<SealedView>, CacheError> {
        let mut state = self.state();
        let Some(set) = state.sorted(key, Instant::now())? else {
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

    async fn zcard(&self, key: &CacheKey) -> Result<u64, CacheError> {
        let mut state = self.state();
        let set = state.sorted(key, Instant::now())?;
        Ok(set.map_or(0, |set| set.scores.len() as u64))
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
        let now = Instant::now();
        // Built outside the map, swapped in under one lock: readers see the old set or the new.
        let mut state = self.state();
        if set.is_empty() {
            state.entries.remove(key.as_str());
        } else {
            let entry = Entry {
                value: Value::Sorted(set),
                expires_at: None,
            };
            state.entries.insert(key.as_str().to_owned(), entry);
        }
        state.note_write(now);
        Ok(())
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
    async fn expired_entries_are_swept_even_if_never_read_again() {
        let cache = MemoryCache::new("test");
        for n in 0..10 {
            let short = key(&cache, &format!("short{n}"));
            cache
                .set(&short, "x", Some(Duration::from_millis(1)))
                .await
                .expect("set");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        let kept = key(&cache, "kept");
        for _ in 0..SWEEP_EVERY {
            cache.set(&kept, "y", None).await.expect("set");
        }
        assert_eq!(
            cache.state().entries.len(),
            1,
            "only the key without a TTL is left"
        );
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
