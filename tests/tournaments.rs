//! Tournaments on both databases, through the service the commands call: a lobby that takes
//! each member once and no more than it holds, the draw (byes, season kills, teams), results both
//! players must agree on or a manager decides, a player leaving half-way, racing results that
//! count once, a cancelled tournament, and the kills tracked during a match.

#[macro_use]
mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use trakker::config::DatabaseUrl;
use trakker::domain::ids::{ChannelId, GuildId, UserId};
use trakker::domain::kills::{KillCount, KillKind, NewEntry};
use trakker::domain::tournament::{Format, Outcome, Seeding, Settled, State, MAX_ROUND_ROBIN};
use trakker::squad::tournaments::{self, Failure, Loaded};
use trakker::store::tournaments::NewTournament;
use trakker::store::{self, GuildRecord, Store};

conformance! {
    fresh: [],
    migrated: [
        a_tournament_runs_from_its_lobby_to_its_standings,
        byes_fill_an_odd_bracket_and_a_player_who_leaves_gives_walkovers,
        joining_is_capped_under_concurrency_and_closes_at_the_start,
        racing_results_for_one_match_count_once,
        seeding_by_season_kills_deals_balanced_teams,
        a_cancelled_tournament_takes_no_result_and_frees_the_server,
        kills_tracked_while_a_match_runs_are_its_stats,
        a_withdrawal_left_half_done_or_an_erased_player_is_made_by_the_next_event,
    ],
}

async fn migrated_store(url: &DatabaseUrl) -> Box<dyn Store> {
    store::connect(url, true)
        .await
        .expect("open and migrate the store")
}

const GUILD: GuildId = GuildId(100);
const OTHER_GUILD: GuildId = GuildId(200);
const MANAGER: UserId = UserId(99);
const GENERAL: ChannelId = ChannelId(10);

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 20, 0, 0)
        .single()
        .expect("valid time")
        + Duration::minutes(minute)
}

fn player(n: u64) -> UserId {
    UserId(1_000 + n)
}

async fn guilds(store: &dyn Store) {
    for id in [GUILD, OTHER_GUILD] {
        store
            .upsert_guild(&GuildRecord {
                id,
                name: format!("guild {id}"),
                joined_at: at(0),
                left_at: None,
            })
            .await
            .expect("guild stored");
    }
}

fn cup(format: Format, team_size: u32, seeding: Seeding) -> NewTournament {
    NewTournament {
        guild_id: GUILD,
        name: "Friday cup".to_owned(),
        game: Some("Valorant".to_owned()),
        format,
        team_size,
        seeding,
        channel_id: GENERAL,
        created_by: MANAGER,
        created_at: at(0),
    }
}

/// Creates `new` and enters players 1..=`players`.
async fn with_players(store: &dyn Store, new: &NewTournament, players: u64) -> i64 {
    let id = tournaments::create(store, new).await.expect("created");
    for n in 1..=players {
        tournaments::join(store, GUILD, id, player(n), at(1))
            .await
            .expect("joins");
    }
    id
}

/// A single-elimination cup of four players, started.
async fn started_cup_of_four(store: &dyn Store) -> Loaded {
    guilds(store).await;
    with_players(
        store,
        &cup(Format::SingleElimination, 1, Seeding::Random),
        4,
    )
    .await;
    tournaments::start(store, GUILD, at(5))
        .await
        .expect("starts")
}

#[track_caller]
fn refused<T: std::fmt::Debug>(result: Result<T, Failure>, expected: &str) {
    match result {
        Err(Failure::Refused(sentence)) => {
            assert!(sentence.contains(expected), "“{expected}” in “{sentence}”");
        }
        other => panic!("expected a refusal “{expected}”, got {other:?}"),
    }
}

/// The member sitting in `seat`.
fn in_seat(loaded: &Loaded, seat: usize) -> UserId {
    loaded.seats[seat][0]
}

/// Both players of match `number` report its first player as the winner.
async fn both_report(store: &dyn Store, loaded: &Loaded, number: u32) -> Loaded {
    let bracket = loaded.bracket.as_ref().expect("started");
    let game = bracket.match_numbered(number).expect("a match");
    let [Some(a), Some(b)] = game.players else {
        panic!("match {number} has its players: {game:?}")
    };
    let winner = in_seat(loaded, a);
    tournaments::report(store, GUILD, in_seat(loaded, a), number, winner, at(10))
        .await
        .expect("the first report");
    tournaments::report(store, GUILD, in_seat(loaded, b), number, winner, at(11))
        .await
        .expect("the second report")
        .loaded
}

#[expect(clippy::too_many_lines, reason = "one tournament from start to end")]
async fn a_tournament_runs_from_its_lobby_to_its_standings(store: &dyn Store) {
    guilds(store).await;
    let new = cup(Format::SingleElimination, 1, Seeding::Random);
    let id = with_players(store, &new, 5).await;
    refused(
        tournaments::create(store, &new).await,
        "open or running here already",
    );
    refused(
        tournaments::join(store, GUILD, id, player(1), at(2)).await,
        "in already",
    );
    refused(
        tournaments::join(store, OTHER_GUILD, id, player(9), at(2)).await,
        "does not exist here",
    );
    refused(
        tournaments::leave(store, GUILD, id, player(9), at(2)).await,
        "not in this tournament",
    );
    let left = tournaments::leave(store, GUILD, id, player(5), at(2))
        .await
        .expect("leaves before the start");
    assert_eq!(left.loaded.entrants.len(), 4);
    refused(
        tournaments::report(store, GUILD, player(1), 1, player(2), at(3)).await,
        "not started",
    );

    let loaded = tournaments::start(store, GUILD, at(5))
        .await
        .expect("starts");
    assert_eq!(loaded.record.state, State::Running);
    assert_eq!(loaded.seats.len(), 4);
    refused(
        tournaments::start(store, GUILD, at(5)).await,
        "started already",
    );
    refused(
        tournaments::join(store, GUILD, id, player(6), at(6)).await,
        "not taking entrants",
    );
    let bracket = loaded.bracket.clone().expect("a bracket");
    assert_eq!(bracket.matches().len(), 3);
    let first = bracket.match_numbered(1).expect("match 1");
    let [Some(a), Some(b)] = first.players else {
        panic!("{first:?}")
    };
    let (ada, bob) = (in_seat(&loaded, a), in_seat(&loaded, b));
    let outsider = in_seat(
        &loaded,
        bracket.match_numbered(2).expect("2").players[0].expect("p"),
    );
    refused(
        tournaments::report(store, GUILD, outsider, 1, ada, at(7)).await,
        "the two players of match 1",
    );
    refused(
        tournaments::report(store, GUILD, player(5), 1, ada, at(7)).await,
        "you are not playing",
    );
    refused(
        tournaments::report(store, GUILD, ada, 1, outsider, at(7)).await,
        "winner must be one of the two players",
    );
    refused(
        tournaments::report(store, GUILD, ada, 3, ada, at(7)).await,
        "not ready",
    );
    refused(
        tournaments::report(store, GUILD, ada, 9, ada, at(7)).await,
        "no match 9",
    );
    // They disagree, then a manager decides.
    let one = tournaments::report(store, GUILD, ada, 1, ada, at(8))
        .await
        .expect("reports");
    assert!(one.settled.is_empty(), "one report settles nothing");
    let two = tournaments::report(store, GUILD, bob, 1, bob, at(9))
        .await
        .expect("reports");
    assert!(two.settled.is_empty());
    let disputed = two
        .loaded
        .bracket
        .as_ref()
        .expect("b")
        .match_numbered(1)
        .expect("1")
        .outcome;
    assert!(matches!(disputed, Outcome::Disputed(_)), "{disputed:?}");
    let decided = tournaments::decide(store, GUILD, MANAGER, 1, bob, at(10))
        .await
        .expect("decides");
    assert_eq!(decided.settled, [1]);
    refused(
        tournaments::report(store, GUILD, ada, 1, ada, at(11)).await,
        "settled already",
    );
    let loaded = both_report(store, &decided.loaded, 2).await;
    let final_match = loaded
        .bracket
        .as_ref()
        .expect("b")
        .match_numbered(3)
        .expect("3")
        .clone();
    assert!(final_match.has(b), "the decided winner plays the final");
    let loaded = both_report(store, &loaded, 3).await;
    assert_eq!(loaded.record.state, State::Finished);
    let standings = loaded.bracket.as_ref().expect("b").standings();
    assert_eq!(
        standings.iter().map(|s| s.place).collect::<Vec<_>>(),
        [1, 2, 3, 3]
    );
    refused(
        tournaments::report(store, GUILD, ada, 3, ada, at(20)).await,
        "No tournament is open or running",
    );
    let data = tournaments::result_data(&loaded, 3).expect("a result");
    assert_eq!(data["finished"], true);
    assert_eq!(data["standings"].as_array().expect("standings").len(), 4);
    assert_eq!(data["match"]["settled"], "agreed");
    assert_eq!(
        tournaments::result_data(&loaded, 1).expect("1")["match"]["settled"],
        "decided"
    );
    // Replaying the stored log gives the same bracket, and the next tournament can be made.
    let again = tournaments::latest(store, GUILD).await.expect("reads");
    assert_eq!(again.bracket, loaded.bracket);
    assert_eq!(again.log.len(), 7);
    tournaments::create(store, &new).await.expect("a new one");
}

async fn byes_fill_an_odd_bracket_and_a_player_who_leaves_gives_walkovers(store: &dyn Store) {
    guilds(store).await;
    let id = with_players(
        store,
        &cup(Format::SingleElimination, 1, Seeding::Random),
        5,
    )
    .await;
    let loaded = tournaments::start(store, GUILD, at(5))
        .await
        .expect("starts");
    let bracket = loaded.bracket.as_ref().expect("b");
    assert_eq!(bracket.matches().len(), 7, "a bracket of eight");
    let byes: Vec<_> = bracket
        .matches()
        .iter()
        .filter(|game| matches!(game.outcome, Outcome::Won(_, Settled::Bye)))
        .map(|game| game.winner().expect("w"))
        .collect();
    assert_eq!(byes.len(), 3, "three byes");
    assert!(
        byes.iter().all(|seat| *seat < 3),
        "to the top seeds: {byes:?}"
    );
    // Match 2 is seed 4 against seed 5: seed 5 leaves, seed 4 goes through.
    let game = bracket
        .matches()
        .iter()
        .find(|game| game.round == 1 && game.is_open())
        .expect("the one real first-round match")
        .clone();
    let leaver = in_seat(&loaded, game.players[1].expect("p"));
    let leaving = tournaments::leave(store, GUILD, id, leaver, at(6))
        .await
        .expect("leaves");
    assert!(
        leaving.settled.contains(&game.number),
        "{:?}",
        leaving.settled
    );
    let after = leaving.loaded.bracket.as_ref().expect("b");
    let walkover = after.match_numbered(game.number).expect("m");
    assert_eq!(
        walkover.outcome,
        Outcome::Won(game.players[0].expect("p"), Settled::Walkover)
    );
    refused(
        tournaments::leave(store, GUILD, id, leaver, at(7)).await,
        "not in this tournament",
    );
    refused(
        tournaments::report(store, GUILD, leaver, game.number, leaver, at(7)).await,
        "you are not playing",
    );

    // A round robin of three: the leaver's remaining matches go to their opponents.
    tournaments::cancel(store, GUILD, at(8))
        .await
        .expect("cancelled");
    let id = tournaments::create(store, &cup(Format::RoundRobin, 1, Seeding::Random))
        .await
        .expect("created");
    for n in 1..=3 {
        tournaments::join(store, GUILD, id, player(n), at(9))
            .await
            .expect("joins");
    }
    let loaded = tournaments::start(store, GUILD, at(10))
        .await
        .expect("starts");
    assert_eq!(loaded.bracket.as_ref().expect("b").matches().len(), 3);
    let leaving = tournaments::leave(store, GUILD, id, in_seat(&loaded, 2), at(11))
        .await
        .expect("leaves");
    assert_eq!(leaving.settled.len(), 2, "both of its matches");
    let last = leaving
        .loaded
        .bracket
        .as_ref()
        .expect("b")
        .open_matches(None)
        .next()
        .expect("one match left")
        .number;
    let loaded = both_report(store, &leaving.loaded, last).await;
    assert_eq!(loaded.record.state, State::Finished);
}

async fn joining_is_capped_under_concurrency_and_closes_at_the_start(store: &dyn Store) {
    guilds(store).await;
    let id = tournaments::create(store, &cup(Format::RoundRobin, 1, Seeding::Random))
        .await
        .expect("created");
    let most = u64::try_from(MAX_ROUND_ROBIN).expect("small");
    let joins = (1..=most + 8).map(|n| tournaments::join(store, GUILD, id, player(n), at(1)));
    let results = futures::future::join_all(joins).await;
    let joined = results.iter().filter(|result| result.is_ok()).count();
    assert_eq!(joined, MAX_ROUND_ROBIN, "exactly as many as it holds");
    for result in results.into_iter().filter(Result::is_err) {
        refused(result, "full");
    }
    let entrants = store.tournament_entrants(GUILD, id).await.expect("read");
    let mut entries: Vec<u32> = entrants.iter().map(|entrant| entrant.entry).collect();
    entries.dedup();
    assert_eq!(entries.len(), MAX_ROUND_ROBIN, "each entry numbered once");

    // One player short of a tournament, then started; nobody joins after.
    tournaments::cancel(store, GUILD, at(2))
        .await
        .expect("cancelled");
    let id = tournaments::create(store, &cup(Format::SingleElimination, 1, Seeding::Random))
        .await
        .expect("created");
    tournaments::join(store, GUILD, id, player(1), at(3))
        .await
        .expect("joins");
    refused(
        tournaments::start(store, GUILD, at(4)).await,
        "at least 2 players",
    );
    tournaments::join(store, GUILD, id, player(2), at(4))
        .await
        .expect("joins");
    let starts = (0..4).map(|_| tournaments::start(store, GUILD, at(5)));
    let started = futures::future::join_all(starts).await;
    assert_eq!(
        started.iter().filter(|result| result.is_ok()).count(),
        1,
        "started once"
    );
    refused(
        tournaments::join(store, GUILD, id, player(3), at(6)).await,
        "not taking entrants",
    );
}

async fn racing_results_for_one_match_count_once(store: &dyn Store) {
    let loaded = started_cup_of_four(store).await;
    let game = loaded
        .bracket
        .as_ref()
        .expect("b")
        .match_numbered(1)
        .expect("1")
        .clone();
    let winner = in_seat(&loaded, game.players[0].expect("p"));
    let decisions = (0..12).map(|_| tournaments::decide(store, GUILD, MANAGER, 1, winner, at(6)));
    let results = futures::future::join_all(decisions).await;
    assert_eq!(
        results.iter().filter(|result| result.is_ok()).count(),
        1,
        "decided once"
    );
    for result in results.into_iter().filter(Result::is_err) {
        refused(result, "settled already");
    }
    let log = store
        .tournament_log(GUILD, loaded.record.id)
        .await
        .expect("read");
    assert_eq!(log.len(), 1, "one event in the log");
}

async fn seeding_by_season_kills_deals_balanced_teams(store: &dyn Store) {
    guilds(store).await;
    for (n, kills) in [(1_u64, 2_i64), (2, 40), (3, 7), (4, 25), (5, 1)] {
        store
            .record_kill(&NewEntry {
                guild_id: GUILD,
                player_id: player(n),
                kind: KillKind::Kill,
                count: KillCount::parse(kills).expect("count"),
                victim_id: None,
                note: None,
                recorded_by: player(n),
                recorded_at: at(-60),
                channel_id: GENERAL,
                game: Some("Valorant".to_owned()),
                request_id: None,
            })
            .await
            .expect("tracked");
    }
    let id = with_players(store, &cup(Format::SingleElimination, 2, Seeding::Kills), 5).await;
    let loaded = tournaments::start(store, GUILD, at(5))
        .await
        .expect("starts");
    assert_eq!(loaded.record.id, id);
    // By kills: 2 (40), 4 (25), 3 (7), 1 (2), 5 (1); snake-dealt into three teams of at most
    // two: [2], [4, 5], [3, 1].
    assert_eq!(
        loaded.seats,
        [
            vec![player(2)],
            vec![player(4), player(5)],
            vec![player(1), player(3)]
        ],
        "teams follow the draw: {:?}",
        loaded.seats
    );
    let bracket = loaded.bracket.as_ref().expect("b");
    assert_eq!(
        bracket.match_numbered(1).expect("1").outcome,
        Outcome::Won(0, Settled::Bye),
        "the top seed's team has the bye"
    );
    // Any player of a team reports for it; the other team's player confirms.
    let progress = tournaments::report(store, GUILD, player(5), 2, player(4), at(6))
        .await
        .expect("reports for the team");
    assert!(progress.settled.is_empty());
    let progress = tournaments::report(store, GUILD, player(3), 2, player(4), at(7))
        .await
        .expect("confirms");
    assert_eq!(progress.settled, [2]);
    let data = tournaments::result_data(&progress.loaded, 2).expect("data");
    assert_eq!(data["match"]["winner"]["seed"], 2);
    assert_eq!(
        data["match"]["winner"]["members"]
            .as_array()
            .expect("m")
            .len(),
        2
    );
}

async fn a_cancelled_tournament_takes_no_result_and_frees_the_server(store: &dyn Store) {
    let loaded = started_cup_of_four(store).await;
    let loaded = both_report(store, &loaded, 1).await;
    let cancelled = tournaments::cancel(store, GUILD, at(12))
        .await
        .expect("cancelled");
    assert_eq!(cancelled.record.state, State::Cancelled);
    assert_eq!(cancelled.bracket, loaded.bracket, "its results so far stay");
    let game = loaded
        .bracket
        .as_ref()
        .expect("b")
        .match_numbered(2)
        .expect("2")
        .clone();
    let player_two = in_seat(&loaded, game.players[0].expect("p"));
    refused(
        tournaments::report(store, GUILD, player_two, 2, player_two, at(13)).await,
        "No tournament is open or running",
    );
    // A report that raced the cancel finds the tournament cancelled at the store.
    let logged = trakker::store::tournaments::LoggedEvent {
        event: trakker::domain::tournament::Event::Decide {
            number: 2,
            winner: 0,
        },
        actor: MANAGER,
        at: at(13),
    };
    assert!(!store
        .append_tournament_event(GUILD, loaded.record.id, 3, &logged, false)
        .await
        .expect("answers"));
    refused(
        tournaments::cancel(store, GUILD, at(14)).await,
        "No tournament",
    );
    tournaments::create(store, &cup(Format::RoundRobin, 1, Seeding::Random))
        .await
        .expect("the server can hold a new one");
}

async fn kills_tracked_while_a_match_runs_are_its_stats(store: &dyn Store) {
    guilds(store).await;
    with_players(
        store,
        &cup(Format::SingleElimination, 1, Seeding::Random),
        2,
    )
    .await;
    let loaded = tournaments::start(store, GUILD, at(5))
        .await
        .expect("starts");
    let (a, b) = (in_seat(&loaded, 0), in_seat(&loaded, 1));
    let track = |player_id: UserId, count: i64, minute: i64, game: &str| NewEntry {
        guild_id: GUILD,
        player_id,
        kind: KillKind::Kill,
        count: KillCount::parse(count).expect("count"),
        victim_id: None,
        note: None,
        recorded_by: player_id,
        recorded_at: at(minute),
        channel_id: GENERAL,
        game: Some(game.to_owned()),
        request_id: None,
    };
    for entry in [
        track(a, 9, 4, "Valorant"),
        track(a, 3, 6, "Valorant"),
        track(b, 2, 7, "valorant"),
        track(b, 5, 8, "Apex Legends"),
        track(a, 4, 30, "Valorant"),
    ] {
        store.record_kill(&entry).await.expect("tracked");
    }
    let loaded = both_report(store, &loaded, 1).await;
    let kills = tournaments::match_kills(store, &loaded, 1, at(40))
        .await
        .expect("read");
    let mut expected = vec![(a, 3), (b, 2)];
    expected.sort_unstable();
    assert_eq!(
        kills, expected,
        "only the match's game, between its start and its result"
    );
}

async fn a_withdrawal_left_half_done_or_an_erased_player_is_made_by_the_next_event(
    store: &dyn Store,
) {
    let loaded = started_cup_of_four(store).await;
    let id = loaded.record.id;
    let bracket = loaded.bracket.clone().expect("b");
    let first = bracket.match_numbered(1).expect("1").clone();
    let leaver = in_seat(&loaded, first.players[1].expect("p"));
    // The leave was saved but its withdrawal never made (the process stopped in between).
    store
        .leave_tournament(GUILD, id, leaver, at(6))
        .await
        .expect("left");
    let again = tournaments::leave(store, GUILD, id, leaver, at(7))
        .await
        .expect("leaving again finishes it");
    assert_eq!(again.settled, [1], "a walkover at last");
    refused(
        tournaments::leave(store, GUILD, id, leaver, at(8)).await,
        "not in this tournament",
    );

    // An erased player's match goes to their opponent before the next result is checked.
    let second = bracket.match_numbered(2).expect("2").clone();
    let (stays, erased) = (
        in_seat(&loaded, second.players[0].expect("p")),
        in_seat(&loaded, second.players[1].expect("p")),
    );
    store
        .erase_member(GUILD, erased, None, at(9))
        .await
        .expect("erased");
    refused(
        tournaments::report(store, GUILD, stays, 2, stays, at(10)).await,
        "settled already",
    );
    let after = tournaments::latest(store, GUILD).await.expect("read");
    let walkover = after
        .bracket
        .as_ref()
        .expect("b")
        .match_numbered(2)
        .expect("2")
        .outcome;
    assert_eq!(
        walkover,
        Outcome::Won(second.players[0].expect("p"), Settled::Walkover)
    );

    // An entry in a tournament not started yet goes with the member.
    tournaments::cancel(store, GUILD, at(11))
        .await
        .expect("cancelled");
    let open = with_players(store, &cup(Format::RoundRobin, 1, Seeding::Random), 2).await;
    store
        .erase_member(GUILD, player(1), None, at(12))
        .await
        .expect("erased");
    let entrants = store.tournament_entrants(GUILD, open).await.expect("read");
    assert_eq!(
        entrants
            .iter()
            .map(|entrant| entrant.user_id)
            .collect::<Vec<_>>(),
        [player(2)]
    );
}
