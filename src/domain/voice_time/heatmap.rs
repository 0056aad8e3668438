//! When the server is in voice: hours per month and local hour of day, and the same hours of
//! day for the members who spend the most time in voice.

use chrono::NaiveDate;

use super::calendar::{month_number, month_start};
use super::hour_table::HourView;
use super::members::{top_rows, MemberIndex};
use super::ms_to_hours;

/// How many members the chart shows.
pub const CHART_MEMBERS: usize = 20;

/// Voice hours by month × hour of day and by member × hour of day.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Heatmap {
    /// The months with time in voice, oldest first, each as its first day.
    pub months: Vec<NaiveDate>,
    /// Hours in each month (same order) at each local hour of day.
    pub month_hours: Vec<[f64; 24]>,
    /// The members with the most time in voice, most first (ties by member id).
    pub members: Vec<u64>,
    /// Hours of each of those members at each local hour of day.
    pub member_hours: Vec<[f64; 24]>,
}

/// The heatmap of `view`, with the `top_members` members with the most time.
#[must_use]
pub fn heatmap(view: &HourView<'_>, top_members: usize) -> Heatmap {
    let Some((first_day, last_day)) = view.day_range() else {
        return Heatmap::default();
    };
    let first_month = month_number(first_day);
    let month_count = usize::try_from(month_number(last_day) - first_month + 1).unwrap_or(0);
    // The month of every day in the range, looked up once: a calendar conversion per hour
    // would cost more than the rest of the chart.
    let day_months: Vec<usize> = (first_day..=last_day)
        .map(|day| usize::try_from(month_number(day) - first_month).unwrap_or(0))
        .collect();
    let mut month_ms = vec![[0_i64; 24]; month_count];
    let mut month_seen = vec![false; month_count];
    let mut members = MemberIndex::default();
    let mut member_ms: Vec<[i64; 24]> = vec![[0; 24]; view.members.len()];
    for (member, hours_of_day) in view.members.iter().zip(member_ms.iter_mut()) {
        members.row(member.user);
        for total in member.hours() {
            let day = usize::try_from(total.local_day() - first_day).unwrap_or(0);
            let month = day_months[day];
            let hour = total.hour_of_day();
            let ms = i64::from(total.ms);
            month_ms[month][hour] += ms;
            month_seen[month] = true;
            hours_of_day[hour] += ms;
        }
    }

    let mut map = Heatmap::default();
    for (offset, (hours, seen)) in (0_i64..).zip(month_ms.iter().zip(month_seen)) {
        if seen {
            map.months.push(month_start(first_month + offset));
            map.month_hours.push(hours.map(ms_to_hours));
        }
    }
    let totals: Vec<i64> = member_ms.iter().map(|hours| hours.iter().sum()).collect();
    for row in top_rows(&members, &totals, top_members) {
        map.members.push(members.id(row));
        map.member_hours.push(member_ms[row].map(ms_to_hours));
    }
    map
}

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::super::calendar::DAY_MS;
    use super::super::hour_table::HourTable;
    use super::super::VoiceStay;
    use super::*;

    const ADA: u64 = 1;
    const BOB: u64 = 2;

    /// Monday 1 January 2024.
    const JAN_1: i64 = 19_723;

    fn stay(user: u64, day: i64, hour: i64, minutes: i64) -> VoiceStay {
        let start_ms = day * DAY_MS + hour * 3_600_000;
        VoiceStay {
            channel: 0,
            user,
            start_ms,
            end_ms: start_ms + minutes * 60_000,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid")
    }

    #[test]
    fn january_and_march_evenings_skip_an_empty_february() {
        let stays = [
            stay(ADA, JAN_1, 20, 90),      // 20:00-21:30, 1 January
            stay(BOB, JAN_1 + 60, 21, 30), // 1 March
        ];
        let map = heatmap(
            &HourTable::from_stays(&stays, Tz::UTC).everything(),
            CHART_MEMBERS,
        );
        assert_eq!(map.months, [date(2024, 1, 1), date(2024, 3, 1)]);
        assert!((map.month_hours[0][20] - 1.0).abs() < 1e-12);
        assert!((map.month_hours[0][21] - 0.5).abs() < 1e-12);
        assert!((map.month_hours[1][21] - 0.5).abs() < 1e-12);
        assert_eq!(map.members, [ADA, BOB]);
        assert!((map.member_hours[1][21] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn new_years_eve_in_utc_is_new_years_day_in_paris() {
        let stays = [stay(ADA, JAN_1 - 1, 23, 30)]; // 31 Dec 23:00 UTC = 1 Jan 00:00 Paris
        let utc = heatmap(&HourTable::from_stays(&stays, Tz::UTC).everything(), 1);
        let paris = heatmap(
            &HourTable::from_stays(&stays, Tz::Europe__Paris).everything(),
            1,
        );
        assert_eq!(utc.months, [date(2023, 12, 1)]);
        assert!((utc.month_hours[0][23] - 0.5).abs() < 1e-12);
        assert_eq!(paris.months, [date(2024, 1, 1)]);
        assert!((paris.month_hours[0][0] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn only_the_top_members_get_a_row() {
        let stays = [stay(ADA, JAN_1, 20, 30), stay(BOB, JAN_1, 20, 60)];
        let map = heatmap(&HourTable::from_stays(&stays, Tz::UTC).everything(), 1);
        assert_eq!(map.members, [BOB]);
        assert_eq!(heatmap(&HourView::default(), 5), Heatmap::default());
    }
}
