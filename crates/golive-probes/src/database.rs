//! What the SQL probes share: one connection to PostgreSQL, MySQL/MariaDB
//! or SQLite through sqlx, queries whose values come back typed without
//! knowing their types in advance, and the `postgres`/`mysql` probe itself,
//! which differs between the two engines only in the questions it asks.
//!
//! Queries go through sqlx's raw (simple, text-protocol) path: every value
//! arrives as text whatever its SQL type (`numeric`, `bigint`, `decimal`…),
//! and is typed here from the column's type name. The query macros are never
//! used, since they need a database at build time.

use std::str::FromStr;
use std::time::{Duration, Instant};

use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use serde::Deserialize;
use sqlx::{Column, Connection, Row, TypeInfo, ValueRef};

use crate::net::conn::Deadline;
use crate::net::dsn::Dsn;
use crate::{Context, Observation};
use golive_core::error_chain;

/// The engines golive speaks to, chosen by the URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    MySql,
    Sqlite,
}

impl Engine {
    pub fn from_scheme(scheme: &str) -> Option<Self> {
        match scheme {
            "postgres" | "postgresql" => Some(Self::Postgres),
            "mysql" | "mariadb" => Some(Self::MySql),
            "sqlite" => Some(Self::Sqlite),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Postgres => "PostgreSQL",
            Self::MySql => "MySQL",
            Self::Sqlite => "SQLite",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Self::Postgres => 5432,
            Self::MySql => 3306,
            Self::Sqlite => 0,
        }
    }
}

/// One open connection.
pub enum SqlConn {
    Postgres(sqlx::PgConnection),
    MySql(sqlx::MySqlConnection),
    Sqlite(sqlx::SqliteConnection),
}

type BoxFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, sqlx::Error>> + Send + 'a>>;

/// One row: each column's name and typed value.
pub type SqlRow = Vec<(String, Value)>;

impl SqlConn {
    /// Connects with `url` as given (its TLS parameters, `sslmode=require`,
    /// `ssl-mode=REQUIRED`, apply), within the deadline.
    pub async fn connect(engine: Engine, url: &str, deadline: Deadline) -> Result<Self, String> {
        let what = format!("from {} while connecting", engine.name());
        let url = match engine {
            // sqlx spells it `mysql://`; MariaDB users write either.
            Engine::MySql if url.starts_with("mariadb://") => {
                format!("mysql://{}", &url["mariadb://".len()..])
            }
            _ => url.to_string(),
        };
        let connected = match engine {
            Engine::Postgres => {
                let opts = sqlx::postgres::PgConnectOptions::from_str(&url)
                    .map_err(|e| format!("bad PostgreSQL URL: {}", error_chain(&e)))?
                    .application_name("golive");
                deadline
                    .run(&what, sqlx::PgConnection::connect_with(&opts))
                    .await?
                    .map(Self::Postgres)
            }
            Engine::MySql => {
                let opts = sqlx::mysql::MySqlConnectOptions::from_str(&url)
                    .map_err(|e| format!("bad MySQL URL: {}", error_chain(&e)))?;
                deadline
                    .run(&what, sqlx::MySqlConnection::connect_with(&opts))
                    .await?
                    .map(Self::MySql)
            }
            Engine::Sqlite => {
                // Read-only and never created: a probe must not make the
                // database it is checking.
                let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                    .map_err(|e| format!("bad SQLite URL: {}", error_chain(&e)))?
                    .read_only(true)
                    .create_if_missing(false);
                deadline
                    .run(&what, sqlx::SqliteConnection::connect_with(&opts))
                    .await?
                    .map(Self::Sqlite)
            }
        };
        connected.map_err(|e| describe_error(engine, &e))
    }

    pub fn engine(&self) -> Engine {
        match self {
            Self::Postgres(_) => Engine::Postgres,
            Self::MySql(_) => Engine::MySql,
            Self::Sqlite(_) => Engine::Sqlite,
        }
    }

    /// Runs `sql` (one or more statements) and returns every row.
    pub async fn rows(&mut self, sql: &str, deadline: Deadline) -> Result<Vec<SqlRow>, String> {
        let engine = self.engine();
        let what = format!(
            "from {engine} to `{}`",
            shorten(sql),
            engine = engine.name()
        );
        // Boxed where made: sqlx's executor futures are otherwise too generic
        // for the compiler to see them `Send` inside the probes' futures.
        let rows = match self {
            Self::Postgres(c) => {
                let fut: BoxFuture<'_, Vec<sqlx::postgres::PgRow>> =
                    Box::pin(sqlx::Executor::fetch_all(c, sqlx::raw_sql(sql)));
                deadline
                    .run(&what, fut)
                    .await?
                    .map(|rows| rows.iter().map(cells).collect())
            }
            Self::MySql(c) => {
                let fut: BoxFuture<'_, Vec<sqlx::mysql::MySqlRow>> =
                    Box::pin(sqlx::Executor::fetch_all(c, sqlx::raw_sql(sql)));
                deadline
                    .run(&what, fut)
                    .await?
                    .map(|rows| rows.iter().map(cells).collect())
            }
            Self::Sqlite(c) => {
                let fut: BoxFuture<'_, Vec<sqlx::sqlite::SqliteRow>> =
                    Box::pin(sqlx::Executor::fetch_all(c, sqlx::raw_sql(sql)));
                deadline
                    .run(&what, fut)
                    .await?
                    .map(|rows| rows.iter().map(cells).collect())
            }
        };
        rows.map_err(|e| describe_error(engine, &e))
    }

    /// The first column of the first row, or `None` when there is no row.
    pub async fn scalar(&mut self, sql: &str, deadline: Deadline) -> Result<Option<Value>, String> {
        Ok(self
            .rows(sql, deadline)
            .await?
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next())
            .map(|(_, v)| v))
    }

    /// Closes politely when there is time, so the server logs no abort.
    pub async fn close(self) {
        let bound = Duration::from_millis(500);
        let _ = match self {
            Self::Postgres(c) => tokio::time::timeout(bound, c.close()).await,
            Self::MySql(c) => tokio::time::timeout(bound, c.close()).await,
            Self::Sqlite(c) => tokio::time::timeout(bound, c.close()).await,
        };
    }
}

fn shorten(sql: &str) -> String {
    let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    Value::Str(one_line).short(60).trim_matches('"').to_string()
}

/// sqlx's errors, said so that a person knows what to do.
fn describe_error(engine: Engine, e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => format!("{} said: {}", engine.name(), db.message()),
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!(
                "connection refused: nothing listens at the {} address",
                engine.name()
            )
        }
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => format!(
            "the server closed the connection: it does not speak the {} protocol, or refused us",
            engine.name()
        ),
        sqlx::Error::Protocol(p) => format!(
            "the server does not speak the {} protocol as expected: {p}",
            engine.name()
        ),
        other => error_chain(other),
    }
}

fn cells<R>(row: &R) -> SqlRow
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database>,
{
    (0..row.len())
        .map(|i| {
            let col = &row.columns()[i];
            let name = col.name().to_string();
            let type_name = col.type_info().name().to_ascii_uppercase();
            let is_null = row.try_get_raw(i).map(|v| v.is_null()).unwrap_or(true);
            let value = if is_null {
                Value::Null
            } else {
                // Text protocol: every value decodes as its text form.
                match row.try_get_unchecked::<String, _>(i) {
                    Ok(text) => typed(&type_name, text),
                    Err(_) => Value::Str(format!("<{type_name} value>")),
                }
            };
            (name, value)
        })
        .collect()
}

/// A value's text typed by its column's SQL type name.
pub fn typed(type_name: &str, text: String) -> Value {
    let t = type_name;
    if (t.contains("INT") || t == "OID" || t == "YEAR")
        && let Ok(i) = text.trim().parse::<i64>()
    {
        return Value::Int(i);
    }
    if ["FLOAT", "DOUBLE", "REAL", "NUMERIC", "DECIMAL"]
        .iter()
        .any(|k| t.contains(k))
    {
        if let Ok(i) = text.trim().parse::<i64>() {
            return Value::Int(i);
        }
        if let Ok(f) = text.trim().parse::<f64>() {
            return Value::Float(f);
        }
    }
    if t == "BOOL" || t == "BOOLEAN" {
        match text.as_str() {
            "t" | "true" | "1" => return Value::Bool(true),
            "f" | "false" | "0" => return Value::Bool(false),
            _ => {}
        }
    }
    Value::Str(text)
}

/// Settings of the `postgres` and `mysql` kinds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The connection URL, usually `${DATABASE_URL}`.
    pub url: String,
    /// A query whose first column of its first row becomes `value`.
    #[serde(default)]
    pub query: Option<String>,
    /// Tables that must exist (`name` in any schema, or `schema.name`).
    #[serde(default)]
    pub tables: Vec<String>,
}

/// The `postgres`/`mysql` probe, one engine each.
pub struct Database {
    engine: Engine,
    url: String,
    dsn: Dsn,
    query: Option<String>,
    tables: Vec<String>,
}

impl Database {
    pub fn build(engine: Engine, s: Settings) -> Result<Self, String> {
        let dsn = Dsn::parse(&s.url)?;
        match Engine::from_scheme(&dsn.scheme) {
            Some(e) if e == engine => {}
            _ => {
                let wanted = match engine {
                    Engine::Postgres => "postgres:// or postgresql://",
                    Engine::MySql => "mysql:// or mariadb://",
                    Engine::Sqlite => "sqlite://",
                };
                return Err(format!(
                    "`url` must start with {wanted}, not `{}://`",
                    dsn.scheme
                ));
            }
        }
        if dsn.host.is_empty() {
            return Err("`url` names no host".into());
        }
        if let Some(q) = &s.query
            && q.trim().is_empty()
        {
            return Err("`query` is empty".into());
        }
        if let Some(t) = s.tables.iter().find(|t| t.trim().is_empty()) {
            return Err(format!("`tables` has an empty name: {t:?}"));
        }
        Ok(Self {
            engine,
            url: s.url,
            dsn,
            query: s.query,
            tables: s.tables,
        })
    }

    pub fn target(&self) -> String {
        format!(
            "{} {}",
            self.engine.name().to_ascii_lowercase(),
            self.dsn.redacted()
        )
    }

    pub fn default_expectations(&self) -> Vec<Expectation> {
        let mut out = vec![Expectation::new("connected", Op::Eq, Literal::Bool(true))];
        if self.query.is_some() {
            out.push(Expectation::new("value", Op::Exists, Literal::None));
        }
        if !self.tables.is_empty() {
            out.push(Expectation::new(
                "missing_tables",
                Op::NotExists,
                Literal::None,
            ));
        }
        out
    }

    pub fn summary(&self, e: &Evidence) -> String {
        let mut parts = Vec::new();
        if let Some(v) = e.get("version").and_then(Value::as_str) {
            let name = e
                .get("flavor")
                .and_then(Value::as_str)
                .unwrap_or(self.engine.name());
            parts.push(format!("{name} {v}"));
        }
        if let Some(v) = e.get("value") {
            parts.push(format!("value {}", v.short(40)));
        }
        if let Some(Value::List(m)) = e.get("missing_tables") {
            parts.push(format!("{} table(s) missing", m.len()));
        }
        if let (Some(c), Some(m)) = (e.get("connections"), e.get("max_connections")) {
            parts.push(format!("{c}/{m} connections"));
        }
        parts.join(", ")
    }

    pub fn secrets(&self) -> Vec<String> {
        self.dsn.secrets(&self.url)
    }

    pub async fn observe(&self, cx: &Context) -> Observation {
        let deadline = Deadline::after(cx.timeout);
        let mut ev = Evidence::new();
        ev.insert(
            "address".into(),
            self.dsn.address(self.engine.default_port()).into(),
        );
        let start = Instant::now();
        let mut conn = match SqlConn::connect(self.engine, &self.url, deadline).await {
            Ok(c) => c,
            Err(e) => {
                ev.insert("connected".into(), false.into());
                ev.insert("time".into(), start.elapsed().into());
                return Observation::failed(
                    ev,
                    format!(
                        "cannot connect to {} at {}: {e}",
                        self.engine.name(),
                        self.dsn.address(self.engine.default_port())
                    ),
                );
            }
        };
        ev.insert("connected".into(), true.into());
        ev.insert("connect_time".into(), start.elapsed().into());
        let outcome = self.measure(&mut conn, &mut ev, deadline).await;
        ev.insert("time".into(), start.elapsed().into());
        conn.close().await;
        match outcome {
            Ok(()) => Observation::ok(ev),
            Err(e) => Observation::failed(ev, e),
        }
    }

    async fn measure(
        &self,
        conn: &mut SqlConn,
        ev: &mut Evidence,
        deadline: Deadline,
    ) -> Result<(), String> {
        match self.engine {
            Engine::Postgres => {
                let row = conn
                    .rows(
                        "SELECT current_setting('server_version') AS version, version() AS server, \
                         current_database() AS database, current_user AS \"user\", \
                         (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS tls, \
                         (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS connections, \
                         current_setting('max_connections')::int AS max_connections",
                        deadline,
                    )
                    .await?;
                for (name, value) in row.into_iter().next().unwrap_or_default() {
                    let value = match (name.as_str(), value) {
                        // `16.4 (Debian 16.4-1.pgdg120+1)`: the number is the version.
                        ("version", Value::Str(s)) => {
                            Value::Str(s.split_whitespace().next().unwrap_or("").to_string())
                        }
                        ("tls", Value::Null) => Value::Bool(false),
                        (_, v) => v,
                    };
                    ev.insert(name, value);
                }
            }
            Engine::MySql => {
                let row = conn
                    .rows(
                        "SELECT VERSION() AS server, DATABASE() AS `database`, CURRENT_USER() AS `user`, \
                         @@max_connections AS max_connections",
                        deadline,
                    )
                    .await?;
                let row = row.into_iter().next().unwrap_or_default();
                let get = |k: &str| {
                    row.iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(k))
                        .map(|(_, v)| v.clone())
                        .unwrap_or(Value::Null)
                };
                let server = get("server");
                let text = server.as_str().unwrap_or_default().to_string();
                // `10.11.6-MariaDB-0+deb12u1`: the version is what comes before the dash.
                let version = text.split(['-', ' ']).next().unwrap_or("").to_string();
                ev.insert("version".into(), version.into());
                ev.insert("server".into(), server);
                ev.insert(
                    "flavor".into(),
                    if text.contains("MariaDB") {
                        "MariaDB"
                    } else {
                        "MySQL"
                    }
                    .into(),
                );
                ev.insert("database".into(), get("database"));
                ev.insert("user".into(), get("user"));
                let status = |v: Vec<SqlRow>| {
                    v.into_iter()
                        .next()
                        .and_then(|r| r.into_iter().nth(1))
                        .map(|(_, v)| v)
                };
                let tls = conn
                    .rows("SHOW SESSION STATUS LIKE 'Ssl_version'", deadline)
                    .await
                    .ok()
                    .and_then(status);
                ev.insert(
                    "tls".into(),
                    tls.as_ref()
                        .and_then(Value::as_str)
                        .is_some_and(|s| !s.is_empty())
                        .into(),
                );
                if let Some(n) = conn
                    .rows("SHOW GLOBAL STATUS LIKE 'Threads_connected'", deadline)
                    .await
                    .ok()
                    .and_then(status)
                {
                    ev.insert(
                        "connections".into(),
                        n.as_f64().map_or(n, |f| Value::Int(f as i64)),
                    );
                }
                ev.insert("max_connections".into(), get("max_connections"));
            }
            Engine::Sqlite => {}
        }
        if let (Some(c), Some(m)) = (
            ev.get("connections").and_then(Value::as_f64),
            ev.get("max_connections").and_then(Value::as_f64),
        ) && m > 0.0
        {
            let pct = (c / m * 1000.0).round() / 10.0;
            ev.insert("connections_pct".into(), pct.into());
        }
        if !self.tables.is_empty() {
            let sql = match self.engine {
                Engine::Postgres => {
                    "SELECT table_schema, table_name FROM information_schema.tables \
                     WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                }
                _ => {
                    "SELECT table_schema, table_name FROM information_schema.tables \
                     WHERE table_schema = DATABASE()"
                }
            };
            let present: Vec<(String, String)> = conn
                .rows(sql, deadline)
                .await
                .map_err(|e| format!("cannot list the tables: {e}"))?
                .into_iter()
                .map(|r| {
                    let mut it = r.into_iter().map(|(_, v)| match v {
                        Value::Str(s) => s,
                        other => other.to_string(),
                    });
                    (it.next().unwrap_or_default(), it.next().unwrap_or_default())
                })
                .collect();
            let missing = missing_tables(&self.tables, &present);
            ev.insert(
                "tables_found".into(),
                (self.tables.len() - missing.len()).into(),
            );
            if !missing.is_empty() {
                ev.insert("missing_tables".into(), Value::from(missing));
            }
        }
        if let Some(q) = &self.query {
            let rows = conn
                .rows(q, deadline)
                .await
                .map_err(|e| format!("the query failed: {e}"))?;
            ev.insert("rows".into(), rows.len().into());
            if let Some(first) = rows.into_iter().next()
                && let Some((_, v)) = first.into_iter().next()
            {
                ev.insert("value".into(), v);
            }
        }
        Ok(())
    }
}

/// The wanted tables not among `present` (schema, name). A bare name
/// matches in any schema; `schema.name` only there. Case is ignored, as
/// unquoted names are folded by both engines.
pub fn missing_tables(wanted: &[String], present: &[(String, String)]) -> Vec<String> {
    wanted
        .iter()
        .filter(|w| {
            let w = w.trim();
            !present
                .iter()
                .any(|(schema, name)| match w.split_once('.') {
                    Some((s, n)) => s.eq_ignore_ascii_case(schema) && n.eq_ignore_ascii_case(name),
                    None => w.eq_ignore_ascii_case(name),
                })
        })
        .cloned()
        .collect()
}

/// Implements `Kind` and `Probe` for a kind that is the `Database` probe
/// for one engine.
macro_rules! database_kind {
    ($ty:ident, $engine:expr) => {
        pub struct $ty($crate::database::Database);

        impl $crate::Kind for $ty {
            type Settings = $crate::database::Settings;

            fn build(s: Self::Settings) -> Result<Self, String> {
                $crate::database::Database::build($engine, s).map(Self)
            }
        }

        #[async_trait::async_trait]
        impl $crate::Probe for $ty {
            fn target(&self) -> String {
                self.0.target()
            }

            fn default_expectations(&self) -> Vec<golive_core::Expectation> {
                self.0.default_expectations()
            }

            fn summary(&self, evidence: &golive_core::Evidence) -> String {
                self.0.summary(evidence)
            }

            fn secrets(&self) -> Vec<String> {
                self.0.secrets()
            }

            async fn observe(&self, cx: &$crate::Context) -> $crate::Observation {
                self.0.observe(cx).await
            }
        }
    };
}
pub(crate) use database_kind;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_typed_by_their_column() {
        assert_eq!(typed("INT8", "42".into()), Value::Int(42));
        assert_eq!(typed("BIGINT", "13".into()), Value::Int(13));
        assert_eq!(typed("NUMERIC", "12.50".into()), Value::Float(12.5));
        assert_eq!(typed("NUMERIC", "12".into()), Value::Int(12));
        assert_eq!(typed("BOOL", "t".into()), Value::Bool(true));
        assert_eq!(typed("TEXT", "12".into()), Value::Str("12".into()));
    }

    #[test]
    fn tables_match_by_name_or_schema() {
        let present = vec![
            ("public".to_string(), "users".to_string()),
            ("billing".to_string(), "invoices".to_string()),
        ];
        let wanted: Vec<String> = [
            "Users",
            "invoices",
            "public.invoices",
            "billing.invoices",
            "salons",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            missing_tables(&wanted, &present),
            vec!["public.invoices".to_string(), "salons".to_string()]
        );
    }
}
