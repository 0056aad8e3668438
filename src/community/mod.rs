//! Community services: what the bot does with its servers' members, their game presence and the
//! servers' invites. `discord/` turns gateway events into calls here and nothing here knows
//! Discord; message, reaction and command counts go through the ingest pipeline instead, and
//! voice through its ordered writer.

pub mod membership;

pub use membership::{Arrival, Membership, Turn};
