//! The `trakker` command line as an operator meets it: a missing token, a refused API base,
//! `migrate` on a new database, `check-config` with a dead Redis, a database that refuses
//! connections, a `DATABASE_URL` without a scheme, and secrets that never print.

mod support;

use sqlx::Connection;
use support::cli::{text, trakker};
use support::db::FreshPostgres;

#[test]
fn run_without_a_token_says_where_a_token_comes_from_in_one_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = trakker(dir.path(), &["run"], &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line, got: {stderr}");
    assert!(lines[0].contains("DISCORD_TOKEN"), "{stderr}");
    assert!(
        lines[0].contains("discord.com/developers/applications"),
        "{stderr}"
    );
    assert!(lines[0].contains(".env"), "{stderr}");
    assert!(
        !dir.path().join("trakker.db").exists(),
        "nothing is created before the configuration is complete"
    );
}

#[test]
fn a_non_loopback_api_base_is_refused_before_any_network_call() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = trakker(
        dir.path(),
        &["run"],
        &[
            ("DISCORD_TOKEN", "token-that-must-stay-here"),
            ("DISCORD_API_BASE", "http://example.com:80"),
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let all = text(&output);
    assert!(all.contains("DISCORD_API_BASE is invalid"), "{all}");
    assert!(all.contains("this machine"), "{all}");
    assert!(!all.contains("token-that-must-stay-here"), "{all}");
    assert!(
        !dir.path().join("trakker.db").exists(),
        "refused before opening anything"
    );
}

#[test]
fn every_configuration_problem_is_listed_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = trakker(
        dir.path(),
        &["check-config"],
        &[
            ("LOG_FORMAT", "xml"),
            ("SHARDS", "0-1"),
            ("DATABASE_URL", "mysql://x/y"),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for variable in ["LOG_FORMAT", "SHARDS", "DATABASE_URL"] {
        assert!(
            stderr.contains(variable),
            "{variable} missing from: {stderr}"
        );
    }
}

/// The applied migrations as `(version, checksum)`: unchanged when nothing was applied again.
async fn applied_sqlite(url: &str) -> Vec<(i64, Vec<u8>)> {
    let mut connection = sqlx::SqliteConnection::connect(url)
        .await
        .expect("open SQLite");
    let rows = sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&mut connection)
        .await
        .expect("read the migration ledger");
    let _ = connection.close().await;
    rows
}

async fn applied_postgres(url: &str) -> Vec<(i64, Vec<u8>, String)> {
    let mut connection = sqlx::PgConnection::connect(url)
        .await
        .expect("open Postgres");
    let rows = sqlx::query_as(
        "SELECT version, checksum, installed_on::text FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(&mut connection)
    .await
    .expect("read the migration ledger");
    let _ = connection.close().await;
    rows
}

#[tokio::test]
async fn migrate_creates_a_new_sqlite_file_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = trakker(dir.path(), &["migrate"], &[]);
    assert!(first.status.success(), "{}", text(&first));
    let db = dir.path().join("trakker.db");
    assert!(
        db.exists(),
        "the embedded default is created in the working directory"
    );
    let url = format!("sqlite://{}", db.display());
    let after_first = applied_sqlite(&url).await;
    assert!(!after_first.is_empty(), "the schema was created");

    let second = trakker(dir.path(), &["migrate"], &[]);
    assert!(second.status.success(), "{}", text(&second));
    assert_eq!(
        applied_sqlite(&url).await,
        after_first,
        "a second migrate applies nothing"
    );
}

#[tokio::test]
async fn migrate_creates_the_schema_in_a_new_postgres_database_and_a_second_run_changes_nothing() {
    let Some(database) = FreshPostgres::create().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let vars = [("DATABASE_URL", database.url().expose())];
    let first = trakker(dir.path(), &["migrate"], &vars);
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("PostgreSQL"), "{}", text(&first));
    let after_first = applied_postgres(database.url().expose()).await;
    assert!(!after_first.is_empty(), "the schema was created");

    let second = trakker(dir.path(), &["migrate"], &vars);
    assert!(second.status.success(), "{}", text(&second));
    assert_eq!(
        applied_postgres(database.url().expose()).await,
        after_first,
        "a second migrate applies nothing"
    );
}

#[test]
fn check_config_reports_a_dead_redis_and_still_gives_the_database_verdict() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    let output = trakker(
        dir.path(),
        &["check-config"],
        &[
            ("DISCORD_TOKEN", "MTIzNDU2.secret-token-value"),
            ("REDIS_URL", "redis://:redis-secret-pw@127.0.0.1:1"),
        ],
    );
    let all = text(&output);
    assert!(
        output.status.success(),
        "the database is fine, so the check passes: {all}"
    );
    assert!(all.contains("database: ok (SQLite)"), "{all}");
    assert!(all.contains("redis: FAILED"), "{all}");
    assert!(
        all.contains("127.0.0.1:1"),
        "the URL is shown, redacted: {all}"
    );
    for secret in ["secret-token-value", "redis-secret-pw"] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
}

#[test]
fn check_config_fails_when_the_database_cannot_be_opened() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = trakker(
        dir.path(),
        &["check-config"],
        &[(
            "DATABASE_URL",
            "postgres://trakker:db-secret-pw@127.0.0.1:1/trakker",
        )],
    );
    let all = text(&output);
    assert!(!output.status.success(), "{all}");
    assert!(
        all.contains("database: FAILED: could not connect to the database at postgres://trakker:redacted@127.0.0.1:1/trakker: connection refused"),
        "{all}"
    );
    assert!(!all.contains("db-secret-pw"), "{all}");
}

#[test]
fn migrate_and_run_name_a_refused_database_connection_once_without_waiting_for_a_pool() {
    let dir = tempfile::tempdir().expect("temp dir");
    let vars = [
        ("DISCORD_TOKEN", "MTIzNDU2.secret-token-value"),
        (
            "DATABASE_URL",
            "postgres://trakker:db-secret-pw@127.0.0.1:1/trakker",
        ),
    ];
    for command in ["migrate", "run"] {
        let output = trakker(dir.path(), &[command], &vars);
        let all = text(&output);
        assert!(!output.status.success(), "{command}: {all}");
        let sentence = "could not connect to the database at postgres://trakker:redacted@127.0.0.1:1/trakker: connection refused";
        assert_eq!(
            all.matches(sentence).count(),
            1,
            "{command} says it once: {all}"
        );
        assert!(
            !all.contains("pool timed out"),
            "{command} did not wait for a pool: {all}"
        );
        for secret in ["db-secret-pw", "secret-token-value"] {
            assert!(!all.contains(secret), "{secret} leaked: {all}");
        }
    }
}

#[test]
fn a_database_url_without_a_scheme_is_refused_with_the_url_meant() {
    let dir = tempfile::tempdir().expect("temp dir");
    for command in ["run", "migrate", "check-config"] {
        let output = trakker(
            dir.path(),
            &[command],
            &[
                ("DISCORD_TOKEN", "MTIzNDU2.secret-token-value"),
                ("DATABASE_URL", "trakker.db"),
            ],
        );
        assert_eq!(output.status.code(), Some(2), "{}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("DATABASE_URL is invalid")
                && stderr.contains("for a SQLite file write sqlite://trakker.db"),
            "{command}: {stderr}"
        );
    }
    assert!(
        !dir.path().join("trakker.db").exists(),
        "refused before opening anything"
    );
}

#[test]
fn check_config_leaves_no_sqlite_file_behind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("squad.db");
    let url = format!("sqlite://{}", file.display());
    let output = trakker(dir.path(), &["check-config"], &[("DATABASE_URL", &url)]);
    let all = text(&output);
    assert!(output.status.success(), "run will create the file: {all}");
    assert!(
        all.contains(&format!(
            "database: ok (SQLite): {} does not exist yet; run and migrate create it",
            file.display()
        )),
        "{all}"
    );
    assert!(!file.exists(), "check-config created {}", file.display());
    let created: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list the directory")
        .collect();
    assert!(created.is_empty(), "nothing at all is created: {created:?}");
}

#[test]
fn check_config_fails_when_the_sqlite_directory_does_not_exist() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-dir");
    let url = format!("sqlite://{}/trakker.db", missing.display());
    for command in ["check-config", "migrate"] {
        let output = trakker(dir.path(), &[command], &[("DATABASE_URL", &url)]);
        let all = text(&output);
        assert!(!output.status.success(), "{command}: {all}");
        assert!(
            all.contains(&format!(
                "the directory {} does not exist",
                missing.display()
            )),
            "{command}: {all}"
        );
    }
    assert!(!missing.exists());
}

#[test]
fn check_config_opens_an_existing_sqlite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let migrated = trakker(dir.path(), &["migrate"], &[]);
    assert!(migrated.status.success(), "{}", text(&migrated));
    let output = trakker(dir.path(), &["check-config"], &[]);
    let all = text(&output);
    assert!(output.status.success(), "{all}");
    assert!(all.contains("database: ok (SQLite)\n"), "{all}");
}

#[test]
fn help_describes_what_the_bot_does_today() {
    let dir = tempfile::tempdir().expect("temp dir");
    for flag in ["-h", "--help"] {
        let output = trakker(dir.path(), &[flag], &[]);
        assert!(output.status.success(), "{}", text(&output));
        let help = String::from_utf8_lossy(&output.stdout).to_lowercase();
        assert!(
            help.contains("squad stats and community activity"),
            "{flag}: {help}"
        );
        // Every operator task is listed with its one line.
        for task in [
            "run ",
            "admin ",
            "migrate ",
            "check-config ",
            "backup ",
            "restore ",
            "migrate-data ",
            "export ",
            "overview ",
            "charts ",
            "retention ",
        ] {
            assert!(
                help.contains(&format!("  {task}")),
                "{flag} lists {task}: {help}"
            );
        }
    }
}

#[test]
fn a_local_api_base_that_does_not_answer_stops_the_bot_instead_of_reaching_discord() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Port 1 on loopback: nothing listens, so GET /gateway fails at once.
    let output = trakker(
        dir.path(),
        &["run"],
        &[
            ("DISCORD_TOKEN", "token-for-nowhere"),
            ("DISCORD_API_BASE", "http://127.0.0.1:1"),
        ],
    );
    let all = text(&output);
    assert!(!output.status.success(), "{all}");
    assert!(all.contains("did not answer GET /gateway"), "{all}");
    assert!(!all.contains("token-for-nowhere"), "{all}");
}

#[tokio::test]
async fn export_writes_one_csv_file_per_table_and_refuses_an_unknown_table() {
    use trakker::domain::ids::{ChannelId, GuildId, UserId};
    use trakker::store::{GuildRecord, VoiceFlags};

    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("trakker.db").display());
    let store = trakker::store::connect(
        &trakker::config::DatabaseUrl::parse(&url).expect("a URL"),
        true,
    )
    .await
    .expect("open");
    let guild = GuildId(4_242);
    let now = chrono::Utc::now();
    store
        .upsert_guild(&GuildRecord {
            id: guild,
            name: "exports".to_owned(),
            joined_at: now,
            left_at: None,
        })
        .await
        .expect("guild");
    let quiet = VoiceFlags {
        self_mute: false,
        self_deaf: false,
        mute: false,
        deaf: false,
        streaming: false,
        video: false,
    };
    for (user, minutes) in [(7, 90), (8, 30)] {
        let joined = now - chrono::Duration::minutes(minutes);
        store
            .voice_join(guild, ChannelId(5), UserId(user), false, quiet, joined)
            .await
            .expect("joins");
        store
            .voice_leave(guild, UserId(user), now - chrono::Duration::minutes(1))
            .await
            .expect("leaves");
    }
    store.close().await;
    let vars = [("DATABASE_URL", url.as_str())];
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("out dir");
    let out_arg = out.display().to_string();

    let done = trakker(
        dir.path(),
        &["export", "--guild", "4242", "--out", &out_arg],
        &vars,
    );
    assert!(done.status.success(), "{}", text(&done));
    for table in ["ledger", "players", "sessions", "voice", "daily", "invites"] {
        let file = out.join(format!("trakker-4242-{table}.csv"));
        assert!(file.exists(), "{table}: {}", text(&done));
    }
    let voice = std::fs::read_to_string(out.join("trakker-4242-voice.csv")).expect("voice");
    let lines: Vec<&str> = voice.split_terminator("\r\n").collect();
    assert_eq!(
        lines[0],
        "stay,user_id,channel_id,joined_at,left_at,seconds,afk"
    );
    assert_eq!(lines.len(), 3, "{voice}");
    assert!(
        lines[1].starts_with("1,7,5,") && lines[1].ends_with(",5340,false"),
        "{voice}"
    );
    assert!(
        text(&done).contains("trakker-4242-voice.csv: 2 rows"),
        "{}",
        text(&done)
    );

    let unknown = trakker(
        dir.path(),
        &[
            "export",
            "--guild",
            "4242",
            "--what",
            "passwords",
            "--out",
            &out_arg,
        ],
        &vars,
    );
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
    assert!(
        text(&unknown).contains("--what must be one of ledger, players"),
        "{}",
        text(&unknown)
    );
    let zero = trakker(
        dir.path(),
        &[
            "export", "--guild", "4242", "--days", "0", "--out", &out_arg,
        ],
        &vars,
    );
    assert_eq!(zero.status.code(), Some(2), "{}", text(&zero));
}
