//! Channel routes: get a channel; create, list, get, edit and delete messages; the bot's
//! reactions; typing.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::Value;

use super::body::RequestBody;
use super::compose;
use super::error::DiscordError;
use crate::server::AppState;
use crate::snowflake::Snowflake;
use crate::wire::{self, Surface};
use crate::world::{ChannelHome, Emoji, World, WorldError};

/// `GET /channels/{channel}`.
pub(crate) async fn get_channel(
    State(state): State<Arc<AppState>>,
    Path(channel): Path<Snowflake>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    match world.channel_home(channel)? {
        ChannelHome::Guild(_) => {
            let (guild, ch) = world.guild_channel(channel)?;
            Ok(Json(wire::channel(guild.id, ch)))
        }
        ChannelHome::Dm(user) => Ok(Json(wire::dm_channel(channel, world.user_by_id(user)?))),
    }
}

/// `POST /channels/{channel}/messages`, JSON or multipart.
pub(crate) async fn create_message(
    State(state): State<Arc<AppState>>,
    Path(channel): Path<Snowflake>,
    Extension(body): Extension<RequestBody>,
) -> Result<Json<Value>, DiscordError> {
    let mut world = state.world();
    let id = compose::create_bot_message(
        &state,
        &mut world,
        channel,
        &body.json_or_empty(),
        &body.files,
        |_| {},
    )?;
    let msg = world.message(id)?;
    Ok(Json(wire::message(
        &world,
        msg,
        &state.http_base,
        Surface::Rest,
    )))
}

/// `GET /channels/{channel}/messages?limit=&before=&after=`: newest first, like Discord.
pub(crate) async fn list_messages(
    State(state): State<Arc<AppState>>,
    Path(channel): Path<Snowflake>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    world.channel_home(channel)?;
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

/// `GET /channels/{channel}/messages/{message}`.
pub(crate) async fn get_message(
    State(state): State<Arc<AppState>>,
    Path((channel, id)): Path<(Snowflake, Snowflake)>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
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

/// `PUT /channels/{channel}/messages/{message}/reactions/{emoji}/@me`.
pub(crate) async fn add_reaction(
    State(state): State<Arc<AppState>>,
    Path((channel, id, emoji, who)): Path<(Snowflake, Snowflake, String, String)>,
) -> Result<StatusCode, DiscordError> {
    if who != "@me" {
        return Err(DiscordError::route_not_found());
    }
    let parsed = Emoji::from_route(&emoji)?;
    let mut world = state.world();
    message_in(&world, channel, id)?;
    known_emoji(&world, &parsed, &emoji)?;
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

/// `DELETE /channels/{channel}/messages/{message}/reactions/{emoji}/{@me | user}`.
pub(crate) async fn remove_reaction(
    State(state): State<Arc<AppState>>,
    Path((channel, id, emoji, who)): Path<(Snowflake, Snowflake, String, String)>,
) -> Result<StatusCode, DiscordError> {
    let parsed = Emoji::from_route(&emoji)?;
    let mut world = state.world();
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

/// `POST /channels/{channel}/typing`.
pub(crate) async fn typing(
    State(state): State<Arc<AppState>>,
    Path(channel): Path<Snowflake>,
) -> Result<StatusCode, DiscordError> {
    state.world().channel_home(channel)?;
    Ok(StatusCode::NO_CONTENT)
}
