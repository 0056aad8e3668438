//! Creating guilds from a [`GuildSpec`], and members joining and leaving.

use std::collections::BTreeMap;

use serenity::model::Permissions;

use super::{
    Channel, ChannelHome, CustomEmoji, Guild, Member, MemberOverwrite, Role, World, WorldError,
};
use crate::api::{ChannelKind, GuildInfo, GuildSpec, JoinSpec, NameOrId, PermissionSet};
use crate::snowflake::{now_timestamp, Snowflake, Snowflakes};

/// What `@everyone` may do when the spec does not say: Discord's defaults for a new server.
pub(crate) fn default_everyone_permissions() -> u64 {
    (Permissions::CREATE_INSTANT_INVITE
        | Permissions::ADD_REACTIONS
        | Permissions::STREAM
        | Permissions::VIEW_CHANNEL
        | Permissions::SEND_MESSAGES
        | Permissions::EMBED_LINKS
        | Permissions::ATTACH_FILES
        | Permissions::READ_MESSAGE_HISTORY
        | Permissions::MENTION_EVERYONE
        | Permissions::USE_EXTERNAL_EMOJIS
        | Permissions::CONNECT
        | Permissions::SPEAK
        | Permissions::USE_VAD
        | Permissions::CHANGE_NICKNAME
        | Permissions::USE_APPLICATION_COMMANDS
        | Permissions::SEND_MESSAGES_IN_THREADS
        | Permissions::CREATE_PUBLIC_THREADS)
        .bits()
}

/// What the bot's managed role may do. Administrator, so serenity's cache-based permission
/// checks never get in the way; but Discord lets an administrator past every channel
/// overwrite, so in a guild with a channel denying the bot something the role has every
/// permission but that one, and the overwrite counts.
fn bot_role_permissions(spec: &GuildSpec) -> u64 {
    if spec.channels.iter().any(|c| !c.bot_denied.is_empty()) {
        Permissions::all().bits() & !Permissions::ADMINISTRATOR.bits()
    } else {
        Permissions::ADMINISTRATOR.bits()
    }
}

/// The roles of a new guild: `@everyone` (id = guild id), the spec's roles, and the bot's
/// managed role last. Returns them with the bot role's id.
fn build_roles(
    guild_id: Snowflake,
    spec: &GuildSpec,
    bot: &super::User,
    ids: &Snowflakes,
) -> Result<(Vec<Role>, Snowflake), WorldError> {
    let mut roles = vec![Role {
        id: guild_id,
        name: "@everyone".to_owned(),
        permissions: spec
            .everyone_permissions
            .map_or_else(default_everyone_permissions, |p| p.0),
        position: 0,
        color: 0,
        hoist: false,
        managed: false,
        bot_id: None,
    }];
    // Roles below the bot's come first, then the bot's, then those placed above it.
    let below = spec.roles.iter().filter(|role| !role.above_bot).count();
    let bot_position = u16::try_from(below + 1).unwrap_or(u16::MAX);
    let (mut next_below, mut next_above) = (1_u16, bot_position);
    for role in &spec.roles {
        let by_name =
            PermissionSet::from_names(&role.permission_names).map_err(WorldError::Invalid)?;
        let position = if role.above_bot {
            next_above = next_above.saturating_add(1);
            next_above
        } else {
            next_below = next_below.saturating_add(1);
            next_below - 1
        };
        roles.push(Role {
            id: role.id.unwrap_or_else(|| ids.next()),
            name: role.name.clone(),
            permissions: role.permissions.0 | by_name.0,
            position,
            color: role.color,
            hoist: role.hoist,
            managed: false,
            bot_id: None,
        });
    }
    let bot_role = Role {
        id: ids.next(),
        name: bot.username.clone(),
        permissions: bot_role_permissions(spec),
        position: bot_position,
        color: 0,
        hoist: false,
        managed: true,
        bot_id: Some(bot.id),
    };
    let bot_role_id = bot_role.id;
    roles.push(bot_role);
    Ok((roles, bot_role_id))
}

/// The AFK timeouts Discord accepts, in seconds.
const AFK_TIMEOUTS: [u32; 5] = [60, 300, 900, 1800, 3600];

/// Discord's AFK timeout for a new server.
const DEFAULT_AFK_TIMEOUT: u32 = 300;

/// The AFK channel and timeout of a new guild: the channel must be one of its voice channels,
/// the timeout one of the five Discord offers (any other would be a guild Discord cannot have).
fn afk_settings(
    spec: &GuildSpec,
    channels: &[Channel],
) -> Result<(Option<Snowflake>, u32), WorldError> {
    let timeout = spec.afk_timeout.unwrap_or(DEFAULT_AFK_TIMEOUT);
    if !AFK_TIMEOUTS.contains(&timeout) {
        return Err(WorldError::Invalid(format!(
            "afk_timeout {timeout} is not one Discord allows ({AFK_TIMEOUTS:?} seconds)"
        )));
    }
    let Some(which) = &spec.afk_channel else {
        return Ok((None, timeout));
    };
    let channel = channels
        .iter()
        .find(|c| Some(c.id) == which.as_id() || c.name == which.as_str())
        .ok_or_else(|| WorldError::UnknownChannel(which.to_string()))?;
    if channel.kind != ChannelKind::Voice {
        return Err(WorldError::Invalid(format!(
            "afk_channel `{which}` is a {:?} channel; the AFK channel must be a voice channel",
            channel.kind
        )));
    }
    Ok((Some(channel.id), timeout))
}

/// The channels of a new guild, in the spec's order, with parents resolved and what the spec
/// denies the bot as a member overwrite for `bot`.
fn build_channels(
    spec: &GuildSpec,
    bot: Snowflake,
    ids: &Snowflakes,
) -> Result<Vec<Channel>, WorldError> {
    let mut channels = Vec::with_capacity(spec.channels.len());
    for (position, ch) in spec.channels.iter().enumerate() {
        if ch.kind == ChannelKind::Thread {
            return Err(WorldError::Invalid(format!(
                "channel `{}`: threads are created by posting with `thread`",
                ch.name
            )));
        }
        channels.push(Channel {
            id: ch.id.unwrap_or_else(|| ids.next()),
            name: ch.name.clone(),
            kind: ch.kind,
            position: u16::try_from(position).unwrap_or(u16::MAX),
            parent_id: None,
            owner_id: None,
            overwrites: (!ch.bot_denied.is_empty())
                .then_some(MemberOverwrite {
                    user_id: bot,
                    deny: ch.bot_denied.0,
                })
                .into_iter()
                .collect(),
        });
    }
    // A second pass, so a channel may name a category listed after it.
    for (index, ch) in spec.channels.iter().enumerate() {
        if let Some(parent) = &ch.parent {
            let category = channels
                .iter()
                .find(|c| {
                    c.kind == ChannelKind::Category
                        && (Some(c.id) == parent.as_id() || c.name == parent.as_str())
                })
                .ok_or_else(|| WorldError::UnknownChannel(parent.to_string()))?;
            channels[index].parent_id = Some(category.id);
        }
    }
    Ok(channels)
}

impl World {
    /// Creates a guild the bot is in. The bot joins as a member with a managed role that has
    /// Administrator, or every other permission when a channel denies it some (see
    /// [`bot_role_permissions`]).
    pub(crate) fn create_guild(
        &mut self,
        spec: &GuildSpec,
        ids: &Snowflakes,
    ) -> Result<Snowflake, WorldError> {
        if spec.name.trim().is_empty() {
            return Err(WorldError::Invalid("a guild needs a name".to_owned()));
        }
        let id = spec.id.unwrap_or_else(|| ids.next());
        if self.guilds.contains_key(&id) {
            return Err(WorldError::Invalid(format!("guild {id} already exists")));
        }
        let now = now_timestamp();
        let (roles, bot_role_id) = build_roles(id, spec, self.bot(), ids)?;
        let channels = build_channels(spec, self.bot_id, ids)?;
        let (afk_channel_id, afk_timeout) = afk_settings(spec, &channels)?;
        let mut guild = Guild {
            id,
            name: spec.name.clone(),
            owner_id: self.bot_id,
            joined_at: now.clone(),
            roles,
            channels,
            emojis: spec
                .emojis
                .iter()
                .map(|e| CustomEmoji {
                    id: e.id.unwrap_or_else(|| ids.next()),
                    name: e.name.clone(),
                    animated: e.animated,
                })
                .collect(),
            members: BTreeMap::new(),
            voice: BTreeMap::new(),
            invites: BTreeMap::new(),
            presences: BTreeMap::new(),
            afk_channel_id,
            afk_timeout,
        };

        let mut member_specs = spec.members.clone();
        member_specs.extend((1..=spec.generated_members).map(|n| format!("member-{n:04}").into()));
        let mut member_ids = Vec::with_capacity(member_specs.len());
        for m in &member_specs {
            let user = self.ensure_user(&m.name, m.id, m.bot, || ids.next())?;
            let roles = m
                .roles
                .iter()
                .map(|r| guild.role(r).map(|r| r.id))
                .collect::<Result<Vec<_>, _>>()?;
            let member = Member {
                user_id: user,
                nick: m.nick.clone(),
                roles,
                joined_at: now.clone(),
            };
            guild.members.insert(user, member);
            member_ids.push(user);
        }
        let bot_member = Member {
            user_id: self.bot_id,
            nick: None,
            roles: vec![bot_role_id],
            joined_at: now,
        };
        guild.members.insert(self.bot_id, bot_member);

        guild.owner_id = match &spec.owner {
            Some(owner) => {
                let user = self.user(owner)?.id;
                if !guild.members.contains_key(&user) {
                    return Err(WorldError::NotMember {
                        user: owner.to_string(),
                        guild: id,
                    });
                }
                user
            }
            None => member_ids.first().copied().unwrap_or(self.bot_id),
        };
        // The owner has every permission whatever a channel says, so an overwrite for the bot
        // in a guild it owns would be a test that cannot fail the way it means to.
        if guild.owner_id == self.bot_id {
            if let Some(denying) = guild.channels.iter().find(|c| !c.overwrites.is_empty()) {
                return Err(WorldError::Invalid(format!(
                    "channel `{}` denies the bot permissions, but the bot owns the guild and an \
                     owner keeps every permission; add a member to own it",
                    denying.name
                )));
            }
        }

        for channel in &guild.channels {
            self.register_channel(channel.id, ChannelHome::Guild(id));
        }
        self.guilds.insert(id, guild);
        Ok(id)
    }

    /// The ids of everything in a guild by name.
    pub(crate) fn guild_info(&self, id: Snowflake, shards: u32) -> Result<GuildInfo, WorldError> {
        let guild = self.guild(id)?;
        let members = guild
            .members
            .keys()
            .filter_map(|u| self.users.get(u))
            .map(|u| (u.username.clone(), u.id))
            .collect();
        Ok(GuildInfo {
            id,
            name: guild.name.clone(),
            owner_id: guild.owner_id,
            shard: crate::gateway::shard_of(id, shards),
            members,
            channels: guild
                .channels
                .iter()
                .map(|c| (c.name.clone(), c.id))
                .collect(),
            roles: guild.roles.iter().map(|r| (r.name.clone(), r.id)).collect(),
            emojis: guild
                .emojis
                .iter()
                .map(|e| (e.name.clone(), e.id))
                .collect(),
        })
    }

    /// A user joins a guild, optionally through an invite whose `uses` goes up.
    pub(crate) fn join_guild(
        &mut self,
        guild_id: Snowflake,
        spec: &JoinSpec,
        ids: &Snowflakes,
    ) -> Result<Snowflake, WorldError> {
        let guild = self.guild(guild_id)?;
        let roles = spec
            .roles
            .iter()
            .map(|r| guild.role(r).map(|r| r.id))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(code) = &spec.invite {
            let invite = guild
                .invites
                .get(code)
                .ok_or_else(|| WorldError::UnknownInvite(code.clone()))?;
            if invite.max_uses != 0 && invite.uses >= u64::from(invite.max_uses) {
                return Err(WorldError::Invalid(format!("invite `{code}` is used up")));
            }
        }
        let user = self.ensure_user(&spec.name, spec.id, false, || ids.next())?;
        let guild = self.guild_mut(guild_id)?;
        if guild.members.contains_key(&user) {
            return Err(WorldError::Invalid(format!(
                "`{}` is already a member of guild {guild_id}",
                spec.name
            )));
        }
        if let Some(invite) = spec.invite.as_ref().and_then(|c| guild.invites.get_mut(c)) {
            invite.uses += 1;
        }
        guild.members.insert(
            user,
            Member {
                user_id: user,
                nick: None,
                roles,
                joined_at: now_timestamp(),
            },
        );
        Ok(user)
    }

    /// A member leaves a guild. Returns whether they were in voice (they leave it too).
    pub(crate) fn leave_guild(
        &mut self,
        guild_id: Snowflake,
        who: &NameOrId,
    ) -> Result<(Snowflake, bool), WorldError> {
        let user = self.member_id(guild_id, who)?;
        if user == self.bot_id {
            return Err(WorldError::Invalid(
                "the bot cannot leave through the control API".into(),
            ));
        }
        let guild = self.guild_mut(guild_id)?;
        guild.members.remove(&user);
        guild.presences.remove(&user);
        let was_in_voice = guild.voice.remove(&user).is_some();
        Ok((user, was_in_voice))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world() -> World {
        World::new(Snowflake(1), "trakker", "app-owner", Snowflake(2))
    }

    fn squad() -> GuildSpec {
        GuildSpec::new("Squad")
            .member("ada")
            .text_channel("general")
            .voice_channel("Lobby")
            .voice_channel("AFK")
    }

    #[test]
    fn the_afk_channel_is_a_voice_channel_of_the_guild() {
        let ids = Snowflakes::new();
        let mut world = world();
        let id = world
            .create_guild(&squad().afk_channel("AFK").afk_timeout(900), &ids)
            .expect("guild");
        let guild = world.guild(id).expect("guild");
        let afk = guild.channel(&"AFK".into()).expect("AFK").id;
        assert_eq!((guild.afk_channel_id, guild.afk_timeout), (Some(afk), 900));

        let plain = world
            .create_guild(&GuildSpec::new("Plain"), &ids)
            .expect("guild");
        let plain = world.guild(plain).expect("guild");
        assert_eq!((plain.afk_channel_id, plain.afk_timeout), (None, 300));
    }

    #[test]
    fn a_channel_denying_the_bot_holds_a_member_overwrite_that_counts() {
        let ids = Snowflakes::new();
        let mut world = world();
        let spec = GuildSpec::new("Squad")
            .member("ada")
            .text_channel("general")
            .text_channel_denying_bot("announcements", Permissions::SEND_MESSAGES);
        let id = world.create_guild(&spec, &ids).expect("guild");
        let bot = world.bot_id;
        let guild = world.guild(id).expect("guild");
        let general = guild.channel(&"general".into()).expect("general");
        let announcements = guild
            .channel(&"announcements".into())
            .expect("announcements");
        assert!(general.overwrites.is_empty());
        assert_eq!(
            announcements.overwrites,
            [MemberOverwrite {
                user_id: bot,
                deny: Permissions::SEND_MESSAGES.bits(),
            }]
        );

        let may = |channel: &Channel| {
            Permissions::from_bits_retain(guild.member_permissions_in(channel, bot))
        };
        assert!(!may(announcements).contains(Permissions::SEND_MESSAGES));
        let still = Permissions::VIEW_CHANNEL | Permissions::ADD_REACTIONS;
        assert!(may(announcements).contains(still));
        assert!(may(general).contains(Permissions::SEND_MESSAGES));
        assert!(
            !may(general).contains(Permissions::ADMINISTRATOR),
            "an administrator would be let past the overwrite"
        );
        let ada = world.user(&"ada".into()).expect("ada").id;
        assert!(
            Permissions::from_bits_retain(guild.member_permissions_in(announcements, ada))
                .contains(Permissions::SEND_MESSAGES),
            "the overwrite is the bot's alone"
        );
    }

    #[test]
    fn the_bot_stays_administrator_where_no_channel_denies_it() {
        let ids = Snowflakes::new();
        let mut world = world();
        let id = world.create_guild(&squad(), &ids).expect("guild");
        let guild = world.guild(id).expect("guild");
        let general = guild.channel(&"general".into()).expect("general");
        assert_eq!(
            guild.member_permissions_in(general, world.bot_id),
            Permissions::all().bits()
        );
    }

    #[test]
    fn a_thread_follows_its_parents_overwrite() {
        let ids = Snowflakes::new();
        let mut world = world();
        let spec = GuildSpec::new("Squad")
            .member("ada")
            .text_channel_denying_bot("announcements", Permissions::ADD_REACTIONS);
        let id = world.create_guild(&spec, &ids).expect("guild");
        let parent = world.guild(id).expect("guild").channels[0].id;
        let ada = world.user(&"ada".into()).expect("ada").id;
        let (thread, _) = world
            .ensure_thread(id, parent, "tonight", ada, || ids.next())
            .expect("thread");
        let may = Permissions::from_bits_retain(
            world
                .bot_permissions_in(thread)
                .expect("known")
                .expect("a guild channel"),
        );
        assert!(!may.contains(Permissions::ADD_REACTIONS));
        assert!(may.contains(Permissions::SEND_MESSAGES_IN_THREADS));
    }

    #[test]
    fn the_bot_cannot_own_a_guild_with_a_channel_denying_it() {
        let ids = Snowflakes::new();
        let mut world = world();
        let alone =
            GuildSpec::new("Alone").text_channel_denying_bot("quiet", Permissions::SEND_MESSAGES);
        let err = world.create_guild(&alone, &ids).expect_err("refused");
        assert!(err.to_string().contains("the bot owns the guild"), "{err}");
        let with_ada = alone.member("ada");
        world.create_guild(&with_ada, &ids).expect("ada owns it");
    }

    #[test]
    fn impossible_afk_settings_are_refused() {
        let ids = Snowflakes::new();
        let mut world = world();
        for (spec, says) in [
            (squad().afk_channel("general"), "must be a voice channel"),
            (squad().afk_channel("Nowhere"), "unknown channel"),
            (squad().afk_channel("AFK").afk_timeout(42), "afk_timeout 42"),
        ] {
            let err = world.create_guild(&spec, &ids).expect_err("refused");
            assert!(err.to_string().contains(says), "{err}");
        }
    }
}
