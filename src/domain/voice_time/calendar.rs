//! Local calendar arithmetic on day numbers (days since 1970-01-01 on the server's clock), cheap
//! enough to run for every hour piece.

use chrono::{Datelike as _, NaiveDate, Weekday};

/// Milliseconds in a calendar day on a clock that does not change offset.
pub const DAY_MS: i64 = 86_400_000;

/// 1970-01-01 as chrono counts days from the common era.
const UNIX_EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// The weekday of local day `day`, Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
#[must_use]
pub fn weekday_index(day: i64) -> usize {
    usize::try_from((day + 3).rem_euclid(7)).unwrap_or_default()
}

/// The Monday-to-Sunday week of day `day`, counted from the week of 1970-01-01, so that weeks
/// in a row have numbers in a row.
#[must_use]
pub fn week_number(day: i64) -> i64 {
    (day + 3).div_euclid(7)
}

/// The weekdays in chart order, Monday first.
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The date of local day `day`.
#[must_use]
pub fn date(day: i64) -> NaiveDate {
    i32::try_from(day + UNIX_EPOCH_DAYS_FROM_CE)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .unwrap_or_default()
}

/// The month of local day `day`, counted as `year * 12 + month0`, so months sort and subtract.
#[must_use]
pub fn month_number(day: i64) -> i64 {
    let date = date(day);
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

/// The first day of a month numbered as in [`month_number`].
#[must_use]
pub fn month_start(month: i64) -> NaiveDate {
    let year = i32::try_from(month.div_euclid(12)).unwrap_or_default();
    let month0 = u32::try_from(month.rem_euclid(12)).unwrap_or_default();
    NaiveDate::from_ymd_opt(year, month0 + 1, 1).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epoch_was_a_thursday_in_january_1970() {
        assert_eq!(WEEKDAYS[weekday_index(0)], Weekday::Thu);
        assert_eq!(WEEKDAYS[weekday_index(-1)], Weekday::Wed);
        assert_eq!(
            week_number(0),
            week_number(-3),
            "Monday 1969-12-29 began its week"
        );
        assert_eq!(
            week_number(4),
            week_number(0) + 1,
            "Monday 1970-01-05 began the next"
        );
        assert_eq!(date(0), NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid"));
        assert_eq!(month_number(0), 1970 * 12);
    }

    #[test]
    fn the_first_of_january_2024_was_a_monday() {
        let day = NaiveDate::from_ymd_opt(2024, 1, 1)
            .expect("valid")
            .signed_duration_since(date(0))
            .num_days();
        assert_eq!(day, 19_723);
        assert_eq!(weekday_index(day), 0);
        assert_eq!(
            month_start(month_number(day + 40)),
            NaiveDate::from_ymd_opt(2024, 2, 1).expect("valid")
        );
    }
}
