//! Channels that deny the bot permissions, as a member overwrite does on Discord: what serenity's
//! cache and an interaction's `app_permissions` make of them, Discord's refusals when the bot
//! goes ahead anyway, and interactions, which the bot answers wherever they were used.

use fakecord::api::{CommandInvocation, GuildInfo, GuildSpec, MessageSpec, ReactionSpec};
use fakecord::{Config, Fakecord, RunningServer};
use reqwest::Method;
use serde_json::json;
use serenity::all::{
    ChannelId, Command, CreateCommand, GatewayIntents, MessageId, ModelError, Permissions,
    ReactionType,
};
use serenity::http::{Http, HttpError};

use crate::raw::{identify_payload, next_dispatch, open, send};
use crate::spec::{assert_documented, rest};
use crate::support::{self, fakecord, guild_id, Bot, Seen};

fn everything() -> GatewayIntents {
    GatewayIntents::non_privileged() | GatewayIntents::privileged()
}

/// "Squad" with ada and bob, #general, and #announcements where the bot may not post.
async fn squad_with_announcements(config: Config) -> (RunningServer, Fakecord, GuildInfo) {
    let (server, fc) = fakecord(config).await;
    let guild = fc
        .create_guild(
            GuildSpec::new("Squad")
                .members(["ada", "bob"])
                .text_channel("general")
                .text_channel_denying_bot("announcements", Permissions::SEND_MESSAGES),
        )
        .await
        .expect("guild");
    (server, fc, guild)
}

fn channel(guild: &GuildInfo, name: &str) -> ChannelId {
    ChannelId::new(guild.channel(name).expect("channel").get())
}

/// The status and Discord error code of a refused REST call.
#[track_caller]
fn refusal<T: std::fmt::Debug>(result: serenity::Result<T>) -> (u16, isize) {
    match result {
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(response))) => {
            (response.status_code.as_u16(), response.error.code)
        }
        other => panic!("an HTTP refusal, got {other:?}"),
    }
}

const MISSING_PERMISSIONS: (u16, isize) = (403, 50_013);
const MISSING_ACCESS: (u16, isize) = (403, 50_001);

#[tokio::test]
async fn the_overwrite_reaches_serenitys_cache_and_serenity_refuses_first() {
    let (server, fc, guild) = squad_with_announcements(Config::default()).await;
    let mut bot = Bot::connect(&server, everything(), false).await;
    bot.events
        .wait_for("GUILD_CREATE", |s| {
            matches!(s, Seen::GuildCreate { guild: g, .. } if *g == guild.id.get()).then_some(())
        })
        .await;

    let (announcements, general) = (channel(&guild, "announcements"), channel(&guild, "general"));
    let (in_announcements, in_general) = {
        let me = bot.cache.current_user().id;
        let cached = bot
            .cache
            .guild(guild_id(guild.id))
            .expect("the guild is cached");
        let member = cached.members.get(&me).expect("the bot is a cached member");
        let overwrites = &cached.channels[&announcements].permission_overwrites;
        assert_eq!(overwrites.len(), 1, "{overwrites:?}");
        assert_eq!(overwrites[0].deny, Permissions::SEND_MESSAGES);
        (
            cached.user_permissions_in(&cached.channels[&announcements], member),
            cached.user_permissions_in(&cached.channels[&general], member),
        )
    };
    assert!(!in_announcements.send_messages());
    assert!(in_announcements.view_channel() && in_announcements.add_reactions());
    assert!(in_general.send_messages());

    // A bot that asks serenity with its cache is stopped before any request is made.
    let refused = announcements
        .say((&bot.cache, bot.http.as_ref()), "tonight at 21:00")
        .await
        .expect_err("serenity checks its cache");
    assert!(
        matches!(
            refused,
            serenity::Error::Model(ModelError::InvalidPermissions { required, .. })
                if required == Permissions::SEND_MESSAGES
        ),
        "{refused:?}"
    );
    general
        .say((&bot.cache, bot.http.as_ref()), "tonight at 21:00")
        .await
        .expect("#general takes the post");
    assert!(fc
        .bot_messages(guild.channel("announcements").expect("channel"))
        .await
        .expect("messages")
        .is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn posting_where_the_bot_is_denied_answers_missing_permissions() {
    let (server, fc, guild) = squad_with_announcements(Config::default()).await;
    let http = support::http(&server);
    let (announcements, general) = (channel(&guild, "announcements"), channel(&guild, "general"));

    assert_eq!(
        refusal(announcements.say(&http, "tonight at 21:00").await),
        MISSING_PERMISSIONS
    );
    let posted = general
        .say(&http, "tonight at 21:00")
        .await
        .expect("#general takes the post");
    assert_eq!(posted.content, "tonight at 21:00");
    let channel_id = guild.channel("announcements").expect("channel");
    assert!(fc.bot_messages(channel_id).await.expect("log").is_empty());

    // Discord's exact body, as the spec documents it.
    let path = format!("/channels/{announcements}/messages");
    let (status, body) = rest(&server, Method::POST, &path, Some(json!({"content": "hi"}))).await;
    assert_eq!(
        body,
        json!({"message": "Missing Permissions", "code": 50_013})
    );
    assert_documented("POST", &format!("/api/v10{path}"), status, &body);

    // Members are not the bot: ada still posts there.
    fc.post_message(guild.id, MessageSpec::new("announcements", "ada", "gg"))
        .await
        .expect("ada posts");
}

/// A message ada posts in `channel`, as the bot sees its id.
async fn ada_posts(fc: &Fakecord, guild: &GuildInfo, channel: &str) -> MessageId {
    let post = fc
        .post_message(guild.id, MessageSpec::new(channel, "ada", "who plays?"))
        .await
        .expect("post");
    MessageId::new(post.id.get())
}

fn fire() -> ReactionType {
    ReactionType::Unicode("🔥".to_owned())
}

#[tokio::test]
async fn reading_back_and_reacting_need_their_permissions() {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc
        .create_guild(
            GuildSpec::new("Squad")
                .member("ada")
                .text_channel_denying_bot("archive", Permissions::READ_MESSAGE_HISTORY)
                .text_channel_denying_bot("quiet", Permissions::ADD_REACTIONS),
        )
        .await
        .expect("guild");
    let http = support::http(&server);

    let archive = channel(&guild, "archive");
    let old = ada_posts(&fc, &guild, "archive").await;
    fc.react(guild.id, ReactionSpec::new(old.get(), "ada", "🔥"))
        .await
        .expect("ada reacts");
    assert_eq!(
        refusal(http.get_message(archive, old).await),
        MISSING_PERMISSIONS
    );
    assert_eq!(
        refusal(
            http.get_reaction_users(archive, old, &fire(), 25, None)
                .await
        ),
        MISSING_PERMISSIONS
    );
    assert_eq!(
        refusal(http.create_reaction(archive, old, &fire()).await),
        MISSING_PERMISSIONS,
        "reacting reads the history too"
    );
    let listed = http
        .get_messages(archive, None, None)
        .await
        .expect("listing is allowed");
    assert!(listed.is_empty(), "but shows nothing without the history");

    // Without ADD_REACTIONS the bot may only join a reaction someone already made.
    let quiet = channel(&guild, "quiet");
    let post = ada_posts(&fc, &guild, "quiet").await;
    assert_eq!(
        refusal(http.create_reaction(quiet, post, &fire()).await),
        MISSING_PERMISSIONS
    );
    fc.react(guild.id, ReactionSpec::new(post.get(), "ada", "🔥"))
        .await
        .expect("ada reacts");
    http.create_reaction(quiet, post, &fire())
        .await
        .expect("the bot joins ada's reaction");
    let seen = fc.message(post.get().into()).await.expect("the post");
    assert_eq!(seen.reaction("🔥").map(|r| r.count), Some(2));
    http.get_message(quiet, post)
        .await
        .expect("the history is readable here");
}

#[tokio::test]
async fn a_channel_the_bot_cannot_see_answers_missing_access() {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc
        .create_guild(
            GuildSpec::new("Squad")
                .member("ada")
                .text_channel("general")
                .text_channel_denying_bot("staff", Permissions::VIEW_CHANNEL),
        )
        .await
        .expect("guild");
    let http: Http = support::http(&server);
    let staff = channel(&guild, "staff");
    assert_eq!(refusal(http.get_channel(staff).await), MISSING_ACCESS);
    assert_eq!(refusal(staff.say(&http, "hello").await), MISSING_ACCESS);
    http.get_channel(channel(&guild, "general"))
        .await
        .expect("#general is visible");
}

#[tokio::test]
async fn interactions_are_answered_where_the_bot_may_not_post() {
    let (server, fc, guild) = squad_with_announcements(Config::default()).await;
    let mut bot = Bot::connect(&server, everything(), false).await;
    bot.events
        .wait_for("READY", |s| matches!(s, Seen::Ready { .. }).then_some(()))
        .await;
    Command::set_global_commands(
        &bot.http,
        vec![
            CreateCommand::new("about").description("About the bot"),
            CreateCommand::new("secret-later").description("Answers in a follow-up"),
        ],
    )
    .await
    .expect("commands registered");
    fc.wait_for_command("secret-later", None, support::WAIT)
        .await
        .expect("registered");

    let about = fc
        .invoke_with(CommandInvocation::new(guild.id, "ada", "about").channel("announcements"))
        .await
        .expect("an answer");
    assert_eq!(about.content, "trakker test bot, asked by ada");
    let later = fc
        .invoke_with(
            CommandInvocation::new(guild.id, "ada", "secret-later")
                .channel("announcements")
                .followups(1),
        )
        .await
        .expect("an answer and a follow-up");
    assert_eq!(later.followups.len(), 1, "{later:?}");
    bot.stop().await;
}

#[tokio::test]
async fn an_interaction_tells_the_bot_what_it_may_do_in_its_channel() {
    let (server, fc, guild) = squad_with_announcements(Config::default()).await;
    let app = server.application_id();
    let about = json!([{"name": "about", "description": "About the bot", "type": 1}]);
    let path = format!("/applications/{app}/commands");
    let (status, _) = rest(&server, Method::PUT, &path, Some(about)).await;
    assert_eq!(status, 200);
    let mut socket = open(server.gateway_url()).await;
    send(&mut socket, 2, identify_payload(server.token(), 1)).await;
    next_dispatch(&mut socket, "READY").await;

    for (channel, may_post) in [("announcements", false), ("general", true)] {
        let invoker = fc.clone();
        let invocation = CommandInvocation::new(guild.id, "ada", "about").channel(channel);
        let answer = tokio::spawn(async move { invoker.invoke_with(invocation).await });
        let interaction = next_dispatch(&mut socket, "INTERACTION_CREATE").await;
        let bits: u64 = interaction["app_permissions"]
            .as_str()
            .and_then(|p| p.parse().ok())
            .expect("app_permissions");
        let app_permissions = Permissions::from_bits_retain(bits);
        assert_eq!(app_permissions.send_messages(), may_post, "#{channel}");
        assert!(app_permissions.view_channel(), "#{channel}");

        let id = interaction["id"].as_str().expect("an id");
        let token = interaction["token"].as_str().expect("a token");
        let reply = json!({"type": 4, "data": {"content": "hello ada"}});
        let callback = format!("/interactions/{id}/{token}/callback");
        let (status, _) = rest(&server, Method::POST, &callback, Some(reply)).await;
        assert_eq!(status, 204, "#{channel}");
        let outcome = answer.await.expect("joined").expect("answered");
        assert_eq!(outcome.content, "hello ada");
    }
}
