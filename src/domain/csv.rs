//! CSV as spreadsheets read it (RFC 4180): one value per field, text quoted when it holds a
//! comma, a quote or a line break, times in RFC 3339 UTC.
//!
//! Text members typed (game names, notes, session names) is written so a spreadsheet never runs
//! it: a field that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a
//! formula by Excel, `LibreOffice` and Google Sheets, so it gets a leading `'`, which they show as
//! plain text. Numbers are never changed.

use std::io::{self, Write};

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// One value of an exported row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// A Discord id.
    Id(u64),
    /// A whole number.
    Int(i64),
    /// Text members or the bot wrote.
    Text(String),
    /// A moment, written in UTC.
    Time(DateTime<Utc>),
    /// A calendar day (UTC).
    Day(NaiveDate),
    /// Yes or no, written `true` or `false`.
    Bool(bool),
    /// No value (an open stay's end, a kill without a victim): an empty field.
    Empty,
}

/// Writes one line: `fields` separated by commas, ended by CRLF as RFC 4180 says.
///
/// # Errors
/// When `out` fails.
pub fn write_row(out: &mut impl Write, fields: &[Field]) -> io::Result<()> {
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        match field {
            Field::Id(id) => write!(out, "{id}")?,
            Field::Int(value) => write!(out, "{value}")?,
            Field::Text(text) => write_text(out, text)?,
            Field::Time(at) => write!(out, "{}", at.to_rfc3339_opts(SecondsFormat::Secs, true))?,
            Field::Day(day) => write!(out, "{day}")?,
            Field::Bool(value) => write!(out, "{value}")?,
            Field::Empty => {}
        }
    }
    out.write_all(b"\r\n")
}

/// Writes the header line of `names`.
///
/// # Errors
/// When `out` fails.
pub fn write_header(out: &mut impl Write, names: &[&str]) -> io::Result<()> {
    let fields: Vec<Field> = names
        .iter()
        .map(|name| Field::Text((*name).to_owned()))
        .collect();
    write_row(out, &fields)
}

fn write_text(out: &mut impl Write, text: &str) -> io::Result<()> {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = formula || text.contains([',', '"', '\n', '\r']);
    if !quoted {
        return out.write_all(text.as_bytes());
    }
    out.write_all(b"\"")?;
    if formula {
        out.write_all(b"'")?;
    }
    out.write_all(text.replace('"', "\"\"").as_bytes())?;
    out.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(fields: &[Field]) -> String {
        let mut out = Vec::new();
        write_row(&mut out, fields).expect("written");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn values_are_written_as_spreadsheets_read_them() {
        let at = DateTime::parse_from_rfc3339("2026-11-20T20:30:00Z")
            .expect("a time")
            .with_timezone(&Utc);
        assert_eq!(
            line(&[
                Field::Id(18_446_744_073_709_551_615),
                Field::Int(-3),
                Field::Text("Deep Rock".to_owned()),
                Field::Time(at),
                Field::Day(at.date_naive()),
                Field::Bool(true),
                Field::Empty,
            ]),
            "18446744073709551615,-3,Deep Rock,2026-11-20T20:30:00Z,2026-11-20,true,\r\n"
        );
    }

    #[test]
    fn text_with_separators_is_quoted_and_quotes_doubled() {
        assert_eq!(
            line(&[
                Field::Text("a, \"b\"\nc".to_owned()),
                Field::Text(String::new())
            ]),
            "\"a, \"\"b\"\"\nc\",\r\n"
        );
    }

    #[test]
    fn text_a_spreadsheet_would_run_is_kept_as_text() {
        for formula in ["=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)", "\tx"] {
            let written = line(&[Field::Text(formula.to_owned())]);
            assert!(written.starts_with("\"'"), "{formula}: {written}");
        }
        assert_eq!(
            line(&[Field::Int(-1)]),
            "-1\r\n",
            "numbers are never changed"
        );
    }
}
