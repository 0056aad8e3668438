//! The gateway intents trakker asks for. Privileged intents beyond `GUILD_MEMBERS` are opt-in:
//! Discord requires approval for them on large bots, so they are enabled only when the
//! operator says so.

use poise::serenity_prelude::GatewayIntents;

use crate::config::Config;

/// Intents for `config`: the always-needed set plus the operator's opt-ins.
#[must_use]
pub fn for_config(config: &Config) -> GatewayIntents {
    let mut intents = GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MEMBERS
        | GatewayIntents::GUILD_VOICE_STATES
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::GUILD_MESSAGE_REACTIONS
        | GatewayIntents::GUILD_INVITES;
    if config.message_content_intent {
        intents |= GatewayIntents::MESSAGE_CONTENT;
    }
    if config.presence_intent {
        intents |= GatewayIntents::GUILD_PRESENCES;
    }
    intents
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        Config::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
        .expect("valid config")
    }

    #[test]
    fn privileged_content_and_presence_intents_are_off_by_default() {
        let intents = for_config(&config(&[]));
        assert!(
            intents.contains(GatewayIntents::GUILD_VOICE_STATES | GatewayIntents::GUILD_INVITES)
        );
        assert!(!intents.contains(GatewayIntents::MESSAGE_CONTENT));
        assert!(!intents.contains(GatewayIntents::GUILD_PRESENCES));
    }

    #[test]
    fn the_operator_can_turn_them_on() {
        let intents = for_config(&config(&[
            ("MESSAGE_CONTENT_INTENT", "true"),
            ("PRESENCE_INTENT", "1"),
        ]));
        assert!(intents.contains(GatewayIntents::MESSAGE_CONTENT | GatewayIntents::GUILD_PRESENCES));
    }
}
