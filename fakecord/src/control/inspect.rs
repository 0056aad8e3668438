//! Looking at what the bot did: messages per channel, single messages and their files,
//! registered commands, the REST request log (and what the rate limits refused), and gateway
//! status.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{ControlError, Reply};
use crate::api::{
    CommandRegistry, MessageView, RateLimitReport, RecordedRequest, RequestFilter, Status,
};
use crate::server::AppState;
use crate::snowflake::Snowflake;

/// `GET /_fake/channels/{channel}/messages?all=true`: the bot's messages in a channel as they
/// are now, oldest first; with `all=true` users' messages too. Deleted ones are included and
/// marked.
pub(crate) async fn channel_messages(
    State(state): State<Arc<AppState>>,
    Path(channel): Path<Snowflake>,
    Query(query): Query<HashMap<String, String>>,
) -> Reply<Vec<MessageView>> {
    let all = query.get("all").is_some_and(|v| v == "true" || v == "1");
    let world = state.world();
    world.channel_home(channel)?;
    Ok(Json(
        world
            .messages_in(channel)
            .filter(|m| all || m.author_id == world.bot_id)
            .map(|m| m.view(world.bot_id, &world.attachments, &state.http_base))
            .collect(),
    ))
}

/// `GET /_fake/messages/{id}`.
pub(crate) async fn message(
    State(state): State<Arc<AppState>>,
    Path(id): Path<Snowflake>,
) -> Reply<MessageView> {
    let world = state.world();
    let msg = world
        .messages
        .get(&id)
        .ok_or_else(|| ControlError::NotFound(format!("unknown message {id}")))?;
    Ok(Json(msg.view(
        world.bot_id,
        &world.attachments,
        &state.http_base,
    )))
}

/// `GET /_fake/attachments/{id}`: the stored bytes.
pub(crate) async fn attachment(
    State(state): State<Arc<AppState>>,
    Path(id): Path<Snowflake>,
) -> Result<Response, ControlError> {
    let world = state.world();
    let file = world
        .attachments
        .get(&id)
        .ok_or_else(|| ControlError::NotFound(format!("unknown attachment {id}")))?;
    let content_type = file
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    Ok(([(CONTENT_TYPE, content_type)], file.bytes.clone()).into_response())
}

/// `GET /_fake/attachments/{id}/{filename}`: the same, at the URL attachments advertise.
pub(crate) async fn attachment_named(
    state: State<Arc<AppState>>,
    Path((id, _filename)): Path<(Snowflake, String)>,
) -> Result<Response, ControlError> {
    attachment(state, Path(id)).await
}

/// `GET /_fake/commands`.
pub(crate) async fn commands(State(state): State<Arc<AppState>>) -> Reply<CommandRegistry> {
    Ok(Json(state.world().commands.clone()))
}

/// `GET /_fake/requests?method=&path=&status=&unexpected=&validation=&after=`.
pub(crate) async fn requests(
    State(state): State<Arc<AppState>>,
    Query(filter): Query<RequestFilter>,
) -> Reply<Vec<RecordedRequest>> {
    Ok(Json(state.recorder.list(&filter)))
}

/// `DELETE /_fake/requests`: empties the log.
pub(crate) async fn clear_requests(State(state): State<Arc<AppState>>) -> Reply<Value> {
    Ok(Json(json!({ "cleared": state.recorder.clear() })))
}

/// `GET /_fake/requests/unexpected`.
pub(crate) async fn unexpected(State(state): State<Arc<AppState>>) -> Reply<Vec<RecordedRequest>> {
    let filter = RequestFilter {
        unexpected: Some(true),
        ..RequestFilter::default()
    };
    Ok(Json(state.recorder.list(&filter)))
}

/// `GET /_fake/requests/rate-limited`: how many logged requests a rate limit refused with
/// 429, in all, globally, and by route.
pub(crate) async fn rate_limited(State(state): State<Arc<AppState>>) -> Reply<RateLimitReport> {
    let filter = RequestFilter {
        status: Some(429),
        ..RequestFilter::default()
    };
    Ok(Json(RateLimitReport::of(&state.recorder.list(&filter))))
}

/// `GET /_fake/status`.
pub(crate) async fn status(State(state): State<Arc<AppState>>) -> Reply<Status> {
    let sessions = state.hub.status();
    Ok(Json(Status {
        shards_advertised: state.config.shards,
        connected: sessions.iter().filter(|s| s.connected).count(),
        sessions,
        guilds: state.world().guilds.len(),
        spec_validation: state.spec.enabled(),
        replay_capacity: state.hub.replay_capacity(),
    }))
}
