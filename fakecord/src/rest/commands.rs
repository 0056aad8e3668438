//! Application commands: bulk overwrite and list, global and per guild, stored as the bot sent
//! them plus the fields Discord adds (ids kept stable across overwrites, as Discord does).
//!
//! A guild the bot is not in (or that does not exist) gets Discord's answer for both:
//! 403 Missing Access (50001), not 404 Unknown Guild.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde_json::{json, Map, Value};

use super::body::RequestBody;
use super::error::DiscordError;
use crate::server::AppState;
use crate::snowflake::Snowflake;
use crate::world::World;

fn check_app(state: &AppState, app: Snowflake) -> Result<(), DiscordError> {
    if app == state.config.application_id {
        Ok(())
    } else {
        Err(DiscordError::unknown_application())
    }
}

/// Refuses a guild the bot cannot see, as Discord does: the guild does not exist, the bot is
/// not in it, or it was invited without the `applications.commands` scope.
fn check_guild(world: &World, guild: Snowflake) -> Result<(), DiscordError> {
    world
        .guild(guild)
        .map(drop)
        .map_err(|_| DiscordError::missing_access())
}

/// Completes one command as Discord returns it.
fn normalize(
    state: &AppState,
    command: &Value,
    existing: &[Value],
    guild: Option<Snowflake>,
) -> Result<Value, DiscordError> {
    let mut map: Map<String, Value> = command
        .as_object()
        .cloned()
        .ok_or_else(|| DiscordError::invalid_form("each command must be an object"))?;
    let name = map
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| DiscordError::invalid_form("name: This field is required"))?
        .to_owned();
    let kind = map.get("type").and_then(Value::as_u64).unwrap_or(1);
    let id = existing
        .iter()
        .find(|c| {
            c.get("name").and_then(Value::as_str) == Some(&name)
                && c.get("type").and_then(Value::as_u64) == Some(kind)
        })
        .and_then(|c| c.get("id").cloned())
        .unwrap_or_else(|| json!(state.ids.next()));
    map.insert("id".into(), id);
    map.insert("type".into(), json!(kind));
    map.insert("application_id".into(), json!(state.config.application_id));
    map.insert("version".into(), json!(state.ids.next()));
    map.entry("description").or_insert_with(|| json!(""));
    map.entry("options").or_insert_with(|| json!([]));
    map.entry("default_member_permissions")
        .or_insert(Value::Null);
    map.entry("nsfw").or_insert(json!(false));
    if let Some(g) = guild {
        map.insert("guild_id".into(), json!(g));
    } else {
        map.entry("dm_permission").or_insert(json!(true));
        map.entry("integration_types").or_insert(json!([0]));
        map.entry("contexts").or_insert(Value::Null);
    }
    Ok(Value::Object(map))
}

fn overwrite(
    state: &AppState,
    guild: Option<Snowflake>,
    body: &RequestBody,
) -> Result<Json<Value>, DiscordError> {
    let commands = body
        .json
        .as_ref()
        .and_then(Value::as_array)
        .ok_or_else(|| DiscordError::invalid_form("the body must be an array of commands"))?;
    let mut world = state.world();
    if let Some(g) = guild {
        check_guild(&world, g)?;
    }
    let existing = match guild {
        Some(g) => world.commands.guilds.get(&g).cloned().unwrap_or_default(),
        None => world.commands.global.clone(),
    };
    let stored = commands
        .iter()
        .map(|c| normalize(state, c, &existing, guild))
        .collect::<Result<Vec<_>, _>>()?;
    match guild {
        Some(g) => {
            world.commands.guilds.insert(g, stored.clone());
        }
        None => world.commands.global.clone_from(&stored),
    }
    tracing::info!(count = stored.len(), ?guild, "commands registered");
    Ok(Json(Value::Array(stored)))
}

fn upsert(
    state: &AppState,
    guild: Option<Snowflake>,
    body: &RequestBody,
) -> Result<Json<Value>, DiscordError> {
    let command = body.json_or_empty();
    let mut world = state.world();
    if let Some(g) = guild {
        check_guild(&world, g)?;
    }
    let list = match guild {
        Some(g) => world.commands.guilds.entry(g).or_default(),
        None => &mut world.commands.global,
    };
    let stored = normalize(state, &command, list, guild)?;
    list.retain(|c| c.get("id") != stored.get("id"));
    list.push(stored.clone());
    Ok(Json(stored))
}

/// `PUT /applications/{app}/commands`.
pub(crate) async fn put_global(
    State(state): State<Arc<AppState>>,
    Path(app): Path<Snowflake>,
    Extension(body): Extension<RequestBody>,
) -> Result<Json<Value>, DiscordError> {
    check_app(&state, app)?;
    overwrite(&state, None, &body)
}

/// `POST /applications/{app}/commands`.
pub(crate) async fn post_global(
    State(state): State<Arc<AppState>>,
    Path(app): Path<Snowflake>,
    Extension(body): Extension<RequestBody>,
) -> Result<Json<Value>, DiscordError> {
    check_app(&state, app)?;
    upsert(&state, None, &body)
}

/// `GET /applications/{app}/commands`.
pub(crate) async fn list_global(
    State(state): State<Arc<AppState>>,
    Path(app): Path<Snowflake>,
) -> Result<Json<Value>, DiscordError> {
    check_app(&state, app)?;
    Ok(Json(Value::Array(state.world().commands.global.clone())))
}

/// `PUT /applications/{app}/guilds/{guild}/commands`.
pub(crate) async fn put_guild(
    State(state): State<Arc<AppState>>,
    Path((app, guild)): Path<(Snowflake, Snowflake)>,
    Extension(body): Extension<RequestBody>,
) -> Result<Json<Value>, DiscordError> {
    check_app(&state, app)?;
    overwrite(&state, Some(guild), &body)
}

/// `POST /applications/{app}/guilds/{guild}/commands`.
pub(crate) async fn post_guild(
    State(state): State<Arc<AppState>>,
    Path((app, guild)): Path<(Snowflake, Snowflake)>,
    Extension(body): Extension<RequestBody>,
) -> Result<Json<Value>, DiscordError> {
    check_app(&state, app)?;
    upsert(&state, Some(guild), &body)
}

/// `GET /applications/{app}/guilds/{guild}/commands`.
pub(crate) async fn list_guild(
    State(state): State<Arc<AppState>>,
    Path((app, guild)): Path<(Snowflake, Snowflake)>,
) -> Result<Json<Value>, DiscordError> {
    check_app(&state, app)?;
    let world = state.world();
    check_guild(&world, guild)?;
    Ok(Json(Value::Array(
        world
            .commands
            .guilds
            .get(&guild)
            .cloned()
            .unwrap_or_default(),
    )))
}
