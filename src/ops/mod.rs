//! Operating the bot: the numbers it exports and the HTTP server that answers health checks.
//!
//! - [`metrics`] — every metric trakker exports, named once, and the functions the rest of the
//!   code records through. Without `METRICS_ADDR` no recorder is installed and each of them
//!   costs a load of an empty global.
//! - [`server`] — with `METRICS_ADDR` set, `/healthz`, `/readyz` and `/metrics` over HTTP/1, in
//!   the bot's own process.

pub mod metrics;
pub mod server;

pub use server::{ShardReport, ShardState};
