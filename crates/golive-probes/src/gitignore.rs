//! `gitignore`: env and secret files are ignored by git, and not tracked.
//!
//! **What it verifies.** For each env or secret file — the ones named in
//! `paths`, the `--env-file`s inside the repository, and those found in it
//! (`.env`, `.env.*` but not `.env.example`/`.sample`/`.template`, `*.pem`,
//! `*.key`, `*.p12`, `*.pfx`, `*.jks`, `*.keystore`, SSH private keys,
//! `credentials.json`, `service-account*.json`) — that git would ignore it
//! under the repository's real rules: every `.gitignore` from the root
//! down, negations (`!`), `.git/info/exclude` and the user's
//! `core.excludesFile`, with git's precedence (a deeper file overrides a
//! shallower one; a file inside an ignored directory cannot be
//! re-included). And that it is not already tracked, since ignore rules do
//! nothing for a file git already has. A path that does not exist yet is
//! checked too: the rule must be there before the file is.
//!
//! **Why it matters on launch day.** "`.env.production` is in `.gitignore`"
//! is a checklist line because the day someone runs `git add .` with a
//! production env file on disk is the day its secrets are in the history
//! for good.
//!
//! **Example.** Checklist: ``- [ ] `.env.production` is in `.gitignore` ``.
//!
//! ```toml
//! [[check]]
//! kind = "gitignore"
//! paths = [".env.production"]
//! ```
//!
//! Settings: `paths` (files that must be ignored), `discover` (also look
//! for env and secret files in the repository; true).
//!
//! Evidence: `files` (each `path`, `exists`, `ignored`, `rule` — the
//! pattern and the file it is in — and `tracked`), `not_ignored` (count),
//! `tracked` (count), `unprotected` (paths). Default expectations:
//! `not_ignored == 0`, `tracked == 0`.
//!
//! Answers items like: "`.env.production` is in `.gitignore`", "Env files
//! are not committed", "No secrets in git", "Private keys are not in the
//! repository".

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::Deserialize;

use crate::{Context, Kind, Observation, Probe};

/// Folders never searched for env files: dependencies and build output.
const SKIP_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    "vendor",
    ".venv",
    "venv",
    "__pycache__",
    "dist",
    "build",
    ".next",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default = "yes")]
    pub discover: bool,
}

fn yes() -> bool {
    true
}

pub struct GitIgnore {
    paths: Vec<String>,
    discover: bool,
}

impl Kind for GitIgnore {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        for p in &s.paths {
            let path = Path::new(p);
            if p.trim().is_empty()
                || path.is_absolute()
                || path.components().any(|c| c == Component::ParentDir)
            {
                return Err(format!(
                    "`paths`: `{p}` must be a path inside the repository (no leading / or ..)"
                ));
            }
        }
        Ok(Self {
            paths: s.paths,
            discover: s.discover,
        })
    }
}

/// Whether a file name is an env or secret file worth protecting.
pub fn is_secret_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower == ".env" {
        return true;
    }
    if let Some(rest) = lower.strip_prefix(".env.") {
        return ![
            "example", "sample", "template", "dist", "defaults", "default", "schema", "tmpl",
        ]
        .contains(&rest);
    }
    let ext = lower.rsplit('.').next().unwrap_or("");
    matches!(ext, "pem" | "key" | "p12" | "pfx" | "jks" | "keystore")
        || matches!(
            lower.as_str(),
            "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" | "credentials.json"
        )
        || (lower.starts_with("service-account") && lower.ends_with(".json"))
}

/// The ignore files of a repository, as git reads them.
pub struct Rules {
    root: PathBuf,
    /// `.git/info/exclude` then `core.excludesFile`: the lowest precedence.
    base: Vec<Gitignore>,
}

/// The verdict on one path, and the pattern that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub ignored: bool,
    /// `pattern (in file)` for the deciding rule, if any.
    pub rule: Option<String>,
}

fn describe(g: &ignore::gitignore::Glob, root: &Path) -> String {
    let from = g
        .from()
        .map(|f| f.strip_prefix(root).unwrap_or(f).display().to_string())
        .unwrap_or_default();
    format!("`{}` in {from}", g.original())
}

impl Rules {
    pub fn new(root: &Path) -> Self {
        let mut base = Vec::new();
        let git = root.join(".git");
        let git_dir = if git.is_file() {
            // A worktree: `.git` names the real git directory.
            std::fs::read_to_string(&git)
                .ok()
                .and_then(|s| s.strip_prefix("gitdir:").map(|p| root.join(p.trim())))
                .map(|d| {
                    // Worktrees share info/exclude with the main repository.
                    std::fs::read_to_string(d.join("commondir"))
                        .map(|c| d.join(c.trim()))
                        .unwrap_or(d)
                })
        } else {
            Some(git)
        };
        let mut add = |path: PathBuf| {
            if path.is_file() {
                let mut b = GitignoreBuilder::new(root);
                if b.add(&path).is_none()
                    && let Ok(g) = b.build()
                {
                    base.push(g);
                }
            }
        };
        if let Some(d) = &git_dir {
            add(d.join("info").join("exclude"));
        }
        if let Some(global) = ignore::gitignore::gitconfig_excludes_path() {
            add(global);
        }
        Self {
            root: root.to_path_buf(),
            base,
        }
    }

    fn dir_rules(&self, dir: &Path) -> Option<Gitignore> {
        let file = self.root.join(dir).join(".gitignore");
        if !file.is_file() {
            return None;
        }
        let mut b = GitignoreBuilder::new(self.root.join(dir));
        b.add(&file);
        b.build().ok()
    }

    fn decide_one(&self, rel: &Path, is_dir: bool) -> Option<Verdict> {
        let full = self.root.join(rel);
        // Deepest .gitignore first, then the repository-wide files.
        let mut levels: Vec<Gitignore> = Vec::new();
        let mut dir = rel.parent();
        while let Some(d) = dir {
            if let Some(g) = self.dir_rules(d) {
                levels.push(g);
            }
            dir = d.parent();
        }
        for g in levels.iter().chain(self.base.iter()) {
            match g.matched(&full, is_dir) {
                Match::Ignore(glob) => {
                    return Some(Verdict {
                        ignored: true,
                        rule: Some(describe(glob, &self.root)),
                    });
                }
                Match::Whitelist(glob) => {
                    return Some(Verdict {
                        ignored: false,
                        rule: Some(describe(glob, &self.root)),
                    });
                }
                Match::None => {}
            }
        }
        None
    }

    /// Whether git ignores `rel` (a file path relative to the root).
    pub fn decide(&self, rel: &Path) -> Verdict {
        // A file inside an ignored directory stays ignored whatever follows.
        let mut prefix = PathBuf::new();
        let comps: Vec<Component> = rel.components().collect();
        for c in &comps[..comps.len().saturating_sub(1)] {
            prefix.push(c);
            if let Some(v) = self.decide_one(&prefix, true)
                && v.ignored
            {
                return v;
            }
        }
        self.decide_one(rel, false).unwrap_or(Verdict {
            ignored: false,
            rule: None,
        })
    }
}

/// Env and secret files under `root`, relative to it.
pub fn discover(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        // Ignored files are exactly the ones we are looking for.
        .standard_filters(false)
        .max_depth(Some(8))
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && SKIP_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
        })
        .build();
    for entry in walker.flatten() {
        if entry.file_type().is_some_and(|t| t.is_file())
            && is_secret_file(&entry.file_name().to_string_lossy())
            && let Ok(rel) = entry.path().strip_prefix(root)
        {
            found.push(rel.to_path_buf());
        }
    }
    found.sort();
    found
}

/// Which of `paths` git tracks. This asks git itself (`git ls-files`,
/// bounded in time) rather than reading `.git/index`: the index has several
/// formats (v2–v4 with prefix-compressed paths, split and sparse indexes)
/// that git reads correctly and a hand-written reader would get wrong, and
/// the crate that reads them all (gix-index) costs more to build than one
/// process call costs to run.
async fn tracked(root: &Path, paths: &[PathBuf], limit: Duration) -> Result<Vec<PathBuf>, String> {
    if paths.is_empty() {
        return Ok(Vec::new());
    }
    let mut cmd = tokio::process::Command::new("git");
    cmd.arg("-C")
        .arg(root)
        .args(["ls-files", "-z", "--cached", "--"])
        .args(paths)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = tokio::time::timeout(limit, cmd.output())
        .await
        .map_err(|_| {
            format!(
                "`git ls-files` did not finish within {}",
                golive_core::format_duration(limit)
            )
        })?
        .map_err(|e| format!("cannot run git to see which files are tracked: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "`git ls-files` failed in {}: {}",
            root.display(),
            err.trim()
        ));
    }
    Ok(out
        .stdout
        .split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| PathBuf::from(String::from_utf8_lossy(s).into_owned()))
        .collect())
}

#[async_trait]
impl Probe for GitIgnore {
    fn target(&self) -> String {
        if self.paths.is_empty() {
            "gitignore (env and secret files)".into()
        } else {
            format!("gitignore {}", self.paths.join(", "))
        }
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![
            Expectation::new("not_ignored", Op::Eq, Literal::Number(0.0)),
            Expectation::new("tracked", Op::Eq, Literal::Number(0.0)),
        ]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match (
            evidence.get("files"),
            evidence.get("not_ignored"),
            evidence.get("tracked"),
        ) {
            (Some(Value::List(f)), Some(Value::Int(0)), Some(Value::Int(0))) => {
                format!("{} file(s) ignored and untracked", f.len())
            }
            (_, Some(n), Some(t)) => format!("{n} not ignored, {t} tracked"),
            _ => String::new(),
        }
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let mut evidence = Evidence::new();
        let root = cx.repo.clone();
        if !root.join(".git").exists() {
            return Observation::failed(
                evidence,
                format!(
                    "{} is not a git repository (no .git): give --repo the repository's root",
                    root.display()
                ),
            );
        }
        let mut paths: Vec<PathBuf> = self.paths.iter().map(PathBuf::from).collect();
        let root_abs = root.canonicalize().unwrap_or_else(|_| root.clone());
        for f in cx.env_files.iter() {
            let abs = f.canonicalize().unwrap_or_else(|_| f.clone());
            if let Ok(rel) = abs.strip_prefix(&root_abs) {
                paths.push(rel.to_path_buf());
            }
        }
        let discover = self.discover;
        let root2 = root.clone();
        let (found, rules_root) = match tokio::task::spawn_blocking(move || {
            let found = if discover {
                self::discover(&root2)
            } else {
                Vec::new()
            };
            (found, root2)
        })
        .await
        {
            Ok(x) => x,
            Err(e) => return Observation::failed(evidence, format!("the search failed: {e}")),
        };
        paths.extend(found);
        if paths.is_empty() {
            // Nothing on disk yet: the usual names must be covered already.
            paths = vec![PathBuf::from(".env"), PathBuf::from(".env.production")];
        }
        paths.sort();
        paths.dedup();
        let rules = Rules::new(&rules_root);
        let limit = cx.timeout.min(Duration::from_secs(30));
        let tracked = match tracked(&root, &paths, limit).await {
            Ok(t) => t,
            Err(why) => return Observation::failed(evidence, why),
        };
        let mut files = Vec::new();
        let mut unprotected = Vec::new();
        let (mut not_ignored, mut tracked_n) = (0usize, 0usize);
        for p in &paths {
            let v = rules.decide(p);
            let is_tracked = tracked.iter().any(|t| t == p);
            let mut e = Evidence::new();
            e.insert("path".into(), p.display().to_string().into());
            e.insert("exists".into(), root.join(p).exists().into());
            e.insert("ignored".into(), v.ignored.into());
            e.insert("rule".into(), v.rule.into());
            e.insert("tracked".into(), is_tracked.into());
            files.push(Value::Map(e));
            if !v.ignored {
                not_ignored += 1;
            }
            if is_tracked {
                tracked_n += 1;
            }
            if !v.ignored || is_tracked {
                unprotected.push(Value::from(p.display().to_string()));
            }
        }
        evidence.insert("files".into(), Value::List(files));
        evidence.insert("not_ignored".into(), not_ignored.into());
        evidence.insert("tracked".into(), tracked_n.into());
        evidence.insert("unprotected".into(), Value::List(unprotected));
        Observation::ok(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_file_names() {
        for n in [
            ".env",
            ".env.production",
            ".env.local",
            "server.key",
            "cert.pem",
            "id_rsa",
            "service-account-prod.json",
        ] {
            assert!(is_secret_file(n), "{n}");
        }
        for n in [
            ".env.example",
            ".env.sample",
            "id_rsa.pub",
            "README.md",
            "keys.rs",
            "env.ts",
        ] {
            assert!(!is_secret_file(n), "{n}");
        }
    }
}
