//! The `dns` probe against a real DNS server (dnsmasq) with a zone the test
//! kit writes, one name of which points to the wrong address, and against
//! resolvers that misbehave on purpose. Only loopback resolvers are asked:
//! the system's may be anywhere.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use golive_core::{Evidence, Expectation, ProbeKind};
use golive_probes::{Context, Observation, Probe};
use golive_testkit::dns::{Dnsmasq, WRONG_ADDRESS, garbage_udp, silent_udp};
use golive_testkit::free_port;

mod common;
use common::{defaults_pass, passes};

async fn observe(settings: &str) -> (Observation, Box<dyn Probe>) {
    common::observe(
        ProbeKind::Dns,
        settings,
        &Context::basic(Duration::from_secs(2)),
    )
    .await
}

fn verdict(evidence: &Evidence, expect: &str) -> golive_core::expect::Verdict {
    Expectation::parse(expect).unwrap().evaluate(evidence)
}

#[tokio::test]
async fn a_name_resolves_to_its_addresses() {
    let dns = Dnsmasq::start();
    let (obs, probe) = observe(&format!(
        "name = 'api.golive.test'\nresolver = '{}'",
        dns.addr
    ))
    .await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    let e = &obs.evidence;
    for ok in [
        "resolved == true",
        "status == NOERROR",
        "addresses contains 127.0.0.1",
        "addresses contains ::1",
        "a contains 127.0.0.1",
        "aaaa contains ::1",
        "ttl == 5m",
        "ttl <= 1h",
        "records[0].type == A",
        "records[0].ttl == 300s",
        "time < 2s",
    ] {
        assert!(passes(e, ok), "{ok}: {e:?}");
    }
    assert_eq!(probe.summary(e), "127.0.0.1, ::1");
    assert_eq!(
        probe.target(),
        format!("dns api.golive.test A,AAAA @{}", dns.addr)
    );
}

#[tokio::test]
async fn a_stale_record_fails_the_address_expected() {
    let dns = Dnsmasq::start();
    let (obs, probe) = observe(&format!(
        "name = 'old.golive.test'\nresolver = '{}'",
        dns.addr
    ))
    .await;
    // It resolves: the default passes; the address is what is wrong.
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    let v = verdict(&obs.evidence, "addresses contains 127.0.0.1");
    assert!(!v.passed);
    assert_eq!(
        v.explain(),
        format!("expected addresses contains 127.0.0.1, got [\"{WRONG_ADDRESS}\"]")
    );
    assert!(passes(&obs.evidence, "missing contains AAAA"));
}

#[tokio::test]
async fn cname_mx_and_txt_records() {
    let dns = Dnsmasq::start();
    let (obs, _) = observe(&format!(
        "name = 'www.golive.test'\ntypes = ['A']\nresolver = '{}'",
        dns.addr
    ))
    .await;
    let e = &obs.evidence;
    assert!(passes(e, "cname contains api.golive.test."), "{e:?}");
    assert!(passes(e, "addresses contains 127.0.0.1"), "{e:?}");

    let (obs, probe) = observe(&format!(
        "name = 'golive.test'\ntypes = ['MX', 'TXT']\nresolver = '{}'",
        dns.addr
    ))
    .await;
    let e = &obs.evidence;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    assert!(passes(e, "mx contains \"10 mail.golive.test.\""), "{e:?}");
    assert!(passes(e, "txt contains \"v=spf1 -all\""), "{e:?}");
    assert!(passes(e, "addresses == []") || passes(e, "a[0] not exists"));
}

#[tokio::test]
async fn a_missing_name_does_not_resolve() {
    let dns = Dnsmasq::start();
    let (obs, probe) = observe(&format!(
        "name = 'nope.golive.test'\nresolver = '{}'",
        dns.addr
    ))
    .await;
    assert_eq!(obs.failure, None, "NXDOMAIN is an answer");
    assert!(!defaults_pass(probe.as_ref(), &obs));
    assert!(passes(&obs.evidence, "status == NXDOMAIN"), "{obs:?}");
    assert!(passes(&obs.evidence, "resolved == false"));
    assert_eq!(probe.summary(&obs.evidence), "NXDOMAIN");
}

#[tokio::test]
async fn dead_silent_and_garbage_resolvers_fail_with_a_reason_in_time() {
    let silent = silent_udp();
    let garbage = garbage_udp();
    let cases = [
        (
            format!("127.0.0.1:{}", free_port()),
            "gave no usable answer",
        ),
        (silent.addr.to_string(), "no valid DNS answer"),
        (garbage.addr.to_string(), "no valid DNS answer"),
    ];
    for (resolver, why) in cases {
        let start = Instant::now();
        let (obs, _) = observe(&format!(
            "name = 'api.golive.test'\nresolver = '{resolver}'"
        ))
        .await;
        let failure = obs
            .failure
            .unwrap_or_else(|| panic!("{resolver}: no failure: {:?}", obs.evidence));
        assert!(failure.contains(why), "{resolver}: {failure}");
        assert!(failure.contains(&resolver), "{failure}");
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{resolver}: {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn settings_are_checked() {
    let build = |t: &str| {
        let table: toml::Table = toml::from_str(t).unwrap();
        golive_probes::build(ProbeKind::Dns, &table)
            .map(|p| p.target())
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        build("name = 'https://api.example.com/x'").unwrap(),
        "dns api.example.com A,AAAA"
    );
    assert_eq!(
        build("name = 'example.com'\ntypes = ['mx']\nresolver = '127.0.0.1'").unwrap(),
        "dns example.com MX @127.0.0.1:53"
    );
    assert!(
        build("name = 'x'\ntypes = ['SRV']")
            .unwrap_err()
            .contains("SRV")
    );
    assert!(
        build("name = 'x'\nresolver = 'dns.google'")
            .unwrap_err()
            .contains("resolver")
    );
    assert!(
        build("name = '10.0.0.1'")
            .unwrap_err()
            .contains("nothing to resolve")
    );
}
