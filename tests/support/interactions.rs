//! Asking the bot as a member would, and reading its answer: a command invoked with the
//! permissions a manager has, and the shape of a refusal.

use fakecord::api::{CommandInvocation, InteractionOutcome, PermissionSet};

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
