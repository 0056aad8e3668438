//! Discord's REST API under `/api/v10`, as far as serenity and poise use it: every request is
//! authenticated, held to the rate limits when they are on, parsed, validated against the
//! OpenAPI spec when available, and recorded. Routes fakecord does not know answer Discord's
//! 404 and are recorded as unexpected.

mod access;
pub(crate) mod body;
mod channels;
mod commands;
mod compose;
pub(crate) mod error;
mod guilds;
mod interactions;
mod meta;
mod ratelimit;
pub(crate) mod record;

use std::sync::Arc;

use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, post, put};
use axum::Router;

pub(crate) use ratelimit::Limiter;
pub(crate) use record::Recorder;

use crate::server::AppState;

/// The `/api/v10` routes.
pub(crate) fn router(state: &Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/gateway", get(meta::gateway))
        .route("/gateway/bot", get(meta::gateway_bot))
        .route("/oauth2/applications/@me", get(meta::application))
        .route("/users/{user}", get(meta::user))
        .route("/users/@me/channels", post(meta::open_dm))
        .route(
            "/applications/{app}/commands",
            put(commands::put_global)
                .get(commands::list_global)
                .post(commands::post_global),
        )
        .route(
            "/applications/{app}/guilds/{guild}/commands",
            put(commands::put_guild)
                .get(commands::list_guild)
                .post(commands::post_guild),
        )
        .route(
            "/interactions/{id}/{token}/callback",
            post(interactions::callback),
        )
        .route("/webhooks/{app}/{token}", post(interactions::followup))
        .route(
            "/webhooks/{app}/{token}/messages/{message}",
            get(interactions::get_message)
                .patch(interactions::edit_message)
                .delete(interactions::delete_message),
        )
        .route("/channels/{channel}", get(channels::get_channel))
        .route(
            "/channels/{channel}/messages",
            post(channels::create_message).get(channels::list_messages),
        )
        .route(
            "/channels/{channel}/messages/{message}",
            get(channels::get_message)
                .patch(channels::edit_message)
                .delete(channels::delete_message),
        )
        .route(
            "/channels/{channel}/messages/{message}/reactions/{emoji}",
            get(channels::list_reactions),
        )
        .route(
            "/channels/{channel}/messages/{message}/reactions/{emoji}/@me",
            put(channels::add_reaction).delete(channels::remove_own_reaction),
        )
        .route(
            "/channels/{channel}/messages/{message}/reactions/{emoji}/{user}",
            delete(channels::remove_reaction),
        )
        .route("/channels/{channel}/typing", post(channels::typing))
        .route("/guilds/{guild}", get(guilds::get_guild))
        .route("/guilds/{guild}/channels", get(guilds::channels))
        .route("/guilds/{guild}/members", get(guilds::members))
        .route("/guilds/{guild}/members/{user}", get(guilds::member))
        .route(
            "/guilds/{guild}/members/{user}/roles/{role}",
            put(guilds::add_member_role).delete(guilds::remove_member_role),
        )
        .route("/guilds/{guild}/roles", get(guilds::roles))
        .route("/guilds/{guild}/invites", get(guilds::invites))
        .fallback(record::unexpected)
        // After the routes: it applies to the routes already added.
        .method_not_allowed_fallback(record::method_not_allowed)
        // The last layer added runs first: record, then authorize, then the rate limits.
        .layer(from_fn_with_state(Arc::clone(state), ratelimit::enforce))
        .layer(from_fn_with_state(Arc::clone(state), record::authorize))
        .layer(from_fn_with_state(Arc::clone(state), record::record))
}

/// Everything outside `/api/v10`, `/gateway` and `/_fake`: recorded as unexpected.
pub(crate) fn unexpected_router(state: &Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .fallback(record::unexpected)
        .layer(from_fn_with_state(Arc::clone(state), record::record))
}
