//! The `http` probe against a real nginx, and against listeners that
//! misbehave on purpose.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use golive_core::{Evidence, Expectation, ProbeKind};
use golive_probes::{Context, Observation};
use golive_testkit::{Nginx, garbage_listener, raw_http, silent_listener};

const SERVERS: &str = r#"
server {
  listen 127.0.0.1:{port};
  location = /health { default_type application/json; return 200 '{"status":"ok","database":"connected","redis":"down"}'; }
  location = /down { return 503 'maintenance'; }
  location = /old { return 301 /health; }
  location = /loop { return 302 /loop; }
  location = /echo-method { return 200 $request_method; }
  location = /auth { if ($http_authorization != "Bearer s3cret-token-value") { return 401; } return 200 'welcome'; }
  location = /headers { add_header Strict-Transport-Security "max-age=63072000; includeSubDomains" always; add_header Set-Cookie "sid=abc123secret; Path=/; HttpOnly; Secure"; return 200 'ok'; }
}
"#;

async fn observe(
    settings: &str,
    timeout: Duration,
) -> (Observation, Box<dyn golive_probes::Probe>) {
    let table: toml::Table = toml::from_str(settings).unwrap();
    let probe = golive_probes::build(ProbeKind::Http, &table).unwrap();
    let obs = probe.observe(&Context::basic(timeout)).await;
    (obs, probe)
}

fn passes(evidence: &Evidence, expect: &str) -> bool {
    Expectation::parse(expect)
        .unwrap()
        .evaluate(evidence)
        .passed
}

#[tokio::test]
async fn measures_a_real_server() {
    let nginx = Nginx::start(SERVERS);
    let (obs, probe) = observe(
        &format!("url = '{}/health'", nginx.url()),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(obs.failure, None);
    let e = &obs.evidence;
    for ok in [
        "status == 200",
        "json.status == ok",
        "json.database == connected",
        "json.redis != connected",
        "header.content-type contains json",
        "header.server matches \"^nginx\"",
        "time < 2s",
        "timings.connect < 1s",
        "body_size > 10",
        "version == HTTP/1.1",
    ] {
        assert!(passes(e, ok), "{ok}: {e:?}");
    }
    assert!(!passes(e, "json.redis == connected"));
    // The probe's own default: status < 400.
    let defaults = probe.default_expectations();
    assert!(defaults.iter().all(|x| x.evaluate(e).passed));
    assert!(
        probe.summary(e).starts_with("200 in "),
        "{}",
        probe.summary(e)
    );
}

#[tokio::test]
async fn failing_statuses_fail_the_default_expectation() {
    let nginx = Nginx::start(SERVERS);
    let (obs, probe) = observe(
        &format!("url = '{}/down'", nginx.url()),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(
        obs.failure, None,
        "a 503 is an answer, not a failure to measure"
    );
    assert!(passes(&obs.evidence, "status == 503"));
    assert!(
        probe
            .default_expectations()
            .iter()
            .any(|x| !x.evaluate(&obs.evidence).passed)
    );
}

#[tokio::test]
async fn redirects_are_followed_only_when_asked() {
    let nginx = Nginx::start(SERVERS);
    let (obs, _) = observe(
        &format!("url = '{}/old'", nginx.url()),
        Duration::from_secs(5),
    )
    .await;
    assert!(passes(&obs.evidence, "status == 301"));
    assert!(passes(&obs.evidence, "location contains /health"));
    let (obs, _) = observe(
        &format!("url = '{}/old'\nfollow_redirects = true", nginx.url()),
        Duration::from_secs(5),
    )
    .await;
    assert!(passes(&obs.evidence, "status == 200"));
    assert!(passes(&obs.evidence, "redirects[0].status == 301"));
    let (obs, _) = observe(
        &format!(
            "url = '{}/loop'\nfollow_redirects = true\nmax_redirects = 3",
            nginx.url()
        ),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(obs.failure.as_deref(), Some("more than 3 redirects"));
}

#[tokio::test]
async fn methods_headers_and_secrets() {
    let nginx = Nginx::start(SERVERS);
    let (obs, _) = observe(
        &format!(
            "url = '{}/echo-method'\nmethod = 'post'\nbody = 'x'",
            nginx.url()
        ),
        Duration::from_secs(5),
    )
    .await;
    assert!(
        passes(&obs.evidence, "body == POST"),
        "{:?}",
        obs.evidence.get("body")
    );
    let (obs, probe) = observe(
        &format!(
            "url = '{}/auth'\nheaders = {{ Authorization = 'Bearer s3cret-token-value' }}",
            nginx.url()
        ),
        Duration::from_secs(5),
    )
    .await;
    assert!(passes(&obs.evidence, "status == 200"));
    assert!(
        probe.secrets().iter().any(|s| s == "s3cret-token-value"),
        "the token is known to redaction"
    );
    let (obs, _) = observe(
        &format!("url = '{}/headers'", nginx.url()),
        Duration::from_secs(5),
    )
    .await;
    assert!(passes(
        &obs.evidence,
        "header.strict-transport-security contains max-age=63072000"
    ));
    let cookies = format!("{:?}", obs.evidence.get("header"));
    assert!(
        cookies.contains("sid=[redacted]; Path=/; HttpOnly; Secure"),
        "{cookies}"
    );
    assert!(!cookies.contains("abc123secret"));
}

#[tokio::test]
async fn a_silent_server_fails_at_the_bound() {
    let silent = silent_listener();
    let start = Instant::now();
    let (obs, _) = observe(
        &format!("url = 'http://{}/health'", silent.addr),
        Duration::from_millis(700),
    )
    .await;
    let took = start.elapsed();
    let why = obs.failure.expect("a silent server is a failure");
    assert!(
        why.contains("timed out after 700ms") && why.contains("did not answer"),
        "{why}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[tokio::test]
async fn garbage_and_refusal_are_clear_failures() {
    let garbage = garbage_listener();
    let (obs, _) = observe(
        &format!("url = 'http://{}/'", garbage.addr),
        Duration::from_secs(3),
    )
    .await;
    let why = obs.failure.expect("garbage is a failure");
    assert!(why.contains("no valid HTTP response"), "{why}");
    let port = golive_testkit::free_port();
    let (obs, _) = observe(
        &format!("url = 'http://127.0.0.1:{port}/'"),
        Duration::from_secs(3),
    )
    .await;
    let why = obs.failure.expect("refused is a failure");
    assert!(
        why.contains("cannot connect") && why.contains("refused"),
        "{why}"
    );
    let slow = raw_http(
        Duration::from_millis(0),
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    );
    let (obs, _) = observe(
        &format!("url = 'http://{}/'", slow.addr),
        Duration::from_secs(3),
    )
    .await;
    assert!(passes(&obs.evidence, "body == ok"));
}
