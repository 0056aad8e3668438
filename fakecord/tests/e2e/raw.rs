//! A raw gateway client for the tests that speak the protocol frame by frame: open a socket,
//! identify with exactly the fields a test wants, and read payloads (text or per-message
//! zlib).

use std::io::Read as _;

use flate2::read::ZlibDecoder;
use futures::{SinkExt as _, StreamExt as _};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Intents of a bot that wants guilds and their members.
pub const GUILDS_AND_MEMBERS: u64 = (1 << 0) | (1 << 1);

/// Connects to `gateway_url` with `?v=10` and reads HELLO.
pub async fn open(gateway_url: &str) -> Socket {
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("{gateway_url}?v=10"))
        .await
        .expect("websocket connects");
    let hello = next_json(&mut socket).await;
    assert_eq!(hello["op"], 10, "HELLO comes first: {hello}");
    socket
}

/// The next frame, within the tests' patience.
pub async fn next_frame(socket: &mut Socket) -> Message {
    tokio::time::timeout(crate::support::WAIT, socket.next())
        .await
        .expect("a frame in time")
        .expect("the socket is open")
        .expect("a valid frame")
}

/// The next payload, from a text frame or a whole zlib stream.
pub async fn next_json(socket: &mut Socket) -> Value {
    match next_frame(socket).await {
        Message::Text(text) => serde_json::from_str(&text).expect("JSON text frame"),
        Message::Binary(bytes) => {
            let mut text = String::new();
            ZlibDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .expect("a whole zlib stream");
            serde_json::from_str(&text).expect("JSON inside zlib")
        }
        other => panic!("expected a payload, got {other:?}"),
    }
}

/// The `d` of the next dispatch named `event`, skipping other frames.
pub async fn next_dispatch(socket: &mut Socket, event: &str) -> Value {
    loop {
        let mut frame = next_json(socket).await;
        if frame["t"] == event {
            return frame["d"].take();
        }
    }
}

/// The code of the close frame that comes next.
pub async fn close_code(socket: &mut Socket) -> u16 {
    match next_frame(socket).await {
        Message::Close(Some(frame)) => frame.code.into(),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

/// Sends a payload as a text frame.
pub async fn send(socket: &mut Socket, op: u64, d: Value) {
    let frame = json!({ "op": op, "d": d });
    socket
        .send(Message::Text(frame.to_string()))
        .await
        .expect("send a frame");
}

/// The `d` of an IDENTIFY with `intents`; tests add what else they need.
pub fn identify_payload(token: &str, intents: u64) -> Value {
    json!({
        "token": token, "intents": intents,
        "properties": { "os": "linux", "browser": "test", "device": "test" },
    })
}

/// IDENTIFY with GUILDS and `GUILD_MESSAGES`.
pub async fn identify(socket: &mut Socket, token: &str, shard: [u32; 2], compress: bool) {
    let mut d = identify_payload(token, 513);
    d["shard"] = json!(shard);
    d["compress"] = json!(compress);
    send(socket, 2, d).await;
}
