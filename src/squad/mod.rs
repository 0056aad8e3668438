//! Squad stats services: what /track, /untrack, /leaderboard and the session commands do between
//! checking their input and rendering the reply.
//!
//! - [`boards`] — leaderboards in the cache, kept equal to the ledger.
//! - [`player`] — a player's stats card for /stats.
//! - [`sessions`] — ending game sessions (by command or when idle) and their summaries.

pub mod achievements;
pub mod boards;
pub mod player;
pub mod sessions;

pub use boards::{BoardView, Leaderboards};
