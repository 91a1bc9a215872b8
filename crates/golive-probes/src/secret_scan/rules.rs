//! The rules: what a hard-coded secret looks like. Our own, written from
//! the providers' documented key formats; each rule has an id, a pattern
//! whose first group is the secret, and a check on the candidate (entropy,
//! known example values) that keeps realistic code quiet.
//!
//! All rules run as one `RegexSet` over a file, so a file without secrets,
//! which is nearly every file, costs one pass of one automaton; only the
//! rules that matched run again to find where.

use regex::bytes::{Regex, RegexSet};

/// One kind of secret.
pub struct Rule {
    pub id: &'static str,
    pub description: &'static str,
    pattern: &'static str,
    /// Candidates must reach this many bits of entropy per character.
    min_entropy: f64,
}

pub const RULES: &[Rule] = &[
    Rule {
        id: "aws_access_key_id",
        description: "AWS access key id",
        pattern: r"\b((?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16})\b",
        min_entropy: 3.0,
    },
    Rule {
        id: "aws_secret_access_key",
        description: "AWS secret access key",
        pattern: r#"(?i)aws[a-z0-9_.-]{0,20}secret[a-z0-9_.-]{0,20}["']?\s*(?::=|=>|=|:)\s*["']?([A-Za-z0-9/+=]{40})(?:["'\s,;]|$)"#,
        min_entropy: 4.0,
    },
    Rule {
        id: "stripe_live_key",
        description: "Stripe live secret or restricted key",
        pattern: r"\b((?:sk|rk)_live_[0-9A-Za-z]{20,})",
        min_entropy: 3.0,
    },
    Rule {
        id: "stripe_webhook_secret",
        description: "Stripe webhook signing secret",
        pattern: r"\b(whsec_[0-9A-Za-z+/=]{24,})",
        min_entropy: 3.5,
    },
    Rule {
        id: "slack_token",
        description: "Slack token",
        pattern: r"\b(xox[abposr]-[0-9A-Za-z-]{10,})",
        min_entropy: 3.0,
    },
    Rule {
        id: "slack_webhook",
        description: "Slack incoming webhook URL",
        pattern: r"(https://hooks\.slack\.com/services/T[0-9A-Z]{6,}/B[0-9A-Z]{6,}/[0-9A-Za-z]{16,})",
        min_entropy: 3.0,
    },
    Rule {
        id: "github_token",
        description: "GitHub token",
        pattern: r"\b((?:ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{36}|github_pat_[0-9A-Za-z_]{60,})\b",
        min_entropy: 3.5,
    },
    Rule {
        id: "openai_key",
        description: "OpenAI API key",
        pattern: r"\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}|sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{60,})",
        min_entropy: 3.5,
    },
    Rule {
        id: "anthropic_key",
        description: "Anthropic API key",
        pattern: r"\b(sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,})",
        min_entropy: 3.5,
    },
    Rule {
        id: "google_api_key",
        description: "Google API key",
        pattern: r"\b(AIza[0-9A-Za-z_-]{35})",
        min_entropy: 3.5,
    },
    Rule {
        id: "twilio_api_key",
        description: "Twilio API key",
        pattern: r"\b(SK[0-9a-fA-F]{32})\b",
        min_entropy: 3.0,
    },
    Rule {
        id: "meta_access_token",
        description: "Meta (Facebook, WhatsApp Cloud API) access token",
        pattern: r"\b(EAA[A-Za-z0-9]{80,})",
        min_entropy: 3.5,
    },
    Rule {
        id: "private_key",
        description: "private key",
        // The base64 body must follow: code that merely names the header
        // (a parser, a check) is not a key.
        pattern: r"(-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----)(?:\\r|\\n|\s)*[A-Za-z0-9+/=]{40,}",
        min_entropy: 0.0,
    },
    Rule {
        id: "jwt",
        description: "JSON Web Token",
        pattern: r"\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})",
        min_entropy: 3.0,
    },
    Rule {
        id: "secret_assignment",
        description: "high-entropy value assigned to a secret-like name",
        pattern: r#"(?i)(?:secret|passw(?:or)?d|passwd|pwd|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|auth[_-]?key|signing[_-]?key|credentials?)[a-z0-9_.-]*["'`]?\s*(?::=|=>|=|:)\s*["'`]([^"'`\s(){}\[\]<>,;]{16,200})["'`]"#,
        min_entropy: 3.5,
    },
    Rule {
        id: "secret_assignment",
        description: "high-entropy value assigned to a secret-like name",
        // KEY=value lines of env, ini and shell files, unquoted.
        // Upper-case names only: that is how env files name things, and
        // code's `token_ttl = timedelta(...)` is not a secret.
        pattern: r"(?m)^[ \t]*(?:export[ \t]+)?[A-Z0-9_.-]*(?:SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|ACCESS_KEY|AUTH_KEY|SIGNING_KEY)[A-Z0-9_.-]*[ \t]*[=:][ \t]*([A-Za-z0-9+/=_.~!@%^&*-]{16,200})[ \t]*$",
        min_entropy: 3.5,
    },
];

/// Values that are examples, not secrets: AWS's documented key, and the
/// stand-ins templates use.
fn is_example(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    [
        "example",
        "sample",
        "dummy",
        "placeholder",
        "changeme",
        "your",
        "xxxx",
        "redacted",
        "fake",
        "test",
        "****",
        "<",
        "${",
        "{{",
        "%s",
        "process.env",
        "os.environ",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// Bits of Shannon entropy per byte.
pub fn entropy(s: &[u8]) -> f64 {
    let mut counts = [0usize; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// A secret found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: &'static str,
    pub line: usize,
    /// Byte offset in the file.
    pub offset: usize,
    pub secret: String,
}

/// The rules, compiled once.
pub struct Compiled {
    set: RegexSet,
    each: Vec<Regex>,
    rules: Vec<&'static Rule>,
}

impl Compiled {
    pub fn new(only: Option<&[String]>) -> Result<Self, String> {
        let rules: Vec<&'static Rule> = RULES
            .iter()
            .filter(|r| only.is_none_or(|o| o.iter().any(|x| x == r.id)))
            .collect();
        let set = RegexSet::new(rules.iter().map(|r| r.pattern))
            .map_err(|e| format!("secret rules do not compile: {e}"))?;
        let each = rules
            .iter()
            .map(|r| Regex::new(r.pattern))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("secret rules do not compile: {e}"))?;
        Ok(Self { set, each, rules })
    }

    /// Every secret in `content`. Lines carrying `marker` are skipped.
    pub fn scan(&self, content: &[u8], marker: &str) -> Vec<Hit> {
        let matched = self.set.matches(content);
        if !matched.matched_any() {
            return Vec::new();
        }
        let mut hits: Vec<Hit> = Vec::new();
        for i in matched.iter() {
            let rule = self.rules[i];
            for caps in self.each[i].captures_iter(content) {
                let Some(m) = caps.get(1) else { continue };
                let value = m.as_bytes();
                let text = String::from_utf8_lossy(value);
                if rule.min_entropy > 0.0
                    && (entropy(value) < rule.min_entropy || is_example(&text))
                {
                    continue;
                }
                if rule.id == "secret_assignment" && !looks_random(value) {
                    continue;
                }
                let line_start = content[..m.start()]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1);
                let line_end = content[m.start()..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(content.len(), |p| m.start() + p);
                let line_text = &content[line_start..line_end];
                if !marker.is_empty() && contains(line_text, marker.as_bytes()) {
                    continue;
                }
                if hits.iter().any(|h| h.offset == m.start()) {
                    continue;
                }
                let line = content[..m.start()].iter().filter(|&&b| b == b'\n').count() + 1;
                hits.push(Hit {
                    rule: rule.id,
                    line,
                    offset: m.start(),
                    secret: text.into_owned(),
                });
            }
        }
        // A key inside a longer match (a JWT in an assignment) is reported once.
        hits.sort_by_key(|h| (h.offset, std::cmp::Reverse(h.secret.len())));
        let mut kept: Vec<Hit> = Vec::new();
        for h in hits {
            if let Some(prev) = kept.last()
                && h.offset < prev.offset + prev.secret.len()
            {
                continue;
            }
            kept.push(h);
        }
        kept
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// A generic candidate must mix kinds of characters, as generated secrets
/// do, and not read like an identifier or a path.
fn looks_random(v: &[u8]) -> bool {
    let lower = v.iter().any(u8::is_ascii_lowercase);
    let upper = v.iter().any(u8::is_ascii_uppercase);
    let digit = v.iter().any(u8::is_ascii_digit);
    let classes = [lower, upper, digit].iter().filter(|&&x| x).count();
    let pathish = v.iter().filter(|&&b| b == b'/' || b == b'.').count() > 2;
    // `$2b$12$…` (bcrypt), `$argon2id$…`: hashes and variables, not secrets.
    let hashed = v.first() == Some(&b'$');
    classes >= 2 && digit && !pathish && !hashed
}

/// A secret shown safely: its first characters and its length.
pub fn redact(rule: &str, secret: &str) -> String {
    if rule == "private_key" {
        return secret.to_string();
    }
    let n = secret.chars().count();
    let keep = if n >= 16 { 4 } else { 2 };
    let head: String = secret.chars().take(keep).collect();
    format!("{head}…[redacted, {n} chars]")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Secrets are assembled at run time so that this file holds none.
    fn k(parts: &[&str]) -> String {
        parts.concat()
    }

    #[test]
    fn each_rule_finds_its_secret() {
        let c = Compiled::new(None).unwrap();
        let cases = [
            ("aws_access_key_id", k(&["AKIA", "Q3ZT7WJ5XK2LPM4N"])),
            (
                "aws_secret_access_key",
                k(&[
                    "aws_secret_access_key = \"",
                    "wJa9rXUtnF3MI7K7MDENGbPxRfiCY1f9Zq3Lk2Hd",
                    "\"",
                ]),
            ),
            (
                "stripe_live_key",
                k(&["sk_", "live_", "51Hq8ZtK2eZvKYlo2C9xJw3Rb7Np"]),
            ),
            (
                "stripe_webhook_secret",
                k(&["whsec_", "8fJ2kLq9ZxR4tY7uP3mN6bV1cW5eH0aS"]),
            ),
            (
                "slack_token",
                k(&["xox", "b-2814375912-4828103948120-Zq8wR3tYk2Lp9MxN7vB4cJ6h"]),
            ),
            (
                "slack_webhook",
                k(&[
                    "https://hooks.slack.com/services/",
                    "T024BE7LD/B0Q3ZK5QX/Xq9mR2tLk8Zp4WvN7bY3cJ5h",
                ]),
            ),
            (
                "github_token",
                k(&["ghp_", "8Zq2mR5tLk9Xp4WvN7bY3cJ6hF1dS0aG2eT7"]),
            ),
            (
                "openai_key",
                k(&[
                    "sk-proj-",
                    "Zq8wR3tYk2Lp9MxN7vB4",
                    "T3BlbkFJ",
                    "cJ6hF1dS0aG2eT7uI5oP",
                ]),
            ),
            (
                "anthropic_key",
                k(&[
                    "sk-ant-",
                    "api03-",
                    &"Zq8wR3tYk2Lp9MxN7vB4cJ6hF1dS0aG2eT7uI5oP".repeat(2),
                    "AA",
                ]),
            ),
            (
                "google_api_key",
                k(&["AIza", "SyD8Zq2mR5tLk9Xp4WvN7bY3cJ6hF1dS0aG"]),
            ),
            (
                "twilio_api_key",
                k(&["SK", "4f8a9c2e71b4d6053e9f1a7c2b8d4e60"]),
            ),
            (
                "meta_access_token",
                k(&[
                    "EAA",
                    "GZq8wR3tYk2Lp9MxN7vB4cJ6hF1dS0aG2eT7uI5oPZq8wR3tYk2Lp9MxN7vB4cJ6hF1dS0aG2eT7uI5oP",
                ]),
            ),
            (
                "private_key",
                k(&[
                    "-----BEGIN RSA ",
                    "PRIVATE KEY-----\nMIIEowIBAAKCAQEAx8Zq2mR5tLk9Xp4WvN7bY3cJ6hF1dS0aG2eT7uI5oP\n",
                ]),
            ),
            (
                "jwt",
                k(&[
                    "eyJhbGciOiJIUzI1NiJ9",
                    ".",
                    "eyJzdWIiOiIxMjM0NTY3ODkwIn0",
                    ".",
                    "Zq8wR3tYk2Lp9MxN7vB4cJ6h",
                ]),
            ),
            (
                "secret_assignment",
                k(&["const apiSecret = \"", "Zq8wR3tYk2Lp9MxN7vB4cJ6h", "\";"]),
            ),
            (
                "secret_assignment",
                k(&["SESSION_SECRET=", "Zq8wR3tYk2Lp9MxN7vB4cJ6h"]),
            ),
        ];
        for (rule, text) in &cases {
            let content = format!("line one\n  {text}\nline three\n");
            let hits = c.scan(content.as_bytes(), "golive:allow");
            assert!(
                hits.iter().any(|h| h.rule == *rule && h.line == 2),
                "{rule} not found in {content:?}: {hits:?}"
            );
            // The marker goes on the line where the secret starts.
            let first = text.lines().next().unwrap_or("");
            let marked = content.replace(first, &format!("{first} // golive:allow"));
            assert!(
                c.scan(marked.as_bytes(), "golive:allow").is_empty(),
                "{rule} marker"
            );
        }
    }

    #[test]
    fn realistic_code_is_quiet() {
        let c = Compiled::new(None).unwrap();
        let code = r#"
const token = req.headers.authorization?.split(" ")[1];
const password = process.env.DB_PASSWORD;
let secret_key = "your-secret-key-here-change-me";
api_key: "${API_KEY}"
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
if (pem.startsWith("-----BEGIN PRIVATE KEY-----")) { parse(pem) }
password_hash = "$2b$12$abcdefghijklmnopqrstuv"
tokenizer = "bert-base-uncased-tokenizer"
const SECRET_HEADER = "x-webhook-signature-header";
sha = "3f786850e387550fdab836ed7e6dc881de23001b"
"#;
        let hits = c.scan(code.as_bytes(), "golive:allow");
        assert!(hits.is_empty(), "{hits:?}");
    }

    #[test]
    fn redaction_keeps_a_hint_only() {
        let r = redact(
            "stripe_live_key",
            &k(&["sk_", "live_", "51Hq8ZtK2eZvKYlo2C9xJw3Rb7Np"]),
        );
        assert_eq!(r, "sk_l…[redacted, 36 chars]");
    }
}
