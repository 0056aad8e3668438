//! The gateway hub: every session (connected or waiting to resume), their sequence numbers and
//! replay buffers, and the routing of dispatches to them by shard and intents.
//!
//! A session outlives its socket so that RESUME can replay what the bot missed. Dispatches are
//! numbered and queued under one lock, so each session sees strictly increasing sequence
//! numbers in the order events happened; the socket task writes them out and reports how far it
//! got through the session's `written` watch, which is what the bulk generator waits on.

use std::collections::{HashMap, VecDeque};
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;
use serenity::model::gateway::GatewayIntents;
use tokio::sync::{mpsc, watch};

use super::check::{self, GateError};
use super::{frame, intents, shard_of, Identified};
use crate::api::SessionStatus;
use crate::snowflake::Snowflake;

/// What the hub asks a socket task to do.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// Write a frame; `seq` is set for dispatches.
    Frame { seq: Option<u64>, text: Arc<str> },
    /// End without a close frame, like a network failure.
    Drop,
}

/// The hub's handle on one socket.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    pub id: u64,
    pub tx: mpsc::UnboundedSender<Outbound>,
}

/// A gateway session.
#[derive(Debug)]
struct Session {
    id: String,
    shard: [u32; 2],
    intents: GatewayIntents,
    large_threshold: u64,
    compress: bool,
    seq: u64,
    replay: VecDeque<(u64, Arc<str>)>,
    link: Option<Link>,
    written: Arc<watch::Sender<u64>>,
    resumes: u32,
}

impl Session {
    fn identified(&self) -> Identified {
        Identified {
            intents: self.intents,
            large_threshold: self.large_threshold,
        }
    }

    fn receives(&self, guild: Option<Snowflake>, needs: Option<GatewayIntents>) -> bool {
        let [shard_id, shard_count] = self.shard;
        // DMs and guild-less events go to shard 0, as on Discord.
        let on_shard = guild.map_or(shard_id == 0, |g| shard_of(g, shard_count) == shard_id);
        on_shard && needs.is_none_or(|i| self.intents.contains(i))
    }

    /// Numbers, buffers and (if connected) sends one dispatch.
    fn push(&mut self, event: &str, data: &Value, capacity: usize) -> u64 {
        self.seq += 1;
        let text: Arc<str> = frame::dispatch(self.seq, event, data).into();
        self.enqueue(text, capacity)
    }

    /// [`Self::push`] for a payload already rendered as JSON; `scratch` is a reusable buffer.
    fn push_raw(&mut self, event: &str, data: &str, capacity: usize, scratch: &mut String) -> u64 {
        self.seq += 1;
        scratch.clear();
        frame::dispatch_raw(scratch, self.seq, event, data);
        self.enqueue(Arc::from(scratch.as_str()), capacity)
    }

    /// Buffers (bounded by `capacity`) and, if connected, sends the frame numbered `self.seq`.
    fn enqueue(&mut self, text: Arc<str>, capacity: usize) -> u64 {
        self.replay.push_back((self.seq, Arc::clone(&text)));
        while self.replay.len() > capacity {
            self.replay.pop_front();
        }
        if let Some(link) = &self.link {
            // A closed channel means the socket task ended; `detach` will clear the link.
            let _ = link.tx.send(Outbound::Frame {
                seq: Some(self.seq),
                text,
            });
        }
        self.seq
    }
}

/// Where a dispatch went.
#[derive(Debug, Default)]
pub(crate) struct Delivery {
    /// Sessions it was queued for (connected or waiting to resume).
    pub sessions: usize,
    /// For each connected session: its `written` watch and the sequence number to wait for.
    pub waits: Vec<(watch::Receiver<u64>, u64)>,
}

/// Events rendered ahead of [`Hub::dispatch_batch`]: their names and their payloads (`d`) as
/// JSON text, all in one buffer that is reused from batch to batch.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    text: String,
    events: Vec<BatchEvent>,
}

#[derive(Debug)]
struct BatchEvent {
    event: &'static str,
    /// The payload for sessions with every intent.
    full: Range<usize>,
    /// The payload for sessions without `MESSAGE_CONTENT`, when rendered ahead.
    without_content: Option<Range<usize>>,
    /// Whether the payload passes the serenity gate before anything of the batch is queued.
    verify: bool,
}

impl Batch {
    /// Empties the batch, keeping its buffers.
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.events.clear();
    }

    /// Events in the batch.
    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    /// Adds an event whose payload `write` appends to the buffer it is given.
    pub(crate) fn push(
        &mut self,
        event: &'static str,
        verify: bool,
        write: impl FnOnce(&mut String),
    ) {
        let start = self.text.len();
        write(&mut self.text);
        self.events.push(BatchEvent {
            event,
            full: start..self.text.len(),
            without_content: None,
            verify,
        });
    }

    /// Gives the last event its payload for sessions without `MESSAGE_CONTENT`. Without it the
    /// hub derives that payload from the full one when a session needs it.
    pub(crate) fn without_content(&mut self, write: impl FnOnce(&mut String)) {
        let start = self.text.len();
        write(&mut self.text);
        let end = self.text.len();
        if let Some(last) = self.events.last_mut() {
            last.without_content = Some(start..end);
        }
    }

    /// The full payload of the last event.
    pub(crate) fn last_payload(&self) -> Option<&str> {
        self.events.last().map(|e| &self.text[e.full.clone()])
    }

    /// The payload of `event` for a session with `intents`: borrowed from the buffer, or
    /// derived into `derived`.
    fn payload<'a>(
        &'a self,
        event: &BatchEvent,
        intents: GatewayIntents,
        bot_id: Snowflake,
        derived: &'a mut Option<String>,
    ) -> Result<&'a str, GateError> {
        let full = &self.text[event.full.clone()];
        if intents.contains(GatewayIntents::MESSAGE_CONTENT) || !intents::hides_content(event.event)
        {
            return Ok(full);
        }
        if let Some(range) = &event.without_content {
            return Ok(&self.text[range.clone()]);
        }
        if derived.is_none() {
            let mut data = parse(event.event, full)?;
            intents::hide_content(event.event, &mut data, bot_id);
            *derived = Some(data.to_string());
        }
        Ok(derived.as_deref().unwrap_or(full))
    }
}

/// A rendered payload as a `Value`, for the serenity gate.
fn parse(event: &str, text: &str) -> Result<Value, GateError> {
    serde_json::from_str(text).map_err(|e| GateError::Rejected {
        event: event.to_owned(),
        detail: format!("not JSON: {e}"),
    })
}

/// The outcome of a RESUME.
pub(crate) enum Resume {
    /// Replayed what the session missed, then RESUMED.
    Resumed {
        shard: [u32; 2],
        identified: Identified,
        compress: bool,
        written: Arc<watch::Sender<u64>>,
    },
    /// Unknown session, or events it missed are gone: the client must identify again.
    Invalid,
}

/// A gateway control requested through the control API.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Control {
    /// Op 7.
    Reconnect,
    /// Op 9 with `d` = resumable.
    InvalidSession { resumable: bool },
    /// Close the socket without a close frame.
    DropSocket,
}

/// All sessions.
#[derive(Debug)]
pub(crate) struct Hub {
    sessions: Mutex<HashMap<String, Session>>,
    /// Dispatches kept per session; read and changed under the `sessions` lock, so a change
    /// applies to every dispatch queued after it.
    replay_capacity: AtomicUsize,
    bot_id: Snowflake,
}

/// A new session's parameters, from IDENTIFY.
pub(crate) struct NewSession {
    pub id: String,
    pub shard: [u32; 2],
    pub identified: Identified,
    pub compress: bool,
}

impl Hub {
    /// An empty hub.
    pub(crate) fn new(replay_capacity: usize, bot_id: Snowflake) -> Self {
        Self {
            sessions: Mutex::new(HashMap::new()),
            replay_capacity: AtomicUsize::new(replay_capacity.max(1)),
            bot_id,
        }
    }

    /// Dispatches kept per session for RESUME.
    pub(crate) fn replay_capacity(&self) -> usize {
        self.replay_capacity.load(Ordering::Relaxed)
    }

    /// Keeps the last `capacity` dispatches per session from now on (at least one). Buffers
    /// holding more drop their oldest, so a RESUME from before them gets op 9.
    pub(crate) fn set_replay_capacity(&self, capacity: usize) -> usize {
        let capacity = capacity.max(1);
        let mut sessions = self.lock();
        self.replay_capacity.store(capacity, Ordering::Relaxed);
        for session in sessions.values_mut() {
            while session.replay.len() > capacity {
                session.replay.pop_front();
            }
        }
        capacity
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        // A panic while holding the lock leaves plain data behind; keep serving.
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a session after IDENTIFY and queues its first dispatches (`READY`, one `GUILD_CREATE` per guild).
    /// Sessions of the same shard without a socket are forgotten: the bot identified afresh.
    pub(crate) fn open(
        &self,
        new: NewSession,
        link: Link,
        initial: &[(&str, Value)],
    ) -> Result<Arc<watch::Sender<u64>>, GateError> {
        for (event, data) in initial {
            check::verify(event, data)?;
        }
        let mut sessions = self.lock();
        sessions.retain(|_, s| s.link.is_some() || s.shard != new.shard);
        let written = Arc::new(watch::Sender::new(0));
        let mut session = Session {
            id: new.id.clone(),
            shard: new.shard,
            intents: new.identified.intents,
            large_threshold: new.identified.large_threshold,
            compress: new.compress,
            seq: 0,
            replay: VecDeque::new(),
            link: Some(link),
            written: Arc::clone(&written),
            resumes: 0,
        };
        for (event, data) in initial {
            session.push(event, data, self.replay_capacity());
        }
        sessions.insert(new.id, session);
        Ok(written)
    }

    /// Attaches a socket to a known session, replays what it missed after `seq`, then RESUMED.
    pub(crate) fn resume(&self, session_id: &str, seq: u64, link: &Link) -> Resume {
        let mut sessions = self.lock();
        let Some(session) = sessions.get_mut(session_id) else {
            return Resume::Invalid;
        };
        let oldest = session.replay.front().map_or(session.seq + 1, |(s, _)| *s);
        // The client claims events we never sent, or some it missed fell out of the buffer.
        if seq > session.seq || seq + 1 < oldest {
            sessions.remove(session_id);
            return Resume::Invalid;
        }
        if let Some(old) = session.link.replace(link.clone()) {
            let _ = old.tx.send(Outbound::Drop);
        }
        session.written.send_replace(seq);
        for (s, text) in session.replay.iter().filter(|(s, _)| *s > seq) {
            let _ = link.tx.send(Outbound::Frame {
                seq: Some(*s),
                text: Arc::clone(text),
            });
        }
        session.resumes += 1;
        session.push("RESUMED", &serde_json::json!({}), self.replay_capacity());
        Resume::Resumed {
            shard: session.shard,
            identified: session.identified(),
            compress: session.compress,
            written: Arc::clone(&session.written),
        }
    }

    /// Forgets a socket when it ends, unless a newer one already took its place.
    pub(crate) fn detach(&self, session_id: &str, link_id: u64) {
        if let Some(session) = self.lock().get_mut(session_id) {
            if session.link.as_ref().is_some_and(|l| l.id == link_id) {
                session.link = None;
            }
        }
    }

    /// Routes a dispatch to the sessions of `guild`'s shard that have the intent it needs.
    ///
    /// `render` shapes the payload for what a session identified with (for example
    /// `GUILD_CREATE`). Every distinct rendering, and the one for [`Identified::everything`],
    /// passes the serenity gate before anything is queued, so a refused event reaches no
    /// session at all.
    pub(crate) fn dispatch_with(
        &self,
        event: &str,
        guild: Option<Snowflake>,
        render: impl Fn(Identified) -> Value,
    ) -> Result<Delivery, GateError> {
        let needs = intents::required(event, guild.is_some());
        let shaped = |shape: Identified| {
            let mut data = render(shape);
            if !shape.intents.contains(GatewayIntents::MESSAGE_CONTENT) {
                intents::hide_content(event, &mut data, self.bot_id);
            }
            data
        };
        let mut sessions = self.lock();
        let mut renders: Vec<(Identified, Value)> = Vec::new();
        for shape in std::iter::once(Identified::everything()).chain(
            sessions
                .values()
                .filter(|s| s.receives(guild, needs))
                .map(Session::identified),
        ) {
            if !renders.iter().any(|(known, _)| *known == shape) {
                let data = shaped(shape);
                check::verify(event, &data)?;
                renders.push((shape, data));
            }
        }
        let mut delivery = Delivery::default();
        for session in sessions.values_mut().filter(|s| s.receives(guild, needs)) {
            let shape = session.identified();
            let Some((_, data)) = renders.iter().find(|(known, _)| *known == shape) else {
                continue;
            };
            let seq = session.push(event, data, self.replay_capacity());
            delivery.sessions += 1;
            if session.link.is_some() {
                delivery.waits.push((session.written.subscribe(), seq));
            }
        }
        Ok(delivery)
    }

    /// Answers one session: queues `payloads` as `event` dispatches for it alone (numbered and
    /// kept for RESUME like any other), after each passed the serenity gate. Returns how many
    /// were queued: none when the session is gone.
    pub(crate) fn dispatch_to(
        &self,
        session_id: &str,
        event: &str,
        payloads: &[Value],
    ) -> Result<usize, GateError> {
        for data in payloads {
            check::verify(event, data)?;
        }
        let mut sessions = self.lock();
        let Some(session) = sessions.get_mut(session_id) else {
            return Ok(0);
        };
        for data in payloads {
            session.push(event, data, self.replay_capacity());
        }
        Ok(payloads.len())
    }

    /// Queues a batch of events of `guild` under one lock, each routed like [`Self::dispatch`].
    ///
    /// Events marked `verify` pass the serenity gate, in every rendering a receiving session
    /// would get, before anything of the batch is queued; the others are trusted to have the
    /// same shape (the bulk generator verifies the first event of each kind). `waits` holds,
    /// per connected session, the sequence number of its last event in the batch.
    pub(crate) fn dispatch_batch(
        &self,
        guild: Option<Snowflake>,
        batch: &Batch,
    ) -> Result<Delivery, GateError> {
        let mut sessions = self.lock();
        for event in batch.events.iter().filter(|e| e.verify) {
            let needs = intents::required(event.event, guild.is_some());
            // Only `MESSAGE_CONTENT` changes a payload rendered ahead.
            let mut shapes = vec![GatewayIntents::MESSAGE_CONTENT];
            shapes.extend(
                sessions
                    .values()
                    .filter(|s| s.receives(guild, needs))
                    .map(|s| s.intents & GatewayIntents::MESSAGE_CONTENT),
            );
            shapes.sort_by_key(GatewayIntents::bits);
            shapes.dedup();
            for intents in shapes {
                let mut derived = None;
                let text = batch.payload(event, intents, self.bot_id, &mut derived)?;
                check::verify(event.event, &parse(event.event, text)?)?;
            }
        }
        let mut delivery = Delivery::default();
        let mut scratch = String::new();
        for session in sessions.values_mut() {
            let mut last = None;
            for event in &batch.events {
                if !session.receives(guild, intents::required(event.event, guild.is_some())) {
                    continue;
                }
                let mut derived = None;
                let text = batch.payload(event, session.intents, self.bot_id, &mut derived)?;
                last =
                    Some(session.push_raw(event.event, text, self.replay_capacity(), &mut scratch));
            }
            let Some(seq) = last else { continue };
            delivery.sessions += 1;
            if session.link.is_some() {
                delivery.waits.push((session.written.subscribe(), seq));
            }
        }
        Ok(delivery)
    }

    /// [`Self::dispatch_with`] for a payload that is the same for every session.
    pub(crate) fn dispatch(
        &self,
        event: &str,
        guild: Option<Snowflake>,
        data: &Value,
    ) -> Result<Delivery, GateError> {
        self.dispatch_with(event, guild, |_| data.clone())
    }

    /// Applies a control to the connected sessions of `shard` (all when `None`).
    pub(crate) fn control(&self, shard: Option<u32>, action: Control) -> usize {
        let mut sessions = self.lock();
        let mut affected = 0;
        let mut forget = Vec::new();
        for session in sessions.values_mut() {
            if shard.is_some_and(|s| s != session.shard[0]) {
                continue;
            }
            let Some(link) = &session.link else { continue };
            let message = match action {
                Control::Reconnect => Outbound::Frame {
                    seq: None,
                    text: frame::control(frame::op::RECONNECT, &Value::Null).into(),
                },
                Control::InvalidSession { resumable } => {
                    if !resumable {
                        forget.push(session.id.clone());
                    }
                    Outbound::Frame {
                        seq: None,
                        text: frame::control(frame::op::INVALID_SESSION, &Value::Bool(resumable))
                            .into(),
                    }
                }
                Control::DropSocket => Outbound::Drop,
            };
            if link.tx.send(message).is_ok() {
                affected += 1;
            }
        }
        for id in forget {
            sessions.remove(&id);
        }
        affected
    }

    /// Whether some session receiving `guild`'s events lacks `MESSAGE_CONTENT`, so message
    /// payloads without their content are worth rendering ahead.
    pub(crate) fn hides_content_from(&self, guild: Option<Snowflake>) -> bool {
        self.lock().values().any(|s| {
            s.receives(guild, None) && !s.intents.contains(GatewayIntents::MESSAGE_CONTENT)
        })
    }

    /// Whether some connected session would receive events of `guild`.
    pub(crate) fn has_listener(&self, guild: Option<Snowflake>) -> bool {
        self.lock()
            .values()
            .any(|s| s.link.is_some() && s.receives(guild, None))
    }

    /// Every session, for `GET /_fake/status`.
    pub(crate) fn status(&self) -> Vec<SessionStatus> {
        let mut list: Vec<SessionStatus> = self
            .lock()
            .values()
            .map(|s| SessionStatus {
                session_id: s.id.clone(),
                shard: s.shard,
                connected: s.link.is_some(),
                intents: s.intents.bits(),
                intent_names: s.intents.iter_names().map(|(n, _)| n.to_owned()).collect(),
                seq: s.seq,
                written_seq: *s.written.borrow(),
                resumes: s.resumes,
                compress: s.compress,
                large_threshold: s.large_threshold,
            })
            .collect();
        list.sort_by(|a, b| a.shard.cmp(&b.shard).then(b.connected.cmp(&a.connected)));
        list
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn link(id: u64) -> (Link, mpsc::UnboundedReceiver<Outbound>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Link { id, tx }, rx)
    }

    fn typing(channel: u64) -> Value {
        json!({"channel_id": channel.to_string(), "user_id": "2", "timestamp": 1_700_000_000})
    }

    fn seqs(rx: &mut mpsc::UnboundedReceiver<Outbound>) -> Vec<u64> {
        let mut out = Vec::new();
        while let Ok(Outbound::Frame { seq: Some(s), .. }) = rx.try_recv() {
            out.push(s);
        }
        out
    }

    fn open(hub: &Hub, id: &str, shard: [u32; 2], link: Link) {
        hub.open(
            NewSession {
                id: id.into(),
                shard,
                identified: Identified::everything(),
                compress: false,
            },
            link,
            &[],
        )
        .expect("open");
    }

    #[test]
    fn resume_replays_exactly_what_was_missed() {
        let hub = Hub::new(100, Snowflake(1));
        let (first, mut rx1) = link(1);
        open(&hub, "s", [0, 1], first);
        hub.dispatch("TYPING_START", None, &typing(1))
            .expect("dispatch");
        assert_eq!(seqs(&mut rx1), vec![1]);
        hub.detach("s", 1);
        hub.dispatch("TYPING_START", None, &typing(2))
            .expect("dispatch while away");
        let (second, mut rx2) = link(2);
        assert!(matches!(
            hub.resume("s", 1, &second),
            Resume::Resumed { .. }
        ));
        assert_eq!(seqs(&mut rx2), vec![2, 3], "the missed event, then RESUMED");
    }

    #[test]
    fn a_smaller_replay_buffer_forgets_what_a_resume_would_need() {
        let hub = Hub::new(100, Snowflake(1));
        let (first, _rx1) = link(1);
        open(&hub, "s", [0, 1], first);
        hub.detach("s", 1);
        for channel in 1..=3 {
            hub.dispatch("TYPING_START", None, &typing(channel))
                .expect("dispatch while away");
        }
        assert_eq!(hub.set_replay_capacity(2), 2);
        let (second, _rx2) = link(2);
        assert!(
            matches!(hub.resume("s", 0, &second), Resume::Invalid),
            "the first missed event fell out of a buffer of two"
        );
        assert_eq!(
            hub.set_replay_capacity(0),
            1,
            "a session keeps at least one"
        );
    }

    #[test]
    fn guild_events_go_to_the_guild_shard_only() {
        let hub = Hub::new(100, Snowflake(1));
        let (a, mut rx_a) = link(1);
        let (b, mut rx_b) = link(2);
        open(&hub, "a", [0, 2], a);
        open(&hub, "b", [1, 2], b);
        let guild_on_shard_1 = Snowflake(1 << 22);
        hub.dispatch(
            "INVITE_DELETE",
            Some(guild_on_shard_1),
            &json!({"channel_id": "1", "guild_id": guild_on_shard_1, "code": "x"}),
        )
        .expect("dispatch");
        assert!(seqs(&mut rx_a).is_empty());
        assert_eq!(seqs(&mut rx_b), vec![1]);
    }

    #[test]
    fn refused_payloads_reach_nobody() {
        let hub = Hub::new(100, Snowflake(1));
        let (a, mut rx) = link(1);
        open(&hub, "a", [0, 1], a);
        assert!(hub
            .dispatch("TYPING_START", None, &json!({"nope": 1}))
            .is_err());
        assert!(seqs(&mut rx).is_empty());
    }
}
