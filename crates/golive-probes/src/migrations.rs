//! `migrations`: every migration in the repository is applied in the database.
//!
//! **What it verifies.** That each migration the repository holds is
//! recorded as applied in the database's own history table, for the tools
//! teams use:
//!
//! | tool | in the repository | in the database |
//! | --- | --- | --- |
//! | Prisma | `prisma/migrations/*/migration.sql` | `_prisma_migrations` (a row counts when finished and not rolled back) |
//! | sqlx | `migrations/<version>_*.sql` | `_sqlx_migrations` (`success`) |
//! | Diesel | `migrations/<version>_*/up.sql` | `__diesel_schema_migrations` |
//! | Rails | `db/migrate/<version>_*.rb` | `schema_migrations` |
//! | Django | `<app>/migrations/<name>.py` | `django_migrations` (`app`, `name`) |
//! | Flyway | `db/migration/V<version>__*.sql` | `flyway_schema_history` (`success`) |
//!
//! The tool is found from the repository (`--repo`) or given with `tool`.
//! The report names the pending migrations, and separately those whose last
//! attempt failed (a Prisma row with no `finished_at`, a sqlx or Flyway row
//! with `success = false`).
//!
//! **Why it matters on launch day.** "Database migrations are run" is on
//! every checklist, and the classic launch-day outage is code deployed
//! against a schema one migration behind: a column that is not there, on
//! the first request that needs it. A failed Prisma migration also blocks
//! every later `migrate deploy` until someone resolves it.
//!
//! **Example.** Checklist: `- [ ] Database migrations are run`.
//!
//! ```toml
//! [[check]]
//! kind = "migrations"
//! url = "${DATABASE_URL}"
//! # tool = "prisma"            # found from the repository when left out
//! # dir = "backend/prisma/migrations"
//! ```
//!
//! Evidence: `tool`, `dir`, `migrations` (in the repository), `applied`
//! (of those, applied), `pending_count`, `pending` (names, only when some
//! are), `failed` (names, only when some are), `table_exists`,
//! `not_in_repo` (applied in the database, absent from the repository:
//! another branch's), `latest_applied`, `time`. Default expectation:
//! `pending not exists`.
//!
//! Answers checklist lines such as "Database migrations are run", "All
//! migrations applied", "Run prisma migrate deploy", "Schema is up to date",
//! "rails db:migrate", "python manage.py migrate".

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use serde::Deserialize;

use crate::database::{Engine, SqlConn};
use crate::net::conn::Deadline;
use crate::net::dsn::Dsn;
use crate::{Context, Kind, Observation, Probe};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The database URL (`postgres://`, `mysql://`, `sqlite://`).
    pub url: String,
    /// `prisma`, `sqlx`, `diesel`, `rails`, `django` or `flyway`; found
    /// from the repository when left out.
    #[serde(default)]
    pub tool: Option<String>,
    /// The migrations folder, relative to the repository, when it is not
    /// where the tool keeps it by default.
    #[serde(default)]
    pub dir: Option<String>,
    /// The history table, when renamed (Flyway's `table`, a schema prefix).
    #[serde(default)]
    pub table: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Prisma,
    Sqlx,
    Diesel,
    Rails,
    Django,
    Flyway,
}

impl Tool {
    const ALL: [Tool; 6] = [
        Tool::Prisma,
        Tool::Diesel,
        Tool::Sqlx,
        Tool::Rails,
        Tool::Flyway,
        Tool::Django,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Prisma => "prisma",
            Self::Sqlx => "sqlx",
            Self::Diesel => "diesel",
            Self::Rails => "rails",
            Self::Django => "django",
            Self::Flyway => "flyway",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.name() == s.to_ascii_lowercase())
    }

    /// Where the tool keeps its migrations, most common first.
    fn default_dirs(self) -> &'static [&'static str] {
        match self {
            Self::Prisma => &["prisma/migrations"],
            Self::Sqlx | Self::Diesel => &["migrations"],
            Self::Rails => &["db/migrate"],
            Self::Django => &["."],
            Self::Flyway => &["db/migration", "src/main/resources/db/migration", "sql"],
        }
    }

    fn table(self) -> &'static str {
        match self {
            Self::Prisma => "_prisma_migrations",
            Self::Sqlx => "_sqlx_migrations",
            Self::Diesel => "__diesel_schema_migrations",
            Self::Rails => "schema_migrations",
            Self::Django => "django_migrations",
            Self::Flyway => "flyway_schema_history",
        }
    }

    /// The history query: each row's id (as `id` of [`Migration`]), and
    /// whether it counts as applied.
    fn query(self, table: &str) -> String {
        match self {
            Self::Prisma => format!(
                "SELECT migration_name, CASE WHEN finished_at IS NOT NULL AND rolled_back_at IS NULL THEN 1 ELSE 0 END, \
                 CASE WHEN finished_at IS NULL AND rolled_back_at IS NULL THEN 1 ELSE 0 END FROM {table}"
            ),
            Self::Sqlx | Self::Flyway => format!(
                "SELECT version, CASE WHEN success THEN 1 ELSE 0 END, CASE WHEN success THEN 0 ELSE 1 END FROM {table}{}",
                if self == Self::Flyway {
                    " WHERE version IS NOT NULL"
                } else {
                    ""
                }
            ),
            Self::Diesel | Self::Rails => format!("SELECT version, 1, 0 FROM {table}"),
            Self::Django => format!("SELECT app, name, 1, 0 FROM {table}"),
        }
    }
}

/// One migration in the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// What the history table records for it, normalised.
    pub id: String,
    /// What people call it (the folder or file name).
    pub name: String,
}

pub struct Migrations {
    url: String,
    dsn: Dsn,
    engine: Engine,
    tool: Option<Tool>,
    dir: Option<String>,
    table: Option<String>,
}

impl Kind for Migrations {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let dsn = Dsn::parse(&s.url)?;
        let engine = Engine::from_scheme(&dsn.scheme).ok_or_else(|| {
            format!(
                "`url` must be a postgres://, mysql:// or sqlite:// URL, not `{}://`",
                dsn.scheme
            )
        })?;
        let tool = match &s.tool {
            None => None,
            Some(t) => Some(Tool::from_name(t).ok_or_else(|| {
                format!("unknown `tool` `{t}`: use prisma, sqlx, diesel, rails, django or flyway")
            })?),
        };
        if let Some(t) = &s.table
            && !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            return Err(format!("`table` `{t}` must be a plain (schema.)name"));
        }
        if s.dir
            .as_deref()
            .is_some_and(|d| Path::new(d).is_absolute() || d.contains(".."))
        {
            return Err("`dir` must be a folder inside the repository".into());
        }
        Ok(Self {
            url: s.url,
            dsn,
            engine,
            tool,
            dir: s.dir,
            table: s.table,
        })
    }
}

/// Finds the tool and its folder in a repository: the first tool whose
/// migrations are there.
pub fn detect(repo: &Path) -> Option<(Tool, PathBuf)> {
    for tool in Tool::ALL {
        for dir in tool.default_dirs() {
            let path = repo.join(dir);
            if !list(tool, &path).is_empty() {
                return Some((tool, path));
            }
            // Monorepos: `backend/prisma/migrations`, `api/db/migrate`.
            if tool != Tool::Django
                && let Ok(entries) = std::fs::read_dir(repo)
            {
                for e in entries.flatten() {
                    let nested = e.path().join(dir);
                    if e.path().is_dir()
                        && !skip_dir(&e.file_name())
                        && !list(tool, &nested).is_empty()
                    {
                        return Some((tool, nested));
                    }
                }
            }
        }
    }
    None
}

fn skip_dir(name: &std::ffi::OsStr) -> bool {
    let n = name.to_string_lossy();
    n.starts_with('.')
        || matches!(
            n.as_ref(),
            "node_modules"
                | "target"
                | "venv"
                | "env"
                | "site-packages"
                | "__pycache__"
                | "dist"
                | "build"
                | "vendor"
        )
}

fn entries(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    out.sort();
    out
}

/// Leading digits of a name (`20240101120000_create_users.rb` → `20240101120000`).
fn leading_digits(name: &str) -> Option<&str> {
    let end = name
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(name.len());
    (end > 0).then(|| &name[..end])
}

/// The migrations a tool keeps in `dir`, in order. Django's are found in
/// every app under `dir` (the repository, by default).
pub fn list(tool: Tool, dir: &Path) -> Vec<Migration> {
    let mut out = Vec::new();
    match tool {
        Tool::Prisma => {
            for (name, path) in entries(dir) {
                if path.join("migration.sql").is_file() {
                    out.push(Migration {
                        id: name.clone(),
                        name,
                    });
                }
            }
        }
        Tool::Diesel => {
            for (name, path) in entries(dir) {
                if path.join("up.sql").is_file() {
                    // Diesel records the part before the first `_`, dashes removed.
                    let version = name.split('_').next().unwrap_or("").replace('-', "");
                    out.push(Migration { id: version, name });
                }
            }
        }
        Tool::Sqlx => {
            for (name, path) in entries(dir) {
                if path.is_file()
                    && name.ends_with(".sql")
                    && !name.ends_with(".down.sql")
                    && let Some(v) = leading_digits(&name)
                    && name[v.len()..].starts_with('_')
                {
                    let id = v
                        .parse::<i64>()
                        .map_or_else(|_| v.to_string(), |n| n.to_string());
                    let stem = name.trim_end_matches(".sql").trim_end_matches(".up");
                    out.push(Migration {
                        id,
                        name: stem.to_string(),
                    });
                }
            }
        }
        Tool::Rails => {
            for (name, path) in entries(dir) {
                if path.is_file()
                    && name.ends_with(".rb")
                    && let Some(v) = leading_digits(&name)
                {
                    out.push(Migration {
                        id: v.to_string(),
                        name: name.trim_end_matches(".rb").to_string(),
                    });
                }
            }
        }
        Tool::Flyway => {
            for (name, path) in entries(dir) {
                if path.is_file()
                    && name.ends_with(".sql")
                    && let Some(rest) = name.strip_prefix('V')
                    && let Some((version, _)) = rest.split_once("__")
                    && !version.is_empty()
                {
                    out.push(Migration {
                        id: flyway_version(version),
                        name: name.trim_end_matches(".sql").to_string(),
                    });
                }
            }
        }
        Tool::Django => django(dir, 0, &mut out),
    }
    out
}

/// `1_1`, `1.01` and `1.1` are the same Flyway version.
fn flyway_version(v: &str) -> String {
    v.replace('_', ".")
        .split('.')
        .map(|p| {
            let t = p.trim_start_matches('0');
            if t.is_empty() { "0" } else { t }
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn django(dir: &Path, depth: usize, out: &mut Vec<Migration>) {
    if depth > 5 {
        return;
    }
    for (name, path) in entries(dir) {
        if !path.is_dir() || skip_dir(std::ffi::OsStr::new(&name)) {
            continue;
        }
        if name == "migrations" && path.join("__init__.py").is_file() {
            let app = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            for (file, p) in entries(&path) {
                if p.is_file()
                    && file.ends_with(".py")
                    && file != "__init__.py"
                    && leading_digits(&file).is_some()
                {
                    let stem = file.trim_end_matches(".py");
                    out.push(Migration {
                        id: format!("{app}.{stem}"),
                        name: format!("{app}.{stem}"),
                    });
                }
            }
        } else {
            django(&path, depth + 1, out);
        }
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Str(s) => matches!(s.as_str(), "1" | "t" | "true"),
        _ => false,
    }
}

fn id_text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.trim().to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The history table's rows: id → (applied, failed), an id applied once
/// counting as applied whatever other rows say (a failed attempt resolved
/// and run again).
fn history(tool: Tool, rows: Vec<crate::database::SqlRow>) -> BTreeMap<String, (bool, bool)> {
    let mut out: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    for row in rows {
        let vals: Vec<Value> = row.into_iter().map(|(_, v)| v).collect();
        let (id, rest) = if tool == Tool::Django {
            (
                format!("{}.{}", id_text(&vals[0]), id_text(&vals[1])),
                &vals[2..],
            )
        } else {
            let raw = id_text(&vals[0]);
            let id = match tool {
                Tool::Flyway => flyway_version(&raw),
                Tool::Sqlx => raw.parse::<i64>().map_or(raw.clone(), |n| n.to_string()),
                _ => raw,
            };
            (id, &vals[1..])
        };
        let applied = rest.first().is_some_and(truthy);
        let failed = rest.get(1).is_some_and(truthy);
        let entry = out.entry(id).or_default();
        entry.0 |= applied;
        entry.1 |= failed;
    }
    out
}

fn missing_table(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("does not exist") || m.contains("doesn't exist") || m.contains("no such table")
}

#[async_trait]
impl Probe for Migrations {
    fn needs(&self, cx: &Context) -> Vec<String> {
        // The migrations are read from the repository; the database is live.
        crate::needs_repo(cx)
    }

    fn target(&self) -> String {
        format!(
            "migrations{} in {}",
            self.tool
                .map(|t| format!(" ({})", t.name()))
                .unwrap_or_default(),
            self.dsn.redacted()
        )
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![Expectation::new("pending", Op::NotExists, Literal::None)]
    }

    fn summary(&self, e: &Evidence) -> String {
        match (e.get("tool"), e.get("applied"), e.get("pending_count")) {
            (Some(Value::Str(t)), Some(a), Some(p)) => format!("{t}: {a} applied, {p} pending"),
            _ => String::new(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        self.dsn.secrets(&self.url)
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let deadline = Deadline::after(cx.timeout);
        let start = Instant::now();
        let mut ev = Evidence::new();
        let found = match (self.tool, &self.dir) {
            (Some(t), Some(d)) => Some((t, cx.repo.join(d))),
            (Some(t), None) => t
                .default_dirs()
                .iter()
                .map(|d| cx.repo.join(d))
                .find(|p| !list(t, p).is_empty())
                .map(|p| (t, p)),
            (None, Some(d)) => {
                let dir = cx.repo.join(d);
                Tool::ALL
                    .into_iter()
                    .find(|t| !list(*t, &dir).is_empty())
                    .map(|t| (t, dir))
            }
            (None, None) => detect(&cx.repo),
        };
        let Some((tool, dir)) = found else {
            return Observation::failed(
                ev,
                format!(
                    "no migrations found in {}: looked for prisma/migrations, migrations/ (sqlx, Diesel), \
                     db/migrate (Rails), db/migration (Flyway) and */migrations/*.py (Django); set `tool` and `dir`",
                    cx.repo.display()
                ),
            );
        };
        let in_repo = list(tool, &dir);
        ev.insert("tool".into(), tool.name().into());
        ev.insert(
            "dir".into(),
            dir.strip_prefix(&cx.repo)
                .unwrap_or(&dir)
                .display()
                .to_string()
                .into(),
        );
        ev.insert("migrations".into(), in_repo.len().into());
        if in_repo.is_empty() {
            return Observation::failed(
                ev,
                format!("no {} migrations in {}", tool.name(), dir.display()),
            );
        }
        let mut conn = match SqlConn::connect(self.engine, &self.url, deadline).await {
            Ok(c) => c,
            Err(e) => {
                ev.insert("time".into(), start.elapsed().into());
                return Observation::failed(
                    ev,
                    format!("cannot connect to {}: {e}", self.dsn.redacted()),
                );
            }
        };
        let table = self
            .table
            .clone()
            .unwrap_or_else(|| tool.table().to_string());
        let rows = conn.rows(&tool.query(&table), deadline).await;
        conn.close().await;
        let recorded = match rows {
            Ok(rows) => {
                ev.insert("table_exists".into(), true.into());
                history(tool, rows)
            }
            Err(e) if missing_table(&e) => {
                ev.insert("table_exists".into(), false.into());
                BTreeMap::new()
            }
            Err(e) => {
                ev.insert("time".into(), start.elapsed().into());
                return Observation::failed(ev, format!("cannot read `{table}`: {e}"));
            }
        };
        let mut pending = Vec::new();
        let mut failed = Vec::new();
        let mut applied = 0usize;
        let mut latest = None;
        for m in &in_repo {
            match recorded.get(&m.id) {
                Some((true, _)) => {
                    applied += 1;
                    latest = Some(m.name.clone());
                }
                Some((false, true)) => {
                    failed.push(m.name.clone());
                    pending.push(m.name.clone());
                }
                _ => pending.push(m.name.clone()),
            }
        }
        let known: BTreeSet<&str> = in_repo.iter().map(|m| m.id.as_str()).collect();
        let foreign: Vec<String> = recorded
            .iter()
            .filter(|(id, (ok, _))| *ok && !known.contains(id.as_str()))
            .map(|(id, _)| id.clone())
            .collect();
        ev.insert("applied".into(), applied.into());
        ev.insert("pending_count".into(), pending.len().into());
        if !pending.is_empty() {
            ev.insert("pending".into(), Value::from(pending));
        }
        if !failed.is_empty() {
            ev.insert("failed".into(), Value::from(failed));
        }
        ev.insert("latest_applied".into(), latest.into());
        if !foreign.is_empty() {
            ev.insert("not_in_repo".into(), Value::from(foreign));
        }
        ev.insert("time".into(), start.elapsed().into());
        Observation::ok(ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_as_tools_record_them() {
        assert_eq!(flyway_version("1_1"), "1.1");
        assert_eq!(flyway_version("001.010"), "1.10");
        assert_eq!(leading_digits("20240101_x.rb"), Some("20240101"));
        assert_eq!(leading_digits("x.rb"), None);
    }

    #[test]
    fn finds_each_tool_in_a_repository() {
        let repo = tempfile::tempdir().unwrap();
        let r = repo.path();
        let w = |p: &str| {
            let p = r.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "-- x").unwrap();
        };
        assert_eq!(detect(r), None);
        w("api/db/migrate/20240101000000_create_users.rb");
        let (tool, dir) = detect(r).unwrap();
        assert_eq!((tool, dir), (Tool::Rails, r.join("api/db/migrate")));
        w("migrations/2024-01-01-000000_create_users/up.sql");
        w("migrations/2024-01-01-000000_create_users/down.sql");
        let (tool, _) = detect(r).unwrap();
        assert_eq!(tool, Tool::Diesel);
        assert_eq!(
            list(Tool::Diesel, &r.join("migrations"))[0].id,
            "20240101000000"
        );
        w("prisma/migrations/20240101_init/migration.sql");
        assert_eq!(detect(r).unwrap().0, Tool::Prisma);
        w("app/bookings/migrations/__init__.py");
        w("app/bookings/migrations/0001_initial.py");
        w("app/bookings/migrations/0002_salon.py");
        w(".venv/lib/site/migrations/__init__.py");
        w(".venv/lib/site/migrations/0001_x.py");
        let d = list(Tool::Django, r);
        assert_eq!(
            d.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["bookings.0001_initial", "bookings.0002_salon"]
        );
    }
}
