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

/// When a rule may propose something for an item. The rules are many and
/// most concern few items; asking each rule of each item was a third of
/// the mapping's time. A gate tells from the item's words (and a few
/// facts) that a rule has nothing to say, and the rule is then not asked.
/// Each rule opens by looking for its gate's words, through the same
/// lists, so the two cannot drift apart; debug builds check, on every item,
/// that a rule its gate shut out would have proposed nothing.
#[derive(Clone, Copy)]
pub struct Gate {
    /// Word lists: an item with a word of one of them, in its text, the
    /// code under it, its parent or its section, may concern the rule.
    pub words: fn() -> Vec<&'static Words>,
    /// Other facts that may concern the rule, whatever the words.
    pub also: Option<Also>,
}

/// Facts other than words that open a rule's gate.
pub type Also = fn(&Facts<'_>) -> bool;

const fn gate(words: fn() -> Vec<&'static Words>) -> Option<Gate> {
    Some(Gate { words, also: None })
}

const fn gate_or(words: fn() -> Vec<&'static Words>, also: fn(&Facts<'_>) -> bool) -> Option<Gate> {
    Some(Gate {
        words,
        also: Some(also),
    })
}

/// Every rule, with its gate, in the order ties are broken.
pub const RULES: &[(&str, Rule, Option<Gate>)] = &[
    (
        "http",
        web::http,
        gate_or(
            || vec![web::http_topic()],
            |f| !(f.curls.is_empty() && f.paths.is_empty() && f.urls.is_empty()),
        ),
    ),
    (
        "https_redirect",
        web::https_redirect,
        gate(|| vec![web::https_redirect_topic(), web::redirect_words()]),
    ),
    ("tls", web::tls, gate(|| vec![web::tls_topic()])),
    ("headers", web::headers, gate(|| vec![web::headers_topic()])),
    ("cors", web::cors, gate(|| vec![web::cors_topic()])),
    (
        "rate_limit",
        web::rate_limit,
        gate(|| vec![web::rate_limit_topic()]),
    ),
    ("auth", web::auth, gate(|| vec![web::auth_topic()])),
    ("webhook", web::webhook, gate(|| vec![web::webhook_topic()])),
    (
        "websocket",
        web::websocket,
        gate(|| vec![web::websocket_topic()]),
    ),
    (
        "flow",
        web::flow,
        gate(|| vec![web::flow_topic(), web::flow_crud()]),
    ),
    (
        "load",
        web::load,
        gate_or(|| vec![web::load_topic()], |f| !f.thresholds.is_empty()),
    ),
    ("latency", web::latency, gate(|| vec![web::latency_topic()])),
    ("dns", web::dns, gate(|| vec![web::dns_topic()])),
    (
        "tcp",
        web::tcp,
        gate_or(
            || vec![web::tcp_topic(), web::tcp_all_ports()],
            |f| !f.ports.is_empty(),
        ),
    ),
    (
        "database",
        data::database,
        gate(|| vec![data::database_topic()]),
    ),
    ("redis", data::redis, gate(|| vec![data::redis_topic()])),
    ("amqp", data::amqp, gate(|| vec![data::amqp_topic()])),
    ("smtp", data::smtp, gate(|| vec![data::smtp_topic()])),
    (
        "mongodb",
        data::mongodb,
        gate(|| vec![data::mongodb_topic()]),
    ),
    (
        "migrations",
        data::migrations,
        gate(|| vec![data::migrations_topic()]),
    ),
    ("backup", data::backup, gate(|| vec![data::backup_topic()])),
    (
        "env",
        repo::env,
        gate_or(|| vec![repo::env_topic()], |f| !f.env_names.is_empty()),
    ),
    (
        "gitignore",
        repo::gitignore,
        gate(|| vec![repo::gitignore_topic()]),
    ),
    (
        "secret_scan",
        repo::secret_scan,
        gate(|| vec![repo::secret_scan_topic()]),
    ),
    ("file", repo::file, gate(|| vec![repo::file_topic()])),
    (
        "people",
        people::people,
        gate(|| {
            vec![
                people::manual_verbs(),
                people::created_elsewhere(),
                people::people_topic(),
                people::people_decisive(),
            ]
        }),
    ),
    ("cloud", people::cloud, gate(|| vec![people::cloud_topic()])),
];

/// The rules that may propose something for an item, as bits of their
/// indices in [`RULES`]: those without a gate, and those whose gate has a
/// word the item's texts have.
///
/// Most rules' gates miss most items, and calling each rule to learn so
/// was a third of the mapping's time; a table from each word to the rules
/// it opens answers for all of them at once.
pub fn open_rules(f: &Facts<'_>) -> u32 {
    struct Opened {
        by_word: Vec<u32>,
        /// Rules without a gate, or with a list outside the vocabulary.
        always: u32,
        also: Vec<(u32, Also)>,
    }
    static OPENED: LazyLock<Opened> = LazyLock::new(|| {
        const _: () = assert!(RULES.len() <= 32, "open_rules keeps one bit per rule");
        let mut opened = Opened {
            by_word: vec![0; crate::words::VOCABULARY_LEN],
            always: 0,
            also: Vec::new(),
        };
        for (i, (_, _, gate)) in RULES.iter().enumerate() {
            let bit = 1 << i;
            let Some(gate) = gate else {
                opened.always |= bit;
                continue;
            };
            for words in (gate.words)() {
                match words.members() {
                    Some(members) => {
                        for id in members.ids() {
                            opened.by_word[usize::from(id)] |= bit;
                        }
                    }
                    None => opened.always |= bit,
                }
            }
            if let Some(also) = gate.also {
                opened.also.push((bit, also));
            }
        }
        opened
    });
    let opened = &*OPENED;
    let by_words = f.words().ids().fold(opened.always, |open, id| {
        open | opened.by_word[usize::from(id)]
    });
    opened
        .also
        .iter()
        .filter(|(bit, also)| by_words & bit == 0 && also(f))
        .fold(by_words, |open, (bit, _)| open | bit)
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
