//! Value conversions both backends share, so that they store exactly the same thing: times cut to
//! the millisecond, member and invite batches with one entry per key, rollup rows on whole hours,
//! all in one order.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::activity::InviteRecord;
use super::codec::{access_from_db, application_id_to_db, StoredId};
use super::records::{GuildSettings, MemberRecord};
use crate::domain::activity::{hour_of, Deltas, EmojiCounts, MessageCounts};
use crate::domain::ids::{GuildId, RoleId, UserId};

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
        tracker_access: access_from_db(&tracker_mode, tracker_role_id.map(RoleId::from_db)),
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

/// A message rollup row's key in primary-key order: guild, hour, channel, user.
pub type MessageRowKey = (i64, DateTime<Utc>, i64, i64);

/// A channel rollup row's key in primary-key order: guild, hour, channel.
pub type ChannelRowKey = (i64, DateTime<Utc>, i64);

/// A member's messages-per-day row key in primary-key order: guild, UTC day (its midnight), user.
pub type MemberDayKey = (i64, DateTime<Utc>, i64);

/// The UTC midnight starting the day that holds `hour`.
pub(super) fn day_of(hour: DateTime<Utc>) -> DateTime<Utc> {
    hour.date_naive().and_time(chrono::NaiveTime::MIN).and_utc()
}

/// An emoji rollup row's key in primary-key order: guild, hour, emoji, user.
pub type EmojiRowKey<'a> = (i64, DateTime<Utc>, &'a str, i64);

/// An application-command rollup row's key in primary-key order: guild, hour, application,
/// command, user.
pub type AppRowKey<'a> = (i64, DateTime<Utc>, i64, &'a str, i64);

/// The rows [`Deltas`] adds to, as both backends write them.
pub struct RollupRows<'a> {
    /// Message rows.
    pub messages: Vec<(MessageRowKey, MessageCounts)>,
    /// The server-wide messages per channel and hour the message rows add up to.
    pub channels: Vec<(ChannelRowKey, u64)>,
    /// Each member's messages per UTC day the message rows add up to (none for zero).
    pub member_days: Vec<(MemberDayKey, u64)>,
    /// Emoji rows.
    pub emojis: Vec<(EmojiRowKey<'a>, EmojiCounts)>,
    /// Application-command rows and their uses.
    pub apps: Vec<(AppRowKey<'a>, u64)>,
}

/// The rows `deltas` adds to: each key's hour is the start of the UTC hour holding it, keys that
/// coincide once so cut are merged, and every table's rows are sorted by primary key.
///
/// Merging matters on Postgres, which refuses an upsert touching one row twice in a statement: a
/// key with a stray minute in its hour must not make every retry of a flush fail. Sorting makes
/// two writers lock rows in the same order (waiting, never deadlocking) and appends to each index
/// in order.
///
/// Rows of members for whom `opted_out(guild, user)` holds are left out: they asked not to be
/// recorded after the events were gathered, possibly by another process.
pub(super) fn rollup_rows(
    deltas: &Deltas,
    opted_out: impl Fn(GuildId, UserId) -> bool,
) -> RollupRows<'_> {
    let mut messages: BTreeMap<MessageRowKey, MessageCounts> = BTreeMap::new();
    for (key, counts) in deltas
        .messages
        .iter()
        .filter(|(key, _)| !opted_out(key.guild_id, key.user_id))
    {
        let row = messages
            .entry((
                key.guild_id.to_db(),
                hour_of(key.hour),
                key.channel_id.to_db(),
                key.user_id.to_db(),
            ))
            .or_default();
        row.messages = row.messages.saturating_add(counts.messages);
        row.with_attachments = row.with_attachments.saturating_add(counts.with_attachments);
        row.replies = row.replies.saturating_add(counts.replies);
        row.in_threads = row.in_threads.saturating_add(counts.in_threads);
    }
    let mut channels: BTreeMap<ChannelRowKey, u64> = BTreeMap::new();
    for (&(guild, hour, channel, _), counts) in &messages {
        let row = channels.entry((guild, hour, channel)).or_default();
        *row = row.saturating_add(counts.messages);
    }
    let mut member_days: BTreeMap<MemberDayKey, u64> = BTreeMap::new();
    for (&(guild, hour, _, user), counts) in
        messages.iter().filter(|(_, counts)| counts.messages > 0)
    {
        let row = member_days.entry((guild, day_of(hour), user)).or_default();
        *row = row.saturating_add(counts.messages);
    }
    let mut emojis: BTreeMap<EmojiRowKey<'_>, EmojiCounts> = BTreeMap::new();
    for (key, counts) in deltas
        .emojis
        .iter()
        .filter(|(key, _)| !opted_out(key.guild_id, key.user_id))
    {
        let row = emojis
            .entry((
                key.guild_id.to_db(),
                hour_of(key.hour),
                key.emoji.as_str(),
                key.user_id.to_db(),
            ))
            .or_default();
        row.reactions_added = row.reactions_added.saturating_add(counts.reactions_added);
        row.reactions_removed = row
            .reactions_removed
            .saturating_add(counts.reactions_removed);
        row.in_messages = row.in_messages.saturating_add(counts.in_messages);
    }
    let mut apps: BTreeMap<AppRowKey<'_>, u64> = BTreeMap::new();
    for (key, uses) in deltas
        .apps
        .iter()
        .filter(|(key, _)| !opted_out(key.guild_id, key.user_id))
    {
        let row = apps
            .entry((
                key.guild_id.to_db(),
                hour_of(key.hour),
                application_id_to_db(key.application_id),
                key.command.as_str(),
                key.user_id.to_db(),
            ))
            .or_default();
        *row = row.saturating_add(*uses);
    }
    RollupRows {
        messages: messages.into_iter().collect(),
        channels: channels.into_iter().collect(),
        member_days: member_days.into_iter().collect(),
        emojis: emojis.into_iter().collect(),
        apps: apps.into_iter().collect(),
    }
}

/// One entry per invite code, the last one given winning, ordered by code (the same reasons as
/// [`last_entry_per_user`]).
pub(super) fn last_entry_per_code(invites: &[InviteRecord]) -> Vec<&InviteRecord> {
    let mut latest = BTreeMap::new();
    for invite in invites {
        latest.insert(invite.code.as_str(), invite);
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
