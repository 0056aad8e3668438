//! Discord snowflake identifiers as trakker's own types.
//!
//! Only `discord/` imports serenity, so the rest of the code base needs ids of its own. Each is a
//! `u64` newtype; how they are stored is the store's business (`store/codec.rs`).

use std::fmt;

macro_rules! snowflake {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub struct $name(pub u64);

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
impl UserId {
    /// Who a kill ledger entry names once the member it named erased their data: no Discord
    /// user has the id 0, so the entry still counts in squad totals but for nobody in particular.
    pub const ERASED: Self = Self(0);

    /// Whether this is [`UserId::ERASED`].
    #[must_use]
    pub const fn is_erased(self) -> bool {
        self.0 == 0
    }
}

snowflake!(
    /// A text, voice or thread channel.
    ChannelId
);
snowflake!(
    /// A guild role.
    RoleId
);
snowflake!(
    /// A message in a channel.
    MessageId
);
snowflake!(
    /// One use of a slash command, button or menu: what a retried write is recognised by.
    InteractionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_as_discord_writes_them() {
        let id = UserId(175_928_847_299_117_063);
        assert_eq!(id.to_string(), "175928847299117063");
    }
}
