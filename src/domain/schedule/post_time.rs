//! The local time of day a daily post is made at, as a manager types it.

use std::fmt;

use chrono::{NaiveTime, Timelike as _};

/// What every refusal of an unreadable time ends with.
const EXAMPLE: &str = "such as 21:00, 21h30 or 9pm";

/// A time of day to the minute, read on the guild's own clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostTime(NaiveTime);

impl PostTime {
    /// The time `hour:minute`, when both are in range.
    #[must_use]
    pub fn new(hour: u8, minute: u8) -> Option<Self> {
        NaiveTime::from_hms_opt(u32::from(hour), u32::from(minute), 0).map(Self)
    }

    /// Reads `21:00`, `9:05`, `21h`, `21h30`, `9pm`, `9:30 pm` or `12am` (midnight).
    ///
    /// A bare number is refused: "9" could mean morning or evening, and the post would go out
    /// twelve hours off without anyone noticing until it did.
    ///
    /// # Errors
    /// One sentence for the manager with an example that works.
    pub fn parse(text: &str) -> Result<Self, String> {
        let compact: String = text
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .flat_map(char::to_lowercase)
            .collect();
        let (body, half) = if let Some(body) = compact.strip_suffix("am") {
            (body, Some(0))
        } else if let Some(body) = compact.strip_suffix("pm") {
            (body, Some(12))
        } else {
            (compact.as_str(), None)
        };
        let (hour, minute) = if let Some((hour, minute)) = body.split_once(':') {
            (hour, minute)
        } else if let Some((hour, minute)) = body.split_once('h') {
            (hour, minute)
        } else if half.is_some() {
            (body, "")
        } else {
            return Err(format!("Type a time of day {EXAMPLE}."));
        };
        let minute = if minute.is_empty() { "00" } else { minute };
        let digits = |part: &str, most: usize| {
            (1..=most).contains(&part.len()) && part.chars().all(|c| c.is_ascii_digit())
        };
        if !digits(hour, 2) || minute.len() != 2 || !digits(minute, 2) {
            return Err(format!("Type a time of day {EXAMPLE}."));
        }
        let (Ok(hour), Ok(minute)) = (hour.parse::<u8>(), minute.parse::<u8>()) else {
            return Err(format!("Type a time of day {EXAMPLE}."));
        };
        let hour = match half {
            Some(offset) if (1..=12).contains(&hour) => hour % 12 + offset,
            Some(_) => return Err("With am or pm, hours go from 1 to 12, as in 9pm.".to_owned()),
            None => hour,
        };
        Self::new(hour, minute).ok_or_else(|| {
            "Hours go from 0 to 23 and minutes from 0 to 59, as in 21:00.".to_owned()
        })
    }

    /// The time of day.
    #[must_use]
    pub const fn time(self) -> NaiveTime {
        self.0
    }

    /// Minutes since midnight, the form it is stored in.
    #[must_use]
    #[expect(
        clippy::cast_possible_truncation,
        reason = "a day has 1,440 minutes, well within u16"
    )]
    pub fn to_minutes(self) -> u16 {
        (self.0.hour() * 60 + self.0.minute()) as u16
    }

    /// The time back from minutes since midnight; `None` for a stored value past the day's end.
    #[must_use]
    pub fn from_minutes(minutes: u16) -> Option<Self> {
        let hour = u8::try_from(minutes / 60).ok()?;
        let minute = u8::try_from(minutes % 60).ok()?;
        Self::new(hour, minute)
    }
}

impl fmt::Display for PostTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%H:%M"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> String {
        match PostTime::parse(text) {
            Ok(time) => time.to_string(),
            Err(sentence) => panic!("{text:?} was refused: {sentence}"),
        }
    }

    #[test]
    fn twenty_four_hour_times_with_one_or_two_hour_digits_are_read() {
        assert_eq!(read("21:00"), "21:00");
        assert_eq!(read("9:05"), "09:05");
        assert_eq!(read(" 00:00 "), "00:00");
        assert_eq!(read("23:59"), "23:59");
    }

    #[test]
    fn the_french_h_and_twelve_hour_times_are_read() {
        assert_eq!(read("21h"), "21:00");
        assert_eq!(read("21h30"), "21:30");
        assert_eq!(read("9pm"), "21:00");
        assert_eq!(read("9:30 PM"), "21:30");
        assert_eq!(read("9 a.m."), "09:00");
        assert_eq!(read("12am"), "00:00");
        assert_eq!(read("12pm"), "12:00");
        assert_eq!(read("12:15am"), "00:15");
    }

    #[test]
    fn impossible_times_are_refused_with_the_ranges() {
        for text in ["25:00", "24:00", "12:60", "21:99"] {
            let sentence = PostTime::parse(text).expect_err(text);
            assert!(sentence.contains("0 to 23"), "{text}: {sentence}");
        }
        let sentence = PostTime::parse("13pm").expect_err("13pm");
        assert!(sentence.contains("1 to 12"), "{sentence}");
        assert!(PostTime::parse("0am").is_err());
    }

    #[test]
    fn text_that_is_not_a_time_is_refused_with_an_example() {
        for text in [
            "soon",
            "",
            "21",
            "9",
            "21:0",
            "21:000",
            "-1:00",
            "1:2:3",
            "२१:००",
            "+9:00",
        ] {
            let sentence = PostTime::parse(text).expect_err(text);
            assert!(sentence.contains("21:00"), "{text}: {sentence}");
        }
    }

    #[test]
    fn the_stored_form_round_trips_and_refuses_values_past_midnight() {
        let time = PostTime::new(21, 30).expect("valid");
        assert_eq!(time.to_minutes(), 1290);
        assert_eq!(PostTime::from_minutes(1290), Some(time));
        assert_eq!(
            PostTime::from_minutes(1439).map(|t| t.to_string()),
            Some("23:59".to_owned())
        );
        assert_eq!(PostTime::from_minutes(1440), None);
        assert_eq!(PostTime::new(24, 0), None);
    }
}
