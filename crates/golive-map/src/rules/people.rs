//! Items only people settle, and items only a cloud provider's API can
//! answer.

use golive_core::Class;

use super::{Candidate, Env, score};
use crate::facts::Facts;

/// Verbs that open a person's task: when an item starts with one, it is
/// manual whatever it is about ("Train support team on the new API",
/// "Choose email provider"). Verbs whose outcome a probe can observe
/// ("Set CORS origins", "Verify SSL certificates") are not here: the rules
/// for their objects decide.
const MANUAL_VERBS: &[&str] = &[
    "train", "notify", "announce", "communicate", "document", "review", "approve", "share", "schedule", "plan", "decide",
    "choose", "purchase", "buy", "contact", "invite", "request", "apply", "sign", "agree", "write", "draft", "publish",
    "inform", "email", "call", "meet", "discuss", "collect", "gather", "assign", "hire", "negotiate", "order", "print",
    "read", "watch", "prepare", "celebrate", "thank", "wait", "sleep", "pause", "remove", "stop", "investigate",
    "fix", "address", "customize", "import", "merge", "tag", "clone", "cd", "login", "log", "go",
];

pub fn people(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let first = f.lower.split(|c: char| !c.is_alphanumeric() && c != '-').find(|w| !w.is_empty()).unwrap_or("");
    // "Create API key at platform.openai.com", "Create Stripe account":
    // made by a person at a provider; "Create .env file" is checked by the
    // file it leaves.
    let creates_elsewhere = first == "create"
        && f.has(crate::words!["account", "api key", "key at", "project", "plans", "pricing", "endpoint", "index named", "user for", "webhook"]).is_some();
    if MANUAL_VERBS.contains(&first) || creates_elsewhere {
        return Some(Candidate {
            rule: "people",
            class: Class::Manual,
            kind: None,
            checks: Vec::new(),
            needs: Vec::new(),
            why: format!("opens with `{first}`: a person's task"),
            score: 88,
        });
    }
    let words = crate::words![
        "trained", "training", "reviewed", "approved", "approval", "sign-off", "signed off", "stakeholder", "stakeholders",
        "customer", "customers", "feedback", "onboarding", "on-call", "on call", "lessons learned", "runbook", "runbooks",
        "procedures", "procedure", "documented", "documentation", "guide", "guides", "faq", "announce", "announcement",
        "social media", "email list", "marketing", "support team", "team", "incident response", "disaster recovery",
        "communication", "escalation", "contact list", "emergency contacts", "business", "policies", "policy", "compliance",
        "criteria", "estimates", "tickets", "meeting", "calendar", "budget", "cost", "costs", "legal", "gdpr", "terms",
        "privacy policy", "payment method", "account verified", "templates approved", "phone number", "decision", "plan",
        "opt-in", "opt-out", "manually", "printed", "no memory leaks", "no errors in logs", "logs", "n+1", "penetration",
        "vulnerabilities", "vulnerability", "trivy", "dependency", "dependencies", "audit", "code review", "unit tests",
        "integration tests", "typescript", "eslint", "lint", "compilation", "refactor", "optimization", "optimized",
        "performance gain", "improvement"
    ];
    let word = f.has(words)?;
    // Some words settle it whatever the item is about: a thing documented,
    // reviewed or trained is a person's to judge.
    let decisive = crate::words![
        "documented", "documentation", "reviewed", "approved", "trained", "training", "up to date", "procedures", "runbook",
        "runbooks", "lessons learned", "stakeholders", "announcement", "logs", "no memory leaks", "n+1", "penetration",
        "vulnerabilities", "criteria", "guide", "guides", "decision"
    ];
    let strong = f.has(decisive).is_some();
    Some(Candidate {
        rule: "people",
        class: Class::Manual,
        kind: None,
        checks: Vec::new(),
        needs: Vec::new(),
        why: format!("`{word}`: a person settles it"),
        score: if strong { 86 } else { 74 },
    })
}

pub fn cloud(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let words = crate::words![
        "iam", "rds", "multi-az", "secrets manager", "secret manager", "cloudwatch", "cloud monitoring", "ecs", "eks", "fargate",
        "elasticache", "route53", "route 53", "kms", "s3", "s3 bucket", "cloud run", "cloud sql", "memorystore", "gke",
        "cloud storage", "vpc", "vpc connector", "security group", "security groups", "load balancer", "alb", "elb",
        "auto-scaling", "autoscaling", "auto scaling", "scale up", "scale down", "service account", "service accounts",
        "google cloud", "gcp", "aws", "azure", "container registry", "ecr", "cloudfront", "cdn", "sns", "sqs", "lambda",
        "waf", "log-based metrics", "alerting policies", "notification channels", "alarms", "log groups", "terraform apply",
        "apis enabled", "required apis", "lifecycle policy", "glacier", "buckets", "bucket", "point-in-time recovery",
        "cloud platform", "kubernetes cluster", "helm", "pods", "replicas", "monitoring alerts", "alerts configured",
        "log aggregation", "logs aggregat", "datadog", "grafana dashboards", "uptime monitoring", "cpu", "memory usage",
        "cpu utilization", "memory and cpu", "static ip", "server provisioned", "ram"
    ];
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
        why: format!("`{word}`{} needs the cloud provider's API: it runs once golive.toml gives it a command", place.describe()),
        score: score(70, place),
    })
}
