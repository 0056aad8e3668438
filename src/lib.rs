//! trakker: a Discord bot for gaming communities.
//!
//! Where things live:
//!
//! - [`config`] — configuration from the environment; secrets that never print.
//! - [`domain`] — pure product logic: ids, validated values, rules. No I/O.
//! - [`store`] — every database query, behind the [`store::Store`] trait (SQLite or Postgres).
//! - [`clock`] — the one clock scheduled features read (shiftable against a local fake Discord).
//! - [`cache`] — the [`cache::Cache`] trait (Redis or in-process) for the leaderboards' sorted
//!   sets, and its one outage breaker.
//! - [`ingest`] — the pipeline that turns gateway events into counts: channel, aggregator,
//!   batched writer; nothing lost to restarts or outages.
//! - [`community`] — community services: members joining and leaving (with the invite that
//!   brought them), game presence, invites; one guild's member events applied in order; erasing
//!   a member's data and the retention task.
//! - [`schedule`] — who plays when: the daily post, members' marks on it, and the scheduler that
//!   makes it once per day whatever restarts happen.
//! - [`exports`] — CSV exports of a server's tables, streamed to a file or cut into files
//!   Discord accepts.
//! - [`maintenance`] — the operator's data commands: backup, restore, migrate-data.
//! - [`admin`] — the operator's routine tasks (overview, check the configuration, migrate,
//!   backup, export, render charts, retention), each a subcommand and an entry of the
//!   `trakker admin` menu.
//! - [`squad`] — squad-stats services: leaderboards kept in the cache, session summaries.
//! - [`webhooks`] — outgoing webhooks: the durable outbox, signed deliveries with retries, and
//!   the one HTTP client that refuses internal addresses.
//! - [`charts`] — the moderators' charts: pure functions from plain data (names, hours, a
//!   titled period) to PNG bytes, drawn with plotters and an embedded font.
//! - [`discord`] — the only module that talks to Discord: the poise framework, commands, events.
//! - [`ops`] — operating the bot: the metrics it exports and the health and metrics server
//!   (`METRICS_ADDR`).
//! - [`app`] — start-up and shutdown: the [`app::App`] built from configuration, store and
//!   cache, which owns every background task and stops them in order.
//!
//! The binary's command line is in `main.rs`, which also listens for the signals that stop the
//! bot.

pub mod admin;
pub mod app;
pub mod cache;
pub mod charts;
pub mod clock;
pub mod community;
pub mod config;
pub mod discord;
pub mod domain;
pub mod exports;
pub mod ingest;
pub mod maintenance;
pub mod ops;
pub mod schedule;
pub mod squad;
pub mod store;
pub mod webhooks;
