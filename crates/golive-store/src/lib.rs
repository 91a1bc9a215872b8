//! Where golive keeps what happened: every run with each item's result and
//! evidence, people's marks and waivers, sign-offs bound to one run's
//! digest, and an append-only audit log chained by hash.
//!
//! One [`Store`] trait, two backends chosen by the location's scheme: SQLite
//! (a file, `.golive/golive.db` beside the checklist by default: nothing to
//! install) and PostgreSQL (`postgres://…`, for a team sharing one gate).
//! Each backend embeds its own migrations and runs them when it opens a
//! store, so a store written by an older golive is brought up to date and
//! one written by a newer golive is refused rather than misread.
//!
//! Every write is one transaction that also appends its audit entry, so a
//! process killed at any moment leaves either both or neither. Writers are
//! serialised (SQLite's write lock taken up front, a table lock on
//! PostgreSQL), so two people marking items at the same moment both land.

use std::fmt;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use golive_core::{Mark, People, RunReport, Signoff};
use serde::Serialize;

mod audit;
mod common;
mod postgres;
mod record;
mod sqlite;
pub mod watch;

pub use audit::{AuditEntry, Finding};
pub use record::{Counts, item_status};
pub use watch::{NewWatch, StoredRound, TriggerRow, WatchAction, WatchSession, WatchStore};

/// A run as stored: its id and its report as found, before people's marks
/// (settle it with [`RunReport::settle`] and the store's [`People`]).
#[derive(Debug, Clone)]
pub struct StoredRun {
    pub id: i64,
    /// The checklist file the run read (absolute), for write-back.
    pub checklist: Option<String>,
    pub report: RunReport,
}

/// One line of `golive history`.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub id: i64,
    pub started_at: String,
    pub duration_ms: i64,
    pub source: String,
    /// An `--only` run: it decided on part of the checklist.
    pub partial: bool,
    /// The decision at the time of the run.
    pub outcome: String,
    pub digest: String,
    pub counts: Counts,
}

/// A waiver granted with `golive mark ITEM --waive REASON`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaiverRecord {
    pub item: String,
    pub reason: String,
    pub by: String,
    pub at: String,
    /// Last day it counts (YYYY-MM-DD), inclusive.
    pub until: Option<String>,
}

/// A run to store.
pub struct NewRun<'a> {
    pub report: &'a RunReport,
    /// The checklist file the run read, for `--write-back` later.
    pub checklist: Option<String>,
    /// Who ran it.
    pub actor: String,
}

#[async_trait]
pub trait Store: WatchStore + Send + Sync + fmt::Debug {
    /// Stores a run with its audit entry; returns the run's id.
    async fn save_run(&self, run: &NewRun<'_>) -> Result<i64, StoreError>;
    /// A run by id.
    async fn run(&self, id: i64) -> Result<Option<StoredRun>, StoreError>;
    /// The newest run of the whole checklist (not an `--only` run).
    async fn latest_run(&self) -> Result<Option<StoredRun>, StoreError>;
    /// The newest run before `id` (of the whole checklist).
    async fn run_before(&self, id: i64) -> Result<Option<StoredRun>, StoreError>;
    /// Runs, newest first; all of them without a limit.
    async fn history(&self, limit: Option<u32>) -> Result<Vec<RunSummary>, StoreError>;
    async fn add_mark(&self, mark: &Mark) -> Result<i64, StoreError>;
    async fn add_waiver(&self, waiver: &WaiverRecord) -> Result<i64, StoreError>;
    async fn add_signoff(&self, signoff: &Signoff) -> Result<i64, StoreError>;
    /// The current mark and waiver per item and sign-off per role, for a
    /// decision taken at `now` (RFC 3339, UTC).
    async fn people(&self, now: &str) -> Result<People, StoreError>;
    /// The current waivers, with when they were granted.
    async fn waivers(&self) -> Result<Vec<WaiverRecord>, StoreError>;
    /// The audit log, oldest first.
    async fn audit(&self) -> Result<Vec<AuditEntry>, StoreError>;
    /// Checks the audit log's chain and every record against its entry.
    async fn verify(&self) -> Result<Vec<Finding>, StoreError>;
    /// Where the store is, passwords redacted.
    fn location(&self) -> &Location;
}

/// Where a store lives.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// Reads `--store`: `postgres://…` (or `postgresql://…`), `sqlite://PATH`,
    /// `sqlite:PATH`, or a plain file path (SQLite).
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(StoreError::Location("the store location is empty".into()));
        }
        if let Some((scheme, rest)) = s.split_once("://") {
            return match scheme.to_ascii_lowercase().as_str() {
                "postgres" | "postgresql" => Ok(Self::Postgres(s.to_string())),
                "sqlite" => Ok(Self::Sqlite(PathBuf::from(rest))),
                other => Err(StoreError::Location(format!(
                    "`{}`: golive keeps its store in SQLite (a file path or sqlite://PATH) or PostgreSQL (postgres://…), not `{other}`",
                    redact(s)
                ))),
            };
        }
        if let Some(rest) = s.strip_prefix("sqlite:") {
            return Ok(Self::Sqlite(PathBuf::from(rest)));
        }
        Ok(Self::Sqlite(PathBuf::from(s)))
    }

    /// The default store of a checklist or config: `.golive/golive.db` in
    /// its folder.
    pub fn beside(input: &Path) -> Self {
        let dir = input.parent().unwrap_or(Path::new(""));
        Self::Sqlite(dir.join(".golive").join("golive.db"))
    }
}

fn redact(s: &str) -> String {
    golive_core::Redactor::default().redact(s).into_owned()
}

// Passwords in a PostgreSQL URL never reach a message or a log.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(p) => write!(f, "{}", p.display()),
            Self::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(p) => write!(f, "Sqlite({})", p.display()),
            Self::Postgres(_) => write!(f, "Postgres({self})"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `--store` names no store golive can use.
    #[error("{0}")]
    Location(String),
    /// A command that reads a store found none.
    #[error(
        "no store at {0}: `golive run` creates it (or give --store, or the checklist with --checklist)"
    )]
    Missing(String),
    #[error(
        "the store at {location} was written by a newer golive (schema {found}; this golive knows up to {known}): upgrade golive"
    )]
    TooNew {
        location: String,
        found: i64,
        known: i64,
    },
    /// The database failed or refused.
    #[error("{0}")]
    Database(String),
    /// The store holds something golive cannot read.
    #[error("the store holds something golive cannot read: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub(crate) fn corrupt(message: impl Into<String>) -> Self {
        Self::Corrupt(message.into())
    }

    /// Whether the user can fix it by naming another store (exit 2), rather
    /// than golive or the database failing (exit 3).
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Self::Location(_) | Self::Missing(_) | Self::TooNew { .. }
        )
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(redact(&e.to_string()))
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        Self::Corrupt(e.to_string())
    }
}

/// Opens (and migrates) the store at `location`. With `create` false, a
/// SQLite file that does not exist is [`StoreError::Missing`] rather than
/// created empty.
pub async fn open(location: &Location, create: bool) -> Result<Box<dyn Store>, StoreError> {
    match location {
        Location::Sqlite(path) => Ok(Box::new(
            sqlite::SqliteStore::open(path, create, location.clone()).await?,
        )),
        Location::Postgres(url) => Ok(Box::new(
            postgres::PgStore::open(url, location.clone()).await?,
        )),
    }
}

/// A schema change, embedded in the binary.
pub(crate) struct Migration {
    pub version: i64,
    pub description: &'static str,
    pub sql: &'static str,
}

/// The moment, as the store records times: RFC 3339, UTC, whole seconds.
pub fn now() -> String {
    rfc3339(time::OffsetDateTime::now_utc())
}

/// A time as the store records it (so that times compare as strings).
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_picks_the_backend() {
        assert_eq!(
            Location::parse("postgres://u:pw@h/db").unwrap(),
            Location::Postgres("postgres://u:pw@h/db".into())
        );
        assert_eq!(
            Location::parse("sqlite:///tmp/x.db").unwrap(),
            Location::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            Location::parse("team.db").unwrap(),
            Location::Sqlite("team.db".into())
        );
        let e = Location::parse("mysql://root:hunter22@h/db").unwrap_err();
        assert!(e.to_string().contains("not `mysql`"), "{e}");
        assert!(!e.to_string().contains("hunter22"), "{e}");
        assert_eq!(
            Location::beside(Path::new("ops/CHECKLIST.md")),
            Location::Sqlite("ops/.golive/golive.db".into())
        );
    }

    #[test]
    fn urls_never_show_their_password() {
        let l = Location::parse("postgres://golive:s3cret-pw@db:5432/golive").unwrap();
        assert!(!format!("{l} {l:?}").contains("s3cret"));
        assert!(l.to_string().contains("db:5432/golive"));
    }
}
