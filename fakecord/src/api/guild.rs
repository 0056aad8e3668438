//! Bodies for creating guilds and for members joining them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{NameOrId, PermissionSet};
use crate::snowflake::Snowflake;

/// A guild to create: `POST /_fake/guilds`.
///
/// ```
/// use fakecord::api::GuildSpec;
///
/// let spec = GuildSpec::new("Squad")
///     .members(["ada", "bob"])
///     .role("Mods", ["`MANAGE_GUILD`"])
///     .text_channel("general")
///     .voice_channel("Lobby");
/// assert_eq!(spec.members.len(), 2);
/// ```
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GuildSpec {
    /// The guild's name.
    pub name: String,
    /// Its id; fakecord mints one when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Snowflake>,
    /// Name or id of the owner, which must be one of `members`; the first member otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<NameOrId>,
    /// Members, as names (`"ada"`) or full specs.
    pub members: Vec<MemberSpec>,
    /// Roles besides `@everyone` (whose id is the guild id).
    pub roles: Vec<RoleSpec>,
    /// Text, voice and category channels, in display order.
    pub channels: Vec<ChannelSpec>,
    /// Custom emojis.
    pub emojis: Vec<EmojiSpec>,
    /// Extra members named `member-0001`, `member-0002`, … for benchmarks.
    pub generated_members: u32,
    /// Permissions of `@everyone`; Discord's defaults when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub everyone_permissions: Option<PermissionSet>,
    /// The AFK voice channel, by name or id: one of `channels`, of kind `voice`. Sent as
    /// `afk_channel_id`; none when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub afk_channel: Option<NameOrId>,
    /// Seconds of inactivity before Discord moves a member to the AFK channel (`afk_timeout`):
    /// 60, 300, 900, 1800 or 3600, as Discord allows; 300 when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub afk_timeout: Option<u32>,
}

impl GuildSpec {
    /// A guild with this name and nothing in it.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Use this id (for example to place the guild on a given shard).
    #[must_use]
    pub fn id(mut self, id: impl Into<Snowflake>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Add one member.
    #[must_use]
    pub fn member(mut self, member: impl Into<MemberSpec>) -> Self {
        self.members.push(member.into());
        self
    }

    /// Add members by name.
    #[must_use]
    pub fn members<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.members
            .extend(names.into_iter().map(|n| MemberSpec::new(n)));
        self
    }

    /// Add a role with permissions given by serenity flag names.
    #[must_use]
    pub fn role<I, S>(mut self, name: impl Into<String>, permissions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let names: Vec<String> = permissions
            .into_iter()
            .map(|p| p.as_ref().to_owned())
            .collect();
        self.roles.push(RoleSpec {
            name: name.into(),
            permission_names: names,
            ..RoleSpec::default()
        });
        self
    }

    /// Add a role with no permissions above the bot's own role, which the bot then cannot
    /// give or take.
    #[must_use]
    pub fn role_above_bot(mut self, name: impl Into<String>) -> Self {
        self.roles.push(RoleSpec {
            name: name.into(),
            above_bot: true,
            ..RoleSpec::default()
        });
        self
    }

    /// Add a text channel.
    #[must_use]
    pub fn text_channel(mut self, name: impl Into<String>) -> Self {
        self.channels
            .push(ChannelSpec::new(name, ChannelKind::Text));
        self
    }

    /// Add a text channel where the bot is denied `permissions`, as a member overwrite for the
    /// bot would on Discord: the way to test "a channel the bot cannot post in".
    ///
    /// ```
    /// use fakecord::api::GuildSpec;
    /// use serenity::model::Permissions;
    ///
    /// let spec = GuildSpec::new("Squad")
    ///     .member("ada")
    ///     .text_channel("general")
    ///     .text_channel_denying_bot("announcements", Permissions::SEND_MESSAGES);
    /// assert!(spec.channels[0].bot_denied.is_empty());
    /// assert_eq!(spec.channels[1].bot_denied.to_serenity(), Permissions::SEND_MESSAGES);
    /// ```
    #[must_use]
    pub fn text_channel_denying_bot(
        self,
        name: impl Into<String>,
        permissions: impl Into<PermissionSet>,
    ) -> Self {
        self.channel(ChannelSpec::new(name, ChannelKind::Text).denying_bot(permissions))
    }

    /// Add a channel spelled out in full.
    #[must_use]
    pub fn channel(mut self, channel: ChannelSpec) -> Self {
        self.channels.push(channel);
        self
    }

    /// Add a voice channel.
    #[must_use]
    pub fn voice_channel(mut self, name: impl Into<String>) -> Self {
        self.channels
            .push(ChannelSpec::new(name, ChannelKind::Voice));
        self
    }

    /// Make this voice channel (by name or id) the AFK channel.
    #[must_use]
    pub fn afk_channel(mut self, channel: impl Into<NameOrId>) -> Self {
        self.afk_channel = Some(channel.into());
        self
    }

    /// Move inactive members to the AFK channel after this many seconds (60, 300, 900, 1800
    /// or 3600).
    #[must_use]
    pub fn afk_timeout(mut self, seconds: u32) -> Self {
        self.afk_timeout = Some(seconds);
        self
    }

    /// Add a custom emoji.
    #[must_use]
    pub fn emoji(mut self, name: impl Into<String>) -> Self {
        self.emojis.push(EmojiSpec::new(name));
        self
    }

    /// Add `count` generated members.
    #[must_use]
    pub fn generated_members(mut self, count: u32) -> Self {
        self.generated_members = count;
        self
    }
}

/// A member: a plain name in JSON (`"ada"`) or an object with more detail.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(from = "MemberSpecWire")]
pub struct MemberSpec {
    /// Username; unique across fakecord, so the same name in two guilds is the same user.
    pub name: String,
    /// The user id; minted when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Snowflake>,
    /// Role names or ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<NameOrId>,
    /// Guild nickname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    /// Whether the user is a bot account.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bot: bool,
}

impl MemberSpec {
    /// A member with this username.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Give the member a role (by name or id).
    #[must_use]
    pub fn with_role(mut self, role: impl Into<NameOrId>) -> Self {
        self.roles.push(role.into());
        self
    }

    /// Use this user id.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<Snowflake>) -> Self {
        self.id = Some(id.into());
        self
    }
}

impl From<&str> for MemberSpec {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for MemberSpec {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

// Lets JSON bodies list members as bare names.
#[derive(Deserialize)]
#[serde(untagged)]
enum MemberSpecWire {
    Name(String),
    Full {
        name: String,
        #[serde(default)]
        id: Option<Snowflake>,
        #[serde(default)]
        roles: Vec<NameOrId>,
        #[serde(default)]
        nick: Option<String>,
        #[serde(default)]
        bot: bool,
    },
}

impl From<MemberSpecWire> for MemberSpec {
    fn from(value: MemberSpecWire) -> Self {
        match value {
            MemberSpecWire::Name(name) => Self::new(name),
            MemberSpecWire::Full {
                name,
                id,
                roles,
                nick,
                bot,
            } => Self {
                name,
                id,
                roles,
                nick,
                bot,
            },
        }
    }
}

/// A role in a [`GuildSpec`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RoleSpec {
    /// The role's name.
    pub name: String,
    /// Its id; minted when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Snowflake>,
    /// Permission bits (string, number or list of names).
    pub permissions: PermissionSet,
    /// More permissions by serenity flag name, added to `permissions`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub permission_names: Vec<String>,
    /// Colour as `0xRRGGBB`.
    pub color: u32,
    /// Shown separately in the member list.
    pub hoist: bool,
    /// Placed above the bot's own role, so the bot cannot give or take it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub above_bot: bool,
}

/// What a channel is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// A text channel (type 0).
    #[default]
    Text,
    /// A voice channel (type 2).
    Voice,
    /// A category (type 4).
    Category,
    /// A public thread (type 11), created when a user posts "in a thread".
    Thread,
}

impl ChannelKind {
    /// Discord's channel type number.
    #[must_use]
    pub fn discord_type(self) -> u8 {
        match self {
            Self::Text => 0,
            Self::Voice => 2,
            Self::Category => 4,
            Self::Thread => 11,
        }
    }
}

/// A channel in a [`GuildSpec`].
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ChannelSpec {
    /// The channel's name.
    pub name: String,
    /// Its id; minted when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Snowflake>,
    /// Text, voice or category.
    pub kind: ChannelKind,
    /// The category it sits in, by name or id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<NameOrId>,
    /// Permissions the bot is denied here (bits, or a list of serenity flag names): sent as a
    /// member overwrite for the bot user in `permission_overwrites`, and enforced on the bot's
    /// REST calls in the channel. Nothing is denied when absent.
    ///
    /// Discord lets an administrator or the guild's owner past every overwrite, so in a guild
    /// with such a channel the bot's managed role has every permission but Administrator, and
    /// the bot may not own the guild.
    #[serde(skip_serializing_if = "no_permissions")]
    pub bot_denied: PermissionSet,
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn no_permissions(set: &PermissionSet) -> bool {
    set.is_empty()
}

impl ChannelSpec {
    /// A channel of this kind.
    #[must_use]
    pub fn new(name: impl Into<String>, kind: ChannelKind) -> Self {
        Self {
            name: name.into(),
            kind,
            ..Self::default()
        }
    }

    /// Deny the bot these permissions in this channel, besides any denied already.
    #[must_use]
    pub fn denying_bot(mut self, permissions: impl Into<PermissionSet>) -> Self {
        self.bot_denied = PermissionSet(self.bot_denied.0 | permissions.into().0);
        self
    }
}

/// A custom emoji: a plain name in JSON (`"pog"`) or an object.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(from = "EmojiSpecWire")]
pub struct EmojiSpec {
    /// The emoji's name, as in `:pog:`.
    pub name: String,
    /// Its id; minted when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Snowflake>,
    /// Whether it is animated.
    #[serde(default)]
    pub animated: bool,
}

impl EmojiSpec {
    /// A still custom emoji with this name.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum EmojiSpecWire {
    Name(String),
    Full {
        name: String,
        #[serde(default)]
        id: Option<Snowflake>,
        #[serde(default)]
        animated: bool,
    },
}

impl From<EmojiSpecWire> for EmojiSpec {
    fn from(value: EmojiSpecWire) -> Self {
        match value {
            EmojiSpecWire::Name(name) => Self::new(name),
            EmojiSpecWire::Full { name, id, animated } => Self { name, id, animated },
        }
    }
}

/// A created guild, with the ids of everything in it by name.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GuildInfo {
    /// The guild id.
    pub id: Snowflake,
    /// The guild name.
    pub name: String,
    /// The owner's user id.
    pub owner_id: Snowflake,
    /// The shard the guild's events go to, given the advertised shard count.
    pub shard: u32,
    /// User ids by username (the bot included).
    pub members: BTreeMap<String, Snowflake>,
    /// Channel ids by name.
    pub channels: BTreeMap<String, Snowflake>,
    /// Role ids by name (`@everyone` included).
    pub roles: BTreeMap<String, Snowflake>,
    /// Custom emoji ids by name.
    pub emojis: BTreeMap<String, Snowflake>,
}

/// A name that is not in a [`GuildInfo`].
#[derive(Debug, thiserror::Error)]
#[error("guild {guild} has no {what} named `{name}`")]
pub struct NameError {
    /// The guild's name.
    pub guild: String,
    /// "member", "channel", "role" or "emoji".
    pub what: &'static str,
    /// The missing name.
    pub name: String,
}

impl GuildInfo {
    fn find(
        &self,
        map: &BTreeMap<String, Snowflake>,
        what: &'static str,
        name: &str,
    ) -> Result<Snowflake, NameError> {
        map.get(name).copied().ok_or_else(|| NameError {
            guild: self.name.clone(),
            what,
            name: name.to_owned(),
        })
    }

    /// The id of the member with this username.
    ///
    /// # Errors
    ///
    /// [`NameError`] when there is no such member.
    pub fn user(&self, name: &str) -> Result<Snowflake, NameError> {
        self.find(&self.members, "member", name)
    }

    /// The id of the channel with this name.
    ///
    /// # Errors
    ///
    /// [`NameError`] when there is no such channel.
    pub fn channel(&self, name: &str) -> Result<Snowflake, NameError> {
        self.find(&self.channels, "channel", name)
    }

    /// The id of the role with this name.
    ///
    /// # Errors
    ///
    /// [`NameError`] when there is no such role.
    pub fn role(&self, name: &str) -> Result<Snowflake, NameError> {
        self.find(&self.roles, "role", name)
    }

    /// The id of the custom emoji with this name.
    ///
    /// # Errors
    ///
    /// [`NameError`] when there is no such emoji.
    pub fn emoji(&self, name: &str) -> Result<Snowflake, NameError> {
        self.find(&self.emojis, "emoji", name)
    }
}

/// A user joining a guild: `POST /_fake/guilds/{guild}/members`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct JoinSpec {
    /// Username (an existing user of that name is reused).
    pub name: String,
    /// The user id; minted when absent and the user is new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Snowflake>,
    /// Role names or ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<NameOrId>,
    /// The invite code used to join; its `uses` goes up by one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<String>,
}

impl JoinSpec {
    /// A user with this name joins.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Joins through this invite code.
    #[must_use]
    pub fn via_invite(mut self, code: impl Into<String>) -> Self {
        self.invite = Some(code.into());
        self
    }
}

/// The member that joined.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberInfo {
    /// The user id.
    pub user_id: Snowflake,
    /// The username.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use serenity::model::Permissions;

    use super::*;

    #[test]
    fn a_channel_spec_names_what_the_bot_is_denied_and_leaves_out_nothing_denied() {
        let quiet: ChannelSpec = serde_json::from_value(
            json!({"name": "announcements", "bot_denied": ["SEND_MESSAGES", "ADD_REACTIONS"]}),
        )
        .expect("a channel spec");
        assert_eq!(
            quiet.bot_denied.to_serenity(),
            Permissions::SEND_MESSAGES | Permissions::ADD_REACTIONS
        );
        let plain = serde_json::to_value(ChannelSpec::new("general", ChannelKind::Text))
            .expect("serializes");
        assert!(plain.get("bot_denied").is_none(), "{plain}");
        let denying = ChannelSpec::new("quiet", ChannelKind::Text)
            .denying_bot(Permissions::SEND_MESSAGES)
            .denying_bot(Permissions::ADD_REACTIONS);
        assert_eq!(denying.bot_denied, quiet.bot_denied, "denials add up");
    }
}
