//! One gateway websocket: HELLO, IDENTIFY or RESUME, heartbeats, and writing out what the hub
//! queues for the session.
//!
//! Reading and writing happen in one task (a `select!` over the socket and the hub's queue), so
//! "drop the socket" is simply returning, which closes the TCP connection without a close
//! frame, like a network failure.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use futures::SinkExt as _;
use serde::Deserialize;
use serde_json::{json, Value};
use serenity::model::gateway::GatewayIntents;
use tokio::sync::{mpsc, watch};
use tracing::{debug, info, warn};

use super::chunks::{self, MembersRequest, Unanswered};
use super::frame::{self, close, op};
use super::hub::{Link, NewSession, Outbound, Resume};
use super::{shard_of, Identified};
use crate::config::bare_token;
use crate::server::AppState;
use crate::wire;

static NEXT_LINK: AtomicU64 = AtomicU64::new(1);

/// The most frames written with one flush: queued frames go out together, in as few syscalls
/// as the socket allows, while incoming frames (heartbeats) still get read between batches.
const WRITE_BATCH: usize = 256;

/// A frame the client sent: only `op` and `d` matter.
#[derive(Deserialize)]
struct Incoming {
    op: u64,
    #[serde(default)]
    d: Value,
}

#[derive(Deserialize)]
struct Identify {
    token: String,
    intents: Option<u64>,
    #[serde(default)]
    shard: Option<[u32; 2]>,
    #[serde(default)]
    compress: bool,
    #[serde(default)]
    large_threshold: Option<u64>,
}

#[derive(Deserialize)]
struct ResumeRequest {
    token: String,
    session_id: String,
    seq: u64,
}

/// Why the connection must close.
struct CloseWith(u16, String);

/// What this socket is attached to.
struct Attached {
    session_id: String,
    shard: [u32; 2],
    identified: Identified,
    written: Arc<watch::Sender<u64>>,
}

struct Connection {
    state: Arc<AppState>,
    link: Link,
    attached: Option<Attached>,
    /// zlib-stream from the start when the URL asked for it; otherwise text until a session
    /// that asked for `compress` is attached.
    encoder: frame::Encoder,
}

/// Runs one gateway connection until either side ends it; `zlib_stream` when the gateway URL
/// asked for transport compression.
pub(super) async fn serve(mut socket: WebSocket, state: Arc<AppState>, zlib_stream: bool) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut conn = Connection {
        link: Link {
            id: NEXT_LINK.fetch_add(1, Ordering::Relaxed),
            tx,
        },
        state,
        attached: None,
        encoder: frame::Encoder::new(zlib_stream),
    };
    let hello = frame::hello(conn.state.config.heartbeat_interval.as_millis());
    if socket.send(conn.encoder.encode(&hello)).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    if let Err(CloseWith(code, reason)) = conn.handle(text.as_str()) {
                        info!(code, %reason, "closing gateway connection");
                        let _ = socket.send(frame::close_message(code, &reason)).await;
                        break;
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    let _ = socket.send(frame::close_message(close::DECODE_ERROR, "binary frames are not accepted")).await;
                    break;
                }
                Some(Ok(Message::Close(_))) => {
                    // Completes the closing handshake: serenity waits for the echo before it
                    // starts a new session (and logs a timeout if it never comes).
                    let _ = socket.close().await;
                    break;
                }
                Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            outbound = rx.recv() => {
                if conn.write_queued(&mut socket, &mut rx, outbound).await.is_break() {
                    break;
                }
            }
        }
    }
    if let Some(attached) = &conn.attached {
        conn.state.hub.detach(&attached.session_id, conn.link.id);
    }
}

impl Connection {
    /// Writes `first` and whatever else is queued (up to [`WRITE_BATCH`] frames) with one
    /// flush, then reports the last sequence number written. Breaks when the socket must end.
    async fn write_queued(
        &mut self,
        socket: &mut WebSocket,
        rx: &mut mpsc::UnboundedReceiver<Outbound>,
        first: Option<Outbound>,
    ) -> ControlFlow<()> {
        let mut next = first;
        let mut written = None;
        let mut fed = 0;
        let flow = loop {
            match next {
                Some(Outbound::Frame { seq, text }) => {
                    if socket.feed(self.encoder.encode(&text)).await.is_err() {
                        return ControlFlow::Break(());
                    }
                    written = seq.or(written);
                    fed += 1;
                }
                Some(Outbound::Drop) | None => {
                    debug!("dropping gateway socket without a close frame");
                    break ControlFlow::Break(());
                }
            }
            if fed >= WRITE_BATCH {
                break ControlFlow::Continue(());
            }
            match rx.try_recv() {
                Ok(more) => next = Some(more),
                Err(_) => break ControlFlow::Continue(()),
            }
        };
        if fed > 0 && socket.flush().await.is_err() {
            return ControlFlow::Break(());
        }
        if let (Some(seq), Some(attached)) = (written, &self.attached) {
            attached.written.send_replace(seq);
        }
        flow
    }

    fn handle(&mut self, text: &str) -> Result<(), CloseWith> {
        let incoming: Incoming = serde_json::from_str(text)
            .map_err(|e| CloseWith(close::DECODE_ERROR, format!("invalid payload: {e}")))?;
        match incoming.op {
            op::HEARTBEAT => {
                self.send_now(frame::control(op::HEARTBEAT_ACK, &Value::Null));
                Ok(())
            }
            op::IDENTIFY if self.attached.is_some() => Err(CloseWith(
                close::ALREADY_AUTHENTICATED,
                "already authenticated".into(),
            )),
            op::IDENTIFY => self.identify(incoming.d),
            op::RESUME => self.resume(incoming.d),
            op::REQUEST_GUILD_MEMBERS => self.request_members(incoming.d),
            op::PRESENCE_UPDATE | op::VOICE_STATE_UPDATE if self.attached.is_none() => Err(
                CloseWith(close::NOT_AUTHENTICATED, "not authenticated".into()),
            ),
            op::PRESENCE_UPDATE | op::VOICE_STATE_UPDATE => {
                debug!(op = incoming.op, "ignoring client gateway op");
                Ok(())
            }
            other => Err(CloseWith(
                close::UNKNOWN_OPCODE,
                format!("unknown opcode {other}"),
            )),
        }
    }

    /// Queues a non-dispatch frame behind whatever is already queued.
    fn send_now(&self, text: String) {
        let _ = self.link.tx.send(Outbound::Frame {
            seq: None,
            text: text.into(),
        });
    }

    fn identify(&mut self, d: Value) -> Result<(), CloseWith> {
        let identify: Identify = serde_json::from_value(d)
            .map_err(|e| CloseWith(close::DECODE_ERROR, format!("invalid IDENTIFY: {e}")))?;
        let state = Arc::clone(&self.state);
        if bare_token(&identify.token) != state.config.bare_token() {
            return Err(CloseWith(
                close::AUTHENTICATION_FAILED,
                "Authentication failed.".into(),
            ));
        }
        let shard = identify.shard.unwrap_or([0, 1]);
        if shard[1] == 0 || shard[0] >= shard[1] {
            return Err(CloseWith(close::INVALID_SHARD, "Invalid shard.".into()));
        }
        let bits = identify
            .intents
            .ok_or_else(|| CloseWith(close::INVALID_INTENTS, "intents are required".into()))?;
        let intents = GatewayIntents::from_bits(bits)
            .ok_or_else(|| CloseWith(close::INVALID_INTENTS, "Invalid intent(s).".into()))?;
        let identified = Identified::new(intents, identify.large_threshold);
        let session_id = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));

        // Holding the world lock while the session opens means no event can fall between the
        // GUILD_CREATE snapshot and the session being there to receive it.
        let world = state.world();
        let guilds: Vec<_> = world
            .guilds
            .values()
            .filter(|g| shard_of(g.id, shard[1]) == shard[0])
            .collect();
        let ready = json!({
            "v": 10,
            "user": wire::current_user(world.bot()),
            "guilds": guilds.iter().map(|g| json!({"id": g.id, "unavailable": true})).collect::<Vec<_>>(),
            "session_id": session_id,
            "resume_gateway_url": state.gateway_url,
            "shard": shard,
            "application": { "id": state.config.application_id, "flags": wire::APPLICATION_FLAGS },
            "private_channels": [],
            "relationships": [],
            "user_settings": {},
            "session_type": "normal",
            "geo_ordered_rtc_regions": ["local"],
        });
        let mut initial = vec![("READY", ready)];
        if intents.contains(GatewayIntents::GUILDS) {
            initial.extend(
                guilds
                    .iter()
                    .map(|g| ("GUILD_CREATE", wire::guild_create(&world, g, identified))),
            );
        }
        let opened = state.hub.open(
            NewSession {
                id: session_id.clone(),
                shard,
                identified,
                compress: identify.compress,
            },
            self.link.clone(),
            &initial,
        );
        drop(world);
        let written = opened.map_err(|e| {
            warn!(error = %e, "fakecord built a dispatch serenity refuses");
            CloseWith(close::UNKNOWN_ERROR, e.to_string())
        })?;
        info!(
            %session_id,
            ?shard,
            intents = bits,
            compress = identify.compress,
            large_threshold = identified.large_threshold,
            "session identified"
        );
        self.attached = Some(Attached {
            session_id,
            shard,
            identified,
            written,
        });
        self.encoder.per_message(identify.compress);
        Ok(())
    }

    /// Request Guild Members (op 8): answers with `GUILD_MEMBERS_CHUNK` dispatches for this
    /// session, or with nothing where Discord sends nothing (see [`chunks`]).
    fn request_members(&self, d: Value) -> Result<(), CloseWith> {
        let Some(attached) = &self.attached else {
            return Err(CloseWith(
                close::NOT_AUTHENTICATED,
                "not authenticated".into(),
            ));
        };
        let request: MembersRequest = serde_json::from_value(d).map_err(|e| {
            CloseWith(
                close::DECODE_ERROR,
                format!("invalid REQUEST_GUILD_MEMBERS: {e}"),
            )
        })?;
        // The world stays locked until the chunks are queued, so they show the members as
        // they are when queued, before any later join or leave.
        let world = self.state.world();
        match chunks::answer(
            &world,
            &request,
            attached.shard,
            attached.identified.intents,
        ) {
            Ok(payloads) => {
                let sent = self
                    .state
                    .hub
                    .dispatch_to(&attached.session_id, "GUILD_MEMBERS_CHUNK", &payloads)
                    .map_err(|e| {
                        warn!(error = %e, "fakecord built a dispatch serenity refuses");
                        CloseWith(close::UNKNOWN_ERROR, e.to_string())
                    })?;
                debug!(guild = %request.guild_id, chunks = sent, "answered REQUEST_GUILD_MEMBERS");
                Ok(())
            }
            Err(Unanswered::Ignored(reason)) => {
                warn!(guild = %request.guild_id, %reason, "REQUEST_GUILD_MEMBERS gets no answer, as on Discord");
                Ok(())
            }
            Err(Unanswered::Malformed(reason)) => Err(CloseWith(
                close::DECODE_ERROR,
                format!("invalid REQUEST_GUILD_MEMBERS: {reason}"),
            )),
        }
    }

    fn resume(&mut self, d: Value) -> Result<(), CloseWith> {
        let request: ResumeRequest = serde_json::from_value(d)
            .map_err(|e| CloseWith(close::DECODE_ERROR, format!("invalid RESUME: {e}")))?;
        if bare_token(&request.token) != self.state.config.bare_token() {
            return Err(CloseWith(
                close::AUTHENTICATION_FAILED,
                "Authentication failed.".into(),
            ));
        }
        match self
            .state
            .hub
            .resume(&request.session_id, request.seq, &self.link)
        {
            Resume::Resumed {
                shard,
                identified,
                compress,
                written,
            } => {
                info!(session_id = %request.session_id, seq = request.seq, "session resumed");
                self.attached = Some(Attached {
                    session_id: request.session_id,
                    shard,
                    identified,
                    written,
                });
                self.encoder.per_message(compress);
            }
            Resume::Invalid => {
                info!(session_id = %request.session_id, "cannot resume; invalid session");
                self.send_now(frame::control(op::INVALID_SESSION, &Value::Bool(false)));
            }
        }
        Ok(())
    }
}
