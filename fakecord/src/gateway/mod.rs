//! The Discord gateway (v10, JSON, optional per-message zlib): the websocket endpoint, the hub
//! of sessions that routes dispatches, intent rules, and the serenity gate every dispatch
//! passes before it is sent.

pub mod check;
mod connection;
mod frame;
pub(crate) mod hub;
pub(crate) mod intents;

use std::sync::Arc;

use axum::extract::{State, WebSocketUpgrade};
use axum::response::Response;

use crate::server::AppState;
use crate::snowflake::Snowflake;

/// The shard that receives a guild's events: `(guild_id >> 22) % shard_count`, as on Discord.
#[must_use]
pub fn shard_of(guild: Snowflake, shard_count: u32) -> u32 {
    let count = u64::from(shard_count.max(1));
    // The remainder is below `shard_count`, so it fits.
    u32::try_from((guild.get() >> 22) % count).unwrap_or(0)
}

/// `GET /gateway?v=10…`: upgrades to a gateway connection. serenity appends `?v=10` to the URL
/// from `GET /api/v10/gateway`; the query is accepted and ignored.
pub(crate) async fn upgrade(State(state): State<Arc<AppState>>, ws: WebSocketUpgrade) -> Response {
    // serenity lifts its own limits too (`max_message_size: None`); GUILD_CREATE can be large.
    ws.max_message_size(64 << 20)
        .on_upgrade(move |socket| connection::serve(socket, state))
}
