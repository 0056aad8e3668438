//! Errors the REST API answers with, in Discord's JSON shape (`{"message": …, "code": …}`),
//! which serenity parses into `DiscordJsonError`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::gateway::check::GateError;
use crate::world::WorldError;

/// A Discord-style error response.
#[derive(Debug)]
pub(crate) struct DiscordError {
    status: StatusCode,
    code: u32,
    message: String,
    /// Discord's per-field `errors` object, for a form it refuses field by field.
    errors: Option<Value>,
}

impl DiscordError {
    pub(crate) fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            errors: None,
        }
    }

    /// One field of a body or query Discord would refuse, in Discord's exact shape:
    /// `{"code": 50035, "message": "Invalid Form Body", "errors": {field: {"_errors": [{code,
    /// message}]}}}`, which serenity reads into `DiscordJsonError::errors` with the field as
    /// its path. `code` is Discord's name for the rule, e.g. `NUMBER_TYPE_MAX`.
    pub(crate) fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        let detail = json!({ "_errors": [{ "code": code, "message": message.into() }] });
        let mut errors = serde_json::Map::new();
        errors.insert(field.to_owned(), detail);
        Self {
            errors: Some(Value::Object(errors)),
            ..Self::new(StatusCode::BAD_REQUEST, 50_035, "Invalid Form Body")
        }
    }

    /// A route fakecord does not implement: Discord's generic 404.
    pub(crate) fn route_not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, 0, "404: Not Found")
    }

    /// A route fakecord knows, with a method it does not take: Discord's generic 405.
    pub(crate) fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, 0, "405: Method Not Allowed")
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

    /// Something the bot may not see at all: a guild it is not in, a channel it lacks
    /// `VIEW_CHANNEL` in.
    pub(crate) fn missing_access() -> Self {
        Self::new(StatusCode::FORBIDDEN, 50_001, "Missing Access")
    }

    /// Something the bot sees but lacks a permission for, such as posting in a channel
    /// without `SEND_MESSAGES`.
    pub(crate) fn missing_permissions() -> Self {
        Self::new(StatusCode::FORBIDDEN, 50_013, "Missing Permissions")
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
        let mut body = json!({ "message": self.message, "code": self.code });
        if let (Some(errors), Some(map)) = (self.errors, body.as_object_mut()) {
            map.insert("errors".into(), errors);
        }
        (self.status, Json(body)).into_response()
    }
}
