//! Cache health: turns the outcome of each cache call into at most two log lines per outage.
//!
//! Every caller reports what its cache call returned through [`CacheHealth::observe`], which
//! hands back the value or `None`, so the fallback to the store reads naturally:
//!
//! ```ignore
//! let top = match health.observe(cache.ztop(&key, 10).await) {
//!     Some(top) if !top.is_empty() => top,
//!     _ => store.leaderboard(guild, 10).await?,
//! };
//! ```
//!
//! The first failure of an outage logs one `warn!`, later failures nothing, and the first
//! success after it one `info!`. Without this, a Redis restart during a busy evening would log
//! a line per command. Errors that are not outages (a malformed key, a call on a key of the
//! wrong type) are bugs in the caller; they are logged every time and leave the state alone.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use super::CacheError;

/// Shared record of whether the cache is answering. Cloning shares the same record.
#[derive(Clone, Debug, Default)]
pub struct CacheHealth {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    unavailable: AtomicBool,
    outages: AtomicU64,
    recoveries: AtomicU64,
}

impl CacheHealth {
    /// The value of a cache call, or `None` after noting its error (logged as described in the
    /// module documentation). Treat `None` as a miss and answer from the store.
    pub fn observe<T>(&self, result: Result<T, CacheError>) -> Option<T> {
        match result {
            Ok(value) => {
                self.note_success();
                Some(value)
            }
            Err(error) => {
                self.note_failure(&error);
                None
            }
        }
    }

    /// Notes that a cache call succeeded; logs once if that ends an outage.
    pub fn note_success(&self) {
        // Read first: the common case (healthy) then costs no write to a shared cache line.
        if self.inner.unavailable.load(Ordering::Relaxed)
            && self.inner.unavailable.swap(false, Ordering::AcqRel)
        {
            self.inner.recoveries.fetch_add(1, Ordering::Relaxed);
            tracing::info!("cache is back");
        }
    }

    /// Notes that a cache call failed; logs once if that starts an outage.
    pub fn note_failure(&self, error: &CacheError) {
        if !error.is_outage() {
            tracing::warn!(%error, "cache call refused (a bug, not an outage); answering from the database");
            return;
        }
        // `swap` makes exactly one of many concurrent failures the one that logs.
        if !self.inner.unavailable.swap(true, Ordering::AcqRel) {
            self.inner.outages.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("cache unavailable, answering from the database: {error}");
        }
    }

    /// Whether the cache is answering: false from the first outage error until the next success.
    #[must_use]
    pub fn is_available(&self) -> bool {
        !self.inner.unavailable.load(Ordering::Acquire)
    }

    /// How many outages have started (each logged once) since this record was created.
    #[must_use]
    pub fn outages(&self) -> u64 {
        self.inner.outages.load(Ordering::Relaxed)
    }

    /// How many outages have ended (each logged once) since this record was created.
    #[must_use]
    pub fn recoveries(&self) -> u64 {
        self.inner.recoveries.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::CacheKeyError;

    fn outage() -> Result<u32, CacheError> {
        Err(CacheError::Unavailable("connection refused".to_owned()))
    }

    #[test]
    fn an_outage_is_noted_once_when_it_starts_and_once_when_it_ends() {
        let health = CacheHealth::default();
        assert_eq!(health.observe(Ok(1)), Some(1));
        assert_eq!(
            (health.outages(), health.recoveries()),
            (0, 0),
            "healthy: nothing to say"
        );

        for _ in 0..5 {
            assert_eq!(health.observe(outage()), None);
        }
        assert!(!health.is_available());
        assert_eq!(
            (health.outages(), health.recoveries()),
            (1, 0),
            "five failures, one outage"
        );

        for _ in 0..3 {
            assert_eq!(health.observe(Ok(2)), Some(2));
        }
        assert!(health.is_available());
        assert_eq!(
            (health.outages(), health.recoveries()),
            (1, 1),
            "one recovery"
        );

        health.observe(outage());
        health.observe(Ok(3));
        assert_eq!(
            (health.outages(), health.recoveries()),
            (2, 2),
            "a second outage is noted"
        );
    }

    #[test]
    fn clones_share_one_record() {
        let health = CacheHealth::default();
        let other = health.clone();
        other.observe(outage());
        assert!(!health.is_available());
        health.observe(outage());
        assert_eq!(health.outages(), 1);
    }

    #[test]
    fn a_refused_call_is_not_an_outage() {
        let health = CacheHealth::default();
        let refused: Result<(), CacheError> =
            Err(CacheKeyError::InvalidName("bad name".to_owned()).into());
        assert_eq!(health.observe(refused), None);
        health.observe::<()>(Err(CacheError::Rejected("WRONGTYPE".to_owned())));
        assert!(health.is_available());
        assert_eq!(health.outages(), 0);
    }

    #[tokio::test]
    async fn concurrent_failures_start_one_outage() {
        let health = CacheHealth::default();
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let health = health.clone();
                tokio::spawn(async move { health.observe(outage()) })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.expect("task"), None);
        }
        assert_eq!(health.outages(), 1);
    }
}
