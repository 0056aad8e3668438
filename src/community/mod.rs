//! Community services: what the bot does with its servers' members, their game presence and the
//! servers' invites ([`membership`]), what it shows of a member ([`profile`]), erasing a
//! member's data ([`privacy`]), removing activity older than a server's retention
//! ([`retention`]) and the weekly recap ([`recap`]). `discord/` turns gateway events into calls
//! here and nothing here knows Discord; message, reaction and command counts go through the
//! ingest pipeline instead, and voice through its ordered writer.

pub mod charts;
pub mod membership;
pub mod privacy;
pub mod profile;
pub mod recap;
pub mod retention;

pub use membership::{Arrival, Membership, Turn};
pub use profile::{profile, Profile};
