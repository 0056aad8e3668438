//! Big guilds over the raw gateway: `large_threshold` shapes `GUILD_CREATE`.

use std::collections::HashSet;

use fakecord::api::{GuildInfo, GuildSpec, PresenceSpec, VoiceSpec};
use fakecord::{Config, Fakecord, RunningServer};
use serde_json::{json, Value};

use crate::raw::{self, identify_payload, next_dispatch, open, send, Socket};
use crate::support::fakecord;

const GUILD_PRESENCES: u64 = 1 << 8;
const GUILD_VOICE_STATES: u64 = 1 << 7;

/// "Big": ada in voice, bob online, and `generated` more members.
async fn big_guild(generated: u32) -> (RunningServer, Fakecord, GuildInfo) {
    let (server, fc) = fakecord(Config::default()).await;
    let guild = fc
        .create_guild(
            GuildSpec::new("Big")
                .members(["ada", "bob"])
                .generated_members(generated)
                .text_channel("general")
                .voice_channel("Lobby"),
        )
        .await
        .expect("guild");
    fc.voice(guild.id, VoiceSpec::join("ada", "Lobby"))
        .await
        .expect("ada joins voice");
    let online = PresenceSpec {
        user: "bob".into(),
        status: "online".into(),
        activities: Vec::new(),
    };
    fc.set_presence(guild.id, online).await.expect("bob online");
    (server, fc, guild)
}

/// A session identified with `intents` and, when given, `large_threshold`; returns the socket
/// and the guild's `GUILD_CREATE`.
async fn session(
    server: &RunningServer,
    intents: u64,
    large_threshold: Option<u64>,
) -> (Socket, Value) {
    let mut socket = open(server.gateway_url()).await;
    let mut d = identify_payload(server.token(), intents);
    if let Some(threshold) = large_threshold {
        d["large_threshold"] = json!(threshold);
    }
    send(&mut socket, 2, d).await;
    let created = next_dispatch(&mut socket, "GUILD_CREATE").await;
    (socket, created)
}

fn usernames(members: &Value) -> HashSet<String> {
    members
        .as_array()
        .expect("a member list")
        .iter()
        .map(|m| {
            m["user"]["username"]
                .as_str()
                .expect("a username")
                .to_owned()
        })
        .collect()
}

fn names(list: &[&str]) -> HashSet<String> {
    list.iter().map(|n| (*n).to_owned()).collect()
}

#[tokio::test]
async fn a_large_guild_arrives_with_the_bot_members_in_voice_and_members_online() {
    let (server, fc, _guild) = big_guild(2500).await;
    let intents = raw::GUILDS_AND_MEMBERS | GUILD_VOICE_STATES | GUILD_PRESENCES;
    let (_socket, created) = session(&server, intents, Some(250)).await;
    assert_eq!(created["large"], true);
    assert_eq!(created["member_count"], 2503, "2500, ada, bob and the bot");
    assert_eq!(
        usernames(&created["members"]),
        names(&["trakker", "ada", "bob"]),
        "the bot, ada in voice and bob online"
    );
    assert_eq!(created["presences"].as_array().map(Vec::len), Some(1));
    let status = fc.status().await.expect("status");
    assert_eq!(status.sessions[0].large_threshold, 250);
}

#[tokio::test]
async fn the_default_threshold_is_50() {
    let (server, _fc, _guild) = big_guild(100).await;
    let (_socket, created) = session(&server, 1, None).await;
    assert_eq!(
        created["large"], true,
        "102 members are above the default threshold of 50"
    );
    assert_eq!(created["member_count"], 103);
    assert_eq!(
        usernames(&created["members"]),
        names(&["trakker", "ada"]),
        "the bot and ada in voice"
    );
}

#[tokio::test]
async fn a_guild_at_or_below_the_threshold_lists_every_member() {
    let (server, _fc, _guild) = big_guild(97).await;
    let (_socket, created) = session(&server, raw::GUILDS_AND_MEMBERS, Some(100)).await;
    assert_eq!(
        (&created["large"], &created["member_count"]),
        (&json!(false), &json!(100))
    );
    assert_eq!(created["members"].as_array().map(Vec::len), Some(100));

    // A threshold above Discord's 250 is held to it; 300 members are then large.
    let (server, _fc, _guild) = big_guild(297).await;
    let (_socket, created) = session(&server, raw::GUILDS_AND_MEMBERS, Some(1000)).await;
    assert_eq!(created["large"], true);
}
