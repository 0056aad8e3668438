//! Community activity end to end, through fakecord: a scripted evening of a community whose
//! expected rollups the test works out from the script itself, then compares with the store;
//! and the paths where counts are usually lost — a crash mid-voice-session, SIGTERM during a
//! burst, a gateway resume that replays events.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use support::stored::StoredRows;

use fakecord::api::{
    AttachmentSpec, BulkKind, BulkSpec, GuildInfo, GuildSpec, InviteSpec, JoinSpec, MessageSpec,
    ReactionSpec, VoiceSpec,
};
use fakecord::Snowflake;
use support::activity::{recorded_events, stored_messages};
use support::bot::{eventually, Bot};
use support::db::{FreshPostgres, TempSqlite};
use trakker::config::DatabaseUrl;
use trakker::domain::ids::{GuildId, UserId};
use trakker::store::activity::JoinSource;
use trakker::store::Store;

/// How long counts may take to reach the store: a flush interval plus slack for a busy machine.
const SETTLE: Duration = Duration::from_secs(30);

/// One thing a member does during the evening.
enum Step {
    Post {
        user: &'static str,
        channel: &'static str,
        text: &'static str,
        attachment: bool,
        reply_to_last: bool,
        thread: Option<&'static str>,
    },
    React {
        user: &'static str,
        emoji: &'static str,
    },
    Unreact {
        user: &'static str,
        emoji: &'static str,
    },
    Voice {
        user: &'static str,
        channel: Option<&'static str>,
        self_mute: bool,
    },
    Invite {
        inviter: &'static str,
        code: &'static str,
    },
    JoinVia {
        user: &'static str,
        code: &'static str,
    },
    Leave {
        user: &'static str,
    },
}

/// What the store should hold once the evening is over, worked out from the script alone.
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    /// (channel, user) → (messages, with attachments, replies, in threads).
    messages: BTreeMap<(String, String), (u64, u64, u64, u64)>,
    /// (emoji, user) → (reactions added, removed, uses in message text).
    reactions: BTreeMap<(String, String), (u64, u64, u64)>,
    /// user → channels visited in order, and whether the last stay is still open.
    voice: BTreeMap<String, (Vec<String>, bool)>,
    /// joined user → (invite code, inviter), and whether they left.
    joins: BTreeMap<String, (String, String, bool)>,
}

fn expected_from(script: &[Step]) -> Expected {
    let mut expected = Expected::default();
    let mut codes: BTreeMap<&str, &str> = BTreeMap::new();
    for step in script {
        match step {
            Step::Post {
                user,
                channel,
                text,
                attachment,
                reply_to_last,
                thread,
            } => {
                for (emoji, count) in trakker::domain::activity::emojis_in(text) {
                    expected
                        .reactions
                        .entry((emoji, (*user).to_owned()))
                        .or_default()
                        .2 += count;
                }
                let row = expected
                    .messages
                    .entry(((*channel).to_owned(), (*user).to_owned()))
                    .or_default();
                row.0 += 1;
                row.1 += u64::from(*attachment);
                row.2 += u64::from(*reply_to_last);
                row.3 += u64::from(thread.is_some());
            }
            Step::React { user, emoji } => {
                expected
                    .reactions
                    .entry(((*emoji).to_owned(), (*user).to_owned()))
                    .or_default()
                    .0 += 1;
            }
            Step::Unreact { user, emoji } => {
                expected
                    .reactions
                    .entry(((*emoji).to_owned(), (*user).to_owned()))
                    .or_default()
                    .1 += 1;
            }
            Step::Voice { user, channel, .. } => {
                let (visits, open) = expected.voice.entry((*user).to_owned()).or_default();
                match channel {
                    Some(channel) if visits.last().is_none_or(|last| last != channel) || !*open => {
                        visits.push((*channel).to_owned());
                        *open = true;
                    }
                    Some(_) => {}
                    None => *open = false,
                }
            }
            Step::Invite { inviter, code } => {
                codes.insert(code, inviter);
            }
            Step::JoinVia { user, code } => {
                let inviter = codes.get(code).copied().unwrap_or_default();
                expected.joins.insert(
                    (*user).to_owned(),
                    ((*code).to_owned(), inviter.to_owned(), false),
                );
            }
            Step::Leave { user } => {
                if let Some(join) = expected.joins.get_mut(*user) {
                    join.2 = true;
                }
            }
        }
    }
    expected
}

#[expect(
    clippy::too_many_lines,
    reason = "the evening reads best as one script, one step per line group"
)]
fn evening() -> Vec<Step> {
    use Step::{Invite, JoinVia, Leave, Post, React, Unreact, Voice};
    let post = |user, channel| Post {
        user,
        channel,
        text: "gg",
        attachment: false,
        reply_to_last: false,
        thread: None,
    };
    vec![
        Voice {
            user: "ada",
            channel: Some("lounge"),
            self_mute: false,
        },
        post("ada", "general"),
        Post {
            user: "bob",
            channel: "general",
            text: "loot list attached 🔥🔥",
            attachment: true,
            reply_to_last: false,
            thread: None,
        },
        Voice {
            user: "bob",
            channel: Some("lounge"),
            self_mute: false,
        },
        Post {
            user: "cleo",
            channel: "general",
            text: "nice 👍",
            attachment: false,
            reply_to_last: true,
            thread: None,
        },
        React {
            user: "ada",
            emoji: "🔥",
        },
        React {
            user: "bob",
            emoji: "🔥",
        },
        React {
            user: "cleo",
            emoji: "👍",
        },
        Unreact {
            user: "bob",
            emoji: "🔥",
        },
        Voice {
            user: "ada",
            channel: Some("lounge"),
            self_mute: true,
        },
        post("ada", "lfg"),
        Post {
            user: "bob",
            channel: "lfg",
            text: "plan in the thread",
            attachment: false,
            reply_to_last: false,
            thread: Some("raid plans"),
        },
        Voice {
            user: "cleo",
            channel: Some("raid"),
            self_mute: false,
        },
        Voice {
            user: "bob",
            channel: Some("raid"),
            self_mute: false,
        },
        Invite {
            inviter: "ada",
            code: "adas-friends",
        },
        JoinVia {
            user: "dan",
            code: "adas-friends",
        },
        post("dan", "general"),
        Invite {
            inviter: "cleo",
            code: "cleos-crew",
        },
        JoinVia {
            user: "eve",
            code: "cleos-crew",
        },
        Leave { user: "eve" },
        Voice {
            user: "ada",
            channel: None,
            self_mute: false,
        },
        post("cleo", "general"),
        React {
            user: "dan",
            emoji: "🔥",
        },
    ]
}

/// Plays the script through fakecord, one step at a time, as the members would; returns the
/// name of every user id seen (members who left are no longer in the guild's list).
async fn play(
    bot: &Bot,
    guild: &GuildInfo,
    store: &dyn Store,
    script: &[Step],
) -> BTreeMap<u64, String> {
    let discord = &bot.discord;
    let mut names: BTreeMap<u64, String> = guild
        .members
        .iter()
        .map(|(name, id)| (id.0, name.clone()))
        .collect();
    let mut last_message: Option<Snowflake> = None;
    for step in script {
        match step {
            Step::Post {
                user,
                channel,
                text,
                attachment,
                reply_to_last,
                thread,
            } => {
                let mut spec = MessageSpec::new(*channel, *user, *text);
                if *attachment {
                    spec = spec.attach(AttachmentSpec::text("notes.txt", "loot"));
                }
                if *reply_to_last {
                    spec = spec.reply_to(last_message.expect("a message to reply to"));
                }
                if let Some(thread) = thread {
                    spec = spec.in_thread(*thread);
                }
                last_message = Some(
                    discord
                        .post_message(guild.id, spec)
                        .await
                        .expect("posted")
                        .id,
                );
            }
            Step::React { user, emoji } => {
                let message = last_message.expect("a message to react to");
                discord
                    .react(guild.id, ReactionSpec::new(message, *user, emoji))
                    .await
                    .expect("reacted");
            }
            Step::Unreact { user, emoji } => {
                let message = last_message.expect("a message");
                discord
                    .unreact(guild.id, ReactionSpec::new(message, *user, emoji))
                    .await
                    .expect("unreacted");
            }
            Step::Voice {
                user,
                channel,
                self_mute,
            } => {
                let mut spec = match channel {
                    Some(channel) => VoiceSpec::join(*user, *channel),
                    None => VoiceSpec::leave(*user),
                };
                spec.self_mute = Some(*self_mute);
                discord.voice(guild.id, spec).await.expect("voice changed");
                if channel.is_some() {
                    // The bot's handlers run side by side and each records the member's latest
                    // state, so a mute a few milliseconds after a join can fold into the join.
                    // People mute seconds after joining; the script waits until this state is
                    // recorded.
                    let id = guild.user(user).expect("a member of the script").0;
                    wait_for_mute(bot, store, guild, id, *self_mute).await;
                }
            }
            Step::Invite { inviter, code } => {
                let spec = InviteSpec {
                    channel: "general".into(),
                    inviter: Some((*inviter).into()),
                    code: Some((*code).to_owned()),
                    ..InviteSpec::default()
                };
                discord
                    .create_invite(guild.id, spec)
                    .await
                    .expect("invite created");
            }
            Step::JoinVia { user, code } => {
                let joined = discord
                    .join(guild.id, JoinSpec::new(*user).via_invite(*code))
                    .await
                    .expect("joined");
                names.insert(joined.user_id.0, joined.name);
                // Discord tells a bot only how often each invite was used, so joins through two
                // invites between two of its reads cannot be told apart by any bot. People join
                // seconds apart; the script waits until this join is recorded.
                wait_for_join(bot, store, guild, joined.user_id.0).await;
            }
            Step::Leave { user } => {
                discord.leave(guild.id, *user).await.expect("left");
            }
        }
    }
    names
}

/// Waits until the store has `user`'s join.
async fn wait_for_join(bot: &Bot, store: &dyn Store, guild: &GuildInfo, user: u64) {
    let recorded = eventually(SETTLE, || async {
        let joins = store.joins(GuildId(guild.id.0)).await.ok()?;
        joins
            .iter()
            .any(|join| join.user_id.0 == user)
            .then_some(())
    })
    .await;
    assert!(
        recorded.is_some(),
        "the join of {user} was recorded\n{}",
        bot.logs()
    );
}

/// Waits until the latest voice flags the store has for `user` say `self_mute`.
async fn wait_for_mute(
    bot: &Bot,
    store: &dyn Store,
    guild: &GuildInfo,
    user: u64,
    self_mute: bool,
) {
    let recorded = eventually(SETTLE, || async {
        let flags = store
            .voice_flag_history(
                GuildId(guild.id.0),
                trakker::domain::ids::UserId(user),
                chrono::DateTime::UNIX_EPOCH,
                chrono::Utc::now() + chrono::TimeDelta::minutes(1),
            )
            .await
            .ok()?;
        let (_, latest) = flags.last()?;
        (latest.self_mute == self_mute).then_some(())
    })
    .await;
    assert!(
        recorded.is_some(),
        "the voice state of {user} was recorded\n{}",
        bot.logs()
    );
}

/// What the store holds, in the shape of [`Expected`], with names for ids.
async fn observed(store: &dyn Store, guild: &GuildInfo, names: &BTreeMap<u64, String>) -> Expected {
    let id = GuildId(guild.id.0);
    let name_of_user = |user: u64| {
        names
            .get(&user)
            .cloned()
            .unwrap_or_else(|| user.to_string())
    };
    let name_of_channel = |channel: u64| {
        guild
            .channels
            .iter()
            .find(|(_, id)| id.0 == channel)
            .map_or_else(|| channel.to_string(), |(name, _)| name.clone())
    };
    let mut seen = Expected::default();
    for (key, counts) in store.message_rows(id).await.expect("message rows") {
        let row = seen
            .messages
            .entry((
                name_of_channel(key.channel_id.0),
                name_of_user(key.user_id.0),
            ))
            .or_default();
        row.0 += counts.messages;
        row.1 += counts.with_attachments;
        row.2 += counts.replies;
        row.3 += counts.in_threads;
    }
    for (key, counts) in store.emoji_rows(id).await.expect("emoji rows") {
        let row = seen
            .reactions
            .entry((key.emoji.clone(), name_of_user(key.user_id.0)))
            .or_default();
        row.0 += counts.reactions_added;
        row.1 += counts.reactions_removed;
        row.2 += counts.in_messages;
    }
    let now = chrono::Utc::now() + chrono::TimeDelta::minutes(1);
    let mut sessions = store
        .voice_sessions(id, None, chrono::DateTime::UNIX_EPOCH, now)
        .await
        .expect("voice sessions");
    sessions.sort_by_key(|session| (session.joined_at, session.id));
    for session in sessions {
        let (visits, open) = seen
            .voice
            .entry(name_of_user(session.user_id.0))
            .or_default();
        visits.push(name_of_channel(session.channel_id.0));
        *open = session.left_at.is_none();
    }
    for join in store.joins(id).await.expect("joins") {
        let JoinSource::Invite { code, inviter_id } = &join.source else {
            continue;
        };
        let inviter = inviter_id
            .map(|inviter| name_of_user(inviter.0))
            .unwrap_or_default();
        seen.joins.insert(
            name_of_user(join.user_id.0),
            (code.clone(), inviter, join.left_at.is_some()),
        );
    }
    seen
}

async fn a_scripted_evening_is_counted_exactly(database: &DatabaseUrl) {
    // Discord sends attachments and text only to bots with MESSAGE_CONTENT; the evening counts
    // both, so the operator has turned it on.
    let bot = Bot::start_with(database, &[("MESSAGE_CONTENT_INTENT", "true")]).await;
    let guild = bot
        .guild_from(
            GuildSpec::new("Night Owls")
                .members(["ada", "bob", "cleo"])
                .text_channel("general")
                .text_channel("lfg")
                .voice_channel("lounge")
                .voice_channel("raid"),
        )
        .await;
    let script = evening();
    let store = trakker::store::connect(database, false)
        .await
        .expect("open the bot's database");
    let names = play(&bot, &guild, store.as_ref(), &script).await;
    let mut expected = expected_from(&script);
    // The thread's messages count for its channel, marked as in a thread.
    assert!(expected
        .messages
        .contains_key(&("lfg".to_owned(), "bob".to_owned())));

    let seen = eventually(SETTLE, || async {
        let seen = observed(store.as_ref(), &guild, &names).await;
        (seen == expected).then_some(seen)
    })
    .await;
    if seen.is_none() {
        let last = observed(store.as_ref(), &guild, &names).await;
        expected.voice.retain(|_, _| true);
        panic!(
            "the store does not match the script\nexpected {expected:#?}\nobserved {last:#?}\n{}",
            bot.logs()
        );
    }
    // Ada muted herself in the lounge: the change is kept as it happened.
    let ada = guild.user("ada").expect("ada");
    let flags = store
        .voice_flag_history(
            GuildId(guild.id.0),
            trakker::domain::ids::UserId(ada.0),
            chrono::DateTime::UNIX_EPOCH,
            chrono::Utc::now() + chrono::TimeDelta::minutes(1),
        )
        .await
        .expect("flag history");
    let muted: Vec<bool> = flags.iter().map(|(_, flags)| flags.self_mute).collect();
    assert_eq!(muted, [false, true], "joined unmuted, then muted");
    store.close().await;
    bot.assert_discord_accepted_everything().await;
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

#[tokio::test]
async fn a_scripted_evening_is_counted_exactly_on_sqlite() {
    let database = TempSqlite::new();
    a_scripted_evening_is_counted_exactly(database.url()).await;
}

#[tokio::test]
async fn a_scripted_evening_is_counted_exactly_on_postgres() {
    let Some(database) = FreshPostgres::create().await else {
        return;
    };
    a_scripted_evening_is_counted_exactly(database.url()).await;
}

#[tokio::test]
async fn sigterm_during_a_burst_of_100000_events_loses_nothing_on_sqlite() {
    let database = TempSqlite::new();
    sigterm_during_a_burst_of_100000_events_loses_nothing(database.url()).await;
}

#[tokio::test]
async fn sigterm_during_a_burst_of_100000_events_loses_nothing_on_postgres() {
    let Some(database) = FreshPostgres::create().await else {
        return;
    };
    sigterm_during_a_burst_of_100000_events_loses_nothing(database.url()).await;
}

async fn sigterm_during_a_burst_of_100000_events_loses_nothing(database: &DatabaseUrl) {
    let bot = Bot::start(database).await;
    let guild = bot
        .guild_from(
            GuildSpec::new("Busy")
                .generated_members(200)
                .text_channel("general")
                .text_channel("memes"),
        )
        .await;
    let burst = tokio::spawn({
        let discord = bot.discord.clone();
        let guild = guild.id;
        async move {
            discord
                .bulk(&BulkSpec::new(BulkKind::MessageCreate, 100_000, guild))
                .await
        }
    });
    // SIGTERM once the first counts are written, while the burst is still arriving.
    let store = trakker::store::connect(database, false)
        .await
        .expect("open");
    let started = eventually(SETTLE, || async {
        let counted = stored_messages(store.as_ref(), guild.id).await;
        (counted > 0).then_some(counted)
    })
    .await
    .expect("counts reach the store during the burst");
    assert!(
        started < 100_000,
        "the burst is still going when SIGTERM arrives"
    );
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "SIGTERM ends with exit 0\n{logs}");
    burst.abort();
    let recorded = recorded_events(&logs);
    let counted = stored_messages(store.as_ref(), guild.id).await;
    store.close().await;
    assert!(
        recorded > started,
        "events arrived after the first flush: {recorded} vs {started}"
    );
    assert_eq!(
        counted, recorded,
        "every event the bot took in is in the store\n{logs}"
    );
}

#[tokio::test]
async fn a_crash_mid_voice_session_is_reconciled_against_the_last_heartbeat() {
    let database = TempSqlite::new();
    let mut bot = Bot::start(database.url()).await;
    let guild = bot
        .guild_from(
            GuildSpec::new("Crashers")
                .members(["ada", "bob"])
                .text_channel("general")
                .voice_channel("lounge"),
        )
        .await;
    let id = GuildId(guild.id.0);
    for member in ["ada", "bob"] {
        let joined = VoiceSpec::join(member, "lounge");
        bot.discord
            .voice(guild.id, joined)
            .await
            .expect("joins voice");
    }
    let store = trakker::store::connect(database.url(), false)
        .await
        .expect("open");
    eventually(SETTLE, || async {
        let open = store.open_voice_sessions(id).await.ok()?;
        (open.len() == 2).then_some(())
    })
    .await
    .expect("both sessions are open");

    // The bot dies mid-session; Bob leaves while it is down; it comes back a little later.
    bot.crash().await;
    let heartbeat = store
        .last_heartbeat(0)
        .await
        .expect("read")
        .expect("the shard wrote a heartbeat before dying");
    bot.discord
        .voice(guild.id, VoiceSpec::leave("bob"))
        .await
        .expect("bob leaves");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let restarted_at = chrono::Utc::now();
    bot.relaunch().await;

    let ada = trakker::domain::ids::UserId(guild.user("ada").expect("ada").0);
    let bob = trakker::domain::ids::UserId(guild.user("bob").expect("bob").0);
    let sessions = eventually(SETTLE, || async {
        let sessions = store
            .voice_sessions(id, None, chrono::DateTime::UNIX_EPOCH, chrono::Utc::now())
            .await
            .ok()?;
        (sessions.len() == 3).then_some(sessions)
    })
    .await
    .unwrap_or_else(|| panic!("the restart reconciled voice\n{}", bot.logs()));
    let of = |user| {
        sessions
            .iter()
            .filter(move |session| session.user_id == user)
    };
    let bobs: Vec<_> = of(bob).collect();
    assert_eq!(bobs.len(), 1);
    assert_eq!(
        bobs[0].left_at,
        Some(heartbeat),
        "closed at the last heartbeat, not at restart"
    );
    let adas: Vec<_> = of(ada).collect();
    assert_eq!(
        adas.len(),
        2,
        "ada's stay is cut at the crash and resumed after it"
    );
    assert_eq!(
        adas[0].left_at,
        Some(heartbeat),
        "the downtime is not counted"
    );
    assert!(adas[1].left_at.is_none(), "ada is still in voice");
    assert!(
        adas[1].joined_at >= restarted_at,
        "her new session starts after the restart"
    );
    assert!(store.open_voice_sessions(id).await.expect("open").len() == 1);

    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
    store.close().await;
}

#[tokio::test]
#[expect(
    clippy::too_many_lines,
    reason = "one evening read back through four commands reads best as one scenario"
)]
async fn top_me_user_and_config_status_read_the_activity_back() {
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot
        .guild_from(
            GuildSpec::new("Readers")
                .members(["ada", "bob"])
                .text_channel("general")
                .voice_channel("lounge"),
        )
        .await;
    for (user, text) in [("ada", "gg"), ("ada", "gg"), ("ada", "gg"), ("bob", "gg")] {
        let message = MessageSpec::new("general", user, text);
        bot.discord
            .post_message(guild.id, message)
            .await
            .expect("posted");
    }
    for member in ["ada", "bob"] {
        let joined = VoiceSpec::join(member, "lounge");
        bot.discord
            .voice(guild.id, joined)
            .await
            .expect("joins voice");
    }
    let store = trakker::store::connect(database.url(), false)
        .await
        .expect("open");
    eventually(SETTLE, || async {
        (stored_messages(store.as_ref(), guild.id).await == 4).then_some(())
    })
    .await
    .expect("the messages are counted");
    store.close().await;
    let ask =
        |user: &'static str, command: &'static str, options: Vec<fakecord::api::OptionSpec>| {
            let invocation = fakecord::api::CommandInvocation::new(guild.id, user, command)
                .options(options)
                .timeout(SETTLE);
            bot.discord.invoke_with(invocation)
        };
    let metric = |index: i64| vec![fakecord::api::OptionSpec::new("metric", index)];

    let top = ask("bob", "top", metric(0)).await.expect("/top answers");
    let text = top.embeds[0].to_string();
    let (ada, bob) = (
        guild.user("ada").expect("ada"),
        guild.user("bob").expect("bob"),
    );
    assert!(
        text.contains(&format!("`1.` <@{ada}> — 3 messages")),
        "{text}"
    );
    assert!(text.contains("You are #2 with 1 message."), "{text}");

    let me = ask("ada", "me", Vec::new()).await.expect("/me answers");
    let text = me.embeds[0].to_string();
    assert!(
        text.contains("\"Messages\"") && text.contains("\"3\""),
        "{text}"
    );
    assert!(
        text.contains(&format!("<@{bob}>")),
        "bob is her voice companion: {text}"
    );

    let user = ask(
        "ada",
        "user",
        vec![fakecord::api::OptionSpec::new("member", bob.to_string())],
    )
    .await
    .expect("/user answers");
    assert!(
        user.embeds[0].to_string().contains(&format!("<@{ada}>")),
        "{:?}",
        user.embeds
    );

    let general = guild.channel("general").expect("general");
    let refused = ask(
        "ada",
        "top",
        vec![
            fakecord::api::OptionSpec::new("metric", 2),
            fakecord::api::OptionSpec::new("channel", general.to_string()),
        ],
    )
    .await
    .expect("/top answers");
    assert!(
        refused.ephemeral,
        "a channel does not narrow emojis: {}",
        refused.content
    );

    // Privacy: Bob hides, Ada opts out; each takes effect at once.
    let hidden = ask("bob", "privacy hide", Vec::new())
        .await
        .expect("/privacy hide answers");
    assert!(
        hidden.ephemeral && hidden.content.starts_with("Done"),
        "{}",
        hidden.content
    );
    let top = ask("ada", "top", metric(0)).await.expect("/top answers");
    let text = top.embeds[0].to_string();
    assert!(
        !text.contains(&format!("<@{bob}>")),
        "a hidden member is not ranked: {text}"
    );
    assert!(text.contains(&format!("<@{ada}>")), "{text}");
    let me = ask("ada", "me", Vec::new()).await.expect("/me answers");
    assert!(
        !me.embeds[0].to_string().contains(&format!("<@{bob}>")),
        "a hidden member is nobody's companion: {:?}",
        me.embeds
    );
    let refused = ask(
        "ada",
        "user",
        vec![fakecord::api::OptionSpec::new("member", bob.to_string())],
    )
    .await
    .expect("/user answers");
    assert!(
        refused.ephemeral && refused.content.contains("chose not to be shown"),
        "{}",
        refused.content
    );
    let own = ask("bob", "privacy show", Vec::new())
        .await
        .expect("/privacy show answers");
    let text = own.embeds[0].to_string();
    assert!(own.ephemeral, "{text}");
    assert!(text.contains("**Shown to others:** no"), "{text}");
    assert!(text.contains("1 hours with messages"), "{text}");
    assert!(text.contains("1 stays in voice channels"), "{text}");

    let opted_out = ask("ada", "privacy opt-out", Vec::new())
        .await
        .expect("/privacy opt-out answers");
    assert!(
        opted_out.ephemeral && opted_out.content.starts_with("Done"),
        "{}",
        opted_out.content
    );
    for user in ["ada", "bob"] {
        let message = MessageSpec::new("general", user, "still here");
        bot.discord
            .post_message(guild.id, message)
            .await
            .expect("posted");
    }
    let store = trakker::store::connect(database.url(), false)
        .await
        .expect("open");
    eventually(SETTLE, || async {
        (stored_messages(store.as_ref(), guild.id).await == 5).then_some(())
    })
    .await
    .expect("bob's message is counted");
    let ada_id = UserId(ada.0);
    let ada_stays = store
        .voice_sessions(
            GuildId(guild.id.0),
            Some(ada_id),
            DateTime::UNIX_EPOCH,
            Utc::now(),
        )
        .await
        .expect("ada's stays");
    assert!(
        ada_stays.iter().all(|stay| stay.left_at.is_some()),
        "her stay ended when she opted out: {ada_stays:?}"
    );
    // One more flush interval: her message never arrives.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(stored_messages(store.as_ref(), guild.id).await, 5);
    // Back in: her next message counts again.
    let opted_in = ask("ada", "privacy opt-in", Vec::new())
        .await
        .expect("/privacy opt-in answers");
    assert!(
        opted_in.ephemeral && opted_in.content.starts_with("Done"),
        "{}",
        opted_in.content
    );
    bot.discord
        .post_message(guild.id, MessageSpec::new("general", "ada", "back again"))
        .await
        .expect("posted");
    eventually(SETTLE, || async {
        (stored_messages(store.as_ref(), guild.id).await == 6).then_some(())
    })
    .await
    .expect("ada's message after opting in is counted");
    store.close().await;

    // Bob takes his data away: one JSON file, to him alone.
    let export = ask("bob", "privacy export", Vec::new())
        .await
        .expect("/privacy export answers");
    assert!(export.ephemeral, "{}", export.content);
    let file = format!("trakker-{}-{bob}.json", guild.id);
    let attachment = export
        .attachments
        .iter()
        .find(|attachment| attachment.filename == file)
        .unwrap_or_else(|| panic!("{file} is attached: {:?}", export.attachments));
    let bytes = bot
        .discord
        .attachment(attachment.id)
        .await
        .expect("the file's bytes");
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(json["user_id"], bob.to_string());
    assert_eq!(json["hidden"], true);
    let messages: i64 = json["message_hours"]
        .as_array()
        .expect("message hours")
        .iter()
        .map(|row| row["messages"].as_i64().expect("a count"))
        .sum();
    assert_eq!(messages, 2, "his two messages: {json}");
    assert_eq!(
        json["voice_stays"].as_array().map(Vec::len),
        Some(1),
        "{json}"
    );

    let status = bot
        .discord
        .invoke_with(
            fakecord::api::CommandInvocation::new(guild.id, "ada", "config status")
                .permissions(fakecord::api::PermissionSet::all())
                .timeout(SETTLE),
        )
        .await
        .expect("/config status answers");
    let text = status.embeds[0].to_string();
    assert!(status.ephemeral);
    assert!(text.contains("Emojis inside messages — off"), "{text}");
    assert!(text.contains("Time per game played — off"), "{text}");
    bot.assert_discord_accepted_everything().await;
    let (exit, logs) = bot.stop().await;
    assert!(exit.success(), "{logs}");
}

#[tokio::test]
async fn time_per_game_is_recorded_when_the_operator_enables_presences() {
    let database = TempSqlite::new();
    let bot = Bot::start_with(database.url(), &[("PRESENCE_INTENT", "true")]).await;
    let guild = bot.guild("Gamers", &["ada"]).await;
    let playing = |games: &[&str]| fakecord::api::PresenceSpec {
        user: "ada".into(),
        status: "online".to_owned(),
        activities: games
            .iter()
            .map(|game| serde_json::json!({"name": game, "type": 0}))
            .collect(),
    };
    for games in [&["Hunt: Showdown"][..], &["Hunt: Showdown"], &[]] {
        bot.discord
            .set_presence(guild.id, playing(games))
            .await
            .expect("presence");
        // Presences change seconds apart in life. The bot applies a member's latest presence, so
        // updates sent faster than it handles them rightly collapse into the last one.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let store = trakker::store::connect(database.url(), false)
        .await
        .expect("open");
    let ada = trakker::domain::ids::UserId(guild.user("ada").expect("ada").0);
    let sessions = eventually(SETTLE, || async {
        let sessions = store
            .activity_sessions(
                GuildId(guild.id.0),
                Some(ada),
                chrono::DateTime::UNIX_EPOCH,
                chrono::Utc::now(),
            )
            .await
            .ok()?;
        sessions
            .first()
            .is_some_and(|s| s.ended_at.is_some())
            .then_some(sessions)
    })
    .await
    .unwrap_or_else(|| panic!("the game session was recorded\n{}", bot.logs()));
    assert_eq!(sessions.len(), 1, "playing on is one session: {sessions:?}");
    assert_eq!(sessions[0].game, "Hunt: Showdown");
    assert!(sessions[0].ended_at > Some(sessions[0].started_at));

    // Forty changes at once, handled by as many concurrent tasks: whatever order they run in,
    // what is open at the end is what Ada plays last.
    let choices: [&[&str]; 4] = [&["Tarkov"], &[], &["PUBG", "Tarkov"], &["PUBG"]];
    for n in 0..40 {
        bot.discord
            .set_presence(guild.id, playing(choices[n % choices.len()]))
            .await
            .expect("presence");
    }
    bot.discord
        .set_presence(guild.id, playing(&["Apex Legends"]))
        .await
        .expect("presence");
    let open_games = || async {
        let mut open: Vec<String> = store
            .activity_sessions(
                GuildId(guild.id.0),
                Some(ada),
                chrono::DateTime::UNIX_EPOCH,
                chrono::Utc::now() + chrono::Duration::hours(1),
            )
            .await
            .expect("sessions")
            .into_iter()
            .filter(|session| session.ended_at.is_none())
            .map(|session| session.game)
            .collect();
        open.sort();
        open
    };
    let settled = eventually(SETTLE, || async {
        let open = open_games().await;
        (open == ["Apex Legends"]).then_some(open)
    })
    .await;
    assert!(
        settled.is_some(),
        "only the last game is open: {:?}",
        open_games().await
    );
    // Handlers still running would change it: it stays.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(open_games().await, ["Apex Legends"]);
    store.close().await;
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}

#[tokio::test]
async fn rapid_voice_moves_end_in_the_true_state_whatever_order_handlers_run_in() {
    let database = TempSqlite::new();
    let bot = Bot::start(database.url()).await;
    let guild = bot
        .guild_from(
            GuildSpec::new("Hoppers")
                .members(["ada"])
                .text_channel("general")
                .voice_channel("lounge")
                .voice_channel("raid"),
        )
        .await;
    // serenity runs each event's handler as its own task, so these may be handled out of order.
    for _ in 0..20 {
        for step in [
            VoiceSpec::join("ada", "lounge"),
            VoiceSpec::join("ada", "raid"),
            VoiceSpec::leave("ada"),
        ] {
            bot.discord.voice(guild.id, step).await.expect("voice");
        }
    }
    bot.discord
        .voice(guild.id, VoiceSpec::join("ada", "raid"))
        .await
        .expect("voice");
    let store = trakker::store::connect(database.url(), false)
        .await
        .expect("open");
    let id = GuildId(guild.id.0);
    let raid = guild.channel("raid").expect("raid");
    let settled = eventually(SETTLE, || async {
        let open = store.open_voice_sessions(id).await.ok()?;
        (open.len() == 1 && open[0].channel_id.0 == raid.0).then_some(())
    })
    .await;
    let sessions = store
        .voice_sessions(
            id,
            None,
            chrono::DateTime::UNIX_EPOCH,
            chrono::Utc::now() + chrono::TimeDelta::minutes(1),
        )
        .await
        .expect("sessions");
    assert!(
        settled.is_some(),
        "ada ends in the raid channel: {sessions:#?}"
    );
    assert!(
        sessions
            .iter()
            .all(|s| s.left_at.is_none_or(|left| left >= s.joined_at)),
        "no stay ends before it starts"
    );
    store.close().await;
    let (status, logs) = bot.stop().await;
    assert!(status.success(), "{logs}");
}
