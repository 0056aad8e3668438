//! The bot's side of interactions: the initial callback, `@original` reads and edits, and
//! follow-up messages through the application's webhook.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::body::RequestBody;
use super::compose;
use super::error::DiscordError;
use crate::interactions::{Pending, EPHEMERAL, LOADING};
use crate::server::AppState;
use crate::snowflake::{now_timestamp, Snowflake};
use crate::wire::{self, Surface};
use crate::world::{InteractionStamp, StoredMessage, World, WorldError};

/// Interaction types (as opposed to callback types).
const COMMAND: u8 = 2;
const COMPONENT: u8 = 3;
const AUTOCOMPLETE: u8 = 4;

/// Marks a bot message as the answer to `pending`.
fn stamp(state: &AppState, pending: &Pending, msg: &mut StoredMessage) {
    msg.webhook_id = Some(state.config.application_id);
    msg.kind = if pending.kind == COMMAND { 20 } else { 0 };
    msg.interaction = Some(InteractionStamp {
        id: pending.id,
        kind: pending.kind,
        name: pending.name.clone(),
        user_id: pending.user_id,
    });
}

/// Whether the callback type suits the interaction type, per Discord's rules.
fn allowed(interaction: u8, callback: u64) -> bool {
    match callback {
        4 | 5 | 9 => matches!(interaction, COMMAND | COMPONENT),
        6 | 7 => interaction == COMPONENT,
        8 => interaction == AUTOCOMPLETE,
        _ => false,
    }
}

/// The "thinking…" message of a deferred answer (type 5).
fn placeholder(
    state: &AppState,
    world: &mut World,
    pending: &Pending,
    data: &Value,
) -> Result<Snowflake, DiscordError> {
    let ephemeral = data.get("flags").and_then(Value::as_u64).unwrap_or(0) & EPHEMERAL;
    let mut msg = StoredMessage::new(
        state.ids.next(),
        pending.channel_id,
        pending.guild_id,
        world.bot_id,
        now_timestamp(),
    );
    stamp(state, pending, &mut msg);
    msg.flags = LOADING | ephemeral;
    let id = msg.id;
    let event =
        (ephemeral == 0).then(|| wire::message(world, &msg, &state.http_base, Surface::Gateway));
    world.insert_message(msg);
    if let Some(event) = event {
        state
            .hub
            .dispatch("MESSAGE_CREATE", pending.guild_id, &event)?;
    }
    Ok(id)
}

/// The query of `POST /interactions/{id}/{token}/callback`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CallbackQuery {
    /// Answer with the interaction callback response instead of 204.
    #[serde(default)]
    with_response: bool,
}

/// The interaction callback response Discord answers with under `?with_response=true`:
/// `interaction` (the interaction, and the message the callback made or changed) and, for a
/// callback that created (4) or updated (7) a message, `resource` with that message.
fn callback_response(
    state: &AppState,
    world: &World,
    pending: &Pending,
    kind: u64,
    original: Option<Snowflake>,
) -> Value {
    let mut interaction = Map::new();
    interaction.insert("id".into(), json!(pending.id));
    interaction.insert("type".into(), json!(pending.kind));
    let message = original
        .filter(|_| matches!(kind, 4 | 5 | 7))
        .and_then(|id| world.messages.get(&id));
    if let Some(m) = message {
        interaction.insert("response_message_id".into(), json!(m.id));
        interaction.insert("response_message_loading".into(), json!(kind == 5));
        interaction.insert(
            "response_message_ephemeral".into(),
            json!(m.flags & EPHEMERAL != 0),
        );
    }
    let mut answer = json!({ "interaction": interaction });
    if let (Some(m), 4 | 7, Some(map)) = (message, kind, answer.as_object_mut()) {
        map.insert(
            "resource".into(),
            json!({
                "type": kind,
                "message": wire::message(world, m, &state.http_base, Surface::Rest),
            }),
        );
    }
    answer
}

/// `POST /interactions/{id}/{token}/callback`: the bot's answer. Answers 204, or with
/// `?with_response=true` 200 and the interaction callback response, as Discord does.
pub(crate) async fn callback(
    State(state): State<Arc<AppState>>,
    Path((id, token)): Path<(Snowflake, String)>,
    Query(query): Query<CallbackQuery>,
    Extension(body): Extension<RequestBody>,
) -> Result<Response, DiscordError> {
    let received = Instant::now();
    let pending = state
        .interactions
        .by_token(&token)
        .filter(|p| p.id == id)
        .ok_or_else(DiscordError::unknown_interaction)?;
    let late = pending
        .dispatched_at
        .and_then(|at| received.checked_duration_since(at))
        .filter(|waited| *waited > state.config.callback_deadline);
    if let Some(waited) = late {
        // Discord forgets an interaction nobody acknowledged within three seconds; the member
        // saw "The application did not respond".
        tracing::warn!(interaction = %id, name = %pending.name, waited_ms = waited.as_millis(), "a callback arrived after the deadline");
        return Err(DiscordError::unknown_interaction());
    }
    if pending.response_type.is_some() {
        return Err(DiscordError::new(
            StatusCode::BAD_REQUEST,
            40_060,
            "Interaction has already been acknowledged.",
        ));
    }
    let json = body.json_or_empty();
    let kind = json
        .get("type")
        .and_then(Value::as_u64)
        .ok_or_else(|| DiscordError::invalid_form("type: This field is required"))?;
    if !allowed(pending.kind, kind) {
        return Err(DiscordError::invalid_form(format!(
            "type: callback type {kind} is not valid for interaction type {}",
            pending.kind
        )));
    }
    let data = json.get("data").cloned().unwrap_or(Value::Null);
    let mut world = state.world();
    let original = match kind {
        4 => Some(compose::create_bot_message(
            &state,
            &mut world,
            pending.channel_id,
            &data,
            &body.files,
            |m| {
                stamp(&state, &pending, m);
            },
        )?),
        5 => Some(placeholder(&state, &mut world, &pending, &data)?),
        6 => pending.source_message,
        7 => {
            let source = pending
                .source_message
                .ok_or_else(DiscordError::unknown_interaction)?;
            compose::edit_message(&state, &mut world, source, &data, &body.files)?;
            Some(source)
        }
        _ => None,
    };
    // Record the answer while the world is still locked, so a waiter never sees the message
    // without the answer or the other way round.
    let response = u8::try_from(kind).unwrap_or(u8::MAX);
    state.interactions.update(&token, |p| {
        p.response_type = Some(response);
        p.response_data = data;
        p.original = original;
        p.callback_at = Some(received);
    });
    let answer = query
        .with_response
        .then(|| callback_response(&state, &world, &pending, kind, original));
    drop(world);
    tracing::info!(interaction = %id, name = %pending.name, kind, "interaction answered");
    Ok(match answer {
        Some(answer) => Json(answer).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

fn pending_for(state: &AppState, app: Snowflake, token: &str) -> Result<Pending, DiscordError> {
    if app != state.config.application_id {
        return Err(DiscordError::unknown_webhook());
    }
    state
        .interactions
        .by_token(token)
        .ok_or_else(DiscordError::unknown_webhook)
}

/// `POST /webhooks/{app}/{token}`: a follow-up. After a deferred message (type 5) the first
/// follow-up fills in the "thinking…" message instead, as on Discord.
pub(crate) async fn followup(
    State(state): State<Arc<AppState>>,
    Path((app, token)): Path<(Snowflake, String)>,
    Extension(body): Extension<RequestBody>,
) -> Result<Json<Value>, DiscordError> {
    let pending = pending_for(&state, app, &token)?;
    if pending.response_type.is_none() {
        return Err(DiscordError::unknown_webhook());
    }
    let json = body.json_or_empty();
    let mut world = state.world();
    let id = match (pending.response_type, pending.original) {
        (Some(5), Some(original)) if !pending.original_filled => {
            compose::edit_message(&state, &mut world, original, &json, &body.files)?;
            state
                .interactions
                .update(&token, |p| p.original_filled = true);
            original
        }
        _ => {
            let id = compose::create_bot_message(
                &state,
                &mut world,
                pending.channel_id,
                &json,
                &body.files,
                |m| {
                    stamp(&state, &pending, m);
                },
            )?;
            state.interactions.update(&token, |p| p.followups.push(id));
            id
        }
    };
    Ok(Json(wire::message(
        &world,
        world.message(id)?,
        &state.http_base,
        Surface::Rest,
    )))
}

/// Resolves `@original` or a follow-up id of this interaction.
fn target(pending: &Pending, message: &str) -> Result<Snowflake, DiscordError> {
    let unknown = || DiscordError::from(WorldError::UnknownMessage(Snowflake::default()));
    if message == "@original" {
        return pending.original.ok_or_else(unknown);
    }
    let id: Snowflake = message.parse().map_err(|_| unknown())?;
    if pending.original == Some(id) || pending.followups.contains(&id) {
        Ok(id)
    } else {
        Err(WorldError::UnknownMessage(id).into())
    }
}

/// `GET /webhooks/{app}/{token}/messages/{@original | id}`.
pub(crate) async fn get_message(
    State(state): State<Arc<AppState>>,
    Path((app, token, message)): Path<(Snowflake, String, String)>,
) -> Result<Json<Value>, DiscordError> {
    let pending = pending_for(&state, app, &token)?;
    let id = target(&pending, &message)?;
    let world = state.world();
    Ok(Json(wire::message(
        &world,
        world.message(id)?,
        &state.http_base,
        Surface::Rest,
    )))
}

/// `PATCH /webhooks/{app}/{token}/messages/{@original | id}`.
pub(crate) async fn edit_message(
    State(state): State<Arc<AppState>>,
    Path((app, token, message)): Path<(Snowflake, String, String)>,
    Extension(body): Extension<RequestBody>,
) -> Result<Json<Value>, DiscordError> {
    let pending = pending_for(&state, app, &token)?;
    let id = target(&pending, &message)?;
    let mut world = state.world();
    compose::edit_message(&state, &mut world, id, &body.json_or_empty(), &body.files)?;
    if pending.original == Some(id) {
        state
            .interactions
            .update(&token, |p| p.original_filled = true);
    }
    Ok(Json(wire::message(
        &world,
        world.message(id)?,
        &state.http_base,
        Surface::Rest,
    )))
}

/// `DELETE /webhooks/{app}/{token}/messages/{@original | id}`.
pub(crate) async fn delete_message(
    State(state): State<Arc<AppState>>,
    Path((app, token, message)): Path<(Snowflake, String, String)>,
) -> Result<StatusCode, DiscordError> {
    let pending = pending_for(&state, app, &token)?;
    let id = target(&pending, &message)?;
    let mut world = state.world();
    compose::delete_message(&state, &mut world, id)?;
    if pending.original == Some(id) {
        // With the answer (or its "thinking…" message) gone, follow-ups are messages of their
        // own, as on Discord.
        state.interactions.update(&token, |p| p.original = None);
    }
    Ok(StatusCode::NO_CONTENT)
}
