//! Squad stats services: what /track, /untrack, /leaderboard and the session commands do between
//! checking their input and rendering the reply.
//!
//! - [`boards`] — leaderboards in the cache, kept equal to the ledger.
//! - [`player`] — a player's stats card for /stats.
//! - [`sessions`] — ending game sessions (by command or when idle) and their summaries.
//! - [`tournaments`] — tournaments: entrants, the draw, results and the log they replay from.

pub mod achievements;
pub mod boards;
pub mod player;
pub mod sessions;
pub mod tournaments;

pub use boards::{BoardView, Leaderboards};
