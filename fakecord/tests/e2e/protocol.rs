//! The gateway protocol spoken directly over a websocket: the handshake checks serenity never
//! trips on purpose.

use std::io::Read as _;

use fakecord::Config;
use flate2::read::ZlibDecoder;
use futures::{SinkExt as _, StreamExt as _};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::support::fakecord;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open(gateway_url: &str) -> Socket {
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("{gateway_url}?v=10"))
        .await
        .expect("websocket connects");
    let hello = next_json(&mut socket).await;
    assert_eq!(hello["op"], 10, "HELLO comes first: {hello}");
    socket
}

async fn next_frame(socket: &mut Socket) -> Message {
    tokio::time::timeout(crate::support::WAIT, socket.next())
        .await
        .expect("a frame in time")
        .expect("the socket is open")
        .expect("a valid frame")
}

async fn next_json(socket: &mut Socket) -> Value {
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

async fn close_code(socket: &mut Socket) -> u16 {
    match next_frame(socket).await {
        Message::Close(Some(frame)) => frame.code.into(),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

async fn identify(socket: &mut Socket, token: &str, shard: [u32; 2], compress: bool) {
    let identify = json!({
        "op": 2,
        "d": { "token": token, "intents": 513, "shard": shard, "compress": compress,
               "properties": { "os": "linux", "browser": "test", "device": "test" } }
    });
    socket
        .send(Message::Text(identify.to_string()))
        .await
        .expect("send IDENTIFY");
}

#[tokio::test]
async fn a_wrong_token_closes_with_4004() {
    let (server, _fc) = fakecord(Config::default()).await;
    let mut socket = open(server.gateway_url()).await;
    identify(&mut socket, "Bot not-the-token", [0, 1], false).await;
    assert_eq!(close_code(&mut socket).await, 4004);
}

#[tokio::test]
async fn a_bad_shard_closes_with_4010() {
    let (server, _fc) = fakecord(Config::default()).await;
    let mut socket = open(server.gateway_url()).await;
    identify(&mut socket, server.token(), [2, 2], false).await;
    assert_eq!(close_code(&mut socket).await, 4010);
}

#[tokio::test]
async fn compressed_sessions_get_zlib_frames_and_heartbeats_are_acknowledged() {
    let (server, _fc) = fakecord(Config::default()).await;
    let mut socket = open(server.gateway_url()).await;
    identify(
        &mut socket,
        &format!("Bot {}", server.token()),
        [0, 1],
        true,
    )
    .await;
    let ready = match next_frame(&mut socket).await {
        Message::Binary(bytes) => {
            let mut text = String::new();
            ZlibDecoder::new(&bytes[..])
                .read_to_string(&mut text)
                .expect("zlib");
            serde_json::from_str::<Value>(&text).expect("JSON")
        }
        other => panic!("compress: true means binary frames, got {other:?}"),
    };
    assert_eq!(
        (ready["t"].as_str(), ready["s"].as_u64()),
        (Some("READY"), Some(1))
    );
    assert_eq!(ready["d"]["resume_gateway_url"], server.gateway_url());

    socket
        .send(Message::Text(json!({"op": 1, "d": 1}).to_string()))
        .await
        .expect("heartbeat");
    assert_eq!(next_json(&mut socket).await["op"], 11);
}

#[tokio::test]
async fn resuming_an_unknown_session_is_refused_with_op_9() {
    let (server, _fc) = fakecord(Config::default()).await;
    let mut socket = open(server.gateway_url()).await;
    let resume =
        json!({ "op": 6, "d": { "token": server.token(), "session_id": "nope", "seq": 3 } });
    socket
        .send(Message::Text(resume.to_string()))
        .await
        .expect("send RESUME");
    let invalid = next_json(&mut socket).await;
    assert_eq!(
        (invalid["op"].as_u64(), invalid["d"].as_bool()),
        (Some(9), Some(false))
    );
}
