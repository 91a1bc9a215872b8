//! `rate_limit`: a bounded burst is answered with 429 before it ends.
//!
//! **What it verifies.** Sends requests to one route as fast as a few
//! connections allow, up to a bound in requests and in time (by default 200
//! requests or 10 s, whichever comes first), and stops at the first answer
//! with the limiting status (429, or the configured one). It passes when
//! that answer came before the bound; the evidence says after how many
//! requests, and which `RateLimit-*`, `X-RateLimit-*` and `Retry-After`
//! headers the server sent.
//!
//! **Why it matters on launch day.** "Rate limiting is enabled (100
//! requests per 15 minutes)" is easy to configure and easy to leave off
//! behind a proxy that hides client addresses; a login route without it is
//! open to password guessing from the first hour.
//!
//! **Example.** Checklist: `- [ ] Rate limiting is enabled on /api/auth`.
//!
//! ```toml
//! [[check]]
//! kind = "rate_limit"
//! url = "${app}/api/v1/auth/login"
//! method = "POST"
//! json = { email = "probe@example.com", password = "wrong" }
//! max_requests = 50
//! ```
//!
//! The bound is stated before the burst starts: it is the first field of
//! the evidence (`plan`), and `max_requests`/`max_duration` are kept there.
//!
//! Settings: `url`, `method`, `headers`, `body` or `json`, `max_requests`
//! (200, at most 10000), `max_duration` (10s), `concurrency` (4),
//! `status` (429; a list is accepted), `insecure`.
//!
//! Evidence: `plan`, `max_requests`, `max_duration`, `limited`,
//! `limited_after` (the 1-based number of the first limited answer),
//! `limited_status`, `requests` (sent), `time`, `statuses` (status → count),
//! `errors`, `rate_headers` (the rate-limit headers of the first limited
//! answer, else of the last one seen). Default expectation:
//! `limited == true`.
//!
//! Answers items like: "Rate limiting is enabled", "Rate limiting
//! configured (100 requests per 15 minutes)", "API rate limits in place",
//! "Brute-force protection on login".

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value, format_duration, parse_duration};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::net::http::{Client, Request, Url};
use crate::{Context, Kind, Observation, Probe};

/// More than this is a load test, not a rate-limit check.
const MAX_REQUESTS: u64 = 10_000;

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Statuses {
    One(u16),
    Many(Vec<u16>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub url: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub json: Option<toml::Value>,
    #[serde(default)]
    pub max_requests: Option<u64>,
    #[serde(default)]
    pub max_duration: Option<String>,
    #[serde(default)]
    pub concurrency: Option<usize>,
    #[serde(default)]
    pub status: Option<Statuses>,
    #[serde(default)]
    pub insecure: bool,
}

pub struct RateLimit {
    request: Request,
    max_requests: u64,
    max_duration: Duration,
    concurrency: usize,
    statuses: Vec<u16>,
    insecure: bool,
}

impl Kind for RateLimit {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let url = Url::parse(&s.url)?;
        let method_name = s.method.as_deref().unwrap_or("GET").to_ascii_uppercase();
        let method = http::Method::from_bytes(method_name.as_bytes())
            .map_err(|_| format!("`{method_name}` is not an HTTP method"))?;
        let mut headers: Vec<(String, String)> = s.headers.into_iter().collect();
        crate::http::check_headers(&headers)?;
        let body = crate::http::request_body(s.body, s.json, &mut headers)?;
        let max_requests = s.max_requests.unwrap_or(200);
        if max_requests == 0 || max_requests > MAX_REQUESTS {
            return Err(format!(
                "`max_requests` must be between 1 and {MAX_REQUESTS} (a rate-limit check is a short burst)"
            ));
        }
        let max_duration = match s.max_duration {
            Some(d) => parse_duration(&d).map_err(|e| format!("`max_duration`: {e}"))?,
            None => Duration::from_secs(10),
        };
        if max_duration.is_zero() || max_duration > Duration::from_secs(300) {
            return Err("`max_duration` must be more than 0 and at most 5m".into());
        }
        let concurrency = s.concurrency.unwrap_or(4);
        if concurrency == 0 || concurrency > 64 {
            return Err("`concurrency` must be between 1 and 64".into());
        }
        let statuses = match s.status {
            None => vec![429],
            Some(Statuses::One(s)) => vec![s],
            Some(Statuses::Many(v)) if v.is_empty() => {
                return Err("`status` lists no status".into());
            }
            Some(Statuses::Many(v)) => v,
        };
        Ok(Self {
            request: Request {
                method,
                url,
                headers,
                body,
            },
            max_requests,
            max_duration,
            concurrency,
            statuses,
            insecure: s.insecure,
        })
    }
}

/// Whether a header says something about rate limiting.
pub fn is_rate_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("ratelimit") || n.starts_with("x-ratelimit") || n == "retry-after"
}

/// The number of the first limited answer, its status and rate headers.
type Limited = (u64, u16, Vec<(String, String)>);

/// What the workers found, shared between them.
#[derive(Default)]
struct Found {
    statuses: BTreeMap<u16, u64>,
    errors: BTreeMap<String, u64>,
    /// The number of the first limited answer, its status and headers.
    limited: Option<Limited>,
    last_rate_headers: Vec<(String, String)>,
}

#[async_trait]
impl Probe for RateLimit {
    fn target(&self) -> String {
        format!(
            "rate_limit {} {} (at most {} requests in {})",
            self.request.method,
            self.request.url,
            self.max_requests,
            format_duration(self.max_duration)
        )
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![Expectation::new("limited", Op::Eq, Literal::Bool(true))]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match (evidence.get("limited_after"), evidence.get("requests")) {
            (Some(Value::Int(n)), _) => format!("limited after {n} requests"),
            (_, Some(Value::Int(n))) => format!("not limited after {n} requests"),
            _ => String::new(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        crate::http::header_secrets(&self.request.headers)
    }

    async fn observe(&self, cx: &Context) -> Observation {
        // The check's own timeout bounds the burst too; leave room to report.
        let budget = self
            .max_duration
            .min(cx.timeout.saturating_sub(Duration::from_millis(200)))
            .max(Duration::from_millis(100));
        let mut evidence = Evidence::new();
        evidence.insert(
            "plan".into(),
            format!(
                "a burst of at most {} {} requests to {} within {}, {} at a time, stopping at the first {}",
                self.max_requests,
                self.request.method,
                self.request.url,
                format_duration(budget),
                self.concurrency,
                self.statuses
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
            .into(),
        );
        evidence.insert("max_requests".into(), self.max_requests.into());
        evidence.insert("max_duration".into(), budget.into());
        let client = Client {
            tls: if self.insecure {
                cx.tls_insecure.clone()
            } else {
                cx.tls.clone()
            },
            body_limit: 4 << 10,
        };
        let start = Instant::now();
        let deadline = start + budget;
        let issued = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let found = Arc::new(Mutex::new(Found::default()));
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..self.concurrency {
            let (client, issued, stop, found) =
                (client.clone(), issued.clone(), stop.clone(), found.clone());
            let req = self.request.clone();
            let statuses = self.statuses.clone();
            let max = self.max_requests;
            workers.spawn(async move {
                loop {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let n = issued.fetch_add(1, Ordering::Relaxed) + 1;
                    if n > max {
                        issued.fetch_sub(1, Ordering::Relaxed);
                        return;
                    }
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        issued.fetch_sub(1, Ordering::Relaxed);
                        return;
                    }
                    let result = client.send(&req, left).await;
                    let mut f = found.lock().await;
                    match result {
                        Ok(resp) => {
                            *f.statuses.entry(resp.status).or_default() += 1;
                            let rate: Vec<(String, String)> = resp
                                .headers
                                .iter()
                                .filter(|(n, _)| is_rate_header(n))
                                .cloned()
                                .collect();
                            if statuses.contains(&resp.status) {
                                if f.limited.as_ref().is_none_or(|(m, _, _)| n < *m) {
                                    f.limited = Some((n, resp.status, rate));
                                }
                                stop.store(true, Ordering::Relaxed);
                            } else if !rate.is_empty() {
                                f.last_rate_headers = rate;
                            }
                        }
                        Err(e) => {
                            // A timeout at the deadline is the bound, not an error.
                            if Instant::now() < deadline {
                                *f.errors.entry(e.message).or_default() += 1;
                            } else {
                                issued.fetch_sub(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
            });
        }
        while workers.join_next().await.is_some() {}
        let elapsed = start.elapsed();
        let found = std::mem::take(&mut *found.lock().await);
        let sent = issued.load(Ordering::Relaxed).min(self.max_requests);
        evidence.insert("limited".into(), found.limited.is_some().into());
        let rate_headers = match &found.limited {
            Some((n, status, headers)) => {
                evidence.insert("limited_after".into(), (*n).into());
                evidence.insert("limited_status".into(), (*status).into());
                headers.clone()
            }
            None => found.last_rate_headers.clone(),
        };
        evidence.insert("requests".into(), sent.into());
        evidence.insert("time".into(), elapsed.into());
        let statuses: Evidence = found
            .statuses
            .iter()
            .map(|(s, n)| (s.to_string(), Value::from(*n)))
            .collect();
        evidence.insert("statuses".into(), Value::Map(statuses));
        let errors: u64 = found.errors.values().sum();
        evidence.insert("errors".into(), errors.into());
        let headers: Evidence = rate_headers
            .into_iter()
            .map(|(n, v)| (n, Value::from(v)))
            .collect();
        evidence.insert("rate_headers".into(), Value::Map(headers));
        if found.statuses.is_empty() {
            let why = found
                .errors
                .keys()
                .next()
                .cloned()
                .unwrap_or_else(|| "no answer".into());
            return Observation::failed(
                evidence,
                format!("{} never answered: {why}", self.request.url),
            );
        }
        Observation::ok(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_enforced() {
        let build = |t: &str| crate::build_from(golive_core::ProbeKind::RateLimit, t).err();
        assert_eq!(build("url = 'http://x/'"), None);
        assert_eq!(build("url = 'http://x/'\nstatus = [429, 503]"), None);
        assert!(
            build("url = 'http://x/'\nmax_requests = 0")
                .unwrap()
                .contains("between")
        );
        assert!(
            build("url = 'http://x/'\nmax_requests = 1000000")
                .unwrap()
                .contains("between")
        );
        assert!(
            build("url = 'http://x/'\nmax_duration = '1h'")
                .unwrap()
                .contains("5m")
        );
        assert!(is_rate_header("X-RateLimit-Remaining"));
        assert!(is_rate_header("RateLimit-Policy"));
        assert!(is_rate_header("retry-after"));
        assert!(!is_rate_header("x-request-id"));
    }
}
