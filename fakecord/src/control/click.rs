//! What a real user can click: a component that is on the message, enabled and in sight (an
//! ephemeral message is seen only by whoever it answered), and select-menu values among the
//! menu's options, as many as the menu allows.
//!
//! Only clicks a test marks `genuine` are held to this. The others are sent as described, as a
//! forged request could be, so tests can also check that the bot validates what it receives.

use serde_json::Value;

use super::ControlError;
use crate::interactions::EPHEMERAL;
use crate::snowflake::Snowflake;
use crate::world::StoredMessage;

/// Component types.
const BUTTON: u64 = 2;
const STRING_SELECT: u64 = 3;
const FIRST_SELECT: u64 = 3;
const LAST_SELECT: u64 = 8;

/// Button styles that open a link or a purchase rather than sending an interaction.
const LINK: u64 = 5;
const PREMIUM: u64 = 6;

fn bad(text: String) -> ControlError {
    ControlError::BadRequest(text)
}

/// Checks that `user` could click `component` (as found on `msg` by `custom_id`, if it is)
/// with `values`, and returns the values as the interaction carries them: a string select's
/// options given by label become their values.
pub(crate) fn check(
    msg: &StoredMessage,
    user: Snowflake,
    custom_id: &str,
    component: Option<&Value>,
    values: &[String],
) -> Result<Vec<String>, ControlError> {
    if msg.flags & EPHEMERAL != 0 {
        let viewer = msg.interaction.as_ref().map(|i| i.user_id);
        if viewer != Some(user) {
            return Err(bad(format!(
                "message {} is ephemeral: only the user it answered sees it, not {user}",
                msg.id
            )));
        }
    }
    let component = component.ok_or_else(|| {
        bad(format!(
            "message {} has no component with custom_id `{custom_id}`",
            msg.id
        ))
    })?;
    if component.get("disabled").and_then(Value::as_bool) == Some(true) {
        return Err(bad(format!("`{custom_id}` is disabled")));
    }
    let kind = component.get("type").and_then(Value::as_u64).unwrap_or(0);
    match kind {
        BUTTON => {
            let style = component.get("style").and_then(Value::as_u64);
            if matches!(style, Some(LINK | PREMIUM)) {
                return Err(bad(format!(
                    "`{custom_id}` opens a link and sends no interaction"
                )));
            }
            if !values.is_empty() {
                return Err(bad(format!(
                    "`{custom_id}` is a button: it takes no values"
                )));
            }
            Ok(Vec::new())
        }
        FIRST_SELECT..=LAST_SELECT => {
            let picked = if kind == STRING_SELECT {
                options_picked(component, custom_id, values)?
            } else {
                values.to_vec()
            };
            let bound = |key: &str, default: u64| {
                component
                    .get(key)
                    .and_then(Value::as_u64)
                    .unwrap_or(default)
            };
            let (min, max) = (bound("min_values", 1), bound("max_values", 1));
            let count = u64::try_from(picked.len()).unwrap_or(u64::MAX);
            if !(min..=max).contains(&count) {
                return Err(bad(format!(
                    "`{custom_id}` takes {min} to {max} values, not {count}"
                )));
            }
            Ok(picked)
        }
        other => Err(bad(format!(
            "`{custom_id}` is a component of type {other}, which users cannot click"
        ))),
    }
}

/// The values of a string select's options the user picked, each given by value or by label
/// (case aside, as people read it); a value twice, or one that is no option, is refused.
fn options_picked(
    menu: &Value,
    custom_id: &str,
    given: &[String],
) -> Result<Vec<String>, ControlError> {
    let options = menu
        .get("options")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let text = |option: &Value, key: &str| {
        option
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut picked: Vec<String> = Vec::with_capacity(given.len());
    for wanted in given {
        let value = options
            .iter()
            .find(|o| text(o, "value") == *wanted)
            .or_else(|| {
                options
                    .iter()
                    .find(|o| text(o, "label").to_lowercase() == wanted.to_lowercase())
            })
            .map(|o| text(o, "value"))
            .ok_or_else(|| {
                let known: Vec<String> = options.iter().map(|o| text(o, "value")).collect();
                bad(format!(
                    "`{wanted}` is not an option of `{custom_id}` (options: {})",
                    known.join(", ")
                ))
            })?;
        if picked.contains(&value) {
            return Err(bad(format!("`{value}` is picked twice in `{custom_id}`")));
        }
        picked.push(value);
    }
    Ok(picked)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::world::InteractionStamp;

    const ADA: Snowflake = Snowflake(100);
    const BOB: Snowflake = Snowflake(101);

    /// The weekly schedule menu: pick one to three days.
    fn days() -> Value {
        json!({
            "type": 3, "custom_id": "days", "min_values": 1, "max_values": 3,
            "options": [
                {"label": "Monday", "value": "mon"},
                {"label": "Tuesday", "value": "tue"},
                {"label": "Wednesday", "value": "wed"},
            ],
        })
    }

    /// The bot's ephemeral answer to ada, carrying the menu.
    fn ephemeral_for_ada() -> StoredMessage {
        let mut msg = StoredMessage::new(
            Snowflake(5),
            Snowflake(6),
            None,
            Snowflake(1),
            String::new(),
        );
        msg.flags = EPHEMERAL;
        msg.interaction = Some(InteractionStamp {
            id: Snowflake(7),
            kind: 2,
            name: "schedule".into(),
            user_id: ADA,
        });
        msg
    }

    fn pick(user: Snowflake, menu: &Value, values: &[&str]) -> Result<Vec<String>, ControlError> {
        let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        check(&ephemeral_for_ada(), user, "days", Some(menu), &values)
    }

    #[test]
    fn ada_picks_days_by_value_or_by_label() {
        assert_eq!(
            pick(ADA, &days(), &["mon", "Tuesday"]).expect("a real pick"),
            vec!["mon", "tue"]
        );
    }

    #[test]
    fn what_the_menu_does_not_offer_is_refused() {
        let err = pick(ADA, &days(), &["sun"]).expect_err("no Sunday");
        assert!(err.to_string().contains("options: mon, tue, wed"), "{err}");
        assert!(pick(ADA, &days(), &[]).is_err(), "at least one day");
        assert!(pick(ADA, &days(), &["mon", "tue", "wed", "Monday"]).is_err());
        assert!(
            pick(ADA, &days(), &["mon", "Monday"]).is_err(),
            "Monday twice"
        );
    }

    #[test]
    fn only_ada_sees_her_ephemeral_answer() {
        let err = pick(BOB, &days(), &["mon"]).expect_err("bob cannot see it");
        assert!(err.to_string().contains("ephemeral"), "{err}");
    }

    #[test]
    fn disabled_and_link_buttons_send_nothing() {
        let disabled = json!({"type": 2, "style": 1, "custom_id": "days", "disabled": true});
        assert!(pick(ADA, &disabled, &[]).is_err());
        let link = json!({"type": 2, "style": 5, "url": "https://example.com"});
        assert!(pick(ADA, &link, &[]).is_err());
        let button = json!({"type": 2, "style": 1, "custom_id": "days"});
        assert_eq!(
            pick(ADA, &button, &[]).expect("a click"),
            Vec::<String>::new()
        );
        assert!(
            pick(ADA, &button, &["mon"]).is_err(),
            "buttons take no values"
        );
    }
}
