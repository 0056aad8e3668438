//! The control API under `/_fake/`: what tests, benchmarks and people use to drive fakecord —
//! create guilds, act as users, invoke commands, inspect what the bot did, and disturb the
//! gateway. Bodies and answers are the types in [`crate::api`]; errors are
//! `{"error": "…"}` with a fitting status.

mod activity;
mod bulk;
mod click;
mod gateway;
pub(crate) mod guilds;
mod inspect;
mod interactions;
mod invocation;

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::FromRequest;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};

use crate::api::ErrorBody;
use crate::gateway::check::GateError;
use crate::interactions::WaitError;
use crate::server::AppState;
use crate::world::WorldError;

/// The `/_fake` routes.
pub(crate) fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/guilds", post(guilds::create_route).get(guilds::list))
        .route("/guilds/{guild}", get(guilds::get))
        .route("/guilds/{guild}/members", post(guilds::join))
        .route("/guilds/{guild}/members/{user}", delete(guilds::leave))
        .route("/guilds/{guild}/messages", post(activity::post_message))
        .route(
            "/guilds/{guild}/messages/{message}",
            delete(activity::delete_message),
        )
        .route(
            "/guilds/{guild}/reactions",
            post(activity::react).delete(activity::unreact),
        )
        .route("/guilds/{guild}/voice", post(activity::voice))
        .route(
            "/guilds/{guild}/invites",
            post(activity::create_invite).get(activity::list_invites),
        )
        .route(
            "/guilds/{guild}/invites/{code}",
            delete(activity::delete_invite),
        )
        .route("/guilds/{guild}/presences", post(activity::presence))
        .route("/interactions/command", post(interactions::command))
        .route(
            "/interactions/autocomplete",
            post(interactions::autocomplete),
        )
        .route("/interactions/component", post(interactions::component))
        .route("/interactions/{id}", get(interactions::get))
        .route(
            "/channels/{channel}/messages",
            get(inspect::channel_messages),
        )
        .route("/messages/{id}", get(inspect::message))
        .route("/attachments/{id}", get(inspect::attachment))
        .route(
            "/attachments/{id}/{filename}",
            get(inspect::attachment_named),
        )
        .route("/commands", get(inspect::commands))
        .route(
            "/requests",
            get(inspect::requests).delete(inspect::clear_requests),
        )
        .route("/requests/unexpected", get(inspect::unexpected))
        .route("/requests/rate-limited", get(inspect::rate_limited))
        .route("/status", get(inspect::status))
        .route("/gateway/reconnect", post(gateway::reconnect))
        .route("/gateway/invalidate", post(gateway::invalidate))
        .route("/gateway/drop", post(gateway::drop_socket))
        .route("/gateway/replay", post(gateway::replay))
        .route("/dispatch", post(gateway::dispatch))
        .route("/bulk", post(bulk::run))
        .fallback(no_such_endpoint)
}

/// A control path that does not exist: say so in the control API's own shape, rather than
/// Discord's 404 (which would also log it as an unexpected bot request).
async fn no_such_endpoint(uri: axum::http::Uri) -> ControlError {
    ControlError::NotFound(format!(
        "no control endpoint {}; see fakecord/README.md",
        uri.path()
    ))
}

/// What went wrong with a control call.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ControlError {
    #[error(transparent)]
    World(#[from] WorldError),
    #[error(transparent)]
    Gate(#[from] GateError),
    #[error(transparent)]
    Wait(#[from] WaitError),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    /// Nothing would receive the event (no bot connected for that shard).
    #[error("{0}")]
    Unavailable(String),
}

impl From<JsonRejection> for ControlError {
    fn from(rejection: JsonRejection) -> Self {
        Self::BadRequest(rejection.body_text())
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::World(e) if e.is_not_found() => StatusCode::NOT_FOUND,
            Self::World(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Gate(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Wait(WaitError::TimedOut { .. }) => StatusCode::GATEWAY_TIMEOUT,
            Self::Wait(WaitError::Unknown(_)) | Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        let body = ErrorBody {
            error: self.to_string(),
        };
        (status, Json(body)).into_response()
    }
}

/// A JSON body whose parse errors come back as `{"error": …}`.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ControlError))]
pub(crate) struct Body<T>(pub T);

/// Control handlers' result.
pub(crate) type Reply<T> = Result<Json<T>, ControlError>;
