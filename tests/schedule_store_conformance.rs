//! Who plays when in the store, on every backend: daily post settings, the once-per-day claim,
//! reaction and voice marks, weekly schedules and members' zones. The same scenarios run on
//! SQLite and on a fresh Postgres database (see `support::conformance`).

#[macro_use]
mod support;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use trakker::config::DatabaseUrl;
use trakker::domain::ids::{ChannelId, GuildId, MessageId, UserId};
use trakker::store::schedule::{
    DayMarks, MemberZone, PostState, Rank, ScheduleSettings, NOT_TODAY_SLOT,
};
use trakker::store::{self, GuildRecord, Store, StoreError};

conformance! {
    fresh: [],
    migrated: [
        settings_round_trip_and_need_a_known_guild,
        scheduled_guilds_carry_the_server_zone_and_skip_left_guilds,
        a_day_is_claimed_once_even_by_racing_claimers,
        a_deleted_post_stays_deleted,
        reactions_make_responders_and_replacing_them_keeps_responders,
        voice_marks_are_added_once,
        weekly_schedules_replace_and_clear,
        member_zones_set_show_and_clear,
        two_guilds_never_share_a_day,
        ranks_are_defined_picked_and_removed_with_their_picks,
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
const PLAYS: ChannelId = ChannelId(10);

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, hour, 0, 0)
        .single()
        .expect("valid time")
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).expect("a day")
}

fn settings() -> ScheduleSettings {
    ScheduleSettings {
        channel_id: PLAYS,
        post_minute: 18 * 60,
        window_start: 15,
        window_hours: 11,
        weekdays: 0b111_1111,
    }
}

async fn guild(store: &dyn Store, id: GuildId) {
    store
        .upsert_guild(&GuildRecord {
            id,
            name: format!("guild {id}"),
            joined_at: at(1),
            left_at: None,
        })
        .await
        .expect("guild recorded");
}

async fn settings_round_trip_and_need_a_known_guild(store: &dyn Store) {
    assert!(matches!(
        store
            .save_schedule_settings(GUILD, &settings(), at(2))
            .await,
        Err(StoreError::UnknownGuild(GUILD))
    ));
    guild(store, GUILD).await;
    assert_eq!(store.schedule_settings(GUILD).await.expect("read"), None);
    store
        .save_schedule_settings(GUILD, &settings(), at(2))
        .await
        .expect("saved");
    let changed = ScheduleSettings {
        post_minute: 9 * 60 + 30,
        weekdays: 0b110_0000,
        ..settings()
    };
    store
        .save_schedule_settings(GUILD, &changed, at(3))
        .await
        .expect("saved again");
    assert_eq!(
        store.schedule_settings(GUILD).await.expect("read"),
        Some(changed)
    );
    assert!(store
        .remove_schedule_settings(GUILD)
        .await
        .expect("removed"));
    assert!(!store
        .remove_schedule_settings(GUILD)
        .await
        .expect("removed twice"));
    assert_eq!(store.schedule_settings(GUILD).await.expect("read"), None);
}

async fn scheduled_guilds_carry_the_server_zone_and_skip_left_guilds(store: &dyn Store) {
    guild(store, GUILD).await;
    guild(store, OTHER_GUILD).await;
    let mut zoned = store.settings(GUILD).await.expect("settings");
    zoned.default_timezone = Some("Europe/Paris".to_owned());
    store
        .save_settings(GUILD, &zoned)
        .await
        .expect("zone saved");
    for id in [GUILD, OTHER_GUILD] {
        store
            .save_schedule_settings(id, &settings(), at(2))
            .await
            .expect("saved");
    }
    let guilds = store.scheduled_guilds().await.expect("listed");
    assert_eq!(
        guilds
            .iter()
            .map(|g| (g.guild_id, g.timezone.as_deref()))
            .collect::<Vec<_>>(),
        [(GUILD, Some("Europe/Paris")), (OTHER_GUILD, None)]
    );
    store
        .mark_guild_left(OTHER_GUILD, at(3))
        .await
        .expect("left");
    let guilds = store.scheduled_guilds().await.expect("listed");
    assert_eq!(guilds.len(), 1, "a guild the bot left posts nothing");
    assert_eq!(guilds[0].settings, settings());
}

async fn a_day_is_claimed_once_even_by_racing_claimers(store: &dyn Store) {
    assert!(matches!(
        store
            .claim_post(GUILD, day(1), PLAYS, "plays-20261201", at(18))
            .await,
        Err(StoreError::UnknownGuild(GUILD))
    ));
    guild(store, GUILD).await;
    // Ten claimers at once on the pool's connections, as several processes or a restart
    // mid-post would be.
    let claims = futures::future::join_all(
        (0..10).map(|_| store.claim_post(GUILD, day(1), PLAYS, "plays-20261201", at(18))),
    )
    .await;
    let mut won = 0;
    for claim in claims {
        let (post, claimed) = claim.expect("claimed");
        assert_eq!(post.state, PostState::Sending);
        assert_eq!(post.nonce, "plays-20261201");
        won += usize::from(claimed);
    }
    assert_eq!(won, 1, "exactly one claimer wins the day");

    store
        .post_sent(GUILD, day(1), MessageId(555))
        .await
        .expect("sent");
    let (post, claimed) = store
        .claim_post(GUILD, day(1), ChannelId(99), "another", at(19))
        .await
        .expect("claimed again");
    assert!(!claimed);
    assert_eq!(post.state, PostState::Posted);
    assert_eq!(post.message_id, Some(MessageId(555)));
    assert_eq!(post.channel_id, PLAYS, "the first claim's channel stays");
    assert_eq!(
        store
            .post_by_message(GUILD, MessageId(555))
            .await
            .expect("found")
            .map(|post| post.day),
        Some(day(1))
    );
    assert_eq!(
        store
            .post_by_message(OTHER_GUILD, MessageId(555))
            .await
            .expect("read"),
        None,
        "a message id is looked up within its guild"
    );
    let (next_day, claimed) = store
        .claim_post(GUILD, day(2), PLAYS, "plays-20261202", at(18))
        .await
        .expect("next day");
    assert!(claimed, "each day has its own post");
    assert_eq!(next_day.message_id, None);
}

async fn a_deleted_post_stays_deleted(store: &dyn Store) {
    guild(store, GUILD).await;
    store
        .claim_post(GUILD, day(1), PLAYS, "n", at(18))
        .await
        .expect("claimed");
    store
        .post_sent(GUILD, day(1), MessageId(7))
        .await
        .expect("sent");
    assert_eq!(
        store
            .post_deleted(GUILD, MessageId(8))
            .await
            .expect("not a post"),
        None
    );
    assert_eq!(
        store
            .post_deleted(GUILD, MessageId(7))
            .await
            .expect("deleted"),
        Some(day(1))
    );
    store
        .post_sent(GUILD, day(1), MessageId(9))
        .await
        .expect("a late answer");
    let (post, claimed) = store
        .claim_post(GUILD, day(1), PLAYS, "n", at(20))
        .await
        .expect("read");
    assert!(!claimed);
    assert_eq!(
        post.state,
        PostState::Deleted,
        "a late send does not revive it"
    );
    assert_eq!(post.message_id, Some(MessageId(7)));
}

async fn reactions_make_responders_and_replacing_them_keeps_responders(store: &dyn Store) {
    guild(store, GUILD).await;
    for (user, slot) in [(ADA, 0), (ADA, 3), (BOB, 3), (BOB, NOT_TODAY_SLOT)] {
        store
            .set_reaction(GUILD, day(1), user, slot, true)
            .await
            .expect("reacted");
    }
    store
        .set_reaction(GUILD, day(1), ADA, 0, true)
        .await
        .expect("a repeated reaction is fine");
    store
        .set_reaction(GUILD, day(1), BOB, 3, false)
        .await
        .expect("unreacted");
    let marks = store.day_marks(GUILD, day(1)).await.expect("marks");
    assert_eq!(marks.reactions, [(ADA, 0), (ADA, 3), (BOB, NOT_TODAY_SLOT)]);
    assert_eq!(marks.responders, [ADA, BOB]);
    assert!(marks.voice.is_empty());

    // After downtime Discord lists Cy on hour 5 and nobody else.
    store
        .replace_reactions(GUILD, day(1), &[(CY, 5)])
        .await
        .expect("replaced");
    let marks = store.day_marks(GUILD, day(1)).await.expect("marks");
    assert_eq!(marks.reactions, [(CY, 5)]);
    assert_eq!(
        marks.responders,
        [ADA, BOB, CY],
        "responders stay responders"
    );
    assert_eq!(
        store.day_marks(GUILD, day(2)).await.expect("marks"),
        DayMarks::default(),
        "another day has its own marks"
    );
}

async fn voice_marks_are_added_once(store: &dyn Store) {
    guild(store, GUILD).await;
    assert!(store
        .add_voice_mark(GUILD, day(1), ADA, 2)
        .await
        .expect("added"));
    assert!(!store
        .add_voice_mark(GUILD, day(1), ADA, 2)
        .await
        .expect("again"));
    assert!(store
        .add_voice_mark(GUILD, day(1), ADA, 3)
        .await
        .expect("next hour"));
    store
        .set_reaction(GUILD, day(1), ADA, 2, true)
        .await
        .expect("reacted too");
    let marks = store.day_marks(GUILD, day(1)).await.expect("marks");
    assert_eq!(marks.voice, [(ADA, 2), (ADA, 3)]);
    assert_eq!(marks.reactions, [(ADA, 2)], "a voice mark is no reaction");
}

async fn weekly_schedules_replace_and_clear(store: &dyn Store) {
    assert!(matches!(
        store.save_weekly_schedule(GUILD, ADA, [1; 7]).await,
        Err(StoreError::UnknownGuild(GUILD))
    ));
    guild(store, GUILD).await;
    assert_eq!(
        store.weekly_schedule(GUILD, ADA).await.expect("read"),
        [0; 7]
    );
    let evenings = [0, 0, 1 << 20 | 1 << 21, 0, 1 << 23, 0xFF_FFFF, 0];
    store
        .save_weekly_schedule(GUILD, ADA, evenings)
        .await
        .expect("saved");
    store
        .save_weekly_schedule(GUILD, BOB, [1 << 18, 0, 0, 0, 0, 0, 0])
        .await
        .expect("saved");
    assert_eq!(
        store.weekly_schedule(GUILD, ADA).await.expect("read"),
        evenings
    );
    let later = [0, 0, 0, 1 << 19, 0, 0, 0];
    store
        .save_weekly_schedule(GUILD, ADA, later)
        .await
        .expect("replaced");
    assert_eq!(
        store.weekly_schedules(GUILD).await.expect("all"),
        [(ADA, later), (BOB, [1 << 18, 0, 0, 0, 0, 0, 0])]
    );
    store
        .save_weekly_schedule(GUILD, ADA, [0; 7])
        .await
        .expect("cleared");
    assert_eq!(store.weekly_schedules(GUILD).await.expect("all").len(), 1);
}

async fn member_zones_set_show_and_clear(store: &dyn Store) {
    let paris = MemberZone {
        timezone: "Europe/Paris".to_owned(),
        private: false,
    };
    assert!(matches!(
        store.set_member_zone(GUILD, ADA, Some(&paris), at(2)).await,
        Err(StoreError::UnknownGuild(GUILD))
    ));
    guild(store, GUILD).await;
    store
        .set_member_zone(GUILD, ADA, Some(&paris), at(2))
        .await
        .expect("set");
    let kolkata = MemberZone {
        timezone: "Asia/Kolkata".to_owned(),
        private: true,
    };
    store
        .set_member_zone(GUILD, BOB, Some(&kolkata), at(2))
        .await
        .expect("set");
    assert_eq!(
        store.member_zone(GUILD, ADA).await.expect("read"),
        Some(paris)
    );
    assert_eq!(
        store.member_zones(GUILD).await.expect("all"),
        [
            (
                ADA,
                store
                    .member_zone(GUILD, ADA)
                    .await
                    .expect("read")
                    .expect("set")
            ),
            (BOB, kolkata)
        ]
    );
    store
        .set_member_zone(GUILD, ADA, None, at(3))
        .await
        .expect("cleared");
    assert_eq!(store.member_zone(GUILD, ADA).await.expect("read"), None);
}

async fn two_guilds_never_share_a_day(store: &dyn Store) {
    guild(store, GUILD).await;
    guild(store, OTHER_GUILD).await;
    store
        .set_reaction(GUILD, day(1), ADA, 1, true)
        .await
        .expect("reacted");
    store
        .add_voice_mark(OTHER_GUILD, day(1), ADA, 4)
        .await
        .expect("voice");
    store
        .save_weekly_schedule(OTHER_GUILD, ADA, [1; 7])
        .await
        .expect("week");
    let ours = store.day_marks(GUILD, day(1)).await.expect("marks");
    assert_eq!(ours.reactions, [(ADA, 1)]);
    assert!(ours.voice.is_empty());
    assert_eq!(
        store.weekly_schedule(GUILD, ADA).await.expect("read"),
        [0; 7]
    );
    let (_, claimed) = store
        .claim_post(GUILD, day(1), PLAYS, "n", at(18))
        .await
        .expect("claimed");
    let (_, other_claimed) = store
        .claim_post(OTHER_GUILD, day(1), PLAYS, "n", at(18))
        .await
        .expect("claimed");
    assert!(
        claimed && other_claimed,
        "each guild has its own post of the day"
    );
}

fn rank(key: &str, emoji: &str) -> Rank {
    Rank {
        key: key.to_lowercase(),
        name: key.to_owned(),
        emoji: emoji.to_owned(),
    }
}

async fn ranks_are_defined_picked_and_removed_with_their_picks(store: &dyn Store) {
    assert!(matches!(
        store.save_rank(GUILD, &rank("Captain", "⭐")).await,
        Err(StoreError::UnknownGuild(GUILD))
    ));
    guild(store, GUILD).await;
    guild(store, OTHER_GUILD).await;
    store
        .save_rank(GUILD, &rank("Recruit", "🐣"))
        .await
        .expect("added");
    store
        .save_rank(GUILD, &rank("Captain", "⭐"))
        .await
        .expect("added");
    store
        .save_rank(GUILD, &rank("Captain", "chief:42"))
        .await
        .expect("a new emoji for the same rank");
    assert_eq!(
        store.ranks(GUILD).await.expect("ranks"),
        [rank("Captain", "chief:42"), rank("Recruit", "🐣")]
    );
    assert!(store.ranks(OTHER_GUILD).await.expect("ranks").is_empty());

    assert!(store
        .set_member_rank(GUILD, ADA, Some("captain"))
        .await
        .expect("picked"));
    assert!(store
        .set_member_rank(GUILD, BOB, Some("recruit"))
        .await
        .expect("picked"));
    assert!(
        !store
            .set_member_rank(GUILD, CY, Some("general"))
            .await
            .expect("refused"),
        "a rank the server does not have"
    );
    assert!(
        !store
            .set_member_rank(OTHER_GUILD, CY, Some("captain"))
            .await
            .expect("refused"),
        "another server's rank"
    );
    assert!(store
        .set_member_rank(GUILD, BOB, Some("captain"))
        .await
        .expect("changed"));
    assert_eq!(
        store.member_ranks(GUILD).await.expect("picks"),
        [(ADA, "chief:42".to_owned()), (BOB, "chief:42".to_owned())]
    );
    assert!(store
        .set_member_rank(GUILD, BOB, None)
        .await
        .expect("dropped"));
    assert!(store.remove_rank(GUILD, "captain").await.expect("removed"));
    assert!(!store.remove_rank(GUILD, "captain").await.expect("gone"));
    assert!(
        store.member_ranks(GUILD).await.expect("picks").is_empty(),
        "a removed rank takes its picks along"
    );
}
