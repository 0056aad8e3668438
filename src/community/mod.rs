//! Community services: what the bot does with its servers' members, their game presence and the
//! servers' invites ([`membership`]), and what it shows of a member ([`profile`]). `discord/` turns gateway events into calls here and nothing here knows
//! Discord; message, reaction and command counts go through the ingest pipeline instead, and
//! voice through its ordered writer.

pub mod charts;
pub mod membership;
pub mod profile;

pub use membership::{Arrival, Membership, Turn};
pub use profile::{profile, Profile};
