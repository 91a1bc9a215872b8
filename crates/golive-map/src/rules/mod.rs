//! The rules, one function per probe kind (and one each for people's and
//! cloud work), grouped by family. Each looks at an item's facts and
//! proposes a candidate with a score and the words that made it; the
//! highest score wins. Scores: 90 for a request the checklist spells out,
//! 80 for a topic word in the item itself, less when the word comes from
//! the code under it, its parent or its section; 85 for an item that opens
//! with a person's action ("Train", "Create account"). Nothing is mapped to
//! a probe below 55: when unsure, an item stays manual.

use golive_core::expect::Expectation;
use golive_core::{Class, ProbeKind};

use crate::facts::{Facts, Place, is_loopback_host, is_placeholder_host, split_url};

mod data;
mod people;
mod repo;
mod web;

/// A proposed check, before ids are given.
#[derive(Debug, Clone)]
pub struct Draft {
    pub kind: ProbeKind,
    pub settings: toml::Table,
    pub expect: Vec<Expectation>,
}

/// What a rule proposes for an item.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub rule: &'static str,
    pub class: Class,
    /// The probe kind that verifies the item, even when it cannot be
    /// checked yet (then `checks` is empty and `needs` says why).
    pub kind: Option<ProbeKind>,
    pub checks: Vec<Draft>,
    pub needs: Vec<String>,
    pub why: String,
    /// 0–100: how sure the rule is.
    pub score: u8,
}

/// The environment's variable names, when known (from `--env-file`), so
/// that checks use the names the team actually uses.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub names: Vec<String>,
}

impl Env {
    /// The first of `candidates` the environment defines; without an
    /// environment, the first candidate.
    pub fn pick(&self, candidates: &[&str]) -> String {
        candidates
            .iter()
            .find(|c| self.names.iter().any(|n| n == *c))
            .unwrap_or(&candidates[0])
            .to_string()
    }

    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// The first defined variable among `candidates`, if any is.
    pub fn defined(&self, candidates: &[&str]) -> Option<String> {
        candidates
            .iter()
            .find(|c| self.has(c))
            .map(|c| (*c).to_string())
    }
}

pub type Rule = fn(&Facts<'_>, &Env) -> Option<Candidate>;

/// Every rule, in the order ties are broken.
pub const RULES: &[(&str, Rule)] = &[
    ("http", web::http),
    ("https_redirect", web::https_redirect),
    ("tls", web::tls),
    ("headers", web::headers),
    ("cors", web::cors),
    ("rate_limit", web::rate_limit),
    ("auth", web::auth),
    ("webhook", web::webhook),
    ("websocket", web::websocket),
    ("flow", web::flow),
    ("load", web::load),
    ("latency", web::latency),
    ("dns", web::dns),
    ("tcp", web::tcp),
    ("database", data::database),
    ("redis", data::redis),
    ("amqp", data::amqp),
    ("smtp", data::smtp),
    ("mongodb", data::mongodb),
    ("migrations", data::migrations),
    ("backup", data::backup),
    ("env", repo::env),
    ("gitignore", repo::gitignore),
    ("secret_scan", repo::secret_scan),
    ("file", repo::file),
    ("people", people::people),
    ("cloud", people::cloud),
];

pub(crate) fn table(pairs: &[(&str, toml::Value)]) -> toml::Table {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

pub(crate) fn s(v: &str) -> toml::Value {
    toml::Value::String(v.to_string())
}

pub(crate) fn kind(name: &str) -> ProbeKind {
    ProbeKind::from_name(name)
        .unwrap_or_else(|| panic!("the mapping names a kind this build lacks: {name}"))
}

/// A proposal for a kind this build lacks (a feature left out): never taken.
fn absent(rule: &'static str, name: &str) -> Candidate {
    Candidate {
        rule,
        class: Class::Manual,
        kind: None,
        checks: Vec::new(),
        needs: vec![format!("golive built with the `{name}` probe")],
        why: format!("`{name}` would verify it, but this build of golive has no `{name}` probe"),
        score: 0,
    }
}

/// The score of a topic match found at `place`, from a base for a match
/// in the item itself.
pub(crate) fn score(base: u8, place: Place) -> u8 {
    base.saturating_sub(place.penalty())
}

/// A candidate that verifies with one check.
pub(crate) fn one(
    rule: &'static str,
    kind_name: &str,
    settings: toml::Table,
    expect: Vec<Expectation>,
    why: String,
    score: u8,
) -> Candidate {
    let Some(k) = ProbeKind::from_name(kind_name) else {
        return absent(rule, kind_name);
    };
    Candidate {
        rule,
        class: k.class(),
        kind: Some(k),
        checks: vec![Draft {
            kind: k,
            settings,
            expect,
        }],
        needs: Vec::new(),
        why,
        score,
    }
}

/// A candidate whose probe fits but lacks what it needs to run.
pub(crate) fn needs(
    rule: &'static str,
    kind_name: &str,
    need: &str,
    why: String,
    score: u8,
) -> Candidate {
    let Some(k) = ProbeKind::from_name(kind_name) else {
        return absent(rule, kind_name);
    };
    Candidate {
        rule,
        class: k.class(),
        kind: Some(k),
        checks: Vec::new(),
        needs: vec![need.to_string()],
        why,
        score,
    }
}

/// Words that say the item states a fact a machine can observe, rather
/// than an action: "is working", "enabled", "returns".
pub(crate) fn checkable(f: &Facts<'_>) -> Option<&'static str> {
    f.has(crate::words![
        "working",
        "works",
        "work",
        "enabled",
        "active",
        "configured",
        "set",
        "valid",
        "passing",
        "pass",
        "accessible",
        "reachable",
        "available",
        "running",
        "returns",
        "responds",
        "responding",
        "connected",
        "connection",
        "connections",
        "connectivity",
        "blocking",
        "blocked",
        "required",
        "present",
        "exists",
        "exist",
        "applied",
        "verified",
        "verify",
        "check",
        "test",
        "tested",
        "healthy",
        "stable",
        "secure",
        "strong",
        "correct",
        "correctly",
        "loads",
        "functioning",
        "operational",
        "up",
        "green",
        "accepted",
        "refused",
        "protected",
        "enforced",
        "expire",
        "validated",
        "disabled",
        "removed",
        "in place",
        "obtained",
        "generated",
        "ready",
        "successful",
        "successfully",
        "completed",
        "visible",
        "accessible at"
    ])
}

/// The URL a check should use: placeholder hosts are rebased onto the
/// deployment (`${app}`); a placeholder server with its own port keeps the
/// port (`${app_host}:9090`); real hosts are kept as written.
pub(crate) fn rebase(url: &str) -> (String, Option<String>) {
    let Some((host, port, path)) = split_url(url) else {
        return (url.to_string(), None);
    };
    if !is_placeholder_host(&host) {
        return (url.to_string(), None);
    }
    let shown = match port {
        Some(p) => cat!(host, ":", p.to_string()),
        None => host.clone(),
    };
    let scheme = url.split("://").next().unwrap_or("http");
    match port {
        // A service's own port on "your-server" is that port on the
        // deployment's host; `localhost:3001` is behind the deployment's
        // front door, which serves it at the same path.
        Some(p) if !is_loopback_host(&host) && p != 80 && p != 443 => (
            cat!(scheme, "://${app_host}:", p.to_string(), path),
            Some(shown),
        ),
        _ => (cat!("${app}", path), Some(shown)),
    }
}

/// The URL for a path the item names, or the deployment's root.
pub(crate) fn app_url(f: &Facts<'_>) -> String {
    match f.paths.first() {
        Some(p) => cat!("${app}", p),
        None => f
            .urls
            .iter()
            .map(|u| rebase(u).0)
            .find(|u| u.starts_with("${app}"))
            .unwrap_or_else(|| "${app}/".to_string()),
    }
}
