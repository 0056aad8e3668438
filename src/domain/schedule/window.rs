//! The hours a daily post lists: a start hour and a number of hours, which may run past midnight.

use std::fmt;

/// The hours a daily post covers, on the guild's clock: from `start`:00 for `hours` hours.
///
/// The end is exclusive: a window "from 15:00 to 02:00" lists the hours starting at 15:00, 16:00
/// … 01:00, which is 11 hours, and closes at 02:00. A window ending at the hour it starts is
/// refused rather than read as a whole day, which is what someone typing it by mistake would
/// least expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HourWindow {
    start: u8,
    hours: u8,
}

impl HourWindow {
    /// The most hours a window may have: one reaction letter each, and a post that still reads
    /// at a glance.
    pub const MAX_HOURS: u8 = 20;

    /// A window of `hours` hours starting at `start`:00 (the stored form).
    ///
    /// # Errors
    /// A sentence when `start` is not an hour of the day or `hours` is not 1 to
    /// [`Self::MAX_HOURS`].
    pub fn new(start: u8, hours: u8) -> Result<Self, String> {
        if start > 23 {
            return Err(HOURS_OF_THE_DAY.to_owned());
        }
        if hours == 0 {
            return Err("The window must cover at least one hour.".to_owned());
        }
        if hours > Self::MAX_HOURS {
            return Err(format!(
                "A window can cover at most {} hours, one reaction letter each; this one has \
                 {hours}.",
                Self::MAX_HOURS
            ));
        }
        Ok(Self { start, hours })
    }

    /// The window from `start`:00 to `end`:00, the end excluded; an end earlier than the start
    /// is on the next day (15 to 2 is 11 hours).
    ///
    /// # Errors
    /// A sentence when an hour is not 0 to 23, when the window is empty (start equals end) or
    /// when it is longer than [`Self::MAX_HOURS`].
    pub fn from_start_end(start: u8, end: u8) -> Result<Self, String> {
        if start > 23 || end > 23 {
            return Err(HOURS_OF_THE_DAY.to_owned());
        }
        let hours = (end + 24 - start) % 24;
        if hours == 0 {
            return Err(format!(
                "The window starts and ends at {start:02}:00, so it covers no hour; end it at \
                 another hour, such as 15:00 to 02:00."
            ));
        }
        if hours > Self::MAX_HOURS {
            return Err(format!(
                "From {start:02}:00 to {end:02}:00 is {hours} hours; a window can cover at most \
                 {}, one reaction letter each.",
                Self::MAX_HOURS
            ));
        }
        Ok(Self { start, hours })
    }

    /// The first hour listed.
    #[must_use]
    pub const fn start(self) -> u8 {
        self.start
    }

    /// How many hours are listed.
    #[must_use]
    pub const fn hours(self) -> u8 {
        self.hours
    }

    /// The hour the window closes at (excluded from it).
    #[must_use]
    pub const fn end(self) -> u8 {
        (self.start + self.hours) % 24
    }

    /// Whether some hours fall on the next day (a window closing at midnight does not wrap).
    #[must_use]
    pub const fn wraps(self) -> bool {
        self.start + self.hours > 24
    }

    /// The hours listed, in order, as hours of the day: 15, 16, … 23, 0, 1.
    pub fn local_hours(self) -> impl Iterator<Item = u8> {
        (self.start..self.start + self.hours).map(|hour| hour % 24)
    }
}

/// The refusal for an hour out of range.
const HOURS_OF_THE_DAY: &str = "Hours go from 0 to 23.";

impl fmt::Display for HourWindow {
    /// "15:00 to 02:00".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:00 to {:02}:00", self.start, self.end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifteen_to_two_is_eleven_hours_wrapping_past_midnight() {
        let window = HourWindow::from_start_end(15, 2).expect("valid");
        assert_eq!(window.hours(), 11);
        assert_eq!(window.end(), 2);
        assert!(window.wraps());
        assert_eq!(
            window.local_hours().collect::<Vec<_>>(),
            [15, 16, 17, 18, 19, 20, 21, 22, 23, 0, 1]
        );
        assert_eq!(window.to_string(), "15:00 to 02:00");
    }

    #[test]
    fn a_window_closing_at_midnight_does_not_wrap() {
        let window = HourWindow::from_start_end(18, 0).expect("valid");
        assert_eq!(window.hours(), 6);
        assert!(!window.wraps());
        assert_eq!(window.local_hours().last(), Some(23));
    }

    #[test]
    fn a_window_within_one_day_is_plain() {
        let window = HourWindow::from_start_end(9, 17).expect("valid");
        assert_eq!(window.hours(), 8);
        assert_eq!(window.local_hours().next(), Some(9));
    }

    #[test]
    fn an_empty_window_is_refused_rather_than_read_as_a_whole_day() {
        let sentence = HourWindow::from_start_end(15, 15).expect_err("empty");
        assert!(sentence.contains("no hour"), "{sentence}");
        assert!(HourWindow::new(3, 0).is_err());
    }

    #[test]
    fn more_than_twenty_hours_is_refused_and_twenty_is_fine() {
        assert_eq!(
            HourWindow::from_start_end(15, 11).map(HourWindow::hours),
            Ok(20)
        );
        let sentence = HourWindow::from_start_end(15, 12).expect_err("21 hours");
        assert!(sentence.contains("21 hours"), "{sentence}");
        assert!(sentence.contains("at most 20"), "{sentence}");
        assert!(HourWindow::new(0, 21).is_err());
        assert_eq!(HourWindow::new(23, 20).map(HourWindow::end), Ok(19));
    }

    #[test]
    fn hours_out_of_range_are_refused() {
        assert!(HourWindow::from_start_end(24, 2).is_err());
        assert!(HourWindow::from_start_end(2, 24).is_err());
        assert!(HourWindow::new(24, 1).is_err());
    }
}
