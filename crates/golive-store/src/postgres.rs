//! The PostgreSQL backend, for a team sharing one gate. Writers serialise on
//! a lock of the audit table (the chain needs one writer at a time; readers
//! are not held up), and migrations run under an advisory lock so that two
//! golive processes meeting a fresh database apply them once.

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::common::{migrate, schema_version, store_impl};
use crate::{Location, Migration, StoreError};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "runs, plans, marks, waivers, sign-offs, audit log",
        sql: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        description: "watches: rounds, trigger states, actions",
        sql: include_str!("../migrations/postgres/0002_watch.sql"),
    },
];

/// An arbitrary key of golive's own for `pg_advisory_xact_lock`.
const MIGRATION_LOCK: i64 = 0x676f_6c69_7665;

#[derive(Debug)]
pub struct PgStore {
    pool: PgPool,
    location: Location,
}

impl PgStore {
    pub async fn open(url: &str, location: Location) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| StoreError::Database(format!("{location}: {}", StoreError::from(e))))?;
        let store = Self { pool, location };
        // A store already up to date is only read: no lock is taken.
        if schema_version!(&store.pool) != Some(crate::common::known(MIGRATIONS)) {
            let mut tx = store.pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut *tx)
                .await?;
            migrate!(tx, MIGRATIONS, store.location);
            tx.commit().await?;
        }
        Ok(store)
    }

    async fn write_tx(&self) -> Result<sqlx::Transaction<'_, sqlx::Postgres>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("LOCK TABLE audit IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// A watch round appends no audit entry: it need not wait for the
    /// audit log's lock.
    async fn round_tx(&self) -> Result<sqlx::Transaction<'_, sqlx::Postgres>, StoreError> {
        Ok(self.pool.begin().await?)
    }
}

crate::watch::watch_impl!(PgStore);
store_impl!(PgStore, sqlx::Postgres);
