//! `backup`: the newest backup is recent, not empty, and restores.
//!
//! **What it verifies.** That the newest file matching a glob
//! (`/var/backups/db/*.dump`), or the newest object a listing command
//! prints (`aws s3 ls s3://bucket/db/`, `rclone lsl remote:db`,
//! `gsutil ls -l gs://bucket/db/`), is younger than `max_age` and larger
//! than `min_size`; optionally, that a restore command run against a
//! scratch database that golive creates and drops succeeds.
//!
//! **Why it matters on launch day.** "Backups running successfully",
//! "Backup restoration tested": the cron job that stopped three weeks ago,
//! the 0-byte dump of a job that lost its password, and the backup nobody
//! ever restored are found on the day they are needed, which is too late.
//!
//! **Example.** Checklist: `- [ ] Daily database backups are running`.
//!
//! ```toml
//! [[check]]
//! kind = "backup"
//! path = "/var/backups/postgres/*.dump"
//! max_age = "26h"
//! min_size = "1KB"
//! restore_command = "pg_restore --no-owner -d \"$GOLIVE_SCRATCH_URL\" \"$GOLIVE_BACKUP_FILE\""
//! scratch_url = "${BACKUP_ADMIN_DATABASE_URL}"
//! timeout = "5m"
//! ```
//!
//! A relative `path` is taken from the repository (`--repo`). With
//! `list_command` instead of `path`, each output line is read for a date
//! and time (`2026-11-22 03:00:12`, ISO 8601 with or without a zone: UTC
//! unless it says otherwise), a size in bytes and a name (the last word);
//! lines without a date are skipped. `restore_command` runs with
//! `sh -c` and sees `GOLIVE_BACKUP_FILE` (the newest file, or the object's
//! name with a listing) and, with `scratch_url` (an account allowed to
//! create databases on a PostgreSQL or MySQL server), `GOLIVE_SCRATCH_URL`:
//! a new, empty database dropped afterwards whatever happened. Without
//! `scratch_url` the command's exit status alone decides.
//!
//! Evidence: `newest`, `modified` (UTC, RFC 3339), `age`, `size` (bytes),
//! `matched` (how many files or objects), `restored`, `restore_exit_code`,
//! `restore_output` (its last lines), `scratch_database`, `time`. Default
//! expectations: `age < max_age` and `size >= min_size` when set,
//! `restored == true` with a restore command, and `newest exists` always.
//!
//! Answers checklist lines such as "Backups running successfully", "Daily
//! database backup configured", "Backup is less than 24 hours old", "Backup
//! restoration tested", "Verify backup integrity".

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use golive_core::expect::{Literal, Op, number_with_unit};
use golive_core::{Evidence, Expectation, Value};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::command::run_bounded;
use crate::database::{Engine, SqlConn};
use crate::net::conn::Deadline;
use crate::net::dsn::Dsn;
use crate::{Context, Kind, Observation, Probe};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// A glob for the backup files (`/var/backups/db/*.sql.gz`).
    #[serde(default)]
    pub path: Option<String>,
    /// A shell command that lists backup objects, one a line.
    #[serde(default)]
    pub list_command: Option<String>,
    /// The newest backup must be younger than this (`26h`, `8d`).
    #[serde(default)]
    pub max_age: Option<String>,
    /// The newest backup must be at least this big (`1KB`, `50MB`).
    #[serde(default)]
    pub min_size: Option<String>,
    /// A shell command that restores `$GOLIVE_BACKUP_FILE`.
    #[serde(default)]
    pub restore_command: Option<String>,
    /// A PostgreSQL or MySQL server URL on which to create the scratch
    /// database the restore goes into.
    #[serde(default)]
    pub scratch_url: Option<String>,
}

enum Source {
    Glob(String),
    Listing(String),
}

pub struct Backup {
    source: Source,
    max_age: Option<Expectation>,
    min_size: Option<Expectation>,
    restore: Option<String>,
    scratch: Option<(String, Dsn, Engine)>,
}

impl Kind for Backup {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let source = match (s.path, s.list_command) {
            (Some(p), None) => {
                glob::Pattern::new(&p).map_err(|e| format!("`path` is not a valid glob: {e}"))?;
                Source::Glob(p)
            }
            (None, Some(c)) if !c.trim().is_empty() => Source::Listing(c),
            (Some(_), Some(_)) => return Err("give `path` or `list_command`, not both".into()),
            _ => {
                return Err(
                    "a backup check needs `path` (a glob for the files) or `list_command`".into(),
                );
            }
        };
        // Both become expectations in the user's own words, so that reports
        // say `age < 26h` as written.
        let max_age = match s.max_age {
            None => None,
            Some(m) => match number_with_unit(&m) {
                Some(Literal::Duration(_)) => Some(
                    Expectation::parse(&format!("age < {}", m.trim()))
                        .map_err(|e| format!("`max_age`: {e}"))?,
                ),
                _ => {
                    return Err(format!(
                        "`max_age` `{m}` is not a duration: write it like 26h or 8d"
                    ));
                }
            },
        };
        let min_size = match s.min_size {
            None => None,
            Some(m) => match number_with_unit(&m) {
                Some(Literal::Bytes(_)) => Some(
                    Expectation::parse(&format!("size >= {}", m.trim()))
                        .map_err(|e| format!("`min_size`: {e}"))?,
                ),
                _ => {
                    return Err(format!(
                        "`min_size` `{m}` is not a size: write it like 1KB, 50MB or 1GiB"
                    ));
                }
            },
        };
        let scratch = match s.scratch_url {
            None => None,
            Some(url) => {
                let dsn = Dsn::parse(&url)?;
                match Engine::from_scheme(&dsn.scheme) {
                    Some(e @ (Engine::Postgres | Engine::MySql)) => Some((url, dsn, e)),
                    _ => {
                        return Err("`scratch_url` must be a postgres:// or mysql:// URL".into());
                    }
                }
            }
        };
        if scratch.is_some() && s.restore_command.is_none() {
            return Err("`scratch_url` needs `restore_command`".into());
        }
        Ok(Self {
            source,
            max_age,
            min_size,
            restore: s.restore_command,
            scratch,
        })
    }
}

/// The newest backup found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub name: String,
    pub modified: OffsetDateTime,
    pub size: Option<u64>,
    /// A local file, for the restore command.
    pub file: Option<PathBuf>,
}

fn newest_file(pattern: &str, repo: &Path) -> Result<(Option<Found>, usize), String> {
    let full = if Path::new(pattern).is_absolute() {
        pattern.to_string()
    } else {
        repo.join(pattern).to_string_lossy().into_owned()
    };
    let paths = glob::glob(&full).map_err(|e| format!("`path` is not a valid glob: {e}"))?;
    let mut count = 0;
    let mut best: Option<Found> = None;
    for p in paths.flatten() {
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        count += 1;
        let modified = OffsetDateTime::from(meta.modified().unwrap_or(SystemTime::UNIX_EPOCH));
        if best.as_ref().is_none_or(|b| modified > b.modified) {
            best = Some(Found {
                name: p.display().to_string(),
                modified,
                size: Some(meta.len()),
                file: Some(p.clone()),
            });
        }
    }
    Ok((best, count))
}

/// Reads one line of a storage listing: a date and time, a size, a name.
pub fn parse_listing_line(line: &str) -> Option<Found> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut modified = None;
    let mut used = vec![false; words.len()];
    for i in 0..words.len() {
        let w = words[i].trim_end_matches(',');
        if let Some(t) = parse_instant(w) {
            modified = Some(t);
            used[i] = true;
            break;
        }
        if is_date(w)
            && let Some(next) = words.get(i + 1)
            && let Some(t) = parse_instant(&format!("{w}T{next}"))
        {
            modified = Some(t);
            used[i] = true;
            used[i + 1] = true;
            break;
        }
    }
    let modified = modified?;
    let name_at = (0..words.len()).rev().find(|&i| !used[i])?;
    used[name_at] = true;
    let size = (0..words.len())
        .filter(|&i| !used[i])
        .find_map(|i| words[i].parse::<u64>().ok());
    Some(Found {
        name: words[name_at].to_string(),
        modified,
        size,
        file: None,
    })
}

fn is_date(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && w.chars().filter(char::is_ascii_digit).count() == 8
}

/// `2026-11-22T03:00:12Z`, `…+01:00`, `…T03:00:12.123`, or without a zone (UTC).
fn parse_instant(w: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if !is_date(w.get(..10)?) || w.len() < 19 {
        return None;
    }
    if let Ok(t) = OffsetDateTime::parse(w, &Rfc3339) {
        return Some(t);
    }
    OffsetDateTime::parse(&format!("{w}Z"), &Rfc3339).ok()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

impl Backup {
    async fn find(&self, cx: &Context) -> Result<(Option<Found>, usize), String> {
        match &self.source {
            Source::Glob(p) => newest_file(p, &cx.repo),
            Source::Listing(cmd) => {
                let mut c = tokio::process::Command::new("sh");
                c.arg("-c")
                    .arg(cmd)
                    .current_dir(&cx.repo)
                    .envs(cx.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                let ran = run_bounded(c, cx.timeout)
                    .await
                    .map_err(|e| format!("cannot start the listing command: {e}"))?;
                if ran.timed_out {
                    return Err("the listing command did not finish in time and was killed".into());
                }
                if ran.exit_code != Some(0) {
                    return Err(format!(
                        "the listing command failed (exit {}): {}",
                        ran.exit_code.map_or("by signal".into(), |c| c.to_string()),
                        tail(&ran.stderr, 3)
                    ));
                }
                let found: Vec<Found> = ran.stdout.lines().filter_map(parse_listing_line).collect();
                let n = found.len();
                Ok((found.into_iter().max_by_key(|f| f.modified), n))
            }
        }
    }

    /// Runs the restore, in a scratch database when asked; fills evidence.
    async fn restore(
        &self,
        cx: &Context,
        deadline: Deadline,
        found: &Found,
        ev: &mut Evidence,
    ) -> Result<(), String> {
        let Some(cmd) = &self.restore else {
            return Ok(());
        };
        let mut c = tokio::process::Command::new("sh");
        c.arg("-c")
            .arg(cmd)
            .current_dir(&cx.repo)
            .envs(cx.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env(
                "GOLIVE_BACKUP_FILE",
                found
                    .file
                    .as_ref()
                    .map_or(found.name.clone(), |f| f.display().to_string()),
            );
        let mut scratch = None;
        if let Some((url, dsn, engine)) = &self.scratch {
            let name = format!(
                "golive_restore_{}_{}",
                std::process::id(),
                OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000_000
            );
            let mut admin = SqlConn::connect(*engine, url, deadline)
                .await
                .map_err(|e| {
                    format!(
                        "cannot connect to the scratch server {}: {e}",
                        dsn.redacted()
                    )
                })?;
            admin
                .rows(&format!("CREATE DATABASE {name}"), deadline)
                .await
                .map_err(|e| format!("cannot create the scratch database: {e}"))?;
            ev.insert("scratch_database".into(), name.clone().into());
            c.env("GOLIVE_SCRATCH_URL", with_database(url, &name));
            scratch = Some((admin, name));
        }
        let ran = run_bounded(c, deadline.left()).await;
        if let Some((mut admin, name)) = scratch {
            // Dropped whatever the restore did, with a bound of its own so a
            // restore that used up the time still cleans up.
            let drop_sql = match admin.engine() {
                Engine::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                _ => format!("DROP DATABASE IF EXISTS {name}"),
            };
            let _ = admin
                .rows(&drop_sql, Deadline::after(Duration::from_secs(10)))
                .await;
            admin.close().await;
        }
        let ran = ran.map_err(|e| format!("cannot start the restore command: {e}"))?;
        ev.insert(
            "restore_exit_code".into(),
            ran.exit_code.map(i64::from).into(),
        );
        let output = if ran.stderr.trim().is_empty() {
            &ran.stdout
        } else {
            &ran.stderr
        };
        ev.insert("restore_output".into(), tail(output, 10).into());
        ev.insert("restored".into(), (ran.exit_code == Some(0)).into());
        if ran.timed_out {
            return Err("the restore command did not finish in time and was killed".into());
        }
        Ok(())
    }
}

/// The same server URL with another database in its path.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| base[start..].find('/').map(|j| start + j))
        .unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..authority_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[async_trait]
impl Probe for Backup {
    fn target(&self) -> String {
        match &self.source {
            Source::Glob(p) => format!("backup {p}"),
            Source::Listing(c) => format!("backup $ {c}"),
        }
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        let mut out = vec![Expectation::new("newest", Op::Exists, Literal::None)];
        out.extend(self.max_age.iter().cloned());
        out.extend(self.min_size.iter().cloned());
        if self.restore.is_some() {
            out.push(Expectation::new("restored", Op::Eq, Literal::Bool(true)));
        }
        out
    }

    fn summary(&self, e: &Evidence) -> String {
        let mut parts = Vec::new();
        if let Some(age) = e.get("age") {
            parts.push(format!("newest {age} old"));
        }
        if let Some(Value::Int(s)) = e.get("size") {
            parts.push(format!("{s} bytes"));
        }
        match e.get("restored") {
            Some(Value::Bool(true)) => parts.push("restored".into()),
            Some(Value::Bool(false)) => parts.push("restore FAILED".into()),
            _ => {}
        }
        if parts.is_empty() && e.get("matched") == Some(&Value::Int(0)) {
            parts.push("no backup found".into());
        }
        parts.join(", ")
    }

    fn secrets(&self) -> Vec<String> {
        self.scratch
            .as_ref()
            .map(|(url, dsn, _)| dsn.secrets(url))
            .unwrap_or_default()
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let deadline = Deadline::after(cx.timeout);
        let start = Instant::now();
        let mut ev = Evidence::new();
        let (found, matched) = match self.find(cx).await {
            Ok(f) => f,
            Err(e) => {
                ev.insert("time".into(), start.elapsed().into());
                return Observation::failed(ev, e);
            }
        };
        ev.insert("matched".into(), matched.into());
        let Some(found) = found else {
            ev.insert("time".into(), start.elapsed().into());
            // Measured: there is none. The `newest exists` expectation says so.
            return Observation::ok(ev);
        };
        ev.insert("newest".into(), found.name.clone().into());
        ev.insert(
            "modified".into(),
            found
                .modified
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
                .into(),
        );
        let age = (OffsetDateTime::now_utc() - found.modified).max(time::Duration::ZERO);
        ev.insert(
            "age".into(),
            Duration::from_secs(u64::try_from(age.whole_seconds()).unwrap_or(0)).into(),
        );
        ev.insert("size".into(), found.size.into());
        let outcome = self.restore(cx, deadline, &found, &mut ev).await;
        ev.insert("time".into(), start.elapsed().into());
        match outcome {
            Ok(()) => Observation::ok(ev),
            Err(e) => Observation::failed(ev, e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_of_the_common_tools() {
        // aws s3 ls
        let f = parse_listing_line("2026-11-22 03:00:12   12345678 db-2026-11-22.dump").unwrap();
        assert_eq!(
            (f.name.as_str(), f.size),
            ("db-2026-11-22.dump", Some(12_345_678))
        );
        assert_eq!(f.modified.hour(), 3);
        // gsutil ls -l
        let f = parse_listing_line("  2048  2026-11-21T23:10:00Z  gs://b/db.sql.gz").unwrap();
        assert_eq!((f.name.as_str(), f.size), ("gs://b/db.sql.gz", Some(2048)));
        // rclone lsl
        let f = parse_listing_line("    77 2026-11-20 01:02:03.000000000 db/x.dump").unwrap();
        assert_eq!((f.name.as_str(), f.size), ("db/x.dump", Some(77)));
        assert_eq!(f.modified.day(), 20);
        // a zone other than UTC
        let f = parse_listing_line("2026-11-22T03:00:00+02:00 5 a").unwrap();
        assert_eq!(f.modified.to_offset(time::UtcOffset::UTC).hour(), 1);
        assert_eq!(
            parse_listing_line("                           PRE daily/"),
            None
        );
        assert_eq!(parse_listing_line("total 12"), None);
    }

    #[test]
    fn scratch_urls() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres?sslmode=require", "scratch"),
            "postgres://u:p@h:5432/scratch?sslmode=require"
        );
        assert_eq!(with_database("mysql://root@h", "s"), "mysql://root@h/s");
    }
}
