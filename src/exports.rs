//! CSV exports of a server's tables: streamed from the store into a file for the operator
//! (`trakker export`), or into files of at most a size Discord accepts for `/export`. Neither
//! holds more than one file's worth of rows in memory, whatever the table's size.

use std::io::Write;

use chrono::{DateTime, Utc};
use futures::StreamExt;

use crate::domain::csv::{write_header, write_row};
use crate::domain::ids::GuildId;
use crate::store::exports::{ExportRows, ExportTable};
use crate::store::{Store, StoreError};

/// Why an export did not finish.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the file failed.
    #[error("could not write the export: {0}")]
    Write(#[from] std::io::Error),
}

/// Which rows an export holds: those whose time is in `[since, until)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// From (the beginning when `None`).
    pub since: Option<DateTime<Utc>>,
    /// Until, not included.
    pub until: DateTime<Utc>,
}

/// The file name of `table`'s export for `guild` (one part of several: `part` from 1).
#[must_use]
pub fn file_name(guild: GuildId, table: ExportTable, part: Option<usize>) -> String {
    match part {
        Some(part) => format!("trakker-{guild}-{}-{part}.csv", table.name()),
        None => format!("trakker-{guild}-{}.csv", table.name()),
    }
}

/// Writes `table`'s rows for `guild` in `period` as CSV to `out`, header first; returns the
/// rows written.
///
/// # Errors
/// When the store or `out` fails; what was written stays written.
pub async fn write_csv(
    store: &dyn Store,
    guild: GuildId,
    table: ExportTable,
    period: Period,
    out: &mut impl Write,
) -> Result<u64, ExportError> {
    let mut rows = store.export_rows(guild, table, period.since, period.until);
    write_header(out, &header(table))?;
    let mut written = 0;
    while let Some(row) = rows.next().await {
        write_row(out, &row?)?;
        written += 1;
    }
    out.flush()?;
    Ok(written)
}

fn header(table: ExportTable) -> Vec<&'static str> {
    table.columns().iter().map(|(name, _)| *name).collect()
}

/// One file of a split export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The CSV, header first.
    pub bytes: Vec<u8>,
    /// Data rows in it.
    pub rows: u64,
}

/// An export cut into files of at most a given size, each with the header and whole rows.
pub struct Parts {
    rows: ExportRows,
    header: Vec<u8>,
    limit: usize,
    /// A row read but left for the next file.
    carried: Option<Vec<u8>>,
    finished: bool,
}

impl Parts {
    /// `table`'s rows for `guild` in `period`, to be cut into files of at most `limit` bytes
    /// (a single row longer than that still gets a file of its own).
    #[must_use]
    pub fn new(
        store: &dyn Store,
        guild: GuildId,
        table: ExportTable,
        period: Period,
        limit: usize,
    ) -> Self {
        let mut header = Vec::new();
        // Writing into memory cannot fail.
        let _ = write_header(&mut header, &self::header(table));
        Self {
            rows: store.export_rows(guild, table, period.since, period.until),
            header,
            limit,
            carried: None,
            finished: false,
        }
    }

    /// The next file, or `None` once every row was handed out. The first file is returned even
    /// when there are no rows (the header alone).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn next_part(&mut self) -> Result<Option<Part>, ExportError> {
        if self.finished && self.carried.is_none() {
            return Ok(None);
        }
        let mut bytes = self.header.clone();
        let mut rows = 0;
        if let Some(row) = self.carried.take() {
            bytes.extend_from_slice(&row);
            rows += 1;
        }
        while !self.finished {
            let Some(row) = self.rows.next().await else {
                self.finished = true;
                break;
            };
            let mut line = Vec::new();
            write_row(&mut line, &row?)?;
            if rows > 0 && bytes.len() + line.len() > self.limit {
                self.carried = Some(line);
                break;
            }
            bytes.extend_from_slice(&line);
            rows += 1;
        }
        Ok(Some(Part { bytes, rows }))
    }

    /// Whether rows remain after the files handed out so far.
    #[must_use]
    pub fn has_more(&self) -> bool {
        self.carried.is_some() || !self.finished
    }
}
