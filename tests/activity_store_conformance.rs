//! Community activity in the store, on every backend: hourly rollups of messages, emojis and
//! commands, voice sessions and their flags, game activity, heartbeats, invites and joins, and the
//! rankings built on them. The same scenarios run on SQLite and on a fresh Postgres database (see
//! `support::conformance`).

#[macro_use]
mod support;

use chrono::{DateTime, Duration, TimeZone, Timelike as _, Utc};
use support::stored::StoredRows;
use trakker::community::charts::{draw, Chart, ChartCache, Drawing, Request};
use trakker::config::DatabaseUrl;
use trakker::domain::activity::{
    hour_of, ActivityEvent, AppKey, Deltas, EmojiCounts, EmojiKey, MessageCounts, MessageKey,
};
use trakker::domain::board::{ranked, Standing};
use trakker::domain::ids::{ChannelId, GuildId, UserId};
use trakker::ingest::Ingest;
use trakker::store::charts::{ChannelHour, DirectoryEntry, LedgerStay, VoiceStay};
use trakker::store::privacy::{PrivacyChoices, RecordedAbout};
use trakker::store::{
    self, ActivitySession, GuildRecord, InviteRecord, JoinRecord, JoinSource, MemberActivity,
    MemberRecord, Metric, Store, StoreError, VoiceFlags,
};

conformance! {
    fresh: [],
    migrated: [
        a_flush_adds_to_every_rollup_row_by_the_hour,
        two_batches_add_up_and_a_retried_batch_counts_once,
        a_key_with_minutes_in_its_hour_lands_on_the_hour,
        an_empty_flush_touches_nothing,
        twenty_thousand_rows_apply_in_one_call,
        two_guilds_with_the_same_members_never_mix,
        a_join_while_in_voice_is_a_move,
        a_session_is_closed_once_and_never_before_it_began,
        voice_sessions_are_those_overlapping_the_window,
        voice_flags_are_kept_as_a_history,
        voice_time_ranks_members_outside_the_afk_channel,
        messages_emojis_and_commands_rank_members_since_an_hour,
        invites_count_members_who_stayed_a_day,
        a_departure_closes_the_latest_join,
        syncing_invites_marks_the_unlisted_ones_deleted,
        member_activity_sums_one_member,
        heartbeats_keep_the_latest_beat_per_shard,
        game_activity_opens_and_closes_per_game,
        chart_stays_are_clamped_to_the_period_without_afk_or_bots,
        chart_channel_hours_sum_members_per_channel,
        the_directory_names_members_and_charts_open_and_close,
        opting_out_ends_open_stays_and_leaves_the_member_out_of_later_flushes,
        hiding_lists_the_member_and_a_choice_records_an_unknown_member,
        what_is_recorded_about_a_member_is_counted_per_kind,
        ledger_stays_are_read_after_an_id_and_by_the_ids_still_open,
        the_charts_stay_cache_reads_what_the_ledger_holds_as_it_grows,
        a_member_export_holds_their_rows_and_nobody_elses,
        a_recap_counts_its_week_and_names_no_hidden_member,
        a_recap_sums_whole_days_and_the_hours_around_them,
        a_recap_is_claimed_once_and_its_setting_round_trips,
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
const CY: UserId = UserId(3);
const DEE: UserId = UserId(4);
const GENERAL: ChannelId = ChannelId(10);
const RAIDS: ChannelId = ChannelId(11);
const MEMES: ChannelId = ChannelId(12);
const LOUNGE: ChannelId = ChannelId(20);
const AFK: ChannelId = ChannelId(29);
const TRAKKER_APP: u64 = 900;
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
        .expect("valid time")
}

fn message(guild: GuildId, channel: ChannelId, user: UserId, when: DateTime<Utc>) -> ActivityEvent {
    ActivityEvent::Message {
        key: MessageKey {
            guild_id: guild,
            channel_id: channel,
            user_id: user,
            hour: hour_of(when),
        },
        with_attachment: false,
        reply: false,
        in_thread: false,
    }
}

fn emoji_key(guild: GuildId, emoji: &str, user: UserId, when: DateTime<Utc>) -> EmojiKey {
    EmojiKey {
        guild_id: guild,
        emoji: emoji.to_owned(),
        user_id: user,
        hour: hour_of(when),
    }
}

fn reaction(guild: GuildId, emoji: &str, user: UserId, when: DateTime<Utc>) -> ActivityEvent {
    ActivityEvent::Reaction {
        key: emoji_key(guild, emoji, user, when),
        added: true,
    }
}

fn command(guild: GuildId, name: &str, user: UserId, when: DateTime<Utc>) -> ActivityEvent {
    ActivityEvent::AppCommand {
        key: AppKey {
            guild_id: guild,
            application_id: TRAKKER_APP,
            command: name.to_owned(),
            user_id: user,
            hour: hour_of(when),
        },
    }
}

/// `count` messages by `user` in `channel` at `when`.
fn posts(
    deltas: &mut Deltas,
    guild: GuildId,
    channel: ChannelId,
    user: UserId,
    when: DateTime<Utc>,
    count: u32,
) {
    for _ in 0..count {
        deltas.add(message(guild, channel, user, when));
    }
}

fn totals(standings: Vec<Standing>) -> Vec<(u64, i64)> {
    ranked(standings)
        .into_iter()
        .map(|standing| (standing.player.0, standing.total))
        .collect()
}

async fn top(store: &dyn Store, metric: Metric, since: DateTime<Utc>) -> Vec<(u64, i64)> {
    top_in(store, GUILD, metric, since, None, at(23, 0)).await
}

async fn top_in(
    store: &dyn Store,
    guild: GuildId,
    metric: Metric,
    since: DateTime<Utc>,
    channel: Option<ChannelId>,
    now: DateTime<Utc>,
) -> Vec<(u64, i64)> {
    totals(
        store
            .top_members(guild, metric, since, channel, now)
            .await
            .expect("ranking"),
    )
}

async fn join_voice(
    store: &dyn Store,
    user: UserId,
    channel: ChannelId,
    when: DateTime<Utc>,
) -> i64 {
    store
        .voice_join(GUILD, channel, user, channel == AFK, QUIET, when)
        .await
        .expect("joined voice")
        .id
}

async fn leave_voice(store: &dyn Store, user: UserId, when: DateTime<Utc>) {
    store
        .voice_leave(GUILD, user, when)
        .await
        .expect("left voice")
        .expect("was in voice");
}

fn invite(code: &str, inviter: Option<UserId>, uses: u64) -> InviteRecord {
    InviteRecord {
        code: code.to_owned(),
        inviter_id: inviter,
        channel_id: Some(GENERAL),
        uses,
        max_uses: 0,
        created_at: Some(at(1, 0)),
    }
}

fn codes(invites: &[InviteRecord]) -> Vec<&str> {
    invites.iter().map(|invite| invite.code.as_str()).collect()
}

fn joined_through(
    user: UserId,
    code: &str,
    inviter: Option<UserId>,
    when: DateTime<Utc>,
) -> JoinRecord {
    JoinRecord {
        user_id: user,
        joined_at: when,
        source: JoinSource::Invite {
            code: code.to_owned(),
            inviter_id: inviter,
        },
        left_at: None,
    }
}

/// Ada posts three messages in #general at 20:05 (one with a picture, one a reply in a thread),
/// reacts 🔥 twice and takes one back, writes 🎉 twice in text, and runs /leaderboard; Bob posts
/// once in #raids an hour later.
fn ada_and_bob_evening() -> Deltas {
    let mut deltas = Deltas::default();
    posts(&mut deltas, GUILD, GENERAL, ADA, at(20, 5), 1);
    deltas.add(ActivityEvent::Message {
        key: MessageKey {
            guild_id: GUILD,
            channel_id: GENERAL,
            user_id: ADA,
            hour: hour_of(at(20, 6)),
        },
        with_attachment: true,
        reply: false,
        in_thread: false,
    });
    deltas.add(ActivityEvent::Message {
        key: MessageKey {
            guild_id: GUILD,
            channel_id: GENERAL,
            user_id: ADA,
            hour: hour_of(at(20, 7)),
        },
        with_attachment: false,
        reply: true,
        in_thread: true,
    });
    deltas.add(reaction(GUILD, "🔥", ADA, at(20, 8)));
    deltas.add(reaction(GUILD, "🔥", ADA, at(20, 9)));
    deltas.add(ActivityEvent::Reaction {
        key: emoji_key(GUILD, "🔥", ADA, at(20, 10)),
        added: false,
    });
    deltas.add(ActivityEvent::EmojisInMessage {
        key: emoji_key(GUILD, "🎉", ADA, at(20, 11)),
        count: 2,
    });
    deltas.add(command(GUILD, "leaderboard", ADA, at(20, 12)));
    posts(&mut deltas, GUILD, RAIDS, BOB, at(21, 30), 1);
    deltas
}

async fn a_flush_adds_to_every_rollup_row_by_the_hour(store: &dyn Store) {
    let deltas = ada_and_bob_evening();
    store
        .apply_deltas("batch-1", &deltas)
        .await
        .expect("flushed");

    let messages = store.message_rows(GUILD).await.expect("message rows");
    assert_eq!(
        messages,
        [
            (
                MessageKey {
                    guild_id: GUILD,
                    channel_id: GENERAL,
                    user_id: ADA,
                    hour: at(20, 0),
                },
                MessageCounts {
                    messages: 3,
                    with_attachments: 1,
                    replies: 1,
                    in_threads: 1,
                }
            ),
            (
                MessageKey {
                    guild_id: GUILD,
                    channel_id: RAIDS,
                    user_id: BOB,
                    hour: at(21, 0),
                },
                MessageCounts {
                    messages: 1,
                    ..MessageCounts::default()
                }
            ),
        ],
        "one row per member, channel and hour; hours read back exactly"
    );
    let mut emojis = store.emoji_rows(GUILD).await.expect("emoji rows");
    emojis.sort_by(|a, b| a.0.emoji.cmp(&b.0.emoji));
    assert_eq!(
        emojis,
        [
            (
                emoji_key(GUILD, "🎉", ADA, at(20, 0)),
                EmojiCounts {
                    in_messages: 2,
                    ..EmojiCounts::default()
                }
            ),
            (
                emoji_key(GUILD, "🔥", ADA, at(20, 0)),
                EmojiCounts {
                    reactions_added: 2,
                    reactions_removed: 1,
                    in_messages: 0,
                }
            ),
        ]
    );
    let apps = store.app_rows(GUILD).await.expect("app rows");
    assert_eq!(
        apps,
        [(
            AppKey {
                guild_id: GUILD,
                application_id: TRAKKER_APP,
                command: "leaderboard".to_owned(),
                user_id: ADA,
                hour: at(20, 0),
            },
            1
        )]
    );
}

async fn two_batches_add_up_and_a_retried_batch_counts_once(store: &dyn Store) {
    // Two flushes holding the same counts add up; the writer retrying a flush whose commit did
    // reach the database (its answer was lost) uses the same batch id and is not counted again.
    let mut deltas = Deltas::default();
    posts(&mut deltas, GUILD, GENERAL, ADA, at(20, 0), 4);
    deltas.add(reaction(GUILD, "🔥", BOB, at(20, 0)));
    deltas.add(command(GUILD, "track", BOB, at(20, 0)));
    assert!(store
        .apply_deltas("run-1", &deltas)
        .await
        .expect("first flush"));
    assert!(store
        .apply_deltas("run-2", &deltas)
        .await
        .expect("second flush"));
    assert!(
        !store
            .apply_deltas("run-2", &deltas)
            .await
            .expect("retried flush"),
        "a batch already applied is recognised"
    );

    let messages = store.message_rows(GUILD).await.expect("rows");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].1.messages, 8);
    let emojis = store.emoji_rows(GUILD).await.expect("rows");
    assert_eq!(emojis[0].1.reactions_added, 2);
    let apps = store.app_rows(GUILD).await.expect("rows");
    assert_eq!(apps[0].1, 2);
}

async fn a_key_with_minutes_in_its_hour_lands_on_the_hour(store: &dyn Store) {
    // A caller that forgot `hour_of`: 20:37:12.345 and 20:00 are the same rollup row.
    let mut deltas = Deltas::default();
    let stray = at(20, 37) + Duration::milliseconds(12_345);
    deltas.messages.insert(
        MessageKey {
            guild_id: GUILD,
            channel_id: GENERAL,
            user_id: ADA,
            hour: stray,
        },
        MessageCounts {
            messages: 2,
            ..MessageCounts::default()
        },
    );
    deltas.messages.insert(
        MessageKey {
            guild_id: GUILD,
            channel_id: GENERAL,
            user_id: ADA,
            hour: at(20, 0),
        },
        MessageCounts {
            messages: 3,
            ..MessageCounts::default()
        },
    );
    store
        .apply_deltas("batch-2", &deltas)
        .await
        .expect("flushed");

    let rows = store.message_rows(GUILD).await.expect("rows");
    assert_eq!(rows.len(), 1, "merged into one row");
    assert_eq!(rows[0].0.hour, at(20, 0));
    assert_eq!(rows[0].1.messages, 5);
}

async fn an_empty_flush_touches_nothing(store: &dyn Store) {
    store
        .apply_deltas("batch-3", &Deltas::default())
        .await
        .expect("nothing to write");
    assert!(store.message_rows(GUILD).await.expect("rows").is_empty());

    // Not even a connection: a closed store still accepts an empty flush.
    store.close().await;
    store
        .apply_deltas("batch-4", &Deltas::default())
        .await
        .expect("an empty flush never reaches the database");
}

async fn twenty_thousand_rows_apply_in_one_call(store: &dyn Store) {
    // A busy minute after an outage: 12,000 message rows (three SQLite statements' worth),
    // 5,000 emoji rows and 3,000 command rows, all in one call.
    let mut deltas = Deltas::default();
    for i in 0..12_000_u64 {
        let key = MessageKey {
            guild_id: GUILD,
            channel_id: ChannelId(10 + i % 40),
            user_id: UserId(1_000 + i / 40),
            hour: at(20, 0),
        };
        deltas.messages.insert(
            key,
            MessageCounts {
                messages: 2,
                with_attachments: 1,
                ..MessageCounts::default()
            },
        );
    }
    for i in 0..5_000_u64 {
        deltas.emojis.insert(
            emoji_key(
                GUILD,
                &format!("e{}:{}", i % 50, 5_000 + i % 50),
                UserId(1_000 + i / 50),
                at(20, 0),
            ),
            EmojiCounts {
                reactions_added: 1,
                ..EmojiCounts::default()
            },
        );
    }
    for i in 0..3_000_u64 {
        deltas.apps.insert(
            AppKey {
                guild_id: GUILD,
                application_id: TRAKKER_APP + i % 3,
                command: format!("cmd{}", i % 10),
                user_id: UserId(1_000 + i / 30),
                hour: at(20, 0),
            },
            3,
        );
    }
    assert_eq!(deltas.rows(), 20_000);
    store
        .apply_deltas("batch-5", &deltas)
        .await
        .expect("flushed");

    let messages = store.message_rows(GUILD).await.expect("rows");
    assert_eq!(messages.len(), 12_000);
    assert_eq!(
        messages.iter().map(|(_, c)| c.messages).sum::<u64>(),
        24_000
    );
    assert_eq!(store.emoji_rows(GUILD).await.expect("rows").len(), 5_000);
    let apps = store.app_rows(GUILD).await.expect("rows");
    assert_eq!(apps.len(), 3_000);
    assert_eq!(apps.iter().map(|(_, uses)| uses).sum::<u64>(), 9_000);
    assert_eq!(top(store, Metric::Messages, at(0, 0)).await.len(), 300);
}

async fn two_guilds_with_the_same_members_never_mix(store: &dyn Store) {
    // Ada is in both guilds, in channels with the same ids.
    let mut deltas = Deltas::default();
    posts(&mut deltas, GUILD, GENERAL, ADA, at(20, 0), 2);
    posts(&mut deltas, OTHER_GUILD, GENERAL, ADA, at(20, 0), 5);
    deltas.add(reaction(OTHER_GUILD, "🔥", ADA, at(20, 0)));
    store
        .apply_deltas("batch-6", &deltas)
        .await
        .expect("flushed");
    store
        .voice_join(OTHER_GUILD, LOUNGE, ADA, false, QUIET, at(20, 0))
        .await
        .expect("joined");
    store
        .upsert_invite(OTHER_GUILD, &invite("other", Some(ADA), 1))
        .await
        .expect("invite");
    store
        .record_join(
            OTHER_GUILD,
            &joined_through(BOB, "other", Some(ADA), at(20, 0)),
        )
        .await
        .expect("join");

    let rows = store.message_rows(GUILD).await.expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1.messages, 2);
    assert!(store.emoji_rows(GUILD).await.expect("rows").is_empty());
    assert_eq!(top(store, Metric::Messages, at(0, 0)).await, [(ADA.0, 2)]);
    assert!(top(store, Metric::VoiceSeconds, at(0, 0)).await.is_empty());
    assert!(top(store, Metric::Invites, at(0, 0)).await.is_empty());
    assert!(store
        .open_voice_sessions(GUILD)
        .await
        .expect("open")
        .is_empty());
    assert!(store.invites(GUILD).await.expect("invites").is_empty());
    assert!(store.joins(GUILD).await.expect("joins").is_empty());
    assert!(
        store
            .voice_leave(GUILD, ADA, at(21, 0))
            .await
            .expect("leave")
            .is_none(),
        "Ada is in voice in the other guild only"
    );
    assert_eq!(
        store
            .open_voice_sessions(OTHER_GUILD)
            .await
            .expect("open")
            .len(),
        1
    );
    assert_eq!(
        store
            .member_activity(GUILD, ADA, at(0, 0), at(23, 0))
            .await
            .expect("activity"),
        MemberActivity {
            messages: 2,
            voice_seconds: 0,
            top_channels: vec![(GENERAL, 2)],
            top_emojis: vec![],
        }
    );
}

async fn a_join_while_in_voice_is_a_move(store: &dyn Store) {
    // Ada joins the lounge at 20:00:00.123456 (a time finer than the store keeps), then appears
    // in #raids voice at 20:30 without a leave in between: she moved.
    let precise = at(20, 0) + Duration::microseconds(123_456);
    let first = store
        .voice_join(GUILD, LOUNGE, ADA, false, QUIET, precise)
        .await
        .expect("joined");
    assert_eq!(
        first.joined_at,
        at(20, 0) + Duration::milliseconds(123),
        "cut to the millisecond"
    );
    assert_eq!(first.left_at, None);
    assert_eq!(
        (first.guild_id, first.channel_id, first.user_id, first.afk),
        (GUILD, LOUNGE, ADA, false)
    );

    let second = store
        .voice_join(GUILD, RAIDS, ADA, false, QUIET, at(20, 30))
        .await
        .expect("moved");
    assert!(second.id > first.id);
    let open = store.open_voice_sessions(GUILD).await.expect("open");
    assert_eq!(
        open,
        std::slice::from_ref(&second),
        "one open session per member"
    );
    let sessions = store
        .voice_sessions(GUILD, Some(ADA), at(0, 0), at(23, 0))
        .await
        .expect("sessions");
    assert_eq!(sessions.len(), 2);
    assert_eq!(
        sessions[0].left_at,
        Some(at(20, 30)),
        "the first stay ended at the move"
    );

    let left = store
        .voice_leave(GUILD, ADA, at(21, 0))
        .await
        .expect("left")
        .expect("she was in voice");
    assert_eq!(left.id, second.id);
    assert_eq!(left.left_at, Some(at(21, 0)));
    assert!(store
        .open_voice_sessions(GUILD)
        .await
        .expect("open")
        .is_empty());
    assert_eq!(
        store
            .voice_leave(GUILD, ADA, at(21, 5))
            .await
            .expect("left"),
        None,
        "a second leave finds nothing open"
    );
}

async fn a_session_is_closed_once_and_never_before_it_began(store: &dyn Store) {
    // After a restart, reconciliation closes Ada's stale session at the last heartbeat.
    let ada = join_voice(store, ADA, LOUNGE, at(20, 0)).await;
    assert!(
        !store
            .close_voice_session(OTHER_GUILD, ada, at(20, 40))
            .await
            .expect("closed"),
        "not a session of that guild"
    );
    assert!(store
        .close_voice_session(GUILD, ada, at(20, 45))
        .await
        .expect("closed"));
    assert!(
        !store
            .close_voice_session(GUILD, ada, at(21, 0))
            .await
            .expect("closed"),
        "already closed"
    );
    let sessions = store
        .voice_sessions(GUILD, None, at(0, 0), at(23, 0))
        .await
        .expect("sessions");
    assert_eq!(
        sessions[0].left_at,
        Some(at(20, 45)),
        "the first close stands"
    );

    // Bob's leave arrives stamped before his join (clocks disagree): a stay of zero, not less.
    let bob = join_voice(store, BOB, LOUNGE, at(21, 0)).await;
    let left = store
        .voice_leave(GUILD, BOB, at(20, 59))
        .await
        .expect("left")
        .expect("he was in voice");
    assert_eq!((left.id, left.left_at), (bob, Some(at(21, 0))));
    let cy = join_voice(store, CY, LOUNGE, at(21, 0)).await;
    assert!(store
        .close_voice_session(GUILD, cy, at(20, 0))
        .await
        .expect("closed"));
    let cy_session = store
        .voice_sessions(GUILD, Some(CY), at(0, 0), at(23, 0))
        .await
        .expect("sessions");
    assert_eq!(cy_session[0].left_at, Some(at(21, 0)));
}

async fn voice_sessions_are_those_overlapping_the_window(store: &dyn Store) {
    // The window is [20:00, 22:00).
    join_voice(store, ADA, LOUNGE, at(18, 0)).await;
    leave_voice(store, ADA, at(19, 0)).await; // before: out
    join_voice(store, BOB, LOUNGE, at(19, 30)).await;
    leave_voice(store, BOB, at(20, 30)).await; // straddles the start: in
    join_voice(store, CY, RAIDS, at(20, 15)).await;
    leave_voice(store, CY, at(21, 0)).await; // inside: in
    join_voice(store, DEE, RAIDS, at(22, 0)).await; // starts at the end: out
    join_voice(store, ADA, GENERAL, at(21, 30)).await; // still open: in
    join_voice(store, BOB, LOUNGE, at(19, 0) - Duration::hours(2)).await;
    leave_voice(store, BOB, at(20, 0)).await; // ends exactly at the start: out

    let sessions = store
        .voice_sessions(GUILD, None, at(20, 0), at(22, 0))
        .await
        .expect("sessions");
    let who: Vec<(UserId, DateTime<Utc>)> =
        sessions.iter().map(|s| (s.user_id, s.joined_at)).collect();
    assert_eq!(
        who,
        [(BOB, at(19, 30)), (CY, at(20, 15)), (ADA, at(21, 30))],
        "oldest first"
    );
    let ada: Vec<DateTime<Utc>> = store
        .voice_sessions(GUILD, Some(ADA), at(20, 0), at(22, 0))
        .await
        .expect("sessions")
        .iter()
        .map(|s| s.joined_at)
        .collect();
    assert_eq!(ada, [at(21, 30)]);
}

async fn voice_flags_are_kept_as_a_history(store: &dyn Store) {
    // Ada joins muted, unmutes at 20:10, starts streaming at 20:20; the writer retries the
    // 20:20 change after a timeout that had in fact reached the database.
    let muted = VoiceFlags {
        self_mute: true,
        ..QUIET
    };
    let streaming = VoiceFlags {
        streaming: true,
        video: true,
        ..QUIET
    };
    store
        .voice_join(GUILD, LOUNGE, ADA, false, muted, at(20, 0))
        .await
        .expect("joined");
    store
        .voice_flags_changed(GUILD, ADA, QUIET, at(20, 10))
        .await
        .expect("unmuted");
    store
        .voice_flags_changed(GUILD, ADA, streaming, at(20, 20))
        .await
        .expect("streaming");
    store
        .voice_flags_changed(GUILD, ADA, streaming, at(20, 20))
        .await
        .expect("retried");
    store
        .voice_flags_changed(GUILD, BOB, muted, at(20, 15))
        .await
        .expect("Bob");

    let history = store
        .voice_flag_history(GUILD, ADA, at(20, 0), at(21, 0))
        .await
        .expect("history");
    assert_eq!(
        history,
        [
            (at(20, 0), muted),
            (at(20, 10), QUIET),
            (at(20, 20), streaming)
        ],
        "oldest first, the retry recorded once"
    );
    let later = store
        .voice_flag_history(GUILD, ADA, at(20, 5), at(20, 20))
        .await
        .expect("history");
    assert_eq!(later, [(at(20, 10), QUIET)], "[since, until)");
}

async fn voice_time_ranks_members_outside_the_afk_channel(store: &dyn Store) {
    // Since 20:00, at 21:00: Ada was in the lounge 20:00–21:00 (60 min); Bob joined the lounge at
    // 20:10 and is still there (50 min); Cy idled in the AFK channel for two hours (nothing); Dee
    // was in #raids voice 19:00–20:30 (30 min counted after 20:00).
    join_voice(store, ADA, LOUNGE, at(20, 0)).await;
    leave_voice(store, ADA, at(21, 0)).await;
    join_voice(store, BOB, LOUNGE, at(20, 10)).await;
    join_voice(store, CY, AFK, at(19, 0)).await;
    leave_voice(store, CY, at(21, 0)).await;
    join_voice(store, DEE, RAIDS, at(19, 0)).await;
    leave_voice(store, DEE, at(20, 30)).await;

    let now = at(21, 0);
    assert_eq!(
        top_in(store, GUILD, Metric::VoiceSeconds, at(20, 0), None, now).await,
        [(ADA.0, 3_600), (BOB.0, 3_000), (DEE.0, 1_800)]
    );
    assert_eq!(
        top_in(
            store,
            GUILD,
            Metric::VoiceSeconds,
            at(20, 0),
            Some(RAIDS),
            now
        )
        .await,
        [(DEE.0, 1_800)],
        "one channel"
    );
    // Half a second in voice is no second at all.
    join_voice(store, CY, GENERAL, at(22, 0)).await;
    leave_voice(store, CY, at(22, 0) + Duration::milliseconds(500)).await;
    assert!(top_in(
        store,
        GUILD,
        Metric::VoiceSeconds,
        at(21, 59),
        Some(GENERAL),
        at(23, 0)
    )
    .await
    .is_empty());
}

async fn messages_emojis_and_commands_rank_members_since_an_hour(store: &dyn Store) {
    let mut deltas = Deltas::default();
    // Yesterday evening, out of the window.
    posts(
        &mut deltas,
        GUILD,
        GENERAL,
        CY,
        at(2, 0) - Duration::hours(6),
        50,
    );
    // Ada: 5 in #general at 20:10, 2 in #raids at 21:10; Bob: 4 in #raids at 20:50.
    posts(&mut deltas, GUILD, GENERAL, ADA, at(20, 10), 5);
    posts(&mut deltas, GUILD, RAIDS, ADA, at(21, 10), 2);
    posts(&mut deltas, GUILD, RAIDS, BOB, at(20, 50), 4);
    // Emojis: Ada reacts 🔥 3 times and writes 🎉 twice; Bob reacts twice then takes both back
    // (still 2 uses: a removal does not undo the use); Cy only removes one (nothing).
    for _ in 0..3 {
        deltas.add(reaction(GUILD, "🔥", ADA, at(20, 10)));
    }
    deltas.add(ActivityEvent::EmojisInMessage {
        key: emoji_key(GUILD, "🎉", ADA, at(20, 11)),
        count: 2,
    });
    for added in [true, true, false, false] {
        deltas.add(ActivityEvent::Reaction {
            key: emoji_key(GUILD, "👍", BOB, at(20, 20)),
            added,
        });
    }
    deltas.add(ActivityEvent::Reaction {
        key: emoji_key(GUILD, "👍", CY, at(20, 20)),
        added: false,
    });
    // Commands: Bob runs /track three times, Ada /leaderboard once.
    for _ in 0..3 {
        deltas.add(command(GUILD, "track", BOB, at(20, 30)));
    }
    deltas.add(command(GUILD, "leaderboard", ADA, at(21, 30)));
    store
        .apply_deltas("batch-7", &deltas)
        .await
        .expect("flushed");

    assert_eq!(
        top(store, Metric::Messages, at(20, 0)).await,
        [(ADA.0, 7), (BOB.0, 4)]
    );
    assert_eq!(
        top_in(
            store,
            GUILD,
            Metric::Messages,
            at(20, 0),
            Some(RAIDS),
            at(23, 0)
        )
        .await,
        [(BOB.0, 4), (ADA.0, 2)]
    );
    assert_eq!(
        top(store, Metric::Messages, at(20, 30)).await,
        [(ADA.0, 7), (BOB.0, 4)],
        "the hour holding `since` counts whole"
    );
    assert_eq!(top(store, Metric::Messages, at(21, 0)).await, [(ADA.0, 2)]);
    assert_eq!(
        top(store, Metric::Messages, at(0, 0) - Duration::days(1)).await,
        [(CY.0, 50), (ADA.0, 7), (BOB.0, 4)]
    );
    assert_eq!(
        top(store, Metric::Emojis, at(20, 0)).await,
        [(ADA.0, 5), (BOB.0, 2)],
        "reactions added plus emojis in text; Cy's removal alone is no use"
    );
    assert_eq!(
        top(store, Metric::AppCommands, at(20, 0)).await,
        [(BOB.0, 3), (ADA.0, 1)]
    );
    assert!(top(store, Metric::AppCommands, at(22, 0)).await.is_empty());
}

async fn invites_count_members_who_stayed_a_day(store: &dyn Store) {
    let day = Duration::days(1);
    // Through Ada's invite: Bob joins and stays; Cy joins, leaves after 2 hours (not counted);
    // Dee joins, leaves after exactly a day (counted). User 5 joined last week (before `since`).
    store
        .record_join(GUILD, &joined_through(BOB, "ada1", Some(ADA), at(10, 0)))
        .await
        .expect("join");
    store
        .record_join(GUILD, &joined_through(CY, "ada1", Some(ADA), at(11, 0)))
        .await
        .expect("join");
    store
        .record_departure(GUILD, CY, at(13, 0))
        .await
        .expect("left");
    store
        .record_join(
            GUILD,
            &JoinRecord {
                left_at: Some(at(12, 0) + day),
                ..joined_through(DEE, "ada2", Some(ADA), at(12, 0))
            },
        )
        .await
        .expect("join");
    store
        .record_join(
            GUILD,
            &joined_through(UserId(5), "ada1", Some(ADA), at(12, 0) - day * 7),
        )
        .await
        .expect("join");
    // Through Bob's invite; through an invite whose creator is unknown; through the vanity URL;
    // and one the bot could not tell.
    store
        .record_join(
            GUILD,
            &joined_through(UserId(6), "bob1", Some(BOB), at(14, 0)),
        )
        .await
        .expect("join");
    store
        .record_join(
            GUILD,
            &joined_through(UserId(7), "mystery", None, at(14, 0)),
        )
        .await
        .expect("join");
    for (user, source) in [(8, JoinSource::Vanity), (9, JoinSource::Unknown)] {
        store
            .record_join(
                GUILD,
                &JoinRecord {
                    user_id: UserId(user),
                    joined_at: at(15, 0),
                    source,
                    left_at: None,
                },
            )
            .await
            .expect("join");
    }

    assert_eq!(
        top_in(
            store,
            GUILD,
            Metric::Invites,
            at(0, 0),
            None,
            at(23, 0) + day
        )
        .await,
        [(ADA.0, 2), (BOB.0, 1)]
    );
    assert_eq!(
        top_in(
            store,
            GUILD,
            Metric::Invites,
            at(11, 30),
            None,
            at(23, 0) + day
        )
        .await,
        [(BOB.0, 1), (ADA.0, 1)],
        "joins from `since` on"
    );
}

async fn a_departure_closes_the_latest_join(store: &dyn Store) {
    // Bob joins through Ada's invite, leaves, comes back through the vanity URL, leaves again.
    store
        .record_join(GUILD, &joined_through(BOB, "ada1", Some(ADA), at(10, 0)))
        .await
        .expect("join");
    store
        .record_departure(GUILD, BOB, at(11, 0))
        .await
        .expect("left");
    store
        .record_join(
            GUILD,
            &JoinRecord {
                user_id: BOB,
                joined_at: at(12, 0),
                source: JoinSource::Vanity,
                left_at: None,
            },
        )
        .await
        .expect("join");
    store
        .record_departure(GUILD, CY, at(12, 30))
        .await
        .expect("unknown member: nothing");
    store
        .record_departure(GUILD, BOB, at(13, 0))
        .await
        .expect("left");
    store
        .record_departure(GUILD, BOB, at(14, 0))
        .await
        .expect("no open join: nothing");
    store
        .record_join(
            GUILD,
            &JoinRecord {
                user_id: CY,
                joined_at: at(9, 0),
                source: JoinSource::Unknown,
                left_at: None,
            },
        )
        .await
        .expect("join");

    let joins = store.joins(GUILD).await.expect("joins");
    assert_eq!(
        joins,
        [
            JoinRecord {
                user_id: CY,
                joined_at: at(9, 0),
                source: JoinSource::Unknown,
                left_at: None,
            },
            JoinRecord {
                left_at: Some(at(11, 0)),
                ..joined_through(BOB, "ada1", Some(ADA), at(10, 0))
            },
            JoinRecord {
                user_id: BOB,
                joined_at: at(12, 0),
                source: JoinSource::Vanity,
                left_at: Some(at(13, 0)),
            },
        ],
        "oldest first; each departure closed the join open at the time"
    );
}

async fn syncing_invites_marks_the_unlisted_ones_deleted(store: &dyn Store) {
    store
        .upsert_invite(GUILD, &invite("bbb", Some(ADA), 1))
        .await
        .expect("created");
    store
        .upsert_invite(GUILD, &invite("aaa", Some(BOB), 0))
        .await
        .expect("created");
    assert_eq!(
        codes(&store.invites(GUILD).await.expect("invites")),
        ["aaa", "bbb"]
    );

    // A fresh fetch lists bbb (used twice more, Discord not saying by whom) and a new ccc.
    store
        .sync_invites(
            GUILD,
            &[invite("ccc", None, 0), invite("bbb", None, 3)],
            at(12, 0),
        )
        .await
        .expect("synced");
    let invites = store.invites(GUILD).await.expect("invites");
    assert_eq!(codes(&invites), ["bbb", "ccc"], "aaa is gone");
    assert_eq!(invites[0].uses, 3);
    assert_eq!(invites[0].inviter_id, Some(ADA), "an inviter stays known");
    assert_eq!(invites[0].created_at, Some(at(1, 0)));

    store
        .delete_invite(GUILD, "ccc", at(13, 0))
        .await
        .expect("deleted");
    assert_eq!(
        codes(&store.invites(GUILD).await.expect("invites")),
        ["bbb"]
    );
    store
        .upsert_invite(GUILD, &invite("ccc", Some(CY), 0))
        .await
        .expect("created again");
    // aaa comes back in a later fetch; codes sort by their bytes, capitals first.
    store
        .sync_invites(
            GUILD,
            &[
                invite("aaa", Some(BOB), 5),
                invite("bbb", Some(ADA), 3),
                invite("ccc", Some(CY), 0),
                invite("Zed", None, 0),
            ],
            at(14, 0),
        )
        .await
        .expect("synced");
    let invites = store.invites(GUILD).await.expect("invites");
    assert_eq!(codes(&invites), ["Zed", "aaa", "bbb", "ccc"]);
    assert_eq!(invites[1], invite("aaa", Some(BOB), 5));

    store
        .sync_invites(GUILD, &[], at(15, 0))
        .await
        .expect("synced");
    assert!(
        store.invites(GUILD).await.expect("invites").is_empty(),
        "an empty fetch deletes all"
    );
}

async fn member_activity_sums_one_member(store: &dyn Store) {
    let mut deltas = Deltas::default();
    // Ada: #raids 6, #general 4, #memes 4 (tie with #general: lower id first), channel 13 1.
    posts(&mut deltas, GUILD, RAIDS, ADA, at(20, 0), 6);
    posts(&mut deltas, GUILD, GENERAL, ADA, at(20, 0), 4);
    posts(&mut deltas, GUILD, MEMES, ADA, at(21, 0), 4);
    posts(&mut deltas, GUILD, ChannelId(13), ADA, at(21, 0), 1);
    posts(&mut deltas, GUILD, GENERAL, BOB, at(20, 0), 9);
    // Emojis: 🔥 3, then b, a, c, d at 2 each (ties by text), e at 1; 👻 only taken back.
    for _ in 0..3 {
        deltas.add(reaction(GUILD, "🔥", ADA, at(20, 0)));
    }
    for name in ["b", "a", "c", "d"] {
        deltas.add(reaction(GUILD, name, ADA, at(20, 0)));
        deltas.add(ActivityEvent::EmojisInMessage {
            key: emoji_key(GUILD, name, ADA, at(21, 0)),
            count: 1,
        });
    }
    deltas.add(reaction(GUILD, "e", ADA, at(20, 0)));
    deltas.add(ActivityEvent::Reaction {
        key: emoji_key(GUILD, "👻", ADA, at(20, 0)),
        added: false,
    });
    store
        .apply_deltas("batch-8", &deltas)
        .await
        .expect("flushed");
    // Voice: 20:00–20:30 in the lounge, 20:30–20:45 AFK, back in the lounge since 20:45.
    join_voice(store, ADA, LOUNGE, at(20, 0)).await;
    join_voice(store, ADA, AFK, at(20, 30)).await;
    join_voice(store, ADA, LOUNGE, at(20, 45)).await;

    let activity = store
        .member_activity(GUILD, ADA, at(20, 0), at(21, 0))
        .await
        .expect("activity");
    assert_eq!(
        activity,
        MemberActivity {
            messages: 15,
            voice_seconds: 45 * 60,
            top_channels: vec![(RAIDS, 6), (GENERAL, 4), (MEMES, 4)],
            top_emojis: vec![
                ("🔥".to_owned(), 3),
                ("a".to_owned(), 2),
                ("b".to_owned(), 2),
                ("c".to_owned(), 2),
                ("d".to_owned(), 2),
            ],
        }
    );
    let later = store
        .member_activity(GUILD, ADA, at(21, 0), at(21, 0))
        .await
        .expect("activity");
    assert_eq!(later.messages, 5);
    assert_eq!(later.voice_seconds, 0, "nothing after `now`");
    assert_eq!(
        store
            .member_activity(GUILD, CY, at(0, 0), at(23, 0))
            .await
            .expect("activity"),
        MemberActivity::default(),
        "a member with nothing"
    );
}

async fn heartbeats_keep_the_latest_beat_per_shard(store: &dyn Store) {
    assert_eq!(store.last_heartbeat(0).await.expect("beat"), None);
    store.heartbeat(0, at(20, 0)).await.expect("beat");
    store.heartbeat(0, at(20, 1)).await.expect("beat");
    store
        .heartbeat(0, at(20, 0) + Duration::seconds(30))
        .await
        .expect("late write");
    store.heartbeat(1, at(19, 0)).await.expect("beat");
    store.heartbeat(u32::MAX, at(18, 0)).await.expect("beat");
    assert_eq!(
        store.last_heartbeat(0).await.expect("beat"),
        Some(at(20, 1))
    );
    assert_eq!(
        store.last_heartbeat(1).await.expect("beat"),
        Some(at(19, 0))
    );
    assert_eq!(
        store.last_heartbeat(u32::MAX).await.expect("beat"),
        Some(at(18, 0))
    );
    assert_eq!(store.last_heartbeat(2).await.expect("beat"), None);
}

async fn game_activity_opens_and_closes_per_game(store: &dyn Store) {
    // Ada starts Tarkov at 20:00 and Minecraft at 20:10; at 20:30 her presence lists Minecraft
    // only; at 20:40 an update still lists Minecraft (she plays on); at 21:00 she plays nothing.
    store
        .activity_start(GUILD, ADA, "Tarkov", at(20, 0))
        .await
        .expect("started");
    store
        .activity_start(GUILD, ADA, "Minecraft", at(20, 10))
        .await
        .expect("started");
    store
        .activity_start(GUILD, BOB, "Tarkov", at(20, 5))
        .await
        .expect("started");
    store
        .activity_stop(GUILD, ADA, &["Minecraft".to_owned()], at(20, 30))
        .await
        .expect("stopped");
    store
        .activity_start(GUILD, ADA, "Minecraft", at(20, 40))
        .await
        .expect("still playing");
    store
        .activity_stop(GUILD, ADA, &[], at(21, 0))
        .await
        .expect("stopped");

    let sessions = store
        .activity_sessions(GUILD, Some(ADA), at(0, 0), at(23, 0))
        .await
        .expect("sessions");
    let seen: Vec<_> = sessions
        .iter()
        .map(|s| (s.game.as_str(), s.started_at, s.ended_at))
        .collect();
    assert_eq!(
        seen,
        [
            ("Tarkov", at(20, 0), Some(at(20, 30))),
            ("Minecraft", at(20, 10), Some(at(21, 0))),
        ]
    );
    let after: Vec<ActivitySession> = store
        .activity_sessions(GUILD, None, at(20, 45), at(23, 0))
        .await
        .expect("sessions");
    let after: Vec<_> = after
        .iter()
        .map(|s| (s.user_id, s.game.as_str(), s.ended_at))
        .collect();
    assert_eq!(
        after,
        [(BOB, "Tarkov", None), (ADA, "Minecraft", Some(at(21, 0)))],
        "everyone's sessions overlapping 20:45 on, oldest first"
    );
    assert!(store
        .activity_sessions(OTHER_GUILD, None, at(0, 0), at(23, 0))
        .await
        .expect("sessions")
        .is_empty());
}

/// Records the guild with Ada and Bob, Cy who left, and Dee, a bot.
async fn guild_with_a_leaver_and_a_bot(store: &dyn Store) {
    store
        .upsert_guild(&GuildRecord {
            id: GUILD,
            name: "the squad".to_owned(),
            joined_at: at(1, 0),
            left_at: None,
        })
        .await
        .expect("guild recorded");
    let member = |user: UserId, name: &str, is_bot: bool| MemberRecord {
        user_id: user,
        display_name: name.to_owned(),
        is_bot,
        joined_at: at(1, 0),
        left_at: None,
        tracking_opt_out: false,
    };
    store
        .upsert_members(
            GUILD,
            &[
                member(ADA, "Ada", false),
                member(BOB, "Bob", false),
                member(CY, "Cy", false),
                member(DEE, "Dee the bot", true),
            ],
        )
        .await
        .expect("members recorded");
    store
        .mark_member_left(GUILD, CY, at(2, 0))
        .await
        .expect("Cy left");
}

fn stay(user: UserId, channel: ChannelId, from: DateTime<Utc>, to: DateTime<Utc>) -> VoiceStay {
    VoiceStay {
        user: user.0,
        channel: channel.0,
        start_ms: from.timestamp_millis(),
        end_ms: to.timestamp_millis(),
    }
}

async fn chart_stays_are_clamped_to_the_period_without_afk_or_bots(store: &dyn Store) {
    guild_with_a_leaver_and_a_bot(store).await;
    // Ada 19:00–21:00 in the lounge, Bob 20:30–22:30 (still there at 22:00), Cy 18:00–19:30
    // (before the period), Dee the bot and Ada's AFK stay, another guild's stay.
    join_voice(store, ADA, LOUNGE, at(19, 0)).await;
    leave_voice(store, ADA, at(21, 0)).await;
    join_voice(store, ADA, AFK, at(21, 0)).await;
    leave_voice(store, ADA, at(21, 45)).await;
    join_voice(store, BOB, LOUNGE, at(20, 30)).await;
    join_voice(store, CY, LOUNGE, at(18, 0)).await;
    leave_voice(store, CY, at(19, 30)).await;
    join_voice(store, DEE, LOUNGE, at(20, 0)).await;
    store
        .voice_join(OTHER_GUILD, LOUNGE, ADA, false, QUIET, at(20, 0))
        .await
        .expect("joined elsewhere");

    let mut stays = store
        .voice_stays(GUILD, at(20, 0), at(22, 0))
        .await
        .expect("stays");
    stays.sort_by_key(|stay| (stay.user, stay.start_ms));
    assert_eq!(
        stays,
        [
            stay(ADA, LOUNGE, at(20, 0), at(21, 0)),
            stay(BOB, LOUNGE, at(20, 30), at(22, 0)),
        ],
        "clamped to the period, an open stay to its end, AFK, bots, other guilds and stays \
         before the period left out"
    );
    let all = store
        .voice_stays(GUILD, DateTime::UNIX_EPOCH, at(23, 0))
        .await
        .expect("stays");
    assert_eq!(all.len(), 3, "Ada, Bob and Cy over everything: {all:?}");
}

async fn chart_channel_hours_sum_members_per_channel(store: &dyn Store) {
    guild_with_a_leaver_and_a_bot(store).await;
    let mut deltas = Deltas::default();
    posts(&mut deltas, GUILD, GENERAL, ADA, at(20, 5), 3);
    posts(&mut deltas, GUILD, GENERAL, BOB, at(20, 40), 2);
    posts(&mut deltas, GUILD, RAIDS, CY, at(21, 10), 1);
    posts(&mut deltas, GUILD, GENERAL, ADA, at(23, 10), 4);
    posts(&mut deltas, OTHER_GUILD, GENERAL, ADA, at(20, 10), 7);
    store
        .apply_deltas("charts", &deltas)
        .await
        .expect("flushed");
    // A second flush into the same hour and channel adds to the server-wide count.
    let mut later = Deltas::default();
    posts(&mut later, GUILD, GENERAL, BOB, at(20, 50), 1);
    store
        .apply_deltas("charts-later", &later)
        .await
        .expect("flushed");

    let hours = store
        .channel_hours(GUILD, at(20, 0))
        .await
        .expect("channel hours");
    let hour = |when: DateTime<Utc>, channel: ChannelId, messages: u64| ChannelHour {
        hour_ms: when.timestamp_millis(),
        channel,
        messages,
    };
    assert_eq!(
        hours,
        [
            hour(at(20, 0), GENERAL, 6),
            hour(at(21, 0), RAIDS, 1),
            hour(at(23, 0), GENERAL, 4)
        ],
        "members and flushes summed per channel and hour, by hour, the other guild left out"
    );
    let later = store
        .channel_hours(GUILD, at(20, 30))
        .await
        .expect("from a later hour");
    assert_eq!(
        later,
        [hour(at(21, 0), RAIDS, 1), hour(at(23, 0), GENERAL, 4)],
        "hours starting at or after the instant asked for"
    );
}

async fn the_directory_names_members_and_charts_open_and_close(store: &dyn Store) {
    assert!(matches!(
        store.set_chart_open(GUILD, "duo", true).await,
        Err(StoreError::UnknownGuild(GUILD))
    ));
    guild_with_a_leaver_and_a_bot(store).await;
    let directory = store.member_directory(GUILD).await.expect("directory");
    let entry = |user: UserId, name: &str, is_bot: bool, left: bool| DirectoryEntry {
        user,
        display_name: name.to_owned(),
        is_bot,
        left,
    };
    assert_eq!(
        directory,
        [
            entry(ADA, "Ada", false, false),
            entry(BOB, "Bob", false, false),
            entry(CY, "Cy", false, true),
            entry(DEE, "Dee the bot", true, false),
        ]
    );
    assert!(store.open_charts(GUILD).await.expect("open").is_empty());
    assert!(store
        .set_chart_open(GUILD, "duo", true)
        .await
        .expect("opened"));
    assert!(!store
        .set_chart_open(GUILD, "duo", true)
        .await
        .expect("again"));
    assert!(store
        .set_chart_open(GUILD, "all", true)
        .await
        .expect("opened"));
    assert_eq!(
        store.open_charts(GUILD).await.expect("open"),
        ["all", "duo"]
    );
    assert!(store
        .set_chart_open(GUILD, "duo", false)
        .await
        .expect("closed"));
    assert!(!store
        .set_chart_open(GUILD, "voice", false)
        .await
        .expect("never open"));
    assert_eq!(store.open_charts(GUILD).await.expect("open"), ["all"]);
    assert!(store
        .open_charts(OTHER_GUILD)
        .await
        .expect("open")
        .is_empty());
}

fn member_named(user: UserId, name: &str) -> MemberRecord {
    MemberRecord {
        user_id: user,
        display_name: name.to_owned(),
        is_bot: false,
        joined_at: at(1, 0),
        left_at: None,
        tracking_opt_out: false,
    }
}

async fn opting_out_ends_open_stays_and_leaves_the_member_out_of_later_flushes(store: &dyn Store) {
    guild_with_a_leaver_and_a_bot(store).await;
    join_voice(store, ADA, LOUNGE, at(20, 0)).await;
    join_voice(store, BOB, LOUNGE, at(20, 0)).await;
    store
        .activity_start(GUILD, ADA, "Deep Rock", at(20, 0))
        .await
        .expect("playing");
    // Gathered before the opt-out reached the process that flushes them.
    let mut gathered = Deltas::default();
    posts(&mut gathered, GUILD, GENERAL, ADA, at(20, 10), 2);
    posts(&mut gathered, GUILD, GENERAL, BOB, at(20, 10), 1);
    posts(&mut gathered, OTHER_GUILD, GENERAL, ADA, at(20, 10), 5);

    let ada = member_named(ADA, "Ada");
    assert!(store
        .set_tracking_opt_out(GUILD, &ada, true, at(20, 30))
        .await
        .expect("opted out"));
    assert!(
        !store
            .set_tracking_opt_out(GUILD, &ada, true, at(20, 40))
            .await
            .expect("again"),
        "opting out twice changes nothing"
    );
    assert_eq!(
        store.privacy_choices(GUILD, ADA).await.expect("choices"),
        PrivacyChoices {
            opted_out: true,
            hidden: false
        }
    );
    assert_eq!(store.opted_out_members(GUILD).await.expect("list"), [ADA]);

    store
        .apply_deltas("after-opt-out", &gathered)
        .await
        .expect("flushed");
    assert_eq!(
        top(store, Metric::Messages, at(0, 0)).await,
        [(BOB.0, 1)],
        "the opted-out member's rows are left out of the flush, the others' kept"
    );
    let elsewhere = store
        .top_members(OTHER_GUILD, Metric::Messages, at(0, 0), None, at(23, 0))
        .await
        .expect("other guild");
    assert_eq!(
        totals(elsewhere),
        [(ADA.0, 5)],
        "opting out in one server leaves her counted in another"
    );
    let sessions = store
        .voice_sessions(GUILD, None, at(0, 0), at(23, 0))
        .await
        .expect("sessions");
    let ended = |user: UserId| {
        sessions
            .iter()
            .find(|session| session.user_id == user)
            .map(|session| session.left_at)
    };
    assert_eq!(
        ended(ADA),
        Some(Some(at(20, 30))),
        "their stay ends at the opt-out"
    );
    assert_eq!(ended(BOB), Some(None), "the others' stays run on");
    let games = store
        .activity_sessions(GUILD, Some(ADA), at(0, 0), at(23, 0))
        .await
        .expect("games");
    assert_eq!(games.len(), 1);
    assert_eq!(games[0].ended_at, Some(at(20, 30)), "their game ends too");

    assert!(store
        .set_tracking_opt_out(GUILD, &ada, false, at(21, 0))
        .await
        .expect("opted in"));
    let mut later = Deltas::default();
    posts(&mut later, GUILD, GENERAL, ADA, at(21, 10), 4);
    store
        .apply_deltas("after-opt-in", &later)
        .await
        .expect("flushed");
    assert_eq!(
        top(store, Metric::Messages, at(0, 0)).await,
        [(ADA.0, 4), (BOB.0, 1)],
        "recorded again once back in"
    );
}

async fn hiding_lists_the_member_and_a_choice_records_an_unknown_member(store: &dyn Store) {
    let eve = member_named(UserId(5), "Eve");
    assert!(matches!(
        store.set_hidden(GUILD, &eve, true).await,
        Err(StoreError::UnknownGuild(GUILD))
    ));
    assert!(matches!(
        store
            .set_tracking_opt_out(GUILD, &eve, true, at(20, 0))
            .await,
        Err(StoreError::UnknownGuild(GUILD))
    ));
    guild_with_a_leaver_and_a_bot(store).await;
    assert_eq!(
        store
            .privacy_choices(GUILD, eve.user_id)
            .await
            .expect("choices"),
        PrivacyChoices::default(),
        "a member never recorded has made no choice"
    );
    assert!(store.set_hidden(GUILD, &eve, true).await.expect("hidden"));
    assert!(store
        .set_hidden(GUILD, &member_named(BOB, "Bob"), true)
        .await
        .expect("hidden"));
    assert!(!store
        .set_hidden(GUILD, &member_named(BOB, "Bob"), true)
        .await
        .expect("again"));
    assert_eq!(
        store.hidden_members(GUILD).await.expect("hidden"),
        [BOB, eve.user_id]
    );
    assert!(store
        .hidden_members(OTHER_GUILD)
        .await
        .expect("none")
        .is_empty());
    let directory = store.member_directory(GUILD).await.expect("directory");
    assert!(
        directory
            .iter()
            .any(|entry| entry.user == eve.user_id && entry.display_name == "Eve"),
        "the unknown member was recorded: {directory:?}"
    );
    assert_eq!(
        store.privacy_choices(GUILD, BOB).await.expect("choices"),
        PrivacyChoices {
            opted_out: false,
            hidden: true
        }
    );
    assert!(store
        .set_hidden(GUILD, &member_named(BOB, "Bob"), false)
        .await
        .expect("shown"));
    assert_eq!(
        store.hidden_members(GUILD).await.expect("hidden"),
        [eve.user_id]
    );
}

async fn what_is_recorded_about_a_member_is_counted_per_kind(store: &dyn Store) {
    guild_with_a_leaver_and_a_bot(store).await;
    assert_eq!(
        store.recorded_about(GUILD, ADA).await.expect("nothing"),
        RecordedAbout::default()
    );
    let mut deltas = Deltas::default();
    posts(&mut deltas, GUILD, GENERAL, ADA, at(20, 10), 3);
    posts(&mut deltas, GUILD, RAIDS, ADA, at(21, 10), 1);
    posts(&mut deltas, GUILD, GENERAL, BOB, at(20, 10), 1);
    posts(&mut deltas, OTHER_GUILD, GENERAL, ADA, at(20, 10), 9);
    deltas.add(reaction(GUILD, "🔥", ADA, at(20, 15)));
    deltas.add(command(GUILD, "play", ADA, at(20, 20)));
    store.apply_deltas("about", &deltas).await.expect("flushed");
    join_voice(store, ADA, LOUNGE, at(20, 0)).await;
    join_voice(store, ADA, AFK, at(20, 30)).await;
    leave_voice(store, ADA, at(21, 0)).await;
    store
        .record_join(GUILD, &joined_through(BOB, "squad", Some(ADA), at(19, 0)))
        .await
        .expect("join");
    let recorded = store.recorded_about(GUILD, ADA).await.expect("counted");
    assert_eq!(
        recorded,
        RecordedAbout {
            message_hours: 2,
            emoji_hours: 1,
            command_hours: 1,
            voice_stays: 2,
            voice_flag_changes: 2,
            invited: 1,
            ..RecordedAbout::default()
        },
        "their rows in this guild only"
    );
}

async fn ledger_stays_are_read_after_an_id_and_by_the_ids_still_open(store: &dyn Store) {
    guild_with_a_leaver_and_a_bot(store).await;
    let ada = join_voice(store, ADA, LOUNGE, at(20, 0)).await;
    join_voice(store, BOB, AFK, at(20, 0)).await;
    join_voice(store, DEE, LOUNGE, at(20, 0)).await;
    let cy = join_voice(store, CY, LOUNGE, at(20, 5)).await;
    leave_voice(store, CY, at(21, 0)).await;
    store
        .voice_join(OTHER_GUILD, LOUNGE, ADA, false, QUIET, at(20, 0))
        .await
        .expect("elsewhere");
    let ms = |when: DateTime<Utc>| when.timestamp_millis();
    let stay = |id: i64, user: UserId, from: DateTime<Utc>, to: Option<DateTime<Utc>>| LedgerStay {
        id,
        user,
        channel: LOUNGE,
        start_ms: ms(from),
        end_ms: to.map(ms),
    };

    let first = store.ledger_stays(GUILD, 0, &[], 100).await.expect("read");
    assert_eq!(
        first,
        [
            stay(ada, ADA, at(20, 0), None),
            stay(cy, CY, at(20, 5), Some(at(21, 0)))
        ],
        "AFK, bots and other guilds left out, open stays without an end, by id"
    );
    let last = first.iter().map(|s| s.id).max().expect("rows");
    assert_eq!(
        store.ledger_stays(GUILD, 0, &[], 1).await.expect("a page"),
        first[..1],
        "a page of one"
    );

    leave_voice(store, ADA, at(22, 0)).await;
    let bob = join_voice(store, BOB, LOUNGE, at(22, 30)).await;
    let next = store
        .ledger_stays(GUILD, last, &[ada], 100)
        .await
        .expect("read again");
    assert_eq!(
        next,
        [
            stay(ada, ADA, at(20, 0), Some(at(22, 0))),
            stay(bob, BOB, at(22, 30), None)
        ],
        "the open stay as it is now, and what came after"
    );
    assert!(store
        .ledger_stays(GUILD, bob, &[], 100)
        .await
        .expect("nothing new")
        .is_empty());
}

async fn the_charts_stay_cache_reads_what_the_ledger_holds_as_it_grows(store: &dyn Store) {
    guild_with_a_leaver_and_a_bot(store).await;
    // Two rows a page, so reads span several pages, open stays among them.
    let cache = ChartCache::default().reading(2);
    let sorted = |mut stays: Vec<VoiceStay>| {
        stays.sort_by_key(|s| (s.start_ms, s.user, s.channel, s.end_ms));
        stays
    };
    let same = |when: &str| {
        let cache = &cache;
        let when = when.to_owned();
        async move {
            for (since, until) in [(at(0, 0), at(23, 0)), (at(20, 30), at(21, 30))] {
                let cached = cache
                    .stays(store, GUILD, since, until)
                    .await
                    .expect("cached");
                let read = store.voice_stays(GUILD, since, until).await.expect("read");
                assert_eq!(sorted(cached), sorted(read), "{when}, {since}..{until}");
            }
        }
    };
    same("nothing yet").await;
    join_voice(store, ADA, LOUNGE, at(20, 0)).await;
    join_voice(store, BOB, LOUNGE, at(20, 10)).await;
    join_voice(store, DEE, LOUNGE, at(20, 10)).await;
    same("two open stays").await;
    assert_eq!(cache.guilds(), 1);
    leave_voice(store, ADA, at(21, 0)).await;
    join_voice(store, BOB, AFK, at(21, 15)).await;
    join_voice(store, CY, RAIDS, at(21, 20)).await;
    same("one closed, one moved to AFK, one new").await;
    join_voice(store, ADA, RAIDS, at(22, 0)).await;
    cache.forget(GUILD);
    assert_eq!(cache.guilds(), 0);
    same("read again from the start").await;
}

async fn a_member_export_holds_their_rows_and_nobody_elses(store: &dyn Store) {
    use trakker::domain::kills::{KillCount, KillKind, NewEntry};

    guild_with_a_leaver_and_a_bot(store).await;
    let mut deltas = Deltas::default();
    posts(&mut deltas, GUILD, GENERAL, ADA, at(20, 10), 3);
    posts(&mut deltas, GUILD, GENERAL, BOB, at(20, 10), 1);
    posts(&mut deltas, OTHER_GUILD, GENERAL, ADA, at(20, 10), 9);
    deltas.add(reaction(GUILD, "🔥", ADA, at(20, 15)));
    deltas.add(command(GUILD, "play", ADA, at(20, 20)));
    store
        .apply_deltas("export", &deltas)
        .await
        .expect("flushed");
    join_voice(store, ADA, LOUNGE, at(20, 0)).await;
    leave_voice(store, ADA, at(21, 0)).await;
    join_voice(store, BOB, LOUNGE, at(20, 0)).await;
    store
        .activity_start(GUILD, ADA, "Deep Rock", at(20, 0))
        .await
        .expect("playing");
    store
        .record_join(GUILD, &joined_through(ADA, "squad", Some(BOB), at(19, 0)))
        .await
        .expect("join");
    let entry = |player: UserId, kind: KillKind, victim: Option<UserId>| NewEntry {
        guild_id: GUILD,
        player_id: player,
        kind,
        count: KillCount::parse(2).expect("valid"),
        victim_id: victim,
        note: None,
        recorded_by: player,
        recorded_at: at(20, 30),
        channel_id: GENERAL,
        game: Some("Deep Rock".to_owned()),
        request_id: None,
    };
    store
        .record_kill(&entry(ADA, KillKind::Kill, None))
        .await
        .expect("kill");
    store
        .record_kill(&entry(BOB, KillKind::Teamkill, Some(ADA)))
        .await
        .expect("team kill");
    store
        .record_kill(&entry(BOB, KillKind::Kill, None))
        .await
        .expect("bob's kill");

    let export = store.member_export(GUILD, ADA).await.expect("export");
    assert_eq!(export.version, 1);
    assert_eq!(export.user_id, ADA.0.to_string());
    assert_eq!(export.display_name.as_deref(), Some("Ada"));
    assert_eq!(export.message_hours.len(), 1);
    assert_eq!(export.message_hours[0].messages, 3, "this guild's only");
    assert_eq!(export.message_hours[0].hour, at(20, 0));
    assert_eq!(export.emoji_hours.len(), 1);
    assert_eq!(export.emoji_hours[0].emoji, "🔥");
    assert_eq!(export.command_hours.len(), 1);
    assert_eq!(export.command_hours[0].command, "play");
    assert_eq!(
        export.command_hours[0].application_id,
        TRAKKER_APP.to_string()
    );
    assert_eq!(export.voice_stays.len(), 1, "not Bob's");
    assert_eq!(export.voice_stays[0].joined_at, at(20, 0));
    assert_eq!(export.voice_stays[0].left_at, Some(at(21, 0)));
    assert_eq!(export.voice_flag_changes.len(), 1);
    assert_eq!(export.game_sessions.len(), 1);
    assert_eq!(export.game_sessions[0].ended_at, None);
    assert_eq!(export.joins.len(), 1);
    assert_eq!(export.joins[0].invite_code.as_deref(), Some("squad"));
    let kills: Vec<(&str, &str, i64)> = export
        .kills
        .iter()
        .map(|k| (k.role.as_str(), k.kind.as_str(), k.count))
        .collect();
    assert_eq!(
        kills,
        [("player", "kill", 2), ("victim", "team kill", 2)],
        "as player and as victim, not Bob's own kill"
    );
    assert_eq!(export.kills[0].recorded_at, at(20, 30));
    let json = serde_json::to_string(&export).expect("serialised");
    assert!(json.contains("\"message_hours\""), "{json}");

    let nobody = store
        .member_export(GUILD, UserId(77))
        .await
        .expect("empty export");
    assert_eq!(nobody.display_name, None);
    assert!(nobody.message_hours.is_empty() && nobody.kills.is_empty());
}

/// Messages the charts' kept counts have: the total in the embed of a messages chart of
/// everything recorded.
async fn charted_messages(store: &dyn Store, cache: &ChartCache) -> u64 {
    let request = Request {
        guild: GUILD,
        chart: Chart::Messages,
        since: None,
        now: Utc::now(),
        channel: None,
        period_label: "all time".to_owned(),
        timezone: None,
        hidden: Vec::new(),
        channel_names: std::collections::HashMap::new(),
    };
    match draw(store, cache, request).await.expect("drawn") {
        Drawing::Picture { text, .. } => text
            .split(' ')
            .next()
            .and_then(|total| total.parse().ok())
            .unwrap_or_else(|| panic!("a total first: {text}")),
        Drawing::Empty(_) => 0,
    }
}

/// Waits until the store holds `messages` in the guild's channel counts.
async fn stored_messages(store: &dyn Store, messages: u64) {
    for _ in 0..500 {
        let hours = store
            .channel_hours(GUILD, DateTime::UNIX_EPOCH)
            .await
            .expect("hours");
        if hours.iter().map(|hour| hour.messages).sum::<u64>() == messages {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the ingest never stored {messages} messages");
}

#[tokio::test]
async fn the_messages_chart_follows_the_current_hour_and_an_old_hour_flushed_late() {
    let db = support::db::TempSqlite::new();
    let store: std::sync::Arc<dyn Store> =
        store::connect(db.url(), true).await.expect("store").into();
    let (ingest, tasks) = Ingest::start(
        std::sync::Arc::clone(&store),
        std::time::Duration::from_millis(20),
    );
    // The bot's cache follows what the ingest wrote; one without that note shows why it must.
    let followed = ChartCache::new(ingest.written());
    let unaware = ChartCache::default();
    // The scenario's hour must not end while it runs: the unaware cache would then be right.
    let mut now = Utc::now();
    if (now + Duration::seconds(20)).hour() != now.hour() {
        tokio::time::sleep((Duration::seconds(21)).to_std().expect("positive")).await;
        now = Utc::now();
    }
    for _ in 0..3 {
        ingest.record(message(GUILD, GENERAL, ADA, now)).await;
    }
    stored_messages(&*store, 3).await;
    assert_eq!(charted_messages(&*store, &followed).await, 3);
    assert_eq!(charted_messages(&*store, &unaware).await, 3);

    // The current hour grows: both read it again.
    ingest.record(message(GUILD, RAIDS, BOB, now)).await;
    stored_messages(&*store, 4).await;
    assert_eq!(charted_messages(&*store, &followed).await, 4);
    assert_eq!(charted_messages(&*store, &unaware).await, 4);

    // Messages of five hours ago reach the store only now, as after a database outage.
    for _ in 0..2 {
        ingest
            .record(message(GUILD, GENERAL, BOB, now - Duration::hours(5)))
            .await;
    }
    stored_messages(&*store, 6).await;
    assert_eq!(
        charted_messages(&*store, &followed).await,
        6,
        "the late hour is read again"
    );
    assert_eq!(
        charted_messages(&*store, &unaware).await,
        4,
        "without the ingest's note a kept hour is not read again"
    );
    tasks
        .shutdown(std::time::Instant::now() + std::time::Duration::from_secs(5))
        .await;
}

/// A day of activity read as two recap periods, 02:00–12:00 and 12:00–22:00: kills without
/// the undone one, messages from the rollups, time in voice clamped to the period without the
/// AFK channel, the duo, joins told apart from returns, badges.
async fn a_recap_counts_its_week_and_names_no_hidden_member(store: &dyn Store) {
    use trakker::community::recap::numbers;
    use trakker::domain::kills::{KillCount, KillKind, NewEntry};
    guild_with_a_leaver_and_a_bot(store).await;
    let kill = |player: UserId, count: i64, when: DateTime<Utc>| NewEntry {
        guild_id: GUILD,
        player_id: player,
        kind: KillKind::Kill,
        count: KillCount::parse(count).expect("valid"),
        victim_id: None,
        note: None,
        recorded_by: player,
        recorded_at: when,
        channel_id: GENERAL,
        game: None,
        request_id: None,
    };
    for (player, count, when) in [
        (ADA, 3, at(13, 0)),
        (BOB, 5, at(14, 0)),
        (BOB, 7, at(10, 0)),
    ] {
        store
            .record_kill(&kill(player, count, when))
            .await
            .expect("kill");
    }
    let undone = store
        .record_kill(&kill(ADA, 4, at(15, 0)))
        .await
        .expect("kill");
    store
        .undo_entry(GUILD, undone.entry.id, ADA, at(15, 1))
        .await
        .expect("undone");
    let mut deltas = Deltas::default();
    posts(&mut deltas, GUILD, GENERAL, ADA, at(20, 10), 2);
    posts(&mut deltas, GUILD, RAIDS, BOB, at(13, 10), 1);
    posts(&mut deltas, GUILD, GENERAL, CY, at(11, 0), 5);
    posts(&mut deltas, OTHER_GUILD, GENERAL, ADA, at(14, 0), 9);
    store.apply_deltas("recap", &deltas).await.expect("flushed");
    for (user, when) in [(CY, at(13, 0)), (DEE, at(5, 0)), (DEE, at(16, 0))] {
        store
            .record_join(GUILD, &joined_through(user, "squad", None, when))
            .await
            .expect("join");
    }
    store
        .unlock(GUILD, ADA, "kills-100", at(14, 0))
        .await
        .expect("unlocked");
    for (user, channel, from, to) in [
        (ADA, LOUNGE, at(13, 0), at(15, 0)),
        (BOB, LOUNGE, at(14, 0), at(16, 0)),
        (CY, RAIDS, at(11, 0), at(12, 30)),
        (DEE, AFK, at(13, 0), at(14, 0)),
    ] {
        join_voice(store, user, channel, from).await;
        leave_voice(store, user, to).await;
    }

    let hour = 3_600_000;
    let week = numbers(store, GUILD, (at(12, 0), at(22, 0)), chrono_tz::UTC, &[])
        .await
        .expect("read");
    assert_eq!(
        (week.kills, week.top_killers.clone()),
        (8, vec![(BOB, 5), (ADA, 3)])
    );
    assert_eq!(
        (week.messages, week.top_posters.clone()),
        (3, vec![(ADA, 2), (BOB, 1)])
    );
    assert_eq!(
        (week.hours[20], week.hours[13], week.busiest_hour()),
        (2, 1, Some(20))
    );
    assert_eq!(week.days.len(), 1, "{:?}", week.days);
    assert_eq!(
        week.voice_ms,
        4 * hour + hour / 2,
        "Cy's stay clamped, the AFK channel left out"
    );
    assert_eq!(
        week.top_voice,
        vec![(ADA, 2 * hour), (BOB, 2 * hour), (CY, hour / 2)]
    );
    assert_eq!(week.duo, Some((ADA, BOB, hour)));
    assert_eq!(
        (week.new_members, week.returning_members, week.unlocks),
        (1, 1, 1)
    );

    hidden_and_on_another_clock(store).await;
}

/// A week that does not start at a UTC midnight (a server on another clock) counts its whole
/// days from the members' daily counts and the hours around them from the hourly rollups: each
/// post once, none from outside, whichever flush brought it.
async fn a_recap_sums_whole_days_and_the_hours_around_them(store: &dyn Store) {
    guild_with_a_leaver_and_a_bot(store).await;
    let day = |n: i64, hour: u32| at(hour, 30) + Duration::days(n);
    let inside = [(0, 5, 1), (1, 12, 2), (1, 23, 1), (2, 1, 4), (3, 3, 3)];
    let outside = [(-1, 23, 7), (0, 3, 6), (3, 9, 5)];
    for (batch, (n, hour, count)) in inside.iter().chain(&outside).enumerate() {
        // One flush per post, so a day's row is added to as the ingest would.
        let mut deltas = Deltas::default();
        posts(&mut deltas, GUILD, GENERAL, ADA, day(*n, *hour), *count);
        posts(&mut deltas, GUILD, RAIDS, BOB, day(*n, *hour), 1);
        store
            .apply_deltas(&format!("days-{batch}"), &deltas)
            .await
            .expect("flushed");
    }
    let range = (day(0, 4), day(3, 4));
    let counts = store.recap_counts(GUILD, range, 5).await.expect("read");
    let ada: u64 = inside.iter().map(|(_, _, count)| u64::from(*count)).sum();
    assert_eq!(
        counts.top_posters,
        vec![(ADA, ada), (BOB, 5)],
        "two edge hours and two whole days"
    );
    assert_eq!(counts.messages, ada + 5);
    let utc_days = store
        .recap_counts(
            GUILD,
            (
                day(0, 0) - Duration::minutes(30),
                day(2, 0) - Duration::minutes(30),
            ),
            5,
        )
        .await
        .expect("read");
    assert_eq!(
        utc_days.top_posters,
        vec![(ADA, 10), (BOB, 4)],
        "midnight to midnight"
    );
}

/// The period before, the same period with Bob hidden (counted, never named) and on Tokyo's
/// clock.
async fn hidden_and_on_another_clock(store: &dyn Store) {
    use trakker::community::recap::numbers;
    let hour = 3_600_000;
    let before = numbers(store, GUILD, (at(2, 0), at(12, 0)), chrono_tz::UTC, &[])
        .await
        .expect("read");
    assert_eq!(
        (before.kills, before.messages, before.voice_ms),
        (7, 5, hour)
    );
    assert_eq!(
        (before.new_members, before.returning_members, before.unlocks),
        (1, 0, 0)
    );

    // Bob hides: counted in the totals, named nowhere.
    let hidden = numbers(store, GUILD, (at(12, 0), at(22, 0)), chrono_tz::UTC, &[BOB])
        .await
        .expect("read");
    assert_eq!(hidden.kills, 8);
    assert_eq!(hidden.top_killers, vec![(ADA, 3)]);
    assert_eq!(hidden.top_posters, vec![(ADA, 2)]);
    assert!(hidden.top_voice.iter().all(|(user, _)| *user != BOB));
    assert_eq!(hidden.duo, None, "the only duo had Bob in it");

    // On Tokyo's clock (UTC+9) the posts of 20:10 UTC are at 05:10 the next day.
    let tokyo = numbers(
        store,
        GUILD,
        (at(12, 0), at(22, 0)),
        chrono_tz::Asia::Tokyo,
        &[],
    )
    .await
    .expect("read");
    assert_eq!((tokyo.hours[5], tokyo.hours[22]), (2, 1));
    assert_eq!(tokyo.days.len(), 2);
}

/// The recap setting round-trips and lists; a week's recap is claimed by one of twenty racing
/// passes; a claim given back can be taken again, one posted cannot.
async fn a_recap_is_claimed_once_and_its_setting_round_trips(store: &dyn Store) {
    use trakker::store::recap::RecapSettings;
    guild_with_a_leaver_and_a_bot(store).await;
    assert_eq!(store.recap_settings(GUILD).await.expect("read"), None);
    let settings = RecapSettings {
        channel_id: GENERAL,
        weekday: chrono::Weekday::Sun,
        hour: 18,
        set_up_at: at(9, 0),
    };
    store
        .save_recap_settings(GUILD, &settings)
        .await
        .expect("saved");
    assert_eq!(
        store.recap_settings(GUILD).await.expect("read"),
        Some(settings.clone())
    );
    assert_eq!(
        store.recaps().await.expect("listed"),
        vec![(GUILD, settings.clone())]
    );
    assert!(matches!(
        store.save_recap_settings(OTHER_GUILD, &settings).await,
        Err(StoreError::UnknownGuild(_))
    ));

    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).expect("valid");
    let claims =
        futures::future::join_all((0..20).map(|_| store.claim_recap(GUILD, day, at(18, 0)))).await;
    let won = claims
        .into_iter()
        .filter(|claim| *claim.as_ref().expect("claimed"))
        .count();
    assert_eq!(won, 1, "one pass makes the recap");
    store.unclaim_recap(GUILD, day).await.expect("given back");
    assert!(store
        .claim_recap(GUILD, day, at(18, 1))
        .await
        .expect("claimed"));
    store
        .recap_posted(GUILD, day, u64::MAX)
        .await
        .expect("posted");
    store
        .unclaim_recap(GUILD, day)
        .await
        .expect("nothing to give back");
    assert!(
        !store
            .claim_recap(GUILD, day, at(18, 2))
            .await
            .expect("read"),
        "posted stays"
    );

    assert!(store.stop_recap(GUILD).await.expect("stopped"));
    assert!(!store.stop_recap(GUILD).await.expect("read"));
    assert!(store.recaps().await.expect("listed").is_empty());
}
