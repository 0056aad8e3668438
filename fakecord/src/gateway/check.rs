//! The serenity gate: every dispatch is deserialized with serenity's own model types before it
//! is sent, and refused if serenity would fail on it or quietly lose part of it.
//!
//! serenity's `Event` enum ends in an untagged `Unknown` variant, so a known event whose payload
//! does not parse does not fail: it turns into `Event::Unknown` and the bot never sees it. That
//! is exactly the kind of bug a fake server must not hide, so an `Unknown` result is an error
//! here, and the payload is parsed once more as the specific event type to say which field
//! is wrong.

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use serenity::model::event::{
    ChannelCreateEvent, GuildCreateEvent, GuildDeleteEvent, GuildMemberAddEvent,
    GuildMemberRemoveEvent, GuildMemberUpdateEvent, GuildMembersChunkEvent, InteractionCreateEvent,
    InviteCreateEvent, InviteDeleteEvent, MessageCreateEvent, MessageDeleteEvent,
    MessageUpdateEvent, PresenceUpdateEvent, ReactionAddEvent, ReactionRemoveEvent, ReadyEvent,
    ResumedEvent, ThreadCreateEvent, TypingStartEvent, VoiceStateUpdateEvent,
};
use serenity::model::event::{Event, GatewayEvent};

/// Why a dispatch was refused.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GateError {
    /// serenity fails to deserialize the payload.
    #[error("serenity cannot parse {event}: {detail}")]
    Rejected {
        /// The event name.
        event: String,
        /// serenity's error, with the path of the failing field where known.
        detail: String,
    },
    /// serenity has no such event and would hand it to no handler.
    #[error("serenity does not know the event {0}: it would be dropped as Event::Unknown")]
    Unknown(String),
    /// serenity parses it but silently drops part of it.
    #[error("serenity would silently drop part of {event}: {detail}")]
    Lossy {
        /// The event name.
        event: String,
        /// What would be lost.
        detail: String,
    },
}

/// Checks that serenity parses `data` as the dispatch `event` without losing anything.
///
/// # Errors
///
/// A [`GateError`] naming the event and, where serenity reports it, the failing field.
pub fn verify(event: &str, data: &Value) -> Result<(), GateError> {
    let frame = json!({ "op": 0, "s": 1, "t": event, "d": data });
    match serde_json::from_value::<GatewayEvent>(frame) {
        Ok(GatewayEvent::Dispatch(_, Event::Unknown(_))) => Err(typed_error(event, data)
            .map_or_else(
                || GateError::Unknown(event.to_owned()),
                |detail| GateError::Rejected {
                    event: event.to_owned(),
                    detail,
                },
            )),
        Ok(GatewayEvent::Dispatch(_, parsed)) => lossless(event, data, &parsed),
        Ok(_) => Err(GateError::Rejected {
            event: event.to_owned(),
            detail: "not parsed as a dispatch".to_owned(),
        }),
        Err(e) => Err(GateError::Rejected {
            event: event.to_owned(),
            detail: typed_error(event, data).unwrap_or_else(|| e.to_string()),
        }),
    }
}

fn describe<T: DeserializeOwned>(data: &Value) -> Option<String> {
    serde_path_to_error::deserialize::<_, T>(data)
        .err()
        .map(|e| {
            let path = e.path().to_string();
            if path == "." {
                e.inner().to_string()
            } else {
                format!("at `{path}`: {}", e.inner())
            }
        })
}

/// The error of parsing `data` as the specific type of `event`, with the failing field's path.
fn typed_error(event: &str, data: &Value) -> Option<String> {
    match event {
        "READY" => describe::<ReadyEvent>(data),
        "RESUMED" => describe::<ResumedEvent>(data),
        "GUILD_CREATE" => describe::<GuildCreateEvent>(data),
        "GUILD_DELETE" => describe::<GuildDeleteEvent>(data),
        "GUILD_MEMBER_ADD" => describe::<GuildMemberAddEvent>(data),
        "GUILD_MEMBER_REMOVE" => describe::<GuildMemberRemoveEvent>(data),
        "GUILD_MEMBER_UPDATE" => describe::<GuildMemberUpdateEvent>(data),
        "GUILD_MEMBERS_CHUNK" => describe::<GuildMembersChunkEvent>(data),
        "CHANNEL_CREATE" => describe::<ChannelCreateEvent>(data),
        "THREAD_CREATE" => describe::<ThreadCreateEvent>(data),
        "MESSAGE_CREATE" => describe::<MessageCreateEvent>(data),
        "MESSAGE_UPDATE" => describe::<MessageUpdateEvent>(data),
        "MESSAGE_DELETE" => describe::<MessageDeleteEvent>(data),
        "MESSAGE_REACTION_ADD" => describe::<ReactionAddEvent>(data),
        "MESSAGE_REACTION_REMOVE" => describe::<ReactionRemoveEvent>(data),
        "VOICE_STATE_UPDATE" => describe::<VoiceStateUpdateEvent>(data),
        "INVITE_CREATE" => describe::<InviteCreateEvent>(data),
        "INVITE_DELETE" => describe::<InviteDeleteEvent>(data),
        "INTERACTION_CREATE" => describe::<InteractionCreateEvent>(data),
        "PRESENCE_UPDATE" => describe::<PresenceUpdateEvent>(data),
        "TYPING_START" => describe::<TypingStartEvent>(data),
        _ => None,
    }
}

/// Catches the places where serenity skips data instead of failing.
fn lossless(event: &str, data: &Value, parsed: &Event) -> Result<(), GateError> {
    if let Event::GuildCreate(created) = parsed {
        // serenity skips guild channels it cannot parse, logging a warning nobody reads.
        let sent = data
            .get("channels")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let kept = created.guild.channels.len();
        if sent != kept {
            return Err(GateError::Lossy {
                event: event.to_owned(),
                detail: format!("{} of {sent} channels would be skipped", sent - kept),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_known_event_is_refused_with_the_field() {
        let err = verify("VOICE_STATE_UPDATE", &json!({"user_id": "1"}))
            .expect_err("a voice state without its fields must be refused");
        let text = err.to_string();
        assert!(text.contains("VOICE_STATE_UPDATE"), "{text}");
        assert!(text.contains("missing field"), "{text}");
    }

    #[test]
    fn an_unknown_event_is_refused() {
        let err = verify("NOT_AN_EVENT", &json!({})).expect_err("unknown event");
        assert!(matches!(err, GateError::Unknown(_)), "{err}");
    }

    #[test]
    fn a_valid_event_passes() {
        let typing = json!({"channel_id": "1", "user_id": "2", "timestamp": 1_700_000_000});
        verify("TYPING_START", &typing).expect("valid typing event");
    }
}
