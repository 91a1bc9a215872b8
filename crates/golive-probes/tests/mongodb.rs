//! The `mongodb` probe. No MongoDB server runs on this machine (nor on
//! CI's), so what is tested is what can be: its settings, URL reading and
//! redaction, and that a refusing, silent, garbage-speaking or unresolvable
//! server gives a clear failure within the timeout. With the `mongodb`
//! feature off (the default build), the check fails saying how to get a
//! build with it; `scripts/test` runs this file a second time with the
//! feature on, so that the driver's path is tested too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

mod support;

use std::time::{Duration, Instant};

use golive_core::ProbeKind;
use support::*;

#[test]
fn settings_urls_and_secrets() {
    let p = build(
        ProbeKind::Mongodb,
        "url = 'mongodb://app:M0ngo-s3cret@db1:27017,db2:27017/app?replicaSet=rs0&authSource=admin'",
    );
    assert_eq!(
        p.target(),
        "mongodb mongodb://app:[redacted]@db1:27017,db2:27017/app?replicaSet=rs0&authSource=admin"
    );
    assert!(p.secrets().contains(&"M0ngo-s3cret".to_string()));
    let p = build(
        ProbeKind::Mongodb,
        "url = 'mongodb+srv://app:p%40ss-w0rd@cluster0.example.net/app'",
    );
    assert!(
        p.secrets().contains(&"p@ss-w0rd".to_string()),
        "the decoded password too"
    );
    assert!(!p.target().contains("w0rd"));
    assert!(build_err(ProbeKind::Mongodb, "url = 'postgres://h/db'").contains("mongodb://"));
    assert!(build_err(ProbeKind::Mongodb, "url = 'mongodb://'").contains("no host"));
    assert!(build_err(ProbeKind::Mongodb, "uri = 'mongodb://h'").contains("uri"));
}

async fn fails_within(url: &str, timeout: Duration) -> String {
    let probe = build(ProbeKind::Mongodb, &format!("url = '{url}'"));
    let start = Instant::now();
    let obs = tokio::time::timeout(Duration::from_secs(15), probe.observe(&cx(timeout)))
        .await
        .expect("the mongodb probe hung");
    assert!(
        start.elapsed() < timeout + Duration::from_millis(1500),
        "took {:?}",
        start.elapsed()
    );
    assert!(passes(&obs.evidence, "connected == false"), "{obs:?}");
    let reason = obs.failure.expect("a failure");
    assert_secret_kept(
        probe.as_ref(),
        &golive_probes::Observation::failed(obs.evidence, reason.clone()),
        "M0ngo-pw",
    );
    reason
}

#[tokio::test]
async fn dead_silent_and_garbage_servers_fail_clearly() {
    let timeout = Duration::from_secs(2);
    let refused = format!("127.0.0.1:{}", golive_testkit::free_port());
    let silent = golive_testkit::silent_listener();
    let garbage = golive_testkit::garbage_listener();
    for (what, addr) in [
        ("refusing", refused),
        ("silent", silent.addr.to_string()),
        ("garbage", garbage.addr.to_string()),
        ("unresolvable", "no-such-host.invalid:27017".to_string()),
    ] {
        let reason = fails_within(&format!("mongodb://app:M0ngo-pw@{addr}/app"), timeout).await;
        eprintln!("mongodb against a {what} server: {reason}");
        assert!(reason.starts_with("MongoDB at "), "{reason}");
        if cfg!(feature = "mongodb") {
            assert!(
                reason.contains("no MongoDB server could be selected"),
                "{what}: {reason}"
            );
            let detail = match what {
                "refusing" => "Connection refused",
                "silent" => "none answered (timed out)",
                "garbage" => "invalid reply",
                _ => "failed to lookup address",
            };
            assert!(reason.contains(detail), "{what}: {reason}");
            assert!(!reason.contains("Topology"), "{what}: {reason}");
        } else {
            assert!(
                reason.contains("--features golive-probes/mongodb"),
                "{reason}"
            );
        }
    }
}
