//! The `tcp` probe's scan mode ("allow 80/443/22, block all other ports")
//! against real listeners on a loopback address of their own, so that other
//! tests' servers on 127.0.0.1 do not show in the scan.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use golive_core::{ProbeKind, Value};
use golive_probes::{Context, Observation, Probe};

mod common;
use common::{defaults_pass, failures, passes};

/// A loopback address (127.0.0.0/8 all reaches this machine) few others use.
fn own_address() -> Ipv4Addr {
    let pid = std::process::id();
    Ipv4Addr::new(127, 77, (pid >> 8) as u8, (pid as u8) | 1)
}

async fn observe(settings: &str, timeout: Duration) -> (Observation, Box<dyn Probe>) {
    common::observe(ProbeKind::Tcp, settings, &Context::basic(timeout)).await
}

fn ports(obs: &Observation, key: &str) -> Vec<u16> {
    match obs.evidence.get(key) {
        Some(Value::List(l)) => l
            .iter()
            .map(|v| match v {
                Value::Int(i) => u16::try_from(*i).unwrap(),
                other => panic!("{key}: {other:?}"),
            })
            .collect(),
        other => panic!("{key}: {other:?}"),
    }
}

#[tokio::test]
async fn only_allowed_ports_may_be_open() {
    let ip = own_address();
    let allowed_a = TcpListener::bind((ip, 0)).unwrap();
    let allowed_b = TcpListener::bind((ip, 0)).unwrap();
    let stray = TcpListener::bind((ip, 0)).unwrap();
    let closed = TcpListener::bind((ip, 0)).unwrap();
    let port = |l: &TcpListener| l.local_addr().unwrap().port();
    let (a, b, s, c) = (
        port(&allowed_a),
        port(&allowed_b),
        port(&stray),
        port(&closed),
    );
    drop(closed);
    // A window around the stray port, plus each named one.
    let spec = format!(
        "{a},{b},{c},{}-{}",
        s.saturating_sub(100).max(1),
        s.saturating_add(100)
    );
    let settings = format!("host = '{ip}'\nscan = '{spec}'\nallowed = [{a}, {b}]");
    let (obs, probe) = observe(&settings, Duration::from_secs(5)).await;
    assert_eq!(obs.failure, None, "{obs:?}");
    let open = ports(&obs, "open_ports");
    let unexpected = ports(&obs, "unexpected_open");
    assert!(
        open.contains(&a) && open.contains(&b) && open.contains(&s),
        "{open:?}"
    );
    assert!(!open.contains(&c), "a closed port reported open: {open:?}");
    assert!(unexpected.contains(&s), "{unexpected:?}");
    assert!(!unexpected.contains(&a) && !unexpected.contains(&b));
    // Anything else reported open is a listener of someone else on all
    // addresses: it must really be open.
    for p in unexpected.iter().filter(|&&p| p != s) {
        assert!(
            TcpStream::connect_timeout(&(ip, *p).into(), Duration::from_secs(1)).is_ok(),
            "port {p} reported open but is not"
        );
    }
    assert_eq!(ports(&obs, "allowed_open"), {
        let mut v = vec![a, b];
        v.sort_unstable();
        v
    });
    let failed = failures(probe.as_ref(), &obs);
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0].starts_with("expected unexpected_open == \"[]\", got [")
            && failed[0].contains(&s.to_string()),
        "{failed:?}"
    );
    assert!(probe.summary(&obs.evidence).contains("unexpected open"));
    let scanned = match obs.evidence.get("scanned") {
        Some(Value::Int(n)) => *n,
        other => panic!("{other:?}"),
    };
    assert!(scanned >= 200, "{scanned}");

    // The stray service stops: the scan passes.
    drop(stray);
    let (obs, probe) = observe(&settings, Duration::from_secs(5)).await;
    if passes(&obs.evidence, "unexpected_open == []") {
        assert!(defaults_pass(probe.as_ref(), &obs));
        assert!(probe.summary(&obs.evidence).contains("only allowed open"));
    } else {
        // Only someone else's listener on every address can remain.
        assert!(!ports(&obs, "unexpected_open").contains(&s));
    }
    drop((allowed_a, allowed_b));
}

#[tokio::test]
async fn a_scan_that_cannot_finish_in_time_fails_saying_so() {
    let ip = own_address();
    let start = Instant::now();
    let (obs, _) = observe(
        &format!("host = '{ip}'\nscan = '1-65535'\nconcurrency = 1"),
        Duration::from_millis(300),
    )
    .await;
    let failure = obs.failure.expect("a partial scan never passes");
    assert!(
        failure.contains("did not finish") && failure.contains("unchecked"),
        "{failure}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );

    let (obs, _) = observe(
        "host = 'no-such-host.invalid'\nscan = '1-10'",
        Duration::from_secs(3),
    )
    .await;
    assert!(obs.failure.unwrap().contains("cannot resolve"));
}
