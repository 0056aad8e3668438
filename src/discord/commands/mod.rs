//! The slash commands. Each is thin: check the input again (a forged interaction can send
//! anything), call a service or the store, render the reply. The `///` comment on a command is
//! its description in Discord's command picker.

// poise's command macro turns a command's `///` comment into its Discord description and leaves
// the generated function without one.
#[expect(
    missing_docs,
    reason = "the doc comment becomes the command's description"
)]
pub mod about;

use std::sync::Arc;

use crate::app::App;
use crate::discord::CommandError;

/// Every command the bot registers, in the order Discord lists them.
#[must_use]
pub fn all() -> Vec<poise::Command<Arc<App>, CommandError>> {
    vec![about::about()]
}
