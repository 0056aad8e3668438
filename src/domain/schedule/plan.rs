//! When a guild's daily post goes out and which instants its hours cover, on the guild's clock.

use chrono::{DateTime, Datelike as _, Days, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;

use super::local::resolve_local;
use super::post_time::PostTime;
use super::weekdays::Weekdays;
use super::window::HourWindow;

/// A guild's daily post: made at `time` on `weekdays` on the clock of `tz`, listing the hours of
/// `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PostPlan {
    /// The guild's clock.
    pub tz: Tz,
    /// When the post goes out, on that clock.
    pub time: PostTime,
    /// The days it goes out on, on that clock.
    pub weekdays: Weekdays,
    /// The hours it lists.
    pub window: HourWindow,
}

/// One hour of a posting day's window, as an interval of real time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The hour's place in the window, from 0: it picks the reaction letter, so it stays the same
    /// when an earlier hour is skipped.
    pub index: usize,
    /// The hour on the guild's clock, 0 to 23.
    pub local_hour: u8,
    /// When the hour starts.
    pub starts_at: DateTime<Utc>,
    /// When the next listed hour starts, or the window closes: usually an hour later, longer when
    /// clocks go back inside it, shorter when they jump forward half an hour.
    pub ends_at: DateTime<Utc>,
}

impl Slot {
    /// Whether `instant` falls in the hour (its start included, its end not).
    #[must_use]
    pub fn contains(&self, instant: DateTime<Utc>) -> bool {
        self.starts_at <= instant && instant < self.ends_at
    }
}

/// How many days [`PostPlan::next_post`] looks through, from yesterday on the guild's clock:
/// every weekday comes round again whatever the clocks do.
const SCAN_DAYS: usize = 10;

impl PostPlan {
    /// When the post of `day` (a date on the guild's clock) goes out.
    #[must_use]
    pub fn post_instant(&self, day: NaiveDate) -> DateTime<Utc> {
        resolve_local(self.tz, day.and_time(self.time.time()))
    }

    /// Today's date on the guild's clock, if today is a posting day and its post time has come.
    ///
    /// Checked at start-up and on every tick: a post whose time has passed today and was not
    /// made yet is made then, once (the caller records the date it posted for). A post missed on
    /// an earlier day is not made late: its hours are over or nearly.
    #[must_use]
    pub fn due_today(&self, now: DateTime<Utc>) -> Option<NaiveDate> {
        let today = now.with_timezone(&self.tz).date_naive();
        (self.weekdays.contains(today.weekday()) && self.post_instant(today) <= now)
            .then_some(today)
    }

    /// The first post instant strictly after `now`.
    #[must_use]
    pub fn next_post(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = now.with_timezone(&self.tz).date_naive();
        let start = today.pred_opt().unwrap_or(today);
        start
            .iter_days()
            .take(SCAN_DAYS)
            .filter(|day| self.weekdays.contains(day.weekday()))
            .map(|day| self.post_instant(day))
            .find(|&instant| instant > now)
            // Unreachable: the scan covers every weekday at least once after today, and a
            // Weekdays set is never empty. A week later is the safe answer regardless.
            .unwrap_or(now + TimeDelta::days(7))
    }

    /// The hours of `day`'s window as intervals of real time, in order.
    ///
    /// Hours before the start hour belong to the next day when the window wraps past midnight.
    /// An hour that does not exist that day (clocks jump over it) is left out; its neighbours keep
    /// their index. An hour that happens twice (clocks go back) appears once, from its first
    /// start, and lasts until the next listed hour, so it covers both passes.
    #[must_use]
    pub fn slots(&self, day: NaiveDate) -> Vec<Slot> {
        // Boundary i is the start of hour i; the last boundary is when the window closes.
        let boundaries: Vec<DateTime<Utc>> = (0..=self.window.hours())
            .map(|i| {
                let hour = self.window.start() + i;
                let date = if hour >= 24 {
                    day.checked_add_days(Days::new(1)).unwrap_or(day)
                } else {
                    day
                };
                let time =
                    NaiveTime::from_hms_opt(u32::from(hour % 24), 0, 0).unwrap_or(NaiveTime::MIN);
                resolve_local(self.tz, date.and_time(time))
            })
            .collect();
        self.window
            .local_hours()
            .zip(boundaries.windows(2))
            .enumerate()
            // A skipped hour resolves to the same instant as the hour after it.
            .filter(|(_, (_, pair))| pair[0] < pair[1])
            .map(|(index, (local_hour, pair))| Slot {
                index,
                local_hour,
                starts_at: pair[0],
                ends_at: pair[1],
            })
            .collect()
    }

    /// The index of `day`'s hour containing `instant`, or `None` outside the window.
    #[must_use]
    pub fn slot_at(&self, day: NaiveDate, instant: DateTime<Utc>) -> Option<usize> {
        self.slots(day)
            .iter()
            .find(|slot| slot.contains(instant))
            .map(|slot| slot.index)
    }

    /// The posting day and hour index `now` falls in, if any: where someone joining voice now is
    /// added. With a window past midnight, the early hours belong to yesterday's post.
    #[must_use]
    pub fn current_slot(&self, now: DateTime<Utc>) -> Option<(NaiveDate, usize)> {
        let today = now.with_timezone(&self.tz).date_naive();
        [today.pred_opt(), Some(today)]
            .into_iter()
            .flatten()
            .filter(|day| self.weekdays.contains(day.weekday()))
            .find_map(|day| self.slot_at(day, now).map(|index| (day, index)))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDateTime, TimeZone as _};

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid instant")
    }

    fn on_clock(tz: Tz, instant: DateTime<Utc>) -> NaiveDateTime {
        instant.with_timezone(&tz).naive_local()
    }

    fn plan(tz: Tz, time: &str, days: &str, start: u8, end: u8) -> PostPlan {
        PostPlan {
            tz,
            time: PostTime::parse(time).expect("valid time"),
            weekdays: Weekdays::parse(days).expect("valid days"),
            window: HourWindow::from_start_end(start, end).expect("valid window"),
        }
    }

    /// Runs the bot's tick once a minute from `from` to `to`, posting whenever a post is due for
    /// a day not posted yet, and returns when each post went out.
    fn posts_made(plan: &PostPlan, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let mut posted: Option<NaiveDate> = None;
        let mut made = Vec::new();
        let mut now = from;
        while now <= to {
            if let Some(day) = plan.due_today(now) {
                if posted != Some(day) {
                    posted = Some(day);
                    made.push(now);
                }
            }
            now += TimeDelta::minutes(1);
        }
        made
    }

    fn hours_and_starts(slots: &[Slot]) -> Vec<(usize, u8, DateTime<Utc>)> {
        slots
            .iter()
            .map(|slot| (slot.index, slot.local_hour, slot.starts_at))
            .collect()
    }

    #[test]
    fn the_paris_post_goes_out_at_21_local_on_both_sides_of_the_spring_change() {
        let paris = plan(Tz::Europe__Paris, "21:00", "every day", 15, 2);
        // Clocks go forward on Sunday 29 March 2026: UTC+1 before, UTC+2 after.
        assert_eq!(
            plan_instant(&paris, date(2026, 3, 28)),
            utc(2026, 3, 28, 20, 0)
        );
        assert_eq!(
            plan_instant(&paris, date(2026, 3, 29)),
            utc(2026, 3, 29, 19, 0)
        );
        assert_eq!(
            posts_made(&paris, utc(2026, 3, 28, 0, 0), utc(2026, 3, 29, 23, 59)),
            [utc(2026, 3, 28, 20, 0), utc(2026, 3, 29, 19, 0)]
        );
    }

    fn plan_instant(plan: &PostPlan, day: NaiveDate) -> DateTime<Utc> {
        let instant = plan.post_instant(day);
        assert_eq!(on_clock(plan.tz, instant).date(), day);
        instant
    }

    #[test]
    fn the_paris_post_goes_out_at_21_local_on_both_sides_of_the_autumn_change() {
        let paris = plan(Tz::Europe__Paris, "21:00", "every day", 15, 2);
        // Clocks go back on Sunday 25 October 2026: UTC+2 before, UTC+1 after.
        assert_eq!(
            plan_instant(&paris, date(2026, 10, 24)),
            utc(2026, 10, 24, 19, 0)
        );
        assert_eq!(
            plan_instant(&paris, date(2026, 10, 25)),
            utc(2026, 10, 25, 20, 0)
        );
        assert_eq!(
            paris.next_post(utc(2026, 10, 24, 19, 0)),
            utc(2026, 10, 25, 20, 0)
        );
    }

    #[test]
    fn a_post_due_at_a_time_the_spring_change_skips_goes_out_at_three() {
        let paris = plan(Tz::Europe__Paris, "02:30", "every day", 15, 2);
        let instant = paris.post_instant(date(2026, 3, 29));
        assert_eq!(
            on_clock(Tz::Europe__Paris, instant).time().to_string(),
            "03:00:00"
        );
        assert_eq!(paris.due_today(utc(2026, 3, 29, 0, 59)), None);
        assert_eq!(
            paris.due_today(utc(2026, 3, 29, 1, 0)),
            Some(date(2026, 3, 29))
        );
        assert_eq!(
            posts_made(&paris, utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 6, 0)),
            [utc(2026, 3, 29, 1, 0)]
        );
    }

    #[test]
    fn a_post_due_at_a_time_the_autumn_change_repeats_goes_out_once_the_first_time() {
        let paris = plan(Tz::Europe__Paris, "02:30", "every day", 15, 2);
        // 02:30 happens at 00:30 UTC (summer time) and again at 01:30 UTC (winter time).
        assert_eq!(
            paris.post_instant(date(2026, 10, 25)),
            utc(2026, 10, 25, 0, 30)
        );
        assert_eq!(
            posts_made(&paris, utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 6, 0)),
            [utc(2026, 10, 25, 0, 30)]
        );
        // The second 02:30 is not a post instant either.
        assert_eq!(
            paris.next_post(utc(2026, 10, 25, 0, 30)),
            utc(2026, 10, 26, 1, 30)
        );
    }

    #[test]
    fn a_post_whose_time_passed_while_the_bot_was_down_is_due_until_the_day_ends() {
        let paris = plan(Tz::Europe__Paris, "21:00", "every day", 15, 2);
        assert_eq!(paris.due_today(utc(2026, 7, 1, 18, 59)), None);
        assert_eq!(
            paris.due_today(utc(2026, 7, 1, 19, 0)),
            Some(date(2026, 7, 1))
        );
        assert_eq!(
            paris.due_today(utc(2026, 7, 1, 21, 59)),
            Some(date(2026, 7, 1))
        );
        // Midnight in Paris: a new day whose post time has not come.
        assert_eq!(paris.due_today(utc(2026, 7, 1, 22, 0)), None);
    }

    #[test]
    fn no_post_is_due_on_a_day_off_and_the_next_skips_to_a_posting_day() {
        // 1 July 2026 is a Wednesday.
        let plan = plan(Tz::Europe__Paris, "21:00", "mon, thu", 15, 2);
        assert_eq!(plan.due_today(utc(2026, 7, 1, 20, 0)), None);
        assert_eq!(
            plan.next_post(utc(2026, 7, 1, 20, 0)),
            utc(2026, 7, 2, 19, 0)
        );
        assert_eq!(
            plan.next_post(utc(2026, 7, 2, 19, 0)),
            utc(2026, 7, 6, 19, 0)
        );
        let weekly = PostPlan {
            weekdays: Weekdays::parse("thu").expect("valid"),
            ..plan
        };
        assert_eq!(
            weekly.next_post(utc(2026, 7, 2, 19, 1)),
            utc(2026, 7, 9, 19, 0)
        );
    }

    #[test]
    fn the_day_of_a_post_is_the_guilds_date_not_utcs() {
        // 23:30 on 1 July in Los Angeles is already 2 July in UTC.
        let plan = plan(Tz::America__Los_Angeles, "23:30", "wed", 18, 2);
        assert_eq!(
            plan.due_today(utc(2026, 7, 2, 6, 30)),
            Some(date(2026, 7, 1))
        );
        assert_eq!(
            plan.next_post(utc(2026, 7, 1, 12, 0)),
            utc(2026, 7, 2, 6, 30)
        );
    }

    #[test]
    fn a_window_past_midnight_puts_its_early_hours_on_the_next_day() {
        let paris = plan(Tz::Europe__Paris, "12:00", "every day", 15, 2);
        let slots = paris.slots(date(2026, 7, 1));
        assert_eq!(slots.len(), 11);
        assert_eq!(
            hours_and_starts(&slots)[..1],
            [(0, 15, utc(2026, 7, 1, 13, 0))]
        );
        assert_eq!(
            hours_and_starts(&slots)[9..],
            [
                (9, 0, utc(2026, 7, 1, 22, 0)),
                (10, 1, utc(2026, 7, 1, 23, 0))
            ]
        );
        assert_eq!(slots[10].ends_at, utc(2026, 7, 2, 0, 0));
        assert!(slots
            .windows(2)
            .all(|pair| pair[0].ends_at == pair[1].starts_at));
    }

    #[test]
    fn an_hour_the_spring_change_skips_is_left_out_and_the_rest_keep_their_letters() {
        let paris = plan(Tz::Europe__Paris, "12:00", "every day", 15, 4);
        let slots = paris.slots(date(2026, 3, 28));
        assert_eq!(slots.len(), 12, "13 hours less the one that never happens");
        assert_eq!(
            hours_and_starts(&slots)[9..],
            [
                (9, 0, utc(2026, 3, 28, 23, 0)),
                (10, 1, utc(2026, 3, 29, 0, 0)),
                (12, 3, utc(2026, 3, 29, 1, 0)),
            ]
        );
        assert_eq!(slots[10].ends_at, utc(2026, 3, 29, 1, 0));
    }

    #[test]
    fn an_hour_the_autumn_change_repeats_appears_once_and_covers_both_passes() {
        let paris = plan(Tz::Europe__Paris, "12:00", "every day", 15, 4);
        let day = date(2026, 10, 24);
        let slots = paris.slots(day);
        assert_eq!(slots.len(), 13);
        let two = slots[11];
        assert_eq!((two.index, two.local_hour), (11, 2));
        assert_eq!(two.starts_at, utc(2026, 10, 25, 0, 0));
        assert_eq!(two.ends_at, utc(2026, 10, 25, 2, 0));
        assert_eq!(paris.slot_at(day, utc(2026, 10, 25, 0, 30)), Some(11));
        assert_eq!(paris.slot_at(day, utc(2026, 10, 25, 1, 30)), Some(11));
        assert_eq!(paris.slot_at(day, utc(2026, 10, 25, 2, 0)), Some(12));
    }

    #[test]
    fn slots_follow_half_hour_and_three_quarter_hour_offsets() {
        let kolkata = plan(Tz::Asia__Kolkata, "12:00", "every day", 20, 23);
        assert_eq!(
            hours_and_starts(&kolkata.slots(date(2026, 7, 1))),
            [
                (0, 20, utc(2026, 7, 1, 14, 30)),
                (1, 21, utc(2026, 7, 1, 15, 30)),
                (2, 22, utc(2026, 7, 1, 16, 30)),
            ]
        );
        let kathmandu = plan(Tz::Asia__Kathmandu, "12:00", "every day", 23, 1);
        assert_eq!(
            hours_and_starts(&kathmandu.slots(date(2026, 7, 1))),
            [
                (0, 23, utc(2026, 7, 1, 17, 15)),
                (1, 0, utc(2026, 7, 1, 18, 15))
            ]
        );
    }

    #[test]
    fn st_johns_slots_are_half_past_in_utc_and_skip_the_spring_hour() {
        // Newfoundland: UTC-3:30 in winter, UTC-2:30 from 02:00 on Sunday 8 March 2026.
        let st_johns = plan(Tz::America__St_Johns, "12:00", "every day", 21, 4);
        let winter = st_johns.slots(date(2026, 1, 10));
        assert_eq!(winter[0].starts_at, utc(2026, 1, 11, 0, 30));
        let change = st_johns.slots(date(2026, 3, 7));
        assert_eq!(
            change
                .iter()
                .map(|slot| slot.local_hour)
                .collect::<Vec<_>>(),
            [21, 22, 23, 0, 1, 3]
        );
        assert_eq!(change[4].ends_at, utc(2026, 3, 8, 5, 30));
        assert_eq!(change[5].index, 6);
    }

    #[test]
    fn lord_howes_half_hour_changes_shorten_and_lengthen_an_hour() {
        let lord_howe = plan(Tz::Australia__Lord_Howe, "12:00", "every day", 22, 4);
        // 4 October 2026: 02:00 becomes 02:30, so the 02:00 hour lasts half an hour.
        let spring = lord_howe.slots(date(2026, 10, 3));
        assert_eq!(spring.len(), 6);
        let two = spring[4];
        assert_eq!(two.local_hour, 2);
        assert_eq!(
            on_clock(Tz::Australia__Lord_Howe, two.starts_at)
                .time()
                .to_string(),
            "02:30:00"
        );
        assert_eq!(two.ends_at - two.starts_at, TimeDelta::minutes(30));
        // 5 April 2026: 02:00 goes back to 01:30, so the 01:00 hour lasts an hour and a half.
        let autumn = lord_howe.slots(date(2026, 4, 4));
        assert_eq!(autumn.len(), 6);
        let one = autumn[3];
        assert_eq!(one.local_hour, 1);
        assert_eq!(one.starts_at, utc(2026, 4, 4, 14, 0));
        assert_eq!(one.ends_at - one.starts_at, TimeDelta::minutes(90));
    }

    #[test]
    fn slot_at_finds_the_hour_and_nothing_outside_the_window() {
        let paris = plan(Tz::Europe__Paris, "12:00", "every day", 15, 2);
        let day = date(2026, 7, 1);
        assert_eq!(paris.slot_at(day, utc(2026, 7, 1, 12, 59)), None);
        assert_eq!(paris.slot_at(day, utc(2026, 7, 1, 13, 0)), Some(0));
        assert_eq!(paris.slot_at(day, utc(2026, 7, 1, 19, 45)), Some(6));
        assert_eq!(paris.slot_at(day, utc(2026, 7, 1, 23, 59)), Some(10));
        assert_eq!(paris.slot_at(day, utc(2026, 7, 2, 0, 0)), None);
    }

    #[test]
    fn the_current_hour_after_midnight_belongs_to_yesterdays_post() {
        let paris = plan(Tz::Europe__Paris, "12:00", "wed", 15, 2);
        // 01:30 on Thursday 2 July in Paris, inside Wednesday's window.
        assert_eq!(
            paris.current_slot(utc(2026, 7, 1, 23, 30)),
            Some((date(2026, 7, 1), 10))
        );
        assert_eq!(paris.current_slot(utc(2026, 7, 2, 0, 30)), None);
        assert_eq!(
            paris.current_slot(utc(2026, 7, 2, 14, 0)),
            None,
            "no post on Thursday"
        );
        assert_eq!(
            paris.current_slot(utc(2026, 7, 1, 13, 0)),
            Some((date(2026, 7, 1), 0))
        );
    }
}
