//! The one clock the bot reads: the system clock, or (against a local fake Discord only, see
//! `CLOCK_START` and `CLOCK_RATE`) a clock that starts at a chosen instant and may run faster
//! than real time, so an end-to-end test can live through a daylight-saving change in a few
//! seconds and the demo through weeks of a community's life in a minute.
//!
//! Everything the bot records or decides by the time of day reads [`Clock::now`]; waits that
//! last until a moment on this clock are converted with [`Clock::real`].

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// The fastest a clock may run: a day in under a second.
pub const MAX_RATE: u32 = 100_000;

/// Wall-clock time as the bot sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// The system time at which this clock read `start`.
    origin: DateTime<Utc>,
    /// What it read then.
    start: DateTime<Utc>,
    /// How many of its seconds pass per real second.
    rate: u32,
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl Clock {
    /// The system clock.
    #[must_use]
    pub fn system() -> Self {
        let now = Utc::now();
        Self {
            origin: now,
            start: now,
            rate: 1,
        }
    }

    /// A clock that reads `start` now and runs on at the system clock's pace.
    #[must_use]
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            origin: Utc::now(),
            start,
            rate: 1,
        }
    }

    /// The same clock from this moment on running `rate` times as fast (1 to [`MAX_RATE`]).
    #[must_use]
    pub fn running(self, rate: u32) -> Self {
        let now = self.now();
        Self {
            origin: Utc::now(),
            start: now,
            rate: rate.clamp(1, MAX_RATE),
        }
    }

    /// The current time.
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        self.at(Utc::now())
    }

    /// How long to wait in real time for `span` of this clock to pass (none for a negative
    /// span).
    #[must_use]
    pub fn real(&self, span: TimeDelta) -> Duration {
        span.to_std().unwrap_or_default() / self.rate
    }

    /// How much of this clock passes in `real` time: the inverse of [`Clock::real`], for leases
    /// and retry waits that are meant in real time but are stored as instants of this clock.
    #[must_use]
    pub fn span(&self, real: Duration) -> TimeDelta {
        TimeDelta::from_std(real.saturating_mul(self.rate)).unwrap_or(TimeDelta::MAX)
    }

    /// What this clock read at the real instant `at`, e.g. a timestamp Discord put on a
    /// message. The system clock reads `at` itself.
    #[must_use]
    pub fn at(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        if self.rate == 1 && self.start == self.origin {
            return at;
        }
        let real = at - self.origin;
        i32::try_from(self.rate)
            .ok()
            .and_then(|rate| real.checked_mul(rate))
            .and_then(|span| self.start.checked_add_signed(span))
            .unwrap_or(if real < TimeDelta::zero() {
                DateTime::<Utc>::MIN_UTC
            } else {
                DateTime::<Utc>::MAX_UTC
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_starts_where_asked_and_runs_on() {
        let start = DateTime::parse_from_rfc3339("2026-03-29T00:59:30Z")
            .expect("a time")
            .with_timezone(&Utc);
        let clock = Clock::starting_at(start);
        let first = clock.now();
        assert!((first - start).num_seconds().abs() < 5, "starts at {first}");
        assert!(clock.now() >= first, "never runs backwards");
        assert!((Clock::system().now() - Utc::now()).num_seconds().abs() < 5);
        assert_eq!(clock.real(TimeDelta::seconds(90)), Duration::from_secs(90));
        assert_eq!(clock.real(TimeDelta::seconds(-5)), Duration::ZERO);
    }

    #[test]
    fn instants_and_spans_convert_between_real_time_and_the_clock() {
        let real = Utc::now();
        let system = Clock::system();
        assert_eq!(
            system.at(real),
            real,
            "the system clock reads real instants as they are"
        );
        assert_eq!(system.span(Duration::from_secs(60)), TimeDelta::seconds(60));

        let start = DateTime::parse_from_rfc3339("2026-11-02T12:00:00Z")
            .expect("a time")
            .with_timezone(&Utc);
        let fast = Clock::starting_at(start).running(3_600);
        // A message stamped one real second after another is an hour later on this clock.
        let first = fast.at(real);
        assert_eq!(
            fast.at(real + TimeDelta::seconds(1)) - first,
            TimeDelta::hours(1)
        );
        assert!(
            (first - fast.now()).num_hours().abs() < 24,
            "now is near {first}"
        );
        // A 60 s lease in real time is 60 hours of this clock, and converts back.
        let lease = fast.span(Duration::from_secs(60));
        assert_eq!(lease, TimeDelta::hours(60));
        assert_eq!(fast.real(lease), Duration::from_secs(60));
    }

    #[test]
    fn a_fast_clock_runs_its_rate_times_as_fast_and_waits_that_much_less() {
        let start = DateTime::parse_from_rfc3339("2026-11-02T12:00:00Z")
            .expect("a time")
            .with_timezone(&Utc);
        let clock = Clock::starting_at(start).running(3_600);
        let began = std::time::Instant::now();
        std::thread::sleep(Duration::from_millis(50));
        let read = clock.now() - start;
        let elapsed = TimeDelta::from_std(began.elapsed()).expect("short");
        // At least the 50 ms slept, times the rate: three minutes of the clock.
        assert!(read >= TimeDelta::seconds(180), "{read}");
        assert!(
            read <= elapsed * 3_600 + TimeDelta::seconds(1),
            "{read} {elapsed}"
        );
        assert_eq!(clock.real(TimeDelta::hours(1)), Duration::from_secs(1));
        assert_eq!(Clock::system().running(0).rate, 1, "a rate below 1 is 1");
    }
}
