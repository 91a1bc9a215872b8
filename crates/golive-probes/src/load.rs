//! `load`: a bounded load against one URL, judged by k6-style thresholds.
//!
//! **What it verifies.** How the deployment answers N concurrent users
//! (closed model) or a steady arrival rate (open model): latency
//! percentiles, error rate by kind, throughput. With `stress`, the load
//! ramps up to that many times its start over the duration and reports
//! where errors began. The engine is `golive-load`; this module turns
//! settings into its plan and its report into evidence.
//!
//! **Why it matters on launch day.** "Test with 100 concurrent users",
//! "p95 response time < 200ms", "Error rate < 1%", "System remains stable
//! under 5x normal load" are in every go-live checklist, and are today a
//! separate k6 or wrk run whose numbers someone copies by hand. In the open
//! model latency counts from when each request was due, so a stalled
//! server shows in the percentiles instead of being hidden (coordinated
//! omission).
//!
//! **Bounded.** A load needs `duration` or `requests`. A check without a
//! `timeout` gets the duration plus two seconds; one with a `timeout`
//! shorter than that fails before sending, saying so. Its evidence's `plan`
//! states what was sent. All traffic goes to the URL given; point it at a
//! deployment you may load.
//!
//! **Example.** Checklist: `- [ ] Load tested with 100 concurrent users (p95 < 200ms, error rate < 1%)`.
//!
//! ```toml
//! [[check]]
//! item = "performance/load-tested-with-100-concurrent-users"
//! kind = "load"
//! url = "${app}/api/dashboard"
//! users = 100
//! duration = "30s"
//! expect = ["p95 < 200ms", "errors < 1%", "users >= 100"]
//! login = { url = "${app}/login", json = { email = "qa@example.com", password = "${QA_PASSWORD}" }, capture = { token = "json.access_token" } }
//! headers = { Authorization = "Bearer {{token}}" }
//! ```
//!
//! Settings: `url`, `method`, `headers`, `body` or `json`; `users` (closed
//! model, default 10) or `rate` (arrivals per second, open model; `users`
//! then caps the connections); `duration`, `requests`; `think` (pause
//! between a user's requests); `stress` (a factor: "5x normal load" is 5);
//! `keep_alive` (true; false opens a connection per request); `http`
//! ("1.1", "2", "auto"); `request_timeout` (10s); `insecure`; `login` (a
//! request sent once before the load: `url`, `method` (POST), `headers`,
//! `body` or `json`, `capture` = { NAME = "json.path" | "header.name" },
//! used as `{{NAME}}` in the load's headers, body and URL).
//!
//! Evidence: `model` ("closed"/"open"), `users`, `rate`, `duration`,
//! `requests`, `responses`, `rps`, `errors` (percent), `success`
//! (percent), `failed`, `errors_by_kind` (`status_4xx`, `status_5xx`,
//! `timeout`, `connect`, `tls`, `reset`, `protocol`), `error` (the main
//! error, first seen), `statuses`, `min`, `mean`, `stdev`, `p50`, `p75`,
//! `p90`, `p95`, `p99`, `p999`, `max`, `time` (the p95), `bytes`,
//! `bytes_per_sec`, `dropped` (open model: due but never sent),
//! `cancelled`, `protocol`, `load_factor`, `stress_factor` and
//! `errors_began` (with `stress`), `aborted`, `histogram` (a list of
//! `{upper_ms, count}`, log-spaced, ascending) and `plan`.
//! Default expectation: `errors < 1%`.
//!
//! Phrasings it answers: "Test with N concurrent users", "Load testing
//! completed (500+ concurrent users)", "p95 response time < 200ms", "Error
//! rate < 1%", "Handles 500 requests per second", "System remains stable
//! under 5x normal load", "Backend API responds within 1 second under
//! normal load", "Performance benchmarks met", "Stress test passed".

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::redact::is_secret_name;
use golive_core::{Evidence, Expectation, Value, parse_duration};
use golive_load::{Bound, Capture, Model, Plan, Protocol, RequestSpec, Step};
use serde::Deserialize;

use crate::{Context, Kind, Observation, Probe};

/// Time a load's check needs beyond its duration: resolving, the login,
/// starting the workers, and the last answers.
const MARGIN: Duration = Duration::from_secs(2);

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
    pub users: Option<u32>,
    /// Arrivals per second.
    #[serde(default)]
    pub rate: Option<f64>,
    #[serde(default)]
    pub duration: Option<String>,
    #[serde(default)]
    pub requests: Option<u64>,
    #[serde(default)]
    pub think: Option<String>,
    #[serde(default)]
    pub stress: Option<f64>,
    #[serde(default = "yes")]
    pub keep_alive: bool,
    #[serde(default)]
    pub http: Option<String>,
    #[serde(default)]
    pub request_timeout: Option<String>,
    #[serde(default)]
    pub insecure: bool,
    #[serde(default)]
    pub login: Option<LoginSettings>,
}

/// A request sent once before the load, whose answer supplies values.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginSettings {
    pub url: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub json: Option<toml::Value>,
    /// NAME = "json.path" or "header.name".
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

pub struct Load {
    plan: Plan,
    insecure: bool,
    secrets: Vec<String>,
}

/// A request from probe settings; shared with `latency`.
pub(crate) fn request(
    method: Option<&str>,
    url: &str,
    headers: BTreeMap<String, String>,
    body: Option<String>,
    json: Option<toml::Value>,
) -> Result<RequestSpec, String> {
    let mut headers: Vec<(String, String)> = headers.into_iter().collect();
    let body = crate::http::request_body(body, json, &mut headers)?;
    let mut spec = RequestSpec::build(method, url, headers, None, None)?;
    spec.body = body;
    Ok(spec)
}

/// Secret values in a request: sensitive headers (not yet filled from a
/// capture), and JSON or form fields named like secrets (`password`).
pub(crate) fn request_secrets(req: &RequestSpec) -> Vec<String> {
    let fixed: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(_, v)| !v.contains("{{"))
        .cloned()
        .collect();
    let mut out = crate::http::header_secrets(&fixed);
    let text = String::from_utf8_lossy(&req.body);
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
        secret_fields(&json, &mut out);
    } else {
        for pair in text.split('&') {
            if let Some((k, v)) = pair.split_once('=')
                && is_secret_name(k)
                && !v.is_empty()
            {
                out.push(v.to_string());
            }
        }
    }
    out
}

fn secret_fields(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                match v {
                    serde_json::Value::String(s) if is_secret_name(k) && !s.is_empty() => {
                        out.push(s.clone());
                    }
                    other => secret_fields(other, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| secret_fields(x, out)),
        _ => {}
    }
}

/// Fits a plan into the check's time limit, or says how to make it fit.
pub(crate) fn fit(plan: &mut Plan, cx: &Context) -> Result<(), String> {
    let room = cx.timeout.saturating_sub(MARGIN);
    match plan.bound.duration {
        Some(d) if d > room => {
            return Err(format!(
                "the load runs {} but the check's time limit is {}: set `timeout = \"{}\"` on the check (the duration plus {})",
                golive_core::format_duration(d),
                golive_core::format_duration(cx.timeout),
                golive_core::format_duration(d + MARGIN),
                golive_core::format_duration(MARGIN),
            ));
        }
        Some(_) => {}
        // A request count alone is bounded by the check's time too, less a
        // tenth of it (at most the margin) for the set-up.
        None => {
            let bound = cx.timeout.saturating_sub(MARGIN.min(cx.timeout / 10));
            if bound.is_zero() {
                return Err("the check's time limit leaves no time for a load".into());
            }
            plan.bound.duration = Some(bound);
        }
    }
    plan.timeout = plan.timeout.min(cx.timeout);
    Ok(())
}

/// Runs a plan and turns its report into an observation.
pub(crate) async fn observe_plan(
    mut plan: Plan,
    insecure: bool,
    cx: &Context,
) -> (Observation, Option<golive_load::Report>) {
    let mut evidence = Evidence::new();
    evidence.insert("plan".into(), plan.describe().into());
    if let Err(why) = fit(&mut plan, cx) {
        return (Observation::failed(evidence, why), None);
    }
    plan.tls = if insecure {
        cx.tls_insecure.clone()
    } else {
        cx.tls.clone()
    };
    match golive_load::run(&plan, None).await {
        Err(why) => (Observation::failed(evidence, why), None),
        Ok(report) => {
            let evidence = report.evidence();
            let obs = match &report.aborted {
                Some(why) => Observation::failed(evidence, why.clone()),
                None => Observation::ok(evidence),
            };
            (obs, Some(report))
        }
    }
}

fn duration(name: &str, value: Option<&str>) -> Result<Option<Duration>, String> {
    value
        .map(|v| parse_duration(v).map_err(|e| format!("`{name}`: {e}")))
        .transpose()
}

impl Kind for Load {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let request = request(s.method.as_deref(), &s.url, s.headers, s.body, s.json)?;
        let mut secrets = request_secrets(&request);
        let think = duration("think", s.think.as_deref())?.unwrap_or(Duration::ZERO);
        let model = match s.rate {
            Some(rate) => {
                if !think.is_zero() {
                    return Err(
                        "`think` applies to users; with `rate` the arrivals set the pace".into(),
                    );
                }
                Model::Open {
                    rate,
                    users: s.users.unwrap_or_else(|| Model::default_open_users(rate)),
                }
            }
            None => Model::Closed {
                users: s.users.unwrap_or(10),
                think,
            },
        };
        let bound = Bound {
            duration: duration("duration", s.duration.as_deref())?,
            requests: s.requests,
        };
        // The TLS configuration comes from the context when the load runs.
        let placeholder = crate::net::tls::Trust::empty_configs().0;
        let mut plan = Plan::new(request, model, bound, placeholder);
        if let Some(login) = s.login {
            let req = self::request(
                Some(login.method.as_deref().unwrap_or("POST")),
                &login.url,
                login.headers,
                login.body,
                login.json,
            )
            .map_err(|e| format!("`login`: {e}"))?;
            secrets.extend(request_secrets(&req));
            let captures = login
                .capture
                .iter()
                .map(|(name, path)| Capture::new(name, path))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("`login.capture`: {e}"))?;
            plan.setup.push(Step {
                request: req,
                captures,
            });
        }
        plan.stress = s.stress;
        plan.keep_alive = s.keep_alive;
        if let Some(h) = &s.http {
            plan.protocol = Protocol::parse(h).map_err(|e| format!("`http`: {e}"))?;
        }
        if let Some(t) = duration("request_timeout", s.request_timeout.as_deref())? {
            plan.timeout = t;
        }
        plan.validate().map_err(|e| e.to_string())?;
        Ok(Self {
            plan,
            insecure: s.insecure,
            secrets,
        })
    }
}

#[async_trait]
impl Probe for Load {
    fn target(&self) -> String {
        let p = &self.plan;
        let mut bounds = Vec::new();
        match p.model {
            Model::Closed { .. } => {
                let (from, to) = p.users_range();
                bounds.push(if from == to {
                    format!("{to} users")
                } else {
                    format!("{from}→{to} users")
                });
            }
            Model::Open { rate, .. } => bounds.push(format!(
                "{}/s{}",
                Value::Float(rate),
                p.stress
                    .map(|f| format!("→{}/s", Value::Float(rate * f)))
                    .unwrap_or_default()
            )),
        }
        if let Some(d) = p.bound.duration {
            bounds.push(golive_core::format_duration(d));
        }
        if let Some(n) = p.bound.requests {
            bounds.push(format!("≤{n} requests"));
        }
        format!(
            "{} {} ({})",
            p.request.method,
            p.request.target,
            bounds.join(", ")
        )
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![Expectation::new("errors", Op::Lt, Literal::Percent(1.0))]
    }

    fn time_needed(&self) -> Option<Duration> {
        self.plan.bound.duration.map(|d| d + MARGIN)
    }

    fn summary(&self, evidence: &Evidence) -> String {
        summarise(evidence)
    }

    fn secrets(&self) -> Vec<String> {
        self.secrets.clone()
    }

    async fn observe(&self, cx: &Context) -> Observation {
        observe_plan(self.plan.clone(), self.insecure, cx).await.0
    }
}

/// "12034 requests, 401/s, p95 12ms, 0% errors".
fn summarise(e: &Evidence) -> String {
    let (Some(requests), Some(rps), Some(p95), Some(errors)) = (
        e.get("requests"),
        e.get("rps"),
        e.get("p95"),
        e.get("errors"),
    ) else {
        return String::new();
    };
    let rps = rps.as_f64().unwrap_or(0.0);
    format!(
        "{requests} requests, {}/s, p95 {p95}, {errors}% errors",
        Value::Float(rps.round())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(t: &str) -> Result<Box<dyn Probe>, String> {
        let table: toml::Table = toml::from_str(t).unwrap();
        crate::build(golive_core::ProbeKind::Load, &table).map_err(|e| e.to_string())
    }

    #[test]
    fn settings_are_checked() {
        assert!(build("url = 'http://x/'\nduration = '5s'").is_ok());
        assert!(
            build("url = 'http://x/'")
                .err()
                .unwrap()
                .contains("needs a bound")
        );
        assert!(
            build("url = 'http://x/'\nduration = 'soon'")
                .err()
                .unwrap()
                .contains("`duration`")
        );
        assert!(
            build("url = 'http://x/'\nrequests = 10\nusers = 0")
                .err()
                .unwrap()
                .contains("users")
        );
        assert!(
            build("url = 'http://x/'\nrequests = 10\nrate = 5.0\nthink = '1s'")
                .err()
                .unwrap()
                .contains("think")
        );
        assert!(
            build("url = 'http://x/'\nrequests = 10\nstress = 5.0")
                .err()
                .unwrap()
                .contains("duration")
        );
        assert!(
            build("url = 'http://x/'\nrequests = 10\nlogin = { url = 'http://x/login', capture = { token = 'body' } }")
                .err()
                .unwrap()
                .contains("login.capture")
        );
        assert!(build("url = 'http://x/'\nrequests = 1\nusrs = 3").is_err());
    }

    #[test]
    fn target_states_the_bound_and_secrets_are_found() {
        let p = build(
            "url = 'http://x/a'\nusers = 5\nstress = 4.0\nduration = '20s'\nheaders = { Authorization = 'Bearer abc123' }\nlogin = { url = 'http://x/login', json = { user = 'qa', password = 'hunter22' }, capture = { t = 'json.t' } }",
        )
        .unwrap();
        assert_eq!(p.target(), "GET http://x/a (5→20 users, 20s)");
        let s = p.secrets();
        assert!(s.contains(&"hunter22".to_string()), "{s:?}");
        assert!(s.contains(&"abc123".to_string()), "{s:?}");
        assert!(!s.contains(&"qa".to_string()));
    }
}
