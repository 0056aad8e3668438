//! Why a database could not be opened, in a few words an operator can act on.
//!
//! The drivers' own messages are long (`error returned from database: …`) or, behind a pool,
//! reduced to "pool timed out" after ten seconds of silent retries. Opening a store therefore
//! makes one direct attempt first and keeps only the cause: "connection refused", the server's
//! own sentence ("password authentication failed for user …"), or "the directory … does not
//! exist". None of them contains the URL, so no password can slip through.

use std::io;
use std::path::Path;

use super::StoreError;
use crate::config::DatabaseUrl;

/// The error for a database at `url` that could not be opened because of `error`.
pub(super) fn unreachable(url: &DatabaseUrl, error: &sqlx::Error) -> StoreError {
    because(url, cause(error))
}

/// The error for a database at `url` that could not be opened, for the reason `cause`.
pub(super) fn because(url: &DatabaseUrl, cause: impl Into<String>) -> StoreError {
    StoreError::Unreachable {
        url: url.clone(),
        cause: cause.into(),
    }
}

/// The directory a database file would go in, when it does not exist: SQLite then only says
/// "unable to open database file", which does not tell which part of the path is wrong.
pub(super) fn missing_directory(file: &Path) -> Option<&Path> {
    file.parent()
        .filter(|dir| !dir.as_os_str().is_empty() && !dir.is_dir())
}

/// The reason `error` gives, without the driver's framing.
fn cause(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(error) => io_cause(error),
        sqlx::Error::Database(error) => error.message().to_owned(),
        sqlx::Error::Tls(error) => format!("the TLS handshake failed: {error}"),
        sqlx::Error::PoolTimedOut => "no connection could be made in time".to_owned(),
        other => other.to_string(),
    }
}

fn io_cause(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        io::ErrorKind::TimedOut => "the connection timed out".to_owned(),
        io::ErrorKind::ConnectionReset => "the server closed the connection".to_owned(),
        _ => {
            // "… (os error 111)" adds nothing an operator can use.
            let text = error.to_string();
            match text.rfind(" (os error ") {
                Some(at) => text[..at].to_owned(),
                None => text,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> DatabaseUrl {
        DatabaseUrl::parse("postgres://ada:hunter2pw@127.0.0.1:1/trakker").expect("a URL")
    }

    #[test]
    fn a_refused_connection_says_so_with_the_url_redacted() {
        let error = sqlx::Error::Io(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert_eq!(
            unreachable(&url(), &error).to_string(),
            "could not connect to the database at postgres://ada:redacted@127.0.0.1:1/trakker: connection refused"
        );
    }

    #[test]
    fn an_os_error_number_is_dropped() {
        let error = sqlx::Error::Io(io::Error::other("no route to host (os error 113)"));
        assert_eq!(cause(&error), "no route to host");
    }

    #[test]
    fn a_timeout_is_not_a_pool_message() {
        assert_eq!(
            cause(&sqlx::Error::PoolTimedOut),
            "no connection could be made in time"
        );
    }

    #[test]
    fn only_a_directory_that_is_missing_is_reported() {
        assert_eq!(missing_directory(Path::new("trakker.db")), None);
        assert_eq!(missing_directory(Path::new("/")), None);
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(missing_directory(&dir.path().join("trakker.db")), None);
        let missing = dir.path().join("nowhere");
        assert_eq!(
            missing_directory(&missing.join("trakker.db")),
            Some(missing.as_path())
        );
    }
}
