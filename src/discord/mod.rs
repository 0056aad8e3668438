//! Everything that talks to Discord. This is the only module that imports serenity or poise:
//! it turns gateway events and interactions into calls on the store, cache and domain, and
//! renders the replies.
//!
//! - [`client`] — builds the serenity client (or one aimed at a local fake Discord), runs the
//!   shards and stops them when the caller's shutdown future resolves.
//! - [`startup`] — before the shards connect: the token is checked, the slash commands registered.
//! - [`intents`] — which gateway intents the bot asks for.
//! - [`commands`] — the slash commands, thin: check input, call a service, reply.
//! - [`events`] — the event hook: routes each gateway event to the one place that handles it.
//! - [`members`] — guilds and members: availability, chunks, joins, departures, presence.
//! - [`activity`] — gateway events that become community activity: counters, voice, invites.
//! - [`checks`] — the server-side checks every command repeats: guild, caller, members, games.
//! - [`render`] — reply texts and embeds.
//! - [`reply`] — public replies that mention members without pinging them.
//! - [`schedule`] — the daily post's Discord side: posting, editing, reading reactions, and the
//!   events that concern it.
//! - [`achievements`] — announcing badges, granting their roles, and the voice pass.
//! - [`sweeper`] — ends idle game sessions and posts their summaries; a task the app owns.
//! - [`tournament`] — tournament lobbies with their buttons, brackets as text and pictures, and
//!   the result events.
//! - [`error`] — the one error type of commands and the one place that reports errors.

pub mod achievements;
pub mod activity;
pub mod checks;
pub mod client;
pub mod commands;
pub mod error;
pub mod events;
pub mod intents;
pub mod members;
pub mod recap;
pub mod render;
pub mod reply;
pub mod schedule;
pub mod startup;
pub mod sweeper;
pub mod tournament;
pub mod webhooks;

use std::sync::Arc;

use crate::app::App;
pub use error::CommandError;

/// The poise context every command receives.
pub type Context<'a> = poise::Context<'a, Arc<App>, CommandError>;
