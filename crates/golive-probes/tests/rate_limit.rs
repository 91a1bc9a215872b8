//! The `rate_limit` probe against nginx with `limit_req` on and off.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use golive_core::{Evidence, Expectation, ProbeKind};
use golive_probes::{Context, Observation, Probe};
use golive_testkit::Nginx;

const SERVERS: &str = r#"
limit_req_zone $binary_remote_addr zone=login:1m rate=2r/s;
limit_req_status 429;
server {
  listen 127.0.0.1:{port};
  location /limited {
    limit_req zone=login burst=5 nodelay;
    add_header X-RateLimit-Limit 2 always;
    add_header Retry-After 1 always;
    # `return` runs before limit_req would; a file is served after it.
    root {root};
    try_files /ok.txt =404;
  }
  location /open { return 200 'ok'; }
}
"#;

async fn observe(settings: &str, cx: &Context) -> (Observation, Box<dyn Probe>) {
    let table: toml::Table = toml::from_str(settings).unwrap();
    let probe = golive_probes::build(ProbeKind::RateLimit, &table).unwrap();
    (probe.observe(cx).await, probe)
}

fn start(servers: &str) -> Nginx {
    Nginx::start_with(servers, |dir| {
        std::fs::write(dir.join("root/ok.txt"), "ok").unwrap();
    })
}

fn passes(e: &Evidence, expect: &str) -> bool {
    Expectation::parse(expect).unwrap().evaluate(e).passed
}

#[tokio::test]
async fn limit_req_answers_429_within_the_burst() {
    let nginx = start(SERVERS);
    let cx = Context::basic(Duration::from_secs(10));
    let (obs, probe) = observe(
        &format!(
            "url = '{}/limited'\nmax_requests = 50\nconcurrency = 1",
            nginx.url()
        ),
        &cx,
    )
    .await;
    assert_eq!(obs.failure, None);
    let e = &obs.evidence;
    assert!(
        probe
            .default_expectations()
            .iter()
            .all(|x| x.evaluate(e).passed),
        "{e:?}"
    );
    // burst=5 with nodelay: the 7th request at the latest is refused.
    assert!(
        passes(e, "limited_after <= 7"),
        "{:?}",
        e.get("limited_after")
    );
    assert!(passes(e, "limited_status == 429"));
    assert!(passes(e, "statuses.429 >= 1"));
    assert!(
        passes(e, "rate_headers.retry-after == 1"),
        "{:?}",
        e.get("rate_headers")
    );
    assert!(passes(e, "rate_headers.x-ratelimit-limit == 2"));
    assert!(passes(e, "plan contains \"at most 50\""));
    assert!(passes(e, "max_requests == 50"));
    assert!(probe.summary(e).starts_with("limited after"));
}

#[tokio::test]
async fn no_limit_fails_and_the_burst_stays_bounded() {
    let nginx = start(SERVERS);
    let cx = Context::basic(Duration::from_secs(10));
    let start = Instant::now();
    let (obs, probe) = observe(
        &format!("url = '{}/open'\nmax_requests = 40", nginx.url()),
        &cx,
    )
    .await;
    assert_eq!(obs.failure, None);
    let e = &obs.evidence;
    assert!(passes(e, "limited == false"));
    assert!(passes(e, "requests == 40"), "{:?}", e.get("requests"));
    assert!(passes(e, "statuses.200 == 40"));
    assert!(!probe.default_expectations()[0].evaluate(e).passed);
    assert!(start.elapsed() < Duration::from_secs(8));
    // A time bound ends a burst as surely as a count.
    let (obs, _) = observe(
        &format!(
            "url = '{}/open'\nmax_requests = 10000\nmax_duration = '400ms'",
            nginx.url()
        ),
        &cx,
    )
    .await;
    assert!(
        passes(&obs.evidence, "time < 2s"),
        "{:?}",
        obs.evidence.get("time")
    );
    assert!(passes(&obs.evidence, "requests < 10000"));
}

#[tokio::test]
async fn a_configured_status_counts_as_the_limit() {
    let nginx = start(
        r#"
limit_req_zone $binary_remote_addr zone=z:1m rate=1r/s;
limit_req_status 503;
server { listen 127.0.0.1:{port}; location / { limit_req zone=z; root {root}; try_files /ok.txt =404; } }
"#,
    );
    let cx = Context::basic(Duration::from_secs(10));
    let (obs, probe) = observe(
        &format!(
            "url = '{}/'\nstatus = [503]\nmax_requests = 20",
            nginx.url()
        ),
        &cx,
    )
    .await;
    assert!(
        probe.default_expectations()[0]
            .evaluate(&obs.evidence)
            .passed,
        "{:?}",
        obs.evidence
    );
}

#[tokio::test]
async fn a_dead_server_is_a_failure_not_a_pass() {
    let port = golive_testkit::free_port();
    let cx = Context::basic(Duration::from_secs(3));
    let (obs, _) = observe(
        &format!("url = 'http://127.0.0.1:{port}/'\nmax_requests = 5"),
        &cx,
    )
    .await;
    let why = obs.failure.expect("a failure");
    assert!(why.contains("never answered"), "{why}");
}
