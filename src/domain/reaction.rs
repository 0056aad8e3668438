//! The emoji the bot adds to a /track reply: a unicode emoji or one of the guild's custom emojis,
//! as a manager types it in /config reactions.

/// A reaction emoji, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReactionEmoji {
    /// A unicode emoji such as 🎯.
    Unicode(String),
    /// A custom emoji of the guild.
    Custom {
        /// Its name.
        name: String,
        /// Its id.
        id: u64,
        /// Whether it is animated.
        animated: bool,
    },
}

/// The longest unicode emoji accepted, in characters (flags and families are sequences).
const MAX_UNICODE_CHARS: usize = 12;

impl ReactionEmoji {
    /// Reads what a manager typed: a unicode emoji, or a custom emoji as Discord's client inserts
    /// it (`<:name:id>`, `<a:name:id>`).
    ///
    /// # Errors
    /// A sentence for the user when it is neither.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            let (animated, rest) = match inner.strip_prefix("a:") {
                Some(rest) => (true, rest),
                None => (false, inner.strip_prefix(':').unwrap_or(inner)),
            };
            if let Some((name, id)) = rest.split_once(':') {
                if let Ok(id) = id.parse::<u64>() {
                    if is_custom_name(name) {
                        return Ok(Self::Custom {
                            name: name.to_owned(),
                            id,
                            animated,
                        });
                    }
                }
            }
            return Err(NOT_AN_EMOJI.to_owned());
        }
        let chars = text.chars().count();
        let looks_like_emoji = chars > 0
            && chars <= MAX_UNICODE_CHARS
            && !text.chars().any(|c| {
                c.is_ascii_alphanumeric()
                    || c.is_whitespace()
                    || c.is_control()
                    || c == ':'
                    || super::text::is_direction(c)
                    // Emoji sequences join with U+200D and flags use tag characters; every
                    // other invisible character only hides what the reaction is.
                    || (super::text::is_invisible(c)
                        && c != '\u{200D}'
                        && !('\u{E0020}'..='\u{E007F}').contains(&c))
            })
            && text.chars().any(|c| u32::from(c) >= 0x2000);
        if looks_like_emoji {
            Ok(Self::Unicode(text.to_owned()))
        } else {
            Err(NOT_AN_EMOJI.to_owned())
        }
    }

    /// The emoji's canonical text, wherever an emoji is kept as text (settings, activity
    /// rollups): the unicode text, or `name:id` (`a:name:id` when animated).
    #[must_use]
    pub fn key(&self) -> String {
        match self {
            Self::Unicode(text) => text.clone(),
            Self::Custom { name, id, animated } => {
                format!("{}{name}:{id}", if *animated { "a:" } else { "" })
            }
        }
    }

    /// The emoji read back from [`ReactionEmoji::key`]; `None` for anything else.
    #[must_use]
    pub fn from_key(text: &str) -> Option<Self> {
        let (animated, rest) = match text.strip_prefix("a:") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if let Some((name, id)) = rest.split_once(':') {
            let id = id.parse().ok()?;
            return is_custom_name(name).then(|| Self::Custom {
                name: name.to_owned(),
                id,
                animated,
            });
        }
        Self::parse(text).ok()
    }

    /// How to show it in a message.
    #[must_use]
    pub fn display(&self) -> String {
        match self {
            Self::Unicode(text) => text.clone(),
            Self::Custom { name, id, animated } => {
                format!("<{}:{name}:{id}>", if *animated { "a" } else { "" })
            }
        }
    }
}

const NOT_AN_EMOJI: &str =
    "That is not an emoji: pick a standard emoji or one of this server's custom emojis.";

fn is_custom_name(name: &str) -> bool {
    (2..=32).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_emojis_are_accepted() {
        assert_eq!(
            ReactionEmoji::parse(" 🔥 "),
            Ok(ReactionEmoji::Unicode("🔥".to_owned()))
        );
        assert!(ReactionEmoji::parse("🇫🇷").is_ok());
    }

    #[test]
    fn custom_emojis_are_read_as_discord_inserts_them() {
        let parsed = ReactionEmoji::parse("<:chicken_dinner:123456789>").expect("custom");
        assert_eq!(parsed.key(), "chicken_dinner:123456789");
        assert_eq!(parsed.display(), "<:chicken_dinner:123456789>");
        assert_eq!(ReactionEmoji::from_key(&parsed.key()), Some(parsed));
        let animated = ReactionEmoji::parse("<a:dance:42>").expect("animated");
        assert_eq!(ReactionEmoji::from_key(&animated.key()), Some(animated));
    }

    #[test]
    fn words_and_broken_custom_emojis_are_refused() {
        for text in [
            "",
            "fire",
            ":fire:",
            "<:x:notanumber>",
            "<:bad name:1>",
            "🔥 🔥",
        ] {
            assert!(ReactionEmoji::parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn direction_and_zero_width_characters_are_not_emojis() {
        assert!(ReactionEmoji::parse("🎯\u{202E}").is_err());
        assert!(ReactionEmoji::parse("\u{200B}🎯").is_err());
        assert!(ReactionEmoji::parse("👨\u{200D}👩\u{200D}👧").is_ok());
    }
}
