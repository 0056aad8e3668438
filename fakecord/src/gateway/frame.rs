//! Gateway frames: opcodes, close codes, the JSON of each non-dispatch payload, and the two
//! compressions Discord offers: per-message zlib (IDENTIFY's `compress: true`, what serenity
//! uses) and zlib-stream transport compression (`compress=zlib-stream` in the gateway URL).

use std::fmt::Write as _;

use axum::extract::ws::{CloseFrame, Message};
use flate2::{Compress, FlushCompress, Status};
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

/// How a connection's frames are compressed.
enum Compression {
    /// Text frames.
    None,
    /// Each frame a whole zlib stream in a binary message (IDENTIFY's `compress: true`).
    ///
    /// serenity 0.12 decodes every binary message with a fresh `ZlibDecoder` (see its
    /// `gateway/ws.rs`), so each frame must be a whole zlib stream, not a slice of a shared one.
    /// One deflate state is reset between frames instead of being built anew each time:
    /// setting up a deflate state allocates and zeroes a few hundred KiB.
    PerMessage(Compress),
    /// One zlib stream for the whole connection, each frame ending in a sync flush
    /// (`00 00 ff ff`) so the client can inflate it as soon as it arrives
    /// (`compress=zlib-stream` in the gateway URL).
    Stream(Compress),
}

/// Turns frames into websocket messages, compressed as the connection asked.
///
/// Transport compression is chosen when the socket opens and covers every frame, HELLO
/// included; it takes precedence over IDENTIFY's `compress`, so a client asking for both gets
/// each frame compressed once.
pub(crate) struct Encoder {
    compression: Compression,
}

impl Encoder {
    /// An encoder for a new connection: `zlib_stream` when the URL asked for
    /// `compress=zlib-stream`, plain text otherwise.
    pub(crate) fn new(zlib_stream: bool) -> Self {
        let compression = if zlib_stream {
            Compression::Stream(Compress::new(flate2::Compression::fast(), true))
        } else {
            Compression::None
        };
        Self { compression }
    }

    /// Compresses each frame on its own from now on when `compress` is set (IDENTIFY's
    /// `compress`, or the resumed session's), unless the connection uses transport compression.
    pub(crate) fn per_message(&mut self, compress: bool) {
        match (&self.compression, compress) {
            (Compression::Stream(_), _) => {}
            (_, true) => {
                self.compression =
                    Compression::PerMessage(Compress::new(flate2::Compression::fast(), true));
            }
            (_, false) => self.compression = Compression::None,
        }
    }

    /// The websocket message for a frame.
    pub(crate) fn encode(&mut self, text: &str) -> Message {
        let bytes = match &mut self.compression {
            Compression::None => None,
            Compression::PerMessage(deflate) => whole_stream(deflate, text.as_bytes()),
            Compression::Stream(deflate) => sync_flushed(deflate, text.as_bytes()),
        };
        match bytes {
            Some(bytes) => Message::Binary(bytes.into()),
            None => Message::Text(text.to_owned().into()),
        }
    }
}

/// `input` as one whole zlib stream, reusing `deflate`.
fn whole_stream(deflate: &mut Compress, input: &[u8]) -> Option<Vec<u8>> {
    deflate.reset();
    deflate_all(deflate, input, FlushCompress::Finish)
}

/// `input` as the next piece of the connection's zlib stream, ending in a sync flush.
fn sync_flushed(deflate: &mut Compress, input: &[u8]) -> Option<Vec<u8>> {
    deflate_all(deflate, input, FlushCompress::Sync)
}

/// Feeds all of `input` to `deflate` and collects its output up to `flush`: the end of the
/// stream (`Finish`) or an empty stored block that completes the frame (`Sync`).
fn deflate_all(deflate: &mut Compress, input: &[u8], flush: FlushCompress) -> Option<Vec<u8>> {
    let start = deflate.total_in();
    let mut out = Vec::with_capacity(input.len() / 2 + 64);
    loop {
        let consumed = usize::try_from(deflate.total_in() - start).ok()?;
        let rest = input.get(consumed..)?;
        let status = deflate.compress_vec(rest, &mut out, flush).ok()?;
        let all_in = usize::try_from(deflate.total_in() - start).ok()? == input.len();
        // zlib has finished a flush once it stops short of filling the output buffer.
        let done = match status {
            Status::StreamEnd => true,
            Status::Ok | Status::BufError => {
                matches!(flush, FlushCompress::Sync) && all_in && out.len() < out.capacity()
            }
        };
        if done {
            return Some(out);
        }
        out.reserve(out.capacity().max(64));
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

    fn per_message() -> Encoder {
        let mut encoder = Encoder::new(false);
        encoder.per_message(true);
        encoder
    }

    #[test]
    fn compressed_frames_decode_like_serenity_decodes_them() {
        let text = dispatch(7, "RESUMED", &json!({}));
        assert_eq!(inflate(per_message().encode(&text)), text);
    }

    #[test]
    fn a_reused_encoder_writes_whole_streams_of_any_size() {
        let mut encoder = per_message();
        let big = "0123456789abcdef".repeat(10_000);
        for text in ["{}", big.as_str(), "{\"op\":11}", big.as_str()] {
            assert_eq!(inflate(encoder.encode(text)), text);
        }
    }

    #[test]
    fn a_zlib_stream_flushes_every_frame_for_one_inflater() {
        let mut encoder = Encoder::new(true);
        // IDENTIFY's `compress` must not compress a second time.
        encoder.per_message(true);
        let mut inflater = flate2::Decompress::new(true);
        let big = "0123456789abcdef".repeat(10_000);
        for text in ["{\"op\":10}", big.as_str(), "{}", big.as_str()] {
            let Message::Binary(bytes) = encoder.encode(text) else {
                panic!("expected a binary frame");
            };
            assert!(
                bytes.ends_with(&[0, 0, 0xff, 0xff]),
                "a sync flush ends each frame"
            );
            let mut out = Vec::with_capacity(text.len() + 64);
            let before = inflater.total_in();
            while usize::try_from(inflater.total_in() - before).expect("fits") < bytes.len() {
                let offset = usize::try_from(inflater.total_in() - before).expect("fits");
                out.reserve(64);
                inflater
                    .decompress_vec(&bytes[offset..], &mut out, flate2::FlushDecompress::Sync)
                    .expect("one stream");
            }
            assert_eq!(String::from_utf8(out).expect("UTF-8"), text);
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
