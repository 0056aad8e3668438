//! What the benchmark programs share: the bot as a child process, throw-away databases, the
//! machine's description and readings of a process's CPU time and memory from /proc.
//!
//! The programs themselves live in `src/bin/`: `squad` (command latency on a large ledger),
//! `ingest` (sustained gateway events into the rollups), `schedule` (the daily post for many
//! guilds at once, its rendering and reaction bursts), `community` and `charts` (the charts'
//! analyses and drawing beside the Python reference) and `privacy` (exports, backups,
//! migrate-data and retention on a large server). Nothing here asserts a timing.
//!
//! Module map:
//! - [`bot`]: starting and stopping the `trakker` process.
//! - [`database`]: throw-away databases, the ledger load, query plans and activity totals.
//! - [`machine`]: what the figures were measured on.
//! - [`metrics`]: running a bot with its metrics server and scraping it (`--metrics`).
//! - [`proc_stats`]: CPU time and memory of a process, and of the whole machine.

#![expect(
    clippy::missing_errors_doc,
    reason = "a library of benchmark helpers: every error is an anyhow::Error with its context"
)]

pub mod bot;
pub mod database;
pub mod machine;
pub mod metrics;
pub mod proc_stats;
