//! The slash commands. Each is thin: check the input again (a forged interaction can send
//! anything), call a service or the store, render the reply. The `///` comment on a command is
//! its description in Discord's command picker.

/// Declares the command modules. poise's command macro turns a command's `///` comment into its
/// Discord description and leaves the generated function without one, hence the `expect`.
macro_rules! command_modules {
    ($($module:ident),* $(,)?) => {
        $(
            #[expect(missing_docs, reason = "the doc comment becomes the command's description")]
            pub mod $module;
        )*
    };
}

command_modules!(
    about,
    achievements,
    activity,
    chart,
    config,
    export,
    history,
    privacy,
    rank,
    recap,
    schedule,
    season,
    session,
    stats,
    timezone,
    tournament,
    track,
    webhooks,
    week
);

use std::sync::Arc;

use crate::app::App;
use crate::discord::CommandError;

/// Every command the bot registers, in the order Discord lists them.
#[must_use]
pub fn all() -> Vec<poise::Command<Arc<App>, CommandError>> {
    vec![
        track::track(),
        track::untrack(),
        stats::leaderboard(),
        stats::stats(),
        stats::team_stats(),
        history::history(),
        achievements::achievements(),
        session::session(),
        season::season(),
        schedule::schedule(),
        recap::recap(),
        tournament::tournament(),
        timezone::timezone(),
        rank::rank(),
        config::config(),
        activity::top(),
        activity::me(),
        activity::user(),
        chart::chart(),
        privacy::privacy(),
        export::export(),
        webhooks::webhooks(),
        about::about(),
    ]
}
