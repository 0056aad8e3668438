//! Errors the REST API answers with, in Discord's JSON shape (`{"message": …, "code": …}`),
//! which serenity parses into `DiscordJsonError`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::gateway::check::GateError;
use crate::world::WorldError;

/// A Discord-style error response.
#[derive(Debug)]
pub(crate) struct DiscordError {
    status: StatusCode,
    code: u32,
    message: String,
}

impl DiscordError {
    pub(crate) fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// A route fakecord does not implement: Discord's generic 404.
    pub(crate) fn route_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, 0, "404: Not Found")
    }

    /// Missing or wrong bot token.
    pub(crate) fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized")
    }

    /// A body Discord would refuse.
    pub(crate) fn invalid_form(detail: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            50_035,
            format!("Invalid Form Body: {detail}"),
        )
    }

    pub(crate) fn unknown_interaction() -> Self {
        Self::new(StatusCode::NOT_FOUND, 10_062, "Unknown interaction")
    }

    pub(crate) fn unknown_webhook() -> Self {
        Self::new(StatusCode::NOT_FOUND, 10_015, "Unknown Webhook")
    }

    pub(crate) fn unknown_application() -> Self {
        Self::new(StatusCode::NOT_FOUND, 10_002, "Unknown Application")
    }
}

impl From<WorldError> for DiscordError {
    fn from(e: WorldError) -> Self {
        let status = if e.is_not_found() {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::BAD_REQUEST
        };
        Self::new(status, e.discord_code(), e.to_string())
    }
}

// A dispatch that serenity would refuse is fakecord's bug, not the bot's: answer 500 so the
// failing test points here, with serenity's reason.
impl From<GateError> for DiscordError {
    fn from(e: GateError) -> Self {
        tracing::error!(error = %e, "fakecord built a dispatch serenity refuses");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            0,
            format!("fakecord bug: {e}"),
        )
    }
}

impl IntoResponse for DiscordError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "message": self.message, "code": self.code })),
        )
            .into_response()
    }
}
