//! The operator's data commands on the loaded database: `trakker backup` while nothing else
//! runs, `trakker restore` into a new database of the same kind, and (from SQLite)
//! `trakker migrate-data` into a new Postgres database; each a child process, timed, with its
//! peak memory.

use std::fmt::Write as _;
use std::path::Path;

use trakker_bench::database::{Backend, BenchDatabase};

use crate::export::child;

/// Runs the three commands; returns the report's table.
pub async fn run(
    bot: &Path,
    database: &BenchDatabase,
    dir: &Path,
    postgres_url: &str,
) -> anyhow::Result<String> {
    let file = dir.join("bench.backup");
    let file_arg = file.display().to_string();
    let mut table =
        "| command | time | peak memory | result |\n| --- | ---: | ---: | --- |\n".to_owned();
    let backup = child(
        bot,
        &["backup".to_owned(), file_arg.clone()],
        database.url(),
    )
    .await?;
    #[expect(clippy::cast_precision_loss, reason = "sizes far below 2^52")]
    let size = std::fs::metadata(&file)?.len() as f64 / 1_048_576.0;
    row(
        &mut table,
        "`trakker backup`",
        &backup,
        &format!("{size:.0} MiB file: {}", backup.stdout.trim()),
    );

    let restore_dir = dir.join("restore");
    std::fs::create_dir_all(&restore_dir)?;
    let target = BenchDatabase::create_named(
        database.backend(),
        &restore_dir,
        &restore_dir,
        postgres_url,
        "_restored",
    )
    .await?;
    let restore = child(bot, &["restore".to_owned(), file_arg], target.url()).await;
    target.drop_database().await?;
    let restore = restore?;
    row(
        &mut table,
        "`trakker restore` (into a new database)",
        &restore,
        restore.stdout.trim(),
    );
    std::fs::remove_file(&file)?;

    if database.backend() == Backend::Sqlite {
        let target = BenchDatabase::create_named(
            Backend::Postgres,
            &restore_dir,
            &restore_dir,
            postgres_url,
            "_copy",
        )
        .await?;
        let args = [
            "migrate-data".to_owned(),
            "--from".to_owned(),
            database.url().to_owned(),
            "--to".to_owned(),
            target.url().to_owned(),
        ];
        let copied = child(bot, &args, database.url()).await;
        target.drop_database().await?;
        let copied = copied?;
        let summary = copied
            .stdout
            .split(" from ")
            .next()
            .unwrap_or_default()
            .to_owned();
        row(
            &mut table,
            "`trakker migrate-data` SQLite → Postgres",
            &copied,
            &format!("{summary}; checksums match"),
        );
    }
    table.push('\n');
    Ok(table)
}

fn row(table: &mut String, what: &str, run: &crate::export::Child, result: &str) {
    let _ = writeln!(
        table,
        "| {what} | {:.1} s | {:.1} MiB | {result} |",
        run.seconds, run.peak_mib
    );
}
