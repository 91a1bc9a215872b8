//! The `cors` probe against nginx: a sound allow-list, and the usual flaws
//! (reflecting any origin with credentials, an unanchored pattern, `*` with
//! credentials, refusing the real front end).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use golive_core::{Evidence, Expectation, ProbeKind};
use golive_probes::{Context, Observation, Probe};
use golive_testkit::Nginx;

const ALLOWED: &str = "https://app.example.com";

fn server(cors: &str) -> Nginx {
    Nginx::start(&format!(
        r#"
map $http_origin $sound_origin {{
  "https://app.example.com" $http_origin;
  default "";
}}
map $http_origin $loose_origin {{
  "~example\.com" $http_origin;
  default "";
}}
server {{
  listen 127.0.0.1:{{port}};
  location /api {{
    {cors}
    if ($request_method = OPTIONS) {{ return 204; }}
    default_type application/json;
    return 200 '{{"me":"ok"}}';
  }}
}}
"#
    ))
}

async fn observe(settings: &str, cx: &Context) -> (Observation, Box<dyn Probe>) {
    let table: toml::Table = toml::from_str(settings).unwrap();
    let probe = golive_probes::build(ProbeKind::Cors, &table).unwrap();
    (probe.observe(cx).await, probe)
}

fn passes(e: &Evidence, expect: &str) -> bool {
    Expectation::parse(expect).unwrap().evaluate(e).passed
}

fn defaults_pass(p: &dyn Probe, o: &Observation) -> bool {
    o.failure.is_none()
        && p.default_expectations()
            .iter()
            .all(|x| x.evaluate(&o.evidence).passed)
}

fn settings(nginx: &Nginx) -> String {
    format!(
        "url = '{}/api/me'\nallowed_origins = ['{ALLOWED}']",
        nginx.url()
    )
}

#[tokio::test]
async fn a_strict_allow_list_passes() {
    let nginx = server(
        r#"add_header Access-Control-Allow-Origin $sound_origin always;
    add_header Access-Control-Allow-Credentials true always;
    add_header Vary Origin always;"#,
    );
    let cx = Context::basic(Duration::from_secs(5));
    let (obs, probe) = observe(&settings(&nginx), &cx).await;
    assert!(defaults_pass(&*probe, &obs), "{obs:?}");
    assert!(passes(&obs.evidence, "hostile_allowed == 0"));
    assert!(passes(&obs.evidence, "legitimate_refused == 0"));
    // Every trick was tried: arbitrary, null, prefix, suffix, http, sub-domain.
    let Some(golive_core::Value::List(origins)) = obs.evidence.get("origins") else {
        panic!()
    };
    assert_eq!(origins.len(), 7, "{origins:?}");
    assert_eq!(probe.summary(&obs.evidence), "hostile origins refused");
}

#[tokio::test]
async fn reflecting_any_origin_with_credentials_fails() {
    let nginx = server(
        r#"add_header Access-Control-Allow-Origin $http_origin always;
    add_header Access-Control-Allow-Credentials true always;"#,
    );
    let cx = Context::basic(Duration::from_secs(5));
    let (obs, probe) = observe(&settings(&nginx), &cx).await;
    assert!(!defaults_pass(&*probe, &obs));
    for case in [
        "arbitrary",
        "null",
        "prefix",
        "suffix",
        "http_variant",
        "subdomain",
    ] {
        assert!(
            passes(&obs.evidence, &format!("hostile_cases contains {case}")),
            "{case}"
        );
    }
    assert!(passes(&obs.evidence, "hostile_allowed == 6"));
}

#[tokio::test]
async fn an_unanchored_pattern_lets_prefix_and_suffix_tricks_through() {
    let nginx = server(r#"add_header Access-Control-Allow-Origin $loose_origin always;"#);
    let cx = Context::basic(Duration::from_secs(5));
    let (obs, probe) = observe(&settings(&nginx), &cx).await;
    assert!(!defaults_pass(&*probe, &obs));
    let e = &obs.evidence;
    assert!(passes(e, "hostile_cases contains prefix"));
    assert!(passes(e, "hostile_cases contains suffix"));
    assert!(passes(e, "hostile_cases contains subdomain"));
    assert!(!passes(e, "hostile_cases contains arbitrary"));
    assert!(!passes(e, "hostile_cases contains null"));
}

#[tokio::test]
async fn wildcard_with_credentials_fails_even_when_public() {
    let nginx = server(
        r#"add_header Access-Control-Allow-Origin * always;
    add_header Access-Control-Allow-Credentials true always;"#,
    );
    let cx = Context::basic(Duration::from_secs(5));
    let (obs, probe) = observe(&format!("{}\npublic = true", settings(&nginx)), &cx).await;
    assert!(passes(&obs.evidence, "wildcard_with_credentials == true"));
    assert!(
        passes(&obs.evidence, "hostile_allowed == 0"),
        "public: `*` is intended"
    );
    assert!(!defaults_pass(&*probe, &obs));
    // Without `public`, `*` lets every hostile origin read the answer.
    let (obs, _) = observe(&settings(&nginx), &cx).await;
    assert!(passes(&obs.evidence, "hostile_allowed == 6"));
}

#[tokio::test]
async fn refusing_the_real_front_end_fails_and_env_supplies_the_origin() {
    let nginx = server("");
    let mut cx = Context::basic(Duration::from_secs(5));
    cx.env = Arc::new(vec![("CORS_ORIGIN".into(), ALLOWED.into())]);
    let (obs, probe) = observe(&format!("url = '{}/api/me'", nginx.url()), &cx).await;
    assert!(
        passes(&obs.evidence, "legitimate_refused == 1"),
        "{:?}",
        obs.evidence
    );
    assert!(passes(
        &obs.evidence,
        "legitimate contains \"https://app.example.com\""
    ));
    assert!(!defaults_pass(&*probe, &obs));
}

#[tokio::test]
async fn a_dead_server_is_a_failure() {
    let port = golive_testkit::free_port();
    let cx = Context::basic(Duration::from_secs(3));
    let (obs, _) = observe(&format!("url = 'http://127.0.0.1:{port}/api'"), &cx).await;
    let why = obs.failure.expect("a failure");
    assert!(
        why.contains("did not answer") && why.contains("refused"),
        "{why}"
    );
}
