//! The `websocket` probe against a real WebSocket server (Python's
//! `websockets`), directly and behind nginx terminating TLS, and against
//! listeners that misbehave on purpose.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use golive_core::ProbeKind;
use golive_probes::net::tls::Trust;
use golive_probes::{Context, Observation, Probe};
use golive_testkit::websocket::{EchoServer, TOKEN, nginx_wss};
use golive_testkit::{Nginx, free_port, garbage_listener, silent_listener};

mod common;
use common::{failures, passes};

async fn observe(settings: &str, cx: &Context) -> (Observation, Box<dyn Probe>) {
    common::observe(ProbeKind::Websocket, settings, cx).await
}

fn cx(secs: u64) -> Context {
    Context::basic(Duration::from_secs(secs))
}

#[tokio::test]
async fn a_message_is_echoed() {
    let server = EchoServer::start();
    let (obs, probe) = observe(
        &format!(
            "url = '{}'\nsend = 'ping'\nreply = '^ping$'",
            server.url("/echo")
        ),
        &cx(5),
    )
    .await;
    assert_eq!(obs.failure, None, "{obs:?}");
    assert_eq!(failures(probe.as_ref(), &obs), Vec::<String>::new());
    for ok in [
        "connected == true",
        "status == 101",
        "header.upgrade matches \"(?i)websocket\"",
        "sent == ping",
        "reply == ping",
        "matched == true",
        "messages == 1",
        "reply_time < 2s",
        "handshake_time < 2s",
    ] {
        assert!(passes(&obs.evidence, ok), "{ok}: {obs:?}");
    }
    assert!(
        probe
            .summary(&obs.evidence)
            .starts_with("reply \"ping\" in ")
    );
}

#[tokio::test]
async fn a_greeting_is_skipped_until_the_reply_matches() {
    let server = EchoServer::start();
    let (obs, probe) = observe(
        &format!(
            "url = '{}'\nsend = 'hi'\nreply = '^echo: hi$'",
            server.url("/greet")
        ),
        &cx(5),
    )
    .await;
    assert_eq!(
        failures(probe.as_ref(), &obs),
        Vec::<String>::new(),
        "{obs:?}"
    );
    assert!(passes(&obs.evidence, "messages == 2"));
    // Without a pattern, the first message is the reply.
    let (obs, _) = observe(
        &format!("url = '{}'\nsend = 'hi'", server.url("/greet")),
        &cx(5),
    )
    .await;
    assert!(passes(&obs.evidence, "reply == welcome"), "{obs:?}");
    // Connecting alone.
    let (obs, probe) = observe(&format!("url = '{}'", server.url("/echo")), &cx(5)).await;
    assert_eq!(
        failures(probe.as_ref(), &obs),
        Vec::<String>::new(),
        "{obs:?}"
    );
    assert!(probe.summary(&obs.evidence).starts_with("connected in "));
}

#[tokio::test]
async fn a_wrong_reply_fails_showing_what_came() {
    let server = EchoServer::start();
    let start = Instant::now();
    let (obs, probe) = observe(
        &format!(
            "url = '{}'\nsend = 'ping'\nreply = '^pong$'",
            server.url("/echo")
        ),
        &cx(1),
    )
    .await;
    assert_eq!(obs.failure, None);
    assert_eq!(
        failures(probe.as_ref(), &obs),
        vec!["expected reply matches \"^pong$\", got \"ping\"".to_string()]
    );
    assert!(passes(&obs.evidence, "matched == false"));
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn refused_upgrades_and_silent_or_closing_sockets() {
    let server = EchoServer::start();
    // 401 without the token: an answer, judged by the expectations.
    let (obs, probe) = observe(
        &format!("url = '{}'\nsend = 'x'", server.url("/auth")),
        &cx(5),
    )
    .await;
    assert_eq!(obs.failure, None, "{obs:?}");
    assert_eq!(
        failures(probe.as_ref(), &obs),
        vec!["expected status == 101, got 401".to_string()]
    );
    assert!(passes(&obs.evidence, "connected == false"));
    // The handshake keeps only the part of a refusal's body that came with
    // its headers: on a loaded machine the rest may come in a later segment.
    assert!(
        passes(&obs.evidence, "body not exists")
            || passes(&obs.evidence, "body contains \"token required\""),
        "{obs:?}"
    );
    assert_eq!(probe.summary(&obs.evidence), "upgrade refused: 401");
    // With it.
    let (obs, probe) = observe(
        &format!(
            "url = '{}'\nsend = 'x'\nreply = 'x'\nheaders = {{ Authorization = 'Bearer {TOKEN}' }}",
            server.url("/auth")
        ),
        &cx(5),
    )
    .await;
    assert_eq!(
        failures(probe.as_ref(), &obs),
        Vec::<String>::new(),
        "{obs:?}"
    );
    assert!(probe.secrets().contains(&TOKEN.to_string()));

    let start = Instant::now();
    let (obs, _) = observe(
        &format!("url = '{}'\nsend = 'ping'", server.url("/silent")),
        &cx(1),
    )
    .await;
    assert_eq!(
        obs.failure.as_deref(),
        Some("connected and sent \"ping\", but no message came back within 1s")
    );
    assert!(start.elapsed() < Duration::from_secs(2));

    let (obs, _) = observe(
        &format!("url = '{}'\nsend = 'ping'", server.url("/bye")),
        &cx(2),
    )
    .await;
    let failure = obs.failure.unwrap();
    assert!(
        failure.contains("the server closed the connection"),
        "{failure}"
    );
}

#[tokio::test]
async fn wss_through_nginx() {
    let server = EchoServer::start();
    let nginx = nginx_wss(server.addr);
    let url = format!("wss://localhost:{}/echo", nginx.port);
    let mut trusted = cx(5);
    let (tls, insecure) = Trust {
        system: true,
        ca_files: vec![nginx.dir.path().join("certs/ca.pem")],
    }
    .client_configs()
    .unwrap();
    trusted.tls = tls;
    trusted.tls_insecure = insecure;
    let settings = format!("url = '{url}'\nsend = 'over tls'\nreply = '^over tls$'");
    let (obs, probe) = observe(&settings, &trusted).await;
    assert_eq!(
        failures(probe.as_ref(), &obs),
        Vec::<String>::new(),
        "{obs:?}"
    );
    // Without the CA the certificate is refused, and the reason says so.
    let (obs, _) = observe(&settings, &cx(5)).await;
    let failure = obs.failure.unwrap();
    assert!(
        failure.starts_with("TLS handshake with localhost:"),
        "{failure}"
    );
    assert!(failure.contains("certificate"), "{failure}");
    // Unless told not to verify.
    let (obs, _) = observe(&format!("{settings}\ninsecure = true"), &cx(5)).await;
    assert_eq!(obs.failure, None, "{obs:?}");
}

#[tokio::test]
async fn plain_http_dead_silent_and_garbage_servers() {
    let nginx =
        Nginx::start("server { listen 127.0.0.1:{port}; location / { return 200 'page'; } }");
    let (obs, probe) = observe(
        &format!("url = 'ws://127.0.0.1:{}/ws'\nsend = 'x'", nginx.port),
        &cx(2),
    )
    .await;
    assert_eq!(
        failures(probe.as_ref(), &obs),
        vec!["expected status == 101, got 200".to_string()],
        "{obs:?}"
    );
    let silent = silent_listener();
    let garbage = garbage_listener();
    let cases = [
        (format!("ws://127.0.0.1:{}/", free_port()), "cannot connect"),
        (
            format!("ws://{}/", silent.addr),
            "no answer to the WebSocket upgrade",
        ),
        (
            format!("ws://{}/", garbage.addr),
            "the WebSocket upgrade with",
        ),
        ("ws://no-such-host.invalid/".to_string(), "cannot connect"),
    ];
    for (url, why) in cases {
        let start = Instant::now();
        let (obs, _) = observe(&format!("url = '{url}'\nsend = 'x'"), &cx(2)).await;
        let failure = obs
            .failure
            .clone()
            .unwrap_or_else(|| panic!("{url}: no failure: {obs:?}"));
        assert!(failure.contains(why), "{url}: {failure}");
        assert!(start.elapsed() < Duration::from_secs(3), "{url}");
    }
}
