//! The fake Discord's state: users, guilds (roles, channels, members, voice, invites), messages
//! with their reactions, nonces and files, and the bot's registered commands.
//!
//! It is plain data behind one mutex in [`crate::server::AppState`]. Handlers change it and, in
//! the same critical section, hand the resulting events to the gateway hub, so the order of
//! events always matches the order of changes.

mod build;
mod emoji;
mod guild;
mod message;
mod nonce;

use std::collections::{BTreeMap, HashMap};

pub(crate) use emoji::Emoji;
pub(crate) use guild::{
    Channel, CustomEmoji, Guild, Invite, Member, MemberOverwrite, Presence, Role, VoiceState,
};
pub(crate) use message::{InteractionStamp, StoredAttachment, StoredMessage};
pub(crate) use nonce::{Nonce, NonceProblem, MAX_NONCE_LEN};

use crate::api::{ChannelKind, CommandRegistry, NameOrId};
use crate::snowflake::Snowflake;

/// Why something the caller named does not exist or cannot be done.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WorldError {
    #[error("unknown guild {0}")]
    UnknownGuild(Snowflake),
    #[error("unknown channel `{0}`")]
    UnknownChannel(String),
    #[error("unknown user `{0}`")]
    UnknownUser(String),
    #[error("unknown role `{0}`")]
    UnknownRole(String),
    #[error("unknown message {0}")]
    UnknownMessage(Snowflake),
    #[error("unknown emoji `{0}`")]
    UnknownEmoji(String),
    #[error("unknown invite `{0}`")]
    UnknownInvite(String),
    #[error("`{user}` is not a member of guild {guild}")]
    NotMember { user: String, guild: Snowflake },
    #[error("{0}")]
    Invalid(String),
}

impl WorldError {
    /// Discord's JSON error code for the REST API.
    pub(crate) fn discord_code(&self) -> u32 {
        match self {
            Self::UnknownGuild(_) => 10_004,
            Self::UnknownChannel(_) => 10_003,
            Self::UnknownUser(_) => 10_013,
            Self::UnknownRole(_) => 10_011,
            Self::UnknownMessage(_) => 10_008,
            Self::UnknownEmoji(_) => 10_014,
            Self::UnknownInvite(_) => 10_006,
            Self::NotMember { .. } => 10_007,
            Self::Invalid(_) => 50_035,
        }
    }

    /// Whether the thing named does not exist (404) rather than the request being wrong (400).
    pub(crate) fn is_not_found(&self) -> bool {
        !matches!(self, Self::Invalid(_))
    }
}

/// A Discord account.
#[derive(Clone, Debug)]
pub(crate) struct User {
    pub id: Snowflake,
    pub username: String,
    pub global_name: Option<String>,
    pub bot: bool,
}

/// Where a channel lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ChannelHome {
    Guild(Snowflake),
    /// A DM between the bot and this user.
    Dm(Snowflake),
}

/// Everything fakecord knows.
#[derive(Debug)]
pub(crate) struct World {
    pub bot_id: Snowflake,
    /// The account that owns the bot's application (`owner` of `GET /oauth2/applications/@me`).
    pub owner_id: Snowflake,
    pub users: BTreeMap<Snowflake, User>,
    usernames: HashMap<String, Snowflake>,
    pub guilds: BTreeMap<Snowflake, Guild>,
    channels: HashMap<Snowflake, ChannelHome>,
    dm_channels: HashMap<Snowflake, Snowflake>,
    pub messages: HashMap<Snowflake, StoredMessage>,
    channel_messages: HashMap<Snowflake, Vec<Snowflake>>,
    pub attachments: HashMap<Snowflake, StoredAttachment>,
    pub commands: CommandRegistry,
}

impl World {
    /// A world holding only the bot user and the user who owns its application. An owner
    /// named like the bot is the bot itself, as for an application owned by its own account.
    pub(crate) fn new(
        bot_id: Snowflake,
        bot_name: &str,
        owner_name: &str,
        owner_id: Snowflake,
    ) -> Self {
        let mut world = Self {
            bot_id,
            owner_id: bot_id,
            users: BTreeMap::new(),
            usernames: HashMap::new(),
            guilds: BTreeMap::new(),
            channels: HashMap::new(),
            dm_channels: HashMap::new(),
            messages: HashMap::new(),
            channel_messages: HashMap::new(),
            attachments: HashMap::new(),
            commands: CommandRegistry::default(),
        };
        world.insert_user(User {
            id: bot_id,
            username: bot_name.to_owned(),
            global_name: None,
            bot: true,
        });
        if let Ok(owner) = world.ensure_user(owner_name, None, false, || owner_id) {
            world.owner_id = owner;
        }
        world
    }

    /// The user who owns the bot's application.
    pub(crate) fn owner(&self) -> &User {
        // The owner is inserted in `new` (or is the bot) and users are never removed.
        &self.users[&self.owner_id]
    }

    fn insert_user(&mut self, user: User) {
        self.usernames.insert(user.username.clone(), user.id);
        self.users.insert(user.id, user);
    }

    /// The bot's own user.
    pub(crate) fn bot(&self) -> &User {
        // The bot user is inserted in `new` and never removed.
        &self.users[&self.bot_id]
    }

    /// The user with this name, or a new one. An explicit id must match an existing user of
    /// that name.
    pub(crate) fn ensure_user(
        &mut self,
        name: &str,
        id: Option<Snowflake>,
        bot: bool,
        mint: impl FnOnce() -> Snowflake,
    ) -> Result<Snowflake, WorldError> {
        if name.trim().is_empty() {
            return Err(WorldError::Invalid("a user needs a name".to_owned()));
        }
        if let Some(&existing) = self.usernames.get(name) {
            return match id {
                Some(id) if id != existing => Err(WorldError::Invalid(format!(
                    "user `{name}` already exists with id {existing}, not {id}"
                ))),
                _ => Ok(existing),
            };
        }
        let id = id.unwrap_or_else(mint);
        if let Some(other) = self.users.get(&id) {
            return Err(WorldError::Invalid(format!(
                "id {id} already belongs to user `{}`",
                other.username
            )));
        }
        self.insert_user(User {
            id,
            username: name.to_owned(),
            global_name: None,
            bot,
        });
        Ok(id)
    }

    /// A user by name or id.
    pub(crate) fn user(&self, who: &NameOrId) -> Result<&User, WorldError> {
        let by_id = who.as_id().and_then(|id| self.users.get(&id));
        by_id
            .or_else(|| {
                self.usernames
                    .get(who.as_str())
                    .and_then(|id| self.users.get(id))
            })
            .ok_or_else(|| WorldError::UnknownUser(who.to_string()))
    }

    /// A user by id.
    pub(crate) fn user_by_id(&self, id: Snowflake) -> Result<&User, WorldError> {
        self.users
            .get(&id)
            .ok_or_else(|| WorldError::UnknownUser(id.to_string()))
    }

    /// A guild by id.
    pub(crate) fn guild(&self, id: Snowflake) -> Result<&Guild, WorldError> {
        self.guilds.get(&id).ok_or(WorldError::UnknownGuild(id))
    }

    /// A guild by id, to change it.
    pub(crate) fn guild_mut(&mut self, id: Snowflake) -> Result<&mut Guild, WorldError> {
        self.guilds.get_mut(&id).ok_or(WorldError::UnknownGuild(id))
    }

    /// A member of a guild, by name or id.
    pub(crate) fn member_id(
        &self,
        guild: Snowflake,
        who: &NameOrId,
    ) -> Result<Snowflake, WorldError> {
        let user = self.user(who)?.id;
        if self.guild(guild)?.members.contains_key(&user) {
            Ok(user)
        } else {
            Err(WorldError::NotMember {
                user: who.to_string(),
                guild,
            })
        }
    }

    /// Where a channel lives.
    pub(crate) fn channel_home(&self, channel: Snowflake) -> Result<ChannelHome, WorldError> {
        self.channels
            .get(&channel)
            .copied()
            .ok_or_else(|| WorldError::UnknownChannel(channel.to_string()))
    }

    /// A guild channel by id.
    pub(crate) fn guild_channel(
        &self,
        channel: Snowflake,
    ) -> Result<(&Guild, &Channel), WorldError> {
        match self.channel_home(channel)? {
            ChannelHome::Guild(g) => {
                let guild = self.guild(g)?;
                let ch = guild
                    .channel_by_id(channel)
                    .ok_or_else(|| WorldError::UnknownChannel(channel.to_string()))?;
                Ok((guild, ch))
            }
            ChannelHome::Dm(_) => Err(WorldError::UnknownChannel(channel.to_string())),
        }
    }

    /// What the bot may do in a channel, or `None` in a DM, where there are no permissions to
    /// lack.
    pub(crate) fn bot_permissions_in(&self, channel: Snowflake) -> Result<Option<u64>, WorldError> {
        match self.channel_home(channel)? {
            ChannelHome::Guild(_) => {
                let (guild, ch) = self.guild_channel(channel)?;
                Ok(Some(guild.member_permissions_in(ch, self.bot_id)))
            }
            ChannelHome::Dm(_) => Ok(None),
        }
    }

    pub(crate) fn register_channel(&mut self, channel: Snowflake, home: ChannelHome) {
        self.channels.insert(channel, home);
    }

    /// Known users mentioned as `<@id>` or `<@!id>` in `content`, in order, once each.
    pub(crate) fn mentioned_users(&self, content: &str) -> Vec<Snowflake> {
        let mut found = Vec::new();
        for piece in content.split("<@").skip(1) {
            let digits: String = piece
                .trim_start_matches('!')
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(id) = digits.parse::<Snowflake>() {
                if self.users.contains_key(&id) && !found.contains(&id) {
                    found.push(id);
                }
            }
        }
        found
    }

    /// Forgets a guild (used to undo a creation serenity would refuse).
    pub(crate) fn remove_guild(&mut self, id: Snowflake) {
        if let Some(guild) = self.guilds.remove(&id) {
            for channel in guild.channels {
                self.channels.remove(&channel.id);
            }
        }
    }

    /// The DM channel between the bot and `user`, created on first use.
    pub(crate) fn dm_channel(
        &mut self,
        user: Snowflake,
        mint: impl FnOnce() -> Snowflake,
    ) -> Snowflake {
        if let Some(&channel) = self.dm_channels.get(&user) {
            return channel;
        }
        let channel = mint();
        self.dm_channels.insert(user, channel);
        self.channels.insert(channel, ChannelHome::Dm(user));
        channel
    }

    /// Store a message.
    pub(crate) fn insert_message(&mut self, message: StoredMessage) {
        self.channel_messages
            .entry(message.channel_id)
            .or_default()
            .push(message.id);
        self.messages.insert(message.id, message);
    }

    /// A message by id.
    pub(crate) fn message(&self, id: Snowflake) -> Result<&StoredMessage, WorldError> {
        self.messages
            .get(&id)
            .filter(|m| !m.deleted)
            .ok_or(WorldError::UnknownMessage(id))
    }

    /// A message by id, to change it.
    pub(crate) fn message_mut(&mut self, id: Snowflake) -> Result<&mut StoredMessage, WorldError> {
        self.messages
            .get_mut(&id)
            .filter(|m| !m.deleted)
            .ok_or(WorldError::UnknownMessage(id))
    }

    /// Messages of a channel, oldest first, deleted ones included.
    pub(crate) fn messages_in(&self, channel: Snowflake) -> impl Iterator<Item = &StoredMessage> {
        self.channel_messages
            .get(&channel)
            .into_iter()
            .flatten()
            .filter_map(|id| self.messages.get(id))
    }

    /// The registered command with this name visible in `guild` (guild commands win).
    pub(crate) fn registered_command(
        &self,
        name: &str,
        guild: Option<Snowflake>,
    ) -> Option<&serde_json::Value> {
        let named = |c: &&serde_json::Value| {
            c.get("name").and_then(serde_json::Value::as_str) == Some(name)
                && c.get("type")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(1)
                    == 1
        };
        guild
            .and_then(|g| self.commands.guilds.get(&g))
            .and_then(|cmds| cmds.iter().find(named))
            .or_else(|| self.commands.global.iter().find(named))
    }

    /// A thread named `name` under `parent`, created if missing. Returns its id and whether it
    /// is new.
    pub(crate) fn ensure_thread(
        &mut self,
        guild_id: Snowflake,
        parent: Snowflake,
        name: &str,
        owner: Snowflake,
        mint: impl FnOnce() -> Snowflake,
    ) -> Result<(Snowflake, bool), WorldError> {
        let guild = self.guild_mut(guild_id)?;
        if let Some(existing) = guild.channels.iter().find(|c| {
            c.kind == ChannelKind::Thread && c.parent_id == Some(parent) && c.name == name
        }) {
            return Ok((existing.id, false));
        }
        let id = mint();
        guild.channels.push(Channel {
            id,
            name: name.to_owned(),
            kind: ChannelKind::Thread,
            position: 0,
            parent_id: Some(parent),
            owner_id: Some(owner),
            overwrites: Vec::new(),
        });
        self.register_channel(id, ChannelHome::Guild(guild_id));
        Ok((id, true))
    }
}
