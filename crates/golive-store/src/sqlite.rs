//! The SQLite backend: one file, nothing to install. WAL journal so that
//! readers never wait for a writer; writes take the write lock up front
//! (`BEGIN IMMEDIATE`) and wait for it up to a bound, so concurrent golive
//! processes queue rather than fail; `synchronous = FULL` so that a
//! committed mark survives a power cut, not only a killed process.

use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::common::{migrate, schema_version, store_impl};
use crate::{Location, Migration, StoreError};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "runs, plans, marks, waivers, sign-offs, audit log",
        sql: include_str!("../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        description: "watches: rounds, trigger states, actions",
        sql: include_str!("../migrations/sqlite/0002_watch.sql"),
    },
];

/// How long a writer waits for another to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
    location: Location,
}

impl SqliteStore {
    pub async fn open(path: &Path, create: bool, location: Location) -> Result<Self, StoreError> {
        if !path.exists() {
            if !create {
                return Err(StoreError::Missing(path.display().to_string()));
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    StoreError::Database(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
        }
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Database(format!("{}: {e}", path.display())))?;
        let store = Self { pool, location };
        // A store already up to date is only read: no lock is taken.
        if schema_version!(&store.pool) != Some(crate::common::known(MIGRATIONS)) {
            let mut tx = store.write_tx().await?;
            migrate!(tx, MIGRATIONS, store.location);
            tx.commit().await?;
        }
        Ok(store)
    }

    /// A transaction holding the database's write lock from its first
    /// statement: a deferred one that reads first (the audit log's last
    /// entry) could not take the lock later if another writer got there in
    /// between.
    async fn write_tx(&self) -> Result<sqlx::Transaction<'_, sqlx::Sqlite>, StoreError> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// A watch round appends no audit entry, but writes all the same.
    async fn round_tx(&self) -> Result<sqlx::Transaction<'_, sqlx::Sqlite>, StoreError> {
        self.write_tx().await
    }
}

crate::watch::watch_impl!(SqliteStore);
store_impl!(SqliteStore, sqlx::Sqlite);
