//! Gateway frames: opcodes, close codes, the JSON of each non-dispatch payload, and the
//! per-message zlib encoding serenity expects when IDENTIFY says `compress: true`.

use std::io::Write as _;

use axum::extract::ws::{CloseFrame, Message};
use flate2::write::ZlibEncoder;
use flate2::Compression;
use serde::Serialize;
use serde_json::{json, Value};

/// Gateway opcodes fakecord reads or writes.
pub(crate) mod op {
    pub const DISPATCH: u64 = 0;
    pub const HEARTBEAT: u64 = 1;
    pub const IDENTIFY: u64 = 2;
    pub const PRESENCE_UPDATE: u64 = 3;
    pub const VOICE_STATE_UPDATE: u64 = 4;
    pub const RESUME: u64 = 6;
    pub const RECONNECT: u64 = 7;
    pub const REQUEST_GUILD_MEMBERS: u64 = 8;
    pub const INVALID_SESSION: u64 = 9;
    pub const HELLO: u64 = 10;
    pub const HEARTBEAT_ACK: u64 = 11;
}

/// Close codes Discord uses and fakecord sends.
pub(crate) mod close {
    pub const UNKNOWN_ERROR: u16 = 4000;
    pub const UNKNOWN_OPCODE: u16 = 4001;
    pub const DECODE_ERROR: u16 = 4002;
    pub const NOT_AUTHENTICATED: u16 = 4003;
    pub const AUTHENTICATION_FAILED: u16 = 4004;
    pub const ALREADY_AUTHENTICATED: u16 = 4005;
    pub const INVALID_SHARD: u16 = 4010;
    pub const INVALID_INTENTS: u16 = 4013;
}

#[derive(Serialize)]
struct Dispatch<'a> {
    op: u64,
    s: u64,
    t: &'a str,
    d: &'a Value,
}

/// The text of a dispatch frame.
pub(crate) fn dispatch(seq: u64, event: &str, data: &Value) -> String {
    let frame = Dispatch {
        op: op::DISPATCH,
        s: seq,
        t: event,
        d: data,
    };
    // Serializing a `Value` into a String cannot fail.
    serde_json::to_string(&frame).unwrap_or_default()
}

/// A non-dispatch frame.
pub(crate) fn control(opcode: u64, data: &Value) -> String {
    json!({ "op": opcode, "d": data, "s": null, "t": null }).to_string()
}

/// HELLO, telling the client how often to heartbeat.
pub(crate) fn hello(heartbeat_interval_ms: u128) -> String {
    control(
        op::HELLO,
        &json!({ "heartbeat_interval": heartbeat_interval_ms }),
    )
}

/// The websocket message for a frame: text, or a complete zlib stream in a binary message.
///
/// serenity 0.12 decodes every binary message with a fresh `ZlibDecoder` (see its
/// `gateway/ws.rs`), so each frame must be a whole zlib stream, not a slice of a shared one.
pub(crate) fn encode(text: &str, compress: bool) -> Message {
    if compress {
        let mut encoder = ZlibEncoder::new(Vec::with_capacity(text.len() / 2), Compression::fast());
        // Writing into a Vec cannot fail.
        if encoder.write_all(text.as_bytes()).is_ok() {
            if let Ok(bytes) = encoder.finish() {
                return Message::Binary(bytes.into());
            }
        }
    }
    Message::Text(text.to_owned().into())
}

/// A close message.
pub(crate) fn close_message(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.to_owned().into(),
    }))
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use flate2::read::ZlibDecoder;

    use super::*;

    #[test]
    fn compressed_frames_decode_like_serenity_decodes_them() {
        let text = dispatch(7, "RESUMED", &json!({}));
        let Message::Binary(bytes) = encode(&text, true) else {
            panic!("expected a binary frame");
        };
        let mut decoded = String::new();
        ZlibDecoder::new(&bytes[..])
            .read_to_string(&mut decoded)
            .expect("zlib");
        assert_eq!(decoded, text);
    }
}
