//! Erasing a member and keeping raw activity for a limited time, in the store, on every backend
//! (see `support::conformance`). An erased member must be found in no integer column of any
//! table of the guild, whatever migrations add later; the squad's totals must not move.

#[macro_use]
mod support;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use support::stored::{StoredId, StoredRows};
use trakker::config::DatabaseUrl;
use trakker::domain::activity::{ActivityEvent, AppKey, Deltas, EmojiKey, MessageKey};
use trakker::domain::board::{BoardScope, Span};
use trakker::domain::ids::{ChannelId, GuildId, UserId};
use trakker::domain::kills::{KillCount, KillKind, NewEntry, Note};
use trakker::domain::names::{GameName, SeasonName, SessionName};
use trakker::domain::retention::RetentionDays;
use trakker::domain::tournament::{Event, Format, Seeding};
use trakker::exports::{write_csv, Parts, Period};
use trakker::store::activity::{InviteRecord, JoinRecord, JoinSource};
use trakker::store::exports::ExportTable;
use trakker::store::privacy::PrivacyChoices;
use trakker::store::schedule::{MemberZone, Rank};
use trakker::store::squad::SessionStart;
use trakker::store::tournaments::{LoggedEvent, NewTournament};
use trakker::store::{self, GuildRecord, MemberRecord, SessionEnd, Store, StoreError, VoiceFlags};

conformance! {
    fresh: [],
    migrated: [
        erasing_a_member_leaves_no_row_naming_them_and_the_squad_totals_stay,
        a_member_who_opted_out_keeps_only_that_choice_after_erasing,
        a_manager_erasure_is_logged_and_an_unknown_guild_is_refused,
        retention_removes_old_rows_in_batches_and_keeps_what_is_open,
        retention_days_are_kept_per_guild,
        exports_stream_every_table_and_split_into_whole_rows,
    ],
}

async fn migrated_store(url: &DatabaseUrl) -> Box<dyn Store> {
    store::connect(url, true)
        .await
        .expect("open and migrate the store")
}

const GUILD: GuildId = GuildId(100);
const OTHER_GUILD: GuildId = GuildId(200);
/// An id no count, slot, day or channel of the scenario can equal.
const ERIN: UserId = UserId(880_000_000_000_000_123);
const BOB: UserId = UserId(770_000_000_000_000_456);
const MOD: UserId = UserId(660_000_000_000_000_789);
const GENERAL: ChannelId = ChannelId(10);
const LOUNGE: ChannelId = ChannelId(20);
const QUIET: VoiceFlags = VoiceFlags {
    self_mute: false,
    self_deaf: false,
    mute: false,
    deaf: false,
    streaming: false,
    video: false,
};

/// 2026-11-20 at `hour:minute` UTC.
fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, hour, minute, 0)
        .single()
        .expect("a valid time")
}

fn member(user: UserId, name: &str) -> MemberRecord {
    MemberRecord {
        user_id: user,
        display_name: name.to_owned(),
        is_bot: false,
        joined_at: at(1, 0),
        left_at: None,
        tracking_opt_out: false,
    }
}

async fn guilds(store: &dyn Store) {
    for (id, name) in [(GUILD, "the squad"), (OTHER_GUILD, "elsewhere")] {
        store
            .upsert_guild(&GuildRecord {
                id,
                name: name.to_owned(),
                joined_at: at(1, 0),
                left_at: None,
            })
            .await
            .expect("guild recorded");
        store
            .upsert_members(id, &[member(ERIN, "Erin"), member(BOB, "Bob")])
            .await
            .expect("members recorded");
    }
}

/// `user` posts `count` messages in #general, reacts once and runs one command, at `when`.
fn chatter(deltas: &mut Deltas, guild: GuildId, user: UserId, when: DateTime<Utc>, count: u32) {
    for _ in 0..count {
        deltas.add(ActivityEvent::Message {
            key: MessageKey {
                guild_id: guild,
                channel_id: GENERAL,
                user_id: user,
                hour: when,
            },
            with_attachment: false,
            reply: false,
            in_thread: false,
        });
    }
    deltas.add(ActivityEvent::Reaction {
        key: EmojiKey {
            guild_id: guild,
            emoji: "🔥".to_owned(),
            user_id: user,
            hour: when,
        },
        added: true,
    });
    deltas.add(ActivityEvent::AppCommand {
        key: AppKey {
            guild_id: guild,
            application_id: 900,
            command: "play".to_owned(),
            user_id: user,
            hour: when,
        },
    });
}

fn kill(player: UserId, kind: KillKind, victim: Option<UserId>, by: UserId) -> NewEntry {
    NewEntry {
        guild_id: GUILD,
        player_id: player,
        kind,
        count: KillCount::parse(3).expect("valid"),
        victim_id: victim,
        note: Note::parse(&format!("clutch with <@{}>", ERIN.0)).expect("a note"),
        recorded_by: by,
        recorded_at: at(20, 30),
        channel_id: GENERAL,
        game: Some("Deep Rock".to_owned()),
        request_id: None,
    }
}

/// Erin in every table of `GUILD` (and some of `OTHER_GUILD`): activity, voice, games, joins
/// and invites both ways, kills as player, victim, recorder and undoer, a session and a season
/// she started and ended, schedule marks, a weekly schedule, a time zone and a rank.
#[expect(clippy::too_many_lines, reason = "one line or two per table")]
async fn erin_everywhere(store: &dyn Store) -> i64 {
    guilds(store).await;
    let mut deltas = Deltas::default();
    chatter(&mut deltas, GUILD, ERIN, at(20, 0), 3);
    chatter(&mut deltas, GUILD, BOB, at(20, 0), 2);
    chatter(&mut deltas, OTHER_GUILD, ERIN, at(20, 0), 5);
    store.apply_deltas("erin", &deltas).await.expect("flushed");
    for guild in [GUILD, OTHER_GUILD] {
        store
            .voice_join(guild, LOUNGE, ERIN, false, QUIET, at(20, 0))
            .await
            .expect("joins");
    }
    store
        .voice_flags_changed(
            GUILD,
            ERIN,
            VoiceFlags {
                self_mute: true,
                ..QUIET
            },
            at(20, 10),
        )
        .await
        .expect("mutes");
    store
        .voice_join(GUILD, LOUNGE, BOB, false, QUIET, at(20, 0))
        .await
        .expect("bob joins");
    store
        .activity_start(GUILD, ERIN, "Deep Rock", at(20, 0))
        .await
        .expect("plays");
    let invite = |code: &str, inviter: UserId| InviteRecord {
        code: code.to_owned(),
        inviter_id: Some(inviter),
        channel_id: Some(GENERAL),
        uses: 1,
        max_uses: 0,
        created_at: Some(at(1, 0)),
    };
    store
        .upsert_invite(GUILD, &invite("erins", ERIN))
        .await
        .expect("invite");
    store
        .upsert_invite(GUILD, &invite("bobs", BOB))
        .await
        .expect("invite");
    let joined = |user: UserId, code: &str, inviter: UserId| JoinRecord {
        user_id: user,
        joined_at: at(2, 0),
        source: JoinSource::Invite {
            code: code.to_owned(),
            inviter_id: Some(inviter),
        },
        left_at: None,
    };
    store
        .record_join(GUILD, &joined(ERIN, "bobs", BOB))
        .await
        .expect("erin joins");
    store
        .record_join(GUILD, &joined(BOB, "erins", ERIN))
        .await
        .expect("bob joins");
    store
        .start_season(
            GUILD,
            &SeasonName::parse("Spring").expect("a name"),
            ERIN,
            at(19, 0),
        )
        .await
        .expect("season");
    let game = GameName::parse("Deep Rock").expect("a game");
    let session = store
        .start_session(
            GUILD,
            GENERAL,
            Some(&game),
            Some(&SessionName::parse("Friday").expect("a name")),
            ERIN,
            at(20, 0),
        )
        .await
        .expect("session");
    let SessionStart::Started(session) = session else {
        panic!("a new session")
    };
    for entry in [
        kill(ERIN, KillKind::Kill, None, ERIN),
        kill(BOB, KillKind::Teamkill, Some(ERIN), BOB),
        kill(BOB, KillKind::Kill, None, ERIN),
    ] {
        store.record_kill(&entry).await.expect("recorded");
    }
    let undone = store
        .record_kill(&kill(BOB, KillKind::Kill, None, BOB))
        .await
        .expect("recorded");
    store
        .undo_entry(GUILD, undone.entry.id, ERIN, at(20, 40))
        .await
        .expect("undone");
    store
        .end_session(GUILD, GENERAL, Some(ERIN), at(22, 0), SessionEnd::Command)
        .await
        .expect("ended");
    store
        .end_season(GUILD, ERIN, at(23, 0))
        .await
        .expect("ended");
    let day = NaiveDate::from_ymd_opt(2026, 11, 20).expect("a day");
    store
        .set_reaction(GUILD, day, ERIN, 3, true)
        .await
        .expect("marked");
    store
        .add_voice_mark(GUILD, day, ERIN, 4)
        .await
        .expect("voice mark");
    store
        .save_weekly_schedule(GUILD, ERIN, [1, 0, 0, 0, 0, 0, 2])
        .await
        .expect("week");
    let zone = MemberZone {
        timezone: "Europe/Berlin".to_owned(),
        private: false,
    };
    store
        .set_member_zone(GUILD, ERIN, Some(&zone), at(20, 0))
        .await
        .expect("zone");
    let captain = Rank {
        key: "captain".to_owned(),
        name: "Captain".to_owned(),
        emoji: "⭐".to_owned(),
    };
    store.save_rank(GUILD, &captain).await.expect("rank");
    store
        .set_member_rank(GUILD, ERIN, Some("captain"))
        .await
        .expect("ranked");
    store
        .set_hidden(GUILD, &member(ERIN, "Erin"), true)
        .await
        .expect("hidden");
    assert!(store
        .unlock(GUILD, ERIN, "session-kills-3", at(21, 0))
        .await
        .expect("a badge"));
    erins_tournament(store).await;
    session.id
}

/// Erin's tournament after she was erased: her seat and her report stay, naming nobody.
async fn erins_seat_stays(store: &dyn Store) {
    let cup = store
        .latest_tournament(GUILD)
        .await
        .expect("read")
        .expect("the cup stays");
    let entrants = store
        .tournament_entrants(GUILD, cup.id)
        .await
        .expect("read");
    assert_eq!(
        entrants
            .iter()
            .map(|entrant| (entrant.user_id, entrant.seat))
            .collect::<Vec<_>>(),
        [(UserId::ERASED, Some(0)), (BOB, Some(1))],
        "her seat stays in the bracket, for nobody in particular"
    );
    assert_eq!(
        store
            .tournament_log(GUILD, cup.id)
            .await
            .expect("read")
            .len(),
        1,
        "her report still counts"
    );
}

/// A tournament Erin created, entered and reported a result in.
async fn erins_tournament(store: &dyn Store) {
    let cup = store
        .create_tournament(&NewTournament {
            guild_id: GUILD,
            name: "Erin's cup".to_owned(),
            game: None,
            format: Format::SingleElimination,
            team_size: 1,
            seeding: Seeding::Random,
            channel_id: GENERAL,
            created_by: ERIN,
            created_at: at(21, 0),
        })
        .await
        .expect("created")
        .expect("the server's first");
    for player in [ERIN, BOB] {
        store
            .join_tournament(GUILD, cup, player, at(21, 5), 128)
            .await
            .expect("joins");
    }
    assert!(store
        .start_tournament(GUILD, cup, &[(1, ERIN, 0), (2, BOB, 1)], at(21, 10))
        .await
        .expect("starts"));
    let report = LoggedEvent {
        event: Event::Report {
            number: 1,
            by: 0,
            winner: 0,
        },
        actor: ERIN,
        at: at(21, 20),
    };
    assert!(store
        .append_tournament_event(GUILD, cup, 1, &report, false)
        .await
        .expect("reported"));
    let export = store.member_export(GUILD, ERIN).await.expect("export");
    assert_eq!(
        export
            .tournaments
            .iter()
            .map(|entry| (entry.name.as_str(), entry.seed, entry.joined_at))
            .collect::<Vec<_>>(),
        [("Erin's cup", Some(1), at(21, 5))],
        "her export lists the tournament"
    );
}

fn all_time(kind: KillKind) -> BoardScope {
    BoardScope::new(kind, Span::AllTime, None)
}

/// Messages in the channels' counts of `guild` from 60 days before the scenario's evening.
async fn channel_messages(store: &dyn Store, guild: GuildId) -> u64 {
    store
        .channel_hours(guild, at(0, 0) - Duration::days(60))
        .await
        .expect("hours")
        .iter()
        .filter(|hour| hour.hour_ms < at(23, 0).timestamp_millis())
        .map(|hour| hour.messages)
        .sum()
}

/// The scenario reaches every table that can name a member: those listed, and every table with
/// a `user_id` column, read from the catalogue so that a new table cannot be missed.
async fn assert_erin_is_in_every_table(store: &dyn Store) {
    let before = store
        .columns_holding(GUILD, ERIN.to_db())
        .await
        .expect("read");
    let with_members: Vec<String> = store
        .tables()
        .await
        .expect("tables")
        .into_iter()
        .filter(|table| table.columns.iter().any(|(column, _)| column == "user_id"))
        .map(|table| table.name)
        .collect();
    assert!(with_members.len() > 10, "{with_members:?}");
    for table in with_members.iter().map(String::as_str).chain([
        "invites",
        "kill_ledger",
        "game_sessions",
        "seasons",
    ]) {
        assert!(
            before
                .iter()
                .any(|found| found.starts_with(&format!("{table}."))),
            "the scenario puts Erin in {table}: {before:?}"
        );
    }
    for table in [
        "message_rollups",
        "emoji_rollups",
        "app_rollups",
        "voice_sessions",
        "voice_flag_changes",
        "activity_sessions",
        "member_joins",
        "invites",
        "kill_ledger",
        "game_sessions",
        "seasons",
        "schedule_marks",
        "schedule_responders",
        "weekly_schedules",
        "member_timezones",
        "member_ranks",
        "members",
    ] {
        assert!(
            before
                .iter()
                .any(|found| found.starts_with(&format!("{table}."))),
            "the scenario puts Erin in {table}: {before:?}"
        );
    }
}

/// The squad's kills in the session, undone entries left out.
async fn squad_total(store: &dyn Store, session: i64) -> i64 {
    store
        .session_entries(GUILD, session)
        .await
        .expect("entries")
        .iter()
        .filter(|entry| entry.undone_at.is_none())
        .map(|entry| i64::from(entry.count))
        .sum()
}

async fn erasing_a_member_leaves_no_row_naming_them_and_the_squad_totals_stay(store: &dyn Store) {
    let session = erin_everywhere(store).await;
    assert_erin_is_in_every_table(store).await;
    let squad_before = squad_total(store, session).await;
    let bob_before = store
        .board_totals(GUILD, &all_time(KillKind::Kill))
        .await
        .expect("board");
    assert_eq!(channel_messages(store, GUILD).await, 5);

    let erased = store
        .erase_member(GUILD, ERIN, None, at(23, 30))
        .await
        .expect("erased");
    assert!(erased.deleted > 10 && erased.anonymised > 8, "{erased:?}");

    let after = store
        .columns_holding(GUILD, ERIN.to_db())
        .await
        .expect("read");
    assert!(
        after.is_empty(),
        "nothing in the guild names Erin: {after:?}"
    );
    erins_seat_stays(store).await;
    let elsewhere = store
        .columns_holding(OTHER_GUILD, ERIN.to_db())
        .await
        .expect("read");
    assert!(
        elsewhere
            .iter()
            .any(|found| found.starts_with("message_rollups."))
            && elsewhere
                .iter()
                .any(|found| found.starts_with("voice_sessions.")),
        "the other server keeps hers: {elsewhere:?}"
    );
    assert_eq!(
        channel_messages(store, GUILD).await,
        2,
        "the channels' counts lose her three messages"
    );
    assert_eq!(channel_messages(store, OTHER_GUILD).await, 5);

    let entries = store
        .session_entries(GUILD, session)
        .await
        .expect("entries");
    let squad_after = squad_total(store, session).await;
    assert_eq!(squad_after, squad_before, "the squad's total stays");
    assert!(entries
        .iter()
        .any(|entry| entry.player_id == UserId::ERASED));
    assert!(
        entries
            .iter()
            .all(|entry| entry.note.as_deref() == Some("clutch with @erased member")),
        "mentions in notes go: {entries:?}"
    );
    let bob_after = store
        .board_totals(GUILD, &all_time(KillKind::Kill))
        .await
        .expect("board");
    let without_erin: Vec<_> = bob_before
        .iter()
        .filter(|standing| standing.player != ERIN)
        .copied()
        .collect();
    assert_eq!(
        bob_after, without_erin,
        "Bob's standing stays; Erin is on no board"
    );
    let teamkills = store
        .board_totals(GUILD, &all_time(KillKind::Teamkill))
        .await
        .expect("board");
    assert_eq!(teamkills.len(), 1, "{teamkills:?}");
    assert_eq!(
        store.privacy_choices(GUILD, ERIN).await.expect("choices"),
        PrivacyChoices::default(),
        "her row and its choices are gone"
    );
    assert!(store
        .privacy_actions(GUILD, 10)
        .await
        .expect("log")
        .is_empty());

    let again = store
        .erase_member(GUILD, ERIN, None, at(23, 40))
        .await
        .expect("erased again");
    assert_eq!(again.deleted, 0, "erasing twice changes nothing: {again:?}");
    let export = store.member_export(GUILD, ERIN).await.expect("export");
    assert!(export.message_hours.is_empty() && export.kills.is_empty());
}

async fn a_member_who_opted_out_keeps_only_that_choice_after_erasing(store: &dyn Store) {
    guilds(store).await;
    store
        .set_tracking_opt_out(GUILD, &member(ERIN, "Erin"), true, at(20, 0))
        .await
        .expect("opted out");
    store
        .erase_member(GUILD, ERIN, None, at(21, 0))
        .await
        .expect("erased");
    assert!(
        store
            .privacy_choices(GUILD, ERIN)
            .await
            .expect("choices")
            .opted_out,
        "still opted out"
    );
    assert_eq!(store.opted_out_members(GUILD).await.expect("list"), [ERIN]);
    let held = store
        .columns_holding(GUILD, ERIN.to_db())
        .await
        .expect("read");
    assert_eq!(held, ["members.user_id: 1"], "only the choice's row");
    let row = store
        .member(GUILD, ERIN)
        .await
        .expect("read")
        .expect("a row");
    assert_eq!(row.display_name, "", "no name kept");
}

async fn a_manager_erasure_is_logged_and_an_unknown_guild_is_refused(store: &dyn Store) {
    guilds(store).await;
    store
        .erase_member(GUILD, ERIN, Some(MOD), at(21, 0))
        .await
        .expect("erased");
    let log = store.privacy_actions(GUILD, 10).await.expect("log");
    assert_eq!(log.len(), 1);
    assert_eq!(
        (
            log[0].actor,
            log[0].subject,
            log[0].at,
            log[0].action.as_str()
        ),
        (MOD, ERIN, at(21, 0), "erase")
    );
    assert!(store
        .privacy_actions(OTHER_GUILD, 10)
        .await
        .expect("log")
        .is_empty());
    let unknown = store
        .erase_member(GuildId(999), ERIN, Some(MOD), at(21, 0))
        .await;
    assert!(
        matches!(unknown, Err(StoreError::UnknownGuild(GuildId(999)))),
        "{unknown:?}"
    );
}

async fn retention_removes_old_rows_in_batches_and_keeps_what_is_open(store: &dyn Store) {
    guilds(store).await;
    let old = at(20, 0) - Duration::days(40);
    let recent = at(20, 0) - Duration::days(2);
    let mut deltas = Deltas::default();
    for hours in 0..5 {
        chatter(&mut deltas, GUILD, ERIN, old + Duration::hours(hours), 1);
    }
    chatter(&mut deltas, GUILD, BOB, recent, 2);
    chatter(&mut deltas, OTHER_GUILD, ERIN, old, 1);
    store.apply_deltas("old", &deltas).await.expect("flushed");
    for (guild, user) in [(GUILD, ERIN), (OTHER_GUILD, ERIN)] {
        store
            .voice_join(guild, LOUNGE, user, false, QUIET, old)
            .await
            .expect("joins");
        store
            .voice_leave(guild, user, old + Duration::hours(1))
            .await
            .expect("leaves");
    }
    // Still in voice since long before the cutoff: an open stay is never removed.
    store
        .voice_join(GUILD, LOUNGE, BOB, false, QUIET, old)
        .await
        .expect("joins");
    assert_eq!(
        store.oldest_activity(GUILD).await.expect("oldest"),
        Some(old)
    );
    // The squad's ledger, its sessions and its seasons are never raw activity, however old.
    let (old_kill, old_session) = old_squad_night(store, old).await;
    let squad_before = squad_rows(store, old_kill, old_session).await;

    let cutoff = RetentionDays::new(30).expect("valid").cutoff(at(20, 0));
    let first = store
        .purge_activity(GUILD, cutoff, 2)
        .await
        .expect("a batch");
    assert!(first.voice_stays, "{first:?}");
    assert!(
        first.rows > 8 && first.rows <= 2 * 8,
        "two of each rollup kind (five hours of each are old), at most two of each kind: {first:?}"
    );
    let mut batches = 1;
    loop {
        let batch = store
            .purge_activity(GUILD, cutoff, 2)
            .await
            .expect("a batch");
        if batch.rows == 0 {
            break;
        }
        assert!(
            !batch.voice_stays,
            "the one old stay went in the first batch"
        );
        batches += 1;
    }
    assert_eq!(batches, 3, "five old hours, two per batch");
    assert_eq!(
        channel_messages(store, GUILD).await,
        2,
        "Bob's recent messages are all that is left"
    );
    assert_eq!(
        channel_messages(store, OTHER_GUILD).await,
        1,
        "not this server's"
    );
    let kept = store
        .channel_hours(GUILD, recent - Duration::hours(1))
        .await
        .expect("hours");
    let before_the_evening = kept
        .iter()
        .filter(|hour| hour.hour_ms < at(23, 0).timestamp_millis());
    assert_eq!(before_the_evening.map(|hour| hour.messages).sum::<u64>(), 2);
    assert_eq!(
        store.open_voice_sessions(GUILD).await.expect("open").len(),
        1,
        "Bob is still in voice"
    );
    assert_eq!(
        store.oldest_activity(GUILD).await.expect("oldest"),
        Some(old),
        "the open stay began then"
    );
    assert_eq!(
        store.oldest_activity(OTHER_GUILD).await.expect("oldest"),
        Some(old),
        "the other server's retention is its own"
    );
    assert_eq!(
        store.oldest_activity(GuildId(999)).await.expect("oldest"),
        None
    );
    assert_eq!(
        squad_rows(store, old_kill, old_session).await,
        squad_before,
        "the ledger, sessions and seasons are untouched"
    );
}

/// A season, a session and a kill in it, all at `old`; returns the entry's and the session's ids.
async fn old_squad_night(store: &dyn Store, old: DateTime<Utc>) -> (i64, i64) {
    store
        .start_season(
            GUILD,
            &SeasonName::parse("Old times").expect("a name"),
            BOB,
            old,
        )
        .await
        .expect("season");
    let game = GameName::parse("Deep Rock").expect("a game");
    let SessionStart::Started(session) = store
        .start_session(GUILD, GENERAL, Some(&game), None, BOB, old)
        .await
        .expect("session")
    else {
        panic!("a new session")
    };
    let old_kill = NewEntry {
        recorded_at: old + Duration::minutes(5),
        ..kill(BOB, KillKind::Kill, None, BOB)
    };
    let old_kill = store
        .record_kill(&old_kill)
        .await
        .expect("recorded")
        .entry
        .id;
    store
        .end_session(
            GUILD,
            GENERAL,
            Some(BOB),
            old + Duration::hours(1),
            SessionEnd::Command,
        )
        .await
        .expect("ended");
    (old_kill, session.id)
}

/// What the squad holds of an old entry and session: (the entry is kept, the session's entries,
/// the guild's seasons by name).
async fn squad_rows(store: &dyn Store, entry: i64, session: i64) -> (bool, usize, Vec<String>) {
    let kept = store
        .ledger_entry(GUILD, entry)
        .await
        .expect("entry")
        .is_some();
    let entries = store
        .session_entries(GUILD, session)
        .await
        .expect("session entries");
    let seasons = store.seasons(GUILD).await.expect("seasons");
    (
        kept,
        entries.len(),
        seasons.into_iter().map(|season| season.name).collect(),
    )
}

async fn retention_days_are_kept_per_guild(store: &dyn Store) {
    guilds(store).await;
    assert_eq!(store.retention_days(GUILD).await.expect("read"), None);
    let thirty = RetentionDays::new(30).expect("valid");
    store
        .set_retention_days(GUILD, Some(thirty))
        .await
        .expect("set");
    assert_eq!(
        store.retention_days(GUILD).await.expect("read"),
        Some(thirty)
    );
    assert_eq!(
        store.retention_guilds().await.expect("guilds"),
        [(GUILD, thirty)]
    );
    store
        .set_retention_days(GUILD, None)
        .await
        .expect("forever");
    assert!(store.retention_guilds().await.expect("guilds").is_empty());
    let unknown = store.set_retention_days(GuildId(999), Some(thirty)).await;
    assert!(
        matches!(unknown, Err(StoreError::UnknownGuild(GuildId(999)))),
        "{unknown:?}"
    );
}

/// The lines of `table`'s CSV for `GUILD` in `period`.
async fn csv_lines(store: &dyn Store, table: ExportTable, period: Period) -> Vec<String> {
    let mut out = Vec::new();
    let rows = write_csv(store, GUILD, table, period, &mut out)
        .await
        .expect("exported");
    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<String> = text.split_terminator("\r\n").map(str::to_owned).collect();
    assert_eq!(
        lines.len() as u64,
        rows + 1,
        "a header and one line per row: {text}"
    );
    lines
}

async fn exports_stream_every_table_and_split_into_whole_rows(store: &dyn Store) {
    erin_everywhere(store).await;
    let everything = Period {
        since: None,
        until: at(23, 59),
    };
    let ledger = csv_lines(store, ExportTable::Ledger, everything).await;
    assert!(
        ledger[0].starts_with("entry,recorded_at,player_id,kind,count"),
        "{ledger:?}"
    );
    assert_eq!(
        ledger.len(),
        5,
        "four entries, the undone one too: {ledger:?}"
    );
    assert!(
        ledger[1].contains(&format!(",{},kill,3,,Deep Rock,", ERIN.0)),
        "{ledger:?}"
    );
    assert!(ledger[1].contains("2026-11-20T20:30:00Z"), "{ledger:?}");
    assert!(
        ledger[2].contains(&format!(",team kill,3,{},", ERIN.0)),
        "the victim: {ledger:?}"
    );
    let players = csv_lines(store, ExportTable::Players, everything).await;
    assert_eq!(
        players[1..],
        [format!("{},3,3,2", BOB.0), format!("{},3,0,1", ERIN.0)],
        "Bob's team kill and the kill Erin recorded for him; undone entries left out"
    );
    let sessions = csv_lines(store, ExportTable::Sessions, everything).await;
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert!(sessions[1].contains(",Friday,Deep Rock,"), "{sessions:?}");
    assert!(
        sessions[1].ends_with(",command,6,3"),
        "kills and team kills: {sessions:?}"
    );
    let voice = csv_lines(store, ExportTable::Voice, everything).await;
    assert_eq!(voice.len(), 3, "Erin's and Bob's open stays: {voice:?}");
    assert!(
        voice[1].ends_with(",2026-11-20T20:00:00Z,,,false"),
        "still open: {voice:?}"
    );
    let daily = csv_lines(store, ExportTable::Daily, everything).await;
    assert_eq!(
        daily[1..],
        [
            format!("2026-11-20,{},2,1,0,1", BOB.0),
            format!("2026-11-20,{},3,1,0,1", ERIN.0)
        ]
    );
    let invites = csv_lines(store, ExportTable::Invites, everything).await;
    assert_eq!(invites.len(), 3, "{invites:?}");
    assert!(
        invites[1].ends_with(&format!(",invite,bobs,{},", BOB.0)),
        "{invites:?}"
    );

    let later = Period {
        since: Some(at(20, 35)),
        until: at(23, 59),
    };
    let ledger_later = csv_lines(store, ExportTable::Ledger, later).await;
    assert_eq!(
        ledger_later.len(),
        1,
        "no entry after 20:35: {ledger_later:?}"
    );

    // Cut into files of at most 300 bytes: each has the header and whole rows, and together
    // they are the export.
    let mut parts = Parts::new(store, GUILD, ExportTable::Ledger, everything, 300);
    let mut rows = Vec::new();
    let mut files = 0;
    while let Some(part) = parts.next_part().await.expect("a part") {
        files += 1;
        let text = String::from_utf8(part.bytes).expect("utf-8");
        let lines: Vec<&str> = text.split_terminator("\r\n").collect();
        assert_eq!(lines[0], ledger[0], "each file starts with the header");
        assert_eq!(lines.len() as u64, part.rows + 1);
        assert!(text.len() <= 300 || part.rows == 1, "{} bytes", text.len());
        rows.extend(lines[1..].iter().map(|line| (*line).to_owned()));
    }
    assert!(files > 1, "split: {files}");
    assert_eq!(rows, ledger[1..], "the same rows in the same order");
    assert!(!parts.has_more());
}

/// Both databases describe every table alike, and each kind agrees with Postgres's own type,
/// so a backup of either restores into either (a new yes-or-no column missing from
/// `BOOL_COLUMNS`, or a time not named `…_at`, fails here).
#[tokio::test]
async fn both_databases_carry_every_column_as_the_same_kind() {
    use trakker::store::portable::ValueKind;

    let sqlite = support::db::TempSqlite::new();
    let sqlite = migrated_store(sqlite.url()).await;
    let Some(postgres) = support::db::FreshPostgres::create().await else {
        return;
    };
    let postgres_store = migrated_store(postgres.url()).await;
    let tables = sqlite.tables().await.expect("tables");
    assert_eq!(
        tables,
        postgres_store.tables().await.expect("tables"),
        "the same tables, columns and kinds"
    );
    assert!(tables.len() > 20, "{tables:?}");
    let url = postgres.url().expose().to_owned();
    let mut db = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("connects");
    let types: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text
         FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut db)
    .await
    .expect("catalogue");
    for (table, column, data_type) in types {
        let expected = match data_type.as_str() {
            "boolean" => ValueKind::Bool,
            "text" => ValueKind::Text,
            "timestamp with time zone" => ValueKind::Time,
            "bigint" | "integer" | "smallint" => ValueKind::Int,
            other => panic!("{table}.{column}: a type backups do not carry: {other}"),
        };
        assert_eq!(
            ValueKind::of(&column, &data_type),
            expected,
            "{table}.{column} ({data_type})"
        );
    }
    postgres_store.close().await;
}
