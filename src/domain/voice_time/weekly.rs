//! The weekly timeline: hours in voice per week for the members with the most time, and for
//! the whole community.
//!
//! Weeks are counted from the first local day with data, not from Mondays: week 0 is that day
//! and the six after it, so every week but the last is complete.

use chrono::NaiveDate;

use super::calendar::date;
use super::hour_table::HourView;
use super::members::{top_rows, MemberIndex};
use super::ms_to_hours;

/// How many members the chart draws a line for.
pub const CHART_MEMBERS: usize = 10;

/// Hours per week.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WeeklyTimeline {
    /// The first day of each week, the first being the first day with data.
    pub weeks: Vec<NaiveDate>,
    /// The members with the most time in voice, most first (ties by member id).
    pub members: Vec<u64>,
    /// Each of those members' hours in each week.
    pub member_hours: Vec<Vec<f64>>,
    /// Everyone's hours in each week, those members included.
    pub community_hours: Vec<f64>,
}

/// The weekly timeline of `view`, with a line for each of the `top_members` members with the
/// most time.
#[must_use]
pub fn weekly_timeline(view: &HourView<'_>, top_members: usize) -> WeeklyTimeline {
    let Some((first_day, last_day)) = view.day_range() else {
        return WeeklyTimeline::default();
    };
    let weeks = usize::try_from((last_day - first_day).div_euclid(7) + 1).unwrap_or(0);
    let mut members = MemberIndex::default();
    // One row of weeks per member, end to end: a few thousand members × 53 weeks.
    let mut grid: Vec<i64> = vec![0; view.members.len() * weeks];
    let mut community = vec![0_i64; weeks];
    for (member, row) in view.members.iter().zip(grid.chunks_mut(weeks)) {
        members.row(member.user);
        for total in member.hours() {
            let week = usize::try_from((total.local_day() - first_day).div_euclid(7)).unwrap_or(0);
            let ms = i64::from(total.ms);
            row[week] += ms;
            community[week] += ms;
        }
    }
    let totals: Vec<i64> = grid.chunks(weeks).map(|row| row.iter().sum()).collect();
    let ranked = top_rows(&members, &totals, top_members);
    WeeklyTimeline {
        weeks: (0_i64..)
            .take(weeks)
            .map(|week| date(first_day + 7 * week))
            .collect(),
        members: ranked.iter().map(|&row| members.id(row)).collect(),
        member_hours: ranked
            .iter()
            .map(|&row| {
                grid[row * weeks..(row + 1) * weeks]
                    .iter()
                    .map(|&ms| ms_to_hours(ms))
                    .collect()
            })
            .collect(),
        community_hours: community.into_iter().map(ms_to_hours).collect(),
    }
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
    const CY: u64 = 3;

    /// Wednesday 3 January 2024.
    const WEDNESDAY: i64 = 19_725;

    fn stay(user: u64, day: i64, minutes: i64) -> VoiceStay {
        let start_ms = day * DAY_MS + 20 * 3_600_000;
        VoiceStay {
            channel: 0,
            user,
            start_ms,
            end_ms: start_ms + minutes * 60_000,
        }
    }

    #[test]
    fn weeks_start_on_the_first_day_with_data_whatever_its_weekday() {
        let stays = [
            stay(ADA, WEDNESDAY, 60),
            stay(BOB, WEDNESDAY + 6, 120), // Tuesday: still week 0
            stay(ADA, WEDNESDAY + 7, 30),  // Wednesday: week 1
            stay(CY, WEDNESDAY + 15, 15),  // week 2
        ];
        let timeline = weekly_timeline(&HourTable::from_stays(&stays, Tz::UTC).everything(), 2);
        let day = |d| NaiveDate::from_ymd_opt(2024, 1, d).expect("valid");
        assert_eq!(timeline.weeks, [day(3), day(10), day(17)]);
        assert_eq!(timeline.members, [BOB, ADA]);
        assert_eq!(timeline.member_hours[0], [2.0, 0.0, 0.0]);
        assert_eq!(timeline.member_hours[1], [1.0, 0.5, 0.0]);
        assert_eq!(timeline.community_hours, [3.0, 0.5, 0.25]);
    }

    #[test]
    fn no_pieces_no_weeks() {
        assert_eq!(
            weekly_timeline(&HourView::default(), 10),
            WeeklyTimeline::default()
        );
    }
}
