//! Ends game sessions nobody has tracked in for their guild's idle limit, and posts each summary
//! in the session's channel, as /session end would have. On the same minute tick it makes the
//! weekly recaps that are due and releases the voice stays the charts kept for guilds nobody
//! drew a chart for lately.
//!
//! The sweeper is a task the [`App`] owns: at shutdown it finishes the sweep in hand, so a
//! session it ended has its summary posted, and then returns.

use std::sync::Arc;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::discord::{render, reply};
use crate::domain::webhooks::Event;
use crate::squad::sessions;
use crate::webhooks::payload;

/// How often idle sessions are looked for. Limits are in hours, so a minute late is unnoticed.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Starts sweeping now and every [`SWEEP_EVERY`] until [`App::stopped`]; hand the task to
/// [`App::keep_task`].
#[must_use]
pub fn spawn(http: Arc<serenity::Http>, app: Arc<App>) -> JoinHandle<()> {
    let stopped = app.stopped();
    tokio::spawn(async move {
        tokio::pin!(stopped);
        let mut ticks = tokio::time::interval(SWEEP_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            // A sweep that has begun runs to the end: the stop is only seen between sweeps.
            tokio::select! {
                () = &mut stopped => return,
                _ = ticks.tick() => sweep(&http, &app).await,
            }
        }
    })
}

async fn sweep(http: &serenity::Http, app: &App) {
    app.chart_cache.release_idle();
    crate::discord::recap::post_due(http, app).await;
    let ended = match sessions::end_idle(app.store.as_ref(), app.now()).await {
        Ok(ended) => ended,
        Err(error) => {
            tracing::warn!(%error, "could not look for idle sessions; trying again in a minute");
            return;
        }
    };
    for session in ended {
        app.webhooks
            .publish(
                session.session.guild_id,
                Event::SessionEnded,
                payload::session_ended(&session),
            )
            .await;
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
