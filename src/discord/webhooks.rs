//! The Discord side of outgoing webhooks: runs the delivery loop for the life of the client and
//! tells a server, in the channel where a hook was added, when that hook was paused after a day
//! of failures.

use std::sync::Arc;

use poise::serenity_prelude as serenity;

use crate::app::App;
use crate::discord::reply;
use crate::store::webhooks::Paused;

/// Starts delivering the webhook outbox until the app stops.
pub fn spawn(http: Arc<serenity::Http>, app: Arc<App>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let on_paused = move |paused: Paused| {
            let http = Arc::clone(&http);
            tokio::spawn(async move { tell_paused(&http, &paused).await });
        };
        app.webhooks.run(app.stopped(), on_paused).await;
    })
}

async fn tell_paused(http: &serenity::Http, paused: &Paused) {
    // The error may carry the receiver's words: shown as code, so no link or markup renders.
    let error: String = paused
        .last_error
        .chars()
        .filter(|c| *c != '`' && !c.is_control())
        .take(120)
        .collect();
    let text = format!(
        "⏸️ Webhook {id} is paused: every delivery to it failed for a day (last: `{error}`). \
         Nothing is lost — its events wait for it. Fix the receiver, then run \
         /webhooks resume {id}.",
        id = paused.hook_id,
    );
    let channel = serenity::ChannelId::new(paused.channel_id.0.max(1));
    if let Err(error) = channel
        .send_message(http, reply::channel_message().content(text))
        .await
    {
        tracing::warn!(%error, guild = %paused.guild_id, hook = paused.hook_id, "could not say a webhook was paused");
    }
}
