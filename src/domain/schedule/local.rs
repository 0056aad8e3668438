//! Turning a time on a zone's clock into one instant, including the times daylight saving makes
//! happen twice or not at all.

use chrono::{DateTime, NaiveDateTime, Offset as _, TimeDelta, TimeZone as _, Utc};
use chrono_tz::Tz;

/// The longest stretch of clock time a zone has ever skipped: Samoa skipped 30 December 2011
/// whole. Searching further than this means the zone data is broken, not that a gap is long.
const LONGEST_GAP_MINUTES: i64 = 26 * 60;

/// The instant `local` happens in `tz`.
///
/// - A local time that happens once is that instant.
/// - One that happens twice (clocks going back) is the earlier: a post or an hour should start
///   the first time its clock time comes round, and never fire a second time.
/// - One that never happens (clocks going forward) is the first instant after the gap, so a post
///   due at 02:30 on the night Paris skips from 02:00 to 03:00 goes out at 03:00. Local time is
///   stepped forward a minute at a time because every transition falls on a minute boundary,
///   including Lord Howe's 30-minute shift.
#[must_use]
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    for _ in 0..=LONGEST_GAP_MINUTES {
        if let Some(instant) = tz.from_local_datetime(&probe).earliest() {
            return instant.with_timezone(&Utc);
        }
        probe += TimeDelta::minutes(1);
    }
    // Unreachable with real zone data; read the time with the offset in force around it rather
    // than fail a post.
    let offset = tz.offset_from_utc_datetime(&local).fix();
    Utc.from_utc_datetime(&(local - TimeDelta::seconds(i64::from(offset.local_minus_utc()))))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|day| day.and_hms_opt(h, min, 0))
            .expect("valid")
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        local(y, m, d, h, min).and_utc()
    }

    #[test]
    fn an_ordinary_local_time_is_its_one_instant() {
        assert_eq!(
            resolve_local(Tz::Europe__Paris, local(2026, 7, 1, 21, 0)),
            utc(2026, 7, 1, 19, 0)
        );
        assert_eq!(
            resolve_local(Tz::Asia__Kathmandu, local(2026, 7, 1, 21, 0)),
            utc(2026, 7, 1, 15, 15)
        );
    }

    #[test]
    fn a_time_skipped_in_spring_is_the_first_instant_after_the_gap() {
        // Paris goes from 02:00 to 03:00 on 29 March 2026, at 01:00 UTC.
        let instant = resolve_local(Tz::Europe__Paris, local(2026, 3, 29, 2, 30));
        assert_eq!(instant, utc(2026, 3, 29, 1, 0));
        assert_eq!(
            instant.with_timezone(&Tz::Europe__Paris).naive_local(),
            local(2026, 3, 29, 3, 0)
        );
    }

    #[test]
    fn a_time_repeated_in_autumn_is_its_earlier_instant() {
        // Paris goes back from 03:00 to 02:00 on 25 October 2026, at 01:00 UTC.
        assert_eq!(
            resolve_local(Tz::Europe__Paris, local(2026, 10, 25, 2, 30)),
            utc(2026, 10, 25, 0, 30)
        );
    }

    #[test]
    fn lord_howes_half_hour_gap_ends_at_half_past() {
        // Lord Howe goes from 02:00 to 02:30 on 4 October 2026 (UTC+10:30 to UTC+11).
        let instant = resolve_local(Tz::Australia__Lord_Howe, local(2026, 10, 4, 2, 10));
        assert_eq!(
            instant
                .with_timezone(&Tz::Australia__Lord_Howe)
                .naive_local(),
            local(2026, 10, 4, 2, 30)
        );
        assert_eq!(instant, utc(2026, 10, 3, 15, 30));
    }

    #[test]
    fn samoas_skipped_day_resolves_to_the_next_midnight() {
        let instant = resolve_local(Tz::Pacific__Apia, local(2011, 12, 30, 12, 0));
        assert_eq!(
            instant.with_timezone(&Tz::Pacific__Apia).naive_local(),
            local(2011, 12, 31, 0, 0)
        );
    }
}
