//! Items only people settle, and items only a cloud provider's API can
//! answer.

use golive_core::Class;

use super::{Candidate, Env, score};
use crate::facts::Facts;
use crate::words::Words;

/// Verbs that open a person's task: when an item starts with one, it is
/// manual whatever it is about ("Train support team on the new API",
/// "Choose email provider"). Verbs whose outcome a probe can observe
/// ("Set CORS origins", "Verify SSL certificates") are not here: the rules
/// for their objects decide.
pub(super) fn manual_verbs() -> &'static Words {
    crate::words![
        "train",
        "notify",
        "announce",
        "communicate",
        "document",
        "review",
        "approve",
        "share",
        "schedule",
        "plan",
        "decide",
        "choose",
        "purchase",
        "buy",
        "contact",
        "invite",
        "request",
        "apply",
        "sign",
        "agree",
        "write",
        "draft",
        "publish",
        "inform",
        "call",
        "meet",
        "discuss",
        "collect",
        "gather",
        "assign",
        "hire",
        "negotiate",
        "order",
        "print",
        "read",
        "watch",
        "prepare",
        "celebrate",
        "thank",
        "wait",
        "sleep",
        "pause",
        "remove",
        "stop",
        "investigate",
        "fix",
        "address",
        "customize",
        "import",
        "merge",
        "tag",
        "clone",
        "cd",
        "go",
        "monitor",
        "reload",
        "upload",
        "restore",
        "install",
    ]
}

/// The item's first word: letters, digits and hyphens. Asked of every
/// item, so ASCII text is read as bytes, without decoding characters.
fn first_word(text: &str) -> &str {
    let in_word = |c: char| c.is_alphanumeric() || c == '-';
    if !text.is_ascii() {
        return text
            .split(|c| !in_word(c))
            .find(|w| !w.is_empty())
            .unwrap_or("");
    }
    let bytes = text.as_bytes();
    let in_word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'-';
    let Some(start) = bytes.iter().position(in_word) else {
        return "";
    };
    let len = bytes[start..]
        .iter()
        .position(|b| !in_word(b))
        .unwrap_or(bytes.len() - start);
    &text[start..start + len]
}

/// Words that settle an item as a person's whatever it is about.
pub(super) fn people_decisive() -> &'static Words {
    crate::words![
        "documented",
        "documentation",
        "reviewed",
        "approved",
        "trained",
        "training",
        "up to date",
        "procedures",
        "runbook",
        "runbooks",
        "lessons learned",
        "stakeholders",
        "announcement",
        "logs",
        "no memory leaks",
        "n+1",
        "penetration",
        "vulnerabilities",
        "criteria",
        "guide",
        "guides",
        "decision",
        "implemented",
        "installed",
        "provisioned",
        "performance gain",
        "improvement",
        "data loss",
        "test suites",
        "suites",
    ]
}

/// What a person settles: training, reviews, documents, the business.
pub(super) fn people_topic() -> &'static Words {
    crate::words![
        "trained",
        "training",
        "reviewed",
        "approved",
        "approval",
        "sign-off",
        "signed off",
        "stakeholder",
        "stakeholders",
        "customer",
        "customers",
        "feedback",
        "onboarding",
        "on-call",
        "on call",
        "lessons learned",
        "runbook",
        "runbooks",
        "procedures",
        "procedure",
        "documented",
        "documentation",
        "guide",
        "guides",
        "faq",
        "announce",
        "announcement",
        "social media",
        "email list",
        "marketing",
        "support team",
        "team",
        "incident response",
        "disaster recovery",
        "communication",
        "escalation",
        "contact list",
        "emergency contacts",
        "business",
        "policies",
        "policy",
        "compliance",
        "criteria",
        "estimates",
        "tickets",
        "meeting",
        "calendar",
        "budget",
        "cost",
        "costs",
        "legal",
        "gdpr",
        "terms",
        "privacy policy",
        "payment method",
        "account verified",
        "templates approved",
        "phone number",
        "decision",
        "plan",
        "opt-in",
        "opt-out",
        "manually",
        "printed",
        "no memory leaks",
        "no errors in logs",
        "logs",
        "n+1",
        "penetration",
        "vulnerabilities",
        "vulnerability",
        "trivy",
        "dependency",
        "dependencies",
        "audit",
        "code review",
        "unit tests",
        "integration tests",
        "typescript",
        "eslint",
        "lint",
        "compilation",
        "refactor",
        "optimization",
        "optimized",
        "performance gain",
        "improvement"
    ]
}

/// What "Create" makes at a provider, by a person (an account, an API key).
pub(super) fn created_elsewhere() -> &'static Words {
    crate::words![
        "account",
        "api key",
        "key at",
        "project",
        "plans",
        "pricing",
        "endpoint",
        "index named",
        "webhook"
    ]
}

pub fn people(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let first = first_word(f.lower);
    // "Create API key at platform.openai.com", "Create Stripe account":
    // made by a person at a provider; "Create .env file" is checked by the
    // file it leaves.
    let creates_elsewhere = first == "create" && f.has(created_elsewhere()).is_some();
    if manual_verbs().has_word(first) || creates_elsewhere {
        return Some(Candidate {
            rule: "people",
            class: Class::Manual,
            kind: None,
            checks: Vec::new(),
            needs: Vec::new(),
            why: cat!("opens with `", first, "`: a person's task"),
            score: 88,
        });
    }
    let words = people_topic();
    let decisive = people_decisive();
    let word = f.has(decisive).or_else(|| f.has(words))?;
    // Some words settle it whatever the item is about: a thing documented,
    // reviewed or trained is a person's to judge.

    // A document the item names by its file is checked by the file.
    let strong = f.has(decisive).is_some() && f.files.is_empty();
    Some(Candidate {
        rule: "people",
        class: Class::Manual,
        kind: None,
        checks: Vec::new(),
        needs: Vec::new(),
        why: cat!("`", word, "`: a person settles it"),
        score: if strong { 86 } else { 74 },
    })
}

/// The words `cloud` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn cloud_topic() -> &'static Words {
    crate::words![
        "iam",
        "rds",
        "multi-az",
        "secrets manager",
        "secret manager",
        "cloudwatch",
        "cloud monitoring",
        "ecs",
        "eks",
        "fargate",
        "elasticache",
        "route53",
        "route 53",
        "kms",
        "s3",
        "s3 bucket",
        "cloud run",
        "cloud sql",
        "memorystore",
        "gke",
        "cloud storage",
        "vpc",
        "vpc connector",
        "security group",
        "security groups",
        "load balancer",
        "alb",
        "elb",
        "auto-scaling",
        "autoscaling",
        "auto scaling",
        "scale up",
        "scale down",
        "service account",
        "service accounts",
        "google cloud",
        "gcp",
        "aws",
        "azure",
        "container registry",
        "ecr",
        "cloudfront",
        "cdn",
        "sns",
        "sqs",
        "lambda",
        "waf",
        "log-based metrics",
        "alerting policies",
        "notification channels",
        "alarms",
        "log groups",
        "terraform apply",
        "apis enabled",
        "required apis",
        "lifecycle policy",
        "glacier",
        "buckets",
        "bucket",
        "point-in-time recovery",
        "cloud platform",
        "kubernetes cluster",
        "helm",
        "pods",
        "replicas",
        "monitoring alerts",
        "alerts configured",
        "log aggregation",
        "logs aggregat",
        "datadog",
        "grafana dashboards",
        "uptime monitoring",
        "ram"
    ]
}

pub fn cloud(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let words = cloud_topic();
    let (word, place) = f.topic(words)?;
    if place != crate::facts::Place::Item && !f.terse() {
        return None;
    }
    Some(Candidate {
        rule: "cloud",
        class: Class::Cloud,
        kind: None,
        checks: Vec::new(),
        needs: vec!["a command check in golive.toml (the cloud provider's CLI)".to_string()],
        why: cat!(
            "`",
            word,
            "`",
            place.describe(),
            " needs the cloud provider's API: it runs once golive.toml gives it a command"
        ),
        score: score(76, place),
    })
}

#[cfg(test)]
mod tests {
    use super::first_word;

    proptest::proptest! {
        #[test]
        fn first_word_is_the_first_run_of_letters_digits_and_hyphens(
            text in "[a-z0-9 *_.:`-]{0,12}[é ]?[a-z-]{0,6}",
        ) {
            let reference = text
                .split(|c: char| !c.is_alphanumeric() && c != '-')
                .find(|w| !w.is_empty())
                .unwrap_or("");
            proptest::prop_assert_eq!(first_word(&text), reference);
        }
    }
}
