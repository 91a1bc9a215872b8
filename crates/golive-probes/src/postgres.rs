//! `postgres`: the PostgreSQL database answers, and holds what the app needs.
//!
//! **What it verifies.** That a connection with the app's URL opens and
//! authenticates (with TLS when the URL asks: `sslmode=require`,
//! `verify-full`), and reports the server's version; optionally a query's
//! single value (index counts, row counts, a setting), tables that must
//! exist, and how many connections are in use against `max_connections`.
//!
//! **Why it matters on launch day.** "Database connection is working",
//! "Verify indexes (should be 13+)", "All tables created": the app's first
//! request fails without them, and a pool near `max_connections` fails under
//! the first real traffic. Today this is `psql -c` in a shell script.
//!
//! **Example.** Checklist: `- [ ] Verify indexes (should be 13+)`.
//!
//! ```toml
//! [[check]]
//! kind = "postgres"
//! url = "${DATABASE_URL}"
//! query = "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'"
//! tables = ["users", "salons", "bookings"]
//! expect = ["value >= 13", "missing_tables not exists", "connections_pct < 80"]
//! ```
//!
//! Evidence: `address`, `connected`, `connect_time`, `version` (`16.4`),
//! `server` (the `version()` text), `database`, `user`, `tls` (whether this
//! connection is encrypted), `connections` (client backends),
//! `max_connections`, `connections_pct`, `value` and `rows` (with `query`),
//! `tables_found` and `missing_tables` (with `tables`; only when some are
//! missing), `time`. Default expectations: `connected == true`, plus
//! `value exists` with a query and `missing_tables not exists` with tables.
//!
//! Answers checklist lines such as "Database connection is working",
//! "PostgreSQL is reachable", "Database migrations created all tables",
//! "Verify indexes (should be 13+)", "Connection pool below max
//! connections", "Database uses SSL".

use crate::database::{Engine, database_kind};

database_kind!(Postgres, Engine::Postgres);
