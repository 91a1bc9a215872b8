//! `latency`: the percentiles of one request, sent N times in a row.
//!
//! **What it verifies.** How long one endpoint takes when asked `samples`
//! times, one request after another (no concurrency): min, mean, p50, p90,
//! p95, p99 and max, with errors counted. One `http` check measures one
//! request, which one slow garbage collection or cold cache can make look
//! bad or good; twenty samples say what users will see.
//!
//! **Why it matters on launch day.** "Response times are acceptable
//! (<500ms)", "API responds within 200ms", "p95 < 300ms" are checklist
//! lines about a distribution, not one request; measuring them with one
//! `curl` passes or fails by luck.
//!
//! **Example.** Checklist: `- [ ] API response times are acceptable (p95 < 300ms)`.
//!
//! ```toml
//! [[check]]
//! item = "performance/api-response-times-are-acceptable"
//! kind = "latency"
//! url = "${app}/api/health"
//! samples = 50
//! expect = ["p95 < 300ms", "max < 1s", "errors == 0%"]
//! ```
//!
//! Settings: `url`, `method`, `headers`, `body` or `json`, `samples` (20,
//! at most 10000), `interval` (a pause between samples, none by default),
//! `keep_alive` (true: one connection, as a browser reuses it; false: a new
//! connection, DNS and TLS included, for every sample), `http` ("1.1", "2",
//! "auto"), `insecure`. The samples must fit in the check's `timeout`.
//!
//! Evidence: `samples`, `min`, `mean`, `stdev`, `p50`, `p75`, `p90`, `p95`,
//! `p99`, `p999`, `max`, `time` (the p95), `errors` (percent), `failed`,
//! `errors_by_kind`, `error`, `statuses`, `requests`, `rps`, `model`
//! ("closed"), `histogram` (a list of `{upper_ms, count}`), `plan`.
//! Default expectation: `errors < 1%`.
//!
//! Phrasings it answers: "Response times are acceptable (<500ms)", "API
//! responds within N ms", "p95/p99 latency under N", "Average response
//! time below N", "Pages load in under 2 seconds".

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value, parse_duration};
use golive_load::{Bound, Model, Plan, Protocol};
use serde::Deserialize;

use crate::load::{observe_plan, request, request_secrets};
use crate::{Context, Kind, Observation, Probe};

const MAX_SAMPLES: u64 = 10_000;

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
    #[serde(default = "default_samples")]
    pub samples: u64,
    #[serde(default)]
    pub interval: Option<String>,
    #[serde(default = "yes")]
    pub keep_alive: bool,
    #[serde(default)]
    pub http: Option<String>,
    #[serde(default)]
    pub insecure: bool,
}

fn default_samples() -> u64 {
    20
}

fn yes() -> bool {
    true
}

pub struct Latency {
    plan: Plan,
    samples: u64,
    insecure: bool,
    secrets: Vec<String>,
}

impl Kind for Latency {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        if s.samples == 0 || s.samples > MAX_SAMPLES {
            return Err(format!(
                "`samples` is between 1 and {MAX_SAMPLES}, not {}",
                s.samples
            ));
        }
        let request = request(s.method.as_deref(), &s.url, s.headers, s.body, s.json)?;
        let secrets = request_secrets(&request);
        let interval = match &s.interval {
            Some(i) => parse_duration(i).map_err(|e| format!("`interval`: {e}"))?,
            None => Duration::ZERO,
        };
        let placeholder = crate::net::tls::Trust::empty_configs().0;
        let mut plan = Plan::new(
            request,
            Model::Closed {
                users: 1,
                think: interval,
            },
            Bound {
                duration: None,
                requests: Some(s.samples),
            },
            placeholder,
        );
        plan.keep_alive = s.keep_alive;
        plan.threads = 1;
        if let Some(h) = &s.http {
            plan.protocol = Protocol::parse(h).map_err(|e| format!("`http`: {e}"))?;
        }
        plan.validate().map_err(|e| e.to_string())?;
        Ok(Self {
            plan,
            samples: s.samples,
            insecure: s.insecure,
            secrets,
        })
    }
}

#[async_trait]
impl Probe for Latency {
    fn target(&self) -> String {
        format!(
            "{} {} ({} samples)",
            self.plan.request.method, self.plan.request.target, self.samples
        )
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![Expectation::new("errors", Op::Lt, Literal::Percent(1.0))]
    }

    fn summary(&self, e: &Evidence) -> String {
        match (e.get("p50"), e.get("p95"), e.get("max"), e.get("requests")) {
            (Some(p50), Some(p95), Some(max), Some(n)) => {
                format!("p50 {p50}, p95 {p95}, max {max} over {n} samples")
            }
            _ => String::new(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        self.secrets.clone()
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let (mut obs, report) = observe_plan(self.plan.clone(), self.insecure, cx).await;
        if let Some(r) = report {
            obs.evidence
                .shift_insert(0, "samples".into(), Value::from(r.requests()));
            if r.requests() < self.samples && obs.failure.is_none() {
                obs.failure = Some(format!(
                    "only {} of {} samples fit in the check's time limit ({}); raise `timeout` or lower `samples`",
                    r.requests(),
                    self.samples,
                    golive_core::format_duration(cx.timeout)
                ));
            }
        }
        obs
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn settings_are_checked() {
        let build = |t: &str| crate::build_from(golive_core::ProbeKind::Latency, t).err();
        assert_eq!(build("url = 'http://x/'"), None);
        assert!(
            build("url = 'http://x/'\nsamples = 0")
                .unwrap()
                .contains("samples")
        );
        assert!(
            build("url = 'http://x/'\ninterval = 'x'")
                .unwrap()
                .contains("interval")
        );
        assert!(
            build("url = 'http://x/'\nhttp = '3'")
                .unwrap()
                .contains("HTTP version")
        );
        assert!(build("url = 'x'").unwrap().contains("absolute URL"));
    }
}
