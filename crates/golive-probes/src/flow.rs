//! `flow`: a sequence of HTTP requests, each using what the ones before it
//! captured: register → log in → use the token → fetch the dashboard.
//!
//! **What it verifies.** That a user journey works end to end against the
//! live deployment: every step answers as its expectations say, and the
//! values one step captures (a token, an id) carry the next.
//!
//! **Why it matters on launch day.** "Register → Login → Create Chat → Send
//! Message", "Test critical user flows (login, booking, messaging)": a health
//! endpoint can be green while login is broken. Checklists ask a person to
//! click through; a flow does it on every run.
//!
//! **Example.** Checklist: `- [ ] User login works`.
//!
//! ```toml
//! [[check]]
//! item = "functional-testing/user-login-works"
//! kind = "flow"
//! base = "${app}"
//!
//! [[check.step]]
//! name = "login"
//! method = "POST"
//! path = "/api/v1/auth/login"
//! json = { email = "${LOGIN_EMAIL}", password = "${LOGIN_PASSWORD}" }
//! expect = ["status == 200"]
//! capture = { token = "json.token" }
//!
//! [[check.step]]
//! name = "dashboard"
//! path = "/api/v1/dashboard"
//! headers = { Authorization = "Bearer {{token}}" }
//! expect = ["status == 200", "json.bookings_today exists"]
//! ```
//!
//! Captured values are written `{{name}}` (`${NAME}` is the environment's);
//! `{{run_id}}` is unique per run, for sign-ups that must not collide.
//! Captured values are secrets: they never appear in evidence.
//!
//! Evidence: `steps` (each step's `name`, `method`, `url`, `status`, `time`,
//! `captured` names), `completed`, `failed_step`, `time`. A step whose
//! expectations fail stops the flow. Default expectation: `completed == true`.
//!
//! Answers checklist lines such as "Register → Login → Create Chat → Send
//! Message", "User registration/login flows working", "Authentication flow
//! works", "Test critical user flows".

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use serde::Deserialize;

use crate::http::{describe, sensitive_header};
use crate::net::http::{Client, Request, Url};
use crate::{Context, Kind, Observation, Probe};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSettings {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    /// A path joined to `base`, or an absolute URL.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub json: Option<toml::Value>,
    /// Expectations on this step's response (default: `status < 400`).
    #[serde(default)]
    pub expect: Vec<String>,
    /// Values to capture from the response: name → evidence path
    /// (`json.token`, `header.location`).
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The base URL paths are joined to (usually `${app}`).
    #[serde(default)]
    pub base: Option<String>,
    pub step: Vec<StepSettings>,
    #[serde(default)]
    pub insecure: bool,
}

struct Step {
    name: String,
    method: http::Method,
    target: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    json: Option<serde_json::Value>,
    expect: Vec<Expectation>,
    capture: Vec<(String, Vec<golive_core::value::PathSegment>, String)>,
}

pub struct Flow {
    base: Option<String>,
    steps: Vec<Step>,
    insecure: bool,
}

fn path_of(expr: &str) -> Result<Vec<golive_core::value::PathSegment>, String> {
    // The expectation parser knows paths: borrow it with a dummy operator.
    Expectation::parse(&format!("{expr} exists"))
        .map(|e| e.path().to_vec())
        .map_err(|e| format!("`{expr}` is not a path like json.token: {e}"))
}

impl Kind for Flow {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        if s.step.is_empty() {
            return Err("a flow needs at least one [[check.step]]".into());
        }
        let mut steps = Vec::new();
        for (i, st) in s.step.into_iter().enumerate() {
            let name = st.name.unwrap_or_else(|| format!("step {}", i + 1));
            let target = match (st.path, st.url) {
                (Some(p), None) => {
                    if s.base.is_none() && !p.contains("://") {
                        return Err(format!(
                            "{name}: `path` needs the flow's `base` (or give `url`)"
                        ));
                    }
                    p
                }
                (None, Some(u)) => u,
                (Some(_), Some(_)) => {
                    return Err(format!("{name}: give `path` or `url`, not both"));
                }
                (None, None) => return Err(format!("{name}: needs a `path` or a `url`")),
            };
            let method_name = st
                .method
                .as_deref()
                .unwrap_or(if st.json.is_some() || st.body.is_some() {
                    "POST"
                } else {
                    "GET"
                })
                .to_ascii_uppercase();
            let method = http::Method::from_bytes(method_name.as_bytes())
                .map_err(|_| format!("{name}: `{method_name}` is not an HTTP method"))?;
            let expect = if st.expect.is_empty() {
                vec![Expectation::new("status", Op::Lt, Literal::Number(400.0))]
            } else {
                st.expect
                    .iter()
                    .map(|e| {
                        Expectation::parse(e)
                            .map_err(|err| format!("{name}: expectation `{e}`: {err}"))
                    })
                    .collect::<Result<_, _>>()?
            };
            let capture = st
                .capture
                .into_iter()
                .map(|(k, expr)| path_of(&expr).map(|p| (k, p, expr)))
                .collect::<Result<_, _>>()?;
            let json = match st.json {
                Some(v) => {
                    Some(serde_json::to_value(&v).map_err(|e| format!("{name}: `json`: {e}"))?)
                }
                None => None,
            };
            if json.is_some() && st.body.is_some() {
                return Err(format!("{name}: give `body` or `json`, not both"));
            }
            steps.push(Step {
                name,
                method,
                target,
                headers: st.headers.into_iter().collect(),
                body: st.body,
                json,
                expect,
                capture,
            });
        }
        Ok(Self {
            base: s.base.map(|b| b.trim_end_matches('/').to_string()),
            steps,
            insecure: s.insecure,
        })
    }
}

/// Replaces `{{name}}` with captured values; unknown names stay as written
/// and are reported.
fn fill(template: &str, vars: &BTreeMap<String, String>, missing: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match vars.get(name) {
                    Some(v) => out.push_str(v),
                    None => {
                        missing.push(name.to_string());
                        out.push_str(&rest[start..start + 2 + end + 2]);
                    }
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn fill_json(
    v: &serde_json::Value,
    vars: &BTreeMap<String, String>,
    missing: &mut Vec<String>,
) -> serde_json::Value {
    match v {
        serde_json::Value::String(s) => serde_json::Value::String(fill(s, vars, missing)),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.iter().map(|x| fill_json(x, vars, missing)).collect())
        }
        serde_json::Value::Object(o) => serde_json::Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), fill_json(x, vars, missing)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn run_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}", nanos % 0xFFFF_FFFF_FFFF)
}

/// Hides captured values wherever they might show (a response echoing a token).
fn scrub(v: &mut Value, secrets: &[String]) {
    v.map_strings(&|s| {
        secrets
            .iter()
            .any(|x| !x.is_empty() && s.contains(x.as_str()))
            .then(|| {
                secrets.iter().fold(s.to_string(), |acc, x| {
                    if x.is_empty() {
                        acc
                    } else {
                        acc.replace(x.as_str(), golive_core::redact::REDACTED)
                    }
                })
            })
    });
}

#[async_trait]
impl Probe for Flow {
    fn target(&self) -> String {
        let names: Vec<&str> = self.steps.iter().map(|s| s.name.as_str()).collect();
        format!(
            "flow {} ({})",
            self.base.as_deref().unwrap_or(""),
            names.join(" → ")
        )
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![Expectation::new("completed", Op::Eq, Literal::Bool(true))]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match (evidence.get("completed"), evidence.get("time")) {
            (Some(Value::Bool(true)), Some(t)) => format!("{} steps in {t}", self.steps.len()),
            (_, _) => evidence
                .get("failed_step")
                .and_then(Value::as_str)
                .map(|s| format!("stopped at {s}"))
                .unwrap_or_default(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        self.steps
            .iter()
            .flat_map(|s| s.headers.iter())
            .filter(|(n, v)| sensitive_header(n) && !v.contains("{{"))
            .map(|(_, v)| v.clone())
            .collect()
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let start = Instant::now();
        let deadline = start + cx.timeout;
        let client = Client {
            tls: if self.insecure {
                cx.tls_insecure.clone()
            } else {
                cx.tls.clone()
            },
            body_limit: 1 << 20,
        };
        let mut vars = BTreeMap::new();
        vars.insert("run_id".to_string(), run_id());
        let mut captured_values: Vec<String> = Vec::new();
        let mut steps = Vec::new();
        let mut evidence = Evidence::new();
        let finish = |mut evidence: Evidence,
                      steps: Vec<Value>,
                      failed: Option<&str>,
                      secrets: &[String]| {
            let mut list = Value::List(steps);
            scrub(&mut list, secrets);
            evidence.insert("steps".into(), list);
            evidence.insert("completed".into(), failed.is_none().into());
            evidence.insert("failed_step".into(), failed.map(str::to_string).into());
            evidence.insert("time".into(), start.elapsed().into());
            evidence
        };
        for step in &self.steps {
            let mut missing = Vec::new();
            let target = fill(&step.target, &vars, &mut missing);
            let url_text = if target.contains("://") {
                target
            } else {
                format!(
                    "{}{}{}",
                    self.base.as_deref().unwrap_or(""),
                    if target.starts_with('/') { "" } else { "/" },
                    target
                )
            };
            let headers: Vec<(String, String)> = step
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), fill(v, &vars, &mut missing)))
                .collect();
            let mut headers = headers;
            let body = match (&step.json, &step.body) {
                (Some(j), _) => {
                    if !headers
                        .iter()
                        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                    {
                        headers.push(("content-type".into(), "application/json".into()));
                    }
                    Bytes::from(
                        serde_json::to_vec(&fill_json(j, &vars, &mut missing)).unwrap_or_default(),
                    )
                }
                (None, Some(b)) => Bytes::from(fill(b, &vars, &mut missing)),
                (None, None) => Bytes::new(),
            };
            if !missing.is_empty() {
                let why = format!(
                    "{}: nothing captured `{}` before this step",
                    step.name,
                    missing.join("`, `")
                );
                return Observation::failed(
                    finish(evidence, steps, Some(&step.name), &captured_values),
                    why,
                );
            }
            let url = match Url::parse(&url_text) {
                Ok(u) => u,
                Err(e) => {
                    return Observation::failed(
                        finish(evidence, steps, Some(&step.name), &captured_values),
                        format!("{}: {e}", step.name),
                    );
                }
            };
            let left = deadline
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1));
            let req = Request {
                method: step.method.clone(),
                url: url.clone(),
                headers,
                body,
            };
            let mut record = Evidence::new();
            record.insert("name".into(), step.name.clone().into());
            record.insert("method".into(), step.method.as_str().into());
            record.insert("url".into(), url.to_string().into());
            let resp = match client.send(&req, left).await {
                Ok(r) => r,
                Err(e) => {
                    steps.push(Value::Map(record));
                    return Observation::failed(
                        finish(evidence, steps, Some(&step.name), &captured_values),
                        format!("{}: {}", step.name, e.message),
                    );
                }
            };
            let mut step_evidence = Evidence::new();
            describe(&mut step_evidence, &resp);
            record.insert("status".into(), resp.status.into());
            record.insert("time".into(), resp.timings.total.into());
            let failed: Vec<String> = step
                .expect
                .iter()
                .map(|e| e.evaluate(&step_evidence))
                .filter(|v| !v.passed)
                .map(|v| v.explain())
                .collect();
            let mut names = Vec::new();
            for (name, path, expr) in &step.capture {
                match Value::get_path(&step_evidence, path) {
                    Some(Value::Null) | None => {
                        if failed.is_empty() {
                            steps.push(Value::Map(record));
                            let why = format!(
                                "{}: nothing to capture at `{expr}` for `{name}`",
                                step.name
                            );
                            return Observation::failed(
                                finish(evidence, steps, Some(&step.name), &captured_values),
                                why,
                            );
                        }
                    }
                    Some(v) => {
                        let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                        captured_values.push(text.clone());
                        vars.insert(name.clone(), text);
                        names.push(Value::from(name.as_str()));
                    }
                }
            }
            record.insert("captured".into(), Value::List(names));
            if !failed.is_empty() {
                // The failing step's answer helps whoever fixes it.
                if let Some(body) = step_evidence.get("body") {
                    record.insert("body".into(), body.clone());
                }
                steps.push(Value::Map(record));
                let why = format!("{}: {}", step.name, failed.join("; "));
                return Observation::failed(
                    finish(evidence, steps, Some(&step.name), &captured_values),
                    why,
                );
            }
            steps.push(Value::Map(record));
        }
        evidence = finish(evidence, steps, None, &captured_values);
        Observation::ok(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_fill_templates() {
        let mut vars = BTreeMap::new();
        vars.insert("token".to_string(), "abc".to_string());
        let mut missing = Vec::new();
        assert_eq!(
            fill("Bearer {{token}} {{ token }}", &vars, &mut missing),
            "Bearer abc abc"
        );
        assert!(missing.is_empty());
        assert_eq!(fill("{{nope}} {{", &vars, &mut missing), "{{nope}} {{");
        assert_eq!(missing, vec!["nope"]);
    }
}
