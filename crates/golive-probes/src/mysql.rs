//! `mysql`: the MySQL or MariaDB database answers, and holds what the app needs.
//!
//! **What it verifies.** That a connection with the app's URL
//! (`mysql://` or `mariadb://`) opens and authenticates (with TLS when the
//! URL asks: `ssl-mode=REQUIRED`, `VERIFY_IDENTITY`), and reports the
//! server's version and flavour; optionally a query's single value, tables
//! that must exist, and threads connected against `max_connections`.
//!
//! **Why it matters on launch day.** As for PostgreSQL: "Database
//! connection is working", "All tables exist", "Connection limit not
//! reached"; today `mysql -e` in a shell script.
//!
//! **Example.** Checklist: `- [ ] MySQL: all tables created`.
//!
//! ```toml
//! [[check]]
//! kind = "mysql"
//! url = "${DATABASE_URL}"
//! tables = ["users", "orders"]
//! query = "SELECT count(*) FROM information_schema.statistics WHERE table_schema = DATABASE()"
//! expect = ["missing_tables not exists", "value >= 10", "version >= 10.6"]
//! ```
//!
//! Evidence: `address`, `connected`, `connect_time`, `version` (`10.11.6`),
//! `server` (the full `VERSION()` text), `flavor` (`MariaDB` or `MySQL`),
//! `database`, `user`, `tls`, `connections` (`Threads_connected`),
//! `max_connections`, `connections_pct`, `value` and `rows` (with `query`),
//! `tables_found` and `missing_tables` (only when some are missing), `time`.
//! Default expectations: `connected == true`, plus `value exists` with a
//! query and `missing_tables not exists` with tables.
//!
//! Answers checklist lines such as "MySQL connection works", "MariaDB is
//! reachable", "All tables exist", "Database connections below the limit".

use crate::database::{Engine, database_kind};

database_kind!(Mysql, Engine::MySql);
