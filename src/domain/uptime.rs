//! Human-readable durations, as /about shows the bot's uptime.

use std::time::Duration;

/// Formats a duration as its two largest non-zero units, e.g. `3d 4h`, `12m 5s`, `0s`.
#[must_use]
pub fn humanize(duration: Duration) -> String {
    let total = duration.as_secs();
    let units = [
        (total / 86_400, "d"),
        (total / 3_600 % 24, "h"),
        (total / 60 % 60, "m"),
        (total % 60, "s"),
    ];
    let parts: Vec<String> = units
        .iter()
        .skip_while(|(value, _)| *value == 0)
        .take(2)
        .filter(|(value, _)| *value > 0)
        .map(|(value, unit)| format!("{value}{unit}"))
        .collect();
    if parts.is_empty() {
        "0s".to_owned()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_two_largest_units() {
        assert_eq!(
            humanize(Duration::from_secs(3 * 86_400 + 4 * 3_600 + 59)),
            "3d 4h"
        );
        assert_eq!(humanize(Duration::from_secs(12 * 60 + 5)), "12m 5s");
    }

    #[test]
    fn skips_a_zero_unit_between_two_others() {
        assert_eq!(humanize(Duration::from_secs(86_400 + 7)), "1d");
        assert_eq!(humanize(Duration::from_secs(3_600 + 7)), "1h");
    }

    #[test]
    fn zero_is_zero_seconds() {
        assert_eq!(humanize(Duration::ZERO), "0s");
        assert_eq!(humanize(Duration::from_millis(999)), "0s");
    }
}
