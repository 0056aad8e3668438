//! The operator's tasks as an operator runs them: the plain subcommands (`overview`, `charts`,
//! `retention`) against a real database, and `trakker admin`'s menu through a pseudo-terminal.

mod support;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use support::cli::{command, text, trakker};
use support::db::{FreshPostgres, TempSqlite};
use trakker::config::DatabaseUrl;
use trakker::domain::ids::{ChannelId, GuildId, UserId};
use trakker::domain::retention::RetentionDays;
use trakker::store::{self, GuildRecord, MemberRecord, Store, VoiceFlags};

const SQUAD: GuildId = GuildId(4_242);
const QUIET: GuildId = GuildId(5_151);

async fn open(url: &DatabaseUrl) -> Box<dyn Store> {
    store::connect(url, true).await.expect("the database opens")
}

async fn guild(store: &dyn Store, id: GuildId, name: &str, members: &[(u64, &str, bool)]) {
    let joined_at = Utc::now() - TimeDelta::days(400);
    store
        .upsert_guild(&GuildRecord {
            id,
            name: name.to_owned(),
            joined_at,
            left_at: None,
        })
        .await
        .expect("guild");
    let members: Vec<MemberRecord> = members
        .iter()
        .map(|(user, name, is_bot)| MemberRecord {
            user_id: UserId(*user),
            display_name: (*name).to_owned(),
            is_bot: *is_bot,
            joined_at,
            left_at: None,
            tracking_opt_out: false,
        })
        .collect();
    store.upsert_members(id, &members).await.expect("members");
}

/// A closed stay of `user` in `channel` from `start` for `minutes`.
async fn stay(store: &dyn Store, guild: GuildId, user: u64, start: DateTime<Utc>, minutes: i64) {
    store
        .voice_join(
            guild,
            ChannelId(77),
            UserId(user),
            false,
            VoiceFlags::default(),
            start,
        )
        .await
        .expect("joins");
    store
        .voice_leave(guild, UserId(user), start + TimeDelta::minutes(minutes))
        .await
        .expect("leaves");
}

/// A SQLite database holding [`seed`]'s servers, closed again for the binary to open.
async fn seeded_sqlite() -> TempSqlite {
    let db = TempSqlite::new();
    let store = open(db.url()).await;
    seed(store.as_ref()).await;
    store.close().await;
    db
}

/// Two servers: a squad that played together over the last weeks (and 100 days ago), and a
/// quiet one the bot has left.
async fn seed(store: &dyn Store) -> DateTime<Utc> {
    guild(
        store,
        SQUAD,
        "Squad Night",
        &[
            (1, "ada", false),
            (2, "bob", false),
            (3, "cy", false),
            (9, "helper-bot", true),
        ],
    )
    .await;
    guild(store, QUIET, "Quiet Place", &[(1, "ada", false)]).await;
    store
        .mark_guild_left(QUIET, Utc::now() - TimeDelta::days(3))
        .await
        .expect("left");
    let today = Utc::now() - TimeDelta::hours(2);
    for day in [1, 2, 3, 8, 9, 15, 22, 100] {
        let start = today - TimeDelta::days(day);
        stay(store, SQUAD, 1, start, 120).await;
        stay(store, SQUAD, 2, start + TimeDelta::minutes(10), 90).await;
        if day % 2 == 1 {
            stay(store, SQUAD, 3, start + TimeDelta::minutes(20), 60).await;
        }
    }
    // The latest moment recorded: ada's last stay ended two hours after it began.
    today - TimeDelta::days(1) + TimeDelta::minutes(120)
}

fn vars(url: &DatabaseUrl) -> Vec<(&'static str, String)> {
    vec![("DATABASE_URL", url.expose().to_owned())]
}

fn run(dir: &Path, url: &DatabaseUrl, args: &[&str]) -> std::process::Output {
    let vars = vars(url);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    trakker(dir, args, &vars)
}

async fn overview_lists_every_server(url: &DatabaseUrl, dir: &Path, backend: &str) {
    let store = open(url).await;
    let last = seed(store.as_ref()).await;
    store.close().await;

    let done = run(dir, url, &["overview"]);
    let out = text(&done);
    assert!(done.status.success(), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(&format!("database: {backend}, ")) && lines[0].contains("iB"),
        "{out}"
    );
    assert_eq!(lines[1], "servers: 2", "{out}");
    // The squad's rows: its own, 4 members (bots are rows but not members), the 8 games every
    // server starts with, 20 stays and the voice flags each stay began with.
    let squad = format!(
        "  Squad Night (4242): 3 members, 53 rows, last activity {} (1 day ago)",
        last.format("%Y-%m-%d %H:%M UTC")
    );
    assert_eq!(lines[2], squad, "{out}");
    // A server the bot left comes last and says so.
    assert!(
        lines[3].starts_with("  Quiet Place (5151) (the bot left on ")
            && lines[3].ends_with(": 1 members, 10 rows, no activity recorded"),
        "{out}"
    );
}

#[tokio::test]
async fn overview_lists_members_rows_and_last_activity_on_sqlite() {
    let db = TempSqlite::new();
    overview_lists_every_server(db.url(), db.dir(), "SQLite").await;
}

#[tokio::test]
async fn overview_lists_members_rows_and_last_activity_on_postgres() {
    let Some(db) = FreshPostgres::create().await else {
        eprintln!("skipped: no Postgres reachable (TRAKKER_REQUIRE_SERVICES unset)");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    overview_lists_every_server(db.url(), dir.path(), "PostgreSQL").await;
}

#[test]
fn overview_of_a_database_not_created_yet_creates_nothing() {
    let db = TempSqlite::new();
    let done = run(db.dir(), db.url(), &["overview"]);
    assert!(done.status.success(), "{}", text(&done));
    assert!(
        text(&done).contains("does not exist yet; the bot (or `trakker migrate`) creates it"),
        "{}",
        text(&done)
    );
    assert!(!db.path().exists());
}

#[tokio::test]
async fn looking_at_a_database_of_an_older_schema_is_refused_and_migrates_nothing() {
    let db = TempSqlite::new();
    // A database file the migrations never ran on: what an older trakker's looks like to a
    // newer one, in the extreme.
    store::connect(db.url(), false)
        .await
        .expect("the file opens")
        .close()
        .await;
    for args in [&["overview"][..], &["charts", "--guild", "4242"][..]] {
        let done = run(db.dir(), db.url(), args);
        assert!(!done.status.success(), "{args:?}: {}", text(&done));
        assert!(
            text(&done).contains("run `trakker migrate` first"),
            "{args:?}: {}",
            text(&done)
        );
    }
    let store = store::connect(db.url(), false)
        .await
        .expect("the file opens");
    assert_eq!(
        store.schema_version().await.unwrap_or(0),
        0,
        "looking migrated the database"
    );
    store.close().await;
}

#[tokio::test]
async fn charts_draws_a_picture_per_chart_with_data_and_refuses_an_unknown_server() {
    let db = seeded_sqlite().await;
    let out = db.dir().join("pictures");
    let out_arg = out.display().to_string();

    let done = run(
        db.dir(),
        db.url(),
        &["charts", "--guild", "4242", "--out", &out_arg],
    );
    let said = text(&done);
    assert!(done.status.success(), "{said}");
    assert!(
        said.contains("channel names: no DISCORD_TOKEN, so channels are named by id"),
        "{said}"
    );
    for chart in trakker::community::charts::Chart::names() {
        let file = out.join(format!("trakker-4242-{chart}.png"));
        let pictured = said.contains(&format!("{}: ", file.display()));
        let empty = said.contains(&format!("{chart}: no picture: "));
        assert!(
            pictured != empty,
            "{chart} once, as a file or a sentence: {said}"
        );
        assert_eq!(file.exists(), pictured, "{chart}: {said}");
        if pictured {
            let png = std::fs::read(&file).expect("the picture");
            assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{chart} is a PNG");
        }
    }
    // Three members who played together over weeks: the voice charts have pictures; no
    // message was recorded, so the messages chart says so instead.
    for chart in ["community", "duo", "voice", "weekdays", "hours", "timeline"] {
        assert!(
            out.join(format!("trakker-4242-{chart}.png")).exists(),
            "{chart}: {said}"
        );
    }
    assert!(said.contains("messages: no picture: "), "{said}");

    let elsewhere = db.dir().join("never");
    let unknown = run(
        db.dir(),
        db.url(),
        &[
            "charts",
            "--guild",
            "999",
            "--out",
            &elsewhere.display().to_string(),
        ],
    );
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    assert!(
        text(&unknown).contains(
            "error: the database has no server 999; `trakker overview` lists the servers it has"
        ),
        "{}",
        text(&unknown)
    );
    assert!(!elsewhere.exists(), "nothing is made for a refused run");
}

#[tokio::test]
async fn retention_removes_old_activity_of_the_servers_that_set_one() {
    let db = TempSqlite::new();
    let store = open(db.url()).await;
    seed(store.as_ref()).await;
    guild(store.as_ref(), QUIET, "Quiet Place", &[(1, "ada", false)]).await;
    for days in [200, 2] {
        stay(
            store.as_ref(),
            QUIET,
            1,
            Utc::now() - TimeDelta::days(days),
            30,
        )
        .await;
    }
    store.close().await;

    let nothing = run(db.dir(), db.url(), &["retention"]);
    assert!(nothing.status.success(), "{}", text(&nothing));
    assert!(
        text(&nothing).contains("no server has a retention set"),
        "{}",
        text(&nothing)
    );

    let store = open(db.url()).await;
    let thirty = RetentionDays::new(30).expect("30 days");
    store
        .set_retention_days(SQUAD, Some(thirty))
        .await
        .expect("retention");
    store.close().await;
    let done = run(db.dir(), db.url(), &["retention"]);
    let said = text(&done);
    assert!(done.status.success(), "{said}");
    // The squad's two stays of 100 days ago (ada's and bob's; cy plays on odd days) go, each
    // with the voice flags it began with.
    assert!(
        said.contains("server 4242: kept the last 30 days, removed 4 rows"),
        "{said}"
    );

    let store = open(db.url()).await;
    let since = Utc::now() - TimeDelta::days(365);
    let squad = store
        .voice_sessions(SQUAD, None, since, Utc::now())
        .await
        .expect("squad stays");
    let quiet = store
        .voice_sessions(QUIET, None, since, Utc::now())
        .await
        .expect("quiet stays");
    store.close().await;
    assert_eq!(squad.len(), 18, "the last 30 days stay: {squad:?}");
    assert_eq!(
        quiet.len(),
        2,
        "a server without a retention keeps everything"
    );
}

#[test]
fn admin_without_a_terminal_names_the_subcommands_instead() {
    let db = TempSqlite::new();
    let done = run(db.dir(), db.url(), &["admin"]);
    assert_eq!(done.status.code(), Some(2), "{}", text(&done));
    let said = text(&done);
    assert!(
        said.starts_with("error: trakker admin opens a menu and needs a terminal;"),
        "{said}"
    );
    for subcommand in [
        "trakker overview",
        "trakker check-config",
        "trakker migrate",
        "trakker backup FILE",
        "trakker export --guild ID",
        "trakker charts --guild ID",
        "trakker retention",
    ] {
        assert!(said.contains(subcommand), "{subcommand}: {said}");
    }
    assert!(!db.path().exists(), "nothing was opened");
}

/// The arrow key down, as a terminal sends it.
const DOWN: &str = "\x1b[B";

/// Sends `keys` once the prompt on screen reads keys: a prompt switches the terminal to raw
/// mode after drawing itself, and that switch discards what was typed before it, as on a real
/// terminal (a person does not type before seeing the menu either).
fn press(session: &mut rexpect::session::PtySession, keys: &str) {
    std::thread::sleep(Duration::from_millis(300));
    session.send(keys).expect("keys sent");
    session.flush().expect("keys flushed");
}

#[tokio::test]
async fn the_admin_menu_runs_tasks_chosen_with_the_arrow_keys() {
    let db = seeded_sqlite().await;
    let out = db.dir().join("from-the-menu");
    let url = db.url().expose().to_owned();
    let mut menu = command(db.dir(), &["admin"], &[("DATABASE_URL", url.as_str())]);
    menu.env("TERM", "xterm");
    let timeout = Duration::from_secs(30);
    let mut session = rexpect::session::spawn_with_options(
        menu,
        rexpect::reader::Options::new()
            .timeout_ms(Some(u64::try_from(timeout.as_millis()).expect("ms")))
            .strip_ansi_escape_codes(true),
    )
    .expect("the menu starts in a pseudo-terminal");

    session.exp_string("choose a task").expect("the menu");
    session.exp_string("Quit").expect("every entry is listed");
    // The first entry, the overview.
    press(&mut session, "\r");
    session
        .exp_string("Squad Night (4242): 3 members, 53 rows")
        .expect("the overview");
    session
        .exp_string("choose a task")
        .expect("back at the menu");
    // Five down from the overview: render every chart.
    press(&mut session, &DOWN.repeat(5));
    press(&mut session, "\r");
    session
        .exp_string("Which server")
        .expect("a server is asked for");
    session
        .exp_string("Squad Night (4242)")
        .expect("servers listed");
    press(&mut session, "\r");
    session
        .exp_string("Into the directory")
        .expect("a directory is asked for");
    press(&mut session, &format!("{}\r", out.display()));
    session
        .exp_string("trakker-4242-community.png")
        .expect("the pictures are drawn");
    session
        .exp_string("choose a task")
        .expect("back at the menu");
    press(&mut session, "q");
    session.exp_eof().expect("the menu ends");
    let status = session.process().wait().expect("exit status");
    assert!(
        matches!(status, rexpect::process::WaitStatus::Exited(_, 0)),
        "{status:?}"
    );
    assert!(out.join("trakker-4242-community.png").exists());
    assert!(out.join("trakker-4242-timeline.png").exists());
}
