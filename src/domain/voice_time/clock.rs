//! The server's clock over a stretch of time: which UTC offset is in force when, so that a
//! million instants can be read on the local clock without asking the tz database a million
//! times.
//!
//! The tz database answers "what is the offset at this instant" by a search through a zone's
//! whole history; the charts ask that for every hour of every stay. Offsets change a few times a
//! year at most, so [`LocalClock`] asks once, finds where the offset changes inside the span the
//! data covers, and then reads instants from a list of two or three segments.

use chrono::{DateTime, Offset as _, TimeZone as _};
use chrono_tz::Tz;

/// How far apart the tz database is asked for the offset before searching between two answers
/// that differ. Two changes closer than this that return to the same offset would be missed; no
/// zone has had such a pair (the closest are weeks apart).
const PROBE_STEP_MS: i64 = 6 * 3_600_000;

/// The offset of `tz` at `utc_ms`, in milliseconds to add to UTC.
#[must_use]
pub fn offset_ms(tz: Tz, utc_ms: i64) -> i64 {
    let instant = DateTime::from_timestamp_millis(utc_ms).map_or_else(
        || {
            // Beyond chrono's range (±262,000 years): the zone's earliest or latest rule.
            let edge = if utc_ms < 0 {
                DateTime::<chrono::Utc>::MIN_UTC
            } else {
                DateTime::<chrono::Utc>::MAX_UTC
            };
            edge.naive_utc()
        },
        |at| at.naive_utc(),
    );
    i64::from(
        tz.offset_from_utc_datetime(&instant)
            .fix()
            .local_minus_utc(),
    ) * 1000
}

/// The local calendar day of `utc_ms` in `tz`, as days since 1970-01-01: "today" for a report
/// made at `utc_ms`.
#[must_use]
pub fn local_day(tz: Tz, utc_ms: i64) -> i64 {
    (utc_ms + offset_ms(tz, utc_ms)).div_euclid(super::calendar::DAY_MS)
}

/// A zone's offsets over a span of instants, as segments of constant offset.
#[derive(Clone, Debug)]
pub struct LocalClock {
    tz: Tz,
    /// Where each segment starts (unix ms), ascending; the first is `i64::MIN`.
    starts: Vec<i64>,
    /// The offset (ms) in force in each segment.
    offsets: Vec<i64>,
    /// The span the segments were built for; outside it the tz database is asked directly.
    span: (i64, i64),
}

impl LocalClock {
    /// The clock of `tz` between `from_ms` and `to_ms` (inclusive).
    #[must_use]
    pub fn new(tz: Tz, from_ms: i64, to_ms: i64) -> Self {
        let to_ms = to_ms.max(from_ms);
        let mut starts = vec![i64::MIN];
        let mut offsets = vec![offset_ms(tz, from_ms)];
        let mut before = from_ms;
        while before < to_ms {
            let after = before.saturating_add(PROBE_STEP_MS).min(to_ms);
            let current = offsets.last().copied().unwrap_or_default();
            if offset_ms(tz, after) == current {
                before = after;
            } else {
                let change = first_change(tz, before, after, current);
                starts.push(change);
                offsets.push(offset_ms(tz, change));
                // Continue from the change: a second one may follow within the step.
                before = change;
            }
        }
        Self {
            tz,
            starts,
            offsets,
            span: (from_ms, to_ms),
        }
    }

    /// The clock covering every instant of `stays` (UTC's if there are none).
    #[must_use]
    pub fn for_stays(tz: Tz, stays: &[super::VoiceStay]) -> Self {
        let from = stays.iter().map(|s| s.start_ms).min().unwrap_or(0);
        let to = stays.iter().map(|s| s.end_ms).max().unwrap_or(0);
        Self::new(tz, from, to)
    }

    /// The zone.
    #[must_use]
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The offset (ms) in force at `utc_ms`.
    #[must_use]
    pub fn offset_at(&self, utc_ms: i64) -> i64 {
        if utc_ms < self.span.0 || utc_ms > self.span.1 {
            return offset_ms(self.tz, utc_ms);
        }
        self.offsets[self.segment_at(utc_ms)]
    }

    /// `utc_ms` on the local clock, as milliseconds since 1970-01-01 00:00 local.
    #[must_use]
    pub fn local_ms(&self, utc_ms: i64) -> i64 {
        utc_ms + self.offset_at(utc_ms)
    }

    /// The local calendar day of `utc_ms`, as days since 1970-01-01.
    #[must_use]
    pub fn local_day(&self, utc_ms: i64) -> i64 {
        self.local_ms(utc_ms).div_euclid(super::calendar::DAY_MS)
    }

    /// The first instant after `utc_ms` that is on the next local day: its local midnight, or
    /// the end of the gap when clocks skip midnight.
    #[must_use]
    pub fn next_midnight(&self, utc_ms: i64) -> i64 {
        let day = self.local_day(utc_ms);
        let midnight = (day + 1) * super::calendar::DAY_MS;
        // The offset may change between `utc_ms` and midnight: read it again at the estimate.
        let estimate = midnight - self.offset_at(utc_ms);
        let at = midnight - self.offset_at(estimate);
        if at > utc_ms && self.local_day(at) > day && self.local_day(at - 1) == day {
            at
        } else {
            self.day_start(day + 1).max(utc_ms + 1)
        }
    }

    /// The first instant of local day `day`.
    #[must_use]
    pub fn day_start(&self, day: i64) -> i64 {
        let midnight = day * super::calendar::DAY_MS;
        // Between the two readings of the offset around midnight; search for the first instant
        // whose local day is `day`.
        let (mut lo, mut hi) = (
            midnight - 15 * super::HOUR_MS,
            midnight + 15 * super::HOUR_MS,
        );
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.local_day(mid) >= day {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi
    }

    /// The segment holding `utc_ms` (within the span).
    pub(crate) fn segment_at(&self, utc_ms: i64) -> usize {
        self.starts.partition_point(|&start| start <= utc_ms) - 1
    }

    /// A segment's offset and the instant the next one starts (`i64::MAX` for the last).
    pub(crate) fn segment(&self, index: usize) -> (i64, i64, i64) {
        let end = self.starts.get(index + 1).copied().unwrap_or(i64::MAX);
        (self.starts[index], self.offsets[index], end)
    }
}

/// The first instant after `before` (whose offset is `current`) and no later than `after`
/// (whose offset differs) where the offset differs: a bisection, about 25 questions.
fn first_change(tz: Tz, before: i64, after: i64, current: i64) -> i64 {
    let (mut lo, mut hi) = (before, after);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if offset_ms(tz, mid) == current {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone as _, Utc};

    use super::*;

    fn ms(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid")
            .timestamp_millis()
    }

    #[test]
    fn local_days_start_at_midnight_or_where_a_skipped_midnight_ends() {
        // New York changes at 02:00; Santiago skips midnight itself (00:00 becomes 01:00 on
        // 8 September 2024); Kolkata is half an hour off UTC.
        for (zone, from, to) in [
            (
                "America/New_York",
                ms(2024, 3, 1, 0, 0),
                ms(2024, 11, 30, 0, 0),
            ),
            (
                "America/Santiago",
                ms(2024, 9, 1, 0, 0),
                ms(2024, 9, 15, 0, 0),
            ),
            ("Asia/Kolkata", ms(2024, 1, 1, 0, 0), ms(2024, 1, 10, 0, 0)),
        ] {
            let tz: Tz = zone.parse().expect("a zone");
            let clock = LocalClock::new(tz, from, to);
            let mut at = from;
            while at < to {
                let day = clock.local_day(at);
                let start = clock.day_start(day);
                assert!(
                    start <= at,
                    "{zone}: day {day} starts after an instant of it"
                );
                assert_eq!(clock.local_day(start), day, "{zone}");
                assert_eq!(clock.local_day(start - 1), day - 1, "{zone}");
                let next = clock.next_midnight(at);
                assert_eq!(next, clock.day_start(day + 1), "{zone}");
                at += 5 * 3_600_000;
            }
        }
        let santiago = LocalClock::new(
            "America/Santiago".parse().expect("a zone"),
            ms(2024, 9, 1, 0, 0),
            ms(2024, 9, 15, 0, 0),
        );
        let skipped = santiago.local_day(ms(2024, 9, 8, 12, 0));
        // 8 September began at 01:00 -03, that is 04:00 UTC.
        assert_eq!(santiago.day_start(skipped), ms(2024, 9, 8, 4, 0));
    }

    #[test]
    fn paris_over_a_year_has_three_segments_changing_at_one_utc() {
        let clock = LocalClock::new(
            Tz::Europe__Paris,
            ms(2024, 1, 1, 0, 0),
            ms(2024, 12, 31, 0, 0),
        );
        assert_eq!(clock.starts.len(), 3);
        assert_eq!(clock.starts[1], ms(2024, 3, 31, 1, 0));
        assert_eq!(clock.starts[2], ms(2024, 10, 27, 1, 0));
        assert_eq!(clock.offsets, [3_600_000, 7_200_000, 3_600_000]);
    }

    #[test]
    fn utc_and_kolkata_have_one_segment() {
        let from = ms(2024, 1, 1, 0, 0);
        let to = ms(2025, 1, 1, 0, 0);
        assert_eq!(LocalClock::new(Tz::UTC, from, to).starts.len(), 1);
        let kolkata = LocalClock::new(Tz::Asia__Kolkata, from, to);
        assert_eq!(kolkata.offsets, [19_800_000]);
        assert_eq!(
            kolkata.local_day(ms(2024, 3, 1, 18, 29)),
            kolkata.local_day(ms(2024, 3, 1, 0, 0))
        );
        assert_eq!(
            kolkata.local_day(ms(2024, 3, 1, 18, 30)),
            kolkata.local_day(ms(2024, 3, 1, 0, 0)) + 1
        );
    }

    #[test]
    fn samoa_skipping_a_whole_day_is_one_change() {
        let clock = LocalClock::new(
            Tz::Pacific__Apia,
            ms(2011, 12, 20, 0, 0),
            ms(2012, 1, 10, 0, 0),
        );
        assert_eq!(clock.starts.len(), 2);
        assert_eq!(clock.offsets[1] - clock.offsets[0], 24 * 3_600_000);
    }

    #[test]
    fn instants_outside_the_span_are_read_from_the_database() {
        let clock = LocalClock::new(
            Tz::Europe__Paris,
            ms(2024, 1, 1, 0, 0),
            ms(2024, 2, 1, 0, 0),
        );
        assert_eq!(clock.offset_at(ms(2024, 7, 1, 0, 0)), 7_200_000);
    }
}
