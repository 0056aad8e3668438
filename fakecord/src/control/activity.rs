//! What users do in a guild: post messages (with emojis, files, replies, in threads), react,
//! move through voice, create and delete invites, change presence. Each changes fakecord's
//! state and sends the gateway event Discord would.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use base64::Engine as _;
use serde_json::{json, Value};

use super::{Body, ControlError, Reply};
use crate::api::{
    ChannelKind, InviteInfo, InviteSpec, MessageSpec, MessageView, NameOrId, PostedMessage,
    PresenceSpec, ReactionSpec, VoiceChange, VoiceSpec,
};
use crate::server::AppState;
use crate::snowflake::{now_timestamp, Snowflake};
use crate::wire::{self, Surface};
use crate::world::{
    Emoji, Guild, Invite, Presence, StoredAttachment, StoredMessage, VoiceState, World, WorldError,
};

/// Turns `:name:` of the guild's custom emojis into `<:name:id>`, as the Discord client does
/// before sending. Unknown names and unicode emojis are left alone.
pub(crate) fn expand_custom_emojis(guild: &Guild, content: &str) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(start) = rest.find(':') {
        let (before, after_colon) = rest.split_at(start);
        out.push_str(before);
        let tail = &after_colon[1..];
        let name_len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let name = &tail[..name_len];
        let closed = tail[name_len..].starts_with(':');
        // Skip names already inside a mention, e.g. the `pog` in `<:pog:123>`.
        let in_mention = before.ends_with('<') || before.ends_with("<a");
        if let Some(emoji) = guild
            .emoji_named(name)
            .filter(|_| closed && !in_mention && !name.is_empty())
        {
            let prefix = if emoji.animated { "a" } else { "" };
            // Writing into a String cannot fail.
            let _ = write!(out, "<{prefix}:{}:{}>", emoji.name, emoji.id);
            rest = &tail[name_len + 1..];
        } else {
            out.push(':');
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// A MIME type from a file name, for uploads that do not say.
fn guess_content_type(filename: &str) -> Option<String> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    let mime = match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "txt" | "log" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "json" => "application/json",
        "pdf" => "application/pdf",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    };
    Some(mime.to_owned())
}

fn guild_and_member(
    world: &World,
    guild: Snowflake,
    who: &NameOrId,
) -> Result<Snowflake, ControlError> {
    Ok(world.member_id(guild, who)?)
}

/// `POST /_fake/guilds/{guild}/messages`: a user posts; `MESSAGE_CREATE` (and `THREAD_CREATE` when
/// the thread is new).
pub(crate) async fn post_message(
    State(state): State<Arc<AppState>>,
    Path(guild_id): Path<Snowflake>,
    Body(spec): Body<MessageSpec>,
) -> Reply<PostedMessage> {
    let mut world = state.world();
    let author = guild_and_member(&world, guild_id, &spec.user)?;
    let guild = world.guild(guild_id)?;
    let mut channel = guild
        .channel_of_kind(
            &spec.channel,
            &[ChannelKind::Text, ChannelKind::Voice, ChannelKind::Thread],
        )?
        .id;
    if let Some(thread) = &spec.thread {
        let (thread_id, new) =
            world.ensure_thread(guild_id, channel, thread, author, || state.ids.next())?;
        if new {
            let g = world.guild(guild_id)?;
            let ch = g
                .channel_by_id(thread_id)
                .ok_or_else(|| WorldError::UnknownChannel(thread.clone()))?;
            let mut data = wire::channel(guild_id, ch);
            if let Some(map) = data.as_object_mut() {
                map.insert("newly_created".into(), json!(true));
            }
            state.hub.dispatch("THREAD_CREATE", Some(guild_id), &data)?;
        }
        channel = thread_id;
    }
    if let Some(reply) = spec.reply_to {
        world.message(reply)?;
    }
    let guild = world.guild(guild_id)?;
    let mut msg = StoredMessage::new(
        state.ids.next(),
        channel,
        Some(guild_id),
        author,
        now_timestamp(),
    );
    msg.content = expand_custom_emojis(guild, &spec.content);
    msg.mentions = world.mentioned_users(&msg.content);
    msg.reply_to = spec.reply_to;
    if spec.reply_to.is_some() {
        msg.kind = 19;
    }
    let mut stored = Vec::new();
    for file in &spec.attachments {
        let bytes = match (&file.data_base64, &file.text) {
            (Some(b64), _) => base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| {
                    ControlError::BadRequest(format!(
                        "attachment `{}`: bad base64: {e}",
                        file.filename
                    ))
                })?,
            (None, Some(text)) => text.clone().into_bytes(),
            (None, None) => Vec::new(),
        };
        stored.push(StoredAttachment {
            id: state.ids.next(),
            filename: file.filename.clone(),
            content_type: file
                .content_type
                .clone()
                .or_else(|| guess_content_type(&file.filename)),
            description: None,
            bytes: Bytes::from(bytes),
        });
    }
    msg.attachments = stored.iter().map(|a| a.id).collect();
    for a in &stored {
        world.attachments.insert(a.id, a.clone());
    }
    if msg.content.is_empty() && msg.attachments.is_empty() {
        return Err(ControlError::BadRequest(
            "a message needs content or attachments".into(),
        ));
    }
    let data = wire::message(&world, &msg, &state.http_base, Surface::Gateway);
    state
        .hub
        .dispatch("MESSAGE_CREATE", Some(guild_id), &data)?;
    let posted = PostedMessage {
        id: msg.id,
        channel_id: channel,
        attachment_ids: msg.attachments.clone(),
    };
    world.insert_message(msg);
    Ok(Json(posted))
}

fn reaction_change(
    state: &AppState,
    guild_id: Snowflake,
    spec: &ReactionSpec,
    add: bool,
) -> Reply<MessageView> {
    let mut world = state.world();
    let user = guild_and_member(&world, guild_id, &spec.user)?;
    let emoji = Emoji::from_user(&spec.emoji, Some(world.guild(guild_id)?))?;
    let msg = world.message_mut(spec.message)?;
    if msg.guild_id != Some(guild_id) {
        return Err(WorldError::UnknownMessage(spec.message).into());
    }
    let changed = if add {
        msg.add_reaction(&emoji, user)
    } else {
        msg.remove_reaction(&emoji, user)
    };
    let msg = world.message(spec.message)?;
    if changed {
        let data = wire::reaction(&world, msg, user, &emoji, add);
        let event = if add {
            "MESSAGE_REACTION_ADD"
        } else {
            "MESSAGE_REACTION_REMOVE"
        };
        if let Err(e) = state.hub.dispatch(event, Some(guild_id), &data) {
            // Undo, so state matches what the bot saw.
            let msg = world.message_mut(spec.message)?;
            if add {
                msg.remove_reaction(&emoji, user);
            } else {
                msg.add_reaction(&emoji, user);
            }
            return Err(e.into());
        }
    }
    Ok(Json(msg.view(
        world.bot_id,
        &world.attachments,
        &state.http_base,
    )))
}

/// `POST /_fake/guilds/{guild}/reactions`: `MESSAGE_REACTION_ADD` (nothing if already reacted).
pub(crate) async fn react(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
    Body(spec): Body<ReactionSpec>,
) -> Reply<MessageView> {
    reaction_change(&state, guild, &spec, true)
}

/// `DELETE /_fake/guilds/{guild}/reactions`: `MESSAGE_REACTION_REMOVE` (nothing if not reacted).
pub(crate) async fn unreact(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
    Body(spec): Body<ReactionSpec>,
) -> Reply<MessageView> {
    reaction_change(&state, guild, &spec, false)
}

/// `POST /_fake/guilds/{guild}/voice`: join, move, leave or change flags; `VOICE_STATE_UPDATE`.
pub(crate) async fn voice(
    State(state): State<Arc<AppState>>,
    Path(guild_id): Path<Snowflake>,
    Body(spec): Body<VoiceSpec>,
) -> Reply<VoiceChange> {
    let mut world = state.world();
    let user = guild_and_member(&world, guild_id, &spec.user)?;
    let guild = world.guild(guild_id)?;
    let Some(channel) = &spec.channel else {
        let Some(current) = guild.voice.get(&user) else {
            return Ok(Json(VoiceChange {
                channel_id: None,
                changed: false,
            }));
        };
        let data = wire::voice_left(&world, guild, user, &current.session_id);
        state
            .hub
            .dispatch("VOICE_STATE_UPDATE", Some(guild_id), &data)?;
        world.guild_mut(guild_id)?.voice.remove(&user);
        return Ok(Json(VoiceChange {
            channel_id: None,
            changed: true,
        }));
    };
    let channel_id = guild.channel_of_kind(channel, &[ChannelKind::Voice])?.id;
    let previous = guild.voice.get(&user).cloned();
    let mut next = previous.clone().unwrap_or_else(|| VoiceState {
        user_id: user,
        channel_id,
        session_id: format!("{:032x}", fastrand::u128(..)),
        self_mute: false,
        self_deaf: false,
        self_stream: false,
        self_video: false,
    });
    next.channel_id = channel_id;
    next.self_mute = spec.self_mute.unwrap_or(next.self_mute);
    next.self_deaf = spec.self_deaf.unwrap_or(next.self_deaf);
    next.self_stream = spec.self_stream.unwrap_or(next.self_stream);
    next.self_video = spec.self_video.unwrap_or(next.self_video);
    let data = wire::voice_state(&world, guild, &next, true);
    state
        .hub
        .dispatch("VOICE_STATE_UPDATE", Some(guild_id), &data)?;
    world.guild_mut(guild_id)?.voice.insert(user, next);
    Ok(Json(VoiceChange {
        channel_id: Some(channel_id),
        changed: true,
    }))
}

fn invite_info(invite: &Invite) -> InviteInfo {
    InviteInfo {
        code: invite.code.clone(),
        channel_id: invite.channel_id,
        inviter_id: invite.inviter_id,
        uses: invite.uses,
    }
}

/// `POST /_fake/guilds/{guild}/invites`: `INVITE_CREATE`.
pub(crate) async fn create_invite(
    State(state): State<Arc<AppState>>,
    Path(guild_id): Path<Snowflake>,
    Body(spec): Body<InviteSpec>,
) -> Reply<InviteInfo> {
    let mut world = state.world();
    let guild = world.guild(guild_id)?;
    let channel_id = guild
        .channel_of_kind(&spec.channel, &[ChannelKind::Text, ChannelKind::Voice])?
        .id;
    let inviter = match &spec.inviter {
        Some(who) => world.member_id(guild_id, who)?,
        None => guild.owner_id,
    };
    let code = spec.code.clone().unwrap_or_else(|| {
        std::iter::repeat_with(fastrand::alphanumeric)
            .take(8)
            .collect()
    });
    if guild.invites.contains_key(&code) {
        return Err(ControlError::BadRequest(format!(
            "invite `{code}` already exists"
        )));
    }
    let invite = Invite {
        code: code.clone(),
        channel_id,
        inviter_id: Some(inviter),
        uses: 0,
        max_uses: spec.max_uses,
        max_age: spec.max_age,
        temporary: spec.temporary,
        created_at: now_timestamp(),
    };
    let data = wire::invite_create(&world, guild, &invite);
    state.hub.dispatch("INVITE_CREATE", Some(guild_id), &data)?;
    let info = invite_info(&invite);
    world.guild_mut(guild_id)?.invites.insert(code, invite);
    Ok(Json(info))
}

/// `GET /_fake/guilds/{guild}/invites`: invites with their use counts.
pub(crate) async fn list_invites(
    State(state): State<Arc<AppState>>,
    Path(guild_id): Path<Snowflake>,
) -> Reply<Vec<InviteInfo>> {
    let world = state.world();
    Ok(Json(
        world
            .guild(guild_id)?
            .invites
            .values()
            .map(invite_info)
            .collect(),
    ))
}

/// `DELETE /_fake/guilds/{guild}/invites/{code}`: `INVITE_DELETE`.
pub(crate) async fn delete_invite(
    State(state): State<Arc<AppState>>,
    Path((guild_id, code)): Path<(Snowflake, String)>,
) -> Reply<InviteInfo> {
    let mut world = state.world();
    let invite = world
        .guild(guild_id)?
        .invites
        .get(&code)
        .cloned()
        .ok_or_else(|| WorldError::UnknownInvite(code.clone()))?;
    let data = json!({ "channel_id": invite.channel_id, "guild_id": guild_id, "code": code });
    state.hub.dispatch("INVITE_DELETE", Some(guild_id), &data)?;
    world.guild_mut(guild_id)?.invites.remove(&code);
    Ok(Json(invite_info(&invite)))
}

/// `DELETE /_fake/guilds/{guild}/messages/{message}`: a moderator deletes a message;
/// `MESSAGE_DELETE`. Returns the message as it was.
pub(crate) async fn delete_message(
    State(state): State<Arc<AppState>>,
    Path((guild_id, message)): Path<(Snowflake, Snowflake)>,
) -> Reply<MessageView> {
    let mut world = state.world();
    let msg = world.message(message)?;
    if msg.guild_id != Some(guild_id) || msg.deleted {
        return Err(WorldError::UnknownMessage(message).into());
    }
    let view = msg.view(world.bot_id, &world.attachments, &state.http_base);
    let data = json!({ "id": message, "channel_id": msg.channel_id, "guild_id": guild_id });
    state
        .hub
        .dispatch("MESSAGE_DELETE", Some(guild_id), &data)?;
    world.message_mut(message)?.deleted = true;
    Ok(Json(view))
}

/// `POST /_fake/guilds/{guild}/presences`: `PRESENCE_UPDATE`.
pub(crate) async fn presence(
    State(state): State<Arc<AppState>>,
    Path(guild_id): Path<Snowflake>,
    Body(spec): Body<PresenceSpec>,
) -> Reply<Value> {
    let mut world = state.world();
    let user = guild_and_member(&world, guild_id, &spec.user)?;
    // Discord stamps every activity with when it started; callers rarely bother.
    let activities = spec
        .activities
        .iter()
        .cloned()
        .map(|mut activity| {
            if let Some(map) = activity.as_object_mut() {
                map.entry("type").or_insert(json!(0));
                map.entry("created_at")
                    .or_insert(json!(crate::snowflake::unix_ms()));
            }
            activity
        })
        .collect();
    let presence = Presence {
        user_id: user,
        status: spec.status.clone(),
        activities,
    };
    let data = wire::presence(world.guild(guild_id)?, &presence);
    state
        .hub
        .dispatch("PRESENCE_UPDATE", Some(guild_id), &data)?;
    world.guild_mut(guild_id)?.presences.insert(user, presence);
    Ok(Json(data))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::world::CustomEmoji;

    fn guild_with_pog() -> Guild {
        Guild {
            id: Snowflake(1),
            name: "g".into(),
            owner_id: Snowflake(2),
            joined_at: String::new(),
            roles: Vec::new(),
            channels: Vec::new(),
            emojis: vec![CustomEmoji {
                id: Snowflake(42),
                name: "pog".into(),
                animated: false,
            }],
            members: BTreeMap::new(),
            voice: BTreeMap::new(),
            invites: BTreeMap::new(),
            presences: BTreeMap::new(),
            afk_channel_id: None,
            afk_timeout: 300,
        }
    }

    #[test]
    fn custom_emoji_names_become_mentions_like_the_client_sends_them() {
        let guild = guild_with_pog();
        assert_eq!(
            expand_custom_emojis(&guild, "gg :pog: 🔥"),
            "gg <:pog:42> 🔥"
        );
        assert_eq!(expand_custom_emojis(&guild, "<:pog:42>"), "<:pog:42>");
        assert_eq!(
            expand_custom_emojis(&guild, "at 20:30 :nope:"),
            "at 20:30 :nope:"
        );
    }
}
