//! A member's usual week: the hours they play on each day, on their own clock.

use chrono::{DateTime, Datelike as _, Timelike as _, Utc, Weekday};
use chrono_tz::Tz;

/// Bits 0 to 23 of a day's mask: every hour of the day.
const WHOLE_DAY: u32 = (1 << 24) - 1;

/// The hours a member usually plays, per day of the week, on their own clock.
///
/// Kept in the member's local time rather than in UTC, so "Mondays at 20:00" stays 20:00 for them
/// when their clocks change, whatever the guild's clock does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct WeeklySchedule {
    /// Per day, Monday first: bit `h` set when the member plays in the hour starting at `h`:00.
    hours: [u32; 7],
}

impl WeeklySchedule {
    /// A schedule with no hour.
    #[must_use]
    pub const fn new() -> Self {
        Self { hours: [0; 7] }
    }

    /// Adds the hour starting at `hour`:00 on `day`.
    ///
    /// # Errors
    /// A sentence when `hour` is not 0 to 23 (only a forged menu choice has one).
    pub fn set(&mut self, day: Weekday, hour: u8) -> Result<(), String> {
        let bit = hour_bit(hour)?;
        self.hours[day_index(day)] |= bit;
        Ok(())
    }

    /// Removes the hour starting at `hour`:00 on `day`; an hour out of range is not in the
    /// schedule anyway.
    pub fn clear(&mut self, day: Weekday, hour: u8) {
        if let Ok(bit) = hour_bit(hour) {
            self.hours[day_index(day)] &= !bit;
        }
    }

    /// Replaces `day`'s hours with `hours`, as a day's menu does when submitted.
    ///
    /// # Errors
    /// A sentence when an hour is not 0 to 23; the schedule is then unchanged.
    pub fn set_day(
        &mut self,
        day: Weekday,
        hours: impl IntoIterator<Item = u8>,
    ) -> Result<(), String> {
        let mut mask = 0;
        for hour in hours {
            mask |= hour_bit(hour)?;
        }
        self.hours[day_index(day)] = mask;
        Ok(())
    }

    /// Whether the member plays in the hour starting at `hour`:00 on `day`.
    #[must_use]
    pub fn contains(&self, day: Weekday, hour: u8) -> bool {
        hour_bit(hour).is_ok_and(|bit| self.hours[day_index(day)] & bit != 0)
    }

    /// The hours of `day`, in order.
    pub fn hours_of(&self, day: Weekday) -> impl Iterator<Item = u8> + '_ {
        let mask = self.hours[day_index(day)];
        (0..24u8).filter(move |hour| mask & (1 << hour) != 0)
    }

    /// Whether no hour is set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.hours.iter().all(|&mask| mask == 0)
    }

    /// Whether the member, whose clock is `tz`, usually plays at `instant`: the day and hour it
    /// is for them then.
    #[must_use]
    pub fn covers(&self, tz: Tz, instant: DateTime<Utc>) -> bool {
        let local = instant.with_timezone(&tz);
        u8::try_from(local.hour()).is_ok_and(|hour| self.contains(local.weekday(), hour))
    }

    /// The stored form: one `(day, hour)` pair per hour played, day 0 Monday to 6 Sunday, in
    /// order.
    #[must_use]
    pub fn to_pairs(&self) -> Vec<(u8, u8)> {
        (0..7u8)
            .flat_map(|day| {
                let mask = self.hours[usize::from(day)];
                (0..24u8)
                    .filter(move |hour| mask & (1 << hour) != 0)
                    .map(move |hour| (day, hour))
            })
            .collect()
    }

    /// A schedule back from stored or submitted pairs.
    ///
    /// # Errors
    /// A sentence when a day is not 0 to 6 or an hour not 0 to 23: a damaged or forged value
    /// changes nothing.
    pub fn from_pairs(pairs: &[(u8, u8)]) -> Result<Self, String> {
        let mut schedule = Self::new();
        for &(day, hour) in pairs {
            let day = weekday(day)?;
            schedule.set(day, hour)?;
        }
        Ok(schedule)
    }

    /// The compact stored form: one 24-bit mask per day, Monday first.
    #[must_use]
    pub const fn to_masks(&self) -> [u32; 7] {
        self.hours
    }

    /// A schedule back from per-day masks.
    ///
    /// # Errors
    /// A sentence when a mask has a bit past hour 23.
    pub fn from_masks(masks: [u32; 7]) -> Result<Self, String> {
        if masks.iter().any(|&mask| mask & !WHOLE_DAY != 0) {
            return Err(NOT_AN_HOUR.to_owned());
        }
        Ok(Self { hours: masks })
    }
}

/// The refusal for an hour out of range.
const NOT_AN_HOUR: &str = "That is not an hour of the day; hours go from 0 to 23.";

fn hour_bit(hour: u8) -> Result<u32, String> {
    if hour < 24 {
        Ok(1 << hour)
    } else {
        Err(NOT_AN_HOUR.to_owned())
    }
}

fn day_index(day: Weekday) -> usize {
    day.num_days_from_monday() as usize
}

/// The day a stored number stands for, 0 Monday to 6 Sunday.
fn weekday(day: u8) -> Result<Weekday, String> {
    Weekday::try_from(day).map_err(|_| "That is not a day of the week.".to_owned())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid instant")
    }

    fn mondays_at_eight_pm() -> WeeklySchedule {
        let mut schedule = WeeklySchedule::new();
        schedule.set(Weekday::Mon, 20).expect("valid hour");
        schedule
    }

    #[test]
    fn set_clear_and_contains_work_per_day_and_hour() {
        let mut schedule = mondays_at_eight_pm();
        schedule.set(Weekday::Sun, 0).expect("valid");
        schedule.set(Weekday::Sun, 23).expect("valid");
        assert!(schedule.contains(Weekday::Mon, 20));
        assert!(!schedule.contains(Weekday::Tue, 20));
        assert!(schedule.contains(Weekday::Sun, 23));
        assert_eq!(schedule.hours_of(Weekday::Sun).collect::<Vec<_>>(), [0, 23]);
        schedule.clear(Weekday::Mon, 20);
        schedule.clear(Weekday::Mon, 99);
        assert!(!schedule.contains(Weekday::Mon, 20));
        assert!(!schedule.contains(Weekday::Mon, 99));
        schedule.set_day(Weekday::Sun, []).expect("valid");
        assert!(schedule.is_empty());
    }

    #[test]
    fn a_new_york_members_monday_evening_stays_at_eight_pm_across_daylight_saving() {
        let schedule = mondays_at_eight_pm();
        let new_york = Tz::America__New_York;
        // 20:30 on Monday 12 January (EST, UTC-5) and on Monday 13 July (EDT, UTC-4).
        assert!(schedule.covers(new_york, utc(2026, 1, 13, 1, 30)));
        assert!(schedule.covers(new_york, utc(2026, 7, 14, 0, 30)));
        // The same UTC hours in the other season are 19:30 and 21:30 for them.
        assert!(!schedule.covers(new_york, utc(2026, 7, 14, 1, 30)));
        assert!(!schedule.covers(new_york, utc(2026, 1, 13, 0, 30)));
        // The same instant is Tuesday morning in Paris.
        assert!(!schedule.covers(Tz::Europe__Paris, utc(2026, 1, 13, 1, 30)));
    }

    #[test]
    fn a_half_hour_zone_reads_the_instant_on_its_own_clock() {
        let schedule = mondays_at_eight_pm();
        // 20:00 to 21:00 on Monday 6 July in Kolkata is 14:30 to 15:30 UTC.
        assert!(!schedule.covers(Tz::Asia__Kolkata, utc(2026, 7, 6, 14, 29)));
        assert!(schedule.covers(Tz::Asia__Kolkata, utc(2026, 7, 6, 14, 30)));
        assert!(schedule.covers(Tz::Asia__Kolkata, utc(2026, 7, 6, 15, 29)));
        assert!(!schedule.covers(Tz::Asia__Kolkata, utc(2026, 7, 6, 15, 30)));
    }

    #[test]
    fn the_stored_pairs_and_masks_round_trip() {
        let mut schedule = mondays_at_eight_pm();
        schedule.set_day(Weekday::Sat, [21, 14, 22]).expect("valid");
        let pairs = schedule.to_pairs();
        assert_eq!(pairs, [(0, 20), (5, 14), (5, 21), (5, 22)]);
        assert_eq!(WeeklySchedule::from_pairs(&pairs), Ok(schedule));
        assert_eq!(
            WeeklySchedule::from_masks(schedule.to_masks()),
            Ok(schedule)
        );
    }

    #[test]
    fn forged_days_and_hours_are_refused_and_change_nothing() {
        assert!(WeeklySchedule::from_pairs(&[(7, 20)]).is_err());
        assert!(WeeklySchedule::from_pairs(&[(0, 24)]).is_err());
        assert!(WeeklySchedule::from_pairs(&[(0, 20), (255, 255)]).is_err());
        let mut schedule = WeeklySchedule::new();
        assert!(schedule.set(Weekday::Mon, 24).is_err());
        let mut kept = mondays_at_eight_pm();
        assert!(kept.set_day(Weekday::Mon, [21, 24]).is_err());
        assert_eq!(kept, mondays_at_eight_pm());
        assert!(schedule.is_empty());
        assert!(WeeklySchedule::from_masks([1 << 24, 0, 0, 0, 0, 0, 0]).is_err());
        assert!(WeeklySchedule::from_masks([WHOLE_DAY; 7]).is_ok());
    }
}
