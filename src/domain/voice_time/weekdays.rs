//! Voice by day of the week: on an average Monday, Tuesday… how many hours did the community
//! spend in voice?
//!
//! Each weekday's total is divided by how many of that weekday the calendar has from the first
//! to the last day with data (both included), whether anyone was in voice on them or not: a
//! quiet Monday lowers the Monday average.

use super::calendar::weekday_index;
use super::hour_table::HourView;
use super::ms_to_hours;

/// Community voice by local weekday, Monday first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WeekdayHours {
    /// Total hours on each weekday.
    pub total_hours: [f64; 7],
    /// How many of each weekday lie from the first to the last day with data.
    pub days: [u32; 7],
    /// Average hours per such day (0 for a weekday the period does not contain).
    pub average_hours: [f64; 7],
}

/// Hours per local weekday over the days from the first to the last with time in `view`.
#[must_use]
pub fn weekday_hours(view: &HourView<'_>) -> WeekdayHours {
    let mut total_ms = [0_i64; 7];
    for member in &view.members {
        for total in member.hours() {
            total_ms[weekday_index(total.local_day())] += i64::from(total.ms);
        }
    }
    let mut days = [0_u32; 7];
    if let Some((first, last)) = view.day_range() {
        let span = last - first + 1;
        for (offset, count) in (0..7).zip(days.iter_mut()) {
            // Days first + offset, first + offset + 7, … up to last.
            *count = u32::try_from((span - offset + 6).div_euclid(7).max(0)).unwrap_or(0);
        }
        days.rotate_right(weekday_index(first));
    }
    let total_hours = total_ms.map(ms_to_hours);
    let mut average_hours = [0.0; 7];
    for ((average, total), count) in average_hours.iter_mut().zip(total_hours).zip(days) {
        *average = total / f64::from(count.max(1));
    }
    WeekdayHours {
        total_hours,
        days,
        average_hours,
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::super::calendar::DAY_MS;
    use super::super::hour_table::HourTable;
    use super::super::VoiceStay;
    use super::*;

    /// Monday 1 January 2024.
    const MONDAY: i64 = 19_723;

    fn stay(user: u64, day: i64, hour: i64, minutes: i64) -> VoiceStay {
        let start_ms = day * DAY_MS + hour * 3_600_000;
        VoiceStay {
            channel: 0,
            user,
            start_ms,
            end_ms: start_ms + minutes * 60_000,
        }
    }

    #[test]
    fn two_mondays_and_a_quiet_one_average_over_three() {
        // Monday 1 to Monday 15 January: three Mondays, two of each other weekday.
        let stays = [
            stay(1, MONDAY, 20, 120),
            stay(2, MONDAY + 7, 20, 60),
            stay(1, MONDAY + 14, 20, 0),
            stay(2, MONDAY + 14, 1, 1),
            stay(1, MONDAY + 5, 21, 90), // Saturday
        ];
        let week = weekday_hours(&HourTable::from_stays(&stays, Tz::UTC).everything());
        assert_eq!(week.days, [3, 2, 2, 2, 2, 2, 2]);
        assert!((week.total_hours[0] - (3.0 + 1.0 / 60.0)).abs() < 1e-12);
        assert!((week.average_hours[0] - (3.0 + 1.0 / 60.0) / 3.0).abs() < 1e-12);
        assert!((week.average_hours[5] - 0.75).abs() < 1e-12);
        assert!(week.average_hours[2].abs() < f64::EPSILON);
    }

    #[test]
    fn sunday_evening_in_utc_is_monday_morning_in_tokyo() {
        let stays = [stay(1, MONDAY + 6, 20, 60)]; // Sunday 20:00 UTC = Monday 05:00 JST
        let utc = weekday_hours(&HourTable::from_stays(&stays, Tz::UTC).everything());
        let tokyo = weekday_hours(&HourTable::from_stays(&stays, Tz::Asia__Tokyo).everything());
        assert!((utc.total_hours[6] - 1.0).abs() < 1e-12);
        assert!((tokyo.total_hours[0] - 1.0).abs() < 1e-12);
        assert_eq!(tokyo.days, [1, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn no_pieces_no_days() {
        let week = weekday_hours(&HourView::default());
        assert_eq!(week.days, [0; 7]);
        assert!(week.average_hours.iter().all(|h| h.abs() < f64::EPSILON));
    }
}
