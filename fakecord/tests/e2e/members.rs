//! Big guilds over the raw gateway: `large_threshold` shapes `GUILD_CREATE`, and Request Guild
//! Members (op 8) brings the rest of the member list in `GUILD_MEMBERS_CHUNK` dispatches.

use std::collections::HashSet;

use fakecord::api::{GuildInfo, GuildSpec, PresenceSpec, VoiceSpec};
use fakecord::{Config, Fakecord, RunningServer};
use serde_json::{json, Value};

use crate::raw::{self, identify_payload, next_dispatch, next_json, open, send, Socket};
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
async fn a_large_guild_arrives_with_few_members_and_the_rest_come_in_chunks() {
    let (server, fc, guild) = big_guild(2500).await;
    let intents = raw::GUILDS_AND_MEMBERS | GUILD_VOICE_STATES | GUILD_PRESENCES;
    let (mut socket, created) = session(&server, intents, Some(250)).await;
    assert_eq!(created["large"], true);
    assert_eq!(created["member_count"], 2503, "2500, ada, bob and the bot");
    assert_eq!(
        usernames(&created["members"]),
        names(&["trakker", "ada", "bob"]),
        "the bot, ada in voice and bob online"
    );
    assert_eq!(created["presences"].as_array().map(Vec::len), Some(1));

    send(
        &mut socket,
        8,
        json!({"guild_id": guild.id, "query": "", "limit": 0, "nonce": "everyone"}),
    )
    .await;
    let mut everyone = HashSet::new();
    for index in 0..3 {
        let chunk = next_dispatch(&mut socket, "GUILD_MEMBERS_CHUNK").await;
        assert_eq!(
            (
                &chunk["chunk_index"],
                &chunk["chunk_count"],
                &chunk["nonce"]
            ),
            (&json!(index), &json!(3), &json!("everyone"))
        );
        let members = chunk["members"].as_array().expect("members");
        assert!(members.len() <= 1000);
        everyone.extend(usernames(&chunk["members"]));
    }
    assert_eq!(everyone.len(), 2503, "every member exactly once");

    let bob = guild.user("bob").expect("bob");
    send(
        &mut socket,
        8,
        json!({"guild_id": guild.id, "user_ids": [bob, "42"], "presences": true}),
    )
    .await;
    let chunk = next_dispatch(&mut socket, "GUILD_MEMBERS_CHUNK").await;
    assert_eq!(usernames(&chunk["members"]), names(&["bob"]));
    assert_eq!(chunk["not_found"], json!(["42"]));
    assert_eq!(chunk["presences"][0]["status"], "online");
    assert!(chunk.get("nonce").is_none(), "no nonce asked, none echoed");

    send(
        &mut socket,
        8,
        json!({"guild_id": guild.id, "query": "member-12", "limit": 5}),
    )
    .await;
    let chunk = next_dispatch(&mut socket, "GUILD_MEMBERS_CHUNK").await;
    let found = usernames(&chunk["members"]);
    assert_eq!(found.len(), 5);
    assert!(
        found.iter().all(|n| n.starts_with("member-12")),
        "{found:?}"
    );

    let status = fc.status().await.expect("status");
    assert_eq!(status.sessions[0].large_threshold, 250);
}

#[tokio::test]
async fn without_guild_members_the_whole_list_gets_no_answer() {
    let (server, _fc, guild) = big_guild(100).await;
    let (mut socket, created) = session(&server, 1, None).await;
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

    send(
        &mut socket,
        8,
        json!({"guild_id": guild.id, "query": "", "limit": 0}),
    )
    .await;
    // Frames keep their order: had fakecord answered, the chunk would come before the ACK.
    send(&mut socket, 1, json!(null)).await;
    assert_eq!(next_json(&mut socket).await["op"], 11);

    send(
        &mut socket,
        8,
        json!({"guild_id": guild.id, "query": "ad", "limit": 1}),
    )
    .await;
    let chunk = next_dispatch(&mut socket, "GUILD_MEMBERS_CHUNK").await;
    assert_eq!(
        usernames(&chunk["members"]),
        names(&["ada"]),
        "a prefix needs no intent"
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

#[tokio::test]
async fn a_request_without_query_or_user_ids_closes_with_4002() {
    let (server, _fc, guild) = big_guild(3).await;
    let (mut socket, _) = session(&server, raw::GUILDS_AND_MEMBERS, None).await;
    send(&mut socket, 8, json!({"guild_id": guild.id})).await;
    assert_eq!(raw::close_code(&mut socket).await, 4002);
}
