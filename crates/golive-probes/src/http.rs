//! `http`: one HTTP request, and what came back.
//!
//! **What it verifies.** Status, headers, JSON fields by path, body text and
//! latency of one request, with redirects followed or not.
//!
//! **Why it matters on launch day.** Health endpoints are the first thing a
//! load balancer, an uptime monitor and a person check; "returns 200 with
//! `database: connected` within 2 s" is the most common line of every
//! go-live checklist, and today it is a hand-written `curl` in a shell script.
//!
//! **Example.** Checklist: `- [ ] Health endpoint returns 200 OK (<500ms)`.
//!
//! ```toml
//! [[check]]
//! item = "backend/health-endpoint-returns-200-ok"
//! kind = "http"
//! url = "${app}/health"
//! expect = ["status == 200", "json.database == connected", "time < 500ms"]
//! ```
//!
//! Evidence: `url`, `method`, `status`, `version`, `time`, `timings` (dns,
//! connect, tls, first_byte, total), `header.*`, `body`, `body_size`, `json`
//! (when the body is JSON), `location`, `redirects`, `remote`, `tls`.
//! Default expectation: `status < 400`, as `curl -f`.

use std::collections::BTreeMap;

use async_trait::async_trait;
use bytes::Bytes;
use golive_core::expect::{Literal, Op};
use golive_core::redact::is_secret_name;
use golive_core::{Evidence, Expectation, Value};
use serde::Deserialize;

use crate::net::http::{Client, Request, Response, Url};
use crate::{Context, Kind, Observation, Probe};

/// Bodies beyond this are measured but not kept.
const BODY_LIMIT: usize = 1 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Absolute http(s) URL.
    pub url: String,
    /// GET unless said otherwise.
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A request body sent as is.
    #[serde(default)]
    pub body: Option<String>,
    /// A request body sent as JSON (sets Content-Type).
    #[serde(default)]
    pub json: Option<toml::Value>,
    /// Follow redirects (up to `max_redirects`); off by default, as curl.
    #[serde(default)]
    pub follow_redirects: bool,
    #[serde(default = "default_max_redirects")]
    pub max_redirects: u32,
    /// Accept any certificate (also `--insecure`).
    #[serde(default)]
    pub insecure: bool,
}

fn default_max_redirects() -> u32 {
    10
}

pub struct Http {
    method: http::Method,
    url: Url,
    headers: Vec<(String, String)>,
    body: Bytes,
    follow: Option<u32>,
    insecure: bool,
}

impl Kind for Http {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let url = Url::parse(&s.url)?;
        let method_name = s.method.as_deref().unwrap_or("GET").to_ascii_uppercase();
        let method = http::Method::from_bytes(method_name.as_bytes())
            .map_err(|_| format!("`{method_name}` is not an HTTP method"))?;
        let mut headers: Vec<(String, String)> = s.headers.into_iter().collect();
        check_headers(&headers)?;
        let body = request_body(s.body, s.json, &mut headers)?;
        Ok(Self {
            method,
            url,
            headers,
            body,
            follow: s.follow_redirects.then_some(s.max_redirects),
            insecure: s.insecure,
        })
    }
}

#[async_trait]
impl Probe for Http {
    fn target(&self) -> String {
        format!("{} {}", self.method, self.url)
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![Expectation::new("status", Op::Lt, Literal::Number(400.0))]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match (evidence.get("status"), evidence.get("time")) {
            (Some(status), Some(time)) => format!("{status} in {time}"),
            _ => String::new(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        header_secrets(&self.headers)
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let client = Client {
            tls: if self.insecure {
                cx.tls_insecure.clone()
            } else {
                cx.tls.clone()
            },
            body_limit: BODY_LIMIT,
        };
        let deadline = tokio::time::Instant::now() + cx.timeout;
        let mut req = Request {
            method: self.method.clone(),
            url: self.url.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
        };
        let mut redirects = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let mut evidence = Evidence::new();
            evidence.insert("url".into(), req.url.to_string().into());
            evidence.insert("method".into(), req.method.as_str().into());
            let resp = match client.send(&req, left).await {
                Ok(r) => r,
                Err(e) => {
                    if !redirects.is_empty() {
                        evidence.insert("redirects".into(), Value::List(redirects));
                    }
                    return Observation::failed(evidence, e.message);
                }
            };
            let location = resp.header("location").map(str::to_string);
            let is_redirect = matches!(resp.status, 301 | 302 | 303 | 307 | 308);
            if let (true, Some(max), Some(loc)) = (is_redirect, self.follow, location.as_deref()) {
                let mut hop = Evidence::new();
                hop.insert("url".into(), req.url.to_string().into());
                hop.insert("status".into(), resp.status.into());
                hop.insert("location".into(), loc.into());
                redirects.push(Value::Map(hop));
                if redirects.len() > max as usize {
                    describe(&mut evidence, &resp);
                    evidence.insert("redirects".into(), Value::List(redirects));
                    return Observation::failed(evidence, format!("more than {max} redirects"));
                }
                match req.url.join(loc) {
                    Ok(next) => {
                        let cross_origin = next.host != req.url.host || next.port != req.url.port;
                        req.url = next;
                        if resp.status == 303
                            || (matches!(resp.status, 301 | 302)
                                && req.method == http::Method::POST)
                        {
                            req.method = http::Method::GET;
                            req.body = Bytes::new();
                        }
                        if cross_origin {
                            // Credentials never follow a redirect to another host.
                            req.headers.retain(|(n, _)| !sensitive_header(n));
                        }
                        continue;
                    }
                    Err(e) => {
                        describe(&mut evidence, &resp);
                        return Observation::failed(
                            evidence,
                            format!("bad redirect location: {e}"),
                        );
                    }
                }
            }
            describe(&mut evidence, &resp);
            if !redirects.is_empty() {
                evidence.insert("redirects".into(), Value::List(redirects));
            }
            return Observation::ok(evidence);
        }
    }
}

/// Checks header names and values from settings.
pub(crate) fn check_headers(headers: &[(String, String)]) -> Result<(), String> {
    for (name, value) in headers {
        http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a header name"))?;
        http::HeaderValue::from_str(value)
            .map_err(|_| format!("the value of header `{name}` is not valid"))?;
    }
    Ok(())
}

/// The request body from `body` or `json` settings; `json` also sets the
/// Content-Type unless the headers already do.
pub(crate) fn request_body(
    body: Option<String>,
    json: Option<toml::Value>,
    headers: &mut Vec<(String, String)>,
) -> Result<Bytes, String> {
    match (body, json) {
        (Some(_), Some(_)) => Err("give `body` or `json`, not both".into()),
        (Some(b), None) => Ok(Bytes::from(b)),
        (None, Some(j)) => {
            if !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            {
                headers.push(("content-type".into(), "application/json".into()));
            }
            serde_json::to_vec(&j)
                .map(Bytes::from)
                .map_err(|e| format!("`json` cannot be sent as JSON: {e}"))
        }
        (None, None) => Ok(Bytes::new()),
    }
}

/// The secret values among request headers, for redaction.
pub(crate) fn header_secrets(headers: &[(String, String)]) -> Vec<String> {
    headers
        .iter()
        .filter(|(n, _)| sensitive_header(n))
        .flat_map(|(_, v)| {
            // `Bearer abc…`: the token alone is the secret too.
            let token = v.split_whitespace().last().unwrap_or(v).to_string();
            [v.clone(), token]
        })
        .collect()
}

pub(crate) fn sensitive_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "x-api-key" | "api-key"
    ) || is_secret_name(&n.replace('-', "_"))
}

/// Puts what the response says into evidence.
pub(crate) fn describe(evidence: &mut Evidence, resp: &Response) {
    evidence.insert("status".into(), resp.status.into());
    evidence.insert("version".into(), resp.version.into());
    evidence.insert("time".into(), resp.timings.total.into());
    let mut timings = Evidence::new();
    timings.insert("dns".into(), resp.timings.dns.into());
    timings.insert("connect".into(), resp.timings.connect.into());
    if let Some(tls) = resp.timings.tls {
        timings.insert("tls".into(), tls.into());
    }
    timings.insert("first_byte".into(), resp.timings.first_byte.into());
    timings.insert("total".into(), resp.timings.total.into());
    evidence.insert("timings".into(), Value::Map(timings));
    let mut headers = Evidence::new();
    let mut cookies = Vec::new();
    for (name, value) in &resp.headers {
        if name == "set-cookie" {
            cookies.push(Value::from(redact_cookie(value)));
            continue;
        }
        match headers.get_mut(name) {
            Some(Value::Str(existing)) => {
                existing.push_str(", ");
                existing.push_str(value);
            }
            _ => {
                headers.insert(name.clone(), value.clone().into());
            }
        }
    }
    if !cookies.is_empty() {
        headers.insert("set-cookie".into(), Value::List(cookies));
    }
    evidence.insert("header".into(), Value::Map(headers));
    if let Some(loc) = resp.header("location") {
        evidence.insert("location".into(), loc.into());
    }
    let text = String::from_utf8_lossy(&resp.body);
    let looks_json = resp
        .header("content-type")
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"))
        || matches!(text.trim_start().chars().next(), Some('{' | '['));
    if looks_json && let Ok(json) = serde_json::from_slice::<serde_json::Value>(&resp.body) {
        evidence.insert("json".into(), Value::from_json(&json));
    }
    evidence.insert("body".into(), text.into_owned().into());
    evidence.insert("body_size".into(), resp.body_size.into());
    evidence.insert("remote".into(), resp.remote.to_string().into());
    if let Some(tls) = &resp.tls {
        let mut t = Evidence::new();
        t.insert("version".into(), tls.version.clone().into());
        t.insert("cipher".into(), tls.cipher.clone().into());
        evidence.insert("tls".into(), Value::Map(t));
    }
}

/// `session=abc; Path=/; HttpOnly` → `session=[redacted]; Path=/; HttpOnly`:
/// the attributes matter to a security review, the value never does.
fn redact_cookie(raw: &str) -> String {
    let mut parts = raw.split(';');
    let first = parts.next().unwrap_or("");
    let name = first.split('=').next().unwrap_or("").trim();
    let mut out = format!("{name}={}", golive_core::redact::REDACTED);
    for attr in parts {
        out.push(';');
        out.push_str(attr);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_keep_attributes_only() {
        assert_eq!(
            redact_cookie("sid=abc123; Path=/; HttpOnly"),
            "sid=[redacted]; Path=/; HttpOnly"
        );
    }

    #[test]
    fn settings_are_checked() {
        let build = |t: &str| crate::build_from(golive_core::ProbeKind::Http, t).err();
        assert_eq!(build("url = 'http://x/'"), None);
        assert!(build("url = 'x'").unwrap().contains("absolute URL"));
        assert!(
            build("url = 'http://x/'\nmethod = 'G T'")
                .unwrap()
                .contains("HTTP method")
        );
        assert!(
            build("url = 'http://x/'\nbody = 'a'\njson = {a = 1}")
                .unwrap()
                .contains("not both")
        );
        assert!(build("urll = 'http://x/'").unwrap().contains("urll"));
    }
}
