//! The `auth` probe against a JWT-protected server, sound and with one
//! flaw at a time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use golive_core::{Evidence, Expectation, ProbeKind};
use golive_probes::{Context, Observation, Probe};
use golive_testkit::security::{JwtFlaw, jwt_server};

const SECRET: &str = "Jq8f2LxV9rT4mW7pZ1cK6bN3hD0sG5aY";

async fn observe(settings: &str, cx: &Context) -> (Observation, Box<dyn Probe>) {
    let table: toml::Table = toml::from_str(settings).unwrap();
    let probe = golive_probes::build(ProbeKind::Auth, &table).unwrap();
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

fn cx() -> Context {
    Context::basic(Duration::from_secs(5))
}

#[tokio::test]
async fn a_sound_server_refuses_every_bad_token_and_accepts_a_minted_one() {
    let server = jwt_server(SECRET, JwtFlaw::None);
    let (obs, probe) = observe(
        &format!(
            "url = '{}/dashboard'\nsecret = '{SECRET}'\nclaims = {{ sub = 'user-1' }}",
            server.url()
        ),
        &cx(),
    )
    .await;
    assert!(defaults_pass(&*probe, &obs), "{obs:?}");
    let e = &obs.evidence;
    for case in [
        "no_token",
        "bad_signature",
        "expired",
        "alg_none",
        "guessable_secret",
    ] {
        assert!(
            passes(e, &format!("cases.{case}.refused == true")),
            "{case}: {e:?}"
        );
    }
    assert!(passes(e, "cases.valid.status == 200"));
    assert!(passes(e, "token_source == minted"));
    assert!(passes(e, "guessable_secret == false"));
    // Neither the secret nor any token reaches the evidence.
    let text = format!("{e:?}");
    assert!(!text.contains(SECRET) && !text.contains("eyJ"), "{text}");
    assert!(probe.secrets().iter().any(|s| s == SECRET));
}

#[tokio::test]
async fn each_flaw_is_caught() {
    for (flaw, case) in [
        (JwtFlaw::AcceptsAlgNone, "alg_none"),
        (JwtFlaw::IgnoresExpiry, "expired"),
        (JwtFlaw::NoSignatureCheck, "bad_signature"),
        (JwtFlaw::Open, "no_token"),
    ] {
        let server = jwt_server(SECRET, flaw);
        let (obs, probe) = observe(
            &format!("url = '{}/dashboard'\nsecret = '{SECRET}'", server.url()),
            &cx(),
        )
        .await;
        assert!(!defaults_pass(&*probe, &obs), "{flaw:?} passed");
        assert!(
            passes(&obs.evidence, &format!("accepted_cases contains {case}")),
            "{flaw:?}: {:?}",
            obs.evidence
        );
    }
}

#[tokio::test]
async fn a_guessable_secret_is_found() {
    let server = jwt_server("secret", JwtFlaw::None);
    let mut cx = cx();
    // The secret comes from the env file here.
    cx.env = Arc::new(vec![("JWT_SECRET".into(), "secret".into())]);
    let (obs, probe) = observe(&format!("url = '{}/dashboard'", server.url()), &cx).await;
    assert!(!defaults_pass(&*probe, &obs));
    assert!(passes(&obs.evidence, "guessable_secret == true"));
    assert!(passes(
        &obs.evidence,
        "accepted_cases contains guessable_secret"
    ));
}

#[tokio::test]
async fn a_route_that_refuses_everything_does_not_pass() {
    let server = jwt_server(SECRET, JwtFlaw::RefusesAll);
    let (obs, probe) = observe(
        &format!("url = '{}/dashboard'\nsecret = '{SECRET}'", server.url()),
        &cx(),
    )
    .await;
    assert!(passes(&obs.evidence, "bad_accepted == 0"));
    assert!(passes(&obs.evidence, "valid_accepted == false"));
    assert!(!defaults_pass(&*probe, &obs));
}

#[tokio::test]
async fn a_login_step_obtains_the_valid_token() {
    let server = jwt_server(SECRET, JwtFlaw::None);
    let login = format!(
        "login = {{ url = '{}/login', json = {{ email = 'qa@example.com', password = 'correct-horse-battery-staple' }}, token_path = 'data.token' }}",
        server.url()
    );
    let (obs, probe) = observe(
        &format!("url = '{}/dashboard'\n{login}", server.url()),
        &cx(),
    )
    .await;
    assert!(passes(&obs.evidence, "token_source == login"), "{obs:?}");
    assert!(passes(&obs.evidence, "valid_accepted == true"));
    assert!(passes(&obs.evidence, "bad_accepted == 0"));
    // Without the secret, no expired token can be minted: said, not guessed.
    assert!(passes(
        &obs.evidence,
        "cases.expired.skipped contains secret"
    ));
    assert!(
        probe
            .secrets()
            .iter()
            .any(|s| s == "correct-horse-battery-staple")
    );
    // A wrong password is a clear failure, not a pass.
    let bad = login.replace("correct-horse-battery-staple", "wrong");
    let (obs, _) = observe(&format!("url = '{}/dashboard'\n{bad}", server.url()), &cx()).await;
    let why = obs.failure.expect("a failed login fails the check");
    assert!(why.contains("answered 401"), "{why}");
}

#[tokio::test]
async fn without_any_valid_credential_it_says_what_to_give() {
    let server = jwt_server(SECRET, JwtFlaw::None);
    let (obs, _) = observe(&format!("url = '{}/dashboard'", server.url()), &cx()).await;
    let why = obs.failure.expect("a failure");
    assert!(
        why.contains("`token`") && why.contains("JWT_SECRET"),
        "{why}"
    );
}
