//! Discord snowflake identifiers as trakker's own types.
//!
//! Only `discord/` imports serenity, so the rest of the code base needs ids of its own. Each is a
//! `u64` newtype; storage keeps them in signed 64-bit columns with a bit-preserving cast, because
//! neither SQLite nor Postgres has an unsigned 64-bit integer and snowflakes may use the top bit.

use std::fmt;

macro_rules! snowflake {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub struct $name(pub u64);

        impl $name {
            /// The id as stored in a signed 64-bit database column (bit-preserving).
            #[must_use]
            #[expect(clippy::cast_possible_wrap, reason = "snowflakes are stored bit for bit in i64 columns")]
            pub const fn to_db(self) -> i64 {
                self.0 as i64
            }

            /// The id read back from a signed 64-bit database column (bit-preserving).
            #[must_use]
            #[expect(clippy::cast_sign_loss, reason = "snowflakes are stored bit for bit in i64 columns")]
            pub const fn from_db(value: i64) -> Self {
                Self(value as u64)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl From<u64> for $name {
            fn from(value: u64) -> Self {
                Self(value)
            }
        }
    };
}

snowflake!(
    /// A Discord server ("guild").
    GuildId
);
snowflake!(
    /// A Discord user; a member is a user within one guild.
    UserId
);
snowflake!(
    /// A text, voice or thread channel.
    ChannelId
);
snowflake!(
    /// A guild role.
    RoleId
);
snowflake!(
    /// One use of a slash command, button or menu: what a retried write is recognised by.
    InteractionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_with_the_top_bit_survive_the_database_round_trip() {
        let id = GuildId(u64::MAX - 41);
        let stored = id.to_db();
        assert!(stored < 0, "the top bit lands in the sign");
        assert_eq!(GuildId::from_db(stored), id);
    }

    #[test]
    fn ordinary_snowflakes_are_stored_as_the_same_number() {
        let id = UserId(175_928_847_299_117_063);
        assert_eq!(id.to_db(), 175_928_847_299_117_063);
        assert_eq!(id.to_string(), "175928847299117063");
    }
}
