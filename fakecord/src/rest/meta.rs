//! The routes a bot calls at start-up: gateway discovery, the current user and application,
//! other users, and opening DMs.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::body::RequestBody;
use super::error::DiscordError;
use crate::server::AppState;
use crate::snowflake::Snowflake;
use crate::wire;

/// `GET /gateway`: where to connect. serenity's `ClientBuilder` calls this first.
pub(crate) async fn gateway(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({ "url": state.gateway_url }))
}

/// `GET /gateway/bot`: the URL plus the advertised shard count (`start_autosharded`).
pub(crate) async fn gateway_bot(State(state): State<Arc<AppState>>) -> Json<Value> {
    Json(json!({
        "url": state.gateway_url,
        "shards": state.config.shards,
        "session_start_limit": { "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1 },
    }))
}

/// `GET /oauth2/applications/@me`: poise reads the owner from it at start-up.
pub(crate) async fn application(State(state): State<Arc<AppState>>) -> Json<Value> {
    let world = state.world();
    Json(wire::application(&world))
}

/// `GET /users/@me` and `GET /users/{id}`.
pub(crate) async fn user(
    State(state): State<Arc<AppState>>,
    Path(user): Path<String>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    if user == "@me" {
        return Ok(Json(wire::current_user(world.bot())));
    }
    let id: Snowflake = user
        .parse()
        .map_err(|_| DiscordError::invalid_form("user_id: Value is not snowflake."))?;
    Ok(Json(wire::user(world.user_by_id(id)?)))
}

/// `POST /users/@me/channels` `{recipient_id}`: opens (or returns) the DM with a user.
pub(crate) async fn open_dm(
    State(state): State<Arc<AppState>>,
    Extension(body): Extension<RequestBody>,
) -> Result<Json<Value>, DiscordError> {
    let recipient: Snowflake = body
        .json
        .as_ref()
        .and_then(|b| b.get("recipient_id"))
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .ok_or_else(|| DiscordError::invalid_form("recipient_id: This field is required"))?;
    let mut world = state.world();
    let user = world.user_by_id(recipient)?.clone();
    let channel = world.dm_channel(recipient, || state.ids.next());
    Ok(Json(wire::dm_channel(channel, &user)))
}
