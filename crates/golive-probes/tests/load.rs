//! The `latency` and `load` probes against nginx and a server whose latency
//! the test controls. Every load is bounded and goes to loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use golive_core::{Evidence, Expectation, ProbeKind, Value};
use golive_probes::{Context, Observation, Probe};
use golive_testkit::load::ControlledServer;
use golive_testkit::{Nginx, free_port};

const SERVERS: &str = r#"
server {
  listen 127.0.0.1:{port};
  location = /health { default_type application/json; return 200 '{"status":"ok"}'; }
  location = /down { return 503 'maintenance'; }
}
"#;

async fn observe(
    kind: ProbeKind,
    settings: &str,
    timeout: Duration,
) -> (Observation, Box<dyn Probe>) {
    let table: toml::Table = toml::from_str(settings).unwrap();
    let probe = golive_probes::build(kind, &table).unwrap();
    let obs = probe.observe(&Context::basic(timeout)).await;
    (obs, probe)
}

fn passes(evidence: &Evidence, expect: &str) -> bool {
    Expectation::parse(expect)
        .unwrap()
        .evaluate(evidence)
        .passed
}

/// The histogram is a list of `{upper_ms, count}` in ascending order whose
/// counts add up to the answers.
fn histogram_total(e: &Evidence) -> u64 {
    let Value::List(buckets) = &e["histogram"] else {
        panic!("no histogram list: {e:?}")
    };
    assert!(!buckets.is_empty());
    let mut last = 0.0;
    let mut total = 0;
    for b in buckets {
        let Value::Map(m) = b else { panic!("{b:?}") };
        let Value::Float(upper) = m["upper_ms"] else {
            panic!("{m:?}")
        };
        let Value::Int(count) = m["count"] else {
            panic!("{m:?}")
        };
        assert!(upper > last, "{buckets:?}");
        last = upper;
        total += count as u64;
    }
    total
}

#[tokio::test(flavor = "multi_thread")]
async fn latency_samples_a_real_server() {
    let nginx = Nginx::start(SERVERS);
    let (obs, probe) = observe(
        ProbeKind::Latency,
        &format!("url = '{}/health'\nsamples = 30", nginx.url()),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(obs.failure, None);
    let e = &obs.evidence;
    assert_eq!(e["samples"], Value::Int(30));
    assert_eq!(e["model"], Value::from("closed"));
    for ok in [
        "p50 < 1s",
        "max < 2s",
        "errors == 0%",
        "requests == 30",
        "rps > 0",
        "statuses.2xx == 30",
    ] {
        assert!(passes(e, ok), "{ok}: {e:?}");
    }
    assert!(matches!(e["p95"], Value::Duration(_)));
    assert_eq!(histogram_total(e), 30);
    assert!(
        probe
            .default_expectations()
            .iter()
            .all(|x| x.evaluate(e).passed)
    );
    assert!(
        probe.summary(e).contains("over 30 samples"),
        "{}",
        probe.summary(e)
    );
    assert!(probe.target().ends_with("(30 samples)"));

    // A failing endpoint fails the default expectation, with every sample counted.
    let (obs, probe) = observe(
        ProbeKind::Latency,
        &format!(
            "url = '{}/down'\nsamples = 5\nkeep_alive = false",
            nginx.url()
        ),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(obs.failure, None);
    assert_eq!(obs.evidence["errors"], Value::Float(100.0));
    assert!(
        !probe.default_expectations()[0]
            .evaluate(&obs.evidence)
            .passed
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn latency_thresholds_follow_the_server() {
    let server = ControlledServer::start();
    server.set_delay(Duration::from_millis(30));
    let (obs, _) = observe(
        ProbeKind::Latency,
        &format!("url = '{}/'\nsamples = 10", server.url()),
        Duration::from_secs(10),
    )
    .await;
    let e = &obs.evidence;
    assert!(passes(e, "p50 >= 30ms"), "{e:?}");
    assert!(passes(e, "p95 < 500ms"), "{e:?}");
    assert!(!passes(e, "p95 < 10ms"), "{e:?}");
    assert!(!passes(e, "mean < 20ms"), "{e:?}");
    assert_eq!(server.requests(), 10);

    // Samples that cannot fit in the check's time limit fail, saying so.
    let (obs, _) = observe(
        ProbeKind::Latency,
        &format!("url = '{}/'\nsamples = 1000", server.url()),
        Duration::from_millis(2500),
    )
    .await;
    let why = obs.failure.unwrap();
    assert!(why.contains("of 1000 samples fit"), "{why}");
}

#[tokio::test(flavor = "multi_thread")]
async fn latency_against_a_dead_port_fails_fast() {
    let start = Instant::now();
    let (obs, _) = observe(
        ProbeKind::Latency,
        &format!("url = 'http://127.0.0.1:{}/'", free_port()),
        Duration::from_secs(10),
    )
    .await;
    assert!(start.elapsed() < Duration::from_secs(3));
    let why = obs.failure.unwrap();
    assert!(why.contains("refused"), "{why}");
    assert!(passes(&obs.evidence, "errors_by_kind.connect >= 3"));
}

#[tokio::test(flavor = "multi_thread")]
async fn load_closed_and_open_models() {
    let nginx = Nginx::start(SERVERS);
    let (obs, probe) = observe(
        ProbeKind::Load,
        &format!("url = '{}/health'\nusers = 5\nduration = '1s'", nginx.url()),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(obs.failure, None);
    let e = &obs.evidence;
    assert_eq!(e["model"], Value::from("closed"));
    assert_eq!(e["users"], Value::Int(5));
    for ok in [
        "p99 < 1s",
        "errors < 1%",
        "rps > 50",
        "users >= 5",
        "requests > 50",
        "protocol == HTTP/1.1",
        "plan contains \"5 users\"",
    ] {
        assert!(passes(e, ok), "{ok}: {e:?}");
    }
    let Value::Int(responses) = e["responses"] else {
        panic!()
    };
    assert_eq!(histogram_total(e), responses as u64);
    assert!(
        probe.summary(e).contains("requests,"),
        "{}",
        probe.summary(e)
    );
    assert_eq!(
        probe.target(),
        format!("GET {}/health (5 users, 1s)", nginx.url())
    );

    let (obs, probe) = observe(
        ProbeKind::Load,
        &format!(
            "url = '{}/health'\nrate = 200.0\nduration = '1s'",
            nginx.url()
        ),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(obs.failure, None);
    let e = &obs.evidence;
    assert_eq!(e["model"], Value::from("open"));
    assert!(passes(e, "requests >= 190"), "{e:?}");
    assert!(passes(e, "requests <= 201"), "{e:?}");
    assert!(passes(e, "rate == 200"), "{e:?}");
    assert!(probe.target().contains("(200/s, 1s)"), "{}", probe.target());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_load_longer_than_its_check_is_refused_before_sending() {
    let server = ControlledServer::start();
    let (obs, _) = observe(
        ProbeKind::Load,
        &format!("url = '{}/'\nusers = 2\nduration = '30s'", server.url()),
        Duration::from_secs(10),
    )
    .await;
    let why = obs.failure.unwrap();
    assert!(why.contains("set `timeout = \"32s\"`"), "{why}");
    assert!(passes(&obs.evidence, "plan contains \"for 30s\""));
    assert_eq!(server.requests(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_load_logs_in_once_and_uses_the_token() {
    let server = ControlledServer::start();
    let settings = format!(
        "url = '{0}/private'\nusers = 3\nrequests = 90\nheaders = {{ Authorization = 'Bearer {{{{token}}}}' }}\n\
         login = {{ url = '{0}/login', json = {{ email = 'qa@example.com', password = 'pw-secret-1' }}, capture = {{ token = 'json.access_token' }} }}",
        server.url()
    );
    let (obs, probe) = observe(ProbeKind::Load, &settings, Duration::from_secs(10)).await;
    assert_eq!(obs.failure, None, "{:?}", obs.evidence);
    assert!(
        passes(&obs.evidence, "statuses.2xx == 90"),
        "{:?}",
        obs.evidence
    );
    assert!(passes(&obs.evidence, "errors == 0%"));
    assert_eq!(server.requests(), 91, "one login, then the load");
    assert!(probe.secrets().contains(&"pw-secret-1".to_string()));

    // A login that is refused stops the check before the load.
    let settings = settings.replace("/login'", "/nope'");
    let (obs, _) = observe(ProbeKind::Load, &settings, Duration::from_secs(10)).await;
    let why = obs.failure.unwrap();
    assert!(
        why.contains("/nope") && why.contains("access_token"),
        "{why}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http2_is_negotiated_over_tls() {
    let nginx = Nginx::start_with(
        "server { listen 127.0.0.1:{port} ssl http2; ssl_certificate {dir}/cert.pem; ssl_certificate_key {dir}/key.pem; location / { return 200 'hi'; } }",
        |dir| {
            let status = std::process::Command::new(golive_testkit::program("openssl"))
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    "ec",
                    "-pkeyopt",
                    "ec_paramgen_curve:prime256v1",
                ])
                .args(["-nodes", "-days", "1", "-subj", "/CN=localhost"])
                .arg("-keyout")
                .arg(dir.join("key.pem"))
                .arg("-out")
                .arg(dir.join("cert.pem"))
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        },
    );
    let url = format!("https://127.0.0.1:{}/", nginx.port);
    for (http, protocol) in [("auto", "HTTP/2"), ("2", "HTTP/2"), ("1.1", "HTTP/1.1")] {
        let (obs, _) = observe(
            ProbeKind::Load,
            &format!("url = '{url}'\nusers = 2\nrequests = 50\ninsecure = true\nhttp = '{http}'"),
            Duration::from_secs(10),
        )
        .await;
        assert_eq!(obs.failure, None, "{http}: {:?}", obs.evidence);
        assert_eq!(obs.evidence["protocol"], Value::from(protocol), "{http}");
        assert!(
            passes(&obs.evidence, "statuses.2xx == 50"),
            "{http}: {:?}",
            obs.evidence
        );
    }
    // Without `insecure`, the self-signed certificate is refused, and the
    // load stops after a few handshakes that all failed.
    let (obs, _) = observe(
        ProbeKind::Load,
        &format!("url = '{url}'\nusers = 1\nduration = '5s'"),
        Duration::from_secs(10),
    )
    .await;
    assert!(
        passes(&obs.evidence, "errors_by_kind.tls == 3"),
        "{:?}",
        obs.evidence
    );
    let why = obs.failure.unwrap();
    assert!(why.contains("TLS handshake"), "{why}");
}
