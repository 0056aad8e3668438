//! Pure product logic with no I/O: identifiers, validated values and the rules the services
//! apply. Everything here is unit-tested without Discord, a database or a clock.

pub mod ids;
pub mod uptime;
