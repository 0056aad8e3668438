//! The gateway protocol spoken directly over a websocket: the handshake checks serenity never
//! trips on purpose.

use std::io::Read as _;

use fakecord::api::MessageSpec;
use fakecord::Config;
use flate2::read::ZlibDecoder;
use futures::SinkExt as _;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::raw::{close_code, identify, next_frame, next_json, open};
use crate::support::{ada_in_squad, fakecord};

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

/// Reads a zlib-stream connection: one inflater for every frame, each frame ending in a sync
/// flush, as Discord's transport compression requires of its clients.
struct ZlibStream {
    inflater: flate2::Decompress,
}

impl ZlibStream {
    fn new() -> Self {
        Self {
            inflater: flate2::Decompress::new(true),
        }
    }

    async fn next(&mut self, socket: &mut crate::raw::Socket) -> Value {
        let Message::Binary(bytes) = next_frame(socket).await else {
            panic!("zlib-stream frames are binary");
        };
        assert!(
            bytes.ends_with(&[0, 0, 0xff, 0xff]),
            "each frame ends in a sync flush"
        );
        let start = self.inflater.total_in();
        let consumed = |inflater: &flate2::Decompress| {
            usize::try_from(inflater.total_in() - start).expect("fits")
        };
        let mut out: Vec<u8> = Vec::with_capacity(bytes.len() * 4);
        while consumed(&self.inflater) < bytes.len() || out.len() == out.capacity() {
            out.reserve(out.capacity().max(1024));
            let rest = &bytes[consumed(&self.inflater)..];
            self.inflater
                .decompress_vec(rest, &mut out, flate2::FlushDecompress::Sync)
                .expect("one zlib stream across frames");
        }
        serde_json::from_slice(&out).expect("JSON inside the stream")
    }
}

#[tokio::test]
async fn zlib_stream_compresses_the_whole_connection_with_one_context() {
    let (server, _fc, guild) = ada_in_squad(Config::default()).await;
    let url = format!(
        "{}?v=10&encoding=json&compress=zlib-stream",
        server.gateway_url()
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects");
    let mut stream = ZlibStream::new();
    let hello = stream.next(&mut socket).await;
    assert_eq!(hello["op"], 10, "HELLO is compressed too: {hello}");

    // Asking for per-message compression as well must not compress twice.
    identify(&mut socket, server.token(), [0, 1], true).await;
    let ready = stream.next(&mut socket).await;
    assert_eq!(
        (ready["t"].as_str(), ready["s"].as_u64()),
        (Some("READY"), Some(1))
    );
    let created = stream.next(&mut socket).await;
    assert_eq!(created["t"], "GUILD_CREATE");
    assert_eq!(created["d"]["id"], json!(guild.id));

    socket
        .send(Message::Text(json!({"op": 1, "d": 2}).to_string()))
        .await
        .expect("heartbeat");
    assert_eq!(stream.next(&mut socket).await["op"], 11);
}

#[tokio::test]
async fn compressions_fakecord_does_not_offer_are_refused() {
    let (server, _fc) = fakecord(Config::default()).await;
    for query in ["compress=zstd-stream", "encoding=etf"] {
        let url = format!("{}?v=10&{query}", server.gateway_url());
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status().as_u16(), 400, "{query}");
            }
            other => panic!("{query} must be refused, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_resume_needs_what_it_missed_to_still_be_in_the_replay_buffer() {
    let (server, fc, guild) = ada_in_squad(Config::default().with_replay_capacity(100)).await;
    assert_eq!(fc.status().await.expect("status").replay_capacity, 100);
    let mut socket = open(server.gateway_url()).await;
    identify(&mut socket, server.token(), [0, 1], false).await;
    let ready = crate::raw::next_dispatch(&mut socket, "READY").await;
    let session_id = ready["session_id"].as_str().expect("a session").to_owned();
    crate::raw::next_dispatch(&mut socket, "GUILD_CREATE").await;
    drop(socket);
    fc.wait_for(crate::support::WAIT, "the socket to be gone", || async {
        let status = fc.status().await?;
        Ok(status.sessions.iter().all(|s| !s.connected).then_some(()))
    })
    .await
    .expect("fakecord notices");

    // Three messages while away (seq 3, 4, 5), then a buffer of two keeps only 4 and 5.
    for n in 0..3 {
        fc.post_message(
            guild.id,
            MessageSpec::new("general", "ada", format!("missed {n}")),
        )
        .await
        .expect("post");
    }
    assert_eq!(fc.set_replay_capacity(2).await.expect("resized"), 2);
    let mut socket = open(server.gateway_url()).await;
    crate::raw::send(
        &mut socket,
        6,
        json!({ "token": server.token(), "session_id": session_id, "seq": 2 }),
    )
    .await;
    let invalid = next_json(&mut socket).await;
    assert_eq!(
        (invalid["op"].as_u64(), invalid["d"].as_bool()),
        (Some(9), Some(false)),
        "message 3 fell out of the buffer: {invalid}"
    );
}
