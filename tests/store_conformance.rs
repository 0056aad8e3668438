//! The store conformance suite: one set of scenarios, run against every backend.
//!
//! Each scenario is written once, as an async function taking either a `&dyn Store` with the
//! migrations applied or the URL of an empty database. [`conformance!`] turns each into a test per
//! backend: `sqlite::<scenario>` on a temporary file, always, and `postgres::<scenario>` on a fresh
//! database of its own when Postgres is reachable (see `support::db`). A scenario that passes on
//! one backend and fails on the other is a bug in the store, whichever backend is right.

#[macro_use]
mod support;

use std::str::FromStr;
use std::sync::Arc;
use support::stored::StoredRows;

use chrono::{DateTime, Duration, TimeZone, Utc};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, SqliteConnection};
use support::db::{FreshPostgres, TempSqlite};
use trakker::config::DatabaseUrl;
use trakker::domain::ids::{GuildId, RoleId, UserId};
use trakker::store::{self, GuildRecord, GuildSettings, MemberRecord, Store, StoreError};

conformance! {
    fresh: [
        connect_and_migrate_work_on_a_brand_new_database,
        migrate_twice_is_a_no_op,
        concurrent_migrate_from_two_pools_on_one_fresh_database_both_succeed,
        concurrent_upgrade_from_eight_pools_applies_each_migration_once,
    ],
    migrated: [
        upsert_guild_then_read_it_back,
        guild_left_then_rejoined_clears_left_at,
        settings_default_then_saved_then_read_back,
        settings_of_an_unknown_guild_are_refused,
        settings_of_guild_a_never_visible_from_guild_b,
        members_bulk_upsert_of_2500_members_then_count,
        re_upserting_keeps_opt_out_and_joined_at_and_clears_left_at,
        a_user_listed_twice_in_one_batch_keeps_the_last_entry,
        members_of_an_unknown_guild_are_refused,
        mark_member_left_reduces_member_count,
        opting_out_an_unknown_member_records_them_opted_out,
        two_guilds_with_the_same_user_id_are_isolated,
        snowflakes_above_i64_max_round_trip_exactly,
        timestamps_round_trip_to_the_millisecond_in_utc,
    ],
}

// ---------------------------------------------------------------------------------------------
// Test data

const ADA: UserId = UserId(175_928_847_299_117_063);
const BOB: UserId = UserId(268_473_310_986_240_001);
const SQUAD: GuildId = GuildId(81_384_788_765_712_384);
const RAID_CLUB: GuildId = GuildId(613_425_648_685_547_541);

/// A UTC time from an RFC 3339 string.
fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("a valid RFC 3339 time")
        .with_timezone(&Utc)
}

fn guild(id: GuildId, name: &str) -> GuildRecord {
    GuildRecord {
        id,
        name: name.to_owned(),
        joined_at: at("2024-05-01T18:00:00Z"),
        left_at: None,
    }
}

fn member(user_id: UserId, display_name: &str) -> MemberRecord {
    MemberRecord {
        user_id,
        display_name: display_name.to_owned(),
        is_bot: false,
        joined_at: at("2024-05-02T20:00:00Z"),
        left_at: None,
        tracking_opt_out: false,
    }
}

/// A store on `url` with every migration applied.
async fn migrated_store(url: &DatabaseUrl) -> Box<dyn Store> {
    store::connect(url, true)
        .await
        .expect("open and migrate the store")
}

/// The migrations the database says it applied: (version, checksum, success).
async fn applied_migrations(url: &DatabaseUrl) -> Vec<(i64, Vec<u8>, bool)> {
    let query = "SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version";
    if url.scheme() == "sqlite" {
        let mut conn = SqliteConnection::connect(url.expose())
            .await
            .expect("open the file");
        sqlx::query_as(query)
            .fetch_all(&mut conn)
            .await
            .expect("read _sqlx_migrations")
    } else {
        let mut conn = PgConnection::connect(url.expose()).await.expect("connect");
        sqlx::query_as(query)
            .fetch_all(&mut conn)
            .await
            .expect("read _sqlx_migrations")
    }
}

/// Creates sqlx's bookkeeping table with nothing recorded in it, by running an empty set of
/// migrations: the state a database is in when a release ships migrations it has not seen.
async fn record_no_migrations_yet(url: &DatabaseUrl) {
    let empty = tempfile::tempdir().expect("an empty migrations folder");
    let none = Migrator::new(empty.path()).await.expect("no migrations");
    if url.scheme() == "sqlite" {
        let options = SqliteConnectOptions::from_str(url.expose())
            .expect("a SQLite URL")
            .create_if_missing(true);
        let mut conn = options.connect().await.expect("create the file");
        none.run_direct(&mut conn)
            .await
            .expect("create the bookkeeping table");
    } else {
        let mut conn = PgConnection::connect(url.expose()).await.expect("connect");
        none.run_direct(&mut conn)
            .await
            .expect("create the bookkeeping table");
    }
    assert_eq!(applied_migrations(url).await, Vec::new());
}

/// The migrations embedded in the binary for `url`'s backend, as they are recorded once applied.
fn embedded_migrations(url: &DatabaseUrl) -> Vec<(i64, Vec<u8>, bool)> {
    let migrations = if url.scheme() == "sqlite" {
        &store::sqlite::MIGRATIONS
    } else {
        &store::postgres::MIGRATIONS
    };
    migrations
        .iter()
        .map(|migration| (migration.version, migration.checksum.to_vec(), true))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Migrations

async fn connect_and_migrate_work_on_a_brand_new_database(url: &DatabaseUrl) {
    let store = store::connect(url, true)
        .await
        .expect("connect and migrate");
    store.ping().await.expect("ping");
    store
        .upsert_guild(&guild(SQUAD, "Squad"))
        .await
        .expect("the tables exist");
    assert_eq!(applied_migrations(url).await, embedded_migrations(url));
    store.close().await;
}

async fn migrate_twice_is_a_no_op(url: &DatabaseUrl) {
    let store = store::connect(url, false).await.expect("connect");
    store.migrate().await.expect("first migrate");
    let after_first = applied_migrations(url).await;
    assert_eq!(after_first, embedded_migrations(url));
    store
        .upsert_guild(&guild(SQUAD, "Squad"))
        .await
        .expect("write");

    store.migrate().await.expect("second migrate");

    assert_eq!(
        applied_migrations(url).await,
        after_first,
        "nothing re-applied"
    );
    assert_eq!(
        store.guild(SQUAD).await.expect("read").map(|g| g.name),
        Some("Squad".to_owned()),
        "data survives"
    );
    store.close().await;
}

async fn concurrent_migrate_from_two_pools_on_one_fresh_database_both_succeed(url: &DatabaseUrl) {
    migrate_from_pools_at_once(url, 2).await;
}

async fn concurrent_upgrade_from_eight_pools_applies_each_migration_once(url: &DatabaseUrl) {
    // The database already has sqlx's bookkeeping table, as after an earlier release, so every
    // process finds the new migrations pending at the same moment: without a lock, several
    // would apply them and all but one fail.
    record_no_migrations_yet(url).await;
    migrate_from_pools_at_once(url, 8).await;
}

/// Opens `count` pools on `url` (one per bot process), starts `migrate` on all of them at once on
/// separate threads, and checks that all succeed, each migration is recorded once, and the schema
/// works.
async fn migrate_from_pools_at_once(url: &DatabaseUrl, count: usize) {
    let mut pools = Vec::new();
    for _ in 0..count {
        pools.push(Arc::new(
            store::connect(url, false).await.expect("open a pool"),
        ));
    }
    let start = Arc::new(tokio::sync::Barrier::new(count));

    let runs: Vec<_> = pools
        .iter()
        .map(|pool| {
            let (pool, start) = (Arc::clone(pool), Arc::clone(&start));
            tokio::spawn(async move {
                start.wait().await;
                pool.migrate().await
            })
        })
        .collect();

    for (pool, run) in runs.into_iter().enumerate() {
        let result = run.await.expect("the migrate task finishes");
        assert!(
            result.is_ok(),
            "migrate from pool {pool} failed: {result:?}"
        );
    }
    assert_eq!(
        applied_migrations(url).await,
        embedded_migrations(url),
        "each applied once"
    );
    let (first, last) = (&pools[0], &pools[count - 1]);
    first
        .upsert_guild(&guild(SQUAD, "Squad"))
        .await
        .expect("write through one");
    assert!(last
        .guild(SQUAD)
        .await
        .expect("read through another")
        .is_some());
    for pool in &pools {
        pool.close().await;
    }
}

// ---------------------------------------------------------------------------------------------
// Guilds and settings

async fn upsert_guild_then_read_it_back(store: &dyn Store) {
    assert_eq!(
        store.guild(SQUAD).await.expect("read"),
        None,
        "unknown before"
    );
    let squad = guild(SQUAD, "Squad");

    store.upsert_guild(&squad).await.expect("upsert");

    assert_eq!(store.guild(SQUAD).await.expect("read"), Some(squad));
}

async fn guild_left_then_rejoined_clears_left_at(store: &dyn Store) {
    store
        .upsert_guild(&guild(SQUAD, "Squad"))
        .await
        .expect("join");
    store
        .mark_guild_left(SQUAD, at("2024-06-01T12:00:00Z"))
        .await
        .expect("leave");
    assert_eq!(
        store
            .guild(SQUAD)
            .await
            .expect("read")
            .and_then(|g| g.left_at),
        Some(at("2024-06-01T12:00:00Z"))
    );

    let rejoined = GuildRecord {
        name: "Squad Reborn".to_owned(),
        joined_at: at("2024-07-01T09:00:00Z"),
        ..guild(SQUAD, "")
    };
    store.upsert_guild(&rejoined).await.expect("rejoin");

    let stored = store.guild(SQUAD).await.expect("read").expect("stored");
    assert_eq!(stored.left_at, None, "left_at cleared");
    assert_eq!(stored.name, "Squad Reborn", "name refreshed");
    assert_eq!(
        stored.joined_at,
        at("2024-05-01T18:00:00Z"),
        "first join kept"
    );
}

async fn settings_default_then_saved_then_read_back(store: &dyn Store) {
    store
        .upsert_guild(&guild(SQUAD, "Squad"))
        .await
        .expect("guild");
    assert_eq!(
        store.settings(SQUAD).await.expect("read"),
        GuildSettings::default()
    );

    let berlin = GuildSettings {
        admin_role_id: Some(RoleId(1_083_476_523_012_345_678)),
        default_timezone: Some("Europe/Berlin".to_owned()),
        ..GuildSettings::default()
    };
    store.save_settings(SQUAD, &berlin).await.expect("save");
    assert_eq!(store.settings(SQUAD).await.expect("read"), berlin);

    let cleared = GuildSettings {
        admin_role_id: None,
        default_timezone: Some("America/New_York".to_owned()),
        ..GuildSettings::default()
    };
    store
        .save_settings(SQUAD, &cleared)
        .await
        .expect("save again");
    assert_eq!(
        store.settings(SQUAD).await.expect("read"),
        cleared,
        "replaced, not merged"
    );
}

async fn settings_of_an_unknown_guild_are_refused(store: &dyn Store) {
    let berlin = GuildSettings {
        admin_role_id: None,
        default_timezone: Some("Europe/Berlin".to_owned()),
        ..GuildSettings::default()
    };

    let refused = store.save_settings(SQUAD, &berlin).await;

    assert!(
        matches!(refused, Err(StoreError::UnknownGuild(id)) if id == SQUAD),
        "{refused:?}"
    );
    assert_eq!(
        store.guild(SQUAD).await.expect("read"),
        None,
        "no guild created"
    );
    assert_eq!(
        store.settings(SQUAD).await.expect("read"),
        GuildSettings::default()
    );
}

async fn settings_of_guild_a_never_visible_from_guild_b(store: &dyn Store) {
    store
        .upsert_guild(&guild(SQUAD, "Squad"))
        .await
        .expect("guild A");
    store
        .upsert_guild(&guild(RAID_CLUB, "Raid Club"))
        .await
        .expect("guild B");
    let tokyo = GuildSettings {
        admin_role_id: Some(RoleId(42)),
        default_timezone: Some("Asia/Tokyo".to_owned()),
        ..GuildSettings::default()
    };

    store.save_settings(SQUAD, &tokyo).await.expect("save A");

    assert_eq!(
        store.settings(RAID_CLUB).await.expect("read B"),
        GuildSettings::default()
    );
    assert_eq!(store.settings(SQUAD).await.expect("read A"), tokyo);
}

// ---------------------------------------------------------------------------------------------
// Members

async fn members_bulk_upsert_of_2500_members_then_count(store: &dyn Store) {
    store
        .upsert_guild(&guild(SQUAD, "Squad"))
        .await
        .expect("guild");
    let members: Vec<MemberRecord> = (0..2_500_u64)
        .map(|n| MemberRecord {
            is_bot: n % 100 == 0,
            joined_at: at("2023-01-01T00:00:00Z")
                + Duration::minutes(i64::try_from(n).expect("small")),
            ..member(UserId(100_000_000_000_000_000 + n), &format!("player {n}"))
        })
        .collect();

    store
        .upsert_members(SQUAD, &members)
        .await
        .expect("bulk upsert");

    assert_eq!(
        store.member_count(SQUAD).await.expect("count"),
        2_500,
        "bots count as members"
    );
    for sample in [&members[0], &members[1_234], &members[2_499]] {
        assert_eq!(
            store
                .member(SQUAD, sample.user_id)
                .await
                .expect("read")
                .as_ref(),
            Some(sample)
        );
    }
}

async fn re_upserting_keeps_opt_out_and_joined_at_and_clears_left_at(store: &dyn Store) {
    store
        .upsert_guild(&guild(SQUAD, "Squad"))
        .await
        .expect("guild");
    store
        .upsert_members(SQUAD, &[member(ADA, "Ada")])
        .await
        .expect("first sight");
    assert!(store
        .set_tracking_opt_out(SQUAD, &member(ADA, "Ada"), true, at("2024-05-03T20:00:00Z"))
        .await
        .expect("opt out"));
    store
        .mark_member_left(SQUAD, ADA, at("2024-06-01T10:00:00Z"))
        .await
        .expect("leave");

    let seen_again = MemberRecord {
        display_name: "Ada L.".to_owned(),
        is_bot: false,
        joined_at: at("2024-06-03T10:00:00Z"),
        left_at: Some(at("2024-06-01T10:00:00Z")),
        tracking_opt_out: false,
        user_id: ADA,
    };
    store
        .upsert_members(SQUAD, &[seen_again])
        .await
        .expect("refresh");

    let stored = store
        .member(SQUAD, ADA)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        stored,
        MemberRecord {
            user_id: ADA,
            display_name: "Ada L.".to_owned(),
            is_bot: false,
            joined_at: at("2024-05-02T20:00:00Z"),
            left_at: None,
            tracking_opt_out: true,
        }
    );
    assert_eq!(store.member_count(SQUAD).await.expect("count"), 1);
}

async fn a_user_listed_twice_in_one_batch_keeps_the_last_entry(store: &dyn Store) {
    store
        .upsert_guild(&guild(SQUAD, "Squad"))
        .await
        .expect("guild");

    store
        .upsert_members(
            SQUAD,
            &[
                member(ADA, "Ada"),
                member(BOB, "Bob"),
                member(ADA, "Ada L."),
            ],
        )
        .await
        .expect("upsert with a duplicate");

    let ada = store
        .member(SQUAD, ADA)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(ada.display_name, "Ada L.");
    assert_eq!(store.member_count(SQUAD).await.expect("count"), 2);
}

async fn members_of_an_unknown_guild_are_refused(store: &dyn Store) {
    let refused = store.upsert_members(SQUAD, &[member(ADA, "Ada")]).await;

    assert!(
        matches!(refused, Err(StoreError::UnknownGuild(id)) if id == SQUAD),
        "{refused:?}"
    );
    assert_eq!(store.member(SQUAD, ADA).await.expect("read"), None);
}

async fn mark_member_left_reduces_member_count(store: &dyn Store) {
    store
        .upsert_guild(&guild(SQUAD, "Squad"))
        .await
        .expect("guild");
    store
        .upsert_members(SQUAD, &[member(ADA, "Ada"), member(BOB, "Bob")])
        .await
        .expect("members");
    assert_eq!(store.member_count(SQUAD).await.expect("count"), 2);

    store
        .mark_member_left(SQUAD, BOB, at("2024-06-01T21:00:00Z"))
        .await
        .expect("Bob leaves");

    assert_eq!(store.member_count(SQUAD).await.expect("count"), 1);
    let bob = store
        .member(SQUAD, BOB)
        .await
        .expect("read")
        .expect("history stays");
    assert_eq!(bob.left_at, Some(at("2024-06-01T21:00:00Z")));

    store
        .mark_member_left(SQUAD, BOB, at("2024-06-02T08:00:00Z"))
        .await
        .expect("a replayed leave");
    let bob = store
        .member(SQUAD, BOB)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        bob.left_at,
        Some(at("2024-06-01T21:00:00Z")),
        "the first leave counts"
    );
}

async fn opting_out_an_unknown_member_records_them_opted_out(store: &dyn Store) {
    store
        .upsert_guild(&guild(SQUAD, "Squad"))
        .await
        .expect("guild");
    store
        .upsert_members(SQUAD, &[member(ADA, "Ada")])
        .await
        .expect("Ada");

    let changed = store
        .set_tracking_opt_out(SQUAD, &member(BOB, "Bob"), true, at("2024-06-01T10:00:00Z"))
        .await
        .expect("opt out");

    assert!(changed, "Bob had made no choice before");
    let bob = store
        .member(SQUAD, BOB)
        .await
        .expect("read")
        .expect("Bob is recorded with his choice");
    assert!(bob.tracking_opt_out);
    assert_eq!(bob.display_name, "Bob");
    assert_eq!(store.member_count(SQUAD).await.expect("count"), 2);
    assert!(
        !store
            .member(SQUAD, ADA)
            .await
            .expect("read")
            .expect("Ada")
            .tracking_opt_out,
        "Ada untouched"
    );
    assert_eq!(store.opted_out_members(SQUAD).await.expect("list"), [BOB]);
}

async fn two_guilds_with_the_same_user_id_are_isolated(store: &dyn Store) {
    store
        .upsert_guild(&guild(SQUAD, "Squad"))
        .await
        .expect("guild A");
    store
        .upsert_guild(&guild(RAID_CLUB, "Raid Club"))
        .await
        .expect("guild B");
    store
        .upsert_members(SQUAD, &[member(ADA, "Ada in Squad")])
        .await
        .expect("A");
    store
        .upsert_members(RAID_CLUB, &[member(ADA, "Ada in Raid Club")])
        .await
        .expect("B");

    assert!(store
        .set_tracking_opt_out(SQUAD, &member(ADA, "Ada"), true, at("2024-05-03T20:00:00Z"))
        .await
        .expect("opt out in A"));
    store
        .mark_member_left(SQUAD, ADA, at("2024-06-01T10:00:00Z"))
        .await
        .expect("leave A");

    let in_raid_club = store
        .member(RAID_CLUB, ADA)
        .await
        .expect("read B")
        .expect("stored");
    assert_eq!(in_raid_club.display_name, "Ada in Raid Club");
    assert!(!in_raid_club.tracking_opt_out, "opt-out stays in A");
    assert_eq!(in_raid_club.left_at, None, "leaving A is not leaving B");
    assert_eq!(store.member_count(RAID_CLUB).await.expect("count B"), 1);
    assert_eq!(store.member_count(SQUAD).await.expect("count A"), 0);
    let in_squad = store
        .member(SQUAD, ADA)
        .await
        .expect("read A")
        .expect("stored");
    assert_eq!(in_squad.display_name, "Ada in Squad");
}

// ---------------------------------------------------------------------------------------------
// Value fidelity

async fn snowflakes_above_i64_max_round_trip_exactly(store: &dyn Store) {
    let guild_id = GuildId(u64::MAX);
    let user_id = UserId(1 << 63);
    let neighbour = UserId((1 << 63) - 1);
    let role_id = RoleId(u64::MAX - 7);
    store
        .upsert_guild(&guild(guild_id, "Top Bit"))
        .await
        .expect("guild");
    store
        .upsert_members(
            guild_id,
            &[member(user_id, "Edge"), member(neighbour, "i64::MAX")],
        )
        .await
        .expect("members");
    let settings = GuildSettings {
        admin_role_id: Some(role_id),
        default_timezone: None,
        ..GuildSettings::default()
    };
    store
        .save_settings(guild_id, &settings)
        .await
        .expect("settings");

    assert_eq!(
        store.guild(guild_id).await.expect("read").map(|g| g.id),
        Some(guild_id)
    );
    let edge = store
        .member(guild_id, user_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        (edge.user_id, edge.display_name.as_str()),
        (user_id, "Edge")
    );
    let below = store
        .member(guild_id, neighbour)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        below.display_name, "i64::MAX",
        "the neighbour is a different row"
    );
    assert_eq!(
        store.settings(guild_id).await.expect("read").admin_role_id,
        Some(role_id)
    );
    assert_eq!(store.member_count(guild_id).await.expect("count"), 2);
}

async fn timestamps_round_trip_to_the_millisecond_in_utc(store: &dyn Store) {
    // 20:15:30.123456789 in Berlin summer time is 18:15:30.123 UTC once cut to the millisecond.
    let joined = at("2024-07-14T20:15:30.123456789+02:00");
    let left = Utc
        .with_ymd_and_hms(2024, 12, 31, 23, 59, 59)
        .single()
        .expect("valid")
        + Duration::nanoseconds(999_999_999);
    store
        .upsert_guild(&GuildRecord {
            joined_at: joined,
            ..guild(SQUAD, "Squad")
        })
        .await
        .expect("guild");
    store
        .upsert_members(
            SQUAD,
            &[MemberRecord {
                joined_at: joined,
                ..member(ADA, "Ada")
            }],
        )
        .await
        .expect("member");
    store
        .mark_member_left(SQUAD, ADA, left)
        .await
        .expect("leave");

    let expected_joined = at("2024-07-14T18:15:30.123Z");
    let expected_left = at("2024-12-31T23:59:59.999Z");
    let stored_guild = store.guild(SQUAD).await.expect("read").expect("stored");
    assert_eq!(stored_guild.joined_at, expected_joined);
    let ada = store
        .member(SQUAD, ADA)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(ada.joined_at, expected_joined);
    assert_eq!(ada.left_at, Some(expected_left));
    assert_eq!(ada.joined_at.to_rfc3339(), "2024-07-14T18:15:30.123+00:00");
}

// ---------------------------------------------------------------------------------------------
// Backend-specific checks

#[tokio::test]
async fn sqlite_connect_creates_a_missing_file_in_wal_mode() {
    let db = TempSqlite::new();
    assert!(!db.path().exists(), "no file before");

    let store = store::connect(db.url(), true)
        .await
        .expect("connect and migrate");

    assert!(db.path().exists(), "the file is created");
    let mut conn = SqliteConnection::connect(db.url().expose())
        .await
        .expect("open");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
        .expect("journal mode");
    assert_eq!(mode, "wal");
    store.close().await;
}

#[tokio::test]
async fn postgres_test_databases_are_dropped_with_their_guard() {
    let Some(db) = FreshPostgres::create().await else {
        return;
    };
    let name = db.name().to_owned();
    let store = migrated_store(db.url()).await;
    // The store is still open: the guard must drop the database anyway.
    drop(db);

    let server = support::db::postgres_server_url();
    let mut admin = PgConnection::connect(server.expose())
        .await
        .expect("connect");
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_one(&mut admin)
        .await
        .expect("look up");
    assert_eq!(left, 0, "{name} is gone");
    store.close().await;
}
