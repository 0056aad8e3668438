//! fakecord: a small Discord-compatible server on 127.0.0.1 for testing Discord bots end to
//! end. The unmodified bot connects to it through serenity's `HttpBuilder::proxy(base)`;
//! fakecord answers Discord's REST API under `/api/v10`, runs the gateway at `/gateway`, and
//! offers a control API under `/_fake/` to act as users and look at what the bot did.
//!
//! Where things live:
//!
//! - [`server`]: [`FakeDiscord::start`], the listening socket, the router and the
//!   [`RunningServer`] handle.
//! - [`config`]: [`Config`], the token, ids, timeouts and buffers fakecord runs with, and the
//!   [`RateLimits`] it enforces when asked.
//! - `world`: the state — users, guilds, channels, members, voice, invites, messages, commands.
//! - `wire`: that state rendered in Discord's JSON shapes.
//! - [`gateway`]: websocket sessions and their compression, routing by shard and intents,
//!   RESUME replay, member chunks (op 8), and the serenity gate ([`gateway::check`]) every
//!   dispatch passes before it is sent.
//! - `rest`: the `/api/v10` routes, the rate limits (`rest::ratelimit`, off unless
//!   [`Config::rate_limits`] is set), the request log and body validation (`spec`, using
//!   [`openapi`], which also checks responses against the spec).
//! - `control`: the `/_fake/` routes; [`api`] holds their bodies and [`client`] a typed client.
//! - `interactions`: interactions in flight and waiting for the bot's answers.
//! - [`snowflake`]: ids and timestamps.

pub mod api;
pub mod client;
pub mod config;
mod control;
pub mod gateway;
mod interactions;
pub mod openapi;
mod rest;
pub mod server;
pub mod snowflake;
mod spec;
mod wire;
mod world;

pub use client::Fakecord;
pub use config::{Config, RateLimit, RateLimits};
pub use server::{FakeDiscord, RunningServer, StartError};
pub use snowflake::Snowflake;
