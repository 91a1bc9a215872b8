//! Helpers the probe tests share: build a probe from TOML settings, observe
//! once, and judge the evidence with expectations as the runner would.

#![allow(dead_code, clippy::unwrap_used)]

use golive_core::{Evidence, Expectation, ProbeKind};
use golive_probes::{Context, Observation, Probe};

/// Builds a probe of `kind` from TOML settings and observes once.
pub async fn observe(
    kind: ProbeKind,
    settings: &str,
    cx: &Context,
) -> (Observation, Box<dyn Probe>) {
    let table: toml::Table = toml::from_str(settings).unwrap();
    let probe = golive_probes::build(kind, &table)
        .unwrap_or_else(|e| panic!("{kind} settings `{settings}`: {e}"));
    (probe.observe(cx).await, probe)
}

pub fn passes(evidence: &Evidence, expect: &str) -> bool {
    Expectation::parse(expect)
        .unwrap()
        .evaluate(evidence)
        .passed
}

/// The probe's default expectations that fail, explained as reports do.
pub fn failures(probe: &dyn Probe, obs: &Observation) -> Vec<String> {
    probe
        .default_expectations()
        .iter()
        .map(|e| e.evaluate(&obs.evidence))
        .filter(|v| !v.passed)
        .map(|v| v.explain())
        .collect()
}

/// Would the runner pass the check with the probe's defaults?
pub fn defaults_pass(probe: &dyn Probe, obs: &Observation) -> bool {
    obs.failure.is_none() && failures(probe, obs).is_empty()
}
