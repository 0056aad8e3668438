//! Cache keys: every key trakker writes, namespaced by deployment prefix and guild.
//!
//! A key reads `{prefix}:g:{guild_id}:{name}` for data of one guild and `{prefix}:global:{name}`
//! for everything else. The prefix (`trakker` by default) lets several bots share one Redis and
//! lets each test own its key space.
//!
//! Why the parts are validated: the layout can only be read back one way if the prefix holds no
//! `:` and the second segment is `g` followed by digits, or `global`. A prefix such as
//! `trakker:g:1` would let one guild's keys land inside another's, so it is refused. Names may
//! use `:` to nest (`lb:kills:season:3`) because everything before them has a fixed shape.
//! Glob characters (`*?[]\`) are refused everywhere, so `{prefix}:*` in a `SCAN` matches exactly
//! one deployment's keys.

use std::fmt;

use crate::domain::ids::GuildId;

/// Longest prefix accepted: prefixes are short labels, not data.
const MAX_PREFIX_LEN: usize = 64;
/// Longest name accepted; long enough for any nesting trakker uses, short enough to stay a key.
const MAX_NAME_LEN: usize = 200;

/// Why a key could not be built. Keys are built by code, so this is a bug, never a user error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CacheKeyError {
    /// The deployment prefix is empty, too long, or holds a character other than ASCII letters,
    /// digits, `-`, `_` and `.`.
    #[error("the cache key prefix `{0}` must be 1 to 64 ASCII letters, digits, `-`, `_` or `.`")]
    InvalidPrefix(String),
    /// The name is empty, too long, has an empty `:`-separated segment, or holds a character
    /// other than ASCII letters, digits, `-`, `_` and `.` in a segment.
    #[error(
        "the cache key name `{0}` must be 1 to 200 characters of `:`-separated segments of ASCII letters, digits, `-`, `_` or `.`"
    )]
    InvalidName(String),
}

/// A validated cache key. Build one with [`CacheKey::guild`] or [`CacheKey::global`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CacheKey(String);

impl CacheKey {
    /// The key `name` of one guild: `{prefix}:g:{guild_id}:{name}`.
    ///
    /// # Errors
    /// When `prefix` or `name` breaks the rules in [`CacheKeyError`].
    pub fn guild(prefix: &str, guild_id: GuildId, name: &str) -> Result<Self, CacheKeyError> {
        validate_prefix(prefix)?;
        validate_name(name)?;
        Ok(Self(format!("{prefix}:g:{guild_id}:{name}")))
    }

    /// What every key of `guild` starts with: `{prefix}:g:{guild_id}:`. No glob character can
    /// appear in it, so `{start}*` in a `SCAN` matches exactly that guild's keys.
    ///
    /// # Errors
    /// When `prefix` breaks the rule in [`CacheKeyError::InvalidPrefix`].
    pub fn guild_start(prefix: &str, guild_id: GuildId) -> Result<String, CacheKeyError> {
        validate_prefix(prefix)?;
        Ok(format!("{prefix}:g:{guild_id}:"))
    }

    /// The key `name` that belongs to no guild: `{prefix}:global:{name}`.
    ///
    /// # Errors
    /// When `prefix` or `name` breaks the rules in [`CacheKeyError`].
    pub fn global(prefix: &str, name: &str) -> Result<Self, CacheKeyError> {
        validate_prefix(prefix)?;
        validate_name(name)?;
        Ok(Self(format!("{prefix}:global:{name}")))
    }

    /// The key as sent to Redis.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a deployment prefix without building a key, so a cache can refuse a bad one early.
///
/// # Errors
/// When `prefix` breaks the rule in [`CacheKeyError::InvalidPrefix`].
pub fn validate_prefix(prefix: &str) -> Result<(), CacheKeyError> {
    if (1..=MAX_PREFIX_LEN).contains(&prefix.len()) && prefix.bytes().all(is_plain) {
        Ok(())
    } else {
        Err(CacheKeyError::InvalidPrefix(prefix.to_owned()))
    }
}

fn validate_name(name: &str) -> Result<(), CacheKeyError> {
    let segments_ok = name
        .split(':')
        .all(|segment| !segment.is_empty() && segment.bytes().all(is_plain));
    if name.len() <= MAX_NAME_LEN && segments_ok {
        Ok(())
    } else {
        Err(CacheKeyError::InvalidName(name.to_owned()))
    }
}

/// Characters that are neither a separator, a glob character nor whitespace.
const fn is_plain(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guild_key_is_namespaced_by_prefix_and_guild() {
        let key = CacheKey::guild("trakker", GuildId(42), "lb:kills:season:3").expect("valid");
        assert_eq!(key.as_str(), "trakker:g:42:lb:kills:season:3");
        let global = CacheKey::global("trakker", "gateway:sessions").expect("valid");
        assert_eq!(global.to_string(), "trakker:global:gateway:sessions");
    }

    #[test]
    fn a_prefix_cannot_smuggle_in_another_guild() {
        // `trakker:g:1` + guild 2 would otherwise read as guild 1's key `2:…`.
        assert_eq!(
            CacheKey::guild("trakker:g:1", GuildId(2), "lb"),
            Err(CacheKeyError::InvalidPrefix("trakker:g:1".to_owned()))
        );
        for bad in [
            "",
            "has space",
            "star*",
            "q?",
            "[x]",
            "back\\slash",
            &"p".repeat(65),
        ] {
            assert!(
                CacheKey::global(bad, "x").is_err(),
                "prefix {bad:?} is refused"
            );
        }
        assert!(CacheKey::global("test-1_a.b", "x").is_ok());
    }

    #[test]
    fn names_nest_with_colons_but_have_no_empty_or_odd_segments() {
        assert!(CacheKey::guild("trakker", GuildId(1), "lb:kills").is_ok());
        for bad in [
            "",
            ":lb",
            "lb:",
            "lb::kills",
            "lb kills",
            "lb:*",
            "lb\n",
            "é",
            &"n".repeat(201),
        ] {
            assert!(
                CacheKey::guild("trakker", GuildId(1), bad).is_err(),
                "name {bad:?} is refused"
            );
        }
    }

    #[test]
    fn guild_and_global_keys_never_meet() {
        let guild = CacheKey::guild("p", GuildId(7), "global:x").expect("valid");
        let global = CacheKey::global("p", "g:7:global:x").expect("valid");
        assert_ne!(guild, global);
    }
}
