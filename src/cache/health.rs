//! The cache's outage breaker: whether a call is worth trying, and at most two log lines per
//! outage.
//!
//! A cache that can fail (Redis) owns one [`CacheHealth`] and passes every call through it:
//!
//! - Before a call, [`CacheHealth::worth_trying`]: during an outage, calls fail at once without
//!   touching the network, except one every [`CacheHealth::new`]'s `retry_after`, which tries
//!   again. So during an outage at most one call per pause waits for a timeout; the others fall
//!   back to the store immediately, and Redis coming back needs nothing from anyone.
//! - After a call, [`CacheHealth::note`]: the first failure of an outage logs one `warn!`, later
//!   failures nothing, and the first success after it one `info!`. Without this, a Redis restart
//!   during a busy evening would log a line per command.
//!
//! Callers of the cache therefore only treat an error as a miss. Errors that are not outages (a
//! malformed key, a call the cache refuses) are bugs in the caller: they leave the breaker alone,
//! and the caller logs them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::CacheError;

/// Whether the cache is answering, and when it last failed.
#[derive(Debug)]
pub struct CacheHealth {
    retry_after: Duration,
    // Read on every call: an atomic keeps the healthy path free of any lock.
    unavailable: AtomicBool,
    /// When the last call failed for want of the cache; read only during an outage.
    failed_at: Mutex<Option<Instant>>,
    outages: AtomicU64,
    recoveries: AtomicU64,
}

impl CacheHealth {
    /// A healthy record that, once an outage starts, lets one call through every `retry_after`.
    #[must_use]
    pub fn new(retry_after: Duration) -> Self {
        Self {
            retry_after,
            unavailable: AtomicBool::new(false),
            failed_at: Mutex::new(None),
            outages: AtomicU64::new(0),
            recoveries: AtomicU64::new(0),
        }
    }

    /// Whether a call should go to the cache: it is answering, or the last failure is at least
    /// `retry_after` old. A call skipped because of this is not noted: the pause runs from the
    /// last real failure, so steady traffic cannot hold it open for ever.
    #[must_use]
    pub fn worth_trying(&self) -> bool {
        self.is_available()
            || self
                .failed_at()
                .is_none_or(|at| at.elapsed() >= self.retry_after)
    }

    /// Notes what a call returned (as described in the module documentation).
    pub fn note<T>(&self, result: &Result<T, CacheError>) {
        match result {
            Ok(_) => self.note_success(),
            Err(error) if error.is_outage() => self.note_outage(error),
            // Not the cache's health: the caller logs its own bug.
            Err(_) => {}
        }
    }

    /// Notes that the cache was not reachable when the process started, without logging: the
    /// cache says so itself, in words for that moment.
    pub fn note_down_at_start(&self) {
        *self.failed_at() = Some(Instant::now());
        let started = !self.unavailable.swap(true, Ordering::AcqRel);
        if started {
            self.outages.fetch_add(1, Ordering::Relaxed);
        }
        crate::ops::metrics::cache_error(started);
    }

    fn note_success(&self) {
        // Read first: the common case (healthy) then costs no write to a shared cache line.
        if self.unavailable.load(Ordering::Relaxed)
            && self.unavailable.swap(false, Ordering::AcqRel)
        {
            self.recoveries.fetch_add(1, Ordering::Relaxed);
            tracing::info!("cache is back");
        }
    }

    fn note_outage(&self, error: &CacheError) {
        *self.failed_at() = Some(Instant::now());
        // `swap` makes exactly one of many concurrent failures the one that logs.
        let started = !self.unavailable.swap(true, Ordering::AcqRel);
        crate::ops::metrics::cache_error(started);
        if started {
            self.outages.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("cache unavailable, answering from the database: {error}");
        }
    }

    fn failed_at(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        // An `Option<Instant>` cannot be left half-written by a panic.
        self.failed_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the cache is answering: false from the first outage error until the next success.
    #[must_use]
    pub fn is_available(&self) -> bool {
        !self.unavailable.load(Ordering::Acquire)
    }

    /// How many outages have started (each logged once) since this record was created.
    #[must_use]
    pub fn outages(&self) -> u64 {
        self.outages.load(Ordering::Relaxed)
    }

    /// How many outages have ended (each logged once) since this record was created.
    #[must_use]
    pub fn recoveries(&self) -> u64 {
        self.recoveries.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::cache::CacheKeyError;

    // Real time, kept short: the crate does not build tokio's paused clock.
    const PAUSE: Duration = Duration::from_millis(60);

    fn outage() -> Result<u32, CacheError> {
        Err(CacheError::Unavailable("connection refused".to_owned()))
    }

    #[test]
    fn an_outage_is_noted_once_when_it_starts_and_once_when_it_ends() {
        let health = CacheHealth::new(PAUSE);
        health.note(&Ok(1));
        assert_eq!(
            (health.outages(), health.recoveries()),
            (0, 0),
            "healthy: nothing to say"
        );

        for _ in 0..5 {
            health.note(&outage());
        }
        assert!(!health.is_available());
        assert_eq!(
            (health.outages(), health.recoveries()),
            (1, 0),
            "five failures, one outage"
        );

        for _ in 0..3 {
            health.note(&Ok(2));
        }
        assert!(health.is_available());
        assert_eq!(
            (health.outages(), health.recoveries()),
            (1, 1),
            "one recovery"
        );

        health.note(&outage());
        health.note(&Ok(3));
        assert_eq!(
            (health.outages(), health.recoveries()),
            (2, 2),
            "a second outage is noted"
        );
    }

    #[tokio::test]
    async fn during_an_outage_a_call_is_tried_again_once_the_pause_is_over() {
        let health = CacheHealth::new(PAUSE);
        assert!(health.worth_trying(), "healthy");
        health.note(&outage());
        for _ in 0..3 {
            assert!(!health.worth_trying(), "just failed");
        }
        tokio::time::sleep(PAUSE).await;
        assert!(
            health.worth_trying(),
            "the pause is over: skipped calls did not extend it"
        );

        health.note(&outage());
        assert!(!health.worth_trying(), "the retry failed: another pause");
        tokio::time::sleep(PAUSE).await;
        health.note(&Ok(()));
        assert!(health.worth_trying());
        assert_eq!((health.outages(), health.recoveries()), (1, 1));
    }

    #[tokio::test]
    async fn a_cache_down_at_start_is_an_outage_that_can_end() {
        let health = CacheHealth::new(PAUSE);
        health.note_down_at_start();
        assert!(!health.worth_trying());
        assert_eq!(health.outages(), 1);
        tokio::time::sleep(PAUSE).await;
        assert!(health.worth_trying());
        health.note(&Ok(()));
        assert_eq!(health.recoveries(), 1);
    }

    #[test]
    fn a_refused_call_is_not_an_outage() {
        let health = CacheHealth::new(PAUSE);
        let refused: Result<(), CacheError> =
            Err(CacheKeyError::InvalidName("bad name".to_owned()).into());
        health.note(&refused);
        health.note::<()>(&Err(CacheError::Rejected("WRONGTYPE".to_owned())));
        assert!(health.is_available());
        assert!(health.worth_trying());
        assert_eq!(health.outages(), 0);
    }

    #[tokio::test]
    async fn concurrent_failures_start_one_outage() {
        let health = Arc::new(CacheHealth::new(PAUSE));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let health = Arc::clone(&health);
                tokio::spawn(async move { health.note(&outage()) })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(health.outages(), 1);
    }
}
