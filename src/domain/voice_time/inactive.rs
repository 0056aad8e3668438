//! Members going quiet: who was in voice regularly over the previous two months and has almost
//! stopped in the last two weeks.
//!
//! Both windows are whole local days ending with today: the recent one is the last
//! [`InactiveRule::recent_days`] days, today included; the previous one is the
//! [`InactiveRule::previous_days`] before it, clipped to the first day with data, so a server
//! tracked for a month is compared with what it has. Time is compared as average hours per day
//! of each window. A member is flagged when the previous rate was at least
//! [`InactiveRule::min_previous_hours_per_day`] (they were a regular, not a passer-by) and the
//! recent rate is at most [`InactiveRule::max_ratio`] of it. Both bounds are inclusive.

use super::hour_table::HourView;
use super::ms_to_hours;

/// The thresholds of the rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InactiveRule {
    /// Days in the recent window, today included.
    pub recent_days: u32,
    /// Days in the previous window, before the recent one (fewer if data starts later).
    pub previous_days: u32,
    /// The least average hours per day in the previous window for a member to be a regular.
    pub min_previous_hours_per_day: f64,
    /// The largest recent rate, as a share of the previous rate, that counts as gone quiet.
    pub max_ratio: f64,
}

impl Default for InactiveRule {
    /// Two weeks against the two months before, a regular being 15 minutes a day or more, quiet
    /// being 30% of that or less.
    fn default() -> Self {
        Self {
            recent_days: 14,
            previous_days: 60,
            min_previous_hours_per_day: 0.25,
            max_ratio: 0.3,
        }
    }
}

/// A member flagged by the rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InactiveMember {
    /// Who.
    pub user: u64,
    /// Average hours per day in the previous window.
    pub previous_hours_per_day: f64,
    /// Average hours per day in the recent window.
    pub recent_hours_per_day: f64,
    /// When they were last in voice (unix ms): the end of their last stay.
    pub last_seen_ms: i64,
}

impl InactiveMember {
    /// How much of their previous rate is gone: 1 for a member who stopped entirely.
    #[must_use]
    pub fn drop(&self) -> f64 {
        1.0 - self.recent_hours_per_day / self.previous_hours_per_day
    }
}

/// The flagged members and the windows they were measured over.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InactiveReport {
    /// Flagged members, largest drop first, then largest previous rate, then member id.
    pub members: Vec<InactiveMember>,
    /// Days in the recent window.
    pub recent_days: i64,
    /// Days in the previous window after clipping; 0 when data starts within the recent window
    /// (then nobody is flagged).
    pub previous_days: i64,
}

/// Applies `rule` to every member of `view`, today being local day `today` (see
/// [`super::clock::local_day`]); the first day of data is the view's first.
#[must_use]
pub fn inactive_members(view: &HourView<'_>, rule: &InactiveRule, today: i64) -> InactiveReport {
    let recent_days = i64::from(rule.recent_days);
    let Some((first_day, _)) = view.day_range() else {
        return InactiveReport {
            recent_days,
            ..InactiveReport::default()
        };
    };
    let recent_start = today + 1 - recent_days;
    let previous_start = first_day.max(recent_start - i64::from(rule.previous_days));
    let previous_days = recent_start - previous_start;
    if previous_days <= 0 {
        return InactiveReport {
            members: Vec::new(),
            recent_days,
            previous_days: 0,
        };
    }

    let mut previous = vec![0_i64; view.members.len()];
    let mut recent = vec![0_i64; view.members.len()];
    for (row, member) in view.members.iter().enumerate() {
        for total in member.hours() {
            let day = total.local_day();
            if day < previous_start || day > today {
                continue;
            }
            if day >= recent_start {
                recent[row] += i64::from(total.ms);
            } else {
                previous[row] += i64::from(total.ms);
            }
        }
    }

    // Rates are computed as the reference does (hours, then per day) so that members on the
    // threshold fall on the same side.
    #[expect(
        clippy::cast_precision_loss,
        reason = "day counts are small integers, exact in f64"
    )]
    let (previous_len, recent_len) = (previous_days as f64, recent_days as f64);
    let mut flagged: Vec<InactiveMember> = (0..view.members.len())
        .filter_map(|row| {
            let previous_rate = ms_to_hours(previous[row]) / previous_len;
            let recent_rate = ms_to_hours(recent[row]) / recent_len;
            let regular = previous_rate >= rule.min_previous_hours_per_day;
            let quiet = recent_rate <= rule.max_ratio * previous_rate;
            (regular && quiet).then(|| InactiveMember {
                user: view.members[row].user,
                previous_hours_per_day: previous_rate,
                recent_hours_per_day: recent_rate,
                last_seen_ms: view.members[row].last_seen_ms,
            })
        })
        .collect();
    flagged.sort_by(|a, b| {
        b.drop()
            .total_cmp(&a.drop())
            .then_with(|| {
                b.previous_hours_per_day
                    .total_cmp(&a.previous_hours_per_day)
            })
            .then_with(|| a.user.cmp(&b.user))
    });

    InactiveReport {
        members: flagged,
        recent_days,
        previous_days,
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
    const DEE: u64 = 4;

    /// Day 19,723 is Monday 1 January 2024; "today" in these scenarios is 100 days later.
    const FIRST: i64 = 19_723;
    const TODAY: i64 = FIRST + 100;

    /// `minutes` in voice starting at 20:00 UTC on day `day`.
    fn evening(user: u64, day: i64, minutes: i64) -> VoiceStay {
        let start_ms = day * DAY_MS + 20 * 3_600_000;
        VoiceStay {
            channel: 0,
            user,
            start_ms,
            end_ms: start_ms + minutes * 60_000,
        }
    }

    /// `minutes` every day from `from` to `to` inclusive.
    fn every_day(user: u64, from: i64, to: i64, minutes: i64) -> Vec<VoiceStay> {
        (from..=to).map(|day| evening(user, day, minutes)).collect()
    }

    fn report(stays: &[VoiceStay], today: i64) -> InactiveReport {
        let table = HourTable::from_stays(stays, Tz::UTC);
        inactive_members(&table.everything(), &InactiveRule::default(), today)
    }

    fn flagged(stays: &[VoiceStay], today: i64) -> Vec<u64> {
        report(stays, today)
            .members
            .iter()
            .map(|m| m.user)
            .collect()
    }

    #[test]
    fn ada_who_stopped_two_weeks_ago_is_flagged_and_last_seen_then() {
        let stays = every_day(ADA, FIRST, TODAY - 14, 60);
        let report = report(&stays, TODAY);
        assert_eq!(report.previous_days, 60);
        let [ada] = report.members.as_slice() else {
            panic!("one member expected: {report:?}");
        };
        assert_eq!(ada.user, ADA);
        assert!((ada.previous_hours_per_day - 1.0).abs() < 1e-12);
        assert!(ada.recent_hours_per_day.abs() < f64::EPSILON);
        assert!((ada.drop() - 1.0).abs() < f64::EPSILON);
        assert_eq!(ada.last_seen_ms, evening(ADA, TODAY - 14, 60).end_ms);
    }

    #[test]
    fn a_regular_who_keeps_playing_is_not_flagged() {
        let stays = every_day(BOB, FIRST, TODAY, 45);
        assert!(flagged(&stays, TODAY).is_empty());
    }

    #[test]
    fn the_bounds_are_inclusive_15_minutes_a_day_and_30_percent() {
        // Ada: 15 min a day for the previous 60 days (0.25 h/day), then 63 min over 14 days
        // (0.075 h/day, exactly 30%). Bob: the same with 64 min, just above 30%.
        let mut stays = every_day(ADA, TODAY - 73, TODAY - 14, 15);
        stays.push(evening(ADA, TODAY - 3, 63));
        stays.extend(every_day(BOB, TODAY - 73, TODAY - 14, 15));
        stays.push(evening(BOB, TODAY - 3, 64));
        assert_eq!(flagged(&stays, TODAY), [ADA]);
    }

    #[test]
    fn fourteen_minutes_a_day_was_never_a_regular() {
        let stays = every_day(CY, FIRST, TODAY - 14, 14);
        assert!(flagged(&stays, TODAY).is_empty());
    }

    #[test]
    fn the_previous_window_is_clipped_to_the_first_day_of_data() {
        // Data starts 20 days before today: 6 previous days. Dee played 2 hours a day on them.
        let stays = every_day(DEE, TODAY - 19, TODAY - 14, 120);
        let report = report(&stays, TODAY);
        assert_eq!(report.previous_days, 6);
        assert_eq!(report.members.len(), 1);
        assert!((report.members[0].previous_hours_per_day - 2.0).abs() < 1e-12);
    }

    #[test]
    fn data_younger_than_the_recent_window_flags_nobody() {
        let stays = every_day(ADA, TODAY - 13, TODAY - 10, 120);
        let report = report(&stays, TODAY);
        assert_eq!(report.previous_days, 0);
        assert!(report.members.is_empty());
        assert!(flagged(&[], TODAY).is_empty());
    }

    #[test]
    fn time_before_the_previous_window_does_not_count() {
        // Cy played a lot 80 days ago, then nothing: the previous window (60 days) is empty.
        let stays = every_day(CY, FIRST, FIRST + 10, 300);
        assert!(flagged(&stays, TODAY).is_empty());
    }

    #[test]
    fn the_biggest_drop_comes_first_then_the_biggest_regular() {
        let mut stays = every_day(ADA, FIRST, TODAY - 14, 60); // drop 1, 1 h/day
        stays.extend(every_day(BOB, FIRST, TODAY - 14, 120)); // drop 1, 2 h/day
        stays.extend(every_day(CY, FIRST, TODAY, 60)); // not flagged
        stays.extend(every_day(DEE, FIRST, TODAY - 14, 60)); // drop < 1
        stays.push(evening(DEE, TODAY, 30));
        assert_eq!(flagged(&stays, TODAY), [BOB, ADA, DEE]);
    }
}
