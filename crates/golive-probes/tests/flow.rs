//! The `flow` probe against the demo deployment's login and dashboard (an
//! API whose behaviour the test knows: a real server, started in-process).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use golive_core::ProbeKind;
use golive_probes::{Context, Observation, Probe};

async fn run(settings: &str) -> (Observation, Box<dyn Probe>) {
    let table: toml::Table = toml::from_str(settings).unwrap();
    let probe = golive_probes::build(ProbeKind::Flow, &table).unwrap();
    (
        probe.observe(&Context::basic(Duration::from_secs(5))).await,
        probe,
    )
}

fn login_flow(base: &str, password: &str) -> String {
    format!(
        r#"
base = "{base}"
[[step]]
name = "login"
path = "/api/v1/auth/login"
json = {{ email = "{}", password = "{password}" }}
expect = ["status == 200"]
capture = {{ token = "json.token" }}
[[step]]
name = "dashboard"
path = "/api/v1/dashboard"
headers = {{ Authorization = "Bearer {{{{token}}}}" }}
expect = ["status == 200", "json.bookings_today exists"]
"#,
        golive_demo::LOGIN_EMAIL
    )
}

#[tokio::test]
async fn a_login_flow_carries_the_token() {
    let demo = golive_demo::start().await.unwrap();
    let (obs, probe) = run(&login_flow(&demo.url(), golive_demo::LOGIN_PASSWORD)).await;
    assert_eq!(obs.failure, None, "{:?}", obs.evidence);
    assert!(
        probe
            .default_expectations()
            .iter()
            .all(|e| e.evaluate(&obs.evidence).passed)
    );
    let text = serde_json::to_string(&obs.evidence).unwrap();
    assert!(text.contains("\"captured\":[\"token\"]"), "{text}");
    assert!(
        !text.contains("eyJ"),
        "the captured token never shows: {text}"
    );
    assert_eq!(
        probe.summary(&obs.evidence),
        format!("2 steps in {}", obs.evidence["time"])
    );
}

#[tokio::test]
async fn a_broken_step_stops_the_flow_and_says_where() {
    let demo = golive_demo::start().await.unwrap();
    let (obs, probe) = run(&login_flow(&demo.url(), "wrong-password")).await;
    let why = obs.failure.clone().unwrap();
    assert!(
        why.starts_with("login: expected status == 200, got 401"),
        "{why}"
    );
    assert_eq!(
        obs.evidence["failed_step"],
        golive_core::Value::from("login")
    );
    assert!(
        !probe
            .default_expectations()
            .iter()
            .all(|e| e.evaluate(&obs.evidence).passed)
    );

    // A dashboard reached without the token it needs is refused: the flow
    // fails at that step.
    let settings = format!(
        "base = \"{}\"\n[[step]]\nname = \"dashboard\"\npath = \"/api/v1/dashboard\"\nexpect = [\"status == 200\"]\n",
        demo.url()
    );
    let (obs, _) = run(&settings).await;
    assert!(
        obs.failure
            .unwrap()
            .starts_with("dashboard: expected status == 200, got 401")
    );

    // Using a value nothing captured is a mistake in the flow, said plainly.
    let settings = format!(
        "base = \"{}\"\n[[step]]\npath = \"/health\"\nheaders = {{ X = \"{{{{nope}}}}\" }}\n",
        demo.url()
    );
    let (obs, _) = run(&settings).await;
    assert!(obs.failure.unwrap().contains("nothing captured `nope`"));
}

#[test]
fn settings_are_checked() {
    let build = |t: &str| {
        golive_probes::build(ProbeKind::Flow, &toml::from_str(t).unwrap())
            .err()
            .map(|e| e.to_string())
    };
    assert!(build("step = []").unwrap().contains("at least one"));
    assert!(
        build("[[step]]\npath = '/x'")
            .unwrap()
            .contains("needs the flow's `base`")
    );
    assert!(
        build("base = 'http://x'\n[[step]]\npath = '/x'\ncapture = { t = 'json.' }")
            .unwrap()
            .contains("not a path")
    );
    assert_eq!(build("base = 'http://x'\n[[step]]\npath = '/x'"), None);
}
