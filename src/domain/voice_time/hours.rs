//! Stays cut at the server's clock hours: the table every voice chart reads.
//!
//! A stay from 23:30 to 01:30 becomes three pieces, 30 minutes in the hour of 23:00, 60 in the
//! hour of 00:00 and 30 in the hour of 01:00. Hours are the hours of the local clock: in
//! Asia/Kolkata (UTC+05:30) they begin at half past the UTC hour; when Paris puts its clocks
//! forward, the local hour 02:00 does not exist that night; when it puts them back, the local
//! hour 02:00 happens twice, as two pieces with the same local hour and different start
//! instants. A stay is also cut where the offset changes, so every piece lies on one offset.

use chrono_tz::Tz;

use super::clock::LocalClock;
use super::{VoiceStay, HOUR_MS};

/// Part of one stay inside one local clock hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HourPiece {
    /// Who.
    pub user: u64,
    /// The instant (unix ms) this local clock hour began. When the offset changed within the
    /// hour (a 30-minute change, as on Lord Howe Island), the instant of the change.
    pub hour_start_ms: i64,
    /// The local clock hour, as hours since 1970-01-01 00:00 local; day and hour of day follow.
    pub local_hour: i32,
    /// Time in voice in that hour: 1 ms to one hour.
    pub ms: u32,
}

impl HourPiece {
    /// The local calendar day, as days since 1970-01-01.
    #[must_use]
    pub fn local_day(&self) -> i64 {
        day_of_hour(self.local_hour)
    }
}

/// The local calendar day of a local clock hour (hours since 1970-01-01 00:00 local), as days
/// since 1970-01-01.
#[must_use]
pub fn day_of_hour(local_hour: i32) -> i64 {
    i64::from(local_hour).div_euclid(24)
}

/// The hour of day (0 to 23) of a local clock hour.
#[must_use]
pub fn hour_of_day(local_hour: i32) -> usize {
    usize::try_from(local_hour.rem_euclid(24)).unwrap_or_default()
}

/// Every stay cut at the local clock hours of `tz`, stay by stay, in order within each stay.
#[must_use]
pub fn split_hours(stays: &[VoiceStay], tz: Tz) -> Vec<HourPiece> {
    let clock = LocalClock::for_stays(tz, stays);
    // One piece per hour touched, counted on UTC hours: exact for whole-hour offsets, within one
    // piece per stay otherwise, so the table is allocated once in the usual case.
    let estimate: i64 = stays
        .iter()
        .filter(|s| s.end_ms > s.start_ms)
        .map(|s| (s.end_ms - 1).div_euclid(HOUR_MS) - s.start_ms.div_euclid(HOUR_MS) + 1)
        .sum();
    let mut pieces = Vec::with_capacity(usize::try_from(estimate).unwrap_or_default() + 16);
    for_each_hour_piece(stays, &clock, |piece| pieces.push(piece));
    pieces
}

/// Calls `each` with every piece of every stay, without keeping them: for a caller that folds
/// the pieces straight into its own totals. `clock` must cover the stays
/// ([`LocalClock::for_stays`]).
pub fn for_each_hour_piece(
    stays: &[VoiceStay],
    clock: &LocalClock,
    mut each: impl FnMut(HourPiece),
) {
    for stay in stays {
        if stay.end_ms <= stay.start_ms {
            continue;
        }
        let mut segment = clock.segment_at(stay.start_ms);
        let (mut segment_start, mut offset, mut segment_end) = clock.segment(segment);
        let mut at = stay.start_ms;
        while at < stay.end_ms {
            while at >= segment_end {
                segment += 1;
                (segment_start, offset, segment_end) = clock.segment(segment);
            }
            let local = at + offset;
            let local_floor = local - local.rem_euclid(HOUR_MS);
            let next_hour = local_floor + HOUR_MS - offset;
            let end = stay.end_ms.min(next_hour).min(segment_end);
            each(HourPiece {
                user: stay.user,
                hour_start_ms: (local_floor - offset).max(segment_start),
                local_hour: local_hour_number(local_floor),
                ms: u32::try_from(end - at).unwrap_or(u32::MAX),
            });
            at = end;
        }
    }
}

/// The first and last local day with a piece, if any.
#[must_use]
pub fn day_range(pieces: &[HourPiece]) -> Option<(i64, i64)> {
    let (low, high) = pieces
        .iter()
        .fold((i32::MAX, i32::MIN), |(low, high), piece| {
            (low.min(piece.local_hour), high.max(piece.local_hour))
        });
    (low <= high).then(|| {
        (
            i64::from(low).div_euclid(24),
            i64::from(high).div_euclid(24),
        )
    })
}

/// Hours since 1970-01-01 00:00 local; `i32` reaches the year 245,000.
fn local_hour_number(local_floor_ms: i64) -> i32 {
    let hour = local_floor_ms.div_euclid(HOUR_MS);
    i32::try_from(hour).unwrap_or(if hour < 0 { i32::MIN } else { i32::MAX })
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone as _};

    use super::*;

    const ADA: u64 = 1;

    /// A stay of Ada's from one local time to another in `tz`.
    fn local_stay(tz: Tz, from: (u32, u32, u32, u32), to: (u32, u32, u32, u32)) -> VoiceStay {
        let at = |(month, day, hour, minute): (u32, u32, u32, u32)| {
            tz.from_local_datetime(
                &NaiveDate::from_ymd_opt(2024, month, day)
                    .expect("valid date")
                    .and_hms_opt(hour, minute, 0)
                    .expect("valid time"),
            )
            .earliest()
            .expect("exists")
            .timestamp_millis()
        };
        VoiceStay {
            channel: 0,
            user: ADA,
            start_ms: at(from),
            end_ms: at(to),
        }
    }

    /// (hour of day, minutes) of each piece.
    fn minutes_per_hour(pieces: &[HourPiece]) -> Vec<(usize, u32)> {
        pieces
            .iter()
            .map(|piece| (hour_of_day(piece.local_hour), piece.ms / 60_000))
            .collect()
    }

    #[test]
    fn ada_from_2330_to_0130_in_paris_is_30_60_and_30_minutes() {
        let stay = local_stay(Tz::Europe__Paris, (1, 10, 23, 30), (1, 11, 1, 30));
        let pieces = split_hours(&[stay], Tz::Europe__Paris);
        assert_eq!(minutes_per_hour(&pieces), [(23, 30), (0, 60), (1, 30)]);
        assert_eq!(pieces[0].local_day() + 1, pieces[1].local_day());
        assert_eq!(pieces[0].hour_start_ms, stay.start_ms - 30 * 60_000);
        assert_eq!(pieces[2].hour_start_ms, stay.end_ms - 30 * 60_000);
        assert!(pieces.iter().all(|piece| piece.user == ADA));
    }

    #[test]
    fn the_same_stay_read_in_utc_falls_an_hour_earlier() {
        let stay = local_stay(Tz::Europe__Paris, (1, 10, 23, 30), (1, 11, 1, 30));
        let pieces = split_hours(&[stay], Tz::UTC);
        assert_eq!(minutes_per_hour(&pieces), [(22, 30), (23, 60), (0, 30)]);
    }

    #[test]
    fn when_paris_skips_two_oclock_ada_is_in_hour_one_then_three() {
        // 31 March 2024: 02:00 becomes 03:00. 01:30 → 03:30 local is one hour in voice.
        let stay = local_stay(Tz::Europe__Paris, (3, 31, 1, 30), (3, 31, 3, 30));
        assert_eq!(stay.end_ms - stay.start_ms, HOUR_MS);
        let pieces = split_hours(&[stay], Tz::Europe__Paris);
        assert_eq!(minutes_per_hour(&pieces), [(1, 30), (3, 30)]);
    }

    #[test]
    fn when_paris_repeats_two_oclock_ada_has_two_pieces_in_hour_two() {
        // 27 October 2024: 03:00 becomes 02:00 again. 01:30 → 03:30 local is three hours.
        let stay = local_stay(Tz::Europe__Paris, (10, 27, 1, 30), (10, 27, 3, 30));
        assert_eq!(stay.end_ms - stay.start_ms, 3 * HOUR_MS);
        let pieces = split_hours(&[stay], Tz::Europe__Paris);
        assert_eq!(
            minutes_per_hour(&pieces),
            [(1, 30), (2, 60), (2, 60), (3, 30)]
        );
        assert_eq!(pieces[1].local_hour, pieces[2].local_hour);
        assert_eq!(pieces[2].hour_start_ms - pieces[1].hour_start_ms, HOUR_MS);
    }

    #[test]
    fn in_kolkata_hours_begin_at_half_past_the_utc_hour() {
        let stay = local_stay(Tz::Asia__Kolkata, (5, 1, 20, 15), (5, 1, 22, 0));
        let pieces = split_hours(&[stay], Tz::Asia__Kolkata);
        assert_eq!(minutes_per_hour(&pieces), [(20, 45), (21, 60)]);
        // 20:00 in Kolkata is 14:30 UTC.
        assert_eq!(pieces[0].hour_start_ms.rem_euclid(HOUR_MS), 30 * 60_000);
        let in_utc = split_hours(&[stay], Tz::UTC);
        assert_eq!(minutes_per_hour(&in_utc), [(14, 15), (15, 60), (16, 30)]);
    }

    #[test]
    fn in_kathmandu_hours_begin_at_a_quarter_past_the_utc_hour() {
        let stay = local_stay(Tz::Asia__Kathmandu, (5, 1, 23, 50), (5, 2, 0, 20));
        let pieces = split_hours(&[stay], Tz::Asia__Kathmandu);
        assert_eq!(minutes_per_hour(&pieces), [(23, 10), (0, 20)]);
        assert_eq!(pieces[0].local_day() + 1, pieces[1].local_day());
    }

    #[test]
    fn lord_howes_half_hour_change_cuts_the_stay_where_it_happens() {
        // 6 October 2024, Lord Howe Island: 02:00 (UTC+10:30) becomes 02:30 (UTC+11).
        let stay = local_stay(Tz::Australia__Lord_Howe, (10, 6, 1, 30), (10, 6, 3, 30));
        assert_eq!(stay.end_ms - stay.start_ms, 90 * 60_000);
        let pieces = split_hours(&[stay], Tz::Australia__Lord_Howe);
        assert_eq!(minutes_per_hour(&pieces), [(1, 30), (2, 30), (3, 30)]);
        // The hour 02:00 began when the clocks changed, at 02:30 local.
        assert_eq!(pieces[1].hour_start_ms, stay.start_ms + 30 * 60_000);
    }

    #[test]
    fn empty_and_inverted_stays_have_no_pieces() {
        let stay = VoiceStay {
            channel: 0,
            user: ADA,
            start_ms: 10,
            end_ms: 10,
        };
        let inverted = VoiceStay {
            channel: 0,
            start_ms: 20,
            ..stay
        };
        assert!(split_hours(&[stay, inverted], Tz::UTC).is_empty());
    }

    #[test]
    fn pieces_add_up_to_the_stays_in_every_zone() {
        let stays: Vec<VoiceStay> = (0..200_i64)
            .map(|i| VoiceStay {
                channel: 0,
                user: u64::try_from(i % 7).expect("small"),
                start_ms: 1_704_067_200_000 + i * 7_919_000 * 13,
                end_ms: 1_704_067_200_000 + i * 7_919_000 * 13 + (i % 11) * 1_234_567 + 1,
            })
            .collect();
        let total: i64 = stays.iter().map(VoiceStay::duration_ms).sum();
        for tz in [
            Tz::UTC,
            Tz::Europe__Paris,
            Tz::Asia__Kolkata,
            Tz::Australia__Lord_Howe,
            Tz::America__St_Johns,
        ] {
            let pieces = split_hours(&stays, tz);
            let sum: i64 = pieces.iter().map(|p| i64::from(p.ms)).sum();
            assert_eq!(sum, total, "{tz}");
            assert!(pieces
                .iter()
                .all(|p| p.ms > 0 && i64::from(p.ms) <= HOUR_MS));
        }
    }
}
