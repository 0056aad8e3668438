//! What the bot makes sure of before its shards connect: Discord accepts the token, and the
//! slash commands are registered.
//!
//! Either failing leaves a bot that is online but cannot answer anyone, which is worse than a
//! bot that is down: nobody notices. So a refusal stops the process with one sentence naming the
//! setting to fix. Failures that may pass (Discord unreachable or answering 5xx, rate limits) are
//! retried a few times, each retry logged, before giving up the same way.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::anyhow;
use poise::serenity_prelude as serenity;

use crate::config::{Config, Sharding};

/// Attempts per start-up request before a passing failure counts as final.
const ATTEMPTS: u32 = 5;

/// The wait before the second attempt; it doubles for each further one (1 + 2 + 4 + 8 s).
const FIRST_RETRY_DELAY: Duration = Duration::from_secs(1);

/// Where this process registers the slash commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
    /// For every server (Discord takes up to an hour to show changes).
    Global,
    /// In the `DEV_GUILD_ID` server only (instant, for development).
    DevGuild(u64),
}

impl Registration {
    /// Where this process registers, or `None` when another process does: with several processes
    /// sharing one bot, only the one running shard 0 registers, so they do not overwrite each
    /// other.
    #[must_use]
    pub fn for_config(config: &Config) -> Option<Self> {
        if let Sharding::Range { first, .. } = config.sharding {
            if first != 0 {
                return None;
            }
        }
        Some(config.dev_guild_id.map_or(Self::Global, Self::DevGuild))
    }
}

/// Asks Discord which application the token belongs to: this checks the token before any shard
/// connects, and gives the application id that registering commands needs.
///
/// # Errors
/// When Discord refuses the token, or cannot be reached after the retries.
pub async fn check_token(http: &serenity::Http) -> anyhow::Result<()> {
    let application = retry("checking DISCORD_TOKEN", || http.get_current_application_info())
        .await
        .map_err(|error| {
            if status(&error) == Some(401) {
                anyhow!(
                    "Discord refused DISCORD_TOKEN (401 Unauthorized): copy the bot's current token from https://discord.com/developers/applications (Bot → Reset Token) into DISCORD_TOKEN"
                )
            } else {
                anyhow!(
                    "could not check DISCORD_TOKEN with Discord: {}",
                    describe(&error)
                )
            }
        })?;
    http.set_application_id(application.id);
    tracing::info!(application = application.id.get(), "DISCORD_TOKEN accepted");
    Ok(())
}

/// Registers `commands` where `registration` says, replacing the ones registered before.
///
/// # Errors
/// When Discord refuses (for a development guild: the bot is not in it, or was invited without
/// the `applications.commands` scope), or cannot be reached after the retries.
pub async fn register_commands<U, E>(
    http: &serenity::Http,
    commands: &[poise::Command<U, E>],
    registration: Registration,
) -> anyhow::Result<()> {
    match registration {
        Registration::Global => {
            retry("registering the slash commands", || {
                poise::builtins::register_globally(http, commands)
            })
            .await
            .map_err(|error| {
                anyhow!(
                    "could not register the slash commands: {}",
                    describe(&error)
                )
            })?;
            tracing::info!(count = commands.len(), "commands registered globally");
        }
        Registration::DevGuild(guild) => {
            retry("registering the slash commands in DEV_GUILD_ID", || {
                poise::builtins::register_in_guild(http, commands, serenity::GuildId::new(guild))
            })
            .await
            .map_err(|error| {
                anyhow!(
                    "could not register the slash commands in DEV_GUILD_ID {guild}: {}; invite the bot to that server with the applications.commands scope, or unset DEV_GUILD_ID to register them globally",
                    describe(&error)
                )
            })?;
            tracing::info!(
                guild,
                count = commands.len(),
                "commands registered in the development guild"
            );
        }
    }
    Ok(())
}

/// Runs `request` until it succeeds, fails for good, or has failed [`ATTEMPTS`] times.
async fn retry<T, F, Fut>(what: &str, mut request: F) -> Result<T, serenity::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, serenity::Error>>,
{
    let mut delay = FIRST_RETRY_DELAY;
    let mut attempt = 1;
    loop {
        match request().await {
            Ok(value) => return Ok(value),
            Err(error) if attempt < ATTEMPTS && may_pass(&error) => {
                tracing::warn!(
                    attempt,
                    retry_in_s = delay.as_secs(),
                    error = describe(&error),
                    "{what} failed; retrying"
                );
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

/// The HTTP status Discord answered with, if it answered.
fn status(error: &serenity::Error) -> Option<u16> {
    match error {
        serenity::Error::Http(http) => http.status_code().map(|status| status.as_u16()),
        _ => None,
    }
}

/// Whether trying again later may succeed: Discord did not answer, was overloaded, or asked to
/// slow down. Any other answer (401, 403, 404, 400) will be the same next time.
fn may_pass(error: &serenity::Error) -> bool {
    match error {
        serenity::Error::Http(serenity::HttpError::Request(_)) => true,
        _ => status(error).is_some_and(status_may_pass),
    }
}

fn status_may_pass(status: u16) -> bool {
    status == 429 || status >= 500
}

/// What Discord answered, or why it could not be asked, in a few words.
fn describe(error: &serenity::Error) -> String {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => format!(
            "Discord answered {} {} (code {})",
            response.status_code.as_u16(),
            response.error.message,
            response.error.code
        ),
        serenity::Error::Http(serenity::HttpError::Request(request)) => {
            // reqwest's own message is "error sending request for url (…)"; the reason is in
            // its sources ("connection refused", a DNS failure).
            let mut text = format!("Discord could not be reached: {request}");
            let mut source = std::error::Error::source(request);
            while let Some(cause) = source {
                let _ = write!(text, ": {cause}");
                source = cause.source();
            }
            text
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        Config::from_lookup(|name| vars.get(name).map(|value| (*value).to_owned()))
            .expect("a valid configuration")
    }

    #[test]
    fn one_process_registers_globally_by_default() {
        assert_eq!(
            Registration::for_config(&config(&[])),
            Some(Registration::Global)
        );
    }

    #[test]
    fn a_dev_guild_takes_the_commands_instead() {
        assert_eq!(
            Registration::for_config(&config(&[("DEV_GUILD_ID", "4242")])),
            Some(Registration::DevGuild(4242))
        );
    }

    #[test]
    fn only_the_process_running_shard_0_registers() {
        let first = config(&[("SHARD_COUNT", "4"), ("SHARDS", "0-1")]);
        let second = config(&[("SHARD_COUNT", "4"), ("SHARDS", "2-3")]);
        assert_eq!(Registration::for_config(&first), Some(Registration::Global));
        assert_eq!(Registration::for_config(&second), None);
    }

    #[test]
    fn refusals_are_final_and_overload_is_retried() {
        for refused in [400, 401, 403, 404] {
            assert!(!status_may_pass(refused), "{refused}");
        }
        for passing in [429, 500, 502, 503] {
            assert!(status_may_pass(passing), "{passing}");
        }
    }
}
