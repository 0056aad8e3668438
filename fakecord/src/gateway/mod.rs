//! The Discord gateway (v10, JSON, optional per-message zlib or zlib-stream transport
//! compression): the websocket endpoint, the hub of sessions that routes dispatches, intent
//! rules, and the serenity gate every dispatch passes before it is sent.

pub mod check;
mod chunks;
mod connection;
mod frame;
pub(crate) mod hub;
pub(crate) mod intents;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use serenity::model::gateway::GatewayIntents;

use crate::server::AppState;
use crate::snowflake::Snowflake;

/// What a session identified with that shapes the payloads it gets: its intents (which events,
/// and what of them) and its `large_threshold` (how much of a guild's member list
/// `GUILD_CREATE` carries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Identified {
    pub intents: GatewayIntents,
    /// Above this many members a guild is large: `GUILD_CREATE` says `large: true` and lists
    /// only the bot, members in voice and (with `GUILD_PRESENCES`) members online.
    pub large_threshold: u64,
}

impl Identified {
    /// `large_threshold` when IDENTIFY leaves it out, and the least Discord accepts.
    pub(crate) const MIN_LARGE_THRESHOLD: u64 = 50;
    /// The most `large_threshold` Discord accepts.
    pub(crate) const MAX_LARGE_THRESHOLD: u64 = 250;

    /// A session's shape from IDENTIFY's `intents` and `large_threshold`; a threshold outside
    /// Discord's 50–250 is held to it.
    pub(crate) fn new(intents: GatewayIntents, large_threshold: Option<u64>) -> Self {
        Self {
            intents,
            large_threshold: large_threshold
                .unwrap_or(Self::MIN_LARGE_THRESHOLD)
                .clamp(Self::MIN_LARGE_THRESHOLD, Self::MAX_LARGE_THRESHOLD),
        }
    }

    /// The fullest shape (every intent, the highest threshold): a payload rendered for it
    /// passes the serenity gate before any session needs it.
    pub(crate) fn everything() -> Self {
        Self::new(GatewayIntents::all(), Some(Self::MAX_LARGE_THRESHOLD))
    }
}

/// The shard that receives a guild's events: `(guild_id >> 22) % shard_count`, as on Discord.
#[must_use]
pub fn shard_of(guild: Snowflake, shard_count: u32) -> u32 {
    let count = u64::from(shard_count.max(1));
    // The remainder is below `shard_count`, so it fits.
    u32::try_from((guild.get() >> 22) % count).unwrap_or(0)
}

/// `GET /gateway?v=10&encoding=json&compress=zlib-stream`: upgrades to a gateway connection.
/// serenity appends only `?v=10` to the URL from `GET /api/v10/gateway`. `compress=zlib-stream`
/// turns on transport compression; other encodings and compressions Discord offers (`etf`,
/// `zstd-stream`) are refused with 400 rather than answered in a form the client cannot read.
pub(crate) async fn upgrade(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    if let Some(encoding) = query.get("encoding").filter(|e| *e != "json") {
        let refusal = format!("fakecord speaks encoding=json only, not `{encoding}`");
        return (StatusCode::BAD_REQUEST, refusal).into_response();
    }
    let zlib_stream = match query.get("compress").map(String::as_str) {
        None => false,
        Some("zlib-stream") => true,
        Some(other) => {
            let refusal = format!("fakecord offers compress=zlib-stream only, not `{other}`");
            return (StatusCode::BAD_REQUEST, refusal).into_response();
        }
    };
    // serenity lifts its own limits too (`max_message_size: None`); GUILD_CREATE can be large.
    ws.max_message_size(64 << 20)
        .on_upgrade(move |socket| connection::serve(socket, state, zlib_stream))
}
