//! Emojis as reactions name them: unicode (`🔥`) or custom (`name:id`).

use serde_json::{json, Value};

use super::{Guild, WorldError};
use crate::snowflake::Snowflake;

/// A reaction emoji.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Emoji {
    Unicode(String),
    Custom {
        id: Snowflake,
        name: String,
        animated: bool,
    },
}

impl Emoji {
    /// Parses the `{emoji}` path segment of the reaction routes after percent-decoding:
    /// `🔥`, or `name:id` as serenity's `ReactionType::as_data` writes custom emojis.
    pub(crate) fn from_route(segment: &str) -> Result<Self, WorldError> {
        if let Some((name, id)) = segment.rsplit_once(':') {
            let id = id
                .parse()
                .map_err(|_| WorldError::UnknownEmoji(segment.to_owned()))?;
            return Ok(Self::Custom {
                id,
                name: name.trim_start_matches("a:").to_owned(),
                animated: false,
            });
        }
        if segment.is_empty() {
            return Err(WorldError::UnknownEmoji(segment.to_owned()));
        }
        Ok(Self::Unicode(segment.to_owned()))
    }

    /// Parses what a control API caller wrote: `🔥`, a guild emoji's name, `name:id` or
    /// `<:name:id>` / `<a:name:id>`.
    pub(crate) fn from_user(text: &str, guild: Option<&Guild>) -> Result<Self, WorldError> {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            let animated = inner.starts_with("a:");
            let inner = inner.trim_start_matches("a:").trim_start_matches(':');
            let mut emoji = Self::from_route(inner)?;
            if let Self::Custom { animated: a, .. } = &mut emoji {
                *a = animated;
            }
            return Ok(emoji);
        }
        if text.contains(':') {
            return Self::from_route(text.trim_matches(':'));
        }
        if let Some(custom) = guild.and_then(|g| g.emoji_named(text)) {
            return Ok(Self::Custom {
                id: custom.id,
                name: custom.name.clone(),
                animated: custom.animated,
            });
        }
        if text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(WorldError::UnknownEmoji(text.to_owned()));
        }
        Ok(Self::Unicode(text.to_owned()))
    }

    /// `🔥` or `name:id`: the key reactions are grouped by.
    pub(crate) fn key(&self) -> String {
        match self {
            Self::Unicode(s) => s.clone(),
            Self::Custom { id, name, .. } => format!("{name}:{id}"),
        }
    }

    /// Discord's partial emoji object.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Self::Unicode(s) => json!({ "id": null, "name": s }),
            Self::Custom { id, name, animated } => {
                json!({ "id": id, "name": name, "animated": animated })
            }
        }
    }

    /// Same emoji, ignoring the animated flag (routes do not carry it).
    pub(crate) fn same_as(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Unicode(a), Self::Unicode(b)) => a == b,
            (Self::Custom { id: a, .. }, Self::Custom { id: b, .. }) => a == b,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_segments_parse_like_serenity_writes_them() {
        assert_eq!(
            Emoji::from_route("🔥").ok(),
            Some(Emoji::Unicode("🔥".into()))
        );
        let custom = Emoji::from_route("pog:123").expect("custom emoji");
        assert_eq!(custom.key(), "pog:123");
        assert!(Emoji::from_route("pog:abc").is_err());
    }

    #[test]
    fn users_may_write_mentions_or_names() {
        let mention = Emoji::from_user("<a:dance:77>", None).expect("mention");
        assert!(matches!(mention, Emoji::Custom { animated: true, .. }));
        assert!(
            Emoji::from_user("pog", None).is_err(),
            "unknown custom name is an error"
        );
        assert_eq!(
            Emoji::from_user("👍", None).ok(),
            Some(Emoji::Unicode("👍".into()))
        );
    }
}
