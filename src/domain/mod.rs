//! Pure product logic with no I/O: identifiers, validated values and the rules the services
//! apply. Everything here is unit-tested without Discord, a database or a clock.

pub mod access;
pub mod achievements;
pub mod activity;
pub mod board;
pub mod coplay;
pub mod csv;
pub mod ids;
pub mod invites;
pub mod kills;
pub mod names;
pub mod player_stats;
pub mod reaction;
pub mod recap;
pub mod retention;
pub mod schedule;
pub mod session_summary;
pub mod team_stats;
pub mod text;
pub mod tournament;
pub mod uptime;
pub mod voice;
pub mod voice_time;
pub mod webhooks;
pub mod zones;
