//! Helpers shared by the integration tests: throw-away databases ([`db`]), Redis servers
//! ([`cache`]), the bot process ([`bot`]), a webhook receiver ([`receiver`]) and the conformance
//! macro ([`conformance`]).
//!
//! Every test binary includes this module with `mod support;` and uses a different part of it.

// Each test binary compiles this module on its own and uses only some of it; `expect` would fail
// in the binaries that happen to use everything.
#![allow(
    dead_code,
    unused_macros,
    reason = "each test binary uses a different subset of the shared helpers"
)]

pub mod activity;
pub mod bot;
pub mod cache;
pub mod cli;
#[macro_use]
pub mod conformance;
pub mod db;
pub mod interactions;
pub mod metrics;
pub mod proxy;
pub mod receiver;
pub mod stored;
