//! `secret_scan`: no hard-coded secrets in the repository.
//!
//! **What it verifies.** Walks the repository as git sees it — honouring
//! `.gitignore` files, `.git/info/exclude` and the global excludes file,
//! skipping binaries and files over `max_file_size` — on every core at
//! once, and looks for secrets with golive's own rules (`rules.rs`):
//! provider keys (AWS, Stripe live keys and webhook secrets, Slack, GitHub,
//! OpenAI, Anthropic, Google, Twilio, Meta/WhatsApp tokens), private keys,
//! JWTs, and high-entropy values assigned to secret-like names. Each
//! finding is reported as `file:line` with the secret redacted to its first
//! characters and length. A line carrying the marker (`golive:allow` by
//! default) is skipped, and so is a file with `golive:allow-file`
//! anywhere in it; `allow_paths` (gitignore-style patterns) skips fixtures.
//!
//! **Why it matters on launch day.** "No hardcoded secrets in code" is
//! ticked by grepping for `password`; a live Stripe key in a seed script or
//! a token in a test fixture is found by the first person to read the
//! repository, and after launch that may be anyone.
//!
//! **Example.** Checklist: `- [ ] No hardcoded secrets in code`.
//!
//! ```toml
//! [[check]]
//! kind = "secret_scan"
//! allow_paths = ["tests/fixtures/**"]
//! ```
//!
//! Settings: `paths` (folders to scan, default the whole repository),
//! `allow_paths`, `marker` ("golive:allow"), `max_file_size` (bytes,
//! 1048576), `rules` (only these rule ids), `threads` (default: every core).
//!
//! Evidence: `findings` (count), `details` (each `file`, `line`, `rule`,
//! `secret` redacted), `rules` (rule → count), `allowed` (findings skipped
//! by `allow_paths`), `files_scanned`, `bytes_scanned`, `skipped_binary`,
//! `skipped_large`, `time`. Default expectation: `findings == 0`.
//!
//! Answers items like: "No hardcoded secrets in code", "No API keys in the
//! repository", "Secrets are not committed", "Run gitleaks / trufflehog".

pub mod rules;

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use ignore::WalkState;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::Deserialize;

use crate::{Context, Kind, Observation, Probe};

/// Extensions that are never text worth scanning.
const BINARY_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "ico", "bmp", "tiff", "pdf", "zip", "gz", "tgz", "bz2",
    "xz", "zst", "7z", "rar", "jar", "war", "class", "so", "dylib", "dll", "exe", "o", "a", "rlib",
    "wasm", "woff", "woff2", "ttf", "otf", "eot", "mp3", "mp4", "mov", "avi", "webm", "ogg", "wav",
    "flac", "sqlite", "db", "pyc",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub allow_paths: Vec<String>,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_file_size: Option<u64>,
    #[serde(default)]
    pub rules: Option<Vec<String>>,
    #[serde(default)]
    pub threads: Option<usize>,
}

pub struct SecretScan {
    paths: Vec<String>,
    allow_paths: Vec<String>,
    marker: String,
    max_file_size: u64,
    compiled: Arc<rules::Compiled>,
    threads: usize,
}

impl Kind for SecretScan {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        for p in &s.paths {
            let path = Path::new(p);
            if path.is_absolute() || path.components().any(|c| c == Component::ParentDir) {
                return Err(format!(
                    "`paths`: `{p}` must stay inside the repository (no leading / or ..)"
                ));
            }
        }
        if let Some(only) = &s.rules {
            for r in only {
                if !rules::RULES.iter().any(|x| x.id == r) {
                    let mut known: Vec<&str> = rules::RULES.iter().map(|x| x.id).collect();
                    known.dedup();
                    return Err(format!(
                        "`rules`: unknown rule `{r}` (known: {})",
                        known.join(", ")
                    ));
                }
            }
        }
        // Checked here so that a bad pattern is a settings error, not a
        // failed run.
        let mut b = GitignoreBuilder::new("/");
        for p in &s.allow_paths {
            b.add_line(None, p)
                .map_err(|e| format!("`allow_paths`: `{p}` is not a valid pattern: {e}"))?;
        }
        let threads = s.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
        });
        if threads == 0 || threads > 256 {
            return Err("`threads` must be between 1 and 256".into());
        }
        Ok(Self {
            paths: s.paths,
            allow_paths: s.allow_paths,
            marker: s.marker.unwrap_or_else(|| "golive:allow".into()),
            max_file_size: s.max_file_size.unwrap_or(1 << 20),
            compiled: Arc::new(rules::Compiled::new(s.rules.as_deref())?),
            threads,
        })
    }
}

/// What a scan found.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<(PathBuf, rules::Hit)>,
    pub allowed: u64,
    pub files: u64,
    pub bytes: u64,
    pub binary: u64,
    pub large: u64,
    pub timed_out: bool,
}

/// Scans `root` (and `paths` under it) on `threads` threads, stopping at
/// `deadline`. Blocking: run it off the async runtime.
#[allow(clippy::too_many_arguments)]
pub fn scan(
    root: &Path,
    paths: &[String],
    allow: &Gitignore,
    marker: &str,
    max_file_size: u64,
    compiled: &rules::Compiled,
    threads: usize,
    deadline: Instant,
) -> Report {
    let starts: Vec<PathBuf> = if paths.is_empty() {
        vec![root.to_path_buf()]
    } else {
        paths.iter().map(|p| root.join(p)).collect()
    };
    let mut builder = ignore::WalkBuilder::new(&starts[0]);
    for s in &starts[1..] {
        builder.add(s);
    }
    builder
        // Dotfiles (.env, .npmrc) are where secrets hide; git sees them.
        .hidden(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(true)
        // Ignore rules count even in a copy without .git (a CI checkout
        // of an export, a tarball).
        .require_git(false)
        .parents(true)
        .threads(threads)
        .filter_entry(|e| e.file_name() != ".git");
    let found = Mutex::new(Vec::new());
    let counters = [
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
        AtomicU64::new(0),
    ];
    let [allowed, files, bytes, binary, large] = &counters;
    let timed_out = AtomicBool::new(false);
    let file_allow = format!("{marker}-file");
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            if Instant::now() > deadline {
                timed_out.store(true, Ordering::Relaxed);
                return WalkState::Quit;
            }
            let Ok(entry) = entry else {
                return WalkState::Continue;
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap_or(path);
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            if BINARY_EXTENSIONS.contains(&ext.as_str()) {
                binary.fetch_add(1, Ordering::Relaxed);
                return WalkState::Continue;
            }
            let size = entry.metadata().map_or(0, |m| m.len());
            if size > max_file_size {
                large.fetch_add(1, Ordering::Relaxed);
                return WalkState::Continue;
            }
            let Ok(content) = std::fs::read(path) else {
                return WalkState::Continue;
            };
            // Git's own test for binary content: a NUL in the first 8 KiB.
            if content[..content.len().min(8192)].contains(&0) {
                binary.fetch_add(1, Ordering::Relaxed);
                return WalkState::Continue;
            }
            files.fetch_add(1, Ordering::Relaxed);
            bytes.fetch_add(content.len() as u64, Ordering::Relaxed);
            let hits = compiled.scan(&content, marker);
            if hits.is_empty() {
                return WalkState::Continue;
            }
            if !marker.is_empty()
                && content
                    .windows(file_allow.len())
                    .any(|w| w == file_allow.as_bytes())
            {
                allowed.fetch_add(hits.len() as u64, Ordering::Relaxed);
                return WalkState::Continue;
            }
            if allow.matched_path_or_any_parents(rel, false).is_ignore() {
                allowed.fetch_add(hits.len() as u64, Ordering::Relaxed);
                return WalkState::Continue;
            }
            if let Ok(mut f) = found.lock() {
                f.extend(hits.into_iter().map(|h| (rel.to_path_buf(), h)));
            }
            WalkState::Continue
        })
    });
    let mut findings = found.into_inner().unwrap_or_default();
    findings.sort_by(|a, b| (&a.0, a.1.line).cmp(&(&b.0, b.1.line)));
    Report {
        findings,
        allowed: allowed.load(Ordering::Relaxed),
        files: files.load(Ordering::Relaxed),
        bytes: bytes.load(Ordering::Relaxed),
        binary: binary.load(Ordering::Relaxed),
        large: large.load(Ordering::Relaxed),
        timed_out: timed_out.load(Ordering::Relaxed),
    }
}

#[async_trait]
impl Probe for SecretScan {
    fn target(&self) -> String {
        if self.paths.is_empty() {
            "secret_scan (the repository)".into()
        } else {
            format!("secret_scan {}", self.paths.join(", "))
        }
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![Expectation::new("findings", Op::Eq, Literal::Number(0.0))]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match (evidence.get("findings"), evidence.get("files_scanned")) {
            (Some(Value::Int(0)), Some(f)) => format!("{f} files, no secrets"),
            (Some(n), Some(f)) => format!("{n} secret(s) in {f} files"),
            _ => String::new(),
        }
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let mut evidence = Evidence::new();
        let root = cx.repo.clone();
        if !root.is_dir() {
            return Observation::failed(evidence, format!("{} is not a folder", root.display()));
        }
        for p in &self.paths {
            if !root.join(p).exists() {
                return Observation::failed(
                    evidence,
                    format!("`paths`: {p} does not exist in {}", root.display()),
                );
            }
        }
        let mut b = GitignoreBuilder::new(&root);
        for p in &self.allow_paths {
            let _ = b.add_line(None, p);
        }
        let allow = b.build().unwrap_or_else(|_| Gitignore::empty());
        let (paths, marker, max, compiled, threads) = (
            self.paths.clone(),
            self.marker.clone(),
            self.max_file_size,
            self.compiled.clone(),
            self.threads,
        );
        let start = Instant::now();
        // Leave room to report before the runner's bound.
        let deadline = start + cx.timeout.saturating_sub(Duration::from_millis(300));
        let root2 = root.clone();
        let report = match tokio::task::spawn_blocking(move || {
            scan(
                &root2, &paths, &allow, &marker, max, &compiled, threads, deadline,
            )
        })
        .await
        {
            Ok(r) => r,
            Err(e) => return Observation::failed(evidence, format!("the scan failed: {e}")),
        };
        let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
        let details: Vec<Value> = report
            .findings
            .iter()
            .map(|(file, hit)| {
                *per_rule.entry(hit.rule).or_default() += 1;
                let mut d = Evidence::new();
                d.insert("file".into(), file.display().to_string().into());
                d.insert("line".into(), hit.line.into());
                d.insert("rule".into(), hit.rule.into());
                d.insert("secret".into(), rules::redact(hit.rule, &hit.secret).into());
                Value::Map(d)
            })
            .collect();
        evidence.insert("findings".into(), details.len().into());
        evidence.insert("details".into(), Value::List(details));
        evidence.insert(
            "rules".into(),
            Value::Map(
                per_rule
                    .into_iter()
                    .map(|(r, n)| (r.to_string(), Value::from(n)))
                    .collect(),
            ),
        );
        evidence.insert("allowed".into(), report.allowed.into());
        evidence.insert("files_scanned".into(), report.files.into());
        evidence.insert("bytes_scanned".into(), report.bytes.into());
        evidence.insert("skipped_binary".into(), report.binary.into());
        evidence.insert("skipped_large".into(), report.large.into());
        evidence.insert("time".into(), start.elapsed().into());
        if report.timed_out {
            return Observation::failed(
                evidence,
                format!(
                    "the scan did not finish within the check's timeout ({}); raise `timeout` or narrow `paths`",
                    golive_core::format_duration(cx.timeout)
                ),
            );
        }
        Observation::ok(evidence)
    }
}
