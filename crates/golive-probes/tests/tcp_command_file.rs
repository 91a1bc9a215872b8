//! The `tcp`, `command` and `file` probes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use golive_core::{Expectation, ProbeKind};
use golive_probes::{Context, Observation, Probe};

async fn observe(kind: ProbeKind, settings: &str, cx: &Context) -> (Observation, Box<dyn Probe>) {
    let table: toml::Table = toml::from_str(settings).unwrap();
    let probe = golive_probes::build(kind, &table).unwrap();
    (probe.observe(cx).await, probe)
}

fn defaults_pass(probe: &dyn Probe, obs: &Observation) -> bool {
    obs.failure.is_none()
        && probe
            .default_expectations()
            .iter()
            .all(|e| e.evaluate(&obs.evidence).passed)
}

#[tokio::test]
async fn tcp_open_and_closed() {
    let cx = Context::basic(Duration::from_secs(3));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (obs, p) = observe(
        ProbeKind::Tcp,
        &format!("host = '127.0.0.1'\nport = {port}"),
        &cx,
    )
    .await;
    assert!(defaults_pass(p.as_ref(), &obs), "{obs:?}");
    let (obs, p) = observe(
        ProbeKind::Tcp,
        &format!("host = 'http://127.0.0.1:{port}/x'"),
        &cx,
    )
    .await;
    assert!(defaults_pass(p.as_ref(), &obs), "a URL gives host and port");
    let (obs, p) = observe(
        ProbeKind::Tcp,
        &format!("host = '127.0.0.1'\nport = {port}\nclosed = true"),
        &cx,
    )
    .await;
    assert!(
        !defaults_pass(p.as_ref(), &obs),
        "open when it should be closed fails"
    );
    drop(listener);
    // A port nothing listens on: port 1, which no test and no service of
    // this machine binds (a freshly freed port can be taken by anyone).
    let port = 1;
    let (obs, p) = observe(
        ProbeKind::Tcp,
        &format!("host = '127.0.0.1'\nport = {port}\nclosed = true"),
        &cx,
    )
    .await;
    assert!(defaults_pass(p.as_ref(), &obs), "{obs:?}");
    let (obs, p) = observe(
        ProbeKind::Tcp,
        &format!("host = '127.0.0.1'\nport = {port}"),
        &cx,
    )
    .await;
    assert!(!defaults_pass(p.as_ref(), &obs));
    assert_eq!(p.summary(&obs.evidence), "connection refused");
    let (obs, _) = observe(
        ProbeKind::Tcp,
        "host = 'no-such-host.invalid'\nport = 80",
        &cx,
    )
    .await;
    assert!(obs.failure.unwrap().contains("cannot connect"));
}

#[tokio::test]
async fn commands_status_output_and_time_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut cx = Context::basic(Duration::from_secs(5));
    cx.repo = dir.path().to_path_buf();
    cx.env = std::sync::Arc::new(vec![("GREETING".into(), "hello".into())]);
    let (obs, p) = observe(
        ProbeKind::Command,
        "run = 'echo $GREETING from $(pwd); echo oops >&2'",
        &cx,
    )
    .await;
    assert!(defaults_pass(p.as_ref(), &obs));
    let stdout = obs.evidence["stdout"].as_str().unwrap().to_string();
    assert!(
        stdout.starts_with("hello from ") && stdout.ends_with(&*dir.path().to_string_lossy()),
        "{stdout}"
    );
    assert_eq!(obs.evidence["stderr"].as_str(), Some("oops"));
    let (obs, p) = observe(ProbeKind::Command, "argv = ['sh', '-c', 'exit 3']", &cx).await;
    assert!(!defaults_pass(p.as_ref(), &obs));
    assert!(
        Expectation::parse("exit_code == 3")
            .unwrap()
            .evaluate(&obs.evidence)
            .passed
    );

    // A command that outlives its bound is killed with everything it started.
    cx.timeout = Duration::from_millis(500);
    let start = Instant::now();
    let (obs, _) = observe(ProbeKind::Command, "run = 'sleep 30 & sleep 30; wait'", &cx).await;
    assert!(obs.failure.unwrap().contains("did not finish within 500ms"));
    assert!(start.elapsed() < Duration::from_secs(3));
    let (obs, _) = observe(ProbeKind::Command, "argv = ['/no/such/program']", &cx).await;
    assert!(obs.failure.unwrap().contains("cannot start"));
}

#[tokio::test]
async fn files_exist_and_match() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("docs")).unwrap();
    std::fs::write(
        dir.path().join("docs/RUNBOOK.md"),
        "# Runbook\nNODE_ENV=production\nDEBUG=true\n",
    )
    .unwrap();
    let mut cx = Context::basic(Duration::from_secs(5));
    cx.repo = dir.path().to_path_buf();
    let (obs, p) = observe(
        ProbeKind::File,
        "path = 'docs/RUNBOOK.md'\ncontains = 'NODE_ENV=production'",
        &cx,
    )
    .await;
    assert!(defaults_pass(p.as_ref(), &obs));
    assert_eq!(obs.evidence["found_line"], golive_core::Value::Int(2));
    let (obs, p) = observe(
        ProbeKind::File,
        "path = 'docs/RUNBOOK.md'\nlacks = 'DEBUG=true'",
        &cx,
    )
    .await;
    assert!(!defaults_pass(p.as_ref(), &obs));
    let (obs, p) = observe(ProbeKind::File, "path = 'docs/MISSING.md'", &cx).await;
    assert!(!defaults_pass(p.as_ref(), &obs));
    assert_eq!(p.summary(&obs.evidence), "missing");
    let (obs, _) = observe(ProbeKind::File, "path = '../etc/passwd'", &cx).await;
    assert!(obs.failure.unwrap().contains("inside the repository"));
}
