//! Request Guild Members (op 8): which members a request selects under Discord's documented
//! rules, and the `GUILD_MEMBERS_CHUNK` dispatches that answer it.
//!
//! The rules, from Discord's gateway documentation:
//!
//! - an empty `query` asks for the whole member list and needs `GUILD_MEMBERS`; without it
//!   Discord sends nothing at all. `limit` 0 means every member, another limit at most that
//!   many;
//! - a non-empty `query` is a prefix of the username (fakecord also matches nicknames, as
//!   Discord's search does, ignoring case) and returns at most 100 members;
//! - `user_ids` returns at most 100 members; ids that are no member come back in `not_found`;
//! - presences come only when asked for and the session has `GUILD_PRESENCES`;
//! - a `nonce` of up to 32 bytes is echoed in every chunk; a longer one is dropped;
//! - answers come 1000 members per chunk, each with `chunk_index` and `chunk_count`, and at
//!   least one chunk even when nothing matched.

use serde::Deserialize;
use serde_json::{json, Map, Value};
use serenity::model::gateway::GatewayIntents;

use super::shard_of;
use crate::snowflake::Snowflake;
use crate::wire;
use crate::world::{Guild, Member, World};

/// Members per `GUILD_MEMBERS_CHUNK`.
const CHUNK_SIZE: usize = 1000;

/// The most members a `query` prefix or a `user_ids` list returns.
const SEARCH_LIMIT: usize = 100;

/// The longest nonce Discord echoes, in bytes.
const MAX_NONCE_BYTES: usize = 32;

/// The `d` of op 8.
#[derive(Debug, Deserialize)]
pub(crate) struct MembersRequest {
    pub guild_id: Snowflake,
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    limit: Option<u64>,
    #[serde(default)]
    presences: bool,
    #[serde(default)]
    user_ids: Option<UserIds>,
    #[serde(default)]
    nonce: Option<String>,
}

/// `user_ids`: one snowflake or a list, as Discord accepts both.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum UserIds {
    One(Snowflake),
    Many(Vec<Snowflake>),
}

impl UserIds {
    fn as_slice(&self) -> &[Snowflake] {
        match self {
            Self::One(id) => std::slice::from_ref(id),
            Self::Many(ids) => ids,
        }
    }
}

/// Why a request gets no chunks.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Unanswered {
    /// Discord answers with nothing (an unknown guild or one on another shard, or the whole
    /// member list without `GUILD_MEMBERS`); the text says why, for fakecord's log.
    Ignored(String),
    /// The request is not one Discord can read: the connection closes with 4002.
    Malformed(String),
}

/// What a request selected.
struct Selection<'a> {
    members: Vec<&'a Member>,
    not_found: Option<Vec<Snowflake>>,
}

/// The `GUILD_MEMBERS_CHUNK` payloads answering `request` for a session of `shard` with
/// `intents`.
pub(crate) fn answer(
    world: &World,
    request: &MembersRequest,
    shard: [u32; 2],
    intents: GatewayIntents,
) -> Result<Vec<Value>, Unanswered> {
    let guild = world
        .guilds
        .get(&request.guild_id)
        .filter(|g| shard_of(g.id, shard[1]) == shard[0])
        .ok_or_else(|| {
            Unanswered::Ignored(format!(
                "guild {} is not a guild of shard {shard:?}",
                request.guild_id
            ))
        })?;
    let selection = select(world, guild, request, intents)?;
    let with_presences = request.presences && intents.contains(GatewayIntents::GUILD_PRESENCES);
    let nonce = request
        .nonce
        .as_deref()
        .filter(|n| n.len() <= MAX_NONCE_BYTES);
    let pieces: Vec<&[&Member]> = if selection.members.is_empty() {
        vec![&[]]
    } else {
        selection.members.chunks(CHUNK_SIZE).collect()
    };
    let count = pieces.len();
    Ok(pieces
        .into_iter()
        .enumerate()
        .map(|(index, members)| {
            let mut chunk = Map::new();
            chunk.insert("guild_id".into(), json!(guild.id));
            chunk.insert(
                "members".into(),
                members
                    .iter()
                    .map(|m| wire::member(world, m, true))
                    .collect(),
            );
            chunk.insert("chunk_index".into(), json!(index));
            chunk.insert("chunk_count".into(), json!(count));
            if let Some(not_found) = &selection.not_found {
                chunk.insert("not_found".into(), json!(not_found));
            }
            if with_presences {
                let presences: Vec<Value> = members
                    .iter()
                    .filter_map(|m| guild.presences.get(&m.user_id))
                    .filter(|p| p.is_online())
                    .map(|p| wire::presence(guild, p))
                    .collect();
                chunk.insert("presences".into(), Value::Array(presences));
            }
            if let Some(nonce) = nonce {
                chunk.insert("nonce".into(), json!(nonce));
            }
            Value::Object(chunk)
        })
        .collect())
}

/// The members `request` asks for, in user id order.
fn select<'a>(
    world: &World,
    guild: &'a Guild,
    request: &MembersRequest,
    intents: GatewayIntents,
) -> Result<Selection<'a>, Unanswered> {
    if let Some(ids) = &request.user_ids {
        let ids = ids.as_slice();
        let asked = &ids[..ids.len().min(SEARCH_LIMIT)];
        let members = asked
            .iter()
            .filter_map(|id| guild.members.get(id))
            .collect();
        let not_found = asked
            .iter()
            .filter(|id| !guild.members.contains_key(id))
            .copied()
            .collect();
        return Ok(Selection {
            members,
            not_found: Some(not_found),
        });
    }
    let Some(query) = &request.query else {
        return Err(Unanswered::Malformed(
            "it needs `query` or `user_ids`".to_owned(),
        ));
    };
    let limit = usize::try_from(request.limit.unwrap_or(0)).unwrap_or(usize::MAX);
    let members: Vec<&Member> = if query.is_empty() {
        if !intents.contains(GatewayIntents::GUILD_MEMBERS) {
            return Err(Unanswered::Ignored(
                "the whole member list (an empty query) needs the GUILD_MEMBERS intent".to_owned(),
            ));
        }
        let all = guild.members.values();
        if limit == 0 {
            all.collect()
        } else {
            all.take(limit).collect()
        }
    } else {
        let limit = if limit == 0 {
            SEARCH_LIMIT
        } else {
            limit.min(SEARCH_LIMIT)
        };
        let prefix = query.to_lowercase();
        let starts = |name: &str| name.to_lowercase().starts_with(&prefix);
        guild
            .members
            .values()
            .filter(|m| {
                m.nick.as_deref().is_some_and(starts)
                    || world
                        .users
                        .get(&m.user_id)
                        .is_some_and(|u| starts(&u.username))
            })
            .take(limit)
            .collect()
    };
    Ok(Selection {
        members,
        not_found: None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::api::{GuildSpec, MemberSpec};
    use crate::gateway::check;
    use crate::snowflake::Snowflakes;
    use crate::world::Presence;

    const EVERYTHING: [u32; 2] = [0, 1];

    /// A guild of `generated` members plus ada (nicknamed "Captain") and the bot.
    fn guild(generated: u32) -> (World, Snowflake) {
        let ids = Snowflakes::new();
        let mut world = World::new(Snowflake(1), "trakker", "app-owner", Snowflake(2));
        let mut ada = MemberSpec::new("ada");
        ada.nick = Some("Captain".to_owned());
        let id = world
            .create_guild(
                &GuildSpec::new("Squad")
                    .member(ada)
                    .generated_members(generated),
                &ids,
            )
            .expect("guild");
        (world, id)
    }

    fn request(d: Value) -> MembersRequest {
        serde_json::from_value(d).expect("a request")
    }

    fn member_count(chunks: &[Value]) -> usize {
        chunks
            .iter()
            .map(|c| c["members"].as_array().map_or(0, Vec::len))
            .sum()
    }

    #[test]
    fn the_whole_list_comes_in_chunks_of_a_thousand() {
        let (world, id) = guild(2500);
        let chunks = answer(
            &world,
            &request(json!({"guild_id": id, "query": "", "limit": 0, "nonce": "all"})),
            EVERYTHING,
            GatewayIntents::all(),
        )
        .expect("answered");
        assert_eq!(chunks.len(), 3);
        for (index, chunk) in chunks.iter().enumerate() {
            assert_eq!(chunk["chunk_index"], index);
            assert_eq!(chunk["chunk_count"], 3);
            assert_eq!(chunk["nonce"], "all");
            assert!(chunk.get("not_found").is_none());
            assert!(
                chunk.get("presences").is_none(),
                "presences were not asked for"
            );
            check::verify("GUILD_MEMBERS_CHUNK", chunk).expect("serenity reads it");
        }
        assert_eq!(chunks[0]["members"].as_array().map(Vec::len), Some(1000));
        assert_eq!(member_count(&chunks), 2502, "2500, ada and the bot");
    }

    #[test]
    fn the_whole_list_needs_the_guild_members_intent() {
        let (world, id) = guild(3);
        let whole = request(json!({"guild_id": id, "query": "", "limit": 0}));
        let without = GatewayIntents::GUILDS | GatewayIntents::GUILD_PRESENCES;
        assert!(matches!(
            answer(&world, &whole, EVERYTHING, without),
            Err(Unanswered::Ignored(_))
        ));
        let search = request(json!({"guild_id": id, "query": "ad", "limit": 5}));
        let found = answer(&world, &search, EVERYTHING, without).expect("a prefix is allowed");
        assert_eq!(member_count(&found), 1);
    }

    #[test]
    fn a_query_matches_usernames_and_nicknames_up_to_its_limit() {
        let (world, id) = guild(300);
        let search = |query: &str, limit: u64| {
            let d = json!({"guild_id": id, "query": query, "limit": limit});
            member_count(
                &answer(&world, &request(d), EVERYTHING, GatewayIntents::all()).expect("answered"),
            )
        };
        assert_eq!(search("member-00", 5), 5);
        assert_eq!(search("MEMBER-01", 0), 100, "a prefix returns at most 100");
        assert_eq!(search("capt", 10), 1, "ada's nickname");
        assert_eq!(search("nobody", 10), 0);
        assert_eq!(search("", 7), 7, "an empty query with a limit");
    }

    #[test]
    fn user_ids_report_the_ones_that_are_not_members() {
        let (world, id) = guild(3);
        let ada = world.user(&"ada".into()).expect("ada").id;
        let chunks = answer(
            &world,
            &request(json!({"guild_id": id, "user_ids": [ada, "42"], "nonce": "x".repeat(33)})),
            EVERYTHING,
            GatewayIntents::GUILDS,
        )
        .expect("user ids need no intent");
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0]["members"][0]["user"]["username"], "ada");
        assert_eq!(chunks[0]["not_found"], json!(["42"]));
        assert!(
            chunks[0].get("nonce").is_none(),
            "a nonce over 32 bytes is dropped"
        );
        check::verify("GUILD_MEMBERS_CHUNK", &chunks[0]).expect("serenity reads it");

        let one = answer(
            &world,
            &request(json!({"guild_id": id, "user_ids": "42"})),
            EVERYTHING,
            GatewayIntents::GUILDS,
        )
        .expect("one id");
        assert_eq!(member_count(&one), 0);
        assert_eq!(
            one[0]["chunk_count"], 1,
            "one chunk even when nothing matched"
        );
    }

    #[test]
    fn presences_need_asking_and_the_presence_intent() {
        let (mut world, id) = guild(3);
        let ada = world.user(&"ada".into()).expect("ada").id;
        world.guild_mut(id).expect("guild").presences.insert(
            ada,
            Presence {
                user_id: ada,
                status: "online".to_owned(),
                activities: Vec::new(),
            },
        );
        let asking = request(json!({"guild_id": id, "user_ids": [ada], "presences": true}));
        let with = answer(&world, &asking, EVERYTHING, GatewayIntents::all()).expect("answered");
        assert_eq!(with[0]["presences"][0]["user"]["id"], json!(ada));
        check::verify("GUILD_MEMBERS_CHUNK", &with[0]).expect("serenity reads it");
        let without = answer(
            &world,
            &asking,
            EVERYTHING,
            GatewayIntents::all() - GatewayIntents::GUILD_PRESENCES,
        )
        .expect("answered");
        assert!(without[0].get("presences").is_none());
    }

    #[test]
    fn requests_discord_cannot_answer() {
        let (world, id) = guild(3);
        assert!(matches!(
            answer(
                &world,
                &request(json!({"guild_id": id})),
                EVERYTHING,
                GatewayIntents::all()
            ),
            Err(Unanswered::Malformed(_))
        ));
        let other_shard = answer(
            &world,
            &request(json!({"guild_id": id, "query": "", "limit": 0})),
            [1, 2],
            GatewayIntents::all(),
        );
        let on_shard_1 = shard_of(id, 2) == 1;
        assert_eq!(
            matches!(other_shard, Err(Unanswered::Ignored(_))),
            !on_shard_1
        );
        assert!(matches!(
            answer(
                &world,
                &request(json!({"guild_id": "5", "query": "", "limit": 0})),
                EVERYTHING,
                GatewayIntents::all()
            ),
            Err(Unanswered::Ignored(_))
        ));
    }
}
