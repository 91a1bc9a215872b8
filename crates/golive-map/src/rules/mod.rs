//! The rules, one function per probe kind (and one each for people's and
//! cloud work), grouped by family. Each looks at an item's facts and
//! proposes a candidate with a score and the words that made it; the
//! highest score wins. Scores: 90 for a request the checklist spells out,
//! 80 for a topic word in the item itself, less when the word comes from
//! the code under it, its parent or its section; 85 for an item that opens
//! with a person's action ("Train", "Create account"). Nothing is mapped to
//! a probe below 55: when unsure, an item stays manual.

use std::sync::LazyLock;

use golive_core::expect::Expectation;
use golive_core::{Class, ProbeKind};

use crate::facts::{Facts, Place, is_loopback_host, is_placeholder_host, split_url};
use crate::words::Words;

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

/// The words a rule is about: for an item with none of them in its texts
/// (the item, the code under it, its parent, its section) the rule proposes
/// nothing, and is not asked. The rule itself opens by looking for them,
/// so the two cannot drift apart; debug builds check it on every item.
pub type Gate = fn() -> &'static Words;

/// Every rule, with its gate if it has one, in the order ties are broken.
pub const RULES: &[(&str, Rule, Option<Gate>)] = &[
    ("http", web::http, None),
    ("https_redirect", web::https_redirect, None),
    ("tls", web::tls, Some(web::tls_topic)),
    ("headers", web::headers, Some(web::headers_topic)),
    ("cors", web::cors, Some(web::cors_topic)),
    ("rate_limit", web::rate_limit, Some(web::rate_limit_topic)),
    ("auth", web::auth, Some(web::auth_topic)),
    ("webhook", web::webhook, Some(web::webhook_topic)),
    ("websocket", web::websocket, Some(web::websocket_topic)),
    ("flow", web::flow, None),
    ("load", web::load, None),
    ("latency", web::latency, Some(web::latency_topic)),
    ("dns", web::dns, Some(web::dns_topic)),
    ("tcp", web::tcp, None),
    ("database", data::database, Some(data::database_topic)),
    ("redis", data::redis, Some(data::redis_topic)),
    ("amqp", data::amqp, Some(data::amqp_topic)),
    ("smtp", data::smtp, Some(data::smtp_topic)),
    ("mongodb", data::mongodb, Some(data::mongodb_topic)),
    ("migrations", data::migrations, Some(data::migrations_topic)),
    ("backup", data::backup, Some(data::backup_topic)),
    ("env", repo::env, None),
    ("gitignore", repo::gitignore, Some(repo::gitignore_topic)),
    (
        "secret_scan",
        repo::secret_scan,
        Some(repo::secret_scan_topic),
    ),
    ("file", repo::file, Some(repo::file_topic)),
    ("people", people::people, None),
    ("cloud", people::cloud, Some(people::cloud_topic)),
];

/// The rules that may propose something for an item, as bits of their
/// indices in [`RULES`]: those without a gate, and those whose gate has a
/// word the item's texts have.
///
/// Most rules' gates miss most items, and calling each rule to learn so
/// was a third of the mapping's time; a table from each word to the rules
/// it opens answers for all of them at once.
pub fn open_rules(f: &Facts<'_>) -> u32 {
    static OPENED_BY: LazyLock<(Vec<u32>, u32)> = LazyLock::new(|| {
        const _: () = assert!(RULES.len() <= 32, "open_rules keeps one bit per rule");
        let mut by_word = vec![0u32; crate::words::VOCABULARY_LEN];
        let mut always = 0u32;
        for (i, (_, _, gate)) in RULES.iter().enumerate() {
            match gate.map(|g| g().members()) {
                Some(Some(members)) => {
                    for id in members.ids() {
                        by_word[usize::from(id)] |= 1 << i;
                    }
                }
                // No gate, or a gate outside the vocabulary: always asked.
                _ => always |= 1 << i,
            }
        }
        (by_word, always)
    });
    let (by_word, always) = &*OPENED_BY;
    f.words()
        .ids()
        .fold(*always, |open, id| open | by_word[usize::from(id)])
}

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
