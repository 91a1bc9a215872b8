//! The `smtp` probe against a real SMTP server (aiosmtpd) speaking STARTTLS,
//! implicit TLS or plain text, with AUTH, and against servers that are not
//! SMTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use golive_core::ProbeKind;
use golive_testkit::infra::{Certs, SmtpMode, SmtpServer};
use support::*;

const T: Duration = Duration::from_secs(10);
const USER: &str = "app@golive.test";
const PASS: &str = "Smtp-s3cret-pass";

#[tokio::test]
async fn starttls_auth_and_delivery() {
    let certs = Certs::make();
    let server = SmtpServer::start(SmtpMode::StartTls, Some((USER, PASS)), &certs);
    let cx = cx_trusting(&certs.ca(), T);
    let settings = format!(
        "host = '127.0.0.1'\nport = {}\nusername = '{USER}'\npassword = '{PASS}'\nsend_to = 'ops@golive.test'",
        server.port
    );
    let (obs, probe) = observe(ProbeKind::Smtp, &settings, &cx).await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    let e = &obs.evidence;
    for ok in [
        "ehlo == true",
        "starttls == true",
        "encrypted == true",
        "tls_version matches \"^TLSv1\\\\.[23]$\"",
        "auth contains PLAIN",
        "auth contains LOGIN",
        "authenticated == true",
        "accepted == true",
        "response contains queued",
        "banner contains mail.golive.test",
    ] {
        assert!(passes(e, ok), "{ok}: {e:?}");
    }
    let messages = server.messages();
    assert_eq!(messages.len(), 1, "one message delivered");
    assert!(
        messages[0].contains("Subject: golive delivery check"),
        "{}",
        messages[0]
    );
    assert_secret_kept(probe.as_ref(), &obs, PASS);
    assert!(
        probe.summary(e).contains("message accepted"),
        "{}",
        probe.summary(e)
    );

    // AUTH is offered only after STARTTLS: staying in plain text shows it.
    let (obs, probe) = observe(
        ProbeKind::Smtp,
        &format!(
            "host = 'smtp://127.0.0.1:{}'\nstarttls = false",
            server.port
        ),
        &cx,
    )
    .await;
    assert_eq!(obs.failure, None);
    assert!(
        passes(&obs.evidence, "auth not exists"),
        "{:?}",
        obs.evidence
    );
    assert_eq!(
        default_failures(probe.as_ref(), &obs),
        ["expected encrypted == true, got false"]
    );
}

#[tokio::test]
async fn refused_credentials_and_recipients() {
    let certs = Certs::make();
    let server = SmtpServer::start(SmtpMode::StartTls, Some((USER, PASS)), &certs);
    let cx = cx_trusting(&certs.ca(), T);
    let (obs, probe) = observe(
        ProbeKind::Smtp,
        &format!(
            "host = 'smtp://{USER}:Wr0ng-smtp-pass@127.0.0.1:{}'",
            server.port
        ),
        &cx,
    )
    .await;
    assert_eq!(
        obs.failure, None,
        "a refusal is measured, not a failure to measure"
    );
    assert!(
        passes(&obs.evidence, "authenticated == false"),
        "{:?}",
        obs.evidence
    );
    assert!(
        passes(&obs.evidence, "auth_response matches \"^535\""),
        "{:?}",
        obs.evidence
    );
    assert!(!defaults_pass(probe.as_ref(), &obs));
    assert_secret_kept(probe.as_ref(), &obs, "Wr0ng-smtp-pass");

    let (obs, probe) = observe(
        ProbeKind::Smtp,
        &format!(
            "host = '127.0.0.1'\nport = {}\nusername = '{USER}'\npassword = '{PASS}'\nsend_to = 'reject-me@golive.test'",
            server.port
        ),
        &cx,
    )
    .await;
    assert!(passes(&obs.evidence, "accepted == false"));
    assert!(
        passes(&obs.evidence, "response contains \"RCPT TO refused: 550\""),
        "{:?}",
        obs.evidence
    );
    assert_eq!(
        default_failures(probe.as_ref(), &obs),
        ["expected accepted == true, got false"]
    );
    assert!(server.messages().is_empty());

    // The certificate is checked: without the test CA it is not trusted…
    let (obs, _) = observe(
        ProbeKind::Smtp,
        &format!("host = '127.0.0.1'\nport = {}", server.port),
        &self::cx(T),
    )
    .await;
    let f = obs.failure.unwrap();
    assert!(
        f.contains("TLS handshake") && f.contains("certificate"),
        "{f}"
    );
    // …unless told not to.
    let (obs, probe) = observe(
        ProbeKind::Smtp,
        &format!(
            "host = '127.0.0.1'\nport = {}\ninsecure = true",
            server.port
        ),
        &self::cx(T),
    )
    .await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
}

#[tokio::test]
async fn implicit_tls_on_its_own_port() {
    let certs = Certs::make();
    let server = SmtpServer::start(SmtpMode::Implicit, Some((USER, PASS)), &certs);
    let cx = cx_trusting(&certs.ca(), T);
    let (obs, probe) = observe(
        ProbeKind::Smtp,
        &format!(
            "host = 'smtps://{USER}:{PASS}@localhost:{}'\nsend_to = 'ops@golive.test'",
            server.port
        ),
        &cx,
    )
    .await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    assert!(
        passes(&obs.evidence, "starttls == true") && passes(&obs.evidence, "tls_version exists")
    );
    assert_eq!(server.messages().len(), 1);
    assert!(
        probe
            .target()
            .starts_with("smtps://app@golive.test@localhost:"),
        "{}",
        probe.target()
    );
    assert_secret_kept(probe.as_ref(), &obs, PASS);
}

#[tokio::test]
async fn a_plain_server_without_starttls_is_not_encrypted() {
    let certs = Certs::make();
    let server = SmtpServer::start(SmtpMode::Plain, None, &certs);
    let (obs, probe) = observe(
        ProbeKind::Smtp,
        &format!(
            "host = '127.0.0.1'\nport = {}\nsend_to = 'a@b.test'",
            server.port
        ),
        &cx(T),
    )
    .await;
    assert_eq!(obs.failure, None);
    assert!(
        passes(&obs.evidence, "starttls == false") && passes(&obs.evidence, "accepted == true")
    );
    assert_eq!(
        default_failures(probe.as_ref(), &obs),
        ["expected encrypted == true, got false"]
    );
    assert!(probe.summary(&obs.evidence).contains("NOT encrypted"));
}

#[tokio::test]
async fn dead_silent_and_garbage_servers_fail_clearly() {
    misbehaving(ProbeKind::Smtp, |addr| format!("host = 'smtp://{addr}'")).await;
}
