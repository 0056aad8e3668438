//! Value conversions both backends share, so that they store exactly the same thing: times cut to
//! the millisecond and member batches with one entry per user, in one order.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::records::{GuildSettings, MemberRecord, TrackerAccess};
use crate::domain::ids::RoleId;

/// A `guild_settings` row as both backends select it: admin role, default timezone, tracker
/// access mode, tracker role, reaction emoji, idle minutes.
pub(super) type SettingsRow = (
    Option<i64>,
    Option<String>,
    String,
    Option<i64>,
    Option<String>,
    i64,
);

/// Settings from their row. An idle limit outside `u32` (only a hand-edited row can hold one)
/// falls back to the default.
pub(super) fn settings_from_row(
    (admin_role_id, default_timezone, tracker_mode, tracker_role_id, reaction_emoji, idle): SettingsRow,
) -> GuildSettings {
    let defaults = GuildSettings::default();
    GuildSettings {
        admin_role_id: admin_role_id.map(RoleId::from_db),
        default_timezone,
        tracker_access: TrackerAccess::from_db(&tracker_mode, tracker_role_id.map(RoleId::from_db)),
        reaction_emoji,
        session_idle_minutes: u32::try_from(idle)
            .ok()
            .filter(|minutes| *minutes > 0)
            .unwrap_or(defaults.session_idle_minutes),
    }
}

/// `at` as unix milliseconds, the unit SQLite stores (sub-millisecond parts are dropped).
pub(super) fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Unix milliseconds read from the database back as a time.
///
/// # Errors
/// When the stored number is outside the range chrono can represent, which only a row written by
/// something other than trakker can hold.
pub(super) fn from_millis(millis: i64) -> Result<DateTime<Utc>, sqlx::Error> {
    DateTime::from_timestamp_millis(millis).ok_or_else(|| {
        sqlx::Error::Decode(format!("{millis} ms is outside the supported time range").into())
    })
}

/// `at` cut to the millisecond: Postgres keeps microseconds, SQLite milliseconds, and both must
/// read back the same value.
pub(super) fn truncate_to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    // Cutting precision never leaves chrono's range, so the fallback is unreachable in practice.
    DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap_or(at)
}

/// One entry per user, the last one given winning, ordered by user id.
///
/// Postgres refuses an `ON CONFLICT DO UPDATE` that touches the same row twice in one statement,
/// while SQLite applies both; removing duplicates first makes the two behave the same. Writing rows
/// in one fixed order also means two shards refreshing the same guild lock its rows in the same
/// order, so they wait for each other instead of deadlocking.
pub(super) fn last_entry_per_user(members: &[MemberRecord]) -> Vec<&MemberRecord> {
    let mut latest = BTreeMap::new();
    for member in members {
        // `insert` replaces an earlier entry; `collect` does not promise which duplicate it keeps.
        latest.insert(member.user_id, member);
    }
    latest.into_values().collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::ids::UserId;

    fn member(user: u64, name: &str) -> MemberRecord {
        MemberRecord {
            user_id: UserId(user),
            display_name: name.to_owned(),
            is_bot: false,
            joined_at: Utc.timestamp_millis_opt(0).single().expect("valid"),
            left_at: None,
            tracking_opt_out: false,
        }
    }

    #[test]
    fn a_user_listed_twice_keeps_the_last_entry() {
        let batch = [member(2, "Bob"), member(1, "Ada"), member(1, "Ada L.")];
        let names: Vec<&str> = last_entry_per_user(&batch)
            .iter()
            .map(|m| m.display_name.as_str())
            .collect();
        assert_eq!(names, ["Ada L.", "Bob"], "one entry per user, by user id");
    }

    #[test]
    fn times_before_1970_keep_their_millisecond() {
        let at = Utc.timestamp_opt(-2, 999_999_999).single().expect("valid");
        assert_eq!(to_millis(at), -1_001);
        assert_eq!(
            from_millis(to_millis(at)).expect("in range"),
            truncate_to_millis(at)
        );
    }

    #[test]
    fn unrepresentable_millis_are_a_decode_error() {
        assert!(from_millis(i64::MAX).is_err());
    }
}
