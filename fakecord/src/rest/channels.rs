//! Channel routes: get a channel; create (with nonces), list, get, edit and delete messages;
//! the bot's reactions and who reacted; typing. Each asks [`access`] first, so a channel that
//! denies the bot something answers as Discord does.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::Value;
use serenity::model::Permissions;

use super::access;
use super::body::RequestBody;
use super::compose;
use super::error::DiscordError;
use crate::server::AppState;
use crate::snowflake::{unix_ms, Snowflake};
use crate::wire::{self, Surface};
use crate::world::{ChannelHome, Emoji, Nonce, NonceProblem, World, WorldError, MAX_NONCE_LEN};

/// `GET /channels/{channel}`.
pub(crate) async fn get_channel(
    State(state): State<Arc<AppState>>,
    Path(channel): Path<Snowflake>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    access::require(&world, channel, Permissions::VIEW_CHANNEL)?;
    match world.channel_home(channel)? {
        ChannelHome::Guild(_) => {
            let (guild, ch) = world.guild_channel(channel)?;
            Ok(Json(wire::channel(guild.id, ch)))
        }
        ChannelHome::Dm(user) => Ok(Json(wire::dm_channel(channel, world.user_by_id(user)?))),
    }
}

/// `POST /channels/{channel}/messages`, JSON or multipart. A `nonce` is echoed back; with
/// `enforce_nonce: true`, a nonce the bot already sent (in any channel, as Discord matches by
/// author) within
/// [`Config::nonce_window`](crate::Config) answers with that message instead of a new one, as
/// Discord does (and no second `MESSAGE_CREATE`).
///
/// Posting takes `SEND_MESSAGES` (`SEND_MESSAGES_IN_THREADS` in a thread), files
/// `ATTACH_FILES` and a reply `READ_MESSAGE_HISTORY`, as on Discord.
pub(crate) async fn create_message(
    State(state): State<Arc<AppState>>,
    Path(channel): Path<Snowflake>,
    Extension(body): Extension<RequestBody>,
) -> Result<Json<Value>, DiscordError> {
    let json = body.json_or_empty();
    let nonce = Nonce::from_body(json.get("nonce")).map_err(refused_nonce)?;
    let enforced = json.get("enforce_nonce").and_then(Value::as_bool) == Some(true);
    let mut world = state.world();
    compose::guild_of(&world, channel)?;
    let mut needed = access::to_post(&world, channel);
    if !body.files.is_empty() {
        needed |= Permissions::ATTACH_FILES;
    }
    if json.get("message_reference").is_some_and(|r| !r.is_null()) {
        needed |= Permissions::READ_MESSAGE_HISTORY;
    }
    access::require(&world, channel, needed)?;
    let window_ms = u64::try_from(state.config.nonce_window.as_millis()).unwrap_or(u64::MAX);
    let since = Snowflake::first_at(unix_ms().saturating_sub(window_ms));
    let earlier = nonce
        .as_ref()
        .filter(|_| enforced)
        .and_then(|n| world.message_with_nonce(world.bot_id, n, since))
        .map(|m| m.id);
    let id = match earlier {
        Some(id) => id,
        None => {
            compose::create_bot_message(&state, &mut world, channel, &json, &body.files, |m| {
                m.nonce = nonce;
            })?
        }
    };
    let msg = world.message(id)?;
    Ok(Json(wire::created_message(
        &world,
        msg,
        &state.http_base,
        Surface::Rest,
    )))
}

/// Discord's answer to a nonce it cannot take.
fn refused_nonce(problem: NonceProblem) -> DiscordError {
    match problem {
        NonceProblem::TooLong => DiscordError::invalid_field(
            "nonce",
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {MAX_NONCE_LEN} or fewer in length."),
        ),
        NonceProblem::NotStringOrInteger => DiscordError::invalid_field(
            "nonce",
            "NONCE_TYPE_INVALID",
            "This field must be a string or integer.",
        ),
    }
}

/// `GET /channels/{channel}/messages?limit=&before=&after=`: newest first, like Discord.
/// Without `READ_MESSAGE_HISTORY` the list is empty, as Discord answers then.
pub(crate) async fn list_messages(
    State(state): State<Arc<AppState>>,
    Path(channel): Path<Snowflake>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    access::require(&world, channel, Permissions::VIEW_CHANNEL)?;
    if !access::bot_permissions(&world, channel)?.contains(Permissions::READ_MESSAGE_HISTORY) {
        return Ok(Json(Value::Array(Vec::new())));
    }
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(50)
        .clamp(1, 100);
    let bound = |key: &str| query.get(key).and_then(|v| v.parse::<Snowflake>().ok());
    let (before, after) = (bound("before"), bound("after"));
    let mut list: Vec<Value> = world
        .messages_in(channel)
        .filter(|m| !m.deleted)
        .filter(|m| before.is_none_or(|b| m.id < b) && after.is_none_or(|a| m.id > a))
        .map(|m| wire::message(&world, m, &state.http_base, Surface::Rest))
        .collect();
    list.reverse();
    list.truncate(limit);
    Ok(Json(Value::Array(list)))
}

fn message_in(world: &World, channel: Snowflake, id: Snowflake) -> Result<(), DiscordError> {
    let msg = world.message(id)?;
    if msg.channel_id == channel {
        Ok(())
    } else {
        Err(WorldError::UnknownMessage(id).into())
    }
}

/// `GET /channels/{channel}/messages/{message}`: needs `READ_MESSAGE_HISTORY`.
pub(crate) async fn get_message(
    State(state): State<Arc<AppState>>,
    Path((channel, id)): Path<(Snowflake, Snowflake)>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    access::require(&world, channel, Permissions::READ_MESSAGE_HISTORY)?;
    message_in(&world, channel, id)?;
    Ok(Json(wire::message(
        &world,
        world.message(id)?,
        &state.http_base,
        Surface::Rest,
    )))
}

/// `PATCH /channels/{channel}/messages/{message}`: only the bot's own messages, as on Discord.
pub(crate) async fn edit_message(
    State(state): State<Arc<AppState>>,
    Path((channel, id)): Path<(Snowflake, Snowflake)>,
    Extension(body): Extension<RequestBody>,
) -> Result<Json<Value>, DiscordError> {
    let mut world = state.world();
    access::require(&world, channel, Permissions::VIEW_CHANNEL)?;
    message_in(&world, channel, id)?;
    if world.message(id)?.author_id != world.bot_id {
        return Err(DiscordError::new(
            StatusCode::FORBIDDEN,
            50_005,
            "Cannot edit a message authored by another user",
        ));
    }
    compose::edit_message(&state, &mut world, id, &body.json_or_empty(), &body.files)?;
    Ok(Json(wire::message(
        &world,
        world.message(id)?,
        &state.http_base,
        Surface::Rest,
    )))
}

/// `DELETE /channels/{channel}/messages/{message}`.
pub(crate) async fn delete_message(
    State(state): State<Arc<AppState>>,
    Path((channel, id)): Path<(Snowflake, Snowflake)>,
) -> Result<StatusCode, DiscordError> {
    let mut world = state.world();
    access::require(&world, channel, Permissions::VIEW_CHANNEL)?;
    message_in(&world, channel, id)?;
    compose::delete_message(&state, &mut world, id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks a custom emoji exists in some guild the bot is in, as Discord requires for reactions.
fn known_emoji(world: &World, emoji: &Emoji, text: &str) -> Result<(), DiscordError> {
    if let Emoji::Custom { id, .. } = emoji {
        let known = world
            .guilds
            .values()
            .any(|g| g.emojis.iter().any(|e| e.id == *id));
        if !known {
            return Err(WorldError::UnknownEmoji(text.to_owned()).into());
        }
    }
    Ok(())
}

/// `PUT /channels/{channel}/messages/{message}/reactions/{emoji}/@me`. As on Discord it needs
/// `READ_MESSAGE_HISTORY`, and `ADD_REACTIONS` unless someone already reacted with `emoji`.
pub(crate) async fn add_reaction(
    State(state): State<Arc<AppState>>,
    Path((channel, id, emoji)): Path<(Snowflake, Snowflake, String)>,
) -> Result<StatusCode, DiscordError> {
    let parsed = Emoji::from_route(&emoji)?;
    let mut world = state.world();
    access::require(&world, channel, Permissions::READ_MESSAGE_HISTORY)?;
    message_in(&world, channel, id)?;
    known_emoji(&world, &parsed, &emoji)?;
    if world.message(id)?.reactors(&parsed).is_empty() {
        access::require(&world, channel, Permissions::ADD_REACTIONS)?;
    }
    let bot = world.bot_id;
    let msg = world.message_mut(id)?;
    if msg.add_reaction(&parsed, bot) {
        let msg = world.message(id)?;
        let data = wire::reaction(&world, msg, bot, &parsed, true);
        state
            .hub
            .dispatch("MESSAGE_REACTION_ADD", msg.guild_id, &data)?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /channels/{channel}/messages/{message}/reactions/{emoji}/@me`.
pub(crate) async fn remove_own_reaction(
    state: State<Arc<AppState>>,
    Path((channel, id, emoji)): Path<(Snowflake, Snowflake, String)>,
) -> Result<StatusCode, DiscordError> {
    remove_reaction(state, Path((channel, id, emoji, "@me".to_owned()))).await
}

/// `DELETE /channels/{channel}/messages/{message}/reactions/{emoji}/{user}`.
pub(crate) async fn remove_reaction(
    State(state): State<Arc<AppState>>,
    Path((channel, id, emoji, who)): Path<(Snowflake, Snowflake, String, String)>,
) -> Result<StatusCode, DiscordError> {
    let parsed = Emoji::from_route(&emoji)?;
    let mut world = state.world();
    access::require(&world, channel, Permissions::VIEW_CHANNEL)?;
    message_in(&world, channel, id)?;
    let user = if who == "@me" {
        world.bot_id
    } else {
        who.parse()
            .map_err(|_| DiscordError::invalid_form("user_id: Value is not snowflake."))?
    };
    let msg = world.message_mut(id)?;
    if msg.remove_reaction(&parsed, user) {
        let msg = world.message(id)?;
        let data = wire::reaction(&world, msg, user, &parsed, false);
        state
            .hub
            .dispatch("MESSAGE_REACTION_REMOVE", msg.guild_id, &data)?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The query of `GET /channels/{channel}/messages/{message}/reactions/{emoji}`, as text so
/// that a value Discord refuses gets Discord's answer rather than axum's.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReactorsQuery {
    after: Option<String>,
    limit: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// How many users a page lists when `limit` is left out, and at most.
const REACTORS_DEFAULT: usize = 25;
const REACTORS_MAX: usize = 100;

impl ReactorsQuery {
    /// `after`, `limit` and whether normal (not super) reactions are asked for, or Discord's
    /// 400 for the first value it refuses.
    fn parse(&self) -> Result<(Option<Snowflake>, usize, bool), DiscordError> {
        let after = match &self.after {
            None => None,
            Some(text) => Some(text.parse::<Snowflake>().map_err(|_| {
                DiscordError::invalid_field(
                    "after",
                    "NUMBER_TYPE_COERCE",
                    format!("Value \"{text}\" is not snowflake."),
                )
            })?),
        };
        let limit = match &self.limit {
            None => REACTORS_DEFAULT,
            Some(text) => {
                let n = text.parse::<i64>().map_err(|_| {
                    DiscordError::invalid_field(
                        "limit",
                        "NUMBER_TYPE_COERCE",
                        format!("Value \"{text}\" is not int."),
                    )
                })?;
                if n < 1 {
                    return Err(DiscordError::invalid_field(
                        "limit",
                        "NUMBER_TYPE_MIN",
                        "int value should be greater than or equal to 1.",
                    ));
                }
                usize::try_from(n)
                    .ok()
                    .filter(|n| *n <= REACTORS_MAX)
                    .ok_or_else(|| {
                        DiscordError::invalid_field(
                            "limit",
                            "NUMBER_TYPE_MAX",
                            format!("int value should be less than or equal to {REACTORS_MAX}."),
                        )
                    })?
            }
        };
        let normal = match self.kind.as_deref() {
            None | Some("0") => true,
            Some("1") => false,
            Some(other) => {
                return Err(DiscordError::invalid_field(
                    "type",
                    "ENUM_TYPE_COERCE",
                    format!("Value \"{other}\" is not a valid enum value."),
                ))
            }
        };
        Ok((after, limit, normal))
    }
}

/// `GET /channels/{channel}/messages/{message}/reactions/{emoji}?after=&limit=&type=`: the
/// users who reacted with `emoji`, by id ascending, at most `limit` (25 unless given, 1–100)
/// after the user id `after`. An emoji nobody reacted with lists nobody. fakecord has no
/// super reactions, so `type=1` lists nobody either. Needs `READ_MESSAGE_HISTORY`.
pub(crate) async fn list_reactions(
    State(state): State<Arc<AppState>>,
    Path((channel, id, emoji)): Path<(Snowflake, Snowflake, String)>,
    Query(query): Query<ReactorsQuery>,
) -> Result<Json<Value>, DiscordError> {
    let (after, limit, normal) = query.parse()?;
    let parsed = Emoji::from_route(&emoji)?;
    let world = state.world();
    access::require(&world, channel, Permissions::READ_MESSAGE_HISTORY)?;
    message_in(&world, channel, id)?;
    let reactors = if normal {
        world.message(id)?.reactors(&parsed)
    } else {
        &[]
    };
    let mut page: Vec<Snowflake> = reactors
        .iter()
        .copied()
        .filter(|user| after.is_none_or(|a| *user > a))
        .collect();
    page.sort_unstable();
    page.truncate(limit);
    Ok(Json(wire::reactors(&world, &page)))
}

/// `POST /channels/{channel}/typing`.
pub(crate) async fn typing(
    State(state): State<Arc<AppState>>,
    Path(channel): Path<Snowflake>,
) -> Result<StatusCode, DiscordError> {
    access::require(&state.world(), channel, Permissions::VIEW_CHANNEL)?;
    Ok(StatusCode::NO_CONTENT)
}
