//! Asking the bot as a member would, and reading its answer: a command invoked with the
//! permissions a manager has, a click on a component, the components of an answer and the shape
//! of a refusal.

use std::time::Duration;

use fakecord::api::{CommandInvocation, ComponentClick, InteractionOutcome, PermissionSet};

use super::bot::Bot;

/// The `custom_id` of the component starting with `prefix` in an answer's rows.
///
/// # Panics
/// When there is none.
pub fn component(outcome: &InteractionOutcome, prefix: &str) -> String {
    outcome
        .components
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|component| component["custom_id"].as_str().map(str::to_owned))
        .find(|id| id.starts_with(prefix))
        .unwrap_or_else(|| panic!("a component {prefix}… in {:?}", outcome.components))
}

/// `click`, answered within `wait`.
///
/// # Panics
/// When the bot does not answer (with its logs).
pub async fn click(bot: &Bot, click: ComponentClick, wait: Duration) -> InteractionOutcome {
    bot.discord
        .click(click.timeout(wait))
        .await
        .unwrap_or_else(|error| panic!("the click is answered: {error}\n{}", bot.logs()))
}

/// `invocation` by someone with the Manage Server permission.
pub fn manager(invocation: CommandInvocation) -> CommandInvocation {
    invocation.permissions(PermissionSet::from_names(["MANAGE_GUILD"]).expect("a permission"))
}

/// Asserts `outcome` is a refusal: one private sentence containing `expected`.
#[track_caller]
pub fn refused(outcome: &InteractionOutcome, expected: &str) {
    assert!(
        outcome.ephemeral,
        "refusals are private: {}",
        outcome.content
    );
    assert!(
        outcome.content.contains(expected),
        "expected “{expected}” in: {}",
        outcome.content
    );
}
