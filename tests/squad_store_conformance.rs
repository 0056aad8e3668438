//! Squad stats in the store, on every backend: the kill ledger, undo, board totals, history
//! pages, sessions, seasons, game lists and the settings that go with them. The same scenarios
//! run on SQLite and on a fresh Postgres database (see `support::conformance`).

#[macro_use]
mod support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use trakker::config::DatabaseUrl;
use trakker::domain::board::{ranked, BoardScope, Span, Standing};
use trakker::domain::ids::{ChannelId, GuildId, InteractionId, RoleId, UserId};
use trakker::domain::kills::{KillCount, KillKind, NewEntry, Note};
use trakker::domain::names::{GameName, SeasonName, SessionName, DEFAULT_GAMES};
use trakker::store::squad::SessionStart;
use trakker::store::{
    self, GuildRecord, GuildSettings, SessionEnd, Store, StoreError, TrackerAccess,
};

conformance! {
    fresh: [],
    migrated: [
        a_new_guild_gets_the_default_games_once_and_edits_stick,
        a_kill_joins_the_running_session_and_season,
        a_kill_in_an_unknown_guild_is_refused,
        an_undone_entry_stays_in_the_ledger_and_counts_nowhere,
        board_totals_follow_kind_span_and_game,
        history_pages_run_newest_first,
        one_session_runs_per_channel_and_ends_once,
        idle_sessions_follow_each_guilds_limit,
        starting_a_season_ends_the_running_one,
        fifty_concurrent_kills_for_one_player_all_count,
        two_guilds_with_the_same_players_never_mix,
        folded_entries_sum_per_player_game_and_session,
        squad_settings_round_trip,
        a_retried_request_is_recorded_once,
        achievement_settings_round_trip,
        milestones_and_unlocks_round_trip,
        fifty_concurrent_checks_unlock_a_milestone_once_and_an_undo_takes_it_back,
        the_first_kill_of_a_season_and_voice_milestones_are_found,
        the_database_folds_the_progress_the_ledger_gives,
    ],
}

async fn migrated_store(url: &DatabaseUrl) -> Box<dyn Store> {
    store::connect(url, true)
        .await
        .expect("open and migrate the store")
}

const GUILD: GuildId = GuildId(100);
const OTHER_GUILD: GuildId = GuildId(200);
const ADA: UserId = UserId(1);
const BOB: UserId = UserId(2);
const GENERAL: ChannelId = ChannelId(10);
const RAIDS: ChannelId = ChannelId(11);

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, hour, minute, 0)
        .single()
        .expect("valid time")
}

async fn guild(store: &dyn Store, id: GuildId) {
    store
        .upsert_guild(&GuildRecord {
            id,
            name: format!("guild {id}"),
            joined_at: at(0, 0),
            left_at: None,
        })
        .await
        .expect("guild stored");
}

fn kill(guild: GuildId, player: UserId, count: i64, when: DateTime<Utc>) -> NewEntry {
    NewEntry {
        guild_id: guild,
        player_id: player,
        kind: KillKind::Kill,
        count: KillCount::parse(count).expect("valid count"),
        victim_id: None,
        note: None,
        recorded_by: player,
        recorded_at: when,
        channel_id: GENERAL,
        game: None,
        request_id: None,
    }
}

fn teamkill(guild: GuildId, player: UserId, victim: UserId, when: DateTime<Utc>) -> NewEntry {
    NewEntry {
        kind: KillKind::Teamkill,
        victim_id: Some(victim),
        ..kill(guild, player, 1, when)
    }
}

fn game(name: &str) -> GameName {
    GameName::parse(name).expect("valid game")
}

fn totals(standings: Vec<Standing>) -> Vec<(u64, i64)> {
    ranked(standings)
        .into_iter()
        .map(|standing| (standing.player.0, standing.total))
        .collect()
}

async fn a_new_guild_gets_the_default_games_once_and_edits_stick(store: &dyn Store) {
    guild(store, GUILD).await;
    let games = store.games(GUILD).await.expect("games");
    assert_eq!(games.len(), DEFAULT_GAMES.len());
    assert!(games.contains(&"PUBG".to_owned()));

    assert!(
        store
            .remove_game(GUILD, &game("pubg"))
            .await
            .expect("remove"),
        "case-insensitive"
    );
    assert!(
        !store
            .remove_game(GUILD, &game("PUBG"))
            .await
            .expect("remove"),
        "already gone"
    );
    assert!(store
        .add_game(GUILD, &game("Minecraft"))
        .await
        .expect("add"));
    assert!(
        !store
            .add_game(GUILD, &game("MINECRAFT"))
            .await
            .expect("add"),
        "listed once"
    );

    // The bot sees the guild again (a reconnect): the managers' edits stay.
    guild(store, GUILD).await;
    let games = store.games(GUILD).await.expect("games");
    assert!(
        !games.contains(&"PUBG".to_owned()),
        "removed games stay removed"
    );
    assert!(games.contains(&"Minecraft".to_owned()));
    assert!(matches!(
        store.add_game(OTHER_GUILD, &game("Chess")).await,
        Err(StoreError::UnknownGuild(_))
    ));
}

async fn a_kill_joins_the_running_session_and_season(store: &dyn Store) {
    guild(store, GUILD).await;
    let (season, ended) = store
        .start_season(
            GUILD,
            &SeasonName::parse("Wipe 1").expect("name"),
            ADA,
            at(1, 0),
        )
        .await
        .expect("season");
    assert_eq!(ended, None);
    let SessionStart::Started(session) = store
        .start_session(
            GUILD,
            GENERAL,
            Some(&game("Escape from Tarkov")),
            None,
            ADA,
            at(20, 0),
        )
        .await
        .expect("session")
    else {
        panic!("no session was running");
    };

    let mut first = kill(GUILD, ADA, 3, at(20, 30));
    first.note = Note::parse("clutch").expect("note");
    let recorded = store.record_kill(&first).await.expect("recorded");
    assert_eq!(recorded.entry.session_id, Some(session.id));
    assert_eq!(recorded.entry.season_id, Some(season.id));
    assert_eq!(
        recorded.entry.game.as_deref(),
        Some("Escape from Tarkov"),
        "the session's game"
    );
    assert_eq!(recorded.entry.note.as_deref(), Some("clutch"));
    assert_eq!(recorded.season_total, 3);

    let second = store
        .record_kill(&kill(GUILD, ADA, 2, at(20, 40)))
        .await
        .expect("recorded");
    assert_eq!(second.season_total, 5);
    assert!(second.entry.id > recorded.entry.id, "ids grow");

    // A kill in another channel is outside the session.
    let elsewhere = NewEntry {
        channel_id: RAIDS,
        ..kill(GUILD, ADA, 1, at(20, 45))
    };
    let elsewhere = store.record_kill(&elsewhere).await.expect("recorded");
    assert_eq!(elsewhere.entry.session_id, None);
    assert_eq!(elsewhere.entry.game, None);

    let running = store
        .running_session(GUILD, GENERAL)
        .await
        .expect("read")
        .expect("running");
    assert_eq!(
        running.last_activity_at,
        at(20, 40),
        "the session is kept awake"
    );
    assert_eq!(
        store
            .ledger_entry(GUILD, recorded.entry.id)
            .await
            .expect("read"),
        Some(recorded.entry)
    );
}

async fn a_kill_in_an_unknown_guild_is_refused(store: &dyn Store) {
    let refused = store
        .record_kill(&kill(OTHER_GUILD, ADA, 1, at(20, 0)))
        .await;
    assert!(
        matches!(refused, Err(StoreError::UnknownGuild(id)) if id == OTHER_GUILD),
        "{refused:?}"
    );
}

async fn an_undone_entry_stays_in_the_ledger_and_counts_nowhere(store: &dyn Store) {
    guild(store, GUILD).await;
    let kept = store
        .record_kill(&kill(GUILD, ADA, 4, at(20, 0)))
        .await
        .expect("kept");
    let undone = store
        .record_kill(&kill(GUILD, ADA, 6, at(20, 5)))
        .await
        .expect("recorded");
    assert_eq!(
        store
            .last_entry_by(GUILD, ADA)
            .await
            .expect("read")
            .map(|e| e.id),
        Some(undone.entry.id)
    );

    let marked = store
        .undo_entry(GUILD, undone.entry.id, BOB, at(20, 6))
        .await
        .expect("undo")
        .expect("it was counting");
    assert_eq!(marked.undone_at, Some(at(20, 6)));
    assert_eq!(marked.undone_by, Some(BOB));
    assert_eq!(
        store
            .undo_entry(GUILD, undone.entry.id, BOB, at(20, 7))
            .await
            .expect("undo"),
        None,
        "undoing twice writes nothing"
    );
    assert_eq!(
        store
            .undo_entry(OTHER_GUILD, kept.entry.id, BOB, at(20, 7))
            .await
            .expect("undo"),
        None
    );

    let board = BoardScope::new(KillKind::Kill, Span::AllTime, None);
    assert_eq!(
        totals(store.board_totals(GUILD, &board).await.expect("totals")),
        [(ADA.0, 4)]
    );
    let entries = store.player_tallies(GUILD, ADA).await.expect("tallies");
    assert_eq!(
        entries.iter().map(|e| e.id).collect::<Vec<_>>(),
        [kept.entry.id]
    );
    assert_eq!(
        store
            .last_entry_by(GUILD, ADA)
            .await
            .expect("read")
            .map(|e| e.id),
        Some(kept.entry.id),
        "the undone entry is no longer the last one to undo"
    );
    let history = store.history(GUILD, None, None, 20).await.expect("history");
    assert_eq!(history.entries.len(), 2, "the ledger keeps both");
    assert!(history.entries[0].undone_at.is_some());
    let next = store
        .record_kill(&kill(GUILD, ADA, 1, at(20, 10)))
        .await
        .expect("recorded");
    assert_eq!(next.season_total, 5, "4 kept + 1, the undone 6 left out");
}

async fn board_totals_follow_kind_span_and_game(store: &dyn Store) {
    guild(store, GUILD).await;
    let old = Utc::now() - Duration::days(40);
    let recent = Utc::now() - Duration::hours(1);
    store
        .record_kill(&kill(GUILD, ADA, 5, old))
        .await
        .expect("old");
    let with_game = NewEntry {
        game: Some("PUBG".to_owned()),
        ..kill(GUILD, BOB, 2, recent)
    };
    store.record_kill(&with_game).await.expect("pubg");
    store
        .record_kill(&teamkill(GUILD, ADA, BOB, recent))
        .await
        .expect("teamkill");
    let (season, _) = store
        .start_season(
            GUILD,
            &SeasonName::parse("S2").expect("name"),
            ADA,
            Utc::now(),
        )
        .await
        .expect("season");
    store
        .record_kill(&kill(GUILD, BOB, 1, Utc::now()))
        .await
        .expect("in season");

    let board = |kind, span, game: Option<&str>| BoardScope::new(kind, span, game);
    let week = Span::Since(trakker::domain::board::window_start(Utc::now(), 7));
    let cases = [
        (
            board(KillKind::Kill, Span::AllTime, None),
            vec![(ADA.0, 5), (BOB.0, 3)],
        ),
        (board(KillKind::Kill, week, None), vec![(BOB.0, 3)]),
        (
            board(KillKind::Kill, Span::AllTime, Some("pubg")),
            vec![(BOB.0, 2)],
        ),
        (
            board(KillKind::Kill, Span::Season(season.id), None),
            vec![(BOB.0, 1)],
        ),
        (
            board(KillKind::Teamkill, Span::AllTime, None),
            vec![(ADA.0, 1)],
        ),
    ];
    for (scope, expected) in cases {
        assert_eq!(
            totals(store.board_totals(GUILD, &scope).await.expect("totals")),
            expected,
            "{scope:?}"
        );
    }
}

async fn history_pages_run_newest_first(store: &dyn Store) {
    guild(store, GUILD).await;
    let mut ids = Vec::new();
    for minute in 0..25 {
        let player = if minute % 2 == 0 { ADA } else { BOB };
        ids.push(
            store
                .record_kill(&kill(GUILD, player, 1, at(20, minute)))
                .await
                .expect("recorded")
                .entry
                .id,
        );
    }
    let first = store.history(GUILD, None, None, 20).await.expect("page");
    assert_eq!(first.entries.len(), 20);
    assert!(first.has_older);
    assert_eq!(first.entries[0].id, ids[24], "newest first");
    let before = first.entries.last().map(|e| e.id);
    let second = store.history(GUILD, None, before, 20).await.expect("page");
    assert_eq!(
        second.entries.iter().map(|e| e.id).collect::<Vec<_>>(),
        ids[..5].iter().rev().copied().collect::<Vec<_>>()
    );
    assert!(!second.has_older);
    let adas = store
        .history(GUILD, Some(ADA), None, 20)
        .await
        .expect("page");
    assert_eq!(adas.entries.len(), 13);
    assert!(adas.entries.iter().all(|e| e.player_id == ADA));
    assert!(store
        .history(OTHER_GUILD, None, None, 20)
        .await
        .expect("page")
        .entries
        .is_empty());
}

async fn one_session_runs_per_channel_and_ends_once(store: &dyn Store) {
    guild(store, GUILD).await;
    let name = SessionName::parse("Friday raids").expect("name");
    let pubg = game("PUBG");
    let start =
        |channel, at| store.start_session(GUILD, channel, Some(&pubg), Some(&name), ADA, at);
    let SessionStart::Started(first) = start(GENERAL, at(18, 0)).await.expect("start") else {
        panic!("first start");
    };
    let again = start(GENERAL, at(18, 1)).await.expect("start");
    assert_eq!(
        again,
        SessionStart::AlreadyRunning(first.clone()),
        "one per channel"
    );
    assert!(matches!(
        start(RAIDS, at(18, 2)).await.expect("start"),
        SessionStart::Started(_)
    ));

    store
        .record_kill(&kill(GUILD, ADA, 2, at(18, 30)))
        .await
        .expect("recorded");
    let ended = store
        .end_session(GUILD, GENERAL, Some(BOB), at(19, 0), SessionEnd::Command)
        .await
        .expect("end")
        .expect("it was running");
    assert_eq!(ended.ended_at, Some(at(19, 0)));
    assert_eq!(ended.end_reason, Some(SessionEnd::Command));
    assert_eq!(
        store
            .end_session(GUILD, GENERAL, Some(BOB), at(19, 1), SessionEnd::Command)
            .await
            .expect("end"),
        None,
        "ending twice gives nothing"
    );
    assert_eq!(
        store
            .session_entries(GUILD, ended.id)
            .await
            .expect("entries")
            .len(),
        1
    );

    let SessionStart::Started(second) = start(GENERAL, at(20, 0)).await.expect("start") else {
        panic!("a new session after the end");
    };
    assert_eq!(
        store
            .previous_session(GUILD, &second)
            .await
            .expect("previous")
            .map(|s| s.id),
        Some(first.id),
        "the previous ended session of the same game"
    );
}

async fn idle_sessions_follow_each_guilds_limit(store: &dyn Store) {
    guild(store, GUILD).await;
    guild(store, OTHER_GUILD).await;
    let hourly = GuildSettings {
        session_idle_minutes: 60,
        ..GuildSettings::default()
    };
    store.save_settings(GUILD, &hourly).await.expect("settings");
    for guild_id in [GUILD, OTHER_GUILD] {
        store
            .start_session(guild_id, GENERAL, None, None, ADA, at(10, 0))
            .await
            .expect("start");
    }
    let idle = store.idle_sessions(at(11, 30)).await.expect("idle");
    assert_eq!(
        idle.iter().map(|s| s.guild_id).collect::<Vec<_>>(),
        [GUILD],
        "60 min vs the default 6 h"
    );
    assert!(store
        .idle_sessions(at(10, 59))
        .await
        .expect("idle")
        .is_empty());
    assert_eq!(store.idle_sessions(at(16, 1)).await.expect("idle").len(), 2);
}

async fn starting_a_season_ends_the_running_one(store: &dyn Store) {
    guild(store, GUILD).await;
    assert_eq!(
        store.end_season(GUILD, ADA, at(1, 0)).await.expect("end"),
        None
    );
    let name = |text| SeasonName::parse(text).expect("name");
    let (one, _) = store
        .start_season(GUILD, &name("One"), ADA, at(2, 0))
        .await
        .expect("start");
    let (two, ended) = store
        .start_season(GUILD, &name("Two"), ADA, at(3, 0))
        .await
        .expect("start");
    assert_eq!(
        ended.map(|s| (s.id, s.ended_at)),
        Some((one.id, Some(at(3, 0))))
    );
    assert_eq!(
        store
            .running_season(GUILD)
            .await
            .expect("running")
            .map(|s| s.id),
        Some(two.id)
    );
    let list = store.seasons(GUILD).await.expect("list");
    assert_eq!(
        list.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Two", "One"]
    );
    assert!(store.seasons(OTHER_GUILD).await.expect("list").is_empty());
    store
        .end_season(GUILD, ADA, at(4, 0))
        .await
        .expect("end")
        .expect("two was running");
    assert_eq!(store.running_season(GUILD).await.expect("running"), None);
}

async fn fifty_concurrent_kills_for_one_player_all_count(store: &dyn Store) {
    guild(store, GUILD).await;
    let writes = (0..50).map(|i| async move {
        store
            .record_kill(&kill(GUILD, ADA, 1 + i % 3, Utc::now()))
            .await
    });
    let results = futures::future::join_all(writes).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let expected: i64 = (0..50).map(|i| 1 + i % 3).sum();
    let board = BoardScope::new(KillKind::Kill, Span::AllTime, None);
    assert_eq!(
        totals(store.board_totals(GUILD, &board).await.expect("totals")),
        [(ADA.0, expected)]
    );
    let mut ids: Vec<i64> = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(|r| r.entry.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 50, "every entry got its own id");
}

async fn two_guilds_with_the_same_players_never_mix(store: &dyn Store) {
    guild(store, GUILD).await;
    guild(store, OTHER_GUILD).await;
    let mine = store
        .record_kill(&kill(GUILD, ADA, 7, at(20, 0)))
        .await
        .expect("recorded");
    store
        .record_kill(&kill(OTHER_GUILD, ADA, 2, at(20, 0)))
        .await
        .expect("recorded");
    let board = BoardScope::new(KillKind::Kill, Span::AllTime, None);
    assert_eq!(
        totals(store.board_totals(GUILD, &board).await.expect("totals")),
        [(ADA.0, 7)]
    );
    assert_eq!(
        totals(
            store
                .board_totals(OTHER_GUILD, &board)
                .await
                .expect("totals")
        ),
        [(ADA.0, 2)]
    );
    assert_eq!(
        store
            .player_tallies(OTHER_GUILD, ADA)
            .await
            .expect("entries")
            .len(),
        1
    );
    assert_eq!(
        store
            .ledger_entry(OTHER_GUILD, mine.entry.id)
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        store
            .last_entry_by(OTHER_GUILD, ADA)
            .await
            .expect("read")
            .map(|e| e.count),
        Some(2)
    );
}

async fn folded_entries_sum_per_player_game_and_session(store: &dyn Store) {
    guild(store, GUILD).await;
    store
        .start_session(GUILD, GENERAL, Some(&game("PUBG")), None, ADA, at(20, 0))
        .await
        .expect("start");
    for minute in [1, 2, 3] {
        store
            .record_kill(&kill(GUILD, ADA, 2, at(20, minute)))
            .await
            .expect("recorded");
    }
    store
        .record_kill(&kill(GUILD, BOB, 5, at(20, 4)))
        .await
        .expect("recorded");
    let folded = store
        .folded_entries(GUILD, None, None, None)
        .await
        .expect("folded");
    let mut sums: Vec<(u64, u32, Option<String>)> = folded
        .iter()
        .map(|e| (e.player_id.0, e.count, e.game.clone()))
        .collect();
    sums.sort();
    assert_eq!(
        sums,
        [
            (ADA.0, 6, Some("PUBG".to_owned())),
            (BOB.0, 5, Some("PUBG".to_owned()))
        ]
    );
    let ada = folded.iter().find(|e| e.player_id == ADA).expect("ada");
    assert_eq!(ada.recorded_at, at(20, 1), "the earliest time of the group");
    assert!(store
        .folded_entries(GUILD, None, None, Some("Fortnite"))
        .await
        .expect("folded")
        .is_empty());
}

async fn squad_settings_round_trip(store: &dyn Store) {
    guild(store, GUILD).await;
    let defaults = store.settings(GUILD).await.expect("settings");
    assert_eq!(defaults.tracker_access, TrackerAccess::Everyone);
    assert_eq!(defaults.session_idle_minutes, 360);
    let chosen = GuildSettings {
        admin_role_id: Some(RoleId(5)),
        tracker_access: TrackerAccess::Role(RoleId(u64::MAX - 1)),
        reaction_emoji: Some("chicken_dinner:123".to_owned()),
        session_idle_minutes: 90,
        ..GuildSettings::default()
    };
    store.save_settings(GUILD, &chosen).await.expect("save");
    assert_eq!(store.settings(GUILD).await.expect("read"), chosen);
    let managers = GuildSettings {
        tracker_access: TrackerAccess::Managers,
        ..chosen
    };
    store.save_settings(GUILD, &managers).await.expect("save");
    assert_eq!(store.settings(GUILD).await.expect("read"), managers);
}

/// The database stopped answering while a /track committed; the bot records the same request
/// again once it answers. Whether or not the first attempt was kept, the ledger holds it once,
/// and a different request is a new entry.
async fn a_retried_request_is_recorded_once(store: &dyn Store) {
    guild(store, GUILD).await;
    guild(store, OTHER_GUILD).await;
    let request = NewEntry {
        request_id: Some(InteractionId(u64::MAX - 7)),
        ..kill(GUILD, ADA, 3, at(20, 0))
    };
    let first = store.record_kill(&request).await.expect("first attempt");
    let retry = store.record_kill(&request).await.expect("retry");
    assert_eq!(retry.entry, first.entry, "the retry finds the first entry");
    assert_eq!(retry.season_total, 3, "counted once");

    let another = NewEntry {
        request_id: Some(InteractionId(42)),
        ..kill(GUILD, ADA, 2, at(20, 1))
    };
    let another = store.record_kill(&another).await.expect("another request");
    assert_ne!(another.entry.id, first.entry.id);
    assert_eq!(another.season_total, 5);

    // Request ids are per guild: the same id elsewhere is another entry.
    let elsewhere = NewEntry {
        request_id: request.request_id,
        ..kill(OTHER_GUILD, ADA, 1, at(20, 2))
    };
    let elsewhere = store.record_kill(&elsewhere).await.expect("other guild");
    assert_eq!(elsewhere.season_total, 1);
    let page = store.history(GUILD, None, None, 50).await.expect("history");
    assert_eq!(page.entries.len(), 2, "two requests, two entries: {page:?}");
}

async fn achievement_settings_round_trip(store: &dyn Store) {
    guild(store, GUILD).await;
    let defaults = store.achievement_settings(GUILD).await.expect("settings");
    assert!(defaults.shame_badges && defaults.channel_id.is_none() && defaults.rewards.is_empty());
    store
        .set_achievement_channel(GUILD, Some(RAIDS))
        .await
        .expect("channel");
    store.set_shame_badges(GUILD, false).await.expect("shame");
    store
        .set_milestone_role(GUILD, "kills-100", Some(RoleId(77)))
        .await
        .expect("role");
    let settings = store.achievement_settings(GUILD).await.expect("settings");
    assert_eq!(settings.channel_id, Some(RAIDS));
    assert!(!settings.shame_badges);
    assert_eq!(settings.reward("kills-100"), Some(RoleId(77)));
    store
        .set_milestone_role(GUILD, "kills-100", None)
        .await
        .expect("no role");
    assert_eq!(
        store
            .achievement_settings(GUILD)
            .await
            .expect("settings")
            .reward("kills-100"),
        None
    );
    assert!(matches!(
        store.set_shame_badges(OTHER_GUILD, true).await,
        Err(StoreError::UnknownGuild(_))
    ));
}

async fn milestones_and_unlocks_round_trip(store: &dyn Store) {
    use trakker::domain::achievements::{Measure, Threshold};
    use trakker::store::achievements::NewMilestone;
    guild(store, GUILD).await;
    let new = |name: &str| NewMilestone {
        name: name.to_owned(),
        emoji: "🎯".to_owned(),
        measure: Measure::Kills,
        threshold: Threshold::new(Measure::Kills, 60).expect("valid"),
    };
    let first = store
        .add_milestone(GUILD, &new("Sharpshooter"), 2, at(20, 0))
        .await
        .expect("added")
        .expect("below the limit");
    store
        .add_milestone(GUILD, &new("Marksman"), 2, at(20, 0))
        .await
        .expect("added")
        .expect("below the limit");
    assert!(
        store
            .add_milestone(GUILD, &new("Third"), 2, at(20, 0))
            .await
            .expect("answered")
            .is_none(),
        "the limit holds"
    );
    let custom = store.custom_milestones(GUILD).await.expect("milestones");
    assert_eq!(custom.len(), 2);
    assert_eq!(custom[0], first);
    assert_eq!(first.threshold, 60);

    assert!(store
        .unlock(GUILD, ADA, &first.key, at(21, 0))
        .await
        .expect("unlock"));
    assert!(!store
        .unlock(GUILD, ADA, &first.key, at(21, 5))
        .await
        .expect("again"));
    assert!(store
        .unlock(GUILD, ADA, "kills-100", at(21, 1))
        .await
        .expect("unlock"));
    store
        .set_milestone_role(GUILD, &first.key, Some(RoleId(78)))
        .await
        .expect("role");
    assert!(store
        .remove_milestone(GUILD, &first.key)
        .await
        .expect("removed"));
    assert!(!store
        .remove_milestone(GUILD, &first.key)
        .await
        .expect("gone"));
    assert!(!store
        .remove_milestone(GUILD, "kills-100")
        .await
        .expect("built in"));
    let held: Vec<String> = store
        .unlocks(GUILD, ADA)
        .await
        .expect("unlocks")
        .into_iter()
        .map(|unlock| unlock.milestone)
        .collect();
    assert_eq!(
        held,
        ["kills-100"],
        "the removed milestone's badge went with it"
    );
    assert_eq!(
        store
            .achievement_settings(GUILD)
            .await
            .expect("settings")
            .reward(&first.key),
        None
    );
    assert!(store.revoke(GUILD, ADA, "kills-100").await.expect("revoke"));
    assert!(!store.revoke(GUILD, ADA, "kills-100").await.expect("again"));
    assert!(!store
        .unlock(OTHER_GUILD, ADA, "kills-100", at(21, 0))
        .await
        .expect("unknown guild"));
}

async fn fifty_concurrent_checks_unlock_a_milestone_once_and_an_undo_takes_it_back(
    store: &dyn Store,
) {
    use trakker::squad::achievements::check_ledger;
    guild(store, GUILD).await;
    store
        .record_kill(&kill(GUILD, ADA, 90, at(20, 0)))
        .await
        .expect("recorded");
    let tracks = (0..50).map(|i| async move {
        let recorded = store
            .record_kill(&kill(GUILD, ADA, 1, at(20, 1) + Duration::seconds(i)))
            .await
            .expect("recorded");
        let changes = check_ledger(store, GUILD, ADA, at(21, 0))
            .await
            .expect("checked");
        (recorded.entry.id, changes)
    });
    let results = futures::future::join_all(tracks).await;
    let unlocked: Vec<String> = results
        .iter()
        .flat_map(|(_, changes)| changes.unlocked.iter().map(|m| m.key.clone()))
        .collect();
    let mut expected = vec!["clean-streak-50".to_owned(), "kills-100".to_owned()];
    let mut sorted = unlocked.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "each once: {unlocked:?}");
    // Undo the latest entries until Ada is back under 100: the badge goes, once.
    let mut ids: Vec<i64> = results.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    for id in ids.iter().rev().take(41) {
        store
            .undo_entry(GUILD, *id, BOB, at(21, 30))
            .await
            .expect("undone");
    }
    let changes = check_ledger(store, GUILD, ADA, at(22, 0))
        .await
        .expect("checked");
    let revoked: Vec<String> = changes.revoked.iter().map(|m| m.key.clone()).collect();
    assert_eq!(revoked, ["kills-100"], "99 kills, still 99 in a row");
    expected.retain(|key| key != "kills-100");
    let held: Vec<String> = store
        .unlocks(GUILD, ADA)
        .await
        .expect("unlocks")
        .into_iter()
        .map(|unlock| unlock.milestone)
        .collect();
    assert_eq!(held, expected);
}

async fn the_first_kill_of_a_season_and_voice_milestones_are_found(store: &dyn Store) {
    use trakker::squad::achievements::{check_ledger, check_voice};
    use trakker::store::VoiceFlags;
    guild(store, GUILD).await;
    store
        .start_season(
            GUILD,
            &SeasonName::parse("One").expect("a name"),
            BOB,
            at(19, 0),
        )
        .await
        .expect("season");
    store
        .record_kill(&teamkill(GUILD, BOB, ADA, at(19, 30)))
        .await
        .expect("a team kill opens nothing");
    let first = store
        .record_kill(&kill(GUILD, ADA, 1, at(20, 0)))
        .await
        .expect("recorded");
    store
        .record_kill(&kill(GUILD, BOB, 1, at(20, 5)))
        .await
        .expect("recorded");
    let holders = || async {
        (
            store
                .ledger_progress(GUILD, ADA)
                .await
                .expect("read")
                .season_first_kill,
            store
                .ledger_progress(GUILD, BOB)
                .await
                .expect("read")
                .season_first_kill,
        )
    };
    assert_eq!(
        holders().await,
        (true, false),
        "Ada's kill opened the season"
    );
    let ada = check_ledger(store, GUILD, ADA, at(21, 0))
        .await
        .expect("checked");
    assert!(
        ada.unlocked.iter().any(|m| m.key == "season-first-kill-1"),
        "{ada:?}"
    );
    store
        .undo_entry(GUILD, first.entry.id, ADA, at(20, 10))
        .await
        .expect("undone");
    assert_eq!(
        holders().await,
        (false, true),
        "undone, Bob's kill is the first"
    );

    // Eleven hours in voice over two weeks: "Talker" (10 hours), no four-week streak.
    let quiet = VoiceFlags {
        self_mute: false,
        self_deaf: false,
        mute: false,
        deaf: false,
        streaming: false,
        video: false,
    };
    let monday = Utc
        .with_ymd_and_hms(2026, 11, 16, 18, 0, 0)
        .single()
        .expect("valid");
    for (start, hours) in [(monday, 5), (monday + Duration::days(7), 6)] {
        store
            .voice_join(GUILD, RAIDS, ADA, false, quiet, start)
            .await
            .expect("joins");
        store
            .voice_leave(GUILD, ADA, start + Duration::hours(hours))
            .await
            .expect("leaves");
    }
    let closed = store
        .voice_closed_since(monday + Duration::days(7))
        .await
        .expect("closed");
    assert_eq!(closed, [(GUILD, ADA)]);
    let now = monday + Duration::days(8);
    let voice = check_voice(store, GUILD, ADA, now).await.expect("checked");
    let keys: Vec<&str> = voice.unlocked.iter().map(|m| m.key.as_str()).collect();
    assert_eq!(keys, ["voice-hours-10"]);
    assert!(check_voice(store, GUILD, ADA, now)
        .await
        .expect("again")
        .is_empty());
}

/// The check after every /track reads the measures the database folds; they must be those the
/// domain folds from the same entries: sessions, runs split by team kills in time order (not in
/// the order recorded), ties settled by id, undone entries left out.
async fn the_database_folds_the_progress_the_ledger_gives(store: &dyn Store) {
    use trakker::domain::achievements::Progress;
    guild(store, GUILD).await;
    assert_eq!(
        store.ledger_progress(GUILD, ADA).await.expect("read"),
        Progress::default(),
        "nothing recorded"
    );
    store
        .start_season(
            GUILD,
            &SeasonName::parse("One").expect("a name"),
            BOB,
            at(9, 0),
        )
        .await
        .expect("season");
    let mut undo = Vec::new();
    for (hour, channel, session) in [(10, GENERAL, true), (12, RAIDS, true), (15, GENERAL, false)] {
        if session {
            store
                .start_session(GUILD, channel, None, None, ADA, at(hour, 0))
                .await
                .expect("session");
        }
        for (minute, count) in [(5, 3), (10, 2), (20, 7)] {
            let entry = kill(GUILD, ADA, count, at(hour, minute));
            store
                .record_kill(&NewEntry {
                    channel_id: channel,
                    ..entry
                })
                .await
                .expect("kill");
        }
        // Recorded last, dated between the kills: splits 3+2 | 7.
        store
            .record_kill(&NewEntry {
                channel_id: channel,
                ..teamkill(GUILD, ADA, BOB, at(hour, 15))
            })
            .await
            .expect("team kill");
        // Same instant as the 7: the id puts it after.
        let late = store
            .record_kill(&NewEntry {
                channel_id: channel,
                ..kill(GUILD, ADA, 4, at(hour, 20))
            })
            .await
            .expect("kill");
        undo.push(late.entry.id);
        store
            .record_kill(&NewEntry {
                channel_id: channel,
                ..kill(GUILD, BOB, 9, at(hour, 30))
            })
            .await
            .expect("Bob's kill");
        if session {
            store
                .end_session(GUILD, channel, Some(ADA), at(hour, 50), SessionEnd::Command)
                .await
                .expect("ended");
        }
    }
    store
        .undo_entry(GUILD, undo[1], ADA, at(16, 0))
        .await
        .expect("undone");
    let folded = store.ledger_progress(GUILD, ADA).await.expect("read");
    let tallies = store.player_tallies(GUILD, ADA).await.expect("tallies");
    let expected = Progress::from_ledger(&tallies, folded.season_first_kill);
    assert_eq!(folded, expected);
    assert_eq!(
        (
            folded.kills,
            folded.best_session_kills,
            folded.longest_clean_streak
        ),
        (12 * 3 + 4 * 2, 16, 7 + 4 + 3 + 2),
        "{folded:?}"
    );
    assert_eq!((folded.sessions, folded.worst_session_teamkills), (2, 1));
    assert!(
        folded.season_first_kill,
        "Ada's 3 at 10:05 opened the season"
    );
}
