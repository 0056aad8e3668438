//! Reading the bot's activity counts back: what the store holds and what the bot says it took in.

use fakecord::Snowflake;
use trakker::domain::ids::GuildId;
use trakker::store::Store;

use super::stored::StoredRows;

/// Messages counted in the store for the guild, all rows summed.
pub async fn stored_messages(store: &dyn Store, guild: Snowflake) -> u64 {
    store
        .message_rows(GuildId(guild.0))
        .await
        .expect("message rows")
        .iter()
        .map(|(_, counts)| counts.messages)
        .sum()
}

/// The number the bot logs at exit: activity events it recorded during its run.
///
/// # Panics
/// When the log has no such line.
pub fn recorded_events(logs: &str) -> u64 {
    logs.lines()
        .filter(|line| line.contains("activity events recorded by this process"))
        .find_map(|line| {
            let (_, rest) = line.split_once("events=")?;
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("the bot did not report its event count\n{logs}"))
}
