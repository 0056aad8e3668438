//! Throw-away databases for one benchmark run: a SQLite file in a temporary directory, or a fresh
//! Postgres database `trakker_bench_<pid>` dropped at the end; the bulk load of the kill ledger;
//! the query plans of the statements /stats, /leaderboard and /track run; and a reader of the
//! activity rollups' totals.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection, Row};

/// Which database the bot runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A Postgres database.
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "Postgres",
        })
    }
}

/// What to load: `rows` entries spread evenly over the last `days` days and over `players`.
pub struct LedgerPlan {
    /// The guild, already stored by the bot.
    pub guild: u64,
    /// The channel the entries were recorded in.
    pub channel: u64,
    /// The players' user ids.
    pub players: Vec<u64>,
    /// How many rows.
    pub rows: u64,
    /// Over how many days, ending now.
    pub days: u32,
}

impl LedgerPlan {
    fn span_ms(&self) -> i64 {
        i64::from(self.days) * 86_400_000
    }

    fn player_count(&self) -> i64 {
        i64::try_from(self.players.len()).unwrap_or(i64::MAX)
    }

    fn row_count(&self) -> i64 {
        i64::try_from(self.rows).unwrap_or(i64::MAX)
    }
}

/// Discord ids are stored bit for bit as signed 64-bit integers.
#[expect(
    clippy::cast_possible_wrap,
    reason = "snowflakes are stored bit-preserving, as the bot stores them"
)]
fn to_db(id: u64) -> i64 {
    id as i64
}

/// A database that lives as long as the run.
pub enum BenchDatabase {
    /// A SQLite file in the run's working directory.
    Sqlite {
        /// Where the bots' logs go.
        dir: PathBuf,
        /// The database file.
        path: PathBuf,
        /// `sqlite://…`
        url: String,
    },
    /// A database created on a Postgres server.
    Postgres {
        /// Where the bots' logs go.
        dir: PathBuf,
        /// The server's maintenance database, where CREATE and DROP DATABASE run.
        server: Box<PgConnectOptions>,
        /// The new database's name.
        name: String,
        /// `postgres://…/name`
        url: String,
    },
}

impl BenchDatabase {
    /// A new, empty database: the bot applies its migrations when it starts.
    /// The SQLite file goes in `workdir`; `logs` is where the bots' logs go.
    pub async fn create(
        backend: Backend,
        workdir: &Path,
        logs: &Path,
        postgres_url: &str,
    ) -> anyhow::Result<Self> {
        Self::create_named(backend, workdir, logs, postgres_url, "").await
    }

    /// As [`BenchDatabase::create`], a second database beside the first: its Postgres name
    /// ends in `suffix`, its SQLite file lives in `workdir` as before.
    pub async fn create_named(
        backend: Backend,
        workdir: &Path,
        logs: &Path,
        postgres_url: &str,
        suffix: &str,
    ) -> anyhow::Result<Self> {
        let dir = logs;
        match backend {
            Backend::Sqlite => {
                let path = workdir.join("bench.db");
                Ok(Self::Sqlite {
                    dir: dir.to_path_buf(),
                    url: format!("sqlite://{}", path.display()),
                    path,
                })
            }
            Backend::Postgres => {
                let server = PgConnectOptions::from_str(postgres_url)
                    .context("--postgres-url is not a Postgres URL")?;
                let name = format!("trakker_bench_{}{suffix}", std::process::id());
                let mut admin = server
                    .connect()
                    .await
                    .with_context(|| format!("connect to Postgres at {postgres_url}"))?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                    .execute(&mut admin)
                    .await?;
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .with_context(|| format!("create database {name}"))?;
                Ok(Self::Postgres {
                    dir: dir.to_path_buf(),
                    url: with_database(postgres_url, &name)?,
                    server: Box::new(server),
                    name,
                })
            }
        }
    }

    /// Which backend this is.
    #[must_use]
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres { .. } => Backend::Postgres,
        }
    }

    /// `DATABASE_URL` for the bot.
    #[must_use]
    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }

    /// Where the bots' logs go.
    #[must_use]
    pub fn dir(&self) -> &Path {
        match self {
            Self::Sqlite { dir, .. } | Self::Postgres { dir, .. } => dir,
        }
    }

    async fn sqlite(path: &Path) -> anyhow::Result<SqliteConnection> {
        Ok(SqliteConnectOptions::new()
            .filename(path)
            .busy_timeout(Duration::from_secs(30))
            .connect()
            .await?)
    }

    async fn postgres(&self) -> anyhow::Result<PgConnection> {
        match self {
            Self::Postgres { server, name, .. } => {
                Ok((**server).clone().database(name).connect().await?)
            }
            Self::Sqlite { .. } => anyhow::bail!("not a Postgres database"),
        }
    }

    /// Waits until the bot has stored `guild` (it does on `GUILD_CREATE`).
    pub async fn wait_for_guild(&self, guild: u64, timeout: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let found: Option<i64> = match self {
                Self::Sqlite { path, .. } => {
                    let mut db = Self::sqlite(path).await?;
                    sqlx::query_scalar("SELECT id FROM guilds WHERE id = ?1")
                        .bind(to_db(guild))
                        .fetch_optional(&mut db)
                        .await
                        .ok()
                        .flatten()
                }
                Self::Postgres { .. } => {
                    let mut db = self.postgres().await?;
                    sqlx::query_scalar("SELECT id FROM guilds WHERE id = $1")
                        .bind(to_db(guild))
                        .fetch_optional(&mut db)
                        .await
                        .ok()
                        .flatten()
                }
            };
            if found.is_some() {
                return Ok(());
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "the bot did not store guild {guild} within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Loads the ledger in one statement (one transaction), with the bot stopped. Row `i` goes
    /// to player `i * 7919 mod n` (every player gets `rows / n` rows, neighbours differ), one
    /// row in twenty of each player's is a team kill, counts cycle 1 to 5, and times rise evenly
    /// with the id as an append-only ledger's do. No season is running, so every board the
    /// benchmark reads is the all-time one.
    pub async fn load_ledger(&self, plan: &LedgerPlan) -> anyhow::Result<()> {
        match self {
            Self::Sqlite { path, .. } => load_sqlite(path, plan).await,
            Self::Postgres { .. } => load_postgres(&mut self.postgres().await?, plan).await,
        }
    }

    /// The server's version, for the report.
    pub async fn server_version(&self) -> anyhow::Result<String> {
        Ok(match self {
            Self::Sqlite { path, .. } => {
                let version: String = sqlx::query_scalar("SELECT sqlite_version()")
                    .fetch_one(&mut Self::sqlite(path).await?)
                    .await?;
                format!("SQLite {version}")
            }
            Self::Postgres { .. } => {
                let version: String = sqlx::query_scalar("SHOW server_version")
                    .fetch_one(&mut self.postgres().await?)
                    .await?;
                format!("Postgres {version}")
            }
        })
    }

    /// The plans of the statements behind /stats, /leaderboard (a rebuild) and /track, as the
    /// bot writes them in src/store (copied here: the store does not expose its statements).
    pub async fn query_plans(&self, guild: u64, player: u64) -> anyhow::Result<Vec<String>> {
        let (guild, player) = (to_db(guild), to_db(player));
        let statements = [
            (
                "/stats: player_tallies",
                format!(
                    "SELECT id, CAST(kind AS BIGINT), CAST(count AS BIGINT), session_id, \
                     season_id, recorded_at FROM kill_ledger WHERE guild_id = {guild} \
                     AND player_id = {player} AND undone_at IS NULL"
                ),
            ),
            (
                "/leaderboard (board rebuild): board_totals, all time",
                format!(
                    "SELECT player_id, SUM(count) FROM kill_ledger WHERE undone_at IS NULL \
                     AND guild_id = {guild} AND kind = 0 GROUP BY player_id"
                ),
            ),
            (
                "/track: record_kill's season total",
                format!(
                    "SELECT COALESCE(SUM(count), 0) FROM kill_ledger WHERE guild_id = {guild} \
                     AND player_id = {player} AND kind = 0 AND undone_at IS NULL \
                     AND (NULL IS NULL OR season_id = NULL)"
                ),
            ),
        ];
        let mut out = Vec::new();
        for (what, sql) in statements {
            let lines: Vec<String> = match self {
                Self::Sqlite { path, .. } => {
                    let mut db = Self::sqlite(path).await?;
                    sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
                        .fetch_all(&mut db)
                        .await?
                        .iter()
                        .map(|row| row.try_get::<String, _>("detail"))
                        .collect::<Result<_, _>>()?
                }
                Self::Postgres { .. } => {
                    let mut db = self.postgres().await?;
                    sqlx::query(&format!("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}"))
                        .fetch_all(&mut db)
                        .await?
                        .iter()
                        .map(|row| row.try_get::<String, _>(0))
                        .collect::<Result<_, _>>()?
                }
            };
            out.push(format!("{what}\n    {}", lines.join("\n    ")));
        }
        Ok(out)
    }

    /// A connection of its own that reads the activity rollups while the bot writes them.
    pub async fn activity_reader(&self) -> anyhow::Result<ActivityReader> {
        Ok(match self {
            Self::Sqlite { path, .. } => ActivityReader::Sqlite(Box::new(
                SqliteConnectOptions::new()
                    .filename(path)
                    .read_only(true)
                    .busy_timeout(Duration::from_secs(30))
                    .connect()
                    .await?,
            )),
            Self::Postgres { .. } => ActivityReader::Postgres(Box::new(self.postgres().await?)),
        })
    }

    /// Drops the Postgres database (the SQLite file goes with the working directory).
    pub async fn drop_database(&self) -> anyhow::Result<()> {
        match self {
            Self::Postgres { server, name, .. } => {
                let mut admin = server.connect().await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .with_context(|| format!("drop database {name}"))?;
            }
            // The next database of the run (the same backend measured again) starts empty too.
            Self::Sqlite { path, .. } => {
                for suffix in ["", "-wal", "-shm"] {
                    let file = PathBuf::from(format!("{}{suffix}", path.display()));
                    match std::fs::remove_file(&file) {
                        Ok(()) => {}
                        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                        Err(error) => {
                            return Err(error).with_context(|| format!("remove {}", file.display()))
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// `url` with its database (the path) replaced by `name`.
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_start = base.find("://").context("a URL has a scheme")? + 3;
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    Ok(out)
}

fn now_ms() -> anyhow::Result<i64> {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the clock is before 1970")?;
    Ok(i64::try_from(since.as_millis())?)
}

async fn load_sqlite(path: &Path, plan: &LedgerPlan) -> anyhow::Result<()> {
    let mut db = BenchDatabase::sqlite(path).await?;
    sqlx::query("CREATE TEMP TABLE bench_players (idx INTEGER PRIMARY KEY, id INTEGER NOT NULL)")
        .execute(&mut db)
        .await?;
    let mut players = sqlx::QueryBuilder::new("INSERT INTO bench_players (idx, id) ");
    players.push_values(plan.players.iter().enumerate(), |mut row, (idx, id)| {
        row.push_bind(i64::try_from(idx).unwrap_or(i64::MAX))
            .push_bind(to_db(*id));
    });
    players.build().execute(&mut db).await?;
    let start = now_ms()? - plan.span_ms();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO kill_ledger (guild_id, player_id, kind, count, recorded_by, recorded_at, channel_id)
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
         SELECT ?1, p.id, CASE WHEN (n.i / ?3) % 20 = 19 THEN 1 ELSE 0 END, 1 + (n.i + n.i / ?3) % 5, r.id,
                ?4 + n.i * ?5 / ?2, ?6
         FROM n
         JOIN bench_players p ON p.idx = (n.i * 7919) % ?3
         JOIN bench_players r ON r.idx = (n.i * 7919 + 1) % ?3",
    )
    .bind(to_db(plan.guild))
    .bind(plan.row_count())
    .bind(plan.player_count())
    .bind(start)
    .bind(plan.span_ms())
    .bind(to_db(plan.channel))
    .execute(&mut *tx)
    .await
    .context("load the SQLite ledger")?;
    tx.commit().await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut db)
        .await?;
    Ok(())
}

async fn load_postgres(db: &mut PgConnection, plan: &LedgerPlan) -> anyhow::Result<()> {
    let players: Vec<i64> = plan.players.iter().map(|id| to_db(*id)).collect();
    sqlx::query(
        "INSERT INTO kill_ledger (guild_id, player_id, kind, count, recorded_by, recorded_at, channel_id)
         SELECT $1, p[(1 + (i * 7919) % $3)::int], CASE WHEN (i / $3) % 20 = 19 THEN 1 ELSE 0 END,
                1 + (i + i / $3) % 5,
                p[(1 + (i * 7919 + 1) % $3)::int],
                now() - make_interval(days => $4) + (i * $5 / $2) * interval '1 millisecond', $6
         FROM generate_series(0::bigint, $2 - 1) AS i, (SELECT $7::bigint[] AS p) AS players",
    )
    .bind(to_db(plan.guild))
    .bind(plan.row_count())
    .bind(plan.player_count())
    .bind(i32::try_from(plan.days)?)
    .bind(plan.span_ms())
    .bind(to_db(plan.channel))
    .bind(&players)
    .execute(&mut *db)
    .await
    .context("load the Postgres ledger")?;
    // What autovacuum would do soon after a load this size: statistics and the visibility map.
    sqlx::query("VACUUM ANALYZE kill_ledger")
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Empties the Redis database the Redis runs use, so no board survives from an earlier run.
pub async fn flush_redis(url: &str) -> anyhow::Result<()> {
    let client = redis::Client::open(url).context("--redis-url is not a Redis URL")?;
    let mut connection = client
        .get_multiplexed_async_connection()
        .await
        .with_context(|| format!("connect to Redis at {url}"))?;
    redis::cmd("FLUSHDB")
        .query_async::<()>(&mut connection)
        .await
        .context("FLUSHDB")?;
    Ok(())
}

/// What the activity rollups of one guild add up to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ActivityTotals {
    /// `SUM(messages)` over `message_rollups`.
    pub messages: u64,
    /// `SUM(reactions_added)` over `emoji_rollups`.
    pub reactions_added: u64,
    /// `SUM(reactions_removed)` over `emoji_rollups`.
    pub reactions_removed: u64,
    /// `SUM(uses)` over `app_rollups` (the benchmark's own /about calls).
    pub app_uses: u64,
}

impl ActivityTotals {
    /// Every gateway event these rows count: one message, one reaction added or removed, or one
    /// application command used.
    #[must_use]
    pub fn events(&self) -> u64 {
        self.messages + self.reactions_added + self.reactions_removed + self.app_uses
    }
}

/// A connection reading the rollups' totals, as the bot's own `message_rows` / `emoji_rows`
/// would add them up.
pub enum ActivityReader {
    /// On the SQLite file (read-only; WAL lets it read while the bot writes).
    Sqlite(Box<SqliteConnection>),
    /// On the Postgres database.
    Postgres(Box<PgConnection>),
}

impl ActivityReader {
    /// The guild's totals, each table read in one statement.
    pub async fn totals(&mut self, guild: u64) -> anyhow::Result<ActivityTotals> {
        const MESSAGES: &str =
            "SELECT CAST(COALESCE(SUM(messages), 0) AS BIGINT) FROM message_rollups WHERE guild_id = ";
        const REACTIONS: &str = "SELECT CAST(COALESCE(SUM(reactions_added), 0) AS BIGINT), \
             CAST(COALESCE(SUM(reactions_removed), 0) AS BIGINT) FROM emoji_rollups WHERE guild_id = ";
        const APPS: &str =
            "SELECT CAST(COALESCE(SUM(uses), 0) AS BIGINT) FROM app_rollups WHERE guild_id = ";
        let guild = to_db(guild);
        let (messages, (added, removed), apps): (i64, (i64, i64), i64) = match self {
            Self::Sqlite(db) => (
                sqlx::query_scalar(&format!("{MESSAGES}?1"))
                    .bind(guild)
                    .fetch_one(&mut **db)
                    .await?,
                sqlx::query_as(&format!("{REACTIONS}?1"))
                    .bind(guild)
                    .fetch_one(&mut **db)
                    .await?,
                sqlx::query_scalar(&format!("{APPS}?1"))
                    .bind(guild)
                    .fetch_one(&mut **db)
                    .await?,
            ),
            Self::Postgres(db) => (
                sqlx::query_scalar(&format!("{MESSAGES}$1"))
                    .bind(guild)
                    .fetch_one(&mut **db)
                    .await?,
                sqlx::query_as(&format!("{REACTIONS}$1"))
                    .bind(guild)
                    .fetch_one(&mut **db)
                    .await?,
                sqlx::query_scalar(&format!("{APPS}$1"))
                    .bind(guild)
                    .fetch_one(&mut **db)
                    .await?,
            ),
        };
        Ok(ActivityTotals {
            messages: u64::try_from(messages)?,
            reactions_added: u64::try_from(added)?,
            reactions_removed: u64::try_from(removed)?,
            app_uses: u64::try_from(apps)?,
        })
    }
}
