//! The demo as a newcomer runs it, shortened to three days: it must play them through the real
//! bot without a refused step, show a leaderboard that adds up to the kills it tracked, a
//! session summary and the daily post, and write a picture for every chart that had data; the
//! messages it played are filed on the days they were played.

use std::process::Command;

#[test]
fn three_days_play_through_the_bot_and_every_chart_is_written() {
    let dir = tempfile::tempdir().expect("a directory");
    let out = dir.path().join("demo");
    let run = Command::new(env!("CARGO_BIN_EXE_trakker-demo"))
        .args(["--days", "3", "--seconds", "8", "--out"])
        .arg(&out)
        .env_remove("RUST_LOG")
        .output()
        .expect("the demo runs");
    let said = String::from_utf8_lossy(&run.stdout).into_owned();
    let logged = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{said}\n{logged}");
    assert!(
        !said.contains("did not happen"),
        "every step happened:\n{said}"
    );

    let played = said
        .lines()
        .find(|line| line.contains(" kills and "))
        .unwrap_or_else(|| panic!("a line of what was played:\n{said}"));
    let kills: u64 = played
        .split(" kills and ")
        .next()
        .and_then(|before| before.rsplit(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("the kills tracked: {played}"));
    assert!(kills > 0, "{played}");

    // Every player's line on the all-time board: "🥇 @ada — **21**".
    let board: Vec<&str> = said
        .split("── /leaderboard period:all-time")
        .nth(1)
        .and_then(|rest| rest.split("── ").next())
        .unwrap_or_else(|| panic!("the leaderboard:\n{said}"))
        .lines()
        .filter(|line| line.contains(" — **"))
        .collect();
    let on_board: u64 = board
        .iter()
        .filter_map(|line| line.rsplit("**").nth(1)?.parse::<u64>().ok())
        .sum();
    assert!(
        board.iter().all(|line| line.contains('@')),
        "names: {board:?}"
    );
    assert_eq!(
        on_board, kills,
        "the board adds up to the kills tracked:\n{said}"
    );

    assert!(said.contains("Session over: Valorant"), "{said}");
    assert!(said.contains("Who plays on "), "{said}");
    assert!(!said.contains("<@"), "mentions are shown as names:\n{said}");

    let charts = out.join("charts");
    let mut pictures = 0;
    for line in said.lines().filter(|line| line.contains(".png: ")) {
        let file = line.split(": ").next().expect("a file name");
        let png = std::fs::read(file).unwrap_or_else(|error| panic!("{file}: {error}"));
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{file}");
        assert!(std::path::Path::new(file).starts_with(&charts), "{file}");
        pictures += 1;
    }
    for chart in [
        "community",
        "duo",
        "voice",
        "weekdays",
        "hours",
        "timeline",
        "messages",
    ] {
        assert!(
            said.contains(&format!("-{chart}.png: ")),
            "{chart} is drawn:\n{said}"
        );
    }
    // Three days are too few to go quiet: the inactive chart says so instead of a picture.
    assert_eq!(pictures, 7, "{said}");
    assert!(said.contains("inactive: no picture: "), "{said}");
    assert!(out.join("demo.db").exists());

    // Messages are filed on the bot's clock, spread over the days played, not at the real moment
    // they were sent (today, after the played days).
    let guild: u64 = said
        .lines()
        .find_map(|line| {
            line.split("/trakker-")
                .nth(1)?
                .split('-')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("the server's id in a picture's name:\n{said}"));
    let days = days_with_messages(&out.join("demo.db"), guild);
    let today = chrono::Utc::now().date_naive().to_string();
    assert_eq!(days.len(), 3, "a day of messages per day played: {days:?}");
    assert!(
        days.iter().all(|day| *day < today),
        "{days:?} before {today}"
    );
}

/// The days of the daily activity export (`trakker export --what daily`) with a message.
fn days_with_messages(
    database: &std::path::Path,
    guild: u64,
) -> std::collections::BTreeSet<String> {
    let url = trakker::config::DatabaseUrl::parse(&format!("sqlite://{}", database.display()))
        .expect("a database URL");
    let csv = tokio::runtime::Runtime::new()
        .expect("a runtime")
        .block_on(async {
            let store = trakker::store::connect(&url, false)
                .await
                .expect("the demo's database");
            let mut csv = Vec::new();
            let period = trakker::exports::Period {
                since: None,
                until: chrono::Utc::now() + chrono::TimeDelta::days(1),
            };
            trakker::exports::write_csv(
                store.as_ref(),
                trakker::domain::ids::GuildId(guild),
                trakker::store::exports::ExportTable::Daily,
                period,
                &mut csv,
            )
            .await
            .expect("the daily export");
            store.close().await;
            csv
        });
    let csv = String::from_utf8(csv).expect("UTF-8");
    // day,user_id,messages,…
    csv.lines()
        .skip(1)
        .filter_map(|row| {
            let fields: Vec<&str> = row.split(',').collect();
            (fields.get(2)?.parse::<u64>().ok()? > 0).then(|| fields[0].to_owned())
        })
        .collect()
}
