//! `cors`: unauthorised origins are refused, authorised ones allowed.
//!
//! **What it verifies.** Sends CORS preflights (`OPTIONS` with
//! `Access-Control-Request-Method`) and simple requests carrying hostile
//! `Origin`s — an arbitrary origin, `null`, the allowed origin with a prefix
//! (`https://evilapp.example.com`) and with a suffix
//! (`https://app.example.com.evil.invalid`) added, its `http://` twin, and a
//! sub-domain — and reads `Access-Control-Allow-Origin` and
//! `-Credentials`. An origin is allowed when the server echoes it (or
//! answers `*`). It fails when a hostile origin is allowed, when `*` comes
//! with credentials, and when an allowed origin (from `allowed_origins`, or
//! `CORS_ORIGIN` in the env file) is refused: a policy that refuses
//! everyone breaks the front end.
//!
//! **Why it matters on launch day.** "CORS is blocking unauthorized
//! origins" and "never use wildcard (*) in production" are on every
//! checklist; the common mistakes — reflecting any Origin with credentials,
//! an unanchored regular expression, trusting `null` — let any web page read
//! a logged-in user's data, and no functional test notices them.
//!
//! **Example.** Checklist: `- [ ] CORS is blocking unauthorized origins`.
//!
//! ```toml
//! [[check]]
//! kind = "cors"
//! url = "${app}/api/v1/me"
//! allowed_origins = ["https://app.example.com"]
//! ```
//!
//! Settings: `url`, `allowed_origins` (default: `CORS_ORIGIN`,
//! `CORS_ORIGINS` or `ALLOWED_ORIGINS` from the env file, comma-separated),
//! `method` (asked for in preflights, POST), `request_headers`
//! (`content-type`, `authorization`), `headers` (sent with every request),
//! `public` (a deliberate `*` for public, credential-less data is fine),
//! `allow_subdomains` (sub-domains of the allowed origins are meant to be
//! allowed), `insecure`.
//!
//! Evidence: `origins` (each case: `case`, `origin`, `allowed`,
//! `preflight` and `simple` with `status`, `allow_origin`,
//! `allow_credentials`), `hostile_allowed` (count) and `hostile_cases`,
//! `wildcard`, `wildcard_with_credentials`, `legitimate_refused` (count)
//! and `legitimate`. Default expectations: `hostile_allowed == 0`,
//! `wildcard_with_credentials == false`, `legitimate_refused == 0`.
//!
//! Answers items like: "CORS is blocking unauthorized origins", "CORS
//! configured for production domain only", "Never use wildcard (*) in
//! production", "CORS_ORIGIN set to the frontend URL".

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use serde::Deserialize;
use tokio::time::Instant;

use crate::net::http::{Client, Request, Response, Scheme, Url};
use crate::{Context, Kind, Observation, Probe};

/// Variables teams keep their allowed origins in.
const ORIGIN_VARS: &[&str] = &["CORS_ORIGIN", "CORS_ORIGINS", "ALLOWED_ORIGINS"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub url: String,
    #[serde(default)]
    pub allowed_origins: Option<Vec<String>>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub request_headers: Option<Vec<String>>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub allow_subdomains: bool,
    #[serde(default)]
    pub insecure: bool,
}

pub struct Cors {
    url: Url,
    allowed: Option<Vec<Origin>>,
    method: String,
    request_headers: String,
    headers: Vec<(String, String)>,
    public: bool,
    allow_subdomains: bool,
    insecure: bool,
}

/// A web origin: scheme, host and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub https: bool,
    pub host: String,
    /// Only when not the scheme's default.
    pub port: Option<u16>,
}

impl Origin {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().trim_end_matches('/');
        let url = Url::parse(s).map_err(|_| {
            format!("`{s}` is not an origin: write it like https://app.example.com")
        })?;
        if url.path != "/" {
            return Err(format!(
                "`{s}` is not an origin: an origin has no path (https://app.example.com)"
            ));
        }
        let https = url.scheme == Scheme::Https;
        let default = if https { 443 } else { 80 };
        Ok(Self {
            https,
            host: url.host.to_ascii_lowercase(),
            port: (url.port != default).then_some(url.port),
        })
    }

    fn with(&self, https: bool, host: &str) -> String {
        let scheme = if https { "https" } else { "http" };
        match self.port {
            Some(p) => format!("{scheme}://{host}:{p}"),
            None => format!("{scheme}://{host}"),
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.with(self.https, &self.host))
    }
}

/// The hostile origins to try, named by the trick they play. `base` is an
/// allowed origin (or the target's own, when none is known).
pub fn hostile_origins(base: &Origin, allow_subdomains: bool) -> Vec<(&'static str, String)> {
    let mut cases = vec![
        ("arbitrary", "https://attacker.golive.invalid".to_string()),
        ("null", "null".to_string()),
        (
            "prefix",
            base.with(base.https, &format!("evil{}", base.host)),
        ),
        (
            "suffix",
            base.with(base.https, &format!("{}.evil.invalid", base.host)),
        ),
    ];
    if base.https {
        cases.push(("http_variant", base.with(false, &base.host)));
    }
    if !allow_subdomains {
        cases.push((
            "subdomain",
            base.with(base.https, &format!("evil.{}", base.host)),
        ));
    }
    cases
}

impl Kind for Cors {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let url = Url::parse(&s.url)?;
        let allowed = s
            .allowed_origins
            .map(|list| {
                list.iter()
                    .map(|o| Origin::parse(o).map_err(|e| format!("`allowed_origins`: {e}")))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        let method = s
            .method
            .unwrap_or_else(|| "POST".into())
            .to_ascii_uppercase();
        http::Method::from_bytes(method.as_bytes())
            .map_err(|_| format!("`{method}` is not an HTTP method"))?;
        let request_headers = s
            .request_headers
            .unwrap_or_else(|| vec!["content-type".into(), "authorization".into()])
            .join(", ");
        let headers: Vec<(String, String)> = s.headers.into_iter().collect();
        crate::http::check_headers(&headers)?;
        Ok(Self {
            url,
            allowed,
            method,
            request_headers,
            headers,
            public: s.public,
            allow_subdomains: s.allow_subdomains,
            insecure: s.insecure,
        })
    }
}

/// What one request with an Origin got back.
struct Answer {
    status: Option<u16>,
    allow_origin: Option<String>,
    allow_credentials: bool,
    error: Option<String>,
}

impl Answer {
    fn evidence(&self) -> Value {
        let mut e = Evidence::new();
        e.insert("status".into(), self.status.map(u32::from).into());
        e.insert("allow_origin".into(), self.allow_origin.clone().into());
        e.insert("allow_credentials".into(), self.allow_credentials.into());
        if let Some(err) = &self.error {
            e.insert("error".into(), err.clone().into());
        }
        Value::Map(e)
    }

    /// Whether a browser would let a page from `origin` read the answer.
    fn allows(&self, origin: &str) -> bool {
        self.allow_origin
            .as_deref()
            .is_some_and(|a| a.trim() == "*" || a.trim() == origin)
    }
}

impl Cors {
    async fn ask(&self, cx: &Context, origin: &str, preflight: bool, deadline: Instant) -> Answer {
        let client = Client {
            tls: if self.insecure {
                cx.tls_insecure.clone()
            } else {
                cx.tls.clone()
            },
            body_limit: 64 << 10,
        };
        let mut headers = self.headers.clone();
        headers.push(("origin".into(), origin.into()));
        let method = if preflight {
            headers.push(("access-control-request-method".into(), self.method.clone()));
            headers.push((
                "access-control-request-headers".into(),
                self.request_headers.clone(),
            ));
            http::Method::OPTIONS
        } else {
            http::Method::GET
        };
        let req = Request {
            method,
            url: self.url.clone(),
            headers,
            body: bytes::Bytes::new(),
        };
        let left = deadline.saturating_duration_since(Instant::now());
        match client.send(&req, left.max(Duration::from_millis(1))).await {
            Ok(r) => answer(&r),
            Err(e) => Answer {
                status: None,
                allow_origin: None,
                allow_credentials: false,
                error: Some(e.message),
            },
        }
    }
}

fn answer(r: &Response) -> Answer {
    Answer {
        status: Some(r.status),
        allow_origin: r.header("access-control-allow-origin").map(str::to_string),
        allow_credentials: r
            .header("access-control-allow-credentials")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
        error: None,
    }
}

/// What the answers added up to.
#[derive(Default)]
struct Tally {
    wildcard: bool,
    wildcard_credentials: bool,
    answered: bool,
    error: Option<String>,
}

impl Tally {
    fn record(&mut self, case: &str, origin: &str, pre: &Answer, simple: &Answer) -> (Value, bool) {
        for a in [pre, simple] {
            if a.allow_origin.as_deref().map(str::trim) == Some("*") {
                self.wildcard = true;
                self.wildcard_credentials |= a.allow_credentials;
            }
            if a.status.is_some() {
                self.answered = true;
            } else if self.error.is_none() {
                self.error = a.error.clone();
            }
        }
        let allowed = pre.allows(origin) || simple.allows(origin);
        let mut e = Evidence::new();
        e.insert("case".into(), case.into());
        e.insert("origin".into(), origin.into());
        e.insert("allowed".into(), allowed.into());
        e.insert("preflight".into(), pre.evidence());
        e.insert("simple".into(), simple.evidence());
        (Value::Map(e), allowed)
    }
}

#[async_trait]
impl Probe for Cors {
    fn target(&self) -> String {
        format!("cors {}", self.url)
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![
            Expectation::new("hostile_allowed", Op::Eq, Literal::Number(0.0)),
            Expectation::new("wildcard_with_credentials", Op::Eq, Literal::Bool(false)),
            Expectation::new("legitimate_refused", Op::Eq, Literal::Number(0.0)),
        ]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match evidence.get("hostile_allowed") {
            Some(Value::Int(0)) => "hostile origins refused".into(),
            Some(Value::Int(n)) => format!("{n} hostile origin(s) allowed"),
            _ => String::new(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        crate::http::header_secrets(&self.headers)
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let deadline = Instant::now() + cx.timeout;
        let mut evidence = Evidence::new();
        evidence.insert("url".into(), self.url.to_string().into());
        let allowed: Vec<Origin> = match &self.allowed {
            Some(list) => list.clone(),
            None => cx
                .env
                .iter()
                .filter(|(k, _)| ORIGIN_VARS.contains(&k.as_str()))
                .flat_map(|(_, v)| v.split(',').map(str::trim).map(str::to_string))
                .filter(|v| !v.is_empty() && v != "*")
                .filter_map(|v| Origin::parse(&v).ok())
                .collect(),
        };
        let own = Origin {
            https: self.url.scheme == Scheme::Https,
            host: self.url.host.to_ascii_lowercase(),
            port: (self.url.port
                != if self.url.scheme == Scheme::Https {
                    443
                } else {
                    80
                })
            .then_some(self.url.port),
        };
        let bases: Vec<&Origin> = if allowed.is_empty() {
            vec![&own]
        } else {
            allowed.iter().collect()
        };
        let mut cases: Vec<(&'static str, String)> = Vec::new();
        for base in &bases {
            for (name, origin) in hostile_origins(base, self.allow_subdomains) {
                // An origin the user allows is never hostile, whatever it looks like.
                if !cases.iter().any(|(_, o)| *o == origin)
                    && !allowed.iter().any(|a| a.to_string() == origin)
                {
                    cases.push((name, origin));
                }
            }
        }
        let mut origins = Vec::new();
        let mut hostile_cases = Vec::new();
        let mut legitimate = Vec::new();
        let mut tally = Tally::default();
        let legit: Vec<(&'static str, String)> =
            allowed.iter().map(|o| ("allowed", o.to_string())).collect();
        for (case, origin) in cases.iter().chain(legit.iter()) {
            let pre = self.ask(cx, origin, true, deadline).await;
            let simple = self.ask(cx, origin, false, deadline).await;
            let (entry, allowed) = tally.record(case, origin, &pre, &simple);
            origins.push(entry);
            if *case == "allowed" {
                if !allowed {
                    legitimate.push(Value::from(origin.as_str()));
                }
                continue;
            }
            let echoed = [&pre, &simple]
                .iter()
                .any(|a| a.allow_origin.as_deref().map(str::trim) == Some(origin.as_str()));
            // `public = true`: a `*` is the intended answer to everyone;
            // echoing a hostile origin never is.
            if allowed && (echoed || !self.public) {
                hostile_cases.push(Value::from(*case));
            }
        }
        if !tally.answered {
            evidence.insert("origins".into(), Value::List(origins));
            let why = tally.error.unwrap_or_default();
            return Observation::failed(evidence, format!("{} did not answer: {why}", self.url));
        }
        let (wildcard, wildcard_credentials) = (tally.wildcard, tally.wildcard_credentials);
        evidence.insert("origins".into(), Value::List(origins));
        evidence.insert("hostile_allowed".into(), hostile_cases.len().into());
        evidence.insert("hostile_cases".into(), Value::List(hostile_cases));
        evidence.insert("wildcard".into(), wildcard.into());
        evidence.insert(
            "wildcard_with_credentials".into(),
            wildcard_credentials.into(),
        );
        evidence.insert("legitimate_refused".into(), legitimate.len().into());
        evidence.insert("legitimate".into(), Value::List(legitimate));
        Observation::ok(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_origins_play_each_trick() {
        let base = Origin::parse("https://app.example.com").unwrap();
        let cases = hostile_origins(&base, false);
        let get = |n: &str| cases.iter().find(|(c, _)| *c == n).map(|(_, o)| o.as_str());
        assert_eq!(get("prefix"), Some("https://evilapp.example.com"));
        assert_eq!(get("suffix"), Some("https://app.example.com.evil.invalid"));
        assert_eq!(get("http_variant"), Some("http://app.example.com"));
        assert_eq!(get("subdomain"), Some("https://evil.app.example.com"));
        assert_eq!(get("null"), Some("null"));
        let base = Origin::parse("http://127.0.0.1:8080/").unwrap();
        let cases = hostile_origins(&base, true);
        assert!(
            cases
                .iter()
                .all(|(c, _)| *c != "subdomain" && *c != "http_variant")
        );
        assert!(Origin::parse("https://a.com/path").is_err());
    }
}
