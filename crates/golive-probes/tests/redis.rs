//! The `redis` probe against redis-server instances of its own (with and
//! without a password, with and without persistence), the machine's shared
//! Redis, and servers that are not Redis.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use golive_core::ProbeKind;
use golive_testkit::infra::RedisServer;
use support::*;

const T: Duration = Duration::from_secs(10);

#[tokio::test]
async fn password_required_and_persistence_on() {
    let pw = "r3dis-Secret-pass";
    let server = RedisServer::start(&[
        "--requirepass",
        pw,
        "--appendonly",
        "yes",
        "--maxmemory-policy",
        "allkeys-lru",
    ]);
    let settings = format!(
        "url = 'redis://:{pw}@127.0.0.1:{}/0'\nrequire_auth = true\nrequire_persistence = true\nmaxmemory_policy = 'allkeys-lru'",
        server.port
    );
    let (obs, probe) = observe(ProbeKind::Redis, &settings, &cx(T)).await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    let e = &obs.evidence;
    for ok in [
        "ping == PONG",
        "auth_required == true",
        "authenticated == true",
        "aof_enabled == true",
        "persistence == true",
        "maxmemory_policy == allkeys-lru",
        "version >= 5",
        "mode == standalone",
        "role == master",
        "connected_clients >= 1",
        "tls == false",
    ] {
        assert!(passes(e, ok), "{ok}: {e:?}");
    }
    assert_eq!(
        probe.summary(e).split(", ").skip(1).collect::<Vec<_>>(),
        ["password required", "persistent"]
    );
    assert_secret_kept(probe.as_ref(), &obs, pw);

    // The wrong password: a failed observation that names the cause.
    let (obs, probe) = observe(
        ProbeKind::Redis,
        &format!("url = 'redis://:Wr0ng-pass-word@127.0.0.1:{}'", server.port),
        &cx(T),
    )
    .await;
    let f = obs.failure.clone().unwrap();
    assert!(f.contains("authentication failed"), "{f}");
    assert!(passes(&obs.evidence, "authenticated == false"));
    assert!(passes(&obs.evidence, "auth_required == true"));
    assert_secret_kept(probe.as_ref(), &obs, "Wr0ng-pass-word");

    // No password in the URL of a server that needs one.
    let (obs, _) = observe(
        ProbeKind::Redis,
        &format!("url = 'redis://127.0.0.1:{}'", server.port),
        &cx(T),
    )
    .await;
    assert!(
        obs.failure
            .unwrap()
            .contains("requires a password, and the URL has none")
    );
}

#[tokio::test]
async fn open_and_forgetful_redis_fails_the_checklist() {
    let server = RedisServer::start(&[]);
    let settings = format!(
        "url = 'redis://127.0.0.1:{}'\nrequire_auth = true\nrequire_persistence = true",
        server.port
    );
    let (obs, probe) = observe(ProbeKind::Redis, &settings, &cx(T)).await;
    assert_eq!(obs.failure, None);
    let e = &obs.evidence;
    for ok in [
        "ping == PONG",
        "auth_required == false",
        "aof_enabled == false",
        "rdb_save_rules == \"\"",
        "persistence == false",
        "maxmemory_policy == noeviction",
    ] {
        assert!(passes(e, ok), "{ok}: {e:?}");
    }
    let why = default_failures(probe.as_ref(), &obs);
    assert_eq!(
        why,
        [
            "expected auth_required == true, got false",
            "expected persistence == true, got false"
        ]
    );
    assert!(probe.summary(e).contains("NO password required"));
    assert!(passes(e, "hit_rate == null"), "no lookups yet: {e:?}");

    // Two hits and a miss: a hit rate of 66.7%.
    let cli = golive_testkit::program("redis-cli");
    let port = server.port.to_string();
    for args in [
        &["SET", "k", "v"][..],
        &["GET", "k"],
        &["GET", "k"],
        &["GET", "nope"],
    ] {
        let ok = std::process::Command::new(&cli)
            .args(["-p", &port])
            .args(args)
            .output()
            .unwrap();
        assert!(ok.status.success());
    }
    let (obs, _) = observe(
        ProbeKind::Redis,
        &format!("url = 'redis://127.0.0.1:{port}'"),
        &cx(T),
    )
    .await;
    assert!(
        passes(&obs.evidence, "hit_rate == 66.7") && passes(&obs.evidence, "hit_rate > 60%"),
        "{:?}",
        obs.evidence
    );
}

#[tokio::test]
async fn rdb_save_rules_count_as_persistence() {
    let server = RedisServer::start(&["--save", "3600 1 300 100"]);
    let (obs, _) = observe(
        ProbeKind::Redis,
        &format!(
            "url = 'redis://127.0.0.1:{}/3'\nrequire_persistence = true",
            server.port
        ),
        &cx(T),
    )
    .await;
    let e = &obs.evidence;
    assert!(passes(e, "rdb_save_rules == \"3600 1 300 100\""), "{e:?}");
    assert!(passes(e, "aof_enabled == false") && passes(e, "persistence == true"));
}

#[tokio::test]
async fn the_shared_redis_answers() {
    let (obs, probe) = observe(ProbeKind::Redis, "url = 'redis://127.0.0.1:6379'", &cx(T)).await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
}

#[tokio::test]
async fn rediss_with_the_runs_trust() {
    let certs = golive_testkit::infra::Certs::make();
    let server = RedisServer::start_tls(&certs, &["--requirepass", "Tls-redis-pw"]);
    let url = format!(
        "url = 'rediss://:Tls-redis-pw@localhost:{}'\nrequire_auth = true",
        server.port
    );
    let (obs, probe) = observe(ProbeKind::Redis, &url, &cx_trusting(&certs.ca(), T)).await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    assert!(
        passes(&obs.evidence, "tls == true")
            && passes(&obs.evidence, "tls_version matches \"^TLSv1\"")
    );
    // Without the CA the certificate is refused, and the reason says so.
    let (obs, _) = observe(ProbeKind::Redis, &url, &cx(T)).await;
    let f = obs.failure.unwrap();
    assert!(
        f.contains("TLS handshake") && f.contains("certificate"),
        "{f}"
    );
}

#[tokio::test]
async fn tls_to_a_plain_server_fails_clearly() {
    let server = RedisServer::start(&[]);
    let (obs, _) = observe(
        ProbeKind::Redis,
        &format!("url = 'rediss://127.0.0.1:{}'", server.port),
        &cx(Duration::from_secs(3)),
    )
    .await;
    let f = obs.failure.unwrap();
    assert!(f.contains("TLS"), "{f}");
}

#[tokio::test]
async fn dead_silent_and_garbage_servers_fail_clearly() {
    misbehaving(ProbeKind::Redis, |addr| {
        format!("url = 'redis://:pw@{addr}'")
    })
    .await;
}
