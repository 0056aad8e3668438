//! Ends game sessions nobody has tracked in for their guild's idle limit, and posts each summary
//! in the session's channel, as /session end would have.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use poise::serenity_prelude as serenity;

use crate::app::App;
use crate::discord::{render, reply};
use crate::squad::sessions;

/// How often idle sessions are looked for. Limits are in hours, so a minute late is unnoticed.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Starts the sweep in the background for as long as the process runs.
pub fn spawn(http: Arc<serenity::Http>, app: Arc<App>) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(SWEEP_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            sweep(&http, &app).await;
        }
    });
}

async fn sweep(http: &serenity::Http, app: &App) {
    let ended = match sessions::end_idle(app.store.as_ref(), Utc::now()).await {
        Ok(ended) => ended,
        Err(error) => {
            tracing::warn!(%error, "could not look for idle sessions; trying again in a minute");
            return;
        }
    };
    for session in ended {
        let channel = serenity::ChannelId::new(session.session.channel_id.0.max(1));
        let message = reply::channel_message()
            .embed(render::session_summary(&session, false))
            .allowed_mentions(serenity::CreateAllowedMentions::new());
        match channel.send_message(http, message).await {
            Ok(_) => tracing::info!(
                guild = %session.session.guild_id,
                session = session.session.id,
                "ended an idle session"
            ),
            Err(error) => tracing::warn!(
                guild = %session.session.guild_id,
                session = session.session.id,
                %error,
                "ended an idle session but could not post its summary"
            ),
        }
    }
}
