//! Items about the repository and the env file: variables set and strong,
//! ignore rules, hard-coded secrets, files that must exist.

use super::{Candidate, Env, one, s, score, table};
use crate::facts::{Facts, Place};
use crate::words::Words;

/// Variable names that are not environment variables (`SK_LIVE_…`).
fn is_var_name(name: &str) -> bool {
    name.len() > 3 && !name.starts_with("SK_") && !name.starts_with("PK_")
}

/// What `env` is about.
pub(super) fn env_topic() -> &'static Words {
    crate::words![
        "environment variables",
        "environment variable",
        "env vars",
        "env var",
        ".env",
        "env file",
        "secrets",
        "secret",
        "credentials",
        "api key",
        "api keys",
        "password is strong",
        "strong secrets",
        "placeholder",
        "placeholders",
        "debug mode",
        "debug modes",
        "node_env",
        "openssl rand",
        "production vs development",
        "dsn",
        "cors origins",
        "wildcard",
        "sk_live",
        "pk_live",
        "whsec_",
        "secret key",
        "publishable key",
        "webhook secret",
        "variables",
        "url is set",
        "urls are set",
        "set correctly",
    ]
}

pub fn env(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let words = env_topic();
    let (word, place) = match f.topic(words) {
        Some(hit) => hit,
        None if f.env_names.iter().any(|n| is_var_name(n)) => ("a variable name", Place::Item),
        None => return None,
    };
    if place != Place::Item && place != Place::Code && !(f.terse() || f.has_children) {
        return None;
    }
    // Secrets kept in CI (GitHub secrets) are not in the env file.
    let ci = crate::words![
        "github secrets",
        "github actions",
        "ci/cd",
        "ci secrets",
        "gitlab ci",
        "pipeline secrets"
    ];
    if [Place::Item, Place::Parent, Place::Section]
        .into_iter()
        .any(|place| f.within(ci, place).is_some())
    {
        return None;
    }
    // A template (`.env.example`) is a file, not the env.
    if !f.files.is_empty()
        && f.files.iter().all(|p| {
            [".example", ".sample", ".template", ".dist"]
                .iter()
                .any(|t| p.ends_with(t))
        })
    {
        return None;
    }
    // Where secrets are kept in a cloud vault, or rotated on a schedule, a
    // person or the cloud provider answers; a "secret key" in a sentence
    // about training is no variable.
    if f.has(crate::words![
        "secrets manager",
        "secret manager",
        "vault",
        "rotation",
        "rotate",
        "rotated",
        "schedule",
        "share",
        "github secrets",
        "kubernetes secrets",
        "k8s secrets",
        "train",
        "review",
        "stored in"
    ])
    .is_some()
    {
        return None;
    }
    let vars: Vec<String> = f
        .env_names
        .iter()
        .filter(|n| is_var_name(n))
        .cloned()
        .collect();
    let assignment =
        f.item.plain.contains('=') && vars.iter().any(|v| f.item.plain.contains(&cat!(v, "=")));
    let mut rules: Vec<&str> = Vec::new();
    let mut settings = table(&[]);
    if f.has(crate::words![
        "characters",
        "length",
        "long",
        "strong",
        "secure",
        "generate",
        "generated",
        "openssl rand",
        "entropy"
    ])
    .is_some()
    {
        rules.extend(["short_secret", "low_entropy"]);
    }
    if f.has(crate::words![
        "production vs development",
        "different secrets",
        "differ",
        "development"
    ])
    .is_some()
    {
        rules.push("same_as_development");
    }
    if f.has(crate::words![
        "placeholder",
        "placeholders",
        "filled",
        "removed",
        "dummy",
        "example values"
    ])
    .is_some()
    {
        rules.extend(["placeholder", "missing"]);
    }
    if f.has(crate::words![
        "debug",
        "node_env",
        "development variables",
        "logging levels"
    ])
    .is_some()
    {
        rules.push("debug_on");
    }
    if f.has(crate::words!["cors", "wildcard", "origins"])
        .is_some()
    {
        rules.push("cors_wildcard");
    }
    if f.has(crate::words![
        "sk_live",
        "live key",
        "test key",
        "production mode",
        "production api keys"
    ])
    .is_some()
    {
        rules.push("test_key");
    }
    if !vars.is_empty() && !assignment {
        settings.insert(
            "required".into(),
            toml::Value::Array(vars.iter().map(|v| s(v)).collect()),
        );
        rules.extend(["missing", "placeholder"]);
    }
    if rules.is_empty() {
        rules.extend(["missing", "placeholder"]);
    }
    rules.sort_unstable();
    rules.dedup();
    if let Some(len) = f
        .thresholds
        .iter()
        .find(|t| t.expect.field() == "length")
        .and_then(|t| {
            t.expect
                .source()
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse::<i64>().ok())
        })
    {
        settings.insert("min_secret_length".into(), toml::Value::Integer(len));
    }
    settings.insert(
        "rules".into(),
        toml::Value::Array(rules.iter().map(|r| s(r)).collect()),
    );
    let what = if vars.is_empty() {
        String::new()
    } else {
        cat!(" (", vars.join(", "), ")")
    };
    Some(one(
        "env",
        "env",
        settings,
        Vec::new(),
        cat!(
            "`",
            word,
            "`",
            place.describe(),
            what,
            ": the env file is checked for ",
            rules.join(", ")
        ),
        score(
            if assignment {
                90
            } else if vars.is_empty() {
                78
            } else {
                84
            },
            place,
        ),
    ))
}

/// The words `gitignore` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn gitignore_topic() -> &'static Words {
    crate::words![
        ".gitignore",
        "gitignore",
        "not committed",
        "never committed",
        "committed to git",
        "in git",
        "not in git",
        "in version control"
    ]
}

pub fn gitignore(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let (word, place) = f.topic(gitignore_topic())?;
    if place != Place::Item {
        return None;
    }
    let files: Vec<toml::Value> = f
        .files
        .iter()
        .filter(|p| !p.ends_with(".gitignore") && !p.ends_with(".example"))
        .map(|p| s(p))
        .collect();
    let mut settings = table(&[]);
    if files.is_empty() {
        settings.insert("discover".into(), toml::Value::Boolean(true));
    } else {
        settings.insert("paths".into(), toml::Value::Array(files));
    }
    Some(one(
        "gitignore",
        "gitignore",
        settings,
        Vec::new(),
        format!("`{word}`: env and secret files must be ignored by git and not tracked"),
        88,
    ))
}

/// The words `secret_scan` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn secret_scan_topic() -> &'static Words {
    crate::words![
        "hardcoded secrets",
        "hard-coded secrets",
        "hardcoded credentials",
        "hard-coded credentials",
        "hardcoded passwords",
        "secrets in code",
        "secrets in the code",
        "keys in code",
        "credentials in code",
        "gitleaks",
        "trufflehog",
        "secret scanning",
        "secret scan",
        "leaked secrets",
        "detect-secrets",
        "no secrets in",
        "api keys in the repository"
    ]
}

pub fn secret_scan(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let words = secret_scan_topic();
    let word = f.has(words)?;
    Some(one(
        "secret_scan",
        "secret_scan",
        table(&[]),
        Vec::new(),
        format!("`{word}`: the repository is searched for hard-coded secrets"),
        90,
    ))
}

/// A file the item names as existing in the repository.
/// The words `file` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn file_topic() -> &'static Words {
    crate::words![
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
        "available"
    ]
}

pub fn file(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let exists = file_topic();
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
    Some(one(
        "file",
        "file",
        table(&[("path", s(path))]),
        Vec::new(),
        format!("the file `{path}` and `{word}`: it must exist in --repo"),
        80,
    ))
}
