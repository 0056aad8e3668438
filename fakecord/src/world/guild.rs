//! A guild and what it holds: roles, channels, custom emojis, members, voice states, invites
//! and presences, with lookups by name or id.

use std::collections::BTreeMap;

use serde_json::Value;
use serenity::model::Permissions;

use super::WorldError;
use crate::api::{ChannelKind, NameOrId};
use crate::snowflake::Snowflake;

/// A guild the bot is in.
#[derive(Clone, Debug)]
pub(crate) struct Guild {
    pub id: Snowflake,
    pub name: String,
    pub owner_id: Snowflake,
    /// When the bot joined.
    pub joined_at: String,
    /// `@everyone` (id = guild id) first.
    pub roles: Vec<Role>,
    /// Channels in display order, threads included.
    pub channels: Vec<Channel>,
    pub emojis: Vec<CustomEmoji>,
    pub members: BTreeMap<Snowflake, Member>,
    pub voice: BTreeMap<Snowflake, VoiceState>,
    pub invites: BTreeMap<String, Invite>,
    pub presences: BTreeMap<Snowflake, Presence>,
    /// The voice channel inactive members are moved to.
    pub afk_channel_id: Option<Snowflake>,
    /// Seconds of inactivity before that move.
    pub afk_timeout: u32,
}

/// A role.
#[derive(Clone, Debug)]
pub(crate) struct Role {
    pub id: Snowflake,
    pub name: String,
    pub permissions: u64,
    pub position: u16,
    pub color: u32,
    pub hoist: bool,
    /// Managed roles belong to an integration (the bot's own role).
    pub managed: bool,
    /// For the bot's managed role.
    pub bot_id: Option<Snowflake>,
}

/// A channel or thread.
#[derive(Clone, Debug)]
pub(crate) struct Channel {
    pub id: Snowflake,
    pub name: String,
    pub kind: ChannelKind,
    pub position: u16,
    pub parent_id: Option<Snowflake>,
    /// Who started a thread.
    pub owner_id: Option<Snowflake>,
    /// Member overwrites; a thread has none of its own and follows its parent's.
    pub overwrites: Vec<MemberOverwrite>,
}

/// A channel's permission overwrite for one member (Discord's overwrite of type 1). fakecord
/// only ever denies, so there is no `allow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MemberOverwrite {
    pub user_id: Snowflake,
    pub deny: u64,
}

/// A custom emoji.
#[derive(Clone, Debug)]
pub(crate) struct CustomEmoji {
    pub id: Snowflake,
    pub name: String,
    pub animated: bool,
}

/// A member.
#[derive(Clone, Debug)]
pub(crate) struct Member {
    pub user_id: Snowflake,
    pub nick: Option<String>,
    pub roles: Vec<Snowflake>,
    pub joined_at: String,
}

/// Someone in a voice channel.
#[derive(Clone, Debug)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "mirrors Discord's voice state flags"
)]
pub(crate) struct VoiceState {
    pub user_id: Snowflake,
    pub channel_id: Snowflake,
    pub session_id: String,
    pub self_mute: bool,
    pub self_deaf: bool,
    pub self_stream: bool,
    pub self_video: bool,
}

/// An invite.
#[derive(Clone, Debug)]
pub(crate) struct Invite {
    pub code: String,
    pub channel_id: Snowflake,
    pub inviter_id: Option<Snowflake>,
    pub uses: u64,
    pub max_uses: u8,
    pub max_age: u32,
    pub temporary: bool,
    pub created_at: String,
}

/// A member's presence.
#[derive(Clone, Debug)]
pub(crate) struct Presence {
    pub user_id: Snowflake,
    pub status: String,
    pub activities: Vec<Value>,
}

impl Presence {
    /// Whether the member shows as online (online, idle or do not disturb): `offline` and
    /// `invisible` look the same to others.
    pub(crate) fn is_online(&self) -> bool {
        !matches!(self.status.as_str(), "offline" | "invisible")
    }
}

impl Guild {
    /// A channel by id.
    pub(crate) fn channel_by_id(&self, id: Snowflake) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    /// A channel by name or id.
    pub(crate) fn channel(&self, which: &NameOrId) -> Result<&Channel, WorldError> {
        which
            .as_id()
            .and_then(|id| self.channel_by_id(id))
            .or_else(|| self.channels.iter().find(|c| c.name == which.as_str()))
            .ok_or_else(|| WorldError::UnknownChannel(which.to_string()))
    }

    /// A channel of the given kind, by name or id.
    pub(crate) fn channel_of_kind(
        &self,
        which: &NameOrId,
        kinds: &[ChannelKind],
    ) -> Result<&Channel, WorldError> {
        let channel = self.channel(which)?;
        if kinds.contains(&channel.kind) {
            Ok(channel)
        } else {
            Err(WorldError::Invalid(format!(
                "channel `{which}` is a {:?} channel, expected one of {kinds:?}",
                channel.kind
            )))
        }
    }

    /// The first text channel, where commands run when no channel is named.
    pub(crate) fn first_text_channel(&self) -> Option<&Channel> {
        self.channels.iter().find(|c| c.kind == ChannelKind::Text)
    }

    /// A role by id.
    pub(crate) fn role_by_id(&self, id: Snowflake) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }

    /// A role by name or id.
    pub(crate) fn role(&self, which: &NameOrId) -> Result<&Role, WorldError> {
        which
            .as_id()
            .and_then(|id| self.role_by_id(id))
            .or_else(|| self.roles.iter().find(|r| r.name == which.as_str()))
            .ok_or_else(|| WorldError::UnknownRole(which.to_string()))
    }

    /// A member's permissions, as Discord computes them at guild level: the owner and
    /// administrators have everything, others the union of their roles and `@everyone`.
    pub(crate) fn member_permissions(&self, user: Snowflake) -> u64 {
        if self.owner_id == user {
            return Permissions::all().bits();
        }
        let everyone = self.role_by_id(self.id).map_or(0, |r| r.permissions);
        let from_roles = self
            .members
            .get(&user)
            .into_iter()
            .flat_map(|m| m.roles.iter())
            .filter_map(|r| self.role_by_id(*r))
            .fold(everyone, |acc, r| acc | r.permissions);
        if from_roles & Permissions::ADMINISTRATOR.bits() != 0 {
            Permissions::all().bits()
        } else {
            from_roles
        }
    }

    /// A member's permissions in a channel, as Discord (and serenity's
    /// `Guild::user_permissions_in`) computes them: the guild-level permissions, which the owner
    /// and administrators keep whatever the channel says, less what the channel's overwrite for
    /// the member denies. A thread follows its parent channel.
    pub(crate) fn member_permissions_in(&self, channel: &Channel, user: Snowflake) -> u64 {
        let guild_level = self.member_permissions(user);
        if guild_level & Permissions::ADMINISTRATOR.bits() != 0 {
            return guild_level;
        }
        let governing = match channel.kind {
            ChannelKind::Thread => channel
                .parent_id
                .and_then(|p| self.channel_by_id(p))
                .unwrap_or(channel),
            _ => channel,
        };
        governing
            .overwrites
            .iter()
            .filter(|o| o.user_id == user)
            .fold(guild_level, |acc, o| acc & !o.deny)
    }

    /// A custom emoji by name.
    pub(crate) fn emoji_named(&self, name: &str) -> Option<&CustomEmoji> {
        self.emojis.iter().find(|e| e.name == name)
    }
}
