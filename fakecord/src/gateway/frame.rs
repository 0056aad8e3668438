//! Gateway frames: opcodes, close codes, the JSON of each non-dispatch payload, and the
//! per-message zlib encoding serenity expects when IDENTIFY says `compress: true`.

use std::fmt::Write as _;

use axum::extract::ws::{CloseFrame, Message};
use flate2::{Compress, Compression, FlushCompress, Status};
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

/// Appends the text of a dispatch frame to `out`, with `data` already rendered as JSON.
///
/// The result is byte for byte what [`dispatch`] writes for the same payload: the fields in the
/// same order (`op`, `s`, `t`, `d`) and no whitespace.
pub(crate) fn dispatch_raw(out: &mut String, seq: u64, event: &str, data: &str) {
    debug_assert!(
        event.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
        "event names need no JSON escaping: {event}"
    );
    // Writing into a String cannot fail.
    let _ = write!(
        out,
        r#"{{"op":{},"s":{seq},"t":"{event}","d":{data}}}"#,
        op::DISPATCH
    );
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

/// Turns frames into websocket messages: text, or (when the session asked for `compress`) a
/// complete zlib stream in a binary message.
///
/// serenity 0.12 decodes every binary message with a fresh `ZlibDecoder` (see its
/// `gateway/ws.rs`), so each frame must be a whole zlib stream, not a slice of a shared one.
/// One encoder per connection is reset between frames instead of being built anew each time:
/// setting up a deflate state allocates and zeroes a few hundred KiB.
pub(crate) struct Encoder {
    deflate: Option<Compress>,
}

impl Encoder {
    /// An encoder for a connection; `compress` as the session identified with.
    pub(crate) fn new(compress: bool) -> Self {
        Self {
            deflate: compress.then(|| Compress::new(Compression::fast(), true)),
        }
    }

    /// The websocket message for a frame.
    pub(crate) fn encode(&mut self, text: &str) -> Message {
        if let Some(deflate) = &mut self.deflate {
            if let Some(bytes) = zlib(deflate, text.as_bytes()) {
                return Message::Binary(bytes.into());
            }
        }
        Message::Text(text.to_owned().into())
    }
}

/// `input` as one whole zlib stream, reusing `deflate`.
fn zlib(deflate: &mut Compress, input: &[u8]) -> Option<Vec<u8>> {
    deflate.reset();
    let mut out = Vec::with_capacity(input.len() / 2 + 64);
    loop {
        let consumed = usize::try_from(deflate.total_in()).ok()?;
        let rest = input.get(consumed..)?;
        match deflate.compress_vec(rest, &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return Some(out),
            Ok(Status::Ok | Status::BufError) => out.reserve(out.capacity().max(64)),
            Err(_) => return None,
        }
    }
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

    fn inflate(message: Message) -> String {
        let Message::Binary(bytes) = message else {
            panic!("expected a binary frame");
        };
        let mut decoded = String::new();
        ZlibDecoder::new(&bytes[..])
            .read_to_string(&mut decoded)
            .expect("zlib");
        decoded
    }

    #[test]
    fn compressed_frames_decode_like_serenity_decodes_them() {
        let text = dispatch(7, "RESUMED", &json!({}));
        assert_eq!(inflate(Encoder::new(true).encode(&text)), text);
    }

    #[test]
    fn a_reused_encoder_writes_whole_streams_of_any_size() {
        let mut encoder = Encoder::new(true);
        let big = "0123456789abcdef".repeat(10_000);
        for text in ["{}", big.as_str(), "{\"op\":11}", big.as_str()] {
            assert_eq!(inflate(encoder.encode(text)), text);
        }
    }

    #[test]
    fn raw_dispatch_frames_match_serialized_ones() {
        let data = json!({"channel_id": "1", "content": "gg \"quoted\" 🔥"});
        let mut raw = String::new();
        dispatch_raw(&mut raw, 42, "MESSAGE_CREATE", &data.to_string());
        assert_eq!(raw, dispatch(42, "MESSAGE_CREATE", &data));
    }
}
