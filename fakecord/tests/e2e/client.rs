//! fakecord driven by a real serenity client: what a bot sees over the gateway and REST, and
//! what the control API reports back.

use std::time::Duration;

use crate::support::{self, fakecord, guild_id, Bot, Seen};
use fakecord::api::{GuildSpec, MessageSpec, OptionSpec, RawDispatch, RequestFilter, VoiceSpec};
use fakecord::{Config, Snowflake};
use serde_json::json;
use serenity::all::{
    ApplicationId, ChannelId, ChunkGuildFilter, Command, CreateAttachment, CreateCommand,
    CreateMessage, GatewayIntents, GuildId, HttpBuilder, HttpError, ShardId,
};

fn squad() -> GuildSpec {
    GuildSpec::new("Squad")
        .members(["ada", "bob"])
        .text_channel("general")
        .voice_channel("Lobby")
}

fn all_intents() -> GatewayIntents {
    GatewayIntents::non_privileged() | GatewayIntents::privileged()
}

#[tokio::test]
async fn ready_and_guild_create_carry_the_guild() {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc.create_guild(squad()).await.expect("guild");
    let mut bot = Bot::connect(&server, all_intents(), false).await;

    let ready_guilds = bot
        .events
        .wait_for("READY", |s| match s {
            Seen::Ready { guilds, .. } => Some(guilds.clone()),
            _ => None,
        })
        .await;
    assert_eq!(ready_guilds, vec![guild.id.get()]);
    let channels = bot
        .events
        .wait_for("GUILD_CREATE", |s| match s {
            Seen::GuildCreate {
                guild: g, channels, ..
            } if *g == guild.id.get() => Some(*channels),
            _ => None,
        })
        .await;
    assert_eq!(channels, 2, "both channels reach serenity's cache");

    // A guild created while the bot is connected arrives too.
    let later = fc
        .create_guild(GuildSpec::new("Later").text_channel("chat"))
        .await
        .expect("guild");
    bot.events
        .wait_for("GUILD_CREATE of the new guild", |s| {
            matches!(s, Seen::GuildCreate { guild: g, .. } if *g == later.id.get()).then_some(())
        })
        .await;
    let cached = bot
        .http
        .get_guild(guild_id(later.id))
        .await
        .expect("GET /guilds/{id}");
    assert_eq!(cached.name, "Later");
    bot.stop().await;
}

#[tokio::test]
async fn a_posted_message_reaches_the_message_handler() {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc.create_guild(squad().emoji("pog")).await.expect("guild");
    let mut bot = Bot::connect(&server, all_intents(), false).await;
    fc.wait_for_sessions(1, support::WAIT)
        .await
        .expect("bot connects");

    let posted = fc
        .post_message(guild.id, MessageSpec::new("general", "ada", "gg :pog: 🔥"))
        .await
        .expect("post");
    let content = bot
        .events
        .wait_for("the posted message", |s| match s {
            Seen::Message { id, content, .. } if *id == posted.id.get() => Some(content.clone()),
            _ => None,
        })
        .await;
    let pog = guild.emoji("pog").expect("emoji id");
    assert_eq!(content, format!("gg <:pog:{pog}> 🔥"));
    bot.stop().await;
}

#[tokio::test]
async fn events_outside_the_identified_intents_are_not_delivered() {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc.create_guild(squad()).await.expect("guild");
    let intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES;
    let mut bot = Bot::connect(&server, intents, false).await;
    let status = fc
        .wait_for_sessions(1, support::WAIT)
        .await
        .expect("bot connects");
    let seq_before = status.sessions[0].seq;

    fc.voice(guild.id, VoiceSpec::join("ada", "Lobby"))
        .await
        .expect("join voice");
    let status = fc.status().await.expect("status");
    assert_eq!(
        status.sessions[0].seq, seq_before,
        "VOICE_STATE_UPDATE needs GUILD_VOICE_STATES"
    );

    let marker = fc
        .post_message(guild.id, MessageSpec::new("general", "bob", "secret words"))
        .await
        .expect("post");
    let content = bot
        .events
        .wait_for("the marker message", |s| match s {
            Seen::Message { id, content, .. } if *id == marker.id.get() => Some(content.clone()),
            _ => None,
        })
        .await;
    assert_eq!(content, "", "without MESSAGE_CONTENT the text is withheld");
    bot.events.drain();
    let ada = guild.user("ada").expect("ada").get();
    assert_eq!(
        bot.events
            .count(|s| matches!(s, Seen::Voice { user, .. } if *user == ada)),
        0
    );
    bot.stop().await;
}

/// The bot loses its connection in some way; a message posted right then must arrive once.
async fn survives(disturb: impl AsyncFnOnce(&fakecord::Fakecord)) {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc.create_guild(squad()).await.expect("guild");
    let mut bot = Bot::connect(&server, all_intents(), false).await;
    fc.wait_for_sessions(1, support::WAIT)
        .await
        .expect("bot connects");

    disturb(&fc).await;
    let gap = fc
        .post_message(
            guild.id,
            MessageSpec::new("general", "ada", "during the gap"),
        )
        .await
        .expect("post");
    bot.events
        .wait_for("RESUMED", |s| {
            matches!(s, Seen::Resumed { shard: 0 }).then_some(())
        })
        .await;
    bot.events
        .wait_for("the message sent during the gap", |s| {
            matches!(s, Seen::Message { id, .. } if *id == gap.id.get()).then_some(())
        })
        .await;
    let after = fc
        .post_message(guild.id, MessageSpec::new("general", "bob", "after"))
        .await
        .expect("post");
    bot.events
        .wait_for("the message sent after", |s| {
            matches!(s, Seen::Message { id, .. } if *id == after.id.get()).then_some(())
        })
        .await;
    bot.events.drain();
    let copies = bot
        .events
        .count(|s| matches!(s, Seen::Message { id, .. } if *id == gap.id.get()));
    assert_eq!(copies, 1, "the gap message arrives exactly once");
    let status = fc.status().await.expect("status");
    assert!(
        status
            .sessions
            .iter()
            .any(|s| s.connected && s.resumes >= 1),
        "the bot resumed: {status:#?}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn after_op_7_the_bot_resumes_and_misses_nothing() {
    survives(async |fc| {
        assert_eq!(fc.reconnect(None).await.expect("op 7").affected, 1);
    })
    .await;
}

#[tokio::test]
async fn after_a_resumable_op_9_the_bot_resumes_and_misses_nothing() {
    survives(async |fc| {
        assert_eq!(
            fc.invalidate_session(None, true)
                .await
                .expect("op 9")
                .affected,
            1
        );
    })
    .await;
}

#[tokio::test]
async fn after_a_dropped_socket_the_bot_resumes_and_misses_nothing() {
    survives(async |fc| {
        assert_eq!(fc.drop_socket(None).await.expect("drop").affected, 1);
    })
    .await;
}

#[tokio::test]
async fn after_a_final_op_9_the_bot_identifies_again() {
    let (server, fc) = fakecord(Config::default()).await;
    fc.create_guild(squad()).await.expect("guild");
    let mut bot = Bot::connect(&server, all_intents(), false).await;
    fc.wait_for_sessions(1, support::WAIT)
        .await
        .expect("bot connects");
    let first = fc.status().await.expect("status").sessions[0]
        .session_id
        .clone();

    fc.invalidate_session(None, false).await.expect("op 9");
    let second = fc
        .wait_for(support::WAIT, "a new session", || async {
            let status = fc.status().await?;
            Ok(status
                .sessions
                .into_iter()
                .find(|s| s.connected && s.session_id != first && s.written_seq >= 1))
        })
        .await
        .expect("the bot identifies again");
    assert_eq!(second.resumes, 0);
    bot.events.drain();
    let readies = bot.events.count(|s| matches!(s, Seen::Ready { .. }));
    assert!(readies >= 1);
    bot.stop().await;
}

#[tokio::test]
async fn each_guild_goes_to_its_own_shard() {
    let (server, fc) = fakecord(Config::default().with_shards(2)).await;
    // Shard = (id >> 22) % 2: these ids land on shards 0 and 1.
    let even = fc
        .create_guild(squad().id(1000_u64 << 22))
        .await
        .expect("guild");
    let odd = fc
        .create_guild(
            GuildSpec::new("Odd")
                .id(1001_u64 << 22)
                .member("cy")
                .text_channel("chat"),
        )
        .await
        .expect("guild");
    assert_eq!((even.shard, odd.shard), (0, 1));
    let mut bot = Bot::connect(&server, all_intents(), true).await;

    for (guild, shard) in [(&even, 0), (&odd, 1)] {
        let seen_on = bot
            .events
            .wait_for("GUILD_CREATE", |s| match s {
                Seen::GuildCreate {
                    guild: g, shard, ..
                } if *g == guild.id.get() => Some(*shard),
                _ => None,
            })
            .await;
        assert_eq!(
            seen_on, shard,
            "guild {} belongs on shard {shard}",
            guild.name
        );
    }
    fc.wait_for_sessions(2, support::WAIT)
        .await
        .expect("two shards");
    for shard in [0, 1] {
        bot.events
            .wait_for("READY on each shard", |s| {
                matches!(s, Seen::Ready { shard: s_id, .. } if *s_id == shard).then_some(())
            })
            .await;
    }
    let posted = fc
        .post_message(odd.id, MessageSpec::new("chat", "cy", "hello shard one"))
        .await
        .expect("post");
    let shard = bot
        .events
        .wait_for("the message", |s| match s {
            Seen::Message { id, shard, .. } if *id == posted.id.get() => Some(*shard),
            _ => None,
        })
        .await;
    assert_eq!(shard, 1);
    bot.events.drain();
    assert_eq!(
        bot.events
            .count(|s| matches!(s, Seen::GuildCreate { guild, .. } if *guild == odd.id.get())),
        1,
        "only shard 1 got the odd guild"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_payload_serenity_cannot_parse_is_refused() {
    let (_server, fc) = fakecord(Config::default()).await;
    let guild = fc.create_guild(squad()).await.expect("guild");
    let broken = RawDispatch {
        event: "MESSAGE_CREATE".into(),
        guild_id: Some(guild.id),
        data: json!({ "id": "1", "channel_id": guild.channel("general").expect("channel"), "content": "no author" }),
    };
    let err = fc
        .dispatch(&broken)
        .await
        .expect_err("serenity needs an author");
    assert_eq!(err.status(), Some(422));
    assert!(err.to_string().contains("author"), "{err}");
}

#[tokio::test]
async fn an_unknown_route_answers_404_and_is_recorded() {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc.create_guild(squad()).await.expect("guild");
    let bot = Bot::connect(&server, all_intents(), false).await;

    let err = bot
        .http
        .get_guild_webhooks(guild_id(guild.id))
        .await
        .expect_err("fakecord has no webhooks route");
    let serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(response)) = err
    else {
        panic!("expected an HTTP error, got {err:?}");
    };
    assert_eq!(response.status_code.as_u16(), 404);
    assert_eq!(response.error.message, "404: Not Found");
    assert_eq!(response.error.code, 0);

    let unexpected = fc.unexpected_requests().await.expect("log");
    assert_eq!(unexpected.len(), 1, "{unexpected:#?}");
    assert_eq!(
        unexpected[0].path,
        format!("/api/v10/guilds/{}/webhooks", guild.id)
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_file_the_bot_posts_is_kept() {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc.create_guild(squad()).await.expect("guild");
    let bot = Bot::connect(&server, all_intents(), false).await;
    let general = guild.channel("general").expect("channel");

    let sent = ChannelId::new(general.get())
        .send_message(
            &bot.http,
            CreateMessage::new()
                .content("your export")
                .add_file(CreateAttachment::bytes(
                    b"player,kills\nada,3\n".to_vec(),
                    "kills.csv",
                )),
        )
        .await
        .expect("serenity sends a multipart message");
    assert_eq!(sent.attachments.len(), 1);

    let posted = fc.bot_messages(general).await.expect("messages");
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0].content, "your export");
    let file = &posted[0].attachments[0];
    assert_eq!((file.filename.as_str(), file.size), ("kills.csv", 19));
    let bytes = fc.attachment(file.id).await.expect("bytes");
    assert_eq!(bytes, b"player,kills\nada,3\n");

    let requests = fc
        .requests(&RequestFilter {
            method: Some("POST".into()),
            path: Some("/messages".into()),
            ..RequestFilter::default()
        })
        .await
        .expect("log");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].files.len(), 1, "the upload is recorded");
    // The multipart `payload_json` is what gets validated. (serenity numbers new attachments
    // with integer ids, which Discord accepts but its published spec types as strings, so the
    // verdict itself depends on the spec's corrections.)
    let verdict = &requests[0].validation;
    assert!(
        verdict.starts_with("valid") || verdict.starts_with("invalid"),
        "{verdict}"
    );
    assert_eq!(
        requests[0].body.as_ref().and_then(|b| b.get("content")),
        Some(&json!("your export"))
    );
    bot.stop().await;
}

#[tokio::test]
async fn slash_commands_come_back_with_the_answer_or_a_clear_timeout() {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc.create_guild(squad()).await.expect("guild");
    let mut bot = Bot::connect(&server, all_intents(), false).await;
    bot.events
        .wait_for("READY", |s| matches!(s, Seen::Ready { .. }).then_some(()))
        .await;
    Command::set_global_commands(
        &bot.http,
        vec![
            CreateCommand::new("about").description("About the bot"),
            CreateCommand::new("later").description("Answers after deferring"),
            CreateCommand::new("silent").description("Never answers"),
        ],
    )
    .await
    .expect("commands registered");
    fc.wait_for_command("about", None, support::WAIT)
        .await
        .expect("registered");
    let registration = fc
        .requests(&RequestFilter {
            method: Some("PUT".into()),
            ..RequestFilter::default()
        })
        .await
        .expect("log");
    assert_eq!(registration.len(), 1);
    assert_eq!(registration[0].validation, "valid");

    let about = fc
        .invoke(guild.id, "ada", "about", vec![])
        .await
        .expect("an answer");
    assert_eq!(about.response_type, 4);
    assert_eq!(about.content, "trakker test bot, asked by ada");
    assert!(about.ephemeral);

    let later = fc
        .invoke(guild.id, "bob", "later", vec![])
        .await
        .expect("an answer");
    assert!(later.deferred);
    assert_eq!(later.content, "done later");

    let unknown_option = fc
        .invoke(
            guild.id,
            "ada",
            "about",
            vec![OptionSpec::new("verbose", true)],
        )
        .await
        .expect_err("/about has no options");
    assert_eq!(unknown_option.status(), Some(400));

    let silent = fc
        .invoke_with(
            fakecord::api::CommandInvocation::new(guild.id, "ada", "silent")
                .timeout(Duration::from_millis(500)),
        )
        .await
        .expect_err("the bot never answers");
    assert_eq!(silent.status(), Some(504));
    assert!(silent.to_string().contains("never called back"), "{silent}");
    bot.stop().await;
}

#[tokio::test]
async fn commands_for_a_guild_the_bot_is_not_in_answer_missing_access() {
    let (server, fc) = fakecord(Config::default()).await;
    let squad = fc.create_guild(squad()).await.expect("guild");
    let http = HttpBuilder::new(server.token())
        .proxy(server.base_url())
        .ratelimiter_disabled(true)
        .application_id(ApplicationId::new(Config::default().application_id.get()))
        .build();
    let about = || vec![CreateCommand::new("about").description("About the bot")];

    let error = GuildId::new(4242)
        .set_commands(&http, about())
        .await
        .expect_err("the bot is in no guild 4242");
    let serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) = error else {
        panic!("an HTTP refusal, got {error:?}");
    };
    assert_eq!(response.status_code.as_u16(), 403);
    assert_eq!(response.error.code, 50_001);
    assert_eq!(response.error.message, "Missing Access");

    guild_id(squad.id)
        .set_commands(&http, about())
        .await
        .expect("the bot's own guild takes commands");
    fc.wait_for_command("about", Some(squad.id), support::WAIT)
        .await
        .expect("registered in the guild");
}

#[tokio::test]
async fn unknown_snowflake_is_not_found() {
    let (_server, fc) = fakecord(Config::default()).await;
    let err = fc.guild(Snowflake(42)).await.expect_err("no such guild");
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn serenity_sees_the_afk_channel_and_chunks_a_large_guild() {
    let (server, fc) = fakecord(Config::default()).await;
    let refused = fc
        .create_guild(
            GuildSpec::new("Odd")
                .text_channel("general")
                .afk_channel("general"),
        )
        .await
        .expect_err("a text channel cannot be the AFK channel");
    assert_eq!(refused.status(), Some(400));
    let guild = fc
        .create_guild(
            GuildSpec::new("Big")
                .members(["ada"])
                .generated_members(1200)
                .text_channel("general")
                .voice_channel("Lobby")
                .voice_channel("AFK")
                .afk_channel("AFK")
                .afk_timeout(900),
        )
        .await
        .expect("guild");
    let mut bot = Bot::connect(&server, all_intents(), false).await;
    let (afk, listed) = bot
        .events
        .wait_for("GUILD_CREATE", |s| match s {
            Seen::GuildCreate {
                guild: g,
                afk_channel,
                members,
                ..
            } if *g == guild.id.get() => Some((*afk_channel, *members)),
            _ => None,
        })
        .await;
    assert_eq!(afk, Some(guild.channel("AFK").expect("AFK").get()));
    assert_eq!(
        listed, 1,
        "serenity's threshold is 250: only the bot is listed"
    );

    let shard = bot
        .shards
        .runners
        .lock()
        .await
        .get(&ShardId(0))
        .map(|runner| runner.runner_tx.clone())
        .expect("shard 0 runs");
    shard.chunk_guild(
        guild_id(guild.id),
        None,
        false,
        ChunkGuildFilter::None,
        Some("all".to_owned()),
    );
    let big = guild.id.get();
    bot.events
        .wait_for_count("two member chunks", 2, |s| {
            matches!(s, Seen::MembersChunk { guild, nonce: Some(n), count: 2, .. } if *guild == big && n == "all")
        })
        .await;
    let mut chunks: Vec<(u32, usize)> = bot
        .events
        .log
        .iter()
        .filter_map(|s| match s {
            Seen::MembersChunk { index, members, .. } => Some((*index, *members)),
            _ => None,
        })
        .collect();
    chunks.sort_unstable();
    assert_eq!(chunks, vec![(0, 1000), (1, 202)], "1200, ada and the bot");
    bot.stop().await;
}
