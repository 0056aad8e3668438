//! How domain values are written to columns and read back.
//!
//! The domain knows nothing of databases; every encoding lives here so both backends store
//! exactly the same thing. Snowflakes go into signed 64-bit columns with a bit-preserving cast,
//! because neither SQLite nor Postgres has an unsigned 64-bit integer and snowflakes may use the
//! top bit. Counters are capped rather than wrapped. Enumerations are stored as small numbers or
//! names that never change once written.

use crate::domain::access::TrackerAccess;
use chrono::{Datelike, NaiveDate};

use crate::domain::ids::{ChannelId, GuildId, InteractionId, MessageId, RoleId, UserId};
use crate::domain::kills::KillKind;

/// A snowflake id as stored in a signed 64-bit column, bit for bit.
pub(crate) trait StoredId: Sized {
    /// The id as stored.
    fn to_db(self) -> i64;
    /// The id read back.
    fn from_db(stored: i64) -> Self;
}

macro_rules! stored_id {
    ($($name:ident),*) => {$(
        impl StoredId for $name {
            #[expect(clippy::cast_possible_wrap, reason = "snowflakes are stored bit for bit")]
            fn to_db(self) -> i64 {
                self.0 as i64
            }

            #[expect(clippy::cast_sign_loss, reason = "snowflakes are stored bit for bit")]
            fn from_db(stored: i64) -> Self {
                Self(stored as u64)
            }
        }
    )*};
}

stored_id!(GuildId, UserId, ChannelId, RoleId, InteractionId, MessageId);

/// A calendar day as stored: the integer `YYYYMMDD`, which sorts, compares and reads the same on
/// both databases.
pub(super) fn day_to_db(day: NaiveDate) -> i64 {
    i64::from(day.year()) * 10_000 + i64::from(day.month()) * 100 + i64::from(day.day())
}

/// A stored day read back.
pub(super) fn day_from_db(stored: i64) -> Result<NaiveDate, sqlx::Error> {
    let parts = (
        i32::try_from(stored / 10_000),
        u32::try_from(stored / 100 % 100),
        u32::try_from(stored % 100),
    );
    match parts {
        (Ok(year), Ok(month), Ok(day)) => NaiveDate::from_ymd_opt(year, month, day),
        _ => None,
    }
    .ok_or_else(|| sqlx::Error::Decode(format!("not a day: {stored}").into()))
}

/// An application id as stored: a snowflake, cast bit for bit like every id.
#[expect(
    clippy::cast_possible_wrap,
    reason = "snowflakes are stored bit for bit in i64 columns"
)]
pub(super) const fn application_id_to_db(id: u64) -> i64 {
    id as i64
}

/// An application id read back.
#[expect(
    clippy::cast_sign_loss,
    reason = "snowflakes are stored bit for bit in i64 columns"
)]
pub(super) const fn application_id_from_db(stored: i64) -> u64 {
    stored as u64
}

/// A counter as stored: databases hold signed 64-bit integers, and no real count comes near the
/// limit, so a larger one is capped rather than wrapped to a negative number.
pub(super) fn count_to_db(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// A counter read back; the schema keeps counters non-negative, so nothing is lost.
pub(super) fn count_from_db(count: i64) -> u64 {
    u64::try_from(count).unwrap_or(0)
}

/// The kind as stored: 0 for a kill, 1 for a teamkill.
pub(super) const fn kind_to_db(kind: KillKind) -> i64 {
    match kind {
        KillKind::Kill => 0,
        KillKind::Teamkill => 1,
    }
}

/// The kind read back; a number trakker never writes is reported as a decode error instead of
/// being guessed at.
pub(super) fn kind_from_db(kind: i64) -> Result<KillKind, sqlx::Error> {
    match kind {
        0 => Ok(KillKind::Kill),
        1 => Ok(KillKind::Teamkill),
        _ => Err(sqlx::Error::Decode(
            format!("unknown kill kind {kind}").into(),
        )),
    }
}

/// Who may record kills, as stored: the mode's name and, for a role, the role.
pub(super) const fn access_to_db(access: TrackerAccess) -> (&'static str, Option<RoleId>) {
    match access {
        TrackerAccess::Everyone => ("everyone", None),
        TrackerAccess::Role(role) => ("role", Some(role)),
        TrackerAccess::Managers => ("managers", None),
    }
}

/// The access rule read back; an unknown mode or a role mode without a role reads as everyone,
/// the default, so a hand-edited row never locks a guild out.
pub(super) fn access_from_db(mode: &str, role: Option<RoleId>) -> TrackerAccess {
    match (mode, role) {
        ("role", Some(role)) => TrackerAccess::Role(role),
        ("managers", _) => TrackerAccess::Managers,
        _ => TrackerAccess::Everyone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_with_the_top_bit_survive_the_round_trip() {
        let id = GuildId(u64::MAX - 41);
        let stored = id.to_db();
        assert!(stored < 0, "the top bit lands in the sign");
        assert_eq!(GuildId::from_db(stored), id);
    }

    #[test]
    fn ordinary_snowflakes_are_stored_as_the_same_number() {
        assert_eq!(
            UserId(175_928_847_299_117_063).to_db(),
            175_928_847_299_117_063
        );
    }

    #[test]
    fn kinds_round_trip_and_unknown_numbers_are_refused() {
        for kind in KillKind::ALL {
            assert_eq!(kind_from_db(kind_to_db(kind)).ok(), Some(kind));
        }
        assert!(kind_from_db(7).is_err());
    }

    #[test]
    fn access_round_trips_and_a_broken_row_reads_as_everyone() {
        for access in [
            TrackerAccess::Everyone,
            TrackerAccess::Managers,
            TrackerAccess::Role(RoleId(9)),
        ] {
            let (mode, role) = access_to_db(access);
            assert_eq!(access_from_db(mode, role), access);
        }
        assert_eq!(access_from_db("role", None), TrackerAccess::Everyone);
        assert_eq!(access_from_db("sometimes", None), TrackerAccess::Everyone);
    }

    #[test]
    fn days_are_stored_as_yyyymmdd_and_read_back() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).expect("a date");
        assert_eq!(day_to_db(day), 20_260_329);
        assert_eq!(day_from_db(20_260_329).ok(), Some(day));
        assert!(day_from_db(20_261_332).is_err());
    }

    #[test]
    fn counters_are_capped_not_wrapped() {
        assert_eq!(count_to_db(u64::MAX), i64::MAX);
        assert_eq!(count_from_db(-3), 0);
    }
}
