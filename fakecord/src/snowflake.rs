//! Discord ids ("snowflakes"): the [`Snowflake`] type used across the control API and the
//! generator that mints new ones.
//!
//! Discord sends ids as JSON strings because JavaScript numbers cannot hold 64 bits; fakecord
//! does the same, and accepts either strings or numbers on input so hand-written `curl` bodies
//! stay short.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Milliseconds between the Unix epoch and the Discord epoch (2015-01-01T00:00:00Z).
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// A Discord id. Serializes as a decimal string, like Discord does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Snowflake(pub u64);

impl Snowflake {
    /// The raw 64-bit value.
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The smallest id minted at `unix_ms` (milliseconds since the Unix epoch): ids at or
    /// above it were minted then or later.
    #[must_use]
    pub const fn first_at(unix_ms: u64) -> Self {
        Self(unix_ms.saturating_sub(DISCORD_EPOCH_MS) << 22)
    }

    /// When this id was minted, as the timestamp Discord encodes in its top 42 bits.
    #[must_use]
    pub fn created_at(self) -> DateTime<Utc> {
        let ms = (self.0 >> 22) + DISCORD_EPOCH_MS;
        let ms = i64::try_from(ms).unwrap_or(i64::MAX);
        DateTime::from_timestamp_millis(ms).unwrap_or_default()
    }
}

impl fmt::Display for Snowflake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<u64> for Snowflake {
    fn from(value: u64) -> Self {
        Self(value)
    }
}

impl From<Snowflake> for u64 {
    fn from(value: Snowflake) -> Self {
        value.0
    }
}

impl FromStr for Snowflake {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Self)
    }
}

impl Serialize for Snowflake {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Snowflake {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SnowflakeVisitor;

        impl Visitor<'_> for SnowflakeVisitor {
            type Value = Snowflake;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a snowflake as a decimal string or an unsigned integer")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Snowflake, E> {
                Ok(Snowflake(v))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Snowflake, E> {
                u64::try_from(v).map(Snowflake).map_err(E::custom)
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Snowflake, E> {
                v.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_any(SnowflakeVisitor)
    }
}

/// Mints ids that look like Discord's: the current time in the top bits, a counter below.
///
/// Ids are strictly increasing, so sorting by id sorts by creation, as on Discord. Because the
/// shard of a guild is `(id >> 22) % shards`, guilds minted in the same millisecond share a
/// shard; pass explicit ids when a test needs guilds on specific shards.
#[derive(Debug, Default)]
pub struct Snowflakes {
    last: AtomicU64,
}

impl Snowflakes {
    /// A generator starting from the current time.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The next id: never equal to or below any id this generator returned before.
    pub fn next(&self) -> Snowflake {
        let now = (unix_ms().saturating_sub(DISCORD_EPOCH_MS)) << 22;
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let candidate = now.max(last + 1);
            match self.last.compare_exchange_weak(
                last,
                candidate,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Snowflake(candidate),
                Err(actual) => last = actual,
            }
        }
    }
}

/// Milliseconds since the Unix epoch.
#[must_use]
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The current time as Discord formats timestamps (RFC 3339 with milliseconds).
#[must_use]
pub fn now_timestamp() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// A timestamp in Discord's format.
#[must_use]
pub fn format_timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_strings_on_the_wire_and_accept_numbers() {
        let id = Snowflake(81_384_788_765_712_384);
        assert_eq!(
            serde_json::to_string(&id).ok().as_deref(),
            Some("\"81384788765712384\"")
        );
        let from_number: Snowflake = serde_json::from_str("42").expect("number");
        let from_string: Snowflake = serde_json::from_str("\"42\"").expect("string");
        assert_eq!(from_number, from_string);
    }

    #[test]
    fn generated_ids_increase_and_carry_the_time() {
        let ids = Snowflakes::new();
        let a = ids.next();
        let b = ids.next();
        assert!(b > a);
        let age = Utc::now() - a.created_at();
        assert!(age.num_seconds().abs() < 5, "id time is off by {age}");
    }
}
