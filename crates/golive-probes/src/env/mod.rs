//! `env`: the production env file is complete, has no placeholders, holds
//! strong secrets of its own, and turns debugging off.
//!
//! **What it verifies.** Reads the env files given with `--env-file` (or
//! the `file` setting, relative to the repository) as the common dotenv
//! loaders do, and applies these rules, each reported with the variable and
//! its line, never its value:
//! - `missing`: a variable of `.env.example` (or `required`) is absent or empty;
//! - `placeholder`: `your-…`, `changeme`, `xxx`, `<…>`, `todo`, `example`…;
//! - `test_key`: a Stripe test key (`sk_test_`, `rk_test_`, `pk_test_`) in production;
//! - `short_secret`: a secret-named variable (SECRET, KEY, TOKEN, PASSWORD…)
//!   shorter than `min_secret_length` (32);
//! - `low_entropy`: a secret with little randomness (`aaaa…`, `12341234…`);
//! - `same_as_development`: a secret equal to the development file's;
//! - `cors_wildcard`: `*` in a CORS or allowed-hosts variable;
//! - `debug_on`: DEBUG-style flags on, or NODE_ENV/RAILS_ENV/APP_ENV set to development;
//! - `insecure_url`: a URL to a non-local host over a clear-text scheme
//!   (http, ws, redis, amqp, mqtt, ftp) or with `sslmode=disable`.
//!
//! **Why it matters on launch day.** "All secrets are at least 32
//! characters long", "Different secrets for production vs development",
//! "All placeholder credentials removed", "Debug modes disabled": the env
//! file is where a launch quietly goes wrong, and nobody wants to paste its
//! values into a review. This probe reads it so no person has to.
//!
//! **Example.** Checklist: `- [ ] All secrets are at least 32 characters long`.
//!
//! ```toml
//! [[check]]
//! kind = "env"
//! file = ".env.production"
//! example = ".env.example"
//! development = ".env.development"
//! min_secret_length = 32
//! ```
//!
//! Settings: `file` (default: the `--env-file`s), `example` (default
//! `.env.example` beside the file, when it exists), `development` (default
//! the first of `.env.development`, `.env.local`, `.env` beside the file,
//! other than the file itself), `required`, `min_secret_length` (32),
//! `production` (true: test keys and development settings are findings),
//! `ignore` (variables not to judge), `rules` (only these rules).
//!
//! Evidence: `files`, `variables` (count), `findings` (count), `details`
//! (each `file`, `line`, `variable`, `rule`, `message`), `rules` (rule →
//! count). Default expectation: `findings == 0`. Per-rule expectations read
//! like `rules.short_secret == 0`.
//!
//! Answers items like: "All secrets are at least 32 characters long",
//! "Different secrets for production vs development", "All placeholder
//! credentials removed", "Debug modes disabled", "NODE_ENV=production",
//! "Environment variables are set (compare with .env.example)", "No
//! wildcard (*) in CORS".

pub mod dotenv;

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::redact::is_secret_name;
use golive_core::{Evidence, Expectation, Value};
use serde::Deserialize;

use crate::{Context, Kind, Observation, Probe};

pub const RULES: &[&str] = &[
    "missing",
    "placeholder",
    "test_key",
    "short_secret",
    "low_entropy",
    "same_as_development",
    "cors_wildcard",
    "debug_on",
    "insecure_url",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub example: Option<String>,
    #[serde(default)]
    pub development: Option<String>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub min_secret_length: Option<usize>,
    #[serde(default = "yes")]
    pub production: bool,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub rules: Option<Vec<String>>,
}

fn yes() -> bool {
    true
}

pub struct Env {
    file: Option<String>,
    example: Option<String>,
    development: Option<String>,
    required: Vec<String>,
    min_secret_length: usize,
    production: bool,
    ignore: Vec<String>,
    rules: Vec<&'static str>,
}

fn inside(path: &str, what: &str) -> Result<(), String> {
    let p = Path::new(path);
    if p.is_absolute() || p.components().any(|c| c == Component::ParentDir) {
        return Err(format!(
            "`{what}` must stay inside the repository (no leading / or ..)"
        ));
    }
    Ok(())
}

impl Kind for Env {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        for (p, what) in [
            (&s.file, "file"),
            (&s.example, "example"),
            (&s.development, "development"),
        ] {
            if let Some(p) = p {
                inside(p, what)?;
            }
        }
        let rules = match s.rules {
            None => RULES.to_vec(),
            Some(list) => list
                .iter()
                .map(|r| {
                    RULES.iter().copied().find(|x| x == r).ok_or_else(|| {
                        format!("`rules`: unknown rule `{r}` (known: {})", RULES.join(", "))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let min = s.min_secret_length.unwrap_or(32);
        if min == 0 {
            return Err("`min_secret_length` must be at least 1".into());
        }
        Ok(Self {
            file: s.file,
            example: s.example,
            development: s.development,
            required: s.required,
            min_secret_length: min,
            production: s.production,
            ignore: s.ignore,
            rules,
        })
    }
}

/// One broken rule. The message never holds the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub variable: String,
    pub line: usize,
    pub rule: &'static str,
    pub message: String,
}

/// Bits of Shannon entropy per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
    }
    let n = s.chars().count() as f64;
    if n == 0.0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Whether a value is a stand-in left from a template.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim().to_ascii_lowercase();
    if v.is_empty() {
        return false;
    }
    let exact = [
        "changeme",
        "change-me",
        "change_me",
        "replaceme",
        "replace-me",
        "replace_me",
        "todo",
        "tbd",
        "fixme",
        "example",
        "placeholder",
        "secret",
        "password",
        "dummy",
        "none",
        "null",
        "undefined",
        "...",
        "redacted",
        "insert-here",
    ];
    if exact.contains(&v.as_str()) {
        return true;
    }
    if v.len() >= 3 && v.chars().all(|c| c == 'x' || c == '*' || c == '.') {
        return true;
    }
    if v.starts_with('<') && v.ends_with('>') {
        return true;
    }
    if ["your-", "your_", "your "].iter().any(|p| v.starts_with(p)) {
        return true;
    }
    [
        "changeme",
        "change-me",
        "change_me",
        "change-this",
        "change_this",
        "replace-me",
        "replace_me",
        "replace-with",
        "placeholder",
        "xxxxxxxx",
        "example.com",
        "insert_",
        "insert-",
        "_here",
        "-here",
    ]
    .iter()
    .any(|p| v.contains(p))
}

/// Secret-named, and a value one would call a secret (not an id, a URL, a
/// duration or a public key).
fn judged_as_secret(name: &str) -> bool {
    if !is_secret_name(name) {
        return false;
    }
    let upper = name.to_ascii_uppercase();
    let names_something_else = ["PUBLIC", "PUBLISHABLE", "EXPIR", "TTL", "LIFETIME"]
        .iter()
        .any(|w| upper.contains(w));
    let is_setting = [
        "_URL",
        "_URI",
        "_PATH",
        "_FILE",
        "_LENGTH",
        "_ROUNDS",
        "_ALGORITHM",
        "_AGE",
        "_TIMEOUT",
        "_HOST",
        "_PORT",
        "_USER",
        "_USERNAME",
        "_NAME",
        "_HEADER",
        "_ID",
        "_REGION",
    ]
    .iter()
    .any(|w| upper.ends_with(w));
    !(names_something_else || is_setting)
}

fn is_local_host(host: &str) -> bool {
    let h = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    h == "localhost"
        || h.starts_with("127.")
        || h == "::1"
        || h == "0.0.0.0"
        || h.ends_with(".local")
        || h.ends_with(".internal")
        || h.ends_with(".localhost")
        // Names without a dot are service names on a private network
        // (docker compose's `redis`, `db`).
        || !h.contains('.')
        || h.starts_with("10.")
        || h.starts_with("192.168.")
        || (h.starts_with("172.")
            && h.split('.')
                .nth(1)
                .and_then(|s| s.parse::<u8>().ok())
                .is_some_and(|n| (16..=31).contains(&n)))
}

/// A URL to a non-local host over a clear-text scheme: the scheme.
pub fn insecure_url(value: &str) -> Option<&'static str> {
    let v = value.trim();
    let (scheme, rest) = v.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if host_port.starts_with('[') {
        host_port
            .split(']')
            .next()
            .unwrap_or("")
            .trim_start_matches('[')
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.is_empty() || is_local_host(host) {
        return None;
    }
    let clear = match scheme.as_str() {
        "http" => "http",
        "ws" => "ws",
        "redis" => "redis",
        "amqp" => "amqp",
        "mqtt" => "mqtt",
        "ftp" => "ftp",
        "postgres" | "postgresql" | "mysql" | "mariadb"
            if v.to_ascii_lowercase().contains("sslmode=disable")
                || v.to_ascii_lowercase().contains("ssl=false") =>
        {
            "sslmode=disable"
        }
        _ => return None,
    };
    Some(clear)
}

fn debug_on(name: &str, value: &str) -> bool {
    let n = name.to_ascii_uppercase();
    let v = value.trim().to_ascii_lowercase();
    let truthy = matches!(v.as_str(), "true" | "1" | "yes" | "on" | "*");
    match n.as_str() {
        "NODE_ENV" | "RAILS_ENV" | "APP_ENV" | "FLASK_ENV" | "ENVIRONMENT" | "ENV" | "RACK_ENV"
        | "DJANGO_ENV" | "GO_ENV" => {
            matches!(v.as_str(), "development" | "dev" | "local" | "debug")
        }
        _ => (n == "DEBUG" || n.ends_with("_DEBUG") || n.starts_with("DEBUG_")) && truthy,
    }
}

/// The rules applied to one file's variables.
pub fn judge(
    entries: &[dotenv::Entry],
    example: Option<&[dotenv::Entry]>,
    development: Option<&[dotenv::Entry]>,
    s: &Env,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let on = |r: &str| s.rules.contains(&r);
    let skip = |k: &str| s.ignore.iter().any(|i| i == k);
    let mut seen: BTreeMap<&str, &dotenv::Entry> = BTreeMap::new();
    for e in entries {
        // The last definition wins, as in every loader.
        seen.insert(&e.key, e);
    }
    if on("missing") {
        let mut wanted: Vec<(&str, String)> = example
            .unwrap_or(&[])
            .iter()
            .map(|e| (e.key.as_str(), "listed in the example file".to_string()))
            .collect();
        wanted.extend(
            s.required
                .iter()
                .map(|k| (k.as_str(), "required".to_string())),
        );
        let mut done = Vec::new();
        for (k, why) in wanted {
            if skip(k) || done.contains(&k) {
                continue;
            }
            done.push(k);
            match seen.get(k) {
                None => out.push(Finding {
                    variable: k.to_string(),
                    line: 0,
                    rule: "missing",
                    message: format!("{k} is {why} but not set"),
                }),
                Some(e) if e.value.trim().is_empty() => out.push(Finding {
                    variable: k.to_string(),
                    line: e.line,
                    rule: "missing",
                    message: format!("{k} is {why} but empty"),
                }),
                Some(_) => {}
            }
        }
    }
    let dev: HashMap<&str, &str> = development
        .unwrap_or(&[])
        .iter()
        .map(|e| (e.key.as_str(), e.value.as_str()))
        .collect();
    for e in seen.values() {
        let (k, v) = (e.key.as_str(), e.value.as_str());
        if skip(k) || v.trim().is_empty() {
            continue;
        }
        let mut add = |rule: &'static str, message: String| {
            if on(rule) {
                out.push(Finding {
                    variable: k.to_string(),
                    line: e.line,
                    rule,
                    message,
                });
            }
        };
        let placeholder = is_placeholder(v);
        if placeholder {
            add("placeholder", format!("{k} still holds a placeholder"));
        }
        let lower = v.to_ascii_lowercase();
        if s.production
            && ["sk_test_", "rk_test_", "pk_test_", "whsec_test"]
                .iter()
                .any(|p| lower.starts_with(p))
        {
            add(
                "test_key",
                format!("{k} is a Stripe test-mode key in production"),
            );
        }
        if judged_as_secret(k) && !placeholder {
            let len = v.chars().count();
            if len < s.min_secret_length {
                add(
                    "short_secret",
                    format!(
                        "{k} is {len} characters; secrets need at least {}",
                        s.min_secret_length
                    ),
                );
            }
            let distinct = {
                let mut c: Vec<char> = v.chars().collect();
                c.sort_unstable();
                c.dedup();
                c.len()
            };
            if entropy(v) < 3.0 || distinct < 8 {
                add(
                    "low_entropy",
                    format!(
                        "{k} has little randomness ({:.1} bits per character, {distinct} distinct characters); generate it with `golive secrets gen`",
                        entropy(v)
                    ),
                );
            }
            if s.production && dev.get(k).is_some_and(|d| *d == v) {
                add(
                    "same_as_development",
                    format!("{k} is the same in production and development"),
                );
            }
        }
        let upper = k.to_ascii_uppercase();
        if (upper.contains("CORS") || upper.contains("ORIGIN") || upper.contains("ALLOWED_HOSTS"))
            && v.contains('*')
        {
            add("cors_wildcard", format!("{k} allows any origin (`*`)"));
        }
        if s.production && debug_on(k, v) {
            add(
                "debug_on",
                format!("{k} turns on development or debug mode"),
            );
        }
        if let Some(scheme) = insecure_url(v) {
            add(
                "insecure_url",
                format!("{k} points to a remote host without TLS ({scheme})"),
            );
        }
    }
    out.sort_by(|a, b| (a.line, a.rule).cmp(&(b.line, b.rule)));
    out
}

impl Env {
    /// The files to judge, as (shown path, full path).
    fn files(&self, cx: &Context) -> Vec<(String, PathBuf)> {
        match &self.file {
            Some(f) => vec![(f.clone(), cx.repo.join(f))],
            None => cx
                .env_files
                .iter()
                .map(|p| (p.display().to_string(), p.clone()))
                .collect(),
        }
    }

    fn sibling(
        &self,
        cx: &Context,
        file: &Path,
        setting: Option<&String>,
        defaults: &[&str],
    ) -> Option<PathBuf> {
        if let Some(s) = setting {
            return Some(cx.repo.join(s));
        }
        let dir = file.parent().unwrap_or(Path::new("."));
        defaults
            .iter()
            .map(|d| dir.join(d))
            .find(|p| p.is_file() && !same_file(p, file))
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

async fn read(path: &Path) -> Result<Vec<dotenv::Entry>, String> {
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    dotenv::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

#[async_trait]
impl Probe for Env {
    fn target(&self) -> String {
        match &self.file {
            Some(f) => format!("env {f}"),
            None => "env (the --env-file files)".into(),
        }
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![Expectation::new("findings", Op::Eq, Literal::Number(0.0))]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match (evidence.get("findings"), evidence.get("variables")) {
            (Some(Value::Int(0)), Some(n)) => format!("{n} variables, no findings"),
            (Some(f), Some(n)) => format!("{n} variables, {f} findings"),
            _ => String::new(),
        }
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let mut evidence = Evidence::new();
        let files = self.files(cx);
        if files.is_empty() {
            return Observation::failed(
                evidence,
                "no env file to check: give --env-file (or `env_files` in golive.toml), or the `file` setting",
            );
        }
        let mut details = Vec::new();
        let mut counts: BTreeMap<&'static str, usize> = RULES.iter().map(|r| (*r, 0)).collect();
        let mut variables = 0;
        let mut shown = Vec::new();
        for (name, path) in &files {
            shown.push(Value::from(name.clone()));
            let entries = match read(path).await {
                Ok(e) => e,
                Err(why) => {
                    evidence.insert("files".into(), Value::List(shown));
                    return Observation::failed(evidence, why);
                }
            };
            variables += entries.len();
            let example = match self.sibling(
                cx,
                path,
                self.example.as_ref(),
                &[".env.example", ".env.sample", ".env.template"],
            ) {
                Some(p) => match read(&p).await {
                    Ok(e) => Some(e),
                    Err(why) if self.example.is_some() => {
                        return Observation::failed(evidence, why);
                    }
                    Err(_) => None,
                },
                None => None,
            };
            let development = match self.sibling(
                cx,
                path,
                self.development.as_ref(),
                &[".env.development", ".env.local", ".env"],
            ) {
                Some(p) => match read(&p).await {
                    Ok(e) => Some(e),
                    Err(why) if self.development.is_some() => {
                        return Observation::failed(evidence, why);
                    }
                    Err(_) => None,
                },
                None => None,
            };
            for f in judge(&entries, example.as_deref(), development.as_deref(), self) {
                *counts.entry(f.rule).or_default() += 1;
                let mut d = Evidence::new();
                d.insert("file".into(), name.clone().into());
                d.insert("line".into(), f.line.into());
                d.insert("variable".into(), f.variable.into());
                d.insert("rule".into(), f.rule.into());
                d.insert("message".into(), f.message.into());
                details.push(Value::Map(d));
            }
        }
        evidence.insert("files".into(), Value::List(shown));
        evidence.insert("variables".into(), variables.into());
        evidence.insert("findings".into(), details.len().into());
        evidence.insert("details".into(), Value::List(details));
        let rules: Evidence = counts
            .into_iter()
            .map(|(r, n)| (r.to_string(), Value::from(n)))
            .collect();
        evidence.insert("rules".into(), Value::Map(rules));
        Observation::ok(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe() -> Env {
        Env::build(Settings {
            file: None,
            example: None,
            development: None,
            required: vec!["SENTRY_DSN".into()],
            min_secret_length: None,
            production: true,
            ignore: Vec::new(),
            rules: None,
        })
        .unwrap()
    }

    fn rules_for(text: &str, example: &str, dev: &str) -> Vec<(String, &'static str)> {
        let e = dotenv::parse(text.as_bytes()).unwrap();
        let x = dotenv::parse(example.as_bytes()).unwrap();
        let d = dotenv::parse(dev.as_bytes()).unwrap();
        judge(&e, Some(&x), Some(&d), &probe())
            .into_iter()
            .map(|f| (f.variable, f.rule))
            .collect()
    }

    #[test]
    fn each_rule_fires_and_stays_quiet() {
        let strong = "Zx8#qP2v!Lm9@Tr4$Wk7^Hn3&Bd6*Fg1%";
        let found = rules_for(
            &format!(
                "JWT_SECRET={strong}\nSESSION_SECRET=short\nAPI_KEY=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nSTRIPE_SECRET_KEY=sk_test_{strong}\nSMTP_PASSWORD=your-smtp-password\nCORS_ORIGIN=*\nDEBUG=true\nNODE_ENV=development\nAPI_URL=http://api.example.org\nREDIS_URL=redis://redis:6379\nCOOKIE_SECRET={strong}x\nAWS_ACCESS_KEY_ID=AKIA0000EXAMPLE\nJWT_EXPIRES_IN=15m\nSENTRY_DSN=\n"
            ),
            "JWT_SECRET=\nDATABASE_URL=\n",
            &format!("COOKIE_SECRET={strong}x\n"),
        );
        let has = |v: &str, r: &str| found.iter().any(|(a, b)| a == v && *b == r);
        assert!(has("DATABASE_URL", "missing"), "{found:?}");
        assert!(has("SENTRY_DSN", "missing"), "{found:?}");
        assert!(has("SESSION_SECRET", "short_secret"));
        assert!(has("API_KEY", "low_entropy"));
        assert!(has("STRIPE_SECRET_KEY", "test_key"));
        assert!(has("SMTP_PASSWORD", "placeholder"));
        assert!(has("CORS_ORIGIN", "cors_wildcard"));
        assert!(has("DEBUG", "debug_on"));
        assert!(has("NODE_ENV", "debug_on"));
        assert!(has("API_URL", "insecure_url"));
        assert!(has("COOKIE_SECRET", "same_as_development"));
        // Quiet where nothing is wrong.
        assert!(!found.iter().any(|(v, _)| v == "JWT_SECRET"), "{found:?}");
        assert!(!found.iter().any(|(v, _)| v == "REDIS_URL"), "{found:?}");
        assert!(
            !found.iter().any(|(v, _)| v == "AWS_ACCESS_KEY_ID"),
            "{found:?}"
        );
        assert!(
            !found.iter().any(|(v, _)| v == "JWT_EXPIRES_IN"),
            "{found:?}"
        );
        assert!(!has("SMTP_PASSWORD", "short_secret"));
    }

    #[test]
    fn placeholders_and_urls() {
        for p in [
            "your-api-key",
            "changeme",
            "xxx",
            "<token>",
            "REPLACE_ME",
            "insert_key_here",
        ] {
            assert!(is_placeholder(p), "{p}");
        }
        for p in ["production", "8f3a9c2e71b4d605", "https://api.example.org"] {
            assert!(!is_placeholder(p), "{p}");
        }
        assert_eq!(insecure_url("http://api.stripe.com/v1"), Some("http"));
        assert_eq!(insecure_url("https://api.stripe.com/v1"), None);
        assert_eq!(insecure_url("http://localhost:3000"), None);
        assert_eq!(
            insecure_url("redis://user:pw@cache.example.com:6379"),
            Some("redis")
        );
        assert_eq!(insecure_url("rediss://cache.example.com:6379"), None);
        assert_eq!(
            insecure_url("postgres://u:p@db.example.com/x?sslmode=disable"),
            Some("sslmode=disable")
        );
        assert!(entropy("aaaa") < 0.1);
        assert!(entropy("Zx8#qP2v!Lm9@Tr4") > 3.5);
    }
}
