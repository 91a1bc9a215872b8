//! The engine against servers on loopback: a stall the open model must
//! show, latency the test controls, a dead port, a login flow, bounds.
//! Every load here is bounded in requests or seconds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use golive_core::Value;
use golive_load::{Bound, Capture, ErrorKind, Model, Plan, Protocol, Report, RequestSpec, Step};
use golive_testkit::load::ControlledServer;
use golive_testkit::{Nginx, free_port};

fn tls() -> Arc<rustls::ClientConfig> {
    Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth(),
    )
}

fn plan(url: &str, model: Model, bound: Bound) -> Plan {
    let request = RequestSpec::build(None, url, Vec::new(), None, None).unwrap();
    let mut p = Plan::new(request, model, bound, tls());
    p.timeout = Duration::from_secs(5);
    p
}

fn closed(users: u32) -> Model {
    Model::Closed {
        users,
        think: Duration::ZERO,
    }
}

fn for_secs(s: f64) -> Bound {
    Bound {
        duration: Some(Duration::from_secs_f64(s)),
        requests: None,
    }
}

async fn run(p: &Plan) -> Report {
    golive_load::run(p, None).await.unwrap()
}

fn passes(report: &Report, threshold: &str) -> bool {
    golive_load::threshold::parse(threshold)
        .unwrap()
        .evaluate(&report.evidence())
        .passed
}

#[tokio::test(flavor = "multi_thread")]
async fn the_open_model_shows_a_stall_that_the_closed_model_hides() {
    // Closed model: 10 users stall with the server, so only 10 requests
    // see the stall among tens of thousands; its p99 stays low.
    let server = ControlledServer::start();
    server.stall(Duration::from_millis(1000), Duration::from_secs(1));
    let closed = run(&plan(&server.url(), closed(10), for_secs(3.0))).await;
    assert_eq!(closed.failed(), 0, "{:?}", closed.evidence());
    assert!(
        closed.max() >= Duration::from_millis(900),
        "{:?}",
        closed.max()
    );
    assert!(
        closed.quantile(0.99) < Duration::from_millis(300),
        "closed p99 {:?} over {} answers",
        closed.quantile(0.99),
        closed.responses
    );
    assert_eq!(closed.model, "closed");

    // Open model at 1000/s: requests due during the stall wait for it, and
    // their latency counts from when they were due.
    let server = ControlledServer::start();
    server.stall(Duration::from_millis(1000), Duration::from_secs(1));
    let open = run(&plan(
        &server.url(),
        Model::Open {
            rate: 1000.0,
            users: 20,
        },
        for_secs(3.0),
    ))
    .await;
    assert_eq!(open.model, "open");
    assert_eq!(open.failed(), 0, "{:?}", open.evidence());
    assert!(
        open.quantile(0.99) >= Duration::from_millis(800),
        "open p99 {:?} should show the 1s stall",
        open.quantile(0.99)
    );
    assert!(open.quantile(0.9) >= Duration::from_millis(300));
    // The rate held: about 3000 requests. A few may be due but unsent at
    // the end when the machine is busy; the report counts them.
    assert!(
        (2700..=3001).contains(&open.requests()),
        "{} requests",
        open.requests()
    );
    assert!(
        open.dropped + open.cancelled < 300,
        "{} dropped, {} cancelled",
        open.dropped,
        open.cancelled
    );
    assert!(passes(&open, "p99 > 800ms"));
    assert!(!passes(&open, "p99 < 200ms"));
}

#[tokio::test(flavor = "multi_thread")]
async fn thresholds_pass_and_fail_as_written() {
    let server = ControlledServer::start();
    server.set_delay(Duration::from_millis(50));
    let report = run(&plan(&server.url(), closed(4), for_secs(1.5))).await;
    for pass in [
        "p95<200ms",
        "p(95)<200",
        "p50 >= 50ms",
        "min>=50ms",
        "errors<1%",
        "http_req_failed: rate<0.01",
        "success > 99%",
        "rps > 30",
        "rps < 200",
        "users == 4",
        "requests > 50",
    ] {
        assert!(passes(&report, pass), "{pass}: {:?}", report.evidence());
    }
    for fail in ["p95<40ms", "p(99)<45", "avg<20", "rps>500", "errors>0%"] {
        assert!(!passes(&report, fail), "{fail}: {:?}", report.evidence());
    }

    server.set_delay(Duration::ZERO);
    server.set_status(503);
    let report = run(&plan(
        &server.url(),
        closed(2),
        Bound {
            duration: None,
            requests: Some(40),
        },
    ))
    .await;
    assert_eq!(report.requests(), 40);
    assert_eq!(report.errors_of(ErrorKind::Status5xx), 40);
    assert!(!passes(&report, "errors<1%"));
    assert!(passes(&report, "errors == 100%"));
    assert!(passes(&report, "errors_by_kind.status_5xx == 40"));
    assert_eq!(
        report.evidence()["error"],
        Value::from("status_5xx: answered 503")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_port_ends_quickly_with_connect_errors_counted() {
    let url = format!("http://127.0.0.1:{}/", free_port());
    let start = Instant::now();
    let report = run(&plan(&url, closed(10), for_secs(30.0))).await;
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        report.errors_of(ErrorKind::Connect) >= 10,
        "{:?}",
        report.errors
    );
    assert_eq!(report.responses, 0);
    let why = report.aborted.clone().unwrap();
    assert!(
        why.contains("Connection refused") || why.contains("refused"),
        "{why}"
    );
    assert!(!passes(&report, "errors<1%"));
    assert!(passes(&report, "errors_by_kind.connect >= 10"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_flow_supplies_the_token() {
    let server = ControlledServer::start();
    let private = format!("{}/private", server.url());
    let bound = Bound {
        duration: None,
        requests: Some(200),
    };

    let mut p = plan(&private, closed(4), bound);
    p.request = RequestSpec::build(
        None,
        &private,
        vec![("Authorization".into(), "Bearer {{token}}".into())],
        None,
        None,
    )
    .unwrap();
    p.setup = vec![Step {
        request: RequestSpec::build(
            Some("POST"),
            &format!("{}/login", server.url()),
            Vec::new(),
            None,
            Some(serde_json::json!({"email": "qa@example.com", "password": "pw"})),
        )
        .unwrap(),
        captures: vec![Capture::new("token", "json.access_token").unwrap()],
    }];
    assert!(p.describe().contains("after 1 setup request (POST /login)"));
    let report = run(&p).await;
    assert_eq!(report.requests(), 200);
    assert_eq!(report.failed(), 0, "{:?}", report.evidence());

    // Without the login the same requests are refused.
    let report = run(&plan(&private, closed(4), bound)).await;
    assert_eq!(report.errors_of(ErrorKind::Status4xx), 200);

    // A capture the answer lacks stops the load before it starts.
    p.setup[0].captures = vec![Capture::new("token", "json.nope").unwrap()];
    let err = golive_load::run(&p, None).await.unwrap_err();
    assert!(err.contains("json.nope"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn request_counts_are_exact_and_unbounded_plans_refused() {
    let server = ControlledServer::start();
    let by_count = |model| {
        plan(
            &server.url(),
            model,
            Bound {
                duration: None,
                requests: Some(321),
            },
        )
    };
    assert_eq!(run(&by_count(closed(7))).await.requests(), 321);
    let open = run(&by_count(Model::Open {
        rate: 2000.0,
        users: 8,
    }))
    .await;
    assert_eq!(open.requests(), 321);
    assert_eq!(server.requests(), 642);

    let unbounded = plan(&server.url(), closed(1), Bound::default());
    let err = golive_load::run(&unbounded, None).await.unwrap_err();
    assert!(err.contains("needs a bound"), "{err}");
    assert_eq!(server.requests(), 642, "an unbounded plan sent nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stress_ramp_stops_at_its_bound_and_says_where_errors_began() {
    let server = Arc::new(ControlledServer::start());
    let flip = server.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(2300)).await;
        flip.set_status(503);
    });
    let mut p = plan(&server.url(), closed(2), for_secs(4.0));
    p.stress = Some(5.0);
    assert!(p.describe().contains("ramping from 2 to 10 users (5x)"));
    let start = Instant::now();
    let report = run(&p).await;
    assert!(start.elapsed() < Duration::from_secs(6));
    let stress = report.stress.clone().unwrap();
    let (at, factor, users) = stress.errors_began.unwrap();
    assert_eq!(at, Duration::from_secs(2), "{:?}", report.timeline);
    assert!((1.0..5.0).contains(&factor), "{factor}");
    assert!((2.0..10.0).contains(&users), "{users}");
    assert!(!passes(&report, "load_factor >= 5"));
    assert!(passes(&report, "load_factor >= 1"));
    assert_eq!(report.users, 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn http2_new_connections_and_keep_alive_against_nginx() {
    // 300 requests from 3 users, at most 5 seconds.
    let bounded = |nginx: &Nginx| {
        plan(
            &format!("{}/", nginx.url()),
            closed(3),
            Bound {
                duration: Some(Duration::from_secs(5)),
                requests: Some(300),
            },
        )
    };
    let h2c = Nginx::start(
        "server { listen 127.0.0.1:{port} http2; location / { return 200 'hello'; } }",
    );
    let mut p = bounded(&h2c);
    p.protocol = Protocol::Http2;
    let report = run(&p).await;
    assert_eq!(report.protocol, "HTTP/2");
    assert_eq!(report.responses, 300, "{:?}", report.evidence());
    assert_eq!(report.bytes, 1500);

    let h1 = Nginx::start("server { listen 127.0.0.1:{port}; location / { return 200 'hello'; } }");
    let mut p = bounded(&h1);
    p.keep_alive = false;
    assert!(p.describe().contains("a new connection per request"));
    let report = run(&p).await;
    assert_eq!(report.protocol, "HTTP/1.1");
    assert_eq!(report.responses, 300, "{:?}", report.evidence());
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_are_sorted_by_kind() {
    let bound = Bound {
        duration: Some(Duration::from_secs(5)),
        requests: Some(6),
    };
    // No answer within the request timeout.
    let slow = ControlledServer::start();
    slow.set_delay(Duration::from_secs(3));
    let mut p = plan(&slow.url(), closed(2), bound);
    p.timeout = Duration::from_millis(200);
    let report = run(&p).await;
    assert_eq!(
        report.errors_of(ErrorKind::Timeout),
        6,
        "{:?}",
        report.evidence()
    );
    assert!(passes(&report, "errors_by_kind.timeout == 6"));

    // The connection closes before an answer.
    let closing = golive_testkit::raw_http(Duration::ZERO, "");
    let report = run(&plan(
        &format!("http://{}/", closing.addr),
        closed(2),
        bound,
    ))
    .await;
    assert_eq!(
        report.errors_of(ErrorKind::Reset),
        6,
        "{:?}",
        report.evidence()
    );

    // Bytes that are no HTTP at all. This listener hangs up after its
    // junk, so a request may also meet a closed connection.
    let garbage = golive_testkit::garbage_listener();
    let report = run(&plan(
        &format!("http://{}/", garbage.addr),
        closed(2),
        bound,
    ))
    .await;
    let protocol = report.errors_of(ErrorKind::Protocol);
    assert!(protocol >= 1, "{:?}", report.evidence());
    assert_eq!(protocol + report.errors_of(ErrorKind::Reset), 6);
    assert_eq!(report.responses, 0);
}
