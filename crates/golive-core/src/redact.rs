//! Redaction: no secret reaches a report, a log or the store.
//!
//! Two nets. The first knows the secrets by value: every env value whose
//! name says it is secret, every password inside a URL, every value a config
//! marks secret. The second knows secrets by shape wherever they come from:
//! passwords in URLs, bearer tokens, JWTs.

use std::borrow::Cow;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex::Regex;

use crate::value::{Evidence, Value};

pub const REDACTED: &str = "[redacted]";

/// Shorter values are not treated as secrets by value: redacting every "1"
/// or "dev" would make reports unreadable, and such values protect nothing.
const MIN_SECRET_LEN: usize = 6;

static URL_PASSWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b([a-z][a-z0-9+.-]{1,20}://[^:/?#@\s]*:)([^@\s/?#]+)(@)")
        .expect("static regex")
});
static BEARER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=-]{8,}").expect("static regex")
});
static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*").expect("static regex")
});

/// Whether a variable or header name says its value is secret.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if [
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "TOKEN",
        "APIKEY",
        "PRIVATE",
        "CREDENTIAL",
    ]
    .iter()
    .any(|w| upper.contains(w))
    {
        return true;
    }
    upper.split(|c: char| !c.is_ascii_alphanumeric()).any(|t| {
        matches!(
            t,
            "PASS" | "PWD" | "KEY" | "SALT" | "COOKIE" | "SIGNATURE" | "DSN" | "AUTH"
        )
    })
}

/// The password in a URL (`postgres://user:PASSWORD@host`), if any.
pub fn url_password(value: &str) -> Option<&str> {
    URL_PASSWORD
        .captures(value)
        .and_then(|c| c.get(2))
        .map(|m| m.as_str())
}

/// Replaces known secrets and secret-shaped text.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
    matcher: Option<AhoCorasick>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secrets themselves, not even in debug output.
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut r = Self::default();
        r.extend(secrets);
        r
    }

    /// Learns the secrets in a set of variables: values of secret-named
    /// variables and passwords in any URL value.
    pub fn from_vars<'a>(vars: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut secrets = Vec::new();
        for (name, value) in vars {
            if is_secret_name(name) {
                secrets.push(value.to_string());
            }
            if let Some(pw) = url_password(value) {
                secrets.push(pw.to_string());
                if let Ok(decoded) = percent_decode(pw) {
                    secrets.push(decoded);
                }
            }
        }
        Self::new(secrets)
    }

    pub fn extend(&mut self, secrets: impl IntoIterator<Item = String>) {
        for s in secrets {
            let s = s.trim().to_string();
            if s.chars().count() >= MIN_SECRET_LEN && !self.secrets.contains(&s) {
                self.secrets.push(s);
            }
        }
        // Longest first, so that a secret containing another is replaced whole.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        self.matcher = if self.secrets.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(&self.secrets)
                .ok()
        };
    }

    pub fn merge(&mut self, other: &Redactor) {
        self.extend(other.secrets.iter().cloned());
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out: Cow<'a, str> = Cow::Borrowed(text);
        if let Some(m) = &self.matcher
            && m.is_match(text)
        {
            let replacements = vec![REDACTED; self.secrets.len()];
            out = Cow::Owned(m.replace_all(text, &replacements));
        }
        for (re, rep) in [
            (&*URL_PASSWORD, "${1}[redacted]${3}"),
            (&*BEARER, "${1}${2}[redacted]"),
            (&*JWT, "[redacted-jwt]"),
        ] {
            if re.is_match(&out) {
                out = Cow::Owned(re.replace_all(&out, rep).into_owned());
            }
        }
        out
    }

    pub fn redact_string(&self, s: &mut String) {
        if let Cow::Owned(new) = self.redact(s) {
            *s = new;
        }
    }

    pub fn redact_evidence(&self, evidence: &mut Evidence) {
        for value in evidence.values_mut() {
            self.redact_value(value);
        }
    }

    pub fn redact_value(&self, value: &mut Value) {
        value.map_strings(&|s| match self.redact(s) {
            Cow::Owned(new) => Some(new),
            Cow::Borrowed(_) => None,
        });
    }
}

fn percent_decode(s: &str) -> Result<String, ()> {
    if !s.contains('%') {
        return Err(());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).map_err(|_| ())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| ())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_known_values_and_shapes() {
        let r = Redactor::from_vars([
            ("JWT_SECRET", "s3cr3t-value-123456"),
            ("DATABASE_URL", "postgres://app:p%40ss-word@db:5432/x"),
            ("PORT", "5432"),
            ("NODE_ENV", "production"),
        ]);
        let text = "secret s3cr3t-value-123456 in postgres://app:p%40ss-word@db/x and p@ss-word, port 5432 production";
        let out = r.redact(text);
        assert!(!out.contains("s3cr3t"), "{out}");
        assert!(!out.contains("ss-word"), "{out}");
        assert!(out.contains("5432") && out.contains("production"), "{out}");
        let out = Redactor::default()
            .redact("curl -H 'Authorization: Bearer abcdefghijk123' https://u:pw12@h/");
        assert_eq!(
            out,
            "curl -H 'Authorization: Bearer [redacted]' https://u:[redacted]@h/"
        );
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature";
        assert_eq!(Redactor::default().redact(jwt), "[redacted-jwt]");
    }

    #[test]
    fn secret_names() {
        for n in [
            "JWT_SECRET",
            "DB_PASSWORD",
            "STRIPE_API_KEY",
            "GITHUB_TOKEN",
            "SENTRY_DSN",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "SMTP_PASS",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "PORT",
            "NODE_ENV",
            "DATABASE_URL",
            "CORS_ORIGIN",
            "KEYBOARD",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }
}
