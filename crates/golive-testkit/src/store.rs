//! Databases for the store's tests: a PostgreSQL database of its own on the
//! machine's server (127.0.0.1:5432, trust authentication), created under a
//! unique name and dropped when the test ends, and raw SQL run behind
//! golive's back with the databases' own command-line clients.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const SERVER: &str = "postgres://postgres@127.0.0.1:5432";

/// A PostgreSQL database that exists for one test.
pub struct PgDatabase {
    pub name: String,
    /// `postgres://postgres@127.0.0.1:5432/NAME`
    pub url: String,
}

impl PgDatabase {
    /// Creates a database with a name no other test run uses.
    pub fn create() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "golive_test_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        psql(
            &format!("{SERVER}/postgres"),
            &format!("CREATE DATABASE {name}"),
        );
        let url = format!("{SERVER}/{name}");
        Self { name, url }
    }

    /// Runs SQL in the database, as someone with a psql prompt would.
    pub fn execute(&self, sql: &str) -> String {
        psql(&self.url, sql)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Command::new(crate::program("psql"))
            .args([
                &format!("{SERVER}/postgres"),
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}

fn psql(url: &str, sql: &str) -> String {
    let out = Command::new(crate::program("psql"))
        .args([url, "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql `{sql}` failed (is PostgreSQL up on 127.0.0.1:5432? scripts/test starts it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs SQL on a SQLite file with the sqlite3 client.
pub fn sqlite3(path: &Path, sql: &str) -> String {
    let out = Command::new(crate::program("sqlite3"))
        .arg(path)
        .arg(sql)
        .output()
        .expect("run sqlite3");
    assert!(
        out.status.success(),
        "sqlite3 `{sql}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
