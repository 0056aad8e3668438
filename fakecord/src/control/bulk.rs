//! The bulk generator for benchmarks: many realistic events, sent as fast as the bot reads
//! them. The pace is set by the bot's socket (fakecord waits when too many events are queued
//! but not yet written), never by a fixed rate.
//!
//! It is built to cost the bot's benchmarks little: events are made in batches of [`BATCH`]
//! under one lock of the world and one of the hub; each payload is a [`Template`] rendered once
//! through [`wire`] (per author for messages, per emoji for reactions) and filled in with the
//! fields that vary; and only the first event of each kind in a call passes the serenity gate,
//! since the rest have the same shape. In debug builds that first event is also compared with
//! what [`wire`] renders for it, so a template cannot drift from the real payload.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::Json;
use serde_json::Value;
use tokio::sync::watch;

use super::{Body, ControlError, Reply};
use crate::api::{BulkKind, BulkReport, BulkSpec, ChannelKind};
use crate::gateway::hub::Batch;
use crate::gateway::intents;
use crate::server::AppState;
use crate::snowflake::{now_timestamp, Snowflake};
use crate::wire::{self, Surface};
use crate::world::{Emoji, StoredMessage, VoiceState, World};

/// Events rendered and queued per lock of the world and the hub. The generator waits when more
/// than one batch is queued but not yet written, so at most two batches per session are in
/// memory: one being written while the next is built.
const BATCH: u64 = 256;
/// How long the bot may read nothing before the run is abandoned.
const STALL: Duration = Duration::from_secs(30);
/// Texts for generated messages; some carry emojis, as real chat does.
const LINES: [&str; 6] = [
    "gg",
    "anyone up for a match? 🎮",
    "nice shot!",
    "brb",
    "lol 😂",
    "who's on tonight",
];
/// Reactions used when the caller names none.
const DEFAULT_EMOJIS: [&str; 4] = ["👍", "🔥", "😂", "🎉"];

/// What the generator picks from.
struct Pools {
    users: Vec<Snowflake>,
    channels: Vec<Snowflake>,
    messages: Vec<Snowflake>,
    emojis: Vec<Emoji>,
}

fn bad(text: impl Into<String>) -> ControlError {
    ControlError::BadRequest(text.into())
}

fn pools(world: &World, spec: &BulkSpec) -> Result<Pools, ControlError> {
    let guild = world.guild(spec.guild_id)?;
    let users: Vec<Snowflake> = if spec.users.is_empty() {
        let members = guild.members.keys().copied().filter(|u| *u != world.bot_id);
        members
            .take(spec.user_count.unwrap_or(usize::MAX))
            .collect()
    } else {
        for u in &spec.users {
            if !guild.members.contains_key(u) {
                return Err(bad(format!(
                    "user {u} is not a member of guild {}",
                    spec.guild_id
                )));
            }
        }
        spec.users.clone()
    };
    let kind = if spec.kind == BulkKind::VoiceState {
        ChannelKind::Voice
    } else {
        ChannelKind::Text
    };
    let channels: Vec<Snowflake> = if spec.channels.is_empty() {
        let of_kind = guild
            .channels
            .iter()
            .filter(|c| c.kind == kind)
            .map(|c| c.id);
        of_kind
            .take(spec.channel_count.unwrap_or(usize::MAX))
            .collect()
    } else {
        for c in &spec.channels {
            if guild.channel_by_id(*c).is_none_or(|ch| ch.kind != kind) {
                return Err(bad(format!(
                    "channel {c} is not a {kind:?} channel of guild {}",
                    spec.guild_id
                )));
            }
        }
        spec.channels.clone()
    };
    let messages: Vec<Snowflake> = if spec.message_ids.is_empty() {
        channels
            .iter()
            .flat_map(|c| world.messages_in(*c))
            .filter(|m| !m.deleted && m.author_id == world.bot_id)
            .map(|m| m.id)
            .collect()
    } else {
        for m in &spec.message_ids {
            world.message(*m)?;
        }
        spec.message_ids.clone()
    };
    let emoji_texts: Vec<String> = if spec.emojis.is_empty() {
        DEFAULT_EMOJIS.iter().map(|e| (*e).to_owned()).collect()
    } else {
        spec.emojis.clone()
    };
    let emojis = emoji_texts
        .iter()
        .map(|e| Emoji::from_user(e, Some(guild)))
        .collect::<Result<Vec<_>, _>>()?;
    if users.is_empty() {
        return Err(bad(
            "no users to pick from: the guild has no members besides the bot",
        ));
    }
    if channels.is_empty() {
        return Err(bad(format!("no {kind:?} channels to pick from")));
    }
    if spec.kind == BulkKind::ReactionAdd && messages.is_empty() {
        return Err(bad(
            "no messages to react to: give `message_ids` or let the bot post first",
        ));
    }
    Ok(Pools {
        users,
        channels,
        messages,
        emojis,
    })
}

fn pick<T: Copy>(rng: &mut fastrand::Rng, items: &[T]) -> T {
    items[rng.usize(..items.len())]
}

/// A payload rendered once through [`wire`] with markers in place of the fields that vary,
/// then filled in per event: `parts` around `holes`, in text order.
#[derive(Debug)]
struct Template {
    parts: Vec<String>,
    holes: Vec<Hole>,
}

/// A field of a template that changes from event to event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hole {
    Id,
    ChannelId,
    MessageId,
    UserId,
    AuthorId,
    Content,
    Timestamp,
    Member,
}

impl Template {
    /// `value` with the fields at `holes` (JSON pointers) left open. `None` when a marker does
    /// not come out exactly once, which would make the template ambiguous.
    fn new(
        mut value: Value,
        holes: &[(&str, Hole)],
        hide_content: Option<Snowflake>,
    ) -> Option<Self> {
        let marker = |i: usize| format!("\u{1}{i}\u{1}");
        for (i, (pointer, _)) in holes.iter().enumerate() {
            *value.pointer_mut(pointer)? = Value::String(marker(i));
        }
        if let Some(bot_id) = hide_content {
            intents::hide_content("MESSAGE_CREATE", &mut value, bot_id);
        }
        let text = serde_json::to_string(&value).ok()?;
        let mut found: Vec<(usize, usize, Hole)> = Vec::new();
        for (i, (_, hole)) in holes.iter().enumerate() {
            let needle = serde_json::to_string(&marker(i)).ok()?;
            let mut at = text.match_indices(&needle);
            match (at.next(), at.next()) {
                (Some((start, _)), None) => found.push((start, start + needle.len(), *hole)),
                // Hiding the content removes its marker.
                (None, _) => {}
                (Some(_), Some(_)) => return None,
            }
        }
        found.sort_unstable_by_key(|(start, _, _)| *start);
        let mut parts = Vec::with_capacity(found.len() + 1);
        let mut from = 0;
        for (start, end, _) in &found {
            parts.push(text[from..*start].to_owned());
            from = *end;
        }
        parts.push(text[from..].to_owned());
        Some(Self {
            parts,
            holes: found.into_iter().map(|(_, _, hole)| hole).collect(),
        })
    }

    fn has(&self, hole: Hole) -> bool {
        self.holes.contains(&hole)
    }

    /// Appends the payload to `out`; `fill` writes each hole's JSON.
    fn fill(&self, out: &mut String, mut fill: impl FnMut(&mut String, Hole)) {
        for (part, hole) in self.parts.iter().zip(&self.holes) {
            out.push_str(part);
            fill(out, *hole);
        }
        if let Some(last) = self.parts.last() {
            out.push_str(last);
        }
    }
}

/// Appends an id as JSON (a string).
fn id_json(out: &mut String, id: Snowflake) {
    // Writing into a String cannot fail.
    let _ = write!(out, "\"{id}\"");
}

/// Appends a string as JSON.
fn str_json(out: &mut String, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else if let Ok(quoted) = serde_json::to_string(text) {
        out.push_str(&quoted);
    }
}

/// Whether this is the first `event` of the call, which the hub verifies.
fn first(verified: &mut Vec<&'static str>, event: &'static str) -> bool {
    if verified.contains(&event) {
        return false;
    }
    verified.push(event);
    true
}

/// A payload parsed back, to compare with what [`wire`] renders.
fn parsed(text: Option<&str>) -> Option<Value> {
    serde_json::from_str(text?).ok()
}

/// One `MESSAGE_CREATE` template pair per author: with content, and as a session without
/// `MESSAGE_CONTENT` gets it.
#[derive(Debug)]
struct MessageTemplates {
    full: Template,
    hidden: Template,
}

/// The generator's state for one call: random picks, the templates rendered so far, and which
/// kinds of event already passed the serenity gate.
struct Generator {
    rng: fastrand::Rng,
    pools: Pools,
    messages: HashMap<Snowflake, Option<MessageTemplates>>,
    reactions: HashMap<(usize, bool, Option<Snowflake>, bool), Option<Template>>,
    members: HashMap<(Snowflake, Snowflake), Option<String>>,
    verified: Vec<&'static str>,
}

impl Generator {
    fn new(pools: Pools, seed: u64) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(seed),
            pools,
            messages: HashMap::new(),
            reactions: HashMap::new(),
            members: HashMap::new(),
            verified: Vec::new(),
        }
    }

    /// Builds, applies and adds one event to `batch`.
    fn next(
        &mut self,
        state: &AppState,
        world: &mut World,
        spec: &BulkSpec,
        batch: &mut Batch,
        hidden_too: bool,
    ) -> Result<(), ControlError> {
        match spec.kind {
            BulkKind::MessageCreate => {
                self.message(state, world, spec.guild_id, batch, hidden_too);
                Ok(())
            }
            BulkKind::ReactionAdd => self.reaction(world, batch),
            BulkKind::VoiceState => self.voice(world, spec.guild_id, batch),
        }
    }

    fn message(
        &mut self,
        state: &AppState,
        world: &World,
        guild_id: Snowflake,
        batch: &mut Batch,
        hidden_too: bool,
    ) {
        const EVENT: &str = "MESSAGE_CREATE";
        let user = pick(&mut self.rng, &self.pools.users);
        // Generated messages are not stored: a benchmark may send millions.
        let mut msg = StoredMessage::new(
            state.ids.next(),
            pick(&mut self.rng, &self.pools.channels),
            Some(guild_id),
            user,
            now_timestamp(),
        );
        LINES[self.rng.usize(..LINES.len())].clone_into(&mut msg.content);
        let verify = first(&mut self.verified, EVENT);
        let templates = self.messages.entry(user).or_insert_with(|| {
            let value = wire::message(world, &msg, &state.http_base, Surface::Gateway);
            let holes = [
                ("/id", Hole::Id),
                ("/channel_id", Hole::ChannelId),
                ("/content", Hole::Content),
                ("/timestamp", Hole::Timestamp),
            ];
            let full = Template::new(value.clone(), &holes, None)?;
            let hidden = Template::new(value, &holes, Some(world.bot_id))?;
            Some(MessageTemplates { full, hidden })
        });
        let Some(templates) = templates else {
            let data = wire::message(world, &msg, &state.http_base, Surface::Gateway);
            batch.push(EVENT, verify, |out| out.push_str(&data.to_string()));
            return;
        };
        let fill = |out: &mut String, hole: Hole| match hole {
            Hole::Id => id_json(out, msg.id),
            Hole::ChannelId => id_json(out, msg.channel_id),
            Hole::Content => str_json(out, &msg.content),
            Hole::Timestamp => str_json(out, &msg.timestamp),
            _ => out.push_str("null"),
        };
        batch.push(EVENT, verify, |out| templates.full.fill(out, fill));
        if hidden_too {
            batch.without_content(|out| templates.hidden.fill(out, fill));
        }
        if verify {
            // The template renders exactly what `wire` does.
            let slow = wire::message(world, &msg, &state.http_base, Surface::Gateway);
            debug_assert_eq!(parsed(batch.last_payload()), Some(slow));
        }
    }

    fn reaction(&mut self, world: &mut World, batch: &mut Batch) -> Result<(), ControlError> {
        let user = pick(&mut self.rng, &self.pools.users);
        let message = pick(&mut self.rng, &self.pools.messages);
        let emoji_index = self.rng.usize(..self.pools.emojis.len());
        let emoji = &self.pools.emojis[emoji_index];
        let msg = world.message_mut(message)?;
        // Someone who already reacted with that emoji takes it back instead, so every event
        // is one Discord could send.
        let added = msg.add_reaction(emoji, user) || !msg.remove_reaction(emoji, user);
        let msg = world.message(message)?;
        let event = if added {
            "MESSAGE_REACTION_ADD"
        } else {
            "MESSAGE_REACTION_REMOVE"
        };
        let verify = first(&mut self.verified, event);
        let (channel_id, author_id, guild_id) = (msg.channel_id, msg.author_id, msg.guild_id);
        let member = match guild_id {
            Some(g) if added => self
                .members
                .entry((g, user))
                .or_insert_with(|| {
                    let member = world.guilds.get(&g)?.members.get(&user)?;
                    Some(wire::member(world, member, true).to_string())
                })
                .as_deref(),
            _ => None,
        };
        let key = (emoji_index, added, guild_id, member.is_some());
        let template = self.reactions.entry(key).or_insert_with(|| {
            let value = wire::reaction(world, msg, user, emoji, added);
            let mut holes = vec![
                ("/user_id", Hole::UserId),
                ("/channel_id", Hole::ChannelId),
                ("/message_id", Hole::MessageId),
            ];
            if added {
                holes.push(("/message_author_id", Hole::AuthorId));
            }
            if member.is_some() {
                holes.push(("/member", Hole::Member));
            }
            Template::new(value, &holes, None)
        });
        match template {
            Some(template) if template.has(Hole::Member) == member.is_some() => {
                batch.push(event, verify, |out| {
                    template.fill(out, |out, hole| match hole {
                        Hole::UserId => id_json(out, user),
                        Hole::ChannelId => id_json(out, channel_id),
                        Hole::MessageId => id_json(out, message),
                        Hole::AuthorId => id_json(out, author_id),
                        Hole::Member => out.push_str(member.unwrap_or("null")),
                        _ => out.push_str("null"),
                    });
                });
                if verify {
                    // The template renders exactly what `wire` does.
                    let slow = wire::reaction(world, msg, user, emoji, added);
                    debug_assert_eq!(parsed(batch.last_payload()), Some(slow));
                }
            }
            _ => {
                let data = wire::reaction(world, msg, user, emoji, added);
                batch.push(event, verify, |out| out.push_str(&data.to_string()));
            }
        }
        Ok(())
    }

    fn voice(
        &mut self,
        world: &mut World,
        guild_id: Snowflake,
        batch: &mut Batch,
    ) -> Result<(), ControlError> {
        const EVENT: &str = "VOICE_STATE_UPDATE";
        let verify = first(&mut self.verified, EVENT);
        let user = pick(&mut self.rng, &self.pools.users);
        let guild = world.guild(guild_id)?;
        let current = guild.voice.get(&user).cloned();
        match current {
            Some(state_now) if self.rng.u8(..3) == 0 => {
                let data = wire::voice_left(world, guild, user, &state_now.session_id);
                batch.push(EVENT, verify, |out| out.push_str(&data.to_string()));
                world.guild_mut(guild_id)?.voice.remove(&user);
            }
            current => {
                let mut next = current.unwrap_or_else(|| VoiceState {
                    user_id: user,
                    channel_id: Snowflake::default(),
                    session_id: format!("{:032x}", self.rng.u128(..)),
                    self_mute: false,
                    self_deaf: false,
                    self_stream: false,
                    self_video: false,
                });
                next.channel_id = pick(&mut self.rng, &self.pools.channels);
                next.self_mute = self.rng.u8(..4) == 0;
                let data = wire::voice_state(world, guild, &next, true);
                batch.push(EVENT, verify, |out| out.push_str(&data.to_string()));
                world.guild_mut(guild_id)?.voice.insert(user, next);
            }
        }
        Ok(())
    }
}

async fn wait_until(
    rx: &mut watch::Receiver<u64>,
    done: impl FnMut(&u64) -> bool,
) -> Result<(), ControlError> {
    match tokio::time::timeout(STALL, rx.wait_for(done)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(_)) => Err(ControlError::Unavailable(
            "the bot's socket closed during the run".into(),
        )),
        Err(_) => Err(ControlError::Unavailable(format!(
            "the bot read nothing for {STALL:?}"
        ))),
    }
}

/// `POST /_fake/bulk`.
pub(crate) async fn run(
    State(state): State<Arc<AppState>>,
    Body(spec): Body<BulkSpec>,
) -> Reply<BulkReport> {
    let pools = pools(&state.world(), &spec)?;
    if !state.hub.has_listener(Some(spec.guild_id)) {
        return Err(ControlError::Unavailable(format!(
            "no connected gateway session receives guild {}; is the bot connected?",
            spec.guild_id
        )));
    }
    let mut generator = Generator::new(pools, spec.count ^ spec.guild_id.get());
    let started = Instant::now();
    let mut batch = Batch::default();
    let mut waits = Vec::new();
    let mut left = spec.count;
    while left > 0 {
        let hidden_too = state.hub.hides_content_from(Some(spec.guild_id));
        batch.clear();
        {
            // One lock of the world and one of the hub per batch; holding the world while the
            // batch is queued keeps the events in the order their changes happened.
            let mut world = state.world();
            while (batch.len() as u64) < left.min(BATCH) {
                generator.next(&state, &mut world, &spec, &mut batch, hidden_too)?;
            }
            waits = state.hub.dispatch_batch(Some(spec.guild_id), &batch)?.waits;
        }
        left -= batch.len() as u64;
        for (rx, seq) in &mut waits {
            let seq = *seq;
            if seq.saturating_sub(*rx.borrow()) > BATCH {
                wait_until(rx, |written| seq.saturating_sub(*written) <= BATCH).await?;
            }
        }
    }
    for (rx, seq) in &mut waits {
        let seq = *seq;
        wait_until(rx, |written| *written >= seq).await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    #[expect(
        clippy::cast_precision_loss,
        reason = "event counts are far below 2^52"
    )]
    let per_second = if elapsed > 0.0 {
        spec.count as f64 / elapsed
    } else {
        0.0
    };
    Ok(Json(BulkReport {
        sent: spec.count,
        elapsed_ms: elapsed * 1000.0,
        per_second,
    }))
}
