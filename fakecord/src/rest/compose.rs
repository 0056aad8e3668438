//! Turning the bot's message bodies into stored messages: create, edit and delete, each with
//! the gateway event Discord would send (none for ephemeral messages, which only the invoking
//! user ever sees).

use serde_json::{json, Value};

use super::body::UploadedFile;
use super::error::DiscordError;
use crate::interactions::{EPHEMERAL, LOADING};
use crate::server::AppState;
use crate::snowflake::{now_timestamp, Snowflake};
use crate::wire::{self, Surface};
use crate::world::{ChannelHome, StoredAttachment, StoredMessage, World};

/// Discord's limit on message text.
const MAX_CONTENT: usize = 2000;
/// Discord's limit on embeds per message.
const MAX_EMBEDS: usize = 10;

/// Where a new message goes.
pub(crate) fn guild_of(
    world: &World,
    channel: Snowflake,
) -> Result<Option<Snowflake>, DiscordError> {
    Ok(match world.channel_home(channel)? {
        ChannelHome::Guild(g) => Some(g),
        ChannelHome::Dm(_) => None,
    })
}

/// Applies a create or edit body to `msg`, storing new files.
///
/// Fields absent from an edit stay as they are; on create they start empty. When the body
/// lists `attachments`, existing files not listed are removed and new ones are matched to
/// `files[n]` by their numeric `id`, as serenity's `EditAttachments` sends them.
pub(crate) fn apply_body(
    state: &AppState,
    world: &mut World,
    msg: &mut StoredMessage,
    body: &Value,
    files: &[UploadedFile],
    creating: bool,
) -> Result<(), DiscordError> {
    if let Some(content) = body.get("content") {
        let content = content.as_str().unwrap_or_default();
        if content.chars().count() > MAX_CONTENT {
            return Err(DiscordError::invalid_form(format!(
                "content: Must be {MAX_CONTENT} or fewer in length."
            )));
        }
        content.clone_into(&mut msg.content);
        msg.mentions = world.mentioned_users(content);
    }
    if let Some(embeds) = body.get("embeds") {
        msg.embeds = embeds.as_array().cloned().unwrap_or_default();
        if msg.embeds.len() > MAX_EMBEDS {
            return Err(DiscordError::invalid_form(format!(
                "embeds: Must be {MAX_EMBEDS} or fewer in length."
            )));
        }
    }
    if let Some(components) = body.get("components") {
        msg.components = components.as_array().cloned().unwrap_or_default();
    }
    if let Some(flags) = body.get("flags").and_then(Value::as_u64) {
        // The loading flag belongs to fakecord's placeholder, not to the bot's body.
        msg.flags = (msg.flags & LOADING) | flags;
    }
    if let Some(reply) = body
        .get("message_reference")
        .and_then(|r| r.get("message_id"))
        .and_then(|id| serde_json::from_value::<Snowflake>(id.clone()).ok())
    {
        world.message(reply)?;
        msg.reply_to = Some(reply);
        if msg.kind == 0 {
            msg.kind = 19;
        }
    }
    apply_attachments(state, world, msg, body.get("attachments"), files, creating);

    if creating
        && msg.content.is_empty()
        && msg.embeds.is_empty()
        && msg.attachments.is_empty()
        && msg.components.is_empty()
    {
        return Err(DiscordError::new(
            axum::http::StatusCode::BAD_REQUEST,
            50_006,
            "Cannot send an empty message",
        ));
    }
    Ok(())
}

fn apply_attachments(
    state: &AppState,
    world: &mut World,
    msg: &mut StoredMessage,
    listed: Option<&Value>,
    files: &[UploadedFile],
    creating: bool,
) {
    let store = |world: &mut World, file: &UploadedFile, description: Option<String>| {
        let id = state.ids.next();
        world.attachments.insert(
            id,
            StoredAttachment {
                id,
                filename: file.filename.clone(),
                content_type: file.content_type.clone(),
                description,
                bytes: file.bytes.clone(),
            },
        );
        id
    };
    let mut used = vec![false; files.len()];
    match listed.and_then(Value::as_array) {
        Some(entries) => {
            let mut kept = Vec::new();
            for entry in entries {
                let id = entry.get("id");
                // Existing attachments are listed by their snowflake (a string); new ones by
                // the number of their `files[n]` part.
                let existing = id
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse::<Snowflake>().ok())
                    .filter(|a| msg.attachments.contains(a));
                if let Some(existing) = existing {
                    kept.push(existing);
                    continue;
                }
                let index = id.and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()));
                if let Some(pos) = files
                    .iter()
                    .position(|f| f.index.is_some() && f.index == index)
                {
                    used[pos] = true;
                    let description = entry
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    kept.push(store(world, &files[pos], description));
                }
            }
            msg.attachments = kept;
        }
        None if creating => msg.attachments.clear(),
        None => {}
    }
    // Files without metadata are attached too, as Discord does.
    for (file, used) in files.iter().zip(used) {
        if !used {
            let id = store(world, file, None);
            msg.attachments.push(id);
        }
    }
}

/// Creates a bot message in `channel` from a body; `decorate` sets interaction details before
/// the `MESSAGE_CREATE` goes out. Returns the new message id.
pub(crate) fn create_bot_message(
    state: &AppState,
    world: &mut World,
    channel: Snowflake,
    body: &Value,
    files: &[UploadedFile],
    decorate: impl FnOnce(&mut StoredMessage),
) -> Result<Snowflake, DiscordError> {
    let guild = guild_of(world, channel)?;
    let mut msg = StoredMessage::new(
        state.ids.next(),
        channel,
        guild,
        world.bot_id,
        now_timestamp(),
    );
    decorate(&mut msg);
    apply_body(state, world, &mut msg, body, files, true)?;
    let id = msg.id;
    let event = (msg.flags & EPHEMERAL == 0)
        .then(|| wire::created_message(world, &msg, &state.http_base, Surface::Gateway));
    world.insert_message(msg);
    if let Some(data) = event {
        state.hub.dispatch("MESSAGE_CREATE", guild, &data)?;
    }
    Ok(id)
}

/// Edits a message from a body and sends `MESSAGE_UPDATE`.
pub(crate) fn edit_message(
    state: &AppState,
    world: &mut World,
    id: Snowflake,
    body: &Value,
    files: &[UploadedFile],
) -> Result<(), DiscordError> {
    let mut msg = world.message(id)?.clone();
    apply_body(state, world, &mut msg, body, files, false)?;
    msg.flags &= !LOADING;
    msg.edited_timestamp = Some(now_timestamp());
    let event = (msg.flags & EPHEMERAL == 0)
        .then(|| wire::message(world, &msg, &state.http_base, Surface::Gateway));
    let guild = msg.guild_id;
    *world.message_mut(id)? = msg;
    if let Some(data) = event {
        state.hub.dispatch("MESSAGE_UPDATE", guild, &data)?;
    }
    Ok(())
}

/// Deletes a message and sends `MESSAGE_DELETE`.
pub(crate) fn delete_message(
    state: &AppState,
    world: &mut World,
    id: Snowflake,
) -> Result<(), DiscordError> {
    let msg = world.message_mut(id)?;
    msg.deleted = true;
    let (channel, guild, ephemeral) = (msg.channel_id, msg.guild_id, msg.flags & EPHEMERAL != 0);
    if !ephemeral {
        let mut data = json!({ "id": id, "channel_id": channel });
        if let (Some(g), Some(map)) = (guild, data.as_object_mut()) {
            map.insert("guild_id".into(), json!(g));
        }
        state.hub.dispatch("MESSAGE_DELETE", guild, &data)?;
    }
    Ok(())
}
