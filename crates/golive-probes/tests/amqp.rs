//! The `amqp` probe against the machine's RabbitMQ, with queues of its own,
//! and against servers that are not AMQP brokers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use golive_core::ProbeKind;
use golive_testkit::infra::unique;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use support::*;

const T: Duration = Duration::from_secs(10);
const URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

async fn connect() -> lapin::Connection {
    let props = lapin::ConnectionProperties::default()
        .with_executor(tokio_executor_trait::Tokio::current())
        .with_reactor(tokio_reactor_trait::Tokio::current());
    lapin::Connection::connect(URL, props)
        .await
        .expect("RabbitMQ on 127.0.0.1:5672 (scripts/test starts it)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queues_messages_and_consumers() {
    let conn = connect().await;
    let ch = conn.create_channel().await.unwrap();
    let idle = unique("golive_idle");
    let served = unique("golive_served");
    for q in [&idle, &served] {
        ch.queue_declare(q, QueueDeclareOptions::default(), FieldTable::default())
            .await
            .unwrap();
    }
    for _ in 0..3 {
        ch.basic_publish(
            "",
            &idle,
            BasicPublishOptions::default(),
            b"hello",
            Default::default(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    }
    let _consumer = ch
        .basic_consume(
            &served,
            "golive-test",
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();

    let (obs, probe) = observe(
        ProbeKind::Amqp,
        &format!("url = '{URL}'\nqueue = '{served}'\nmin_consumers = 1"),
        &cx(T),
    )
    .await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    let e = &obs.evidence;
    for ok in [
        "product == RabbitMQ",
        "version >= 3",
        "connected == true",
        "queue_exists == true",
        "consumers == 1",
        "messages == 0",
        "vhost == /",
        "mechanisms contains PLAIN",
        "protocol == 0-9",
    ] {
        assert!(passes(e, ok), "{ok}: {e:?}");
    }
    assert!(
        probe.summary(e).starts_with("RabbitMQ "),
        "{}",
        probe.summary(e)
    );

    // Messages piling up, nobody consuming.
    let (obs, probe) = observe(
        ProbeKind::Amqp,
        &format!("url = '{URL}'\nqueue = '{idle}'\nmin_consumers = 1"),
        &cx(T),
    )
    .await;
    assert_eq!(obs.failure, None);
    assert!(passes(&obs.evidence, "messages == 3"), "{:?}", obs.evidence);
    assert_eq!(
        default_failures(probe.as_ref(), &obs),
        ["expected consumers >= 1, got 0"]
    );

    // A queue that is not there: measured, not created.
    let missing = unique("golive_missing");
    let (obs, probe) = observe(
        ProbeKind::Amqp,
        &format!("url = '{URL}'\nqueue = '{missing}'"),
        &cx(T),
    )
    .await;
    assert_eq!(obs.failure, None);
    assert!(passes(&obs.evidence, "queue_exists == false"));
    assert!(!defaults_pass(probe.as_ref(), &obs));
    let declared = ch
        .queue_declare(
            &missing,
            QueueDeclareOptions {
                passive: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await;
    assert!(declared.is_err(), "the probe created the queue");

    let ch = conn.create_channel().await.unwrap();
    for q in [&idle, &served] {
        ch.queue_delete(q, QueueDeleteOptions::default())
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_and_vhosts_fail() {
    let (obs, probe) = observe(
        ProbeKind::Amqp,
        "url = 'amqp://guest:N0t-the-passw0rd@127.0.0.1:5672/%2f'",
        &cx(T),
    )
    .await;
    let f = obs.failure.clone().unwrap();
    assert!(f.contains("cannot open a session"), "{f}");
    assert!(passes(&obs.evidence, "connected == false"));
    // The greeting came before the login: the broker is identified anyway.
    assert!(passes(&obs.evidence, "product == RabbitMQ"));
    assert_secret_kept(probe.as_ref(), &obs, "N0t-the-passw0rd");

    let vhost = unique("golive_vhost");
    let (obs, _) = observe(
        ProbeKind::Amqp,
        &format!("url = 'amqp://guest:guest@127.0.0.1:5672/{vhost}'"),
        &cx(T),
    )
    .await;
    assert!(obs.failure.is_some(), "{obs:?}");

    // TLS asked of a plain-text broker.
    let (obs, _) = observe(
        ProbeKind::Amqp,
        "url = 'amqps://guest:guest@127.0.0.1:5672/%2f'",
        &cx(Duration::from_secs(3)),
    )
    .await;
    let f = obs.failure.unwrap();
    assert!(f.contains("TLS"), "{f}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_silent_and_garbage_servers_fail_clearly() {
    misbehaving(ProbeKind::Amqp, |addr| {
        format!("url = 'amqp://u:pw@{addr}/%2f'\nqueue = 'q'")
    })
    .await;
}

#[test]
fn settings_are_checked() {
    assert!(build_err(ProbeKind::Amqp, "url = 'http://h'").contains("amqp://"));
    assert!(
        build_err(ProbeKind::Amqp, "url = 'amqp://h'\nmin_consumers = 1").contains("needs `queue`")
    );
    let p = build(
        ProbeKind::Amqp,
        "url = 'amqps://app:s3cret-value@mq.example.com/prod'\nqueue = 'jobs'",
    );
    assert_eq!(
        p.target(),
        "amqp amqps://app:[redacted]@mq.example.com/prod queue jobs"
    );
}
