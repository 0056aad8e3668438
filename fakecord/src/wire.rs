//! Discord's JSON shapes: renders fakecord's state the way Discord would send it, over REST and
//! in gateway dispatches.
//!
//! Every function here feeds serenity, so every shape is covered by a test that deserializes
//! it with serenity's own model types (and dispatches are checked again before they are sent,
//! see [`crate::gateway::check`]).

use serde_json::{json, Map, Value};
use serenity::model::gateway::GatewayIntents;

use crate::api::ChannelKind;
use crate::gateway::Identified;
use crate::snowflake::{format_timestamp, Snowflake};
use crate::world::{
    Channel, Emoji, Guild, Invite, Member, MemberOverwrite, Presence, Role, StoredAttachment,
    StoredMessage, User, VoiceState, World,
};

/// Application flags fakecord reports: the three privileged intents enabled for an unverified
/// bot (presence, guild members, message content), so serenity and poise see a normal bot.
pub(crate) const APPLICATION_FLAGS: u64 = (1 << 13) | (1 << 15) | (1 << 19);

/// Where a message is going: Discord leaves `guild_id` and `member` out of REST responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Surface {
    Rest,
    Gateway,
}

/// A user object.
pub(crate) fn user(user: &User) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "discriminator": "0",
        "global_name": user.global_name,
        "avatar": null,
        "bot": user.bot,
        "system": false,
        "public_flags": 0,
        "flags": 0,
        "primary_guild": null,
    })
}

/// The user object of `GET /users/@me` and READY: a user plus account fields.
pub(crate) fn current_user(bot: &User) -> Value {
    let mut value = user(bot);
    if let Some(map) = value.as_object_mut() {
        map.insert("verified".into(), json!(true));
        map.insert("mfa_enabled".into(), json!(false));
        map.insert("locale".into(), json!("en-US"));
        map.insert("email".into(), Value::Null);
        map.insert("premium_type".into(), json!(0));
    }
    value
}

/// A member object; `with_user` adds the nested user (left out where Discord leaves it out).
pub(crate) fn member(world: &World, member: &Member, with_user: bool) -> Value {
    let mut value = json!({
        "nick": member.nick,
        "avatar": null,
        "banner": null,
        "roles": member.roles,
        "joined_at": member.joined_at,
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    });
    if with_user {
        if let (Some(map), Some(u)) = (value.as_object_mut(), world.users.get(&member.user_id)) {
            map.insert("user".into(), user(u));
        }
    }
    value
}

/// A member with its guild id, as in `GUILD_MEMBER_ADD`.
pub(crate) fn member_with_guild(world: &World, guild: &Guild, m: &Member) -> Value {
    let mut value = member(world, m, true);
    if let Some(map) = value.as_object_mut() {
        map.insert("guild_id".into(), json!(guild.id));
    }
    value
}

/// A role object.
pub(crate) fn role(role: &Role) -> Value {
    let mut tags = Map::new();
    if let Some(bot) = role.bot_id {
        tags.insert("bot_id".into(), json!(bot));
    }
    json!({
        "id": role.id,
        "name": role.name,
        "color": role.color,
        "colors": { "primary_color": role.color, "secondary_color": null, "tertiary_color": null },
        "hoist": role.hoist,
        "icon": null,
        "unicode_emoji": null,
        "position": role.position,
        "permissions": role.permissions.to_string(),
        "managed": role.managed,
        "mentionable": false,
        "flags": 0,
        "tags": tags,
    })
}

/// A guild channel or thread.
pub(crate) fn channel(guild_id: Snowflake, channel: &Channel) -> Value {
    let mut value = json!({
        "id": channel.id,
        "type": channel.kind.discord_type(),
        "guild_id": guild_id,
        "name": channel.name,
        "position": channel.position,
        "permission_overwrites": channel.overwrites.iter().map(overwrite).collect::<Vec<_>>(),
        "parent_id": channel.parent_id,
        "nsfw": false,
        "flags": 0,
    });
    let Some(map) = value.as_object_mut() else {
        return value;
    };
    match channel.kind {
        ChannelKind::Text => {
            map.insert("topic".into(), Value::Null);
            map.insert("last_message_id".into(), Value::Null);
            map.insert("rate_limit_per_user".into(), json!(0));
        }
        ChannelKind::Voice => {
            map.insert("bitrate".into(), json!(64_000));
            map.insert("user_limit".into(), json!(0));
            map.insert("rtc_region".into(), Value::Null);
            map.insert("rate_limit_per_user".into(), json!(0));
        }
        ChannelKind::Category => {}
        ChannelKind::Thread => {
            map.remove("permission_overwrites");
            map.remove("position");
            map.insert("owner_id".into(), json!(channel.owner_id));
            map.insert("rate_limit_per_user".into(), json!(0));
            map.insert("message_count".into(), json!(0));
            map.insert("member_count".into(), json!(1));
            map.insert("total_message_sent".into(), json!(0));
            map.insert(
                "thread_metadata".into(),
                json!({
                    "archived": false,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": format_timestamp(channel.id.created_at()),
                    "locked": false,
                    "create_timestamp": format_timestamp(channel.id.created_at()),
                }),
            );
        }
    }
    value
}

/// A member overwrite (`type` 1), bits as decimal strings like Discord's.
fn overwrite(o: &MemberOverwrite) -> Value {
    json!({ "id": o.user_id, "type": 1, "allow": "0", "deny": o.deny.to_string() })
}

/// The DM channel between the bot and a user.
pub(crate) fn dm_channel(channel_id: Snowflake, recipient: &User) -> Value {
    json!({
        "id": channel_id,
        "type": 1,
        "last_message_id": null,
        "recipients": [user(recipient)],
        "flags": 0,
    })
}

/// A voice state; `with_member` adds the member, as `VOICE_STATE_UPDATE` does.
pub(crate) fn voice_state(
    world: &World,
    guild: &Guild,
    state: &VoiceState,
    with_member: bool,
) -> Value {
    let mut value = json!({
        "guild_id": guild.id,
        "channel_id": state.channel_id,
        "user_id": state.user_id,
        "session_id": state.session_id,
        "deaf": false,
        "mute": false,
        "self_deaf": state.self_deaf,
        "self_mute": state.self_mute,
        "self_stream": state.self_stream,
        "self_video": state.self_video,
        "suppress": false,
        "request_to_speak_timestamp": null,
    });
    if with_member {
        if let (Some(map), Some(m)) = (value.as_object_mut(), guild.members.get(&state.user_id)) {
            map.insert("member".into(), member(world, m, true));
        }
    }
    value
}

/// The `VOICE_STATE_UPDATE` for a user who left voice.
pub(crate) fn voice_left(
    world: &World,
    guild: &Guild,
    user_id: Snowflake,
    session_id: &str,
) -> Value {
    let mut value = json!({
        "guild_id": guild.id,
        "channel_id": null,
        "user_id": user_id,
        "session_id": session_id,
        "deaf": false,
        "mute": false,
        "self_deaf": false,
        "self_mute": false,
        "self_stream": false,
        "self_video": false,
        "suppress": false,
        "request_to_speak_timestamp": null,
    });
    if let (Some(map), Some(m)) = (value.as_object_mut(), guild.members.get(&user_id)) {
        map.insert("member".into(), member(world, m, true));
    }
    value
}

/// A presence, as in `PRESENCE_UPDATE` and `GUILD_CREATE`.
pub(crate) fn presence(guild: &Guild, p: &Presence) -> Value {
    json!({
        "user": { "id": p.user_id },
        "guild_id": guild.id,
        "status": p.status,
        "activities": p.activities,
        "client_status": { "desktop": p.status },
    })
}

fn custom_emojis(guild: &Guild) -> Vec<Value> {
    guild
        .emojis
        .iter()
        .map(|e| {
            json!({
                "id": e.id, "name": e.name, "animated": e.animated, "available": true,
                "managed": false, "require_colons": true, "roles": [],
            })
        })
        .collect()
}

/// The fields GET /guilds/{id} and `GUILD_CREATE` share.
fn guild_base(guild: &Guild) -> Map<String, Value> {
    let value = json!({
        "id": guild.id,
        "name": guild.name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": guild.owner_id,
        "afk_channel_id": guild.afk_channel_id,
        "afk_timeout": guild.afk_timeout,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": guild.roles.iter().map(role).collect::<Vec<_>>(),
        "emojis": custom_emojis(guild),
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500_000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// `GET /guilds/{id}`: a guild without members or channels.
pub(crate) fn partial_guild(guild: &Guild) -> Value {
    let mut map = guild_base(guild);
    map.insert(
        "approximate_member_count".into(),
        json!(guild.members.len()),
    );
    map.insert(
        "approximate_presence_count".into(),
        json!(guild.presences.len()),
    );
    Value::Object(map)
}

/// `GUILD_CREATE`, shaped by what the session identified with, as Discord does: voice states
/// only with `GUILD_VOICE_STATES`, presences only with `GUILD_PRESENCES`. `member_count` is
/// always the true count; which members are listed depends on the guild's size:
///
/// - up to `large_threshold` members, every member with `GUILD_MEMBERS` or `GUILD_PRESENCES`,
///   otherwise the bot and members in voice;
/// - above it (`large: true`), the bot, members in voice and, with `GUILD_PRESENCES`, members
///   online; presences of online members only. The rest come from Request Guild Members.
pub(crate) fn guild_create(world: &World, guild: &Guild, session: Identified) -> Value {
    let intents = session.intents;
    let mut map = guild_base(guild);
    let voice = intents.contains(GatewayIntents::GUILD_VOICE_STATES);
    let with_presences = intents.contains(GatewayIntents::GUILD_PRESENCES);
    let large = u64::try_from(guild.members.len()).unwrap_or(u64::MAX) > session.large_threshold;
    let everyone = !large
        && intents.intersects(GatewayIntents::GUILD_MEMBERS | GatewayIntents::GUILD_PRESENCES);
    let online = |user: &Snowflake| {
        with_presences && guild.presences.get(user).is_some_and(Presence::is_online)
    };
    let members: Vec<Value> = guild
        .members
        .values()
        .filter(|m| {
            everyone
                || m.user_id == world.bot_id
                || guild.voice.contains_key(&m.user_id)
                || (large && online(&m.user_id))
        })
        .map(|m| member(world, m, true))
        .collect();
    let (channels, threads): (Vec<&Channel>, Vec<&Channel>) = guild
        .channels
        .iter()
        .partition(|c| c.kind != ChannelKind::Thread);
    map.insert("joined_at".into(), json!(guild.joined_at));
    map.insert("large".into(), json!(large));
    map.insert("unavailable".into(), json!(false));
    map.insert("member_count".into(), json!(guild.members.len()));
    map.insert(
        "voice_states".into(),
        if voice {
            guild
                .voice
                .values()
                .map(|v| voice_state(world, guild, v, false))
                .collect()
        } else {
            json!([])
        },
    );
    map.insert("members".into(), Value::Array(members));
    map.insert(
        "channels".into(),
        channels.iter().map(|c| channel(guild.id, c)).collect(),
    );
    map.insert(
        "threads".into(),
        threads.iter().map(|c| channel(guild.id, c)).collect(),
    );
    map.insert(
        "presences".into(),
        if with_presences {
            guild
                .presences
                .values()
                .filter(|p| !large || p.is_online())
                .map(|p| presence(guild, p))
                .collect()
        } else {
            json!([])
        },
    );
    map.insert("stage_instances".into(), json!([]));
    map.insert("guild_scheduled_events".into(), json!([]));
    map.insert("soundboard_sounds".into(), json!([]));
    Value::Object(map)
}

/// An attachment object.
pub(crate) fn attachment(a: &StoredAttachment, base: &str) -> Value {
    let url = a.url(base);
    json!({
        "id": a.id,
        "filename": a.filename,
        "description": a.description,
        "content_type": a.content_type,
        "size": a.bytes.len(),
        "url": url,
        "proxy_url": url,
    })
}

/// A message object.
pub(crate) fn message(world: &World, m: &StoredMessage, base: &str, surface: Surface) -> Value {
    let author = world.users.get(&m.author_id).map_or(Value::Null, user);
    let mentions: Vec<Value> = m
        .mentions
        .iter()
        .filter_map(|u| world.users.get(u))
        .map(user)
        .collect();
    let mut value = json!({
        "id": m.id,
        "channel_id": m.channel_id,
        "author": author,
        "content": m.content,
        "timestamp": m.timestamp,
        "edited_timestamp": m.edited_timestamp,
        "tts": false,
        "mention_everyone": false,
        "mentions": mentions,
        "mention_roles": m.mention_roles,
        "attachments": m.attachments.iter().filter_map(|a| world.attachments.get(a)).map(|a| attachment(a, base)).collect::<Vec<_>>(),
        "embeds": m.embeds,
        "pinned": false,
        "type": m.kind,
        "flags": m.flags,
        "components": m.components,
    });
    let Some(map) = value.as_object_mut() else {
        return value;
    };
    if !m.reactions.is_empty() {
        let reactions: Vec<Value> = m
            .reactions
            .iter()
            .map(|r| {
                json!({
                    "count": r.users.len(),
                    "count_details": { "burst": 0, "normal": r.users.len() },
                    "me": r.users.contains(&world.bot_id),
                    "me_burst": false,
                    "burst_colors": [],
                    "emoji": r.emoji.to_json(),
                })
            })
            .collect();
        map.insert("reactions".into(), Value::Array(reactions));
    }
    if let Some(webhook) = m.webhook_id {
        map.insert("webhook_id".into(), json!(webhook));
        map.insert("application_id".into(), json!(world.bot_id));
    }
    if let Some(stamp) = &m.interaction {
        if let Some(u) = world.users.get(&stamp.user_id) {
            map.insert(
                "interaction".into(),
                json!({ "id": stamp.id, "type": stamp.kind, "name": stamp.name, "user": user(u) }),
            );
            map.insert(
                "interaction_metadata".into(),
                json!({
                    "id": stamp.id, "type": stamp.kind, "user": user(u),
                    "authorizing_integration_owners": { "0": m.guild_id.unwrap_or_default() },
                }),
            );
        }
    }
    if let Some(reply) = m.reply_to {
        map.insert(
            "message_reference".into(),
            json!({ "type": 0, "message_id": reply, "channel_id": m.channel_id, "guild_id": m.guild_id }),
        );
        let referenced =
            world
                .messages
                .get(&reply)
                .filter(|r| !r.deleted)
                .map_or(Value::Null, |r| {
                    let mut inner = StoredMessage::clone(r);
                    // Discord does not nest replies further than one level.
                    inner.reply_to = None;
                    message(world, &inner, base, Surface::Rest)
                });
        map.insert("referenced_message".into(), referenced);
    }
    if surface == Surface::Gateway {
        if let Some(guild_id) = m.guild_id {
            map.insert("guild_id".into(), json!(guild_id));
            let member_json = world
                .guilds
                .get(&guild_id)
                .and_then(|g| g.members.get(&m.author_id))
                .map(|mm| member(world, mm, false));
            if let Some(member_json) = member_json {
                map.insert("member".into(), member_json);
            }
        }
    }
    value
}

/// A message as its creation is answered (`POST /channels/{id}/messages`) and announced
/// (`MESSAGE_CREATE`): [`message`] plus the nonce the bot sent, which Discord echoes there
/// and nowhere else.
pub(crate) fn created_message(
    world: &World,
    m: &StoredMessage,
    base: &str,
    surface: Surface,
) -> Value {
    let mut value = message(world, m, base, surface);
    if let (Some(nonce), Some(map)) = (&m.nonce, value.as_object_mut()) {
        map.insert("nonce".into(), nonce.to_json());
    }
    value
}

/// Partial user objects of `GET /channels/{c}/messages/{m}/reactions/{emoji}`: users in id
/// order, as Discord lists them.
pub(crate) fn reactors(world: &World, users: &[Snowflake]) -> Value {
    let mut sorted = users.to_vec();
    sorted.sort_unstable();
    sorted
        .iter()
        .filter_map(|id| world.users.get(id))
        .map(user)
        .collect()
}

/// `MESSAGE_REACTION_ADD` (`added`) or `MESSAGE_REACTION_REMOVE` for `user` on `m`.
pub(crate) fn reaction(
    world: &World,
    m: &StoredMessage,
    user_id: Snowflake,
    emoji: &Emoji,
    added: bool,
) -> Value {
    let mut value = json!({
        "user_id": user_id,
        "channel_id": m.channel_id,
        "message_id": m.id,
        "emoji": emoji.to_json(),
        "burst": false,
        "type": 0,
    });
    let Some(map) = value.as_object_mut() else {
        return value;
    };
    if let Some(guild_id) = m.guild_id {
        map.insert("guild_id".into(), json!(guild_id));
        if added {
            let member_json = world
                .guilds
                .get(&guild_id)
                .and_then(|g| g.members.get(&user_id))
                .map(|mm| member(world, mm, true));
            if let Some(member_json) = member_json {
                map.insert("member".into(), member_json);
            }
        }
    }
    if added {
        map.insert("message_author_id".into(), json!(m.author_id));
        map.insert("burst_colors".into(), json!([]));
    }
    value
}

/// An invite as `GET /guilds/{id}/invites` lists it.
pub(crate) fn rich_invite(world: &World, guild: &Guild, invite: &Invite) -> Value {
    let channel_json = guild.channel_by_id(invite.channel_id).map_or(
        Value::Null,
        |c| json!({ "id": c.id, "name": c.name, "type": c.kind.discord_type() }),
    );
    json!({
        "type": 0,
        "code": invite.code,
        "guild": { "id": guild.id, "name": guild.name, "icon": null, "splash": null, "banner": null, "description": null, "features": [], "verification_level": 0, "vanity_url_code": null, "nsfw_level": 0, "premium_subscription_count": 0 },
        "channel": channel_json,
        "inviter": invite.inviter_id.and_then(|u| world.users.get(&u)).map(user),
        "uses": invite.uses,
        "max_uses": invite.max_uses,
        "max_age": invite.max_age,
        "temporary": invite.temporary,
        "created_at": invite.created_at,
    })
}

/// `INVITE_CREATE`.
pub(crate) fn invite_create(world: &World, guild: &Guild, invite: &Invite) -> Value {
    json!({
        "channel_id": invite.channel_id,
        "guild_id": guild.id,
        "code": invite.code,
        "created_at": invite.created_at,
        "inviter": invite.inviter_id.and_then(|u| world.users.get(&u)).map(user),
        "max_age": invite.max_age,
        "max_uses": invite.max_uses,
        "temporary": invite.temporary,
        "uses": invite.uses,
    })
}

/// `GET /oauth2/applications/@me`: the bot's application with every field Discord's spec
/// requires of it (`PrivateApplicationResponse`), owned by the world's application owner.
pub(crate) fn application(world: &World) -> Value {
    let bot = world.bot();
    let install = json!({ "scopes": ["applications.commands", "bot"], "permissions": "0" });
    json!({
        "id": bot.id,
        "name": bot.username,
        "icon": null,
        "description": "",
        "type": null,
        "rpc_origins": [],
        "bot_public": true,
        "bot_require_code_grant": false,
        "bot": user(bot),
        "owner": user(world.owner()),
        "team": null,
        "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
        "flags": APPLICATION_FLAGS,
        "flags_new": APPLICATION_FLAGS.to_string(),
        "tags": [],
        "install_params": install,
        "integration_types_config": { "0": { "oauth2_install_params": install } },
        "approximate_guild_count": world.guilds.len(),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "redirect_uris": [],
        "interactions_endpoint_url": null,
        "role_connections_verification_url": null,
        "explicit_content_filter": 0,
        "eligible_oauth2_scopes": ["applications.commands", "bot"],
    })
}

#[cfg(test)]
mod tests {
    //! Each shape deserializes with the serenity type that reads it.

    use serde::de::DeserializeOwned;
    use serenity::model::prelude::{
        ChannelId, CurrentApplicationInfo, CurrentUser, Message, PartialGuild, UserId,
    };
    use serenity::model::Permissions;

    use super::*;
    use crate::api::{GuildSpec, JoinSpec};
    use crate::snowflake::Snowflakes;
    use crate::world::{InteractionStamp, Nonce};

    fn parse<T: DeserializeOwned>(value: &Value) -> T {
        match serde_path_to_error::deserialize::<_, T>(value) {
            Ok(v) => v,
            Err(e) => panic!("{}: {e}\n{value:#}", std::any::type_name::<T>()),
        }
    }

    fn empty_world() -> World {
        World::new(
            Snowflake(1_100_000_000_000_000_001),
            "trakker",
            "app-owner",
            Snowflake(1_100_000_000_000_000_002),
        )
    }

    fn world_with_guild() -> (World, Snowflake) {
        let ids = Snowflakes::new();
        let mut world = empty_world();
        let guild = world
            .create_guild(
                &GuildSpec::new("Squad")
                    .members(["ada", "bob"])
                    .role("Mods", ["MANAGE_GUILD"])
                    .text_channel("general")
                    .voice_channel("Lobby")
                    .emoji("pog"),
                &ids,
            )
            .expect("guild");
        world
            .join_guild(guild, &JoinSpec::new("cy"), &ids)
            .expect("join");
        (world, guild)
    }

    #[test]
    fn guild_shapes_parse() {
        let (world, id) = world_with_guild();
        let guild = world.guild(id).expect("guild");
        let created: serenity::model::guild::Guild =
            parse(&guild_create(&world, guild, Identified::everything()));
        assert_eq!(created.channels.len(), 2, "no channel may be skipped");
        assert_eq!(created.members.len(), 4);
        let _: PartialGuild = parse(&partial_guild(guild));
        for r in &guild.roles {
            let _: serenity::model::guild::Role = parse(&role(r));
        }
        for c in &guild.channels {
            let _: serenity::model::channel::Channel = parse(&channel(guild.id, c));
        }
    }

    #[test]
    fn the_afk_channel_reaches_serenity() {
        let ids = Snowflakes::new();
        let mut world = empty_world();
        let id = world
            .create_guild(
                &GuildSpec::new("Night shift")
                    .member("ada")
                    .voice_channel("AFK")
                    .afk_channel("AFK")
                    .afk_timeout(900),
                &ids,
            )
            .expect("guild");
        let guild = world.guild(id).expect("guild");
        let created: serenity::model::guild::Guild =
            parse(&guild_create(&world, guild, Identified::everything()));
        let afk = created.afk_metadata.expect("an AFK channel");
        assert_eq!(afk.afk_channel_id.get(), guild.channels[0].id.get());
        assert_eq!(
            afk.afk_timeout,
            serenity::model::guild::AfkTimeout::FifteenMinutes
        );
        let fetched: PartialGuild = parse(&partial_guild(guild));
        assert!(fetched.afk_metadata.is_some(), "GET /guilds/{{id}} too");
    }

    #[test]
    fn the_bots_overwrite_reaches_serenitys_permission_check() {
        let ids = Snowflakes::new();
        let mut world = empty_world();
        let id = world
            .create_guild(
                &GuildSpec::new("Squad")
                    .member("ada")
                    .text_channel("general")
                    .text_channel_denying_bot(
                        "announcements",
                        Permissions::SEND_MESSAGES | Permissions::ADD_REACTIONS,
                    ),
                &ids,
            )
            .expect("guild");
        let guild = world.guild(id).expect("guild");
        let announcements = &guild.channels[1];
        let deny = (Permissions::SEND_MESSAGES | Permissions::ADD_REACTIONS).bits();
        assert_eq!(
            channel(guild.id, announcements)["permission_overwrites"],
            json!([{ "id": world.bot_id, "type": 1, "allow": "0", "deny": deny.to_string() }])
        );

        let created: serenity::model::guild::Guild =
            parse(&guild_create(&world, guild, Identified::everything()));
        let bot = &created.members[&UserId::new(world.bot_id.get())];
        let in_channel = |c: &Channel| {
            let parsed = &created.channels[&ChannelId::new(c.id.get())];
            created.user_permissions_in(parsed, bot)
        };
        let denied = in_channel(announcements);
        assert!(!denied.send_messages() && !denied.add_reactions());
        assert!(denied.view_channel() && denied.read_message_history());
        assert!(in_channel(&guild.channels[0]).send_messages());
        let fetched: serenity::model::channel::Channel = parse(&channel(guild.id, announcements));
        let fetched = fetched.guild().expect("a guild channel");
        assert_eq!(
            fetched.permission_overwrites.len(),
            1,
            "GET /channels/{{id}} too"
        );
    }

    #[test]
    fn message_shapes_parse() {
        let (mut world, id) = world_with_guild();
        let guild = world.guild(id).expect("guild").clone();
        let channel_id = guild.channels[0].id;
        let author = guild
            .members
            .keys()
            .copied()
            .find(|u| *u != world.bot_id)
            .expect("member");
        let mut first = StoredMessage::new(
            Snowflake(10),
            channel_id,
            Some(id),
            author,
            crate::snowflake::now_timestamp(),
        );
        first.content = "hi <:pog:1>".into();
        first.add_reaction(&Emoji::Unicode("🔥".into()), world.bot_id);
        world.insert_message(first);
        let mut reply = StoredMessage::new(
            Snowflake(11),
            channel_id,
            Some(id),
            world.bot_id,
            crate::snowflake::now_timestamp(),
        );
        reply.reply_to = Some(Snowflake(10));
        reply.kind = 20;
        reply.webhook_id = Some(world.bot_id);
        reply.interaction = Some(InteractionStamp {
            id: Snowflake(99),
            kind: 2,
            name: "about".into(),
            user_id: author,
        });
        world.insert_message(reply);
        for surface in [Surface::Rest, Surface::Gateway] {
            for m in world.messages.values() {
                let parsed: Message = parse(&message(&world, m, "http://x", surface));
                assert_eq!(parsed.id.get(), m.id.get());
            }
        }
    }

    #[test]
    fn a_created_message_echoes_its_nonce_and_reactors_are_users() {
        let (mut world, id) = world_with_guild();
        let guild = world.guild(id).expect("guild").clone();
        let mut board = StoredMessage::new(
            Snowflake(12),
            guild.channels[0].id,
            Some(id),
            world.bot_id,
            crate::snowflake::now_timestamp(),
        );
        board.content = "who plays when".into();
        for (nonce, expected) in [
            (Nonce::Text("board-1".into()), "board-1"),
            (Nonce::Number(7), "7"),
        ] {
            board.nonce = Some(nonce);
            let parsed: Message = parse(&created_message(
                &world,
                &board,
                "http://x",
                Surface::Gateway,
            ));
            let echoed = match parsed.nonce {
                Some(serenity::all::Nonce::String(text)) => text,
                Some(serenity::all::Nonce::Number(n)) => n.to_string(),
                None => String::new(),
            };
            assert_eq!(echoed, expected);
            let later = message(&world, &board, "http://x", Surface::Rest);
            assert!(
                later.get("nonce").is_none(),
                "only the create answer echoes it"
            );
        }
        board.add_reaction(&Emoji::Unicode("🇦".into()), world.bot_id);
        world.insert_message(board);
        let users: Vec<serenity::all::User> = parse(&reactors(&world, &[world.bot_id]));
        assert_eq!(users.len(), 1);
        assert!(users[0].bot);
    }

    #[test]
    fn application_and_user_shapes_parse() {
        let (world, _) = world_with_guild();
        let app: CurrentApplicationInfo = parse(&application(&world));
        let owner = app.owner.expect("the application has an owner");
        assert_eq!(owner.name, "app-owner");
        assert!(!owner.bot);
        let _: CurrentUser = parse(&current_user(world.bot()));
    }
}
