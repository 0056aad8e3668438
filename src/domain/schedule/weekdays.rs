//! The days of the week a daily post is made on.

use std::fmt;

use chrono::Weekday;

/// The week in order, Monday first as ISO 8601 counts it; bit `i` of a [`Weekdays`] is `WEEK[i]`.
const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// What every refusal ends with.
const EXAMPLE: &str = "such as mon, wed, fri, mon-fri, weekdays, weekend or every day";

/// A non-empty set of days of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Weekdays(u8);

impl Weekdays {
    /// Every day of the week.
    pub const ALL: Self = Self(0b111_1111);
    /// Monday to Friday.
    pub const WORKDAYS: Self = Self(0b001_1111);
    /// Saturday and Sunday.
    pub const WEEKEND: Self = Self(0b110_0000);

    /// Reads a list of days: names or abbreviations (`mon`, `Tuesday`, `thurs`, `sundays`),
    /// ranges (`mon-fri`, `fri-mon` wraps over the weekend), `weekdays`, `weekend` and
    /// `every day`, separated by commas, blanks, slashes or "and".
    ///
    /// # Errors
    /// One sentence naming what was not understood, with an example.
    pub fn parse(text: &str) -> Result<Self, String> {
        let lower = text.trim().to_lowercase();
        if matches!(
            lower.split_whitespace().collect::<Vec<_>>().as_slice(),
            ["every", "day"] | ["everyday" | "daily" | "all"] | ["all", "days"]
        ) {
            return Ok(Self::ALL);
        }
        let mut bits = 0u8;
        let words = lower
            .split(|c: char| c == ',' || c == '/' || c == '&' || c == '+' || c.is_whitespace())
            .filter(|word| !word.is_empty() && *word != "and");
        for word in words {
            bits |= match word.split_once(['-', '–']) {
                Some((first, last)) => match (day(first), day(last)) {
                    (Some(first), Some(last)) => range(first, last),
                    _ => return Err(not_a_day(word)),
                },
                None => group(word).ok_or_else(|| not_a_day(word))?,
            };
        }
        Self::from_bits(bits).ok_or_else(|| format!("Pick at least one day, {EXAMPLE}."))
    }

    /// The set stored as `bits` (bit 0 Monday … bit 6 Sunday); `None` when empty or when a bit
    /// past Sunday is set, which only a damaged or forged value has.
    #[must_use]
    pub const fn from_bits(bits: u8) -> Option<Self> {
        if bits == 0 || bits > Self::ALL.0 {
            None
        } else {
            Some(Self(bits))
        }
    }

    /// The stored form: bit 0 Monday … bit 6 Sunday.
    #[must_use]
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether `day` is in the set.
    #[must_use]
    pub const fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// The days in the set, Monday first.
    pub fn iter(self) -> impl Iterator<Item = Weekday> {
        WEEK.into_iter().filter(move |&day| self.contains(day))
    }
}

/// The days one word names: a day, `weekdays` or `weekend`, with or without a plural `s`.
fn group(word: &str) -> Option<u8> {
    match word {
        "weekday" | "weekdays" | "workdays" => Some(Weekdays::WORKDAYS.0),
        "weekend" | "weekends" => Some(Weekdays::WEEKEND.0),
        _ => day(word).map(|day| 1 << day.num_days_from_monday()),
    }
}

/// The day a word names: its English name, three-letter abbreviation, or a common shorter or
/// plural form.
fn day(word: &str) -> Option<Weekday> {
    let word = word.trim_end_matches('.');
    let singular = word
        .strip_suffix("days")
        .map_or(word.to_owned(), |stem| format!("{stem}day"));
    Some(match singular.as_str() {
        "mo" | "mon" | "monday" => Weekday::Mon,
        "tu" | "tue" | "tues" | "tuesday" => Weekday::Tue,
        "we" | "wed" | "weds" | "wednesday" => Weekday::Wed,
        "th" | "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fr" | "fri" | "friday" => Weekday::Fri,
        "sa" | "sat" | "saturday" => Weekday::Sat,
        "su" | "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

/// The days from `first` to `last` inclusive, wrapping past Sunday.
fn range(first: Weekday, last: Weekday) -> u8 {
    let mut bits = 0u8;
    let mut day = first;
    loop {
        bits |= 1 << day.num_days_from_monday();
        if day == last {
            return bits;
        }
        day = day.succ();
    }
}

/// The refusal for a word that is not a day. The word is echoed only when it is short plain
/// letters, since anything else a member typed has no place in the bot's reply.
fn not_a_day(word: &str) -> String {
    if word.len() <= 12 && word.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
        format!("“{word}” is not a day; type days {EXAMPLE}.")
    } else {
        format!("Type days {EXAMPLE}.")
    }
}

impl fmt::Display for Weekdays {
    /// "every day", or the days' abbreviations in week order: "Mon, Wed, Fri".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::ALL {
            return f.write_str("every day");
        }
        for (i, day) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{day}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> String {
        match Weekdays::parse(text) {
            Ok(days) => days.to_string(),
            Err(sentence) => panic!("{text:?} was refused: {sentence}"),
        }
    }

    #[test]
    fn names_and_abbreviations_are_read_in_any_order_and_case() {
        assert_eq!(read("mon,tue"), "Mon, Tue");
        assert_eq!(read("Friday, Monday and wednesday"), "Mon, Wed, Fri");
        assert_eq!(read("THURS / sat"), "Thu, Sat");
        assert_eq!(read("sundays"), "Sun");
        assert_eq!(read("tues wednesdays"), "Tue, Wed");
    }

    #[test]
    fn groups_and_ranges_are_read() {
        assert_eq!(read("weekdays"), "Mon, Tue, Wed, Thu, Fri");
        assert_eq!(read("weekend"), "Sat, Sun");
        assert_eq!(read("mon-wed"), "Mon, Tue, Wed");
        assert_eq!(read("fri-mon"), "Mon, Fri, Sat, Sun");
        assert_eq!(read("weekend, mon"), "Mon, Sat, Sun");
        assert_eq!(read("weekdays + weekend"), "every day");
    }

    #[test]
    fn every_day_is_read_and_shown_as_such() {
        for text in ["every day", "Every  Day", "everyday", "daily", "all"] {
            assert_eq!(Weekdays::parse(text), Ok(Weekdays::ALL), "{text}");
        }
        assert_eq!(Weekdays::ALL.to_string(), "every day");
    }

    #[test]
    fn words_that_are_not_days_are_refused_by_name() {
        let sentence = Weekdays::parse("mon, funday").expect_err("funday");
        assert!(sentence.contains("“funday”"), "{sentence}");
        assert!(Weekdays::parse("mon-xyz").is_err());
        let sentence = Weekdays::parse("<@1234567890123>").expect_err("mention");
        assert!(!sentence.contains('@'), "{sentence}");
    }

    #[test]
    fn an_empty_list_is_refused() {
        for text in ["", "  ", ", and ,"] {
            let sentence = Weekdays::parse(text).expect_err(text);
            assert!(sentence.contains("at least one day"), "{text}: {sentence}");
        }
    }

    #[test]
    fn contains_tests_one_day() {
        let days = Weekdays::parse("mon, wed, fri").expect("valid");
        assert!(days.contains(Weekday::Mon));
        assert!(!days.contains(Weekday::Tue));
        assert!(days.contains(Weekday::Fri));
        assert!(!days.contains(Weekday::Sun));
        assert!(Weekdays::ALL.contains(Weekday::Sun));
    }

    #[test]
    fn stored_bits_round_trip_and_damaged_values_are_refused() {
        let days = Weekdays::parse("tue, sun").expect("valid");
        assert_eq!(days.bits(), 0b100_0010);
        assert_eq!(Weekdays::from_bits(days.bits()), Some(days));
        assert_eq!(Weekdays::from_bits(0), None);
        assert_eq!(Weekdays::from_bits(0b1000_0000), None);
        assert_eq!(Weekdays::from_bits(0b111_1111), Some(Weekdays::ALL));
    }
}
