//! The `headers` probe against nginx configured well, badly and in between,
//! with the grade of each configuration asserted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use golive_core::{Evidence, Expectation, ProbeKind};
use golive_probes::net::tls::Trust;
use golive_probes::{Context, Observation, Probe};
use golive_testkit::Nginx;
use golive_testkit::security::test_cert;

fn context(ca: &Path) -> Context {
    let mut cx = Context::basic(Duration::from_secs(5));
    let (tls, insecure) = Trust {
        system: false,
        ca_files: vec![ca.to_path_buf()],
    }
    .client_configs()
    .unwrap();
    cx.tls = tls;
    cx.tls_insecure = insecure;
    cx
}

async fn observe(settings: &str, cx: &Context) -> (Observation, Box<dyn Probe>) {
    let table: toml::Table = toml::from_str(settings).unwrap();
    let probe = golive_probes::build(ProbeKind::Headers, &table).unwrap();
    (probe.observe(cx).await, probe)
}

fn passes(e: &Evidence, expect: &str) -> bool {
    Expectation::parse(expect).unwrap().evaluate(e).passed
}

fn result(e: &Evidence, test: &str) -> String {
    let Some(golive_core::Value::Map(tests)) = e.get("tests") else {
        panic!("no tests in {e:?}")
    };
    let Some(golive_core::Value::Map(t)) = tests.get(test) else {
        panic!("no {test}")
    };
    t.get("result").unwrap().as_str().unwrap().to_string()
}

fn tls_server(http_port: u16, headers: &str, body: &str) -> Nginx {
    let conf = format!(
        r#"
server {{
  listen 127.0.0.1:{{port}} ssl;
  ssl_certificate {{dir}}/cert.pem;
  ssl_certificate_key {{dir}}/key.pem;
  location / {{
    default_type text/html;
    {headers}
    return 200 '{body}';
  }}
}}
server {{
  listen 127.0.0.1:{http_port};
  location / {{ return 301 https://127.0.0.1:{{port}}$request_uri; }}
}}
"#
    );
    Nginx::start_with(&conf, |dir| {
        test_cert(dir);
    })
}

#[tokio::test]
async fn well_configured_nginx_grades_a_plus() {
    let http_port = golive_testkit::free_port();
    let nginx = tls_server(
        http_port,
        r#"add_header Content-Security-Policy "default-src 'none'; frame-ancestors 'none'" always;
    add_header Strict-Transport-Security "max-age=63072000; includeSubDomains; preload" always;
    add_header X-Content-Type-Options nosniff always;
    add_header X-Frame-Options DENY always;
    add_header Referrer-Policy no-referrer always;
    add_header Cross-Origin-Resource-Policy same-origin always;
    add_header Set-Cookie "sessionid=abc123; Path=/; Secure; HttpOnly; SameSite=Strict" always;"#,
        "<html><body><p>bookings</p></body></html>",
    );
    let cx = context(&nginx.dir.path().join("ca.pem"));
    let (obs, probe) = observe(
        &format!(
            "url = 'https://127.0.0.1:{}/'\nhttp_url = 'http://127.0.0.1:{http_port}/'",
            nginx.port
        ),
        &cx,
    )
    .await;
    assert_eq!(obs.failure, None);
    let e = &obs.evidence;
    assert!(passes(e, "grade == A+"), "{:?}", e.get("grade"));
    assert!(passes(e, "score == 125"), "{:?}", e.get("score"));
    assert_eq!(
        result(e, "content-security-policy"),
        "csp-implemented-with-no-unsafe-default-src-none"
    );
    assert_eq!(result(e, "redirection"), "redirection-to-https");
    assert_eq!(
        result(e, "x-frame-options"),
        "x-frame-options-implemented-via-csp"
    );
    assert_eq!(
        result(e, "cookies"),
        "cookies-secure-with-httponly-sessions-and-samesite"
    );
    assert!(passes(e, "hsts.max_age >= 31536000"));
    assert!(passes(e, "hsts.preload == true"));
    assert!(passes(e, "tests.strict-transport-security.pass == true"));
    assert!(
        probe
            .default_expectations()
            .iter()
            .all(|x| x.evaluate(e).passed)
    );
    assert_eq!(probe.summary(e), "grade A+ (125/100)");
    // The cookie's value never reaches the evidence.
    assert!(!format!("{e:?}").contains("abc123"));
}

#[tokio::test]
async fn badly_configured_nginx_grades_f() {
    let nginx = Nginx::start(
        r#"
server {
  listen 127.0.0.1:{port};
  location / {
    default_type text/html;
    add_header Access-Control-Allow-Origin $http_origin always;
    add_header Access-Control-Allow-Credentials true always;
    add_header Set-Cookie "sessionid=abc123; Path=/" always;
    return 200 '<html><script src="http://cdn.example.com/app.js"></script></html>';
  }
}
"#,
    );
    let cx = Context::basic(Duration::from_secs(5));
    let (obs, probe) = observe(&format!("url = '{}/'", nginx.url()), &cx).await;
    assert_eq!(obs.failure, None);
    let e = &obs.evidence;
    assert!(passes(e, "grade == F"), "{:?}", e.get("grade"));
    assert!(passes(e, "score == 0"));
    assert_eq!(result(e, "content-security-policy"), "csp-not-implemented");
    assert_eq!(result(e, "cookies"), "cookies-session-without-secure-flag");
    assert_eq!(
        result(e, "cross-origin-resource-sharing"),
        "cross-origin-resource-sharing-implemented-with-universal-access"
    );
    assert_eq!(result(e, "redirection"), "redirection-missing");
    assert_eq!(
        result(e, "strict-transport-security"),
        "hsts-not-implemented-no-https"
    );
    assert_eq!(
        result(e, "subresource-integrity"),
        "sri-not-implemented-and-external-scripts-not-loaded-securely"
    );
    assert_eq!(
        result(e, "x-frame-options"),
        "x-frame-options-not-implemented"
    );
    assert!(passes(e, "tests.x-content-type-options.modifier == -5"));
    assert!(
        probe
            .default_expectations()
            .iter()
            .any(|x| !x.evaluate(e).passed)
    );
}

#[tokio::test]
async fn half_done_headers_grade_b_minus_and_fail_the_default() {
    let nginx = tls_server(
        golive_testkit::free_port(),
        r#"add_header Strict-Transport-Security "max-age=86400" always;
    add_header X-Content-Type-Options nosniff always;
    add_header X-Frame-Options SAMEORIGIN always;
    add_header Referrer-Policy strict-origin-when-cross-origin always;"#,
        "<html></html>",
    );
    let cx = context(&nginx.dir.path().join("ca.pem"));
    // No http_url: plain HTTP on this port is not known, so not graded.
    let (obs, probe) = observe(&format!("url = 'https://127.0.0.1:{}/'", nginx.port), &cx).await;
    assert_eq!(obs.failure, None);
    let e = &obs.evidence;
    assert!(
        passes(e, "grade == B-"),
        "{:?} {:?}",
        e.get("grade"),
        e.get("score")
    );
    assert!(passes(e, "score == 65"));
    assert_eq!(
        result(e, "strict-transport-security"),
        "hsts-implemented-max-age-less-than-six-months"
    );
    assert_eq!(result(e, "redirection"), "redirection-not-needed-no-http");
    // Bonuses do not count below 90: referrer-policy-private adds nothing.
    assert!(passes(e, "tests.referrer-policy.modifier == 5"));
    assert!(!probe.default_expectations()[0].evaluate(e).passed);
    assert!(passes(e, "grade >= C"));
}

#[tokio::test]
async fn an_untrusted_certificate_costs_points_but_is_graded() {
    let nginx = tls_server(
        golive_testkit::free_port(),
        r#"add_header Strict-Transport-Security "max-age=63072000" always;"#,
        "ok",
    );
    // The system roots do not know the test certificate.
    let cx = Context::basic(Duration::from_secs(5));
    let (obs, _) = observe(&format!("url = 'https://127.0.0.1:{}/'", nginx.port), &cx).await;
    assert_eq!(obs.failure, None);
    assert_eq!(
        result(&obs.evidence, "strict-transport-security"),
        "hsts-invalid-cert"
    );
}

#[tokio::test]
async fn a_dead_server_is_a_failure() {
    let port = golive_testkit::free_port();
    let cx = Context::basic(Duration::from_secs(3));
    let (obs, _) = observe(&format!("url = 'http://127.0.0.1:{port}/'"), &cx).await;
    let why = obs.failure.expect("refused is a failure");
    assert!(
        why.contains("cannot fetch") && why.contains("refused"),
        "{why}"
    );
}
