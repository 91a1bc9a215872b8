//! Probes: what golive can verify by itself, one module per kind.
//!
//! Every probe has settings (a serde struct read from a `[[check]]` table),
//! observes its target once, and returns evidence: what it measured. Whether
//! that evidence is good enough is decided by expectations, which are the
//! same language for every kind; a probe only supplies the expectations that
//! apply when a check states none. A probe never panics and never waits
//! without a bound: every network step takes its time from the context.
//!
//! Adding a kind: a variant in [`golive_core::ProbeKind`], a module here, a
//! line in [`registry`], its tests and its row in the README.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use golive_core::{Evidence, Expectation};

pub mod amqp;
pub mod auth;
pub mod backup;
pub mod command;
pub mod cors;
pub mod database;
pub mod dns;
pub mod env;
pub mod file;
pub mod flow;
pub mod gitignore;
pub mod headers;
pub mod http;
pub mod https_redirect;
pub mod latency;
pub mod load;
pub mod migrations;
pub mod mongodb;
pub mod mysql;
pub mod net;
pub mod postgres;
pub mod rate_limit;
pub mod redis;
pub mod registry;
pub mod secret_scan;
pub mod smtp;
pub mod tcp;
pub mod tls;
pub mod webhook;
pub mod websocket;

pub use registry::{SettingsError, build, validate};

/// For the probes' settings tests: the target a probe built from TOML text
/// checks, or the error its settings give.
#[cfg(test)]
pub(crate) fn build_from(kind: golive_core::ProbeKind, text: &str) -> Result<String, String> {
    let table: toml::Table = toml::from_str(text).expect("test settings are TOML");
    build(kind, &table)
        .map(|p| p.target())
        .map_err(|e| e.to_string())
}

/// The need of a probe that reads the repository, when the run has none.
pub fn needs_repo(cx: &Context) -> Vec<String> {
    if cx.repo_given {
        Vec::new()
    } else {
        vec!["--repo DIR (the repository to check)".to_string()]
    }
}
pub use rustls;

/// What every probe may use while it observes.
#[derive(Clone)]
pub struct Context {
    /// The most one observation may take; the runner enforces it too.
    pub timeout: Duration,
    /// TLS for checks that verify certificates.
    pub tls: Arc<rustls::ClientConfig>,
    /// TLS for checks told not to verify (`--insecure`, `insecure = true`).
    pub tls_insecure: Arc<rustls::ClientConfig>,
    /// Where repository checks look (`--repo`).
    pub repo: PathBuf,
    /// Whether the run was given a repository (`--repo`, or a config's
    /// folder); without one, `repo` is the current folder and checks that
    /// read the repository are not verified.
    pub repo_given: bool,
    /// Variables passed to commands (from `--env-file`).
    pub env: Arc<Vec<(String, String)>>,
    /// The env files given with `--env-file` (or the config's `env_files`),
    /// for probes that check the files themselves.
    pub env_files: Arc<Vec<PathBuf>>,
}

impl Context {
    /// A context with the system's trust roots and nothing else, for tests
    /// and tools.
    pub fn basic(timeout: Duration) -> Self {
        let tls = net::tls::Trust::default().client_configs();
        let (tls, tls_insecure) = tls.unwrap_or_else(|_| net::tls::Trust::empty_configs());
        Self {
            timeout,
            tls,
            tls_insecure,
            repo: PathBuf::from("."),
            repo_given: true,
            env: Arc::new(Vec::new()),
            env_files: Arc::new(Vec::new()),
        }
    }
}

/// What one observation found. `failure` says why the probe could not
/// measure what it came for (refused, timed out, not found); the evidence
/// holds whatever it measured before that.
#[derive(Debug, Default)]
pub struct Observation {
    pub evidence: Evidence,
    pub failure: Option<String>,
}

impl Observation {
    pub fn ok(evidence: Evidence) -> Self {
        Self {
            evidence,
            failure: None,
        }
    }

    pub fn failed(evidence: Evidence, why: impl Into<String>) -> Self {
        Self {
            evidence,
            failure: Some(why.into()),
        }
    }
}

/// A probe ready to run.
#[async_trait]
pub trait Probe: Send + Sync {
    /// What it contacts or reads, for reports (redacted by the runner).
    fn target(&self) -> String;

    /// Expectations that apply when the check gives none.
    fn default_expectations(&self) -> Vec<Expectation>;

    /// A few words on what the evidence shows, for one-line reports
    /// ("200 in 12ms", "exit 0", "open").
    fn summary(&self, evidence: &Evidence) -> String {
        let _ = evidence;
        String::new()
    }

    /// The least time one observation needs when that may be more than a
    /// check's default bound (a load's duration and its set-up). The
    /// runner gives it that much unless the check sets its own `timeout`.
    fn time_needed(&self) -> Option<Duration> {
        None
    }

    /// What this run lacks for the probe to observe anything (a
    /// repository, an env file), said the way a user supplies it. A probe
    /// that needs something returns it here and is reported "not
    /// verified", never failed.
    fn needs(&self, cx: &Context) -> Vec<String> {
        let _ = cx;
        Vec::new()
    }

    /// Values in its settings that are secret (header values, passwords),
    /// which the runner adds to redaction.
    fn secrets(&self) -> Vec<String> {
        Vec::new()
    }

    /// Measures once. Must finish within `cx.timeout` or soon after; the
    /// runner cancels it at the bound either way.
    async fn observe(&self, cx: &Context) -> Observation;
}

/// A probe kind's implementation: its settings and how it is built from them.
pub trait Kind: Probe + Sized + 'static {
    type Settings: serde::de::DeserializeOwned;

    /// Checks what serde cannot (a URL that does not parse, a bad pattern)
    /// and builds the probe.
    fn build(settings: Self::Settings) -> Result<Self, String>;
}
