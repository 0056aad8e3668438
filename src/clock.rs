//! The one clock the scheduled features read: the system clock, or (against a local fake
//! Discord only, see `CLOCK_START`) the system clock shifted to start at a chosen instant, so an
//! end-to-end test can live through a daylight-saving change in a few seconds.

use chrono::{DateTime, TimeDelta, Utc};

/// Wall-clock time as the bot sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    offset: TimeDelta,
}

impl Clock {
    /// The system clock.
    #[must_use]
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that reads `start` now and runs on at the system clock's pace.
    #[must_use]
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            offset: start - Utc::now(),
        }
    }

    /// The current time.
    #[must_use]
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
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
    }
}
