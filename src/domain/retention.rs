//! How long a server keeps raw activity: the validated number of days, and the moment before
//! which rows go.

use chrono::{DateTime, Days, Utc};

/// Days of raw activity a server keeps: 1 to [`RetentionDays::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RetentionDays(u32);

impl RetentionDays {
    /// The longest retention a server can choose: ten years. Longer is "forever", which is the
    /// default and is chosen as such.
    pub const MAX: u32 = 3_650;

    /// Checks a number of days as a member typed it (or a forged interaction sent it).
    ///
    /// # Errors
    /// A sentence saying what is accepted, for 0, negative numbers and anything above
    /// [`RetentionDays::MAX`].
    pub fn new(days: i64) -> Result<Self, String> {
        u32::try_from(days)
            .ok()
            .filter(|days| (1..=Self::MAX).contains(days))
            .map(Self)
            .ok_or_else(|| {
                format!(
                    "Retention must be 1 to {} days; to keep everything, choose `forever`.",
                    Self::MAX
                )
            })
    }

    /// The days.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }

    /// Rows that ended before this moment are removed at `now`.
    #[must_use]
    pub fn cutoff(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.checked_sub_days(Days::new(u64::from(self.0)))
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_negative_and_huge_retentions_are_refused_with_a_sentence() {
        for days in [0, -1, 3_651, 1_000_000_000, i64::MIN, i64::MAX] {
            let error = RetentionDays::new(days).expect_err("refused");
            assert!(error.contains("1 to 3650 days"), "{days}: {error}");
        }
        assert_eq!(RetentionDays::new(1).map(RetentionDays::get), Ok(1));
        assert_eq!(RetentionDays::new(3_650).map(RetentionDays::get), Ok(3_650));
    }

    #[test]
    fn the_cutoff_is_that_many_days_before_now() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T10:30:00Z")
            .expect("a time")
            .with_timezone(&Utc);
        let days = RetentionDays::new(30).expect("valid");
        assert_eq!(
            days.cutoff(now),
            DateTime::parse_from_rfc3339("2026-11-02T10:30:00Z").expect("a time")
        );
    }
}
