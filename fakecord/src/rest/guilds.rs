//! Guild routes: the guild, its channels, members, roles and invites.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::Value;

use super::error::DiscordError;
use crate::server::AppState;
use crate::snowflake::Snowflake;
use crate::wire;
use crate::world::WorldError;

/// `GET /guilds/{guild}`.
pub(crate) async fn get_guild(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    Ok(Json(wire::partial_guild(world.guild(guild)?)))
}

/// `GET /guilds/{guild}/channels`.
pub(crate) async fn channels(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    let guild = world.guild(guild)?;
    Ok(Json(
        guild
            .channels
            .iter()
            .filter(|c| c.kind != crate::api::ChannelKind::Thread)
            .map(|c| wire::channel(guild.id, c))
            .collect(),
    ))
}

/// `GET /guilds/{guild}/members/{user}`.
pub(crate) async fn member(
    State(state): State<Arc<AppState>>,
    Path((guild, user)): Path<(Snowflake, Snowflake)>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    let g = world.guild(guild)?;
    let m = g.members.get(&user).ok_or_else(|| WorldError::NotMember {
        user: user.to_string(),
        guild,
    })?;
    Ok(Json(wire::member(&world, m, true)))
}

/// `GET /guilds/{guild}/members?limit=&after=`: by user id, like Discord.
pub(crate) async fn members(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    let g = world.guild(guild)?;
    let limit = query
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 1000);
    let after = query
        .get("after")
        .and_then(|a| a.parse::<Snowflake>().ok())
        .unwrap_or_default();
    Ok(Json(
        g.members
            .range(Snowflake(after.get().saturating_add(1))..)
            .take(limit)
            .map(|(_, m)| wire::member(&world, m, true))
            .collect(),
    ))
}

/// `GET /guilds/{guild}/roles`.
pub(crate) async fn roles(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    Ok(Json(
        world.guild(guild)?.roles.iter().map(wire::role).collect(),
    ))
}

/// `GET /guilds/{guild}/invites`.
pub(crate) async fn invites(
    State(state): State<Arc<AppState>>,
    Path(guild): Path<Snowflake>,
) -> Result<Json<Value>, DiscordError> {
    let world = state.world();
    let g = world.guild(guild)?;
    Ok(Json(
        g.invites
            .values()
            .map(|i| wire::rich_invite(&world, g, i))
            .collect(),
    ))
}
