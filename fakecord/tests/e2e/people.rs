//! Everything a user can do through the control API reaches a real serenity client as the
//! event Discord would send, and the bot's answers to components and autocomplete come back.

use fakecord::api::{
    AttachmentSpec, BulkKind, BulkSpec, CommandInvocation, ComponentClick, GuildInfo, GuildSpec,
    InviteSpec, JoinSpec, MessageSpec, OptionSpec, PresenceSpec, ReactionSpec, VoiceSpec,
};
use fakecord::Config;
use serde_json::json;
use serenity::all::{
    Command, CommandOptionType, CreateCommand, CreateCommandOption, GatewayIntents,
};

use crate::support::{self, fakecord, Bot, Seen};

fn everything() -> GatewayIntents {
    GatewayIntents::non_privileged() | GatewayIntents::privileged()
}

async fn saw(bot: &mut Bot, event: &'static str) {
    bot.events
        .wait_for(event, |s| {
            matches!(s, Seen::Event(name) if *name == event).then_some(())
        })
        .await;
}

/// A connected bot in "Squad": ada and bob, #general, two voice channels and a custom emoji.
async fn squad_with_bot() -> (fakecord::RunningServer, fakecord::Fakecord, GuildInfo, Bot) {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc
        .create_guild(
            GuildSpec::new("Squad")
                .members(["ada", "bob"])
                .text_channel("general")
                .voice_channel("Lobby")
                .voice_channel("Ranked")
                .emoji("pog"),
        )
        .await
        .expect("guild");
    let bot = Bot::connect(&server, everything(), false).await;
    fc.wait_for_sessions(1, support::WAIT)
        .await
        .expect("bot connects");
    (server, fc, guild, bot)
}

#[tokio::test]
async fn ada_joins_voice_moves_mutes_and_leaves() {
    let (_server, fc, guild, mut bot) = squad_with_bot().await;
    let lobby = guild.channel("Lobby").expect("Lobby").get();
    let ranked = guild.channel("Ranked").expect("Ranked").get();
    let ada = guild.user("ada").expect("ada").get();

    fc.voice(guild.id, VoiceSpec::join("ada", "Lobby"))
        .await
        .expect("join");
    bot.events
        .wait_for("ada in Lobby", |s| {
            matches!(s, Seen::Voice { user, channel: Some(c) } if *user == ada && *c == lobby)
                .then_some(())
        })
        .await;
    let moved = VoiceSpec {
        self_mute: Some(true),
        ..VoiceSpec::join("ada", "Ranked")
    };
    fc.voice(guild.id, moved).await.expect("move");
    bot.events
        .wait_for("ada in Ranked", |s| {
            matches!(s, Seen::Voice { user, channel: Some(c) } if *user == ada && *c == ranked)
                .then_some(())
        })
        .await;
    let left = fc
        .voice(guild.id, VoiceSpec::leave("ada"))
        .await
        .expect("leave");
    assert!(left.changed && left.channel_id.is_none());
    bot.events
        .wait_for("ada out of voice", |s| {
            matches!(s, Seen::Voice { user, channel: None } if *user == ada).then_some(())
        })
        .await;
    bot.stop().await;
}

#[tokio::test]
async fn bob_posts_a_file_in_a_thread_and_ada_replies_and_reacts() {
    let (_server, fc, guild, mut bot) = squad_with_bot().await;
    let first = fc
        .post_message(
            guild.id,
            MessageSpec::new("general", "bob", "scores attached")
                .attach(AttachmentSpec::text("scores.csv", "ada,3"))
                .in_thread("match 1"),
        )
        .await
        .expect("thread post");
    saw(&mut bot, "THREAD_CREATE").await;
    assert_ne!(
        first.channel_id,
        guild.channel("general").expect("general"),
        "posted in the thread"
    );
    assert_eq!(
        fc.attachment(first.attachment_ids[0]).await.expect("file"),
        b"ada,3"
    );

    let reply = fc
        .post_message(
            guild.id,
            MessageSpec::new(first.channel_id, "ada", "nice").reply_to(first.id),
        )
        .await
        .expect("reply");
    bot.events
        .wait_for("the reply", |s| {
            matches!(s, Seen::Message { id, .. } if *id == reply.id.get()).then_some(())
        })
        .await;
    let reacted = fc
        .react(guild.id, ReactionSpec::new(first.id, "ada", "pog"))
        .await
        .expect("react");
    assert_eq!(reacted.reactions[0].count, 1);
    saw(&mut bot, "MESSAGE_REACTION_ADD").await;
    let unreacted = fc
        .unreact(guild.id, ReactionSpec::new(first.id, "ada", "pog"))
        .await
        .expect("unreact");
    assert!(unreacted.reactions.is_empty());
    saw(&mut bot, "MESSAGE_REACTION_REMOVE").await;
    assert!(fc.unexpected_requests().await.expect("log").is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn cy_joins_through_bobs_invite_comes_online_and_leaves() {
    let (_server, fc, guild, mut bot) = squad_with_bot().await;
    let invite = fc
        .create_invite(
            guild.id,
            InviteSpec {
                channel: "general".into(),
                inviter: Some("bob".into()),
                ..InviteSpec::default()
            },
        )
        .await
        .expect("invite");
    saw(&mut bot, "INVITE_CREATE").await;
    fc.join(guild.id, JoinSpec::new("cy").via_invite(&invite.code))
        .await
        .expect("join");
    saw(&mut bot, "GUILD_MEMBER_ADD").await;
    let invites = fc.invites(guild.id).await.expect("invites");
    assert_eq!(
        invites[0].uses, 1,
        "joining through the invite counts a use"
    );

    let online = PresenceSpec {
        user: "cy".into(),
        status: "online".into(),
        activities: vec![json!({"name": "Squad", "type": 0})],
    };
    fc.set_presence(guild.id, online).await.expect("presence");
    saw(&mut bot, "PRESENCE_UPDATE").await;
    fc.leave(guild.id, "cy").await.expect("leave");
    saw(&mut bot, "GUILD_MEMBER_REMOVE").await;
    fc.delete_invite(guild.id, &invite.code)
        .await
        .expect("delete invite");
    saw(&mut bot, "INVITE_DELETE").await;
    bot.stop().await;
}

#[tokio::test]
async fn components_subcommands_and_autocomplete_come_back_from_the_bot() {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc
        .create_guild(
            GuildSpec::new("Squad")
                .members(["ada", "bob"])
                .text_channel("general"),
        )
        .await
        .expect("guild");
    let mut bot = Bot::connect(&server, everything(), false).await;
    bot.events
        .wait_for("READY", |s| matches!(s, Seen::Ready { .. }).then_some(()))
        .await;
    let player = CreateCommandOption::new(
        CommandOptionType::SubCommand,
        "player",
        "One player's stats",
    )
    .add_sub_option(
        CreateCommandOption::new(CommandOptionType::User, "who", "The player").required(true),
    )
    .add_sub_option(
        CreateCommandOption::new(CommandOptionType::String, "game", "The game")
            .set_autocomplete(true),
    );
    guild_commands(
        &bot,
        guild.id,
        vec![
            CreateCommand::new("menu").description("Shows a menu"),
            CreateCommand::new("stats")
                .description("Stats")
                .add_option(player),
        ],
    )
    .await;

    let menu = fc
        .invoke(guild.id, "ada", "menu", vec![])
        .await
        .expect("menu");
    let message = menu.message_id.expect("the menu is a message");
    assert_eq!(menu.components.len(), 2);

    let picked = fc
        .click(ComponentClick::select(message, "bob", "pick", ["tue"]))
        .await
        .expect("pick");
    assert_eq!(
        (picked.content.as_str(), picked.ephemeral),
        ("picked tue", true)
    );
    let clicked = fc
        .click(ComponentClick::button(message, "ada", "again"))
        .await
        .expect("click");
    assert_eq!(clicked.response_type, 7);
    let edited = fc.message(message).await.expect("message");
    assert_eq!(edited.content, "clicked");
    assert!(edited.components.is_empty() && edited.edited);

    let stats = fc
        .invoke(
            guild.id,
            "ada",
            "stats player",
            vec![
                OptionSpec::new("who", "bob"),
                OptionSpec::new("game", "Squad"),
            ],
        )
        .await
        .expect("stats");
    assert_eq!(stats.content, "player stats for bob in Squad");

    let typing = CommandInvocation::new(guild.id, "ada", "stats player")
        .option(OptionSpec::new("game", "Sq").focused());
    let choices = fc.autocomplete(typing).await.expect("choices");
    assert_eq!(choices.response_type, 8);
    assert_eq!(choices.choices[0]["name"], "Sq (Squad)");
    bot.stop().await;
}

#[tokio::test]
async fn menus_only_ada_sees_are_clickable_and_genuine_picks_are_held_to_the_options() {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc
        .create_guild(
            GuildSpec::new("Squad")
                .members(["ada", "bob"])
                .text_channel("general"),
        )
        .await
        .expect("guild");
    let mut bot = Bot::connect(&server, everything(), false).await;
    bot.events
        .wait_for("READY", |s| matches!(s, Seen::Ready { .. }).then_some(()))
        .await;
    guild_commands(
        &bot,
        guild.id,
        vec![
            CreateCommand::new("secret").description("A menu only you see"),
            CreateCommand::new("secret-later").description("The same, in a follow-up"),
        ],
    )
    .await;

    // The ephemeral answer itself carries the menu.
    let secret = fc
        .invoke(guild.id, "ada", "secret", vec![])
        .await
        .expect("secret");
    assert!(secret.ephemeral);
    let menu = secret.message_id.expect("the answer is a message");
    let picked = fc
        .click(ComponentClick::select(menu, "ada", "pick", ["tue"]))
        .await
        .expect("ada picks on her ephemeral menu");
    assert_eq!(picked.content, "picked tue");
    let clicked = fc
        .click(ComponentClick::button(menu, "ada", "again"))
        .await
        .expect("ada clicks the button");
    assert_eq!(clicked.response_type, 7);
    let updated = fc.message(menu).await.expect("the menu message");
    assert_eq!(updated.content, "clicked");
    assert_eq!(updated.flags & 64, 64, "an update keeps it ephemeral");

    // An ephemeral follow-up carries it too.
    let later = fc
        .invoke_with(CommandInvocation::new(guild.id, "ada", "secret-later").followups(1))
        .await
        .expect("secret-later");
    let followup = &later.followups[0];
    assert_eq!(followup.flags & 64, 64);
    let followup = followup.id;

    // A genuine pick names options by value or by label; anything else never reaches the bot.
    let by_label = fc
        .click(ComponentClick::select(followup, "ada", "pick", ["Monday"]).genuine())
        .await
        .expect("a pick ada could make");
    assert_eq!(by_label.content, "picked mon");
    let sunday = fc
        .click(ComponentClick::select(followup, "ada", "pick", ["sun"]).genuine())
        .await
        .expect_err("the menu has no Sunday");
    assert_eq!(sunday.status(), Some(400));
    assert!(sunday.to_string().contains("options: mon, tue"), "{sunday}");
    let not_hers = fc
        .click(ComponentClick::select(followup, "bob", "pick", ["mon"]).genuine())
        .await
        .expect_err("bob never sees ada's ephemeral menu");
    assert_eq!(not_hers.status(), Some(400));

    // A forged pick is sent as written, so the bot's own checks can be tested.
    let forged = fc
        .click(ComponentClick::select(followup, "bob", "pick", ["sun"]))
        .await
        .expect("forged");
    assert_eq!(forged.content, "picked sun");
    bot.stop().await;
}

async fn guild_commands(bot: &Bot, guild: fakecord::Snowflake, commands: Vec<CreateCommand>) {
    let _ = Command::set_global_commands(&bot.http, Vec::new()).await;
    support::guild_id(guild)
        .set_commands(&bot.http, commands)
        .await
        .expect("guild commands registered");
}

#[tokio::test]
async fn the_bulk_generator_sends_every_event_to_the_bot() {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc
        .create_guild(
            GuildSpec::new("Big")
                .generated_members(20)
                .text_channel("a")
                .text_channel("b")
                .voice_channel("v"),
        )
        .await
        .expect("guild");
    let mut bot = Bot::connect(&server, everything(), false).await;
    fc.wait_for_sessions(1, support::WAIT)
        .await
        .expect("bot connects");

    let report = fc
        .bulk(&BulkSpec::new(BulkKind::MessageCreate, 300, guild.id))
        .await
        .expect("bulk");
    assert_eq!(report.sent, 300);
    let voice = fc
        .bulk(&BulkSpec::new(BulkKind::VoiceState, 50, guild.id))
        .await
        .expect("bulk voice");
    assert_eq!(voice.sent, 50);
    let target = fc
        .post_message(guild.id, MessageSpec::new("a", "member-0001", "react here"))
        .await
        .expect("a message to react to");
    let mut reactions = BulkSpec::new(BulkKind::ReactionAdd, 200, guild.id);
    reactions.message_ids = vec![target.id];
    let reacted = fc.bulk(&reactions).await.expect("bulk reactions");
    assert_eq!(reacted.sent, 200);
    bot.events
        .wait_for_count("300 bulk messages", 300, |s| {
            matches!(s, Seen::Message { .. })
        })
        .await;
    bot.events
        .wait_for_count("voice updates", 1, |s| matches!(s, Seen::Voice { .. }))
        .await;
    bot.stop().await;
}
