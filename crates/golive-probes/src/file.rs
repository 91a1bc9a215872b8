//! `file`: a file exists in the repository, and contains (or lacks) a pattern.
//!
//! **What it verifies.** That a path under `--repo` exists, optionally that
//! it matches a regular expression (`contains`) and that it does not match
//! another (`lacks`).
//!
//! **Why it matters on launch day.** "`.env.example` is up to date",
//! "Runbook created", "`NODE_ENV=production` in the compose file": facts a
//! reviewer would otherwise open the file for.
//!
//! **Example.** Checklist: `- [ ] Runbook documented (docs/RUNBOOK.md)`.
//!
//! ```toml
//! [[check]]
//! kind = "file"
//! path = "docker-compose.prod.yml"
//! contains = "NODE_ENV=production"
//! lacks = "DEBUG=true"
//! ```
//!
//! Evidence: `path`, `exists`, `size`, `lines`, `found` (and `found_line`)
//! for `contains`, `forbidden_lines` for `lacks`. Default expectations:
//! `exists == true`, `found == true` with `contains`, `forbidden_lines == 0`
//! with `lacks`.

use std::path::{Component, Path};

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use regex::Regex;
use serde::Deserialize;

use crate::{Context, Kind, Observation, Probe};

/// Larger files are not searched (they are not config or docs).
const SEARCH_LIMIT: u64 = 16 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Path relative to the repository.
    pub path: String,
    /// A regular expression the file must match.
    #[serde(default)]
    pub contains: Option<String>,
    /// A regular expression no line may match.
    #[serde(default)]
    pub lacks: Option<String>,
}

pub struct File {
    path: String,
    contains: Option<Regex>,
    lacks: Option<Regex>,
}

impl Kind for File {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        if s.path.trim().is_empty() {
            return Err("`path` is empty".into());
        }
        let compile = |p: Option<String>, name: &str| {
            p.map(|p| Regex::new(&p).map_err(|e| format!("`{name}` is not a valid pattern: {e}")))
                .transpose()
        };
        Ok(Self {
            path: s.path,
            contains: compile(s.contains, "contains")?,
            lacks: compile(s.lacks, "lacks")?,
        })
    }
}

#[async_trait]
impl Probe for File {
    fn needs(&self, cx: &Context) -> Vec<String> {
        crate::needs_repo(cx)
    }

    fn target(&self) -> String {
        format!("file {}", self.path)
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        let mut e = vec![Expectation::new("exists", Op::Eq, Literal::Bool(true))];
        if self.contains.is_some() {
            e.push(Expectation::new("found", Op::Eq, Literal::Bool(true)));
        }
        if self.lacks.is_some() {
            e.push(Expectation::new(
                "forbidden_lines",
                Op::Eq,
                Literal::Number(0.0),
            ));
        }
        e
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match evidence.get("exists") {
            Some(Value::Bool(true)) => match evidence.get("found") {
                Some(Value::Bool(false)) => "exists, pattern not found".into(),
                _ => "exists".into(),
            },
            Some(_) => "missing".into(),
            None => String::new(),
        }
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let mut evidence = Evidence::new();
        evidence.insert("path".into(), self.path.clone().into());
        let rel = Path::new(&self.path);
        if rel.is_absolute() || rel.components().any(|c| c == Component::ParentDir) {
            return Observation::failed(
                evidence,
                "the path must stay inside the repository (no leading / or ..)",
            );
        }
        let full = cx.repo.join(rel);
        let meta = match tokio::fs::metadata(&full).await {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                evidence.insert("exists".into(), false.into());
                return Observation::ok(evidence);
            }
            Err(e) => {
                return Observation::failed(
                    evidence,
                    format!("cannot read {}: {e}", full.display()),
                );
            }
        };
        evidence.insert("exists".into(), true.into());
        evidence.insert("size".into(), meta.len().into());
        if self.contains.is_none() && self.lacks.is_none() {
            return Observation::ok(evidence);
        }
        if !meta.is_file() || meta.len() > SEARCH_LIMIT {
            return Observation::failed(evidence, "not a regular file of searchable size");
        }
        let text = match tokio::fs::read(&full).await {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                return Observation::failed(
                    evidence,
                    format!("cannot read {}: {e}", full.display()),
                );
            }
        };
        evidence.insert("lines".into(), text.lines().count().into());
        if let Some(re) = &self.contains {
            let hit = text
                .lines()
                .position(|l| re.is_match(l))
                .or_else(|| re.is_match(&text).then_some(0));
            evidence.insert("found".into(), hit.is_some().into());
            if let Some(line) = hit {
                evidence.insert("found_line".into(), (line + 1).into());
            }
        }
        if let Some(re) = &self.lacks {
            let lines: Vec<Value> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| re.is_match(l))
                .map(|(i, _)| Value::from(i + 1))
                .collect();
            evidence.insert("forbidden_lines".into(), lines.len().into());
            evidence.insert("forbidden_at".into(), Value::List(lines));
        }
        Observation::ok(evidence)
    }
}
