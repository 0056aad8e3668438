//! The operator's data commands: `trakker backup`, `trakker restore` and
//! `trakker migrate-data`, over the portable rows of [`crate::store::portable`].
//!
//! A backup file is JSON lines: a header naming the format and the schema it was made with,
//! then per table a line with its columns, its rows as arrays, and a closing line with the row
//! count and a checksum; a last line closes the file. Any file that is not exactly that — another
//! program's, cut short, altered, or made by a newer trakker — is refused before anything is
//! committed: restores and copies write inside one transaction.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;

use async_trait::async_trait;

use crate::store::portable::{RowSink, TableShape, Value};
use crate::store::{Store, StoreError};

/// The first field of every backup file's first line.
const FORMAT: &str = "trakker-backup";
/// The layout of the file itself, raised if it ever changes.
const LAYOUT: u32 = 1;
/// Rows of a backup file written per batch when it is restored.
const RESTORE_BATCH: usize = 500;

/// Why a data command stopped. Nothing was changed in a target database.
#[derive(Debug, thiserror::Error)]
pub enum MaintenanceError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading or writing the file failed.
    #[error("{0}")]
    File(String),
    /// The request cannot be carried out as asked; the sentence says why and what to do.
    #[error("{0}")]
    Refused(String),
}

/// Rows and checksums per table: what a backup holds, a restore wrote or a copy compared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Per table: rows and the checksum of their contents (independent of their order).
    pub tables: BTreeMap<String, (u64, u64)>,
}

impl Tally {
    /// Every row together.
    #[must_use]
    pub fn rows(&self) -> u64 {
        self.tables.values().map(|(rows, _)| rows).sum()
    }
}

/// FNV-1a over a row's JSON: the same on every platform and every run.
fn row_hash(row: &[Value]) -> u64 {
    let bytes = serde_json::to_vec(row).unwrap_or_default();
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Counts and checksums rows as they pass, per table.
#[derive(Default)]
struct Counter {
    tally: Tally,
    current: Option<String>,
}

impl Counter {
    fn table(&mut self, name: &str) {
        self.tally.tables.insert(name.to_owned(), (0, 0));
        self.current = Some(name.to_owned());
    }

    fn rows(&mut self, rows: &[Vec<Value>]) {
        if let Some(entry) = self
            .current
            .as_ref()
            .and_then(|name| self.tally.tables.get_mut(name))
        {
            for row in rows {
                entry.0 += 1;
                entry.1 = entry.1.wrapping_add(row_hash(row));
            }
        }
    }
}

#[async_trait]
impl RowSink for Counter {
    async fn table(&mut self, table: &TableShape) -> Result<(), StoreError> {
        Counter::table(self, &table.name);
        Ok(())
    }

    async fn rows(&mut self, rows: Vec<Vec<Value>>) -> Result<(), StoreError> {
        Counter::rows(self, &rows);
        Ok(())
    }

    async fn table_end(&mut self, _rows: u64) -> Result<(), StoreError> {
        Ok(())
    }
}

/// The rows and checksums of everything `store` holds, read as one snapshot.
///
/// # Errors
/// When the store fails.
pub async fn tally(store: &dyn Store) -> Result<Tally, StoreError> {
    let mut counter = Counter::default();
    store.read_all(&mut counter).await?;
    Ok(counter.tally)
}

/// The header line of a backup.
#[derive(serde::Serialize, serde::Deserialize)]
struct Header {
    format: String,
    layout: u32,
    schema: i64,
    made_by: String,
}

/// One of the lines that frame a table's rows, or the last line.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Frame {
    Table(TableShape),
    End { rows: u64, checksum: u64 },
    Done { tables: u64, rows: u64 },
}

/// Writes the backup into a file as rows arrive.
struct FileSink<W: Write + Send> {
    out: W,
    counter: Counter,
    tables: u64,
}

fn io_error(error: &impl std::fmt::Display) -> StoreError {
    StoreError::Copy(format!("could not write the backup: {error}"))
}

impl<W: Write + Send> FileSink<W> {
    fn line(&mut self, value: &impl serde::Serialize) -> Result<(), StoreError> {
        serde_json::to_writer(&mut self.out, value).map_err(|error| io_error(&error))?;
        self.out.write_all(b"\n").map_err(|error| io_error(&error))
    }
}

#[async_trait]
impl<W: Write + Send> RowSink for FileSink<W> {
    async fn table(&mut self, table: &TableShape) -> Result<(), StoreError> {
        self.counter.table(&table.name);
        self.tables += 1;
        self.line(&Frame::Table(table.clone()))
    }

    async fn rows(&mut self, rows: Vec<Vec<Value>>) -> Result<(), StoreError> {
        self.counter.rows(&rows);
        for row in &rows {
            self.line(row)?;
        }
        Ok(())
    }

    async fn table_end(&mut self, _rows: u64) -> Result<(), StoreError> {
        let (rows, checksum) = self
            .counter
            .current
            .as_ref()
            .and_then(|name| self.counter.tally.tables.get(name))
            .copied()
            .unwrap_or_default();
        self.line(&Frame::End { rows, checksum })
    }
}

/// Writes a consistent snapshot of the whole database to `path`: into `path` with `.partial`
/// added first, renamed once complete, so a failed backup never leaves a file that looks whole.
///
/// # Errors
/// When the database or the file fails.
pub async fn backup(store: &dyn Store, path: &Path) -> Result<Tally, MaintenanceError> {
    let partial = path.with_extension(match path.extension() {
        Some(extension) => format!("{}.partial", extension.to_string_lossy()),
        None => "partial".to_owned(),
    });
    let file = std::fs::File::create(&partial).map_err(|error| {
        MaintenanceError::File(format!("could not create {}: {error}", partial.display()))
    })?;
    let mut sink = FileSink {
        out: std::io::BufWriter::new(file),
        counter: Counter::default(),
        tables: 0,
    };
    sink.line(&Header {
        format: FORMAT.to_owned(),
        layout: LAYOUT,
        schema: store.schema_version().await?,
        made_by: format!("trakker {}", env!("CARGO_PKG_VERSION")),
    })?;
    store.read_all(&mut sink).await?;
    let done = Frame::Done {
        tables: sink.tables,
        rows: sink.counter.tally.rows(),
    };
    sink.line(&done)?;
    let tally = std::mem::take(&mut sink.counter.tally);
    let file = sink
        .out
        .into_inner()
        .map_err(|error| MaintenanceError::File(format!("could not write the backup: {error}")))?;
    file.sync_all()
        .map_err(|error| MaintenanceError::File(format!("could not write the backup: {error}")))?;
    std::fs::rename(&partial, path).map_err(|error| {
        MaintenanceError::File(format!(
            "could not name the backup {}: {error}",
            path.display()
        ))
    })?;
    Ok(tally)
}

/// Refuses to write into a database that holds any row: a restore or a copy fills an empty one.
async fn require_empty(store: &dyn Store, what: &str) -> Result<(), MaintenanceError> {
    let counts = store.row_counts().await?;
    let held: Vec<String> = counts
        .iter()
        .filter(|(_, rows)| *rows > 0)
        .map(|(table, rows)| format!("{table} ({rows})"))
        .collect();
    if held.is_empty() {
        Ok(())
    } else {
        Err(MaintenanceError::Refused(format!(
            "{what} needs an empty database, and this one holds rows: {}. Point DATABASE_URL at \
             a new database (it is created and migrated first); nothing was changed.",
            held.join(", ")
        )))
    }
}

/// Reads the backup at `path` into `store`, which must be empty (a new database), in one
/// transaction: a file that is not a whole trakker backup of a schema this build knows changes
/// nothing.
///
/// # Errors
/// [`MaintenanceError::Refused`] for a non-empty database or a file that is not a backup, cut
/// short, altered, or from a newer trakker; otherwise when the database or the file fails.
pub async fn restore(store: &dyn Store, path: &Path) -> Result<Tally, MaintenanceError> {
    let file = std::fs::File::open(path).map_err(|error| {
        MaintenanceError::File(format!("could not open {}: {error}", path.display()))
    })?;
    let mut lines = std::io::BufReader::new(file).lines();
    let not_a_backup = || {
        MaintenanceError::Refused(format!(
            "{} is not a trakker backup (made with `trakker backup`); nothing was changed.",
            path.display()
        ))
    };
    let first = lines.next().and_then(Result::ok).ok_or_else(not_a_backup)?;
    let header: Header = serde_json::from_str(&first).map_err(|_| not_a_backup())?;
    if header.format != FORMAT {
        return Err(not_a_backup());
    }
    let known = store.latest_migration();
    if header.layout > LAYOUT || header.schema > known {
        return Err(MaintenanceError::Refused(format!(
            "{} was made by a newer trakker ({}, schema {}); this one knows schema {known}. \
             Restore it with that version or a later one; nothing was changed.",
            path.display(),
            header.made_by,
            header.schema
        )));
    }
    require_empty(store, "A restore").await?;
    let mut target = store.copy_in().await?;
    let mut counter = Counter::default();
    let mut batch = Vec::new();
    let mut done = false;
    let cut_short = |what: &str| {
        MaintenanceError::Refused(format!(
            "{} is incomplete or altered ({what}); nothing was changed.",
            path.display()
        ))
    };
    for (number, line) in lines.enumerate() {
        let line = line.map_err(|error| {
            MaintenanceError::File(format!("could not read {}: {error}", path.display()))
        })?;
        if done {
            return Err(cut_short("lines after its end"));
        }
        if line.starts_with('[') {
            let row: Vec<Value> = serde_json::from_str(&line)
                .map_err(|_| cut_short(&format!("line {} is not a row", number + 2)))?;
            if counter.current.is_none() {
                return Err(cut_short("a row outside any table"));
            }
            batch.push(row);
            if batch.len() == RESTORE_BATCH {
                counter.rows(&batch);
                target.rows(std::mem::take(&mut batch)).await?;
            }
            continue;
        }
        let frame: Frame = serde_json::from_str(&line)
            .map_err(|_| cut_short(&format!("line {} is not understood", number + 2)))?;
        match frame {
            Frame::Table(table) => {
                if counter.current.is_some() {
                    return Err(cut_short("a table without its end"));
                }
                counter.table(&table.name);
                target.table(&table).await?;
            }
            Frame::End { rows, checksum } => {
                counter.rows(&batch);
                target.rows(std::mem::take(&mut batch)).await?;
                let name = counter
                    .current
                    .take()
                    .ok_or_else(|| cut_short("an end without a table"))?;
                let read = counter.tally.tables.get(&name).copied().unwrap_or_default();
                if read != (rows, checksum) {
                    return Err(cut_short(&format!(
                        "table {name} does not match its checksum"
                    )));
                }
                target.table_end(rows).await?;
            }
            Frame::Done { tables, rows } => {
                if counter.current.is_some()
                    || tables != u64::try_from(counter.tally.tables.len()).unwrap_or(u64::MAX)
                    || rows != counter.tally.rows()
                {
                    return Err(cut_short("its totals do not match"));
                }
                done = true;
            }
        }
    }
    if !done {
        return Err(cut_short("it ends before its last line"));
    }
    target.commit().await?;
    Ok(counter.tally)
}

/// Copies everything from `source` into `target` in one transaction, then compares both,
/// table by table, rows and checksums. A target that already holds exactly the source's rows
/// is left alone (a rerun after a copy that finished); one that holds anything else is refused
/// before anything is written.
///
/// # Errors
/// [`MaintenanceError::Refused`] for a target holding other data or a copy that does not match;
/// otherwise when either database fails (then nothing was committed).
pub async fn migrate_data(
    source: &dyn Store,
    target: &dyn Store,
) -> Result<Tally, MaintenanceError> {
    let source_tally = tally(source).await?;
    if target.row_counts().await?.iter().any(|(_, rows)| *rows > 0) {
        let target_tally = tally(target).await?;
        if same_rows(&source_tally, &target_tally) {
            return Ok(source_tally);
        }
        require_empty(target, "migrate-data").await?;
    }
    let mut copy = target.copy_in().await?;
    source.read_all(copy.as_mut()).await?;
    copy.commit().await?;
    let copied = tally(target).await?;
    if !same_rows(&source_tally, &copied) {
        return Err(MaintenanceError::Refused(format!(
            "the copy does not match the source: {}",
            differences(&source_tally, &copied).join("; ")
        )));
    }
    Ok(copied)
}

/// Whether two database URLs name the same database: the same SQLite file, or the same
/// Postgres database on the same server (`localhost` and `127.0.0.1` being one).
#[must_use]
pub fn same_database(one: &crate::config::DatabaseUrl, other: &crate::config::DatabaseUrl) -> bool {
    fn place(url: &crate::config::DatabaseUrl) -> Option<(String, String, u16, String)> {
        let parsed = url::Url::parse(url.expose()).ok()?;
        let host = match parsed.host_str().unwrap_or("") {
            "localhost" | "127.0.0.1" | "::1" | "[::1]" => "local".to_owned(),
            other => other.to_owned(),
        };
        if url.scheme() == "sqlite" {
            let file = format!("{}{}", parsed.host_str().unwrap_or(""), parsed.path());
            let file = std::fs::canonicalize(&file).map_or(file, |path| path.display().to_string());
            return Some(("sqlite".to_owned(), String::new(), 0, file));
        }
        Some((
            "postgres".to_owned(),
            host,
            parsed.port().unwrap_or(5432),
            parsed.path().trim_start_matches('/').to_owned(),
        ))
    }
    place(one).is_some_and(|one| Some(one) == place(other))
}

/// Whether every table of `source` is in `target` with the same rows (tables only the target
/// has must be empty).
fn same_rows(source: &Tally, target: &Tally) -> bool {
    differences(source, target).is_empty()
}

fn differences(source: &Tally, target: &Tally) -> Vec<String> {
    let mut names: Vec<&String> = source.tables.keys().chain(target.tables.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let from = source.tables.get(name).copied().unwrap_or_default();
            let to = target.tables.get(name).copied().unwrap_or_default();
            (from != to).then(|| {
                format!(
                    "{name}: {} rows in the source, {} in the target",
                    from.0, to.0
                )
            })
        })
        .collect()
}
