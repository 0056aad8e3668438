//! Bodies for looking at what the bot did: messages, commands, REST requests, gateway status.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::snowflake::Snowflake;

/// A message as it is now (after edits), from `GET /_fake/channels/{channel}/messages`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MessageView {
    /// Message id.
    pub id: Snowflake,
    /// Channel id.
    pub channel_id: Snowflake,
    /// Guild id, if in a guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<Snowflake>,
    /// Author's user id.
    pub author_id: Snowflake,
    /// Whether the bot wrote it.
    pub by_bot: bool,
    /// Text.
    pub content: String,
    /// Embeds as sent.
    pub embeds: Vec<Value>,
    /// Components (action rows) as sent.
    pub components: Vec<Value>,
    /// Files.
    pub attachments: Vec<AttachmentView>,
    /// Reactions, in the order they were first added.
    pub reactions: Vec<ReactionView>,
    /// Message flags (64 = ephemeral).
    pub flags: u64,
    /// Whether it was edited.
    pub edited: bool,
    /// Whether it was deleted.
    pub deleted: bool,
    /// The message it replies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Snowflake>,
    /// The interaction it answers, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interaction_id: Option<Snowflake>,
}

impl MessageView {
    /// The reactions with `emoji` (`"🔥"`, or `"name:id"` for a custom emoji), if anyone
    /// reacted with it.
    #[must_use]
    pub fn reaction(&self, emoji: &str) -> Option<&ReactionView> {
        self.reactions.iter().find(|r| r.emoji == emoji)
    }
}

/// A stored file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AttachmentView {
    /// Attachment id.
    pub id: Snowflake,
    /// File name.
    pub filename: String,
    /// Size in bytes.
    pub size: u64,
    /// MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Where fakecord serves the bytes.
    pub url: String,
}

/// One emoji's reactions on a message.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReactionView {
    /// `"🔥"` or `"name:id"` for custom emojis.
    pub emoji: String,
    /// How many users reacted.
    pub count: usize,
    /// Whether the bot is one of them.
    pub me: bool,
    /// Who reacted.
    pub users: Vec<Snowflake>,
}

/// The application commands the bot registered, as fakecord stored them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CommandRegistry {
    /// Global commands.
    pub global: Vec<Value>,
    /// Guild commands by guild id.
    pub guilds: BTreeMap<Snowflake, Vec<Value>>,
}

impl CommandRegistry {
    /// Whether a command with this name is registered globally or in `guild`.
    #[must_use]
    pub fn has(&self, name: &str, guild: Option<Snowflake>) -> bool {
        let named = |c: &Value| c.get("name").and_then(Value::as_str) == Some(name);
        self.global.iter().any(named)
            || guild
                .and_then(|g| self.guilds.get(&g))
                .is_some_and(|cmds| cmds.iter().any(named))
    }
}

/// One REST request the bot made.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Position in the log, from 1.
    pub id: u64,
    /// Unix time in milliseconds.
    pub at_ms: u64,
    /// HTTP method.
    pub method: String,
    /// Path as requested, e.g. `/api/v10/channels/1/messages`.
    pub path: String,
    /// The route it matched, under `/api/v10` and with its parameters named, e.g.
    /// `/channels/{channel}/messages`; `None` for routes fakecord does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// Query string, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Status fakecord answered with.
    pub status: u16,
    /// The JSON body (`payload_json` for multipart), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Files of a multipart body.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<UploadedFileView>,
    /// `valid`, `invalid: …`, `no-schema`, `unknown-route` or `skipped` (no spec file).
    pub validation: String,
    /// Whether fakecord has no such route (answered with a 404).
    pub unexpected: bool,
    /// Why it was refused with 429, when a rate limit refused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitHit>,
}

impl RecordedRequest {
    /// `METHOD route` (e.g. `PUT /channels/{channel}/messages/{message}/reactions/{emoji}/@me`),
    /// or `METHOD path` for a route fakecord does not know.
    #[must_use]
    pub fn route_key(&self) -> String {
        format!(
            "{} {}",
            self.method,
            self.route.as_deref().unwrap_or(&self.path)
        )
    }
}

/// A request a rate limit refused with 429, as fakecord answered it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RateLimitHit {
    /// Refused by the global limit (`X-RateLimit-Global`) rather than a route bucket.
    pub global: bool,
    /// `X-RateLimit-Scope`: `global` or `user` (a bucket of the bot's own).
    pub scope: String,
    /// `X-RateLimit-Bucket` of the route bucket that refused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// The `retry_after` of the body, in seconds.
    pub retry_after: f64,
}

/// How many of the logged requests were refused with 429: `GET /_fake/requests/rate-limited`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimitReport {
    /// Every refusal.
    pub refused: u64,
    /// Those refused by the global limit.
    pub global: u64,
    /// Refusals by [`RecordedRequest::route_key`].
    pub routes: BTreeMap<String, u64>,
}

impl RateLimitReport {
    /// Counts the refusals among `requests`.
    #[must_use]
    pub fn of(requests: &[RecordedRequest]) -> Self {
        let mut report = Self::default();
        for request in requests {
            let Some(hit) = &request.rate_limit else {
                continue;
            };
            report.refused += 1;
            report.global += u64::from(hit.global);
            *report.routes.entry(request.route_key()).or_default() += 1;
        }
        report
    }

    /// Refusals of one route, by [`RecordedRequest::route_key`].
    #[must_use]
    pub fn on(&self, route_key: &str) -> u64 {
        self.routes.get(route_key).copied().unwrap_or(0)
    }
}

/// A file in a multipart request.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UploadedFileView {
    /// The form field, e.g. `files[0]`.
    pub field: String,
    /// File name.
    pub filename: String,
    /// Size in bytes.
    pub size: u64,
}

/// Which recorded requests to list: query parameters of `GET /_fake/requests`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RequestFilter {
    /// Only this method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Only paths containing this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Only this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Only unexpected (or only expected) requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unexpected: Option<bool>,
    /// Only validation results starting with this, e.g. `invalid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<String>,
    /// Only requests after this log position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
}

impl RequestFilter {
    /// Whether a request passes the filter.
    #[must_use]
    pub fn matches(&self, request: &RecordedRequest) -> bool {
        self.method
            .as_ref()
            .is_none_or(|m| m.eq_ignore_ascii_case(&request.method))
            && self
                .path
                .as_ref()
                .is_none_or(|p| request.path.contains(p.as_str()))
            && self.status.is_none_or(|s| s == request.status)
            && self.unexpected.is_none_or(|u| u == request.unexpected)
            && self
                .validation
                .as_ref()
                .is_none_or(|v| request.validation.starts_with(v.as_str()))
            && self.after.is_none_or(|a| request.id > a)
    }
}

/// Gateway status: `GET /_fake/status`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Status {
    /// Shard count advertised by `GET /gateway/bot`.
    pub shards_advertised: u32,
    /// Sessions connected right now.
    pub connected: usize,
    /// Every known session, connected or waiting to be resumed.
    pub sessions: Vec<SessionStatus>,
    /// Guilds in fakecord.
    pub guilds: usize,
    /// Whether REST bodies are validated against the OpenAPI spec.
    pub spec_validation: bool,
    /// Dispatches kept per session for RESUME.
    #[serde(default)]
    pub replay_capacity: usize,
}

/// One gateway session.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionStatus {
    /// The session id.
    pub session_id: String,
    /// `[shard_id, shard_count]` from IDENTIFY.
    pub shard: [u32; 2],
    /// Whether a socket is attached.
    pub connected: bool,
    /// Intent bits from IDENTIFY.
    pub intents: u64,
    /// The same, by name.
    pub intent_names: Vec<String>,
    /// Last sequence number sent.
    pub seq: u64,
    /// Last sequence number written to the socket.
    pub written_seq: u64,
    /// How many times it was resumed.
    pub resumes: u32,
    /// Whether dispatches are zlib-compressed one by one (IDENTIFY's `compress`).
    pub compress: bool,
    /// IDENTIFY's `large_threshold` (50 when left out): guilds with more members are large,
    /// and their `GUILD_CREATE` lists only some members.
    #[serde(default)]
    pub large_threshold: u64,
}

/// The body of every control API error.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, in one sentence.
    pub error: String,
}
