//! The bulk generator for benchmarks: many realistic events, sent as fast as the bot reads
//! them. The pace is set by the bot's socket (fakecord waits when too many events are queued
//! but not yet written), never by a fixed rate.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::Json;
use tokio::sync::watch;

use super::{Body, ControlError, Reply};
use crate::api::{BulkKind, BulkReport, BulkSpec, ChannelKind};
use crate::server::AppState;
use crate::snowflake::{now_timestamp, Snowflake};
use crate::wire::{self, Surface};
use crate::world::{Emoji, StoredMessage, VoiceState, World};

/// Events queued but not yet written before the generator waits for the socket.
const WINDOW: u64 = 256;
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

/// Builds, applies and dispatches one event; returns the sockets to wait on.
fn one_event(
    state: &AppState,
    spec: &BulkSpec,
    pools: &Pools,
    rng: &mut fastrand::Rng,
) -> Result<Vec<(watch::Receiver<u64>, u64)>, ControlError> {
    let guild_id = spec.guild_id;
    let mut world = state.world();
    let user = pick(rng, &pools.users);
    let delivery = match spec.kind {
        BulkKind::MessageCreate => {
            // Generated messages are not stored: a benchmark may send millions.
            let mut msg = StoredMessage::new(
                state.ids.next(),
                pick(rng, &pools.channels),
                Some(guild_id),
                user,
                now_timestamp(),
            );
            LINES[rng.usize(..LINES.len())].clone_into(&mut msg.content);
            let data = wire::message(&world, &msg, &state.http_base, Surface::Gateway);
            state
                .hub
                .dispatch("MESSAGE_CREATE", Some(guild_id), &data)?
        }
        BulkKind::ReactionAdd => {
            let message = pick(rng, &pools.messages);
            let emoji = &pools.emojis[rng.usize(..pools.emojis.len())];
            let msg = world.message_mut(message)?;
            // Someone who already reacted with that emoji takes it back instead, so every event
            // is one Discord could send.
            let added = msg.add_reaction(emoji, user) || !msg.remove_reaction(emoji, user);
            let msg = world.message(message)?;
            let data = wire::reaction(&world, msg, user, emoji, added);
            let event = if added {
                "MESSAGE_REACTION_ADD"
            } else {
                "MESSAGE_REACTION_REMOVE"
            };
            state.hub.dispatch(event, Some(guild_id), &data)?
        }
        BulkKind::VoiceState => {
            let guild = world.guild(guild_id)?;
            let current = guild.voice.get(&user).cloned();
            match current {
                Some(state_now) if rng.u8(..3) == 0 => {
                    let data = wire::voice_left(&world, guild, user, &state_now.session_id);
                    let delivery =
                        state
                            .hub
                            .dispatch("VOICE_STATE_UPDATE", Some(guild_id), &data)?;
                    world.guild_mut(guild_id)?.voice.remove(&user);
                    delivery
                }
                current => {
                    let mut next = current.unwrap_or_else(|| VoiceState {
                        user_id: user,
                        channel_id: Snowflake::default(),
                        session_id: format!("{:032x}", rng.u128(..)),
                        self_mute: false,
                        self_deaf: false,
                        self_stream: false,
                        self_video: false,
                    });
                    next.channel_id = pick(rng, &pools.channels);
                    next.self_mute = rng.u8(..4) == 0;
                    let data = wire::voice_state(&world, guild, &next, true);
                    let delivery =
                        state
                            .hub
                            .dispatch("VOICE_STATE_UPDATE", Some(guild_id), &data)?;
                    world.guild_mut(guild_id)?.voice.insert(user, next);
                    delivery
                }
            }
        }
    };
    Ok(delivery.waits)
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
    let mut rng = fastrand::Rng::with_seed(spec.count ^ spec.guild_id.get());
    let started = Instant::now();
    let mut last = Vec::new();
    for _ in 0..spec.count {
        last = one_event(&state, &spec, &pools, &mut rng)?;
        for (rx, seq) in &mut last {
            let seq = *seq;
            if seq.saturating_sub(*rx.borrow()) > WINDOW {
                wait_until(rx, |written| seq.saturating_sub(*written) <= WINDOW / 2).await?;
            }
        }
    }
    for (rx, seq) in &mut last {
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
