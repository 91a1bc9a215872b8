//! `golive load` and load checks in `golive run`, through the real binary
//! against servers on loopback. Every load is bounded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use assert_cmd::Command;
use golive_testkit::load::ControlledServer;
use golive_testkit::{Nginx, free_port};

fn golive() -> Command {
    let mut c = Command::cargo_bin("golive").unwrap();
    c.env("NO_COLOR", "1");
    c
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

#[test]
fn exit_statuses_follow_the_thresholds() {
    let server = ControlledServer::start();
    server.set_delay(Duration::from_millis(20));
    let url = format!("{}/", server.url());

    // Passing: 0, with the plan said on stderr before the summary.
    let out = golive()
        .args(["load", &url, "--users", "2", "--requests", "40"])
        .args(["--threshold", "p95<500ms", "--threshold", "errors<1%"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("closed model, 2 users"), "{stderr}");
    assert!(stderr.contains("at most 40 requests"), "{stderr}");
    assert!(stdout.contains("40 answered"), "{stdout}");
    assert!(stdout.contains("✓ p95<500ms"), "{stdout}");
    assert!(stdout.contains("PASS"), "{stdout}");
    // Not a terminal: no progress line.
    assert!(!stdout.contains('\r'), "{stdout:?}");

    // A threshold that fails: 1.
    let out = golive()
        .args(["load", &url, "--users", "2", "--requests", "20"])
        .args(["--threshold", "p(95)<5"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("✗ p95 < 5"), "{stdout}");
    assert!(stdout.contains("FAIL"), "{stdout}");

    // Errors fail the default threshold.
    server.set_status(500);
    let out = golive()
        .args(["load", &url, "--requests", "10", "--users", "1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("status_5xx"), "{stdout}");
    assert!(stdout.contains("(default threshold)"), "{stdout}");
}

#[test]
fn bad_input_is_refused_before_sending() {
    let server = ControlledServer::start();
    let url = server.url();
    for (args, says) in [
        (vec!["load", url.as_str(), "--users", "2"], "needs a bound"),
        (
            vec!["load", url.as_str(), "-d", "1s", "--threshold", "p59<1s"],
            "not a load metric",
        ),
        (
            vec!["load", url.as_str(), "-d", "1s", "--threshold", "p95 ~ 1"],
            "threshold",
        ),
        (vec!["load", "ftp://x/", "-d", "1s"], "not http or https"),
        (
            vec!["load", url.as_str(), "-d", "1s", "--rate", "fast"],
            "not a rate",
        ),
        (
            vec!["load", url.as_str(), "-d", "1s", "--users", "0"],
            "users",
        ),
        (
            vec!["load", url.as_str(), "-d", "1s", "--http", "3"],
            "HTTP version",
        ),
        (
            vec!["load", url.as_str(), "-d", "1s", "-H", "nocolon"],
            "Name: value",
        ),
        (
            vec!["load", url.as_str(), "-n", "5", "--stress", "5"],
            "needs a duration",
        ),
    ] {
        let out = golive().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert_eq!(server.requests(), 0);
}

#[test]
fn a_dead_port_fails_quickly() {
    let start = Instant::now();
    let out = golive()
        .args(["load", &format!("http://127.0.0.1:{}/", free_port())])
        .args(["--users", "5", "--duration", "30s", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(out.status.code(), Some(1));
    let j = json(&out.stdout);
    assert_eq!(j["passed"], false);
    assert!(j["evidence"]["errors_by_kind"]["connect"].as_u64().unwrap() >= 5);
    assert!(
        j["evidence"]["aborted"]
            .as_str()
            .unwrap()
            .contains("refused")
    );
}

#[test]
fn json_output_and_an_open_model() {
    let nginx = Nginx::start("server { listen 127.0.0.1:{port}; location / { return 200 'hi'; } }");
    let out = golive()
        .args(["load", &format!("{}/", nginx.url())])
        .args(["--rate", "100/s", "--duration", "1s", "--format", "json"])
        .args(["--threshold", "rps>50"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = json(&out.stdout);
    let e = &j["evidence"];
    assert_eq!(e["model"], "open");
    assert_eq!(e["rate"], 100.0);
    let requests = e["requests"].as_u64().unwrap();
    assert!((95..=101).contains(&requests), "{requests}");
    assert!(e["p50"].as_f64().unwrap() > 0.0);
    assert!(
        e["histogram"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["upper_ms"].is_f64())
    );
    assert_eq!(j["thresholds"][0]["expect"], "rps>50");
    assert_eq!(j["thresholds"][0]["passed"], true);
}

#[test]
fn the_json_run_report_carries_the_latency_histogram() {
    let nginx = Nginx::start("server { listen 127.0.0.1:{port}; location / { return 200 'hi'; } }");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("golive.toml");
    std::fs::write(
        &config,
        format!(
            "[targets]\napp = '{}'\n\n\
             [[check]]\nid = 'api-latency'\nkind = 'latency'\nurl = '${{app}}/'\nsamples = 25\nexpect = ['p95 < 1s']\n\n\
             [[check]]\nid = 'api-load'\nkind = 'load'\nurl = '${{app}}/'\nusers = 4\nduration = '1500ms'\nexpect = ['p95 < 1s', 'errors < 1%']\n",
            nginx.url()
        ),
    )
    .unwrap();
    // The load check sets no timeout: it gets its duration and set-up
    // time, more than --check-timeout.
    let out = golive()
        .args(["run", config.to_str().unwrap(), "--format", "json"])
        .args(["--check-timeout", "1s"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let j = json(&out.stdout);
    // Without a checklist, each check is an item of its own.
    let checks: Vec<&serde_json::Value> = j["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| &item["checks"][0])
        .collect();
    assert_eq!(checks.len(), 2, "{j}");
    for check in &checks {
        assert_eq!(check["status"], "passed", "{check}");
        let e = &check["evidence"];
        let histogram = e["histogram"].as_array().expect("a histogram list");
        assert!(!histogram.is_empty());
        let mut last = 0.0;
        let mut total = 0;
        for b in histogram {
            let upper = b["upper_ms"].as_f64().unwrap();
            assert!(upper > last, "{histogram:?}");
            last = upper;
            total += b["count"].as_u64().unwrap();
        }
        assert_eq!(total, e["responses"].as_u64().unwrap(), "{e}");
        for p in ["p50", "p95", "p99", "max"] {
            assert!(e[p].as_f64().is_some(), "{p}: {e}");
        }
        assert!(e["errors"].is_number() && e["rps"].is_number() && e["requests"].is_number());
        assert_eq!(e["model"], "closed");
    }
    assert_eq!(checks[0]["evidence"]["samples"], 25);
}

#[test]
fn a_load_check_with_too_short_a_timeout_fails_before_sending() {
    let server = ControlledServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("golive.toml");
    std::fs::write(
        &config,
        format!(
            "[[check]]\nid = 'api-load'\nkind = 'load'\nurl = '{}/'\nusers = 2\nduration = '20s'\ntimeout = '3s'\n",
            server.url()
        ),
    )
    .unwrap();
    let start = Instant::now();
    let out = golive()
        .args(["run", config.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(start.elapsed() < Duration::from_secs(10));
    let j = json(&out.stdout);
    let check = &j["items"][0]["checks"][0];
    assert_eq!(check["status"], "failed");
    let reason = check["reason"].as_str().unwrap();
    assert!(reason.contains("set `timeout = \"22s\"`"), "{reason}");
    assert_eq!(server.requests(), 0);
}
