//! The runner: bounds, dependencies, retries, missing inputs, redaction.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use golive_core::{CheckSpec, CheckStatus, Expectation, Origin, Plan, ProbeKind};
use golive_run::{Options, Vars};

fn check(id: &str, kind: ProbeKind, settings: &str) -> CheckSpec {
    CheckSpec::new(
        id,
        kind,
        toml::from_str(settings).unwrap(),
        Origin::Config { line: 1 },
    )
}

fn options(vars: Vars, repo: Option<PathBuf>) -> Options {
    let (tls, tls_insecure) = golive_probes::net::tls::Trust::default()
        .client_configs()
        .unwrap();
    Options {
        concurrency: 8,
        overall_timeout: None,
        check_timeout: Duration::from_secs(5),
        insecure: false,
        tls,
        tls_insecure,
        repo,
        vars,
    }
}

fn plan(checks: Vec<CheckSpec>) -> Plan {
    Plan {
        checks,
        ..Plan::default()
    }
}

#[tokio::test]
async fn a_silent_target_fails_at_its_bound_and_the_run_ends() {
    let silent = golive_testkit::silent_listener();
    let mut slow = check(
        "slow",
        ProbeKind::Http,
        &format!("url = 'http://{}/'", silent.addr),
    );
    slow.timeout = Some(Duration::from_millis(400));
    let fast = check(
        "fast",
        ProbeKind::Tcp,
        &format!("host = '127.0.0.1'\nport = {}", silent.addr.port()),
    );
    let start = Instant::now();
    let results = golive_run::run(
        &plan(vec![slow, fast]),
        None,
        &options(Vars::default(), None),
    )
    .await
    .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(results[0].status, CheckStatus::Failed);
    assert!(
        results[0]
            .reason
            .as_ref()
            .unwrap()
            .contains("timed out after 400ms")
    );
    assert_eq!(results[1].status, CheckStatus::Passed);

    // The whole run's bound: a check still running then fails, and says why.
    let mut hang = check(
        "hang",
        ProbeKind::Http,
        &format!("url = 'http://{}/'", silent.addr),
    );
    hang.timeout = Some(Duration::from_secs(30));
    let mut opts = options(Vars::default(), None);
    opts.overall_timeout = Some(Duration::from_millis(300));
    let start = Instant::now();
    let results = golive_run::run(&plan(vec![hang]), None, &opts)
        .await
        .unwrap();
    assert!(start.elapsed() < Duration::from_secs(3));
    assert_eq!(results[0].status, CheckStatus::Failed);
    assert!(
        results[0]
            .reason
            .as_ref()
            .unwrap()
            .contains("--timeout 300ms"),
        "{:?}",
        results[0].reason
    );
}

#[tokio::test]
async fn dependencies_skip_with_the_reason() {
    let port = golive_testkit::free_port();
    let db = check(
        "db",
        ProbeKind::Tcp,
        &format!("host = '127.0.0.1'\nport = {port}"),
    );
    let mut app = check(
        "app",
        ProbeKind::Tcp,
        &format!("host = '127.0.0.1'\nport = {port}"),
    );
    app.depends_on = vec!["db".into()];
    let mut after = check(
        "after",
        ProbeKind::Tcp,
        &format!("host = '127.0.0.1'\nport = {port}"),
    );
    after.depends_on = vec!["app".into()];
    let results = golive_run::run(
        &plan(vec![after, app, db]),
        None,
        &options(Vars::default(), None),
    )
    .await
    .unwrap();
    assert_eq!(results[2].status, CheckStatus::Failed);
    assert_eq!(results[1].status, CheckStatus::Skipped);
    assert!(
        results[1]
            .reason
            .as_ref()
            .unwrap()
            .contains("`db`, which it depends on, failed")
    );
    assert!(
        results[0]
            .reason
            .as_ref()
            .unwrap()
            .contains("`app`, which it depends on, was skipped")
    );
    let mut cyclic = check("a", ProbeKind::Tcp, "host = 'x'\nport = 1");
    cyclic.depends_on = vec!["a".into()];
    assert!(
        golive_run::run(&plan(vec![cyclic]), None, &options(Vars::default(), None))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn retries_until_it_passes() {
    let dir = tempfile::tempdir().unwrap();
    // Fails on the first attempt, passes on the second.
    let mut flaky = check(
        "flaky",
        ProbeKind::Command,
        "run = 'if [ -f seen ]; then exit 0; else touch seen; exit 1; fi'",
    );
    flaky.retries = 2;
    flaky.retry_delay = Duration::from_millis(10);
    let results = golive_run::run(
        &plan(vec![flaky]),
        None,
        &options(Vars::default(), Some(dir.path().into())),
    )
    .await
    .unwrap();
    assert_eq!(results[0].status, CheckStatus::Passed);
    assert_eq!(results[0].attempts, 2);
}

#[tokio::test]
async fn missing_inputs_leave_checks_not_verified() {
    let http = check("health", ProbeKind::Http, "url = '${app}/health'");
    let db = check(
        "db",
        ProbeKind::Tcp,
        "host = '${DATABASE_HOST}'\nport = 5432",
    );
    let file = check("readme", ProbeKind::File, "path = 'README.md'");
    let results = golive_run::run(
        &plan(vec![http, db, file]),
        None,
        &options(Vars::new(false), None),
    )
    .await
    .unwrap();
    for r in &results {
        assert_eq!(r.status, CheckStatus::NotVerified, "{}", r.id);
    }
    assert!(results[0].reason.as_ref().unwrap().contains("needs --url"));
    assert!(
        results[1]
            .reason
            .as_ref()
            .unwrap()
            .contains("needs DATABASE_HOST (in --env-file or the environment)")
    );
    assert!(results[2].reason.as_ref().unwrap().contains("needs --repo"));
}

#[tokio::test]
async fn secrets_never_leave_the_runner() {
    let dir = tempfile::tempdir().unwrap();
    let mut vars = Vars::new(false);
    vars.set_env("JWT_SECRET", "jwt-signing-secret-0123456789");
    vars.set_env(
        "DATABASE_URL",
        "postgres://app:db-pass-word-42@127.0.0.1:1/app",
    );
    let mut echo = check(
        "echo",
        ProbeKind::Command,
        "run = 'echo secret=$JWT_SECRET url=$DATABASE_URL; exit 1'",
    );
    echo.expect = vec![Expectation::parse("stdout contains nothing-like-this").unwrap()];
    let db = check("db", ProbeKind::Http, "url = '${DATABASE_URL}'");
    let results = golive_run::run(
        &plan(vec![echo, db]),
        None,
        &options(vars, Some(dir.path().into())),
    )
    .await
    .unwrap();
    let all = serde_json::to_string(&results).unwrap();
    assert!(!all.contains("jwt-signing-secret-0123456789"), "{all}");
    assert!(!all.contains("db-pass-word-42"), "{all}");
    assert!(all.contains("secret=[redacted]"), "{all}");
}

#[tokio::test]
async fn only_the_selected_checks_and_their_dependencies_run() {
    let port = golive_testkit::free_port();
    let a = check(
        "a",
        ProbeKind::Tcp,
        &format!("host = '127.0.0.1'\nport = {port}\nclosed = true"),
    );
    let mut b = check(
        "b",
        ProbeKind::Tcp,
        &format!("host = '127.0.0.1'\nport = {port}\nclosed = true"),
    );
    b.depends_on = vec!["a".into()];
    let c = check(
        "c",
        ProbeKind::Tcp,
        &format!("host = '127.0.0.1'\nport = {port}\nclosed = true"),
    );
    let results = golive_run::run(
        &plan(vec![a, b, c]),
        Some(&[false, true, false]),
        &options(Vars::default(), None),
    )
    .await
    .unwrap();
    let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
}
