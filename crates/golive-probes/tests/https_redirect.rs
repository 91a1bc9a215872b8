//! The `https_redirect` probe against a real nginx whose locations redirect
//! well and badly, and against listeners that misbehave on purpose.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use golive_core::ProbeKind;
use golive_probes::{Context, Observation, Probe};
use golive_testkit::{Nginx, free_port, garbage_listener, silent_listener};

mod common;
use common::{failures, passes};

const SERVERS: &str = r#"
server {
  listen 127.0.0.1:{port};
  location /good { return 301 https://$host:8443$request_uri; }
  location /temporary { return 307 https://$host:8443$request_uri; }
  location /other-host { return 301 https://parking.example.net$request_uri; }
  location /home { return 301 https://$host:8443/; }
  location /plain { return 301 http://$host:8443$request_uri; }
  location /relative { return 302 /login; }
  location /served { return 200 'no redirect'; }
}
"#;

async fn observe(settings: &str) -> (Observation, Box<dyn Probe>) {
    common::observe(
        ProbeKind::HttpsRedirect,
        settings,
        &Context::basic(Duration::from_secs(2)),
    )
    .await
}

/// The default expectations' failures, explained.
#[tokio::test]
async fn a_redirect_to_the_same_url_over_https_passes() {
    let nginx = Nginx::start(SERVERS);
    let (obs, probe) = observe(&format!(
        "url = '{}/good/page?x=1'\nhttps_port = 8443",
        nginx.url()
    ))
    .await;
    assert_eq!(obs.failure, None);
    assert_eq!(
        failures(probe.as_ref(), &obs),
        Vec::<String>::new(),
        "{obs:?}"
    );
    assert!(passes(&obs.evidence, "to_https == true"));
    assert!(passes(&obs.evidence, "permanent == true"));
    assert!(passes(
        &obs.evidence,
        "location == \"https://127.0.0.1:8443/good/page?x=1\""
    ));
    assert_eq!(
        probe.summary(&obs.evidence),
        "301 → https://127.0.0.1:8443/good/page?x=1"
    );

    // Given the https:// URL, the plain form is asked on `http_port`.
    let (obs, probe) = observe(&format!(
        "url = 'https://127.0.0.1:8443/temporary'\nhttp_port = {}",
        nginx.port
    ))
    .await;
    assert_eq!(
        failures(probe.as_ref(), &obs),
        Vec::<String>::new(),
        "{obs:?}"
    );
    assert!(passes(&obs.evidence, "status == 307"));
    assert!(passes(&obs.evidence, "permanent == false"));
}

#[tokio::test]
async fn wrong_redirects_fail_saying_where_they_went() {
    let nginx = Nginx::start(SERVERS);
    let url = nginx.url();
    let expected = |path: &str| format!("https://127.0.0.1:8443{path}");
    let cases = [
        (
            "/other-host/x",
            format!(
                "expected redirect_to == \"{}\", got \"https://parking.example.net/other-host/x\"",
                expected("/other-host/x")
            ),
        ),
        (
            "/home/deep",
            format!(
                "expected redirect_to == \"{}\", got \"https://127.0.0.1:8443/\"",
                expected("/home/deep")
            ),
        ),
        (
            "/plain",
            format!(
                "expected redirect_to == \"{}\", got \"http://127.0.0.1:8443/plain\"",
                expected("/plain")
            ),
        ),
        (
            "/relative",
            format!(
                "expected redirect_to == \"{}\", got \"http://127.0.0.1:{}/login\"",
                expected("/relative"),
                nginx.port
            ),
        ),
    ];
    for (path, why) in cases {
        let (obs, probe) = observe(&format!("url = '{url}{path}'\nhttps_port = 8443")).await;
        assert_eq!(obs.failure, None, "{path}");
        assert_eq!(failures(probe.as_ref(), &obs), vec![why], "{path}");
        assert!(passes(&obs.evidence, "to_https == false"), "{path}");
    }
    let (obs, probe) = observe(&format!("url = '{url}/served'\nhttps_port = 8443")).await;
    let failed = failures(probe.as_ref(), &obs);
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(failed[0], "expected status matches \"^30[1278]$\", got 200");
    assert!(failed[1].ends_with("but it was not measured"), "{failed:?}");
    assert_eq!(probe.summary(&obs.evidence), "200, no redirect");
}

#[tokio::test]
async fn dead_silent_and_garbage_servers_fail_with_a_reason_in_time() {
    let silent = silent_listener();
    let garbage = garbage_listener();
    let cases = [
        (
            format!("http://127.0.0.1:{}/", free_port()),
            "Connection refused",
        ),
        (
            format!("http://127.0.0.1:{}/", silent.addr.port()),
            "waiting for the response",
        ),
        (
            format!("http://127.0.0.1:{}/", garbage.addr.port()),
            "no valid HTTP response",
        ),
        ("http://no-such-host.invalid/".to_string(), "cannot resolve"),
    ];
    for (url, why) in cases {
        let start = Instant::now();
        let (obs, _) = observe(&format!("url = '{url}'")).await;
        let failure = obs.failure.unwrap_or_else(|| panic!("{url}: no failure"));
        assert!(failure.contains(why), "{url}: {failure}");
        assert!(failure.starts_with("plain HTTP at "), "{failure}");
        assert!(start.elapsed() < Duration::from_secs(3), "{url}");
    }
}
