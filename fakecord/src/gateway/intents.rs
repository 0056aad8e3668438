//! Which gateway intent each event needs, and what `MESSAGE_CONTENT` hides, following Discord's
//! gateway documentation, so a bot missing an intent misses the event here too.

use serde_json::Value;
use serenity::model::gateway::GatewayIntents;

use crate::snowflake::Snowflake;

/// The intent a session must have identified with to receive `event`; `None` for events every
/// session gets (READY, RESUMED, `INTERACTION_CREATE`, …).
pub(crate) fn required(event: &str, in_guild: bool) -> Option<GatewayIntents> {
    let pick = |guild, direct| Some(if in_guild { guild } else { direct });
    match event {
        "GUILD_CREATE"
        | "GUILD_UPDATE"
        | "GUILD_DELETE"
        | "GUILD_ROLE_CREATE"
        | "GUILD_ROLE_UPDATE"
        | "GUILD_ROLE_DELETE"
        | "CHANNEL_CREATE"
        | "CHANNEL_UPDATE"
        | "CHANNEL_DELETE"
        | "CHANNEL_PINS_UPDATE"
        | "THREAD_CREATE"
        | "THREAD_UPDATE"
        | "THREAD_DELETE"
        | "THREAD_LIST_SYNC"
        | "THREAD_MEMBER_UPDATE"
        | "STAGE_INSTANCE_CREATE"
        | "STAGE_INSTANCE_UPDATE"
        | "STAGE_INSTANCE_DELETE" => Some(GatewayIntents::GUILDS),
        "GUILD_MEMBER_ADD"
        | "GUILD_MEMBER_UPDATE"
        | "GUILD_MEMBER_REMOVE"
        | "THREAD_MEMBERS_UPDATE" => Some(GatewayIntents::GUILD_MEMBERS),
        "GUILD_AUDIT_LOG_ENTRY_CREATE" | "GUILD_BAN_ADD" | "GUILD_BAN_REMOVE" => {
            Some(GatewayIntents::GUILD_MODERATION)
        }
        "GUILD_EMOJIS_UPDATE" | "GUILD_STICKERS_UPDATE" => {
            Some(GatewayIntents::GUILD_EMOJIS_AND_STICKERS)
        }
        "GUILD_INTEGRATIONS_UPDATE"
        | "INTEGRATION_CREATE"
        | "INTEGRATION_UPDATE"
        | "INTEGRATION_DELETE" => Some(GatewayIntents::GUILD_INTEGRATIONS),
        "WEBHOOKS_UPDATE" => Some(GatewayIntents::GUILD_WEBHOOKS),
        "INVITE_CREATE" | "INVITE_DELETE" => Some(GatewayIntents::GUILD_INVITES),
        "VOICE_STATE_UPDATE" => Some(GatewayIntents::GUILD_VOICE_STATES),
        "PRESENCE_UPDATE" => Some(GatewayIntents::GUILD_PRESENCES),
        "MESSAGE_CREATE" | "MESSAGE_UPDATE" | "MESSAGE_DELETE" | "MESSAGE_DELETE_BULK" => pick(
            GatewayIntents::GUILD_MESSAGES,
            GatewayIntents::DIRECT_MESSAGES,
        ),
        "MESSAGE_REACTION_ADD"
        | "MESSAGE_REACTION_REMOVE"
        | "MESSAGE_REACTION_REMOVE_ALL"
        | "MESSAGE_REACTION_REMOVE_EMOJI" => pick(
            GatewayIntents::GUILD_MESSAGE_REACTIONS,
            GatewayIntents::DIRECT_MESSAGE_REACTIONS,
        ),
        "TYPING_START" => pick(
            GatewayIntents::GUILD_MESSAGE_TYPING,
            GatewayIntents::DIRECT_MESSAGE_TYPING,
        ),
        "GUILD_SCHEDULED_EVENT_CREATE"
        | "GUILD_SCHEDULED_EVENT_UPDATE"
        | "GUILD_SCHEDULED_EVENT_DELETE"
        | "GUILD_SCHEDULED_EVENT_USER_ADD"
        | "GUILD_SCHEDULED_EVENT_USER_REMOVE" => Some(GatewayIntents::GUILD_SCHEDULED_EVENTS),
        "AUTO_MODERATION_RULE_CREATE"
        | "AUTO_MODERATION_RULE_UPDATE"
        | "AUTO_MODERATION_RULE_DELETE" => Some(GatewayIntents::AUTO_MODERATION_CONFIGURATION),
        "AUTO_MODERATION_ACTION_EXECUTION" => Some(GatewayIntents::AUTO_MODERATION_EXECUTION),
        "MESSAGE_POLL_VOTE_ADD" | "MESSAGE_POLL_VOTE_REMOVE" => pick(
            GatewayIntents::GUILD_MESSAGE_POLLS,
            GatewayIntents::DIRECT_MESSAGE_POLLS,
        ),
        _ => None,
    }
}

/// Whether a session without `MESSAGE_CONTENT` may get a different payload of `event`.
pub(crate) fn hides_content(event: &str) -> bool {
    matches!(event, "MESSAGE_CREATE" | "MESSAGE_UPDATE")
}

/// Blanks what a session without `MESSAGE_CONTENT` may not see.
///
/// Discord empties `content`, `embeds`, `attachments`, `components` and `poll` of message
/// events unless the session has `MESSAGE_CONTENT`, the message is in a DM, the bot wrote it, or
/// the bot is mentioned.
pub(crate) fn hide_content(event: &str, data: &mut Value, bot_id: Snowflake) {
    if !hides_content(event) {
        return;
    }
    let Some(map) = data.as_object_mut() else {
        return;
    };
    let bot = bot_id.to_string();
    let in_guild = map.get("guild_id").is_some_and(|g| !g.is_null());
    let by_bot = map
        .get("author")
        .and_then(|a| a.get("id"))
        .and_then(Value::as_str)
        == Some(bot.as_str());
    let mentions_bot = map
        .get("mentions")
        .and_then(Value::as_array)
        .is_some_and(|m| {
            m.iter()
                .any(|u| u.get("id").and_then(Value::as_str) == Some(&bot))
        });
    if !in_guild || by_bot || mentions_bot {
        return;
    }
    for field in ["embeds", "attachments", "components"] {
        if map.contains_key(field) {
            map.insert(field.to_owned(), Value::Array(Vec::new()));
        }
    }
    if map.contains_key("content") {
        map.insert("content".to_owned(), Value::String(String::new()));
    }
    map.remove("poll");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn guild_and_direct_messages_need_different_intents() {
        assert_eq!(
            required("MESSAGE_CREATE", true),
            Some(GatewayIntents::GUILD_MESSAGES)
        );
        assert_eq!(
            required("MESSAGE_CREATE", false),
            Some(GatewayIntents::DIRECT_MESSAGES)
        );
        assert_eq!(required("INTERACTION_CREATE", true), None);
    }

    #[test]
    fn content_is_hidden_unless_the_bot_may_see_it() {
        let bot = Snowflake(1);
        let mut by_user = json!({"guild_id": "5", "author": {"id": "2"}, "content": "hi", "embeds": [{}], "mentions": []});
        hide_content("MESSAGE_CREATE", &mut by_user, bot);
        assert_eq!(by_user["content"], "");
        assert_eq!(by_user["embeds"], json!([]));

        let mut mentioning = json!({"guild_id": "5", "author": {"id": "2"}, "content": "hi", "mentions": [{"id": "1"}]});
        hide_content("MESSAGE_CREATE", &mut mentioning, bot);
        assert_eq!(mentioning["content"], "hi");
    }
}
