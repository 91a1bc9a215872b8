//! The `webhook` probe against receivers for each provider, sound and with
//! one flaw at a time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use golive_core::{Evidence, Expectation, ProbeKind};
use golive_probes::{Context, Observation, Probe};
use golive_testkit::security::{Provider, WebhookFlaw, webhook_server};

const APP_SECRET: &str = "4f9c2e8a71b3d6051e9f7a2c8b4d6e0f";
const VERIFY_TOKEN: &str = "verify-Zq8wR3tYk2Lp";
const STANDARD_SECRET: &str = "whsec_dGhpcyBpcyBhIHRlc3Qgc2VjcmV0IGtleSEh"; // golive:allow (test key)

fn secret(p: Provider) -> &'static str {
    match p {
        Provider::Standard => STANDARD_SECRET,
        _ => APP_SECRET,
    }
}

fn name(p: Provider) -> &'static str {
    match p {
        Provider::Whatsapp => "whatsapp",
        Provider::Stripe => "stripe",
        Provider::Github => "github",
        Provider::Standard => "standard",
    }
}

async fn observe(settings: &str, cx: &Context) -> (Observation, Box<dyn Probe>) {
    let table: toml::Table = toml::from_str(settings).unwrap();
    let probe = golive_probes::build(ProbeKind::Webhook, &table).unwrap();
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

fn settings(p: Provider, url: &str) -> String {
    let mut s = format!(
        "url = '{url}/webhook'\nprovider = '{}'\nsecret = '{}'",
        name(p),
        secret(p)
    );
    if p == Provider::Whatsapp {
        s.push_str(&format!("\nverify_token = '{VERIFY_TOKEN}'"));
    }
    s
}

const ALL: [Provider; 4] = [
    Provider::Whatsapp,
    Provider::Stripe,
    Provider::Github,
    Provider::Standard,
];

#[tokio::test]
async fn sound_receivers_pass_for_every_provider() {
    let cx = Context::basic(Duration::from_secs(5));
    for p in ALL {
        let server = webhook_server(p, secret(p), VERIFY_TOKEN, WebhookFlaw::None);
        let (obs, probe) = observe(&settings(p, &server.url()), &cx).await;
        assert!(defaults_pass(&*probe, &obs), "{p:?}: {obs:?}");
        let e = &obs.evidence;
        assert!(passes(e, "cases.signed.accepted == true"), "{p:?}");
        for case in ["missing", "wrong_secret", "replayed_body"] {
            assert!(
                passes(e, &format!("cases.{case}.status == 401")),
                "{p:?} {case}"
            );
        }
        let stale = passes(e, "cases.stale_timestamp.status == 401");
        assert_eq!(
            stale,
            matches!(p, Provider::Stripe | Provider::Standard),
            "{p:?}"
        );
        if p == Provider::Whatsapp {
            assert!(passes(e, "cases.handshake.echoed == true"));
            assert!(passes(e, "cases.handshake_wrong_token.status == 403"));
        }
        let text = format!("{e:?}");
        assert!(!text.contains(secret(p)) && !text.contains(VERIFY_TOKEN));
        assert!(probe.secrets().iter().any(|s| s == secret(p)));
    }
}

#[tokio::test]
async fn each_flaw_is_caught() {
    let cx = Context::basic(Duration::from_secs(5));
    for (p, flaw, case) in [
        (Provider::Github, WebhookFlaw::SkipsWhenMissing, "missing"),
        (
            Provider::Whatsapp,
            WebhookFlaw::AcceptsAnySignature,
            "wrong_secret",
        ),
        (
            Provider::Stripe,
            WebhookFlaw::NoTimestampTolerance,
            "stale_timestamp",
        ),
        (
            Provider::Standard,
            WebhookFlaw::NoTimestampTolerance,
            "stale_timestamp",
        ),
        (
            Provider::Stripe,
            WebhookFlaw::CachesSignatures,
            "replayed_body",
        ),
        (
            Provider::Whatsapp,
            WebhookFlaw::CachesSignatures,
            "replayed_body",
        ),
        (
            Provider::Whatsapp,
            WebhookFlaw::EchoesAnyToken,
            "handshake_wrong_token",
        ),
    ] {
        let server = webhook_server(p, secret(p), VERIFY_TOKEN, flaw);
        let (obs, probe) = observe(&settings(p, &server.url()), &cx).await;
        assert!(!defaults_pass(&*probe, &obs), "{p:?} {flaw:?} passed");
        assert!(
            passes(&obs.evidence, &format!("accepted_cases contains {case}")),
            "{p:?} {flaw:?}: {:?}",
            obs.evidence
        );
    }
}

#[tokio::test]
async fn a_receiver_with_another_secret_refuses_the_correct_event() {
    let cx = Context::basic(Duration::from_secs(5));
    let server = webhook_server(
        Provider::Github,
        "another-secret-entirely",
        "",
        WebhookFlaw::None,
    );
    let (obs, probe) = observe(&settings(Provider::Github, &server.url()), &cx).await;
    assert!(passes(&obs.evidence, "good_refused == 1"));
    assert!(!defaults_pass(&*probe, &obs));
}

#[tokio::test]
async fn secrets_come_from_the_env_file() {
    let server = webhook_server(
        Provider::Whatsapp,
        APP_SECRET,
        VERIFY_TOKEN,
        WebhookFlaw::None,
    );
    let mut cx = Context::basic(Duration::from_secs(5));
    cx.env = Arc::new(vec![
        ("WHATSAPP_APP_SECRET".into(), APP_SECRET.into()),
        ("WHATSAPP_VERIFY_TOKEN".into(), VERIFY_TOKEN.into()),
    ]);
    let (obs, probe) = observe(
        &format!("url = '{}/webhook'\nprovider = 'whatsapp'", server.url()),
        &cx,
    )
    .await;
    assert!(defaults_pass(&*probe, &obs), "{obs:?}");
    assert!(passes(&obs.evidence, "cases.handshake.echoed == true"));
    let (obs, _) = observe(
        &format!("url = '{}/webhook'\nprovider = 'stripe'", server.url()),
        &Context::basic(Duration::from_secs(5)),
    )
    .await;
    let why = obs.failure.expect("no secret is a failure");
    assert!(why.contains("STRIPE_WEBHOOK_SECRET"), "{why}");
}
