//! The weekly recap, the rules without I/O: when a server's recap is due and which week it
//! covers, and its text from the numbers of that week beside the week before.
//!
//! A recap is due at a weekday and hour on the server's clock; it covers the seven days that end
//! at that moment, and compares them with the seven days before. A recap missed while the bot
//! was down is still made within a day of its time; later than that it is skipped, since a
//! recap of last week arriving on Thursday helps nobody.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::ids::UserId;

/// How late a missed recap may still be made.
pub const CATCH_UP: Duration = Duration::hours(24);

/// How many members each top list names.
pub const TOP: usize = 3;

/// When a server's recap is made: a weekday and an hour on its clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecapTime {
    /// The day.
    pub weekday: Weekday,
    /// The hour, 0–23.
    pub hour: u32,
    /// The server's time zone.
    pub tz: Tz,
}

impl RecapTime {
    /// The time, checked: an hour outside 0–23 is refused with a sentence.
    ///
    /// # Errors
    /// The sentence for the manager.
    pub fn new(weekday: Weekday, hour: i64, tz: Tz) -> Result<Self, String> {
        let hour = u32::try_from(hour)
            .ok()
            .filter(|hour| *hour < 24)
            .ok_or_else(|| "The hour is from 0 to 23, on the server's clock.".to_owned())?;
        Ok(Self { weekday, hour, tz })
    }

    /// The latest recap time at or before `now`, as an instant, with its local date (the key
    /// that makes a recap once per week). An hour skipped by a daylight-saving change is taken
    /// as the hour after.
    #[must_use]
    pub fn latest(&self, now: DateTime<Utc>) -> (DateTime<Utc>, NaiveDate) {
        let today = now.with_timezone(&self.tz).date_naive();
        let back =
            (7 + today.weekday().num_days_from_monday() - self.weekday.num_days_from_monday()) % 7;
        let mut day = today - Duration::days(i64::from(back));
        loop {
            let at = self.at(day);
            if at <= now {
                return (at, day);
            }
            day -= Duration::days(7);
        }
    }

    /// The recap time on local date `day`.
    fn at(self, day: NaiveDate) -> DateTime<Utc> {
        (self.hour..=self.hour + 2)
            .find_map(|hour| {
                day.and_hms_opt(hour.min(23), 0, 0)
                    .and_then(|local| self.tz.from_local_datetime(&local).earliest())
            })
            .map_or_else(
                || day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
                |at| at.with_timezone(&Utc),
            )
    }

    /// The recap due at `now`, if one is: the latest recap time, when it is no more than
    /// [`CATCH_UP`] ago and after `set_up_at` (a new setting does not make last week's).
    #[must_use]
    pub fn due(&self, now: DateTime<Utc>, set_up_at: DateTime<Utc>) -> Option<Week> {
        let (at, day) = self.latest(now);
        (at > set_up_at && now - at <= CATCH_UP).then(|| self.week(day))
    }

    /// The next recap time after `now`.
    #[must_use]
    pub fn next(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let (_, day) = self.latest(now);
        self.at(day + Duration::days(7))
    }

    /// The week the recap of local date `day` covers, from the recap time a week before to
    /// its own, so that weeks follow each other without gap or overlap when the clocks change.
    #[must_use]
    pub fn week(&self, day: NaiveDate) -> Week {
        Week {
            day,
            previous_start: self.at(day - Duration::days(14)),
            start: self.at(day - Duration::days(7)),
            end: self.at(day),
        }
    }
}

/// The week a recap covers, and the week before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Week {
    /// The local date of the recap, its key.
    pub day: NaiveDate,
    /// When the week before starts.
    pub previous_start: DateTime<Utc>,
    /// When the week starts (and the week before ends).
    pub start: DateTime<Utc>,
    /// When the week ends (the recap's time).
    pub end: DateTime<Utc>,
}

impl Week {
    /// The seven days up to `now` and the seven before (a preview), keyed by `day`.
    #[must_use]
    pub fn ending(now: DateTime<Utc>, day: NaiveDate) -> Self {
        Self {
            day,
            previous_start: now - Duration::days(14),
            start: now - Duration::days(7),
            end: now,
        }
    }
}

/// One week's numbers, as the recap compares them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeekNumbers {
    /// Kills tracked.
    pub kills: u64,
    /// The members with the most kills, most first.
    pub top_killers: Vec<(UserId, u64)>,
    /// Messages posted.
    pub messages: u64,
    /// The members with the most messages, most first.
    pub top_posters: Vec<(UserId, u64)>,
    /// Time in voice, in milliseconds.
    pub voice_ms: i64,
    /// The members with the most time in voice, most first.
    pub top_voice: Vec<(UserId, i64)>,
    /// Messages per hour of the day, on the server's clock.
    pub hours: [u64; 24],
    /// Messages per day on the server's clock, oldest first, days without any included.
    pub days: Vec<(NaiveDate, u64)>,
    /// The two members who spent the most time together in voice, and how long.
    pub duo: Option<(UserId, UserId, i64)>,
    /// Members who joined for the first time.
    pub new_members: u64,
    /// Members who came back after leaving.
    pub returning_members: u64,
    /// Badges unlocked.
    pub unlocks: u64,
}

impl WeekNumbers {
    /// The busiest hour of the day, if anything was posted.
    #[must_use]
    pub fn busiest_hour(&self) -> Option<u32> {
        let (hour, count) = self
            .hours
            .iter()
            .enumerate()
            .max_by_key(|(hour, count)| (**count, std::cmp::Reverse(*hour)))?;
        (*count > 0).then(|| u32::try_from(hour).unwrap_or(0))
    }
}

/// `now` beside `before`: "12 (▲ 4 from 8)", "12 (= last week)", "12 (new)".
#[must_use]
pub fn versus(now: u64, before: u64) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Equal => format!("{now} (= last week)"),
        std::cmp::Ordering::Greater if before == 0 => format!("{now} (▲ from 0)"),
        std::cmp::Ordering::Greater => format!("{now} (▲ {} from {before})", now - before),
        std::cmp::Ordering::Less => format!("{now} (▼ {} from {before})", before - now),
    }
}

/// Milliseconds as whole hours and minutes: "12 h 05 min".
#[must_use]
pub fn hours_and_minutes(ms: i64) -> String {
    let minutes = ms.max(0) / 60_000;
    format!("{} h {:02} min", minutes / 60, minutes % 60)
}

/// The recap's text (an embed's description): each figure of the week beside the week
/// before. Members are mentions; the caller sends it pinging nobody.
#[must_use]
pub fn text(week: &WeekNumbers, before: &WeekNumbers) -> String {
    let mut out = String::new();
    let mention = |user: UserId| format!("<@{}>", user.0);
    let list = |top: &[(UserId, String)]| {
        top.iter()
            .enumerate()
            .map(|(rank, (user, value))| format!("{}. {} — {value}", rank + 1, mention(*user)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let _ = writeln!(out, "**Kills:** {}", versus(week.kills, before.kills));
    if !week.top_killers.is_empty() {
        let top: Vec<(UserId, String)> = week
            .top_killers
            .iter()
            .map(|(user, kills)| (*user, kills.to_string()))
            .collect();
        let _ = writeln!(out, "{}", list(&top));
    }
    let _ = writeln!(
        out,
        "**Time in voice:** {} (last week {})",
        hours_and_minutes(week.voice_ms),
        hours_and_minutes(before.voice_ms)
    );
    if !week.top_voice.is_empty() {
        let top: Vec<(UserId, String)> = week
            .top_voice
            .iter()
            .map(|(user, ms)| (*user, hours_and_minutes(*ms)))
            .collect();
        let _ = writeln!(out, "{}", list(&top));
    }
    match week.duo {
        Some((a, b, ms)) => {
            let _ = writeln!(
                out,
                "**Strongest duo:** {} and {}, {} together",
                mention(a),
                mention(b),
                hours_and_minutes(ms)
            );
        }
        None => {
            let _ = writeln!(out, "**Strongest duo:** nobody played together this week");
        }
    }
    let _ = writeln!(
        out,
        "**Messages:** {}",
        versus(week.messages, before.messages)
    );
    if !week.top_posters.is_empty() {
        let top: Vec<(UserId, String)> = week
            .top_posters
            .iter()
            .map(|(user, count)| (*user, count.to_string()))
            .collect();
        let _ = writeln!(out, "{}", list(&top));
    }
    if let Some(hour) = week.busiest_hour() {
        let previous = before
            .busiest_hour()
            .map_or_else(|| "none".to_owned(), |hour| format!("{hour:02}:00"));
        let _ = writeln!(
            out,
            "**Busiest hour:** {hour:02}:00–{:02}:00 (last week {previous})",
            (hour + 1) % 24
        );
    }
    let _ = writeln!(
        out,
        "**New members:** {} · **came back:** {}",
        versus(week.new_members, before.new_members),
        versus(week.returning_members, before.returning_members)
    );
    let _ = write!(
        out,
        "**Badges unlocked:** {}",
        versus(week.unlocks, before.unlocks)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid")
    }

    #[test]
    fn the_latest_recap_time_is_on_the_servers_clock() {
        // Monday 09:00 in Paris is 08:00 UTC in winter. 2026-11-30 is a Monday.
        let time = RecapTime::new(Weekday::Mon, 9, chrono_tz::Europe::Paris).expect("valid");
        let (at, day) = time.latest(utc(2026, 12, 2, 12, 0));
        assert_eq!(at, utc(2026, 11, 30, 8, 0));
        assert_eq!(day, NaiveDate::from_ymd_opt(2026, 11, 30).expect("valid"));
        // A minute before, it is the Monday before.
        let (at, _) = time.latest(utc(2026, 11, 30, 7, 59));
        assert_eq!(at, utc(2026, 11, 23, 8, 0));
        // At the time exactly, it is today's.
        assert_eq!(
            time.latest(utc(2026, 11, 30, 8, 0)).0,
            utc(2026, 11, 30, 8, 0)
        );
    }

    #[test]
    fn a_recap_is_due_for_a_day_and_never_before_it_was_set_up() {
        let time = RecapTime::new(Weekday::Mon, 9, chrono_tz::UTC).expect("valid");
        let set_up = utc(2026, 11, 1, 0, 0);
        let week = time.due(utc(2026, 11, 30, 9, 30), set_up).expect("due");
        assert_eq!(
            (week.start, week.end),
            (utc(2026, 11, 23, 9, 0), utc(2026, 11, 30, 9, 0))
        );
        assert_eq!(week.previous_start, utc(2026, 11, 16, 9, 0));
        assert_eq!(time.next(utc(2026, 11, 30, 9, 30)), utc(2026, 12, 7, 9, 0));
        assert!(
            time.due(utc(2026, 12, 1, 9, 0), set_up).is_some(),
            "a day late still"
        );
        assert!(
            time.due(utc(2026, 12, 1, 9, 1), set_up).is_none(),
            "past a day: skipped"
        );
        assert!(
            time.due(utc(2026, 11, 30, 9, 30), utc(2026, 11, 30, 9, 10))
                .is_none(),
            "set up after this week's time"
        );
    }

    #[test]
    fn weeks_across_a_clock_change_follow_each_other_on_the_local_clock() {
        // Paris leaves summer time on Sunday 2026-10-25: the week to Monday 10-26 09:00 CET is
        // 7 days and an hour long, and starts where the week before ended.
        let time = RecapTime::new(Weekday::Mon, 9, chrono_tz::Europe::Paris).expect("valid");
        let day = NaiveDate::from_ymd_opt(2026, 10, 26).expect("valid");
        let week = time.week(day);
        assert_eq!(week.end, utc(2026, 10, 26, 8, 0));
        assert_eq!(week.start, utc(2026, 10, 19, 7, 0));
        assert_eq!(week.start, time.week(day - Duration::days(7)).end);
        assert_eq!(
            week.previous_start,
            time.week(day - Duration::days(7)).start
        );
    }

    #[test]
    fn an_hour_skipped_by_daylight_saving_is_taken_as_the_next() {
        // Europe/Paris skips 02:00–03:00 on Sunday 2026-03-29.
        let time = RecapTime::new(Weekday::Sun, 2, chrono_tz::Europe::Paris).expect("valid");
        let (at, _) = time.latest(utc(2026, 3, 29, 12, 0));
        assert_eq!(at, utc(2026, 3, 29, 1, 0), "03:00 CEST");
    }

    #[test]
    fn hours_outside_the_day_are_refused() {
        for hour in [-1, 24, 1_000] {
            assert!(RecapTime::new(Weekday::Mon, hour, chrono_tz::UTC).is_err());
        }
    }

    #[test]
    fn the_text_sets_each_figure_beside_last_weeks() {
        let mut week = WeekNumbers {
            kills: 12,
            top_killers: vec![(UserId(1), 8), (UserId(2), 4)],
            messages: 30,
            voice_ms: 3 * 3_600_000 + 5 * 60_000,
            duo: Some((UserId(1), UserId(2), 90 * 60_000)),
            new_members: 2,
            unlocks: 1,
            ..WeekNumbers::default()
        };
        week.hours[21] = 20;
        week.hours[3] = 20;
        let before = WeekNumbers {
            kills: 8,
            messages: 40,
            new_members: 2,
            ..WeekNumbers::default()
        };
        let text = text(&week, &before);
        for expected in [
            "**Kills:** 12 (▲ 4 from 8)",
            "1. <@1> — 8\n2. <@2> — 4",
            "**Time in voice:** 3 h 05 min (last week 0 h 00 min)",
            "<@1> and <@2>, 1 h 30 min together",
            "**Messages:** 30 (▼ 10 from 40)",
            "**Busiest hour:** 03:00–04:00 (last week none)",
            "**New members:** 2 (= last week)",
            "**Badges unlocked:** 1 (▲ from 0)",
        ] {
            assert!(text.contains(expected), "{expected}\n{text}");
        }
        assert!(text.chars().count() < 4_096, "fits an embed");
    }
}
