//! What the datastore probes' tests share: building and running a probe
//! from TOML settings, reading verdicts, and driving a probe against
//! servers that are dead, refusing, silent or speaking garbage.

// The reasons are printed: `--nocapture` shows how each failure reads.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr
)]

use std::time::{Duration, Instant};

use golive_core::{Evidence, Expectation, ProbeKind, Redactor};
use golive_probes::{Context, Observation, Probe};

pub fn cx(timeout: Duration) -> Context {
    Context::basic(timeout)
}

/// A context that trusts the test CA.
pub fn cx_trusting(ca: &std::path::Path, timeout: Duration) -> Context {
    let mut cx = Context::basic(timeout);
    let trust = golive_probes::net::tls::Trust {
        system: false,
        ca_files: vec![ca.to_path_buf()],
    };
    let (tls, insecure) = trust.client_configs().unwrap();
    cx.tls = tls;
    cx.tls_insecure = insecure;
    cx
}

pub fn build(kind: ProbeKind, settings: &str) -> Box<dyn Probe> {
    let table: toml::Table = toml::from_str(settings).unwrap();
    golive_probes::build(kind, &table).unwrap_or_else(|e| panic!("{kind}: {e}"))
}

pub fn build_err(kind: ProbeKind, settings: &str) -> String {
    let table: toml::Table = toml::from_str(settings).unwrap();
    match golive_probes::build(kind, &table) {
        Ok(_) => panic!("{kind} accepted {settings}"),
        Err(e) => e.to_string(),
    }
}

pub async fn observe(
    kind: ProbeKind,
    settings: &str,
    cx: &Context,
) -> (Observation, Box<dyn Probe>) {
    let probe = build(kind, settings);
    (probe.observe(cx).await, probe)
}

pub fn passes(evidence: &Evidence, expect: &str) -> bool {
    Expectation::parse(expect)
        .unwrap()
        .evaluate(evidence)
        .passed
}

/// What the runner would decide with the probe's default expectations.
pub fn defaults_pass(probe: &dyn Probe, obs: &Observation) -> bool {
    obs.failure.is_none()
        && probe
            .default_expectations()
            .iter()
            .all(|e| e.evaluate(&obs.evidence).passed)
}

/// The reasons the default expectations give, as the runner words them.
pub fn default_failures(probe: &dyn Probe, obs: &Observation) -> Vec<String> {
    probe
        .default_expectations()
        .iter()
        .map(|e| e.evaluate(&obs.evidence))
        .filter(|v| !v.passed)
        .map(|v| v.explain())
        .collect()
}

/// The secret is in `secrets()`, never in `target()`, and gone from the
/// evidence and reason once the runner's redaction (built from those
/// secrets) has passed.
pub fn assert_secret_kept(probe: &dyn Probe, obs: &Observation, secret: &str) {
    assert!(
        !probe.target().contains(secret),
        "target: {}",
        probe.target()
    );
    let secrets = probe.secrets();
    assert!(
        secrets.iter().any(|s| s == secret),
        "secrets() lacks it: {} secrets",
        secrets.len()
    );
    let r = Redactor::new(secrets);
    let mut ev = obs.evidence.clone();
    r.redact_evidence(&mut ev);
    let text = format!(
        "{ev:?} {:?} {}",
        obs.failure.as_deref().map(|f| r.redact(f).into_owned()),
        probe.summary(&ev)
    );
    assert!(!text.contains(secret), "{text}");
}

/// Runs the probe made by `settings(addr)` against a refusing port, a
/// silent listener and a garbage-speaking one: each must fail with a reason
/// containing what `expect` says for it, within the timeout.
pub async fn misbehaving(kind: ProbeKind, settings: impl Fn(&str) -> String) {
    let timeout = Duration::from_secs(2);
    let cx = cx(timeout);
    let refused = format!("127.0.0.1:{}", golive_testkit::free_port());
    let silent = golive_testkit::silent_listener();
    let garbage = golive_testkit::garbage_listener();
    let cases = [
        ("refusing", refused),
        ("silent", silent.addr.to_string()),
        ("garbage", garbage.addr.to_string()),
        ("unresolvable", "no-such-host.invalid:5999".to_string()),
    ];
    for (what, addr) in cases {
        let probe = build(kind, &settings(&addr));
        let start = Instant::now();
        let obs = tokio::time::timeout(Duration::from_secs(10), probe.observe(&cx))
            .await
            .unwrap_or_else(|_| panic!("{kind} against a {what} server hung"));
        let took = start.elapsed();
        let reason = obs
            .failure
            .clone()
            .unwrap_or_else(|| panic!("{kind} against a {what} server did not fail: {obs:?}"));
        assert!(
            took < timeout + Duration::from_millis(1500),
            "{kind} {what}: took {took:?}"
        );
        let hint = match what {
            "refusing" => "refused",
            "silent" => "timed out",
            "unresolvable" => "no-such-host.invalid",
            _ => "",
        };
        assert!(reason.contains(hint), "{kind} {what}: {reason}");
        assert!(
            !reason.is_empty() && reason.len() < 600,
            "{kind} {what}: {reason}"
        );
        eprintln!("{kind} against a {what} server: {reason} ({took:?})");
    }
}
