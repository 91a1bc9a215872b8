//! The rules, one function per family of items. Each looks at an item's
//! facts and proposes a candidate with a score and the words that made it;
//! the highest score wins, and nothing beats `manual` unless it is sure.

use golive_core::expect::Expectation;
use golive_core::{Class, ProbeKind, Threshold};

use crate::facts::{Facts, is_placeholder_host, split_url};

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
    pub checks: Vec<Draft>,
    pub why: String,
    /// 0–100: how sure the rule is.
    pub score: u8,
}

pub type Rule = fn(&Facts<'_>, &[Threshold]) -> Option<Candidate>;

/// Every rule, in the order ties are broken.
pub const RULES: &[(&str, Rule)] = &[
    ("http", http),
    ("tcp", tcp),
    ("file", file),
    ("cloud", cloud),
    ("manual", manual_words),
];

fn table(pairs: &[(&str, toml::Value)]) -> toml::Table {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), v.clone()))
        .collect()
}

fn s(v: &str) -> toml::Value {
    toml::Value::String(v.to_string())
}

/// The URL a check should use: placeholder hosts are rebased onto the
/// deployment's URL (`${app}`); real hosts are kept.
fn rebase(url: &str) -> (String, Option<String>) {
    let Some((host, port, path)) = split_url(url) else {
        return (url.to_string(), None);
    };
    if is_placeholder_host(&host) {
        let shown = match port {
            Some(p) => format!("{host}:{p}"),
            None => host,
        };
        (format!("${{app}}{path}"), Some(shown))
    } else {
        (url.to_string(), None)
    }
}

fn status_expectation(f: &Facts<'_>) -> Option<Expectation> {
    let re = regex_lite_status(&f.lower)?;
    Expectation::parse(&format!("status == {re}")).ok()
}

/// A three-digit status the item names ("returns 200 OK", "HTTP 204").
fn regex_lite_status(lower: &str) -> Option<u16> {
    for word in lower.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.len() == 3
            && let Ok(n) = word.parse::<u16>()
            && (200..600).contains(&n)
        {
            return Some(n);
        }
    }
    None
}

fn time_thresholds(thresholds: &[Threshold]) -> Vec<Expectation> {
    thresholds
        .iter()
        .filter(|t| t.expect.field() == "time")
        .map(|t| t.expect.clone())
        .collect()
}

/// An HTTP request the item shows (`curl` under it) or names (a URL or path
/// with words about answering).
pub fn http(f: &Facts<'_>, thresholds: &[Threshold]) -> Option<Candidate> {
    let answer = crate::words![
        "health",
        "healthcheck",
        "endpoint",
        "endpoints",
        "returns",
        "return",
        "responds",
        "respond",
        "responding",
        "accessible",
        "reachable",
        "loads",
        "available",
        "status",
        "200",
        "up",
        "api",
        "https access",
        "gateway",
    ];
    let mut expect_extra = time_thresholds(thresholds);
    if let Some(e) = status_expectation(f) {
        expect_extra.insert(0, e);
    }
    for (k, v) in &f.expected_json {
        let key = if k
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            k.clone()
        } else {
            format!("{k:?}")
        };
        if let Ok(e) = Expectation::parse(&format!("json.{key} == {v:?}")) {
            expect_extra.push(e);
        }
    }
    let gets: Vec<_> = f
        .curls
        .iter()
        .filter(|c| c.method == "GET" && c.data.is_none())
        .collect();
    if !gets.is_empty() {
        let mut checks = Vec::new();
        let mut rebased = Vec::new();
        for c in gets.iter().take(4) {
            let (url, from) = rebase(&c.url);
            if url.contains("${") && !url.starts_with("${app}") {
                continue;
            }
            rebased.extend(from);
            let mut settings = table(&[("url", s(&url))]);
            if c.follow {
                settings.insert("follow_redirects".into(), toml::Value::Boolean(true));
            }
            let mut expect = expect_extra.clone();
            if expect.iter().all(|e| e.field() != "status") && c.fail {
                expect.insert(0, Expectation::parse("status < 400").expect("valid"));
            }
            checks.push(Draft {
                kind: ProbeKind::Http,
                settings,
                expect,
            });
        }
        if checks.is_empty() {
            return None;
        }
        let mut why = format!(
            "`curl` under the item: {}",
            gets.iter()
                .map(|c| c.url.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !rebased.is_empty() {
            why.push_str(&format!("; {} rebased onto --url", rebased.join(", ")));
        }
        return Some(Candidate {
            rule: "http",
            class: Class::Live,
            checks,
            why,
            score: 90,
        });
    }
    if f.curls
        .iter()
        .any(|c| c.method != "GET" || c.data.is_some())
    {
        return None;
    }
    let word = f.has(answer)?;
    let target = f
        .urls
        .iter()
        .map(|u| rebase(u))
        .find(|(u, _)| !u.contains("${") || u.starts_with("${app}"))
        .map(|(u, from)| (u, from, true))
        .or_else(|| {
            f.paths
                .first()
                .map(|p| (format!("${{app}}{p}"), None, false))
        })?;
    let (url, from, was_url) = target;
    let mut why = format!(
        "`{word}` and {} `{}`",
        if was_url { "the URL" } else { "the path" },
        url.replace("${app}", "")
    );
    if let Some(from) = from {
        why.push_str(&format!("; {from} rebased onto --url"));
    }
    Some(Candidate {
        rule: "http",
        class: Class::Live,
        checks: vec![Draft {
            kind: ProbeKind::Http,
            settings: table(&[("url", s(&url))]),
            expect: expect_extra,
        }],
        why,
        score: 75,
    })
}

/// A port that must be open, or closed.
pub fn tcp(f: &Facts<'_>, _: &[Threshold]) -> Option<Candidate> {
    let port = *f.ports.first()?;
    // "from specific IPs" depends on where one stands: not verifiable from here.
    if f.has(crate::words![
        "from specific",
        "only from",
        "restricted to",
        "whitelisted",
        "allowlisted",
        "from your ip",
    ])
    .is_some()
    {
        return None;
    }
    let closed = f.has(crate::words![
        "block",
        "blocked",
        "closed",
        "close",
        "deny",
        "denied",
        "not exposed",
        "not reachable",
        "not accessible",
        "not open",
    ]);
    let open = f.has(crate::words![
        "allow",
        "allowed",
        "open",
        "opened",
        "listening",
        "listens",
        "reachable",
        "accessible",
        "exposed",
        "accepts",
    ]);
    let (closed, word) = match (closed, open) {
        (Some(w), _) => (true, w),
        (None, Some(w)) => (false, w),
        (None, None) => return None,
    };
    let mut settings = table(&[
        ("host", s("${app}")),
        ("port", toml::Value::Integer(i64::from(port))),
    ]);
    if closed {
        settings.insert("closed".into(), toml::Value::Boolean(true));
    }
    Some(Candidate {
        rule: "tcp",
        class: Class::Live,
        checks: vec![Draft {
            kind: ProbeKind::Tcp,
            settings,
            expect: Vec::new(),
        }],
        why: format!(
            "`port {port}` and `{word}`: the port must be {} on the --url host",
            if closed { "closed" } else { "open" }
        ),
        score: 80,
    })
}

/// A file the item names as existing in the repository.
pub fn file(f: &Facts<'_>, _: &[Threshold]) -> Option<Candidate> {
    let exists = crate::words![
        "created",
        "exists",
        "exist",
        "present",
        "generated",
        "added",
        "committed",
        "in place",
        "written",
        "documented",
        "ready",
        "prepared",
    ];
    let word = f.has(exists)?;
    // Real env files and ignore rules are other probes' business; the
    // committed templates (`.env.example`) are files like any other.
    let template = |p: &str| {
        [".example", ".sample", ".template", ".dist"]
            .iter()
            .any(|t| p.ends_with(t))
    };
    let path = f
        .files
        .iter()
        .find(|p| (!p.starts_with(".env") || template(p)) && !p.ends_with(".gitignore"))?;
    Some(Candidate {
        rule: "file",
        class: Class::Repo,
        checks: vec![Draft {
            kind: ProbeKind::File,
            settings: table(&[("path", s(path))]),
            expect: Vec::new(),
        }],
        why: format!("the file `{path}` and `{word}`: it must exist in --repo"),
        score: 60,
    })
}

/// Items only a cloud provider's API can answer.
pub fn cloud(f: &Facts<'_>, _: &[Threshold]) -> Option<Candidate> {
    let cloud = crate::words![
        "iam",
        "rds",
        "multi-az",
        "secrets manager",
        "secret manager",
        "cloudwatch",
        "ecs",
        "eks",
        "fargate",
        "elasticache",
        "route53",
        "route 53",
        "kms",
        "s3 bucket",
        "s3",
        "cloud run",
        "cloud sql",
        "memorystore",
        "gke",
        "cloud storage",
        "vpc",
        "security group",
        "security groups",
        "load balancer",
        "alb",
        "elb",
        "auto-scaling",
        "autoscaling",
        "auto scaling",
        "service account",
        "service accounts",
        "google cloud",
        "gcp",
        "aws",
        "azure",
        "container registry",
        "ecr",
        "terraform",
        "kubernetes",
        "k8s",
        "cloudfront",
        "cdn",
        "sns",
        "sqs",
        "lambda",
        "api gateway",
        "waf",
    ];
    let word = f.has(cloud)?;
    Some(Candidate {
        rule: "cloud",
        class: Class::Cloud,
        checks: Vec::new(),
        why: format!(
            "`{word}` needs the cloud provider's API: it runs once golive.toml gives it a command"
        ),
        score: 50,
    })
}

/// Words that say a person does this.
pub fn manual_words(f: &Facts<'_>, _: &[Threshold]) -> Option<Candidate> {
    let people = crate::words![
        "train",
        "trained",
        "training",
        "review",
        "reviewed",
        "approve",
        "approved",
        "approval",
        "sign",
        "signed",
        "notify",
        "announce",
        "communicate",
        "document",
        "documented",
        "purchase",
        "purchased",
        "buy",
        "schedule",
        "scheduled",
        "decide",
        "decision",
        "plan",
        "meeting",
        "stakeholder",
        "stakeholders",
        "customer",
        "customers",
        "team",
        "feedback",
        "onboarding",
        "contact",
        "contacts",
        "agree",
        "agreed",
        "share",
        "lessons",
        "on-call",
    ];
    let word = f.has(people)?;
    Some(Candidate {
        rule: "manual",
        class: Class::Manual,
        checks: Vec::new(),
        why: format!("`{word}`: a person's task"),
        score: 55,
    })
}
