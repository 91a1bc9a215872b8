//! The watch against a real deployment that goes down mid-watch: an
//! in-process HTTP server whose health endpoint is flipped by the test,
//! with rounds every 200ms. Alerts go to real receivers: an HTTP receiver
//! in the same server (Slack-style and Standard Webhooks, the signature
//! checked there) and aiosmtpd over STARTTLS with AUTH.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use golive_core::watch::{Condition, Sample, Schedule, Trigger, TriggerState};
use golive_core::{CheckSpec, Origin, Plan, ProbeKind};
use golive_run::{Options, Vars};
use golive_store::{Location, Store};
use golive_testkit::infra::{Certs, SmtpMode, SmtpServer};
use golive_watch::notify::{Notifier, Retry, sign, webhook_key};
use golive_watch::serve::{self, View};
use golive_watch::{Setup, Summary};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"; // golive:allow (published test vector)

#[derive(Default)]
struct Deployment {
    healthy: AtomicBool,
    /// Every request flips health: a flapping service.
    flapping: AtomicBool,
    requests: AtomicU64,
    slack: Mutex<Vec<serde_json::Value>>,
    /// Bodies whose signature verified, and how many did not.
    hooks: Mutex<Vec<serde_json::Value>>,
    bad_signatures: AtomicU64,
}

async fn health(State(d): State<Arc<Deployment>>) -> StatusCode {
    d.requests.fetch_add(1, Ordering::SeqCst);
    let up = if d.flapping.load(Ordering::SeqCst) {
        !d.healthy.fetch_xor(true, Ordering::SeqCst)
    } else {
        d.healthy.load(Ordering::SeqCst)
    };
    if up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

async fn recover(State(d): State<Arc<Deployment>>) -> &'static str {
    d.healthy.store(true, Ordering::SeqCst);
    "rolled back\n"
}

async fn slack(State(d): State<Arc<Deployment>>, body: Bytes) -> StatusCode {
    d.slack
        .lock()
        .unwrap()
        .push(serde_json::from_slice(&body).unwrap());
    StatusCode::OK
}

async fn hook(State(d): State<Arc<Deployment>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let ts: i64 = h("webhook-timestamp").parse().unwrap_or(0);
    let expected = sign(&webhook_key(SECRET).unwrap(), h("webhook-id"), ts, &body);
    let fresh = (time::OffsetDateTime::now_utc().unix_timestamp() - ts).abs() < 300;
    if fresh && h("webhook-signature").split(' ').any(|s| s == expected) {
        d.hooks
            .lock()
            .unwrap()
            .push(serde_json::from_slice(&body).unwrap());
        StatusCode::NO_CONTENT
    } else {
        d.bad_signatures.fetch_add(1, Ordering::SeqCst);
        StatusCode::UNAUTHORIZED
    }
}

async fn deployment() -> (SocketAddr, Arc<Deployment>) {
    let d = Arc::new(Deployment::default());
    d.healthy.store(true, Ordering::SeqCst);
    let app = Router::new()
        .route("/health", get(health))
        .route("/recover", post(recover))
        .route("/slack", post(slack))
        .route("/hook", post(hook))
        .with_state(d.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, d)
}

fn http_check(url: &str) -> Plan {
    let mut settings = toml::Table::new();
    settings.insert("url".into(), url.into());
    let mut spec = CheckSpec::new(
        "health",
        ProbeKind::Http,
        settings,
        Origin::Config { line: 1 },
    );
    spec.timeout = Some(Duration::from_secs(2));
    Plan {
        checks: vec![spec],
        ..Plan::default()
    }
}

fn options(ca: Option<std::path::PathBuf>) -> Options {
    let (tls, tls_insecure) = golive_probes::net::tls::Trust {
        system: false,
        ca_files: ca.into_iter().collect(),
    }
    .client_configs()
    .unwrap();
    Options {
        concurrency: 4,
        overall_timeout: None,
        check_timeout: Duration::from_secs(2),
        insecure: false,
        tls,
        tls_insecure,
        repo: None,
        vars: Vars::new(false),
    }
}

fn down_for(hold: Duration) -> Trigger {
    let mut t = Trigger::new("down", Condition::Down);
    t.hold = hold;
    t.window = hold * 2;
    t
}

fn setup(plan: Plan, triggers: Vec<Trigger>, every_ms: u64, total: Duration) -> Setup {
    Setup {
        plan,
        options: options(None),
        triggers,
        schedule: Schedule::every(Duration::from_millis(every_ms), total),
        rollback: None,
        rollback_timeout: Duration::from_secs(10),
        armed: false,
        dry_run: false,
        settle: Duration::ZERO,
        notifiers: Vec::new(),
        retry: Retry {
            attempts: 3,
            first_delay: Duration::from_millis(100),
            timeout: Duration::from_secs(5),
        },
        key: "/srv/golive.toml".into(),
        source: "golive.toml".into(),
        actor: "test".into(),
        baseline: HashMap::new(),
        view: Some(Arc::new(RwLock::new(View::default()))),
    }
}

async fn store(dir: &tempfile::TempDir) -> Arc<dyn Store> {
    let location = Location::Sqlite(dir.path().join("golive.db"));
    Arc::from(golive_store::open(&location, true).await.unwrap())
}

/// Runs a watch, collecting its lines, until `stop` completes.
async fn run(
    s: Setup,
    store: Arc<dyn Store>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> (Summary, Vec<String>) {
    let mut lines = Vec::new();
    let summary = golive_watch::watch(s, store, stop, &mut |l: &str| lines.push(l.to_string()))
        .await
        .unwrap();
    (summary, lines)
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..400 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

fn rounds_of(view: &Arc<RwLock<View>>) -> i64 {
    view.read().unwrap().rounds
}

/// The rounds stored, with each one's health sample.
async fn stored_rounds(store: &Arc<dyn Store>, watch: i64) -> Vec<(i64, i64, Option<bool>)> {
    store
        .rounds_since(watch, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            let samples: Vec<Sample> = serde_json::from_str(&r.samples).unwrap();
            (r.round, r.at_ms, samples[0].up)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_deployment_fires_after_its_window_alerts_and_rolls_back_once() {
    let (addr, d) = deployment().await;
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let certs = Certs::make();
    let smtp = SmtpServer::start(
        SmtpMode::StartTls,
        Some(("alerts", "mail-pw-123456")),
        &certs,
    );
    let log = dir.path().join("rollbacks.log");

    let hold = Duration::from_secs(1);
    let mut s = setup(
        http_check(&format!("http://{addr}/health")),
        vec![down_for(hold)],
        200,
        Duration::from_secs(6),
    );
    s.options = options(Some(certs.ca()));
    s.armed = true;
    s.rollback = Some(format!(
        "echo rolled-back >> {} && curl -sf -X POST http://{addr}/recover",
        log.display()
    ));
    s.notifiers = vec![
        Notifier::Slack {
            url: golive_probes::net::http::Url::parse(&format!("http://{addr}/slack")).unwrap(),
        },
        Notifier::Webhook {
            url: golive_probes::net::http::Url::parse(&format!("http://{addr}/hook")).unwrap(),
            key: webhook_key(SECRET).unwrap(),
        },
        Notifier::Email(golive_watch::smtp::Mail {
            host: "localhost".into(),
            port: smtp.port,
            credentials: Some(("alerts".into(), "mail-pw-123456".into())),
            from: "golive@example.com".into(),
            to: vec!["oncall@example.com".into()],
            starttls: true,
            insecure: false,
        }),
    ];
    let view = s.view.clone().unwrap();

    // Healthy for three rounds, then down; once rolled back and healthy
    // again for two rounds, down a second time: the trigger fires again,
    // the rollback does not run again.
    let d2 = d.clone();
    let v2 = view.clone();
    tokio::spawn(async move {
        wait_for("three rounds", || rounds_of(&v2) >= 3).await;
        d2.healthy.store(false, Ordering::SeqCst);
        wait_for("the rollback", || d2.healthy.load(Ordering::SeqCst)).await;
        let r = rounds_of(&v2);
        wait_for("two healthy rounds", || rounds_of(&v2) >= r + 2).await;
        d2.healthy.store(false, Ordering::SeqCst);
    });
    let (summary, lines) = run(s, store.clone(), std::future::pending()).await;
    let text = lines.join("\n");

    assert!(summary.finished, "{text}");
    assert_eq!(summary.fired, ["down", "down"], "{text}");
    // The rollback ran exactly once, and its verification is reported.
    let ran = std::fs::read_to_string(&log).unwrap();
    assert_eq!(ran.lines().count(), 1, "{ran}");
    let rb = summary.rollback.as_ref().expect("a rollback");
    assert_eq!(rb.exit, Some(0));
    assert!(rb.restored, "{}", rb.verification);
    assert!(text.contains("health restored"), "{text}");
    assert!(
        text.contains("rollback not run again"),
        "the second firing must not roll back again:\n{text}"
    );

    // It fired after its window and not before.
    let actions = store.watch_actions(summary.watch).await.unwrap();
    let fired_round = actions
        .iter()
        .find(|a| a.action == "fired")
        .expect("a fired action")
        .round;
    let rounds = stored_rounds(&store, summary.watch).await;
    let first_down = rounds.iter().find(|r| r.2 == Some(false)).unwrap();
    let fired = rounds.iter().find(|r| r.0 == fired_round).unwrap();
    let before = rounds.iter().find(|r| r.0 == fired_round - 1).unwrap();
    assert!(fired.1 - first_down.1 >= 1000, "{rounds:?}");
    assert!(before.1 - first_down.1 < 1000, "{rounds:?}");
    for a in ["fired", "rollback", "verify", "recovered"] {
        assert!(actions.iter().any(|x| x.action == a), "{a}: {actions:?}");
    }
    let rollback = actions.iter().find(|a| a.action == "rollback").unwrap();
    assert!(
        rollback.detail.contains("rolled back"),
        "{}",
        rollback.detail
    );
    let audit = store.audit().await.unwrap();
    assert!(audit.iter().any(|e| e.action == "watch_fired"));
    assert!(audit.iter().any(|e| e.action == "watch_rollback"));
    assert!(store.verify().await.unwrap().is_empty());

    // The alerts arrived at every receiver, signed where they should be,
    // and without the mail password.
    let slack = d.slack.lock().unwrap().clone();
    assert!(
        slack
            .iter()
            .any(|m| m["text"].as_str().unwrap().contains("`down` fired")),
        "{slack:?}"
    );
    let hooks = d.hooks.lock().unwrap().clone();
    assert_eq!(d.bad_signatures.load(Ordering::SeqCst), 0);
    assert!(
        hooks.iter().any(|m| m["type"] == "golive.trigger.fired"),
        "{hooks:?}"
    );
    assert!(
        hooks
            .iter()
            .any(|m| m["type"] == "golive.rollback.verified")
    );
    let mail = smtp.messages();
    assert!(
        mail.iter()
            .any(|m| m.contains("Subject: golive: rollback trigger `down` fired")),
        "{mail:?}"
    );
    assert!(mail.iter().all(|m| !m.contains("mail-pw-123456")));
    let notified = actions.iter().filter(|a| a.action == "notify").count();
    assert!(notified >= 3, "{actions:?}");
    assert!(
        actions
            .iter()
            .filter(|a| a.action == "notify")
            .all(|a| a.ok),
        "{actions:?}"
    );

    // The endpoints show the latest round.
    let (bound, _server) = serve::listen("127.0.0.1:0".parse().unwrap(), view.clone())
        .await
        .unwrap();
    let metrics = get_text(bound, "/metrics").await;
    assert!(
        metrics.contains("golive_item_up{item=\"health\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("golive_item_latency_seconds{item=\"health\"}"));
    assert!(metrics.contains("golive_item_last_change_timestamp_seconds{item=\"health\"}"));
    assert!(
        metrics.contains("golive_trigger_state{trigger=\"down\",state=\"fired\"}"),
        "{metrics}"
    );
    let health = get_text(bound, "/healthz").await;
    assert!(health.starts_with("HTTP/1.1 503"), "{health}");
}

async fn get_text(addr: SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flapping_service_does_not_fire() {
    let (addr, d) = deployment().await;
    d.flapping.store(true, Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let mut s = setup(
        http_check(&format!("http://{addr}/health")),
        vec![down_for(Duration::from_millis(500))],
        100,
        Duration::from_secs(2),
    );
    s.armed = true;
    let log = dir.path().join("rollbacks.log");
    s.rollback = Some(format!("echo rolled-back >> {}", log.display()));
    let (summary, lines) = run(s, store, std::future::pending()).await;
    let text = lines.join("\n");
    assert!(summary.rounds >= 10, "{text}");
    assert!(summary.fired.is_empty(), "{text}");
    assert!(text.contains("-> pending"), "{text}");
    assert!(!log.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_data_is_inconclusive_not_healthy() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    // A target nobody gave: the check is not verified, so no data.
    let s = setup(
        http_check("${APP_URL}/health"),
        vec![Trigger::new("errors", Condition::ErrorRate { above: 10.0 })],
        100,
        Duration::from_millis(450),
    );
    let view = s.view.clone().unwrap();
    let (summary, lines) = run(s, store, std::future::pending()).await;
    assert_eq!(
        summary.triggers,
        [("errors".to_string(), TriggerState::Inconclusive)],
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("no data")), "{lines:?}");
    assert!(!view.read().unwrap().healthy());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_watch_resumes_its_rounds_and_window() {
    let (addr, d) = deployment().await;
    d.healthy.store(false, Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let plan = || http_check(&format!("http://{addr}/health"));
    let hold = Duration::from_millis(1000);

    // The first process is stopped after three failing rounds (600ms of
    // its 1s window).
    let first = setup(plan(), vec![down_for(hold)], 200, Duration::from_secs(4));
    let view = first.view.clone().unwrap();
    let v = view.clone();
    let (a, _) = run(first, store.clone(), async move {
        wait_for("three rounds", || rounds_of(&v) >= 3).await;
    })
    .await;
    assert!(!a.finished);
    assert_eq!(a.rounds, 3);
    assert!(a.fired.is_empty());

    let restart = std::time::SystemTime::now();
    let second = setup(plan(), vec![down_for(hold)], 200, Duration::from_secs(4));
    let v = second.view.clone().unwrap();
    let (b, lines) = run(second, store.clone(), async move {
        wait_for("the trigger", || {
            v.read().unwrap().triggers.get("down") == Some(&TriggerState::Fired)
        })
        .await;
    })
    .await;
    let text = lines.join("\n");
    assert_eq!(b.watch, a.watch, "{text}");
    assert_eq!(b.resumed_after, Some(3));
    assert!(text.contains("resuming watch"), "{text}");
    assert_eq!(b.fired, ["down"], "{text}");
    // The window began in the first process: the second fires before a
    // whole hold of its own could have passed.
    let took = restart.elapsed().unwrap();
    assert!(took < Duration::from_millis(1000), "{took:?}\n{text}");
    let rounds = stored_rounds(&store, a.watch).await;
    let numbers: Vec<i64> = rounds.iter().map(|r| r.0).collect();
    assert_eq!(numbers, (1..=b.rounds).collect::<Vec<_>>());
    assert!(
        rounds[rounds.len() - 1].1 - rounds[0].1 >= 1000,
        "{rounds:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_watch_never_rolls_back_twice_on_postgres() {
    let (addr, d) = deployment().await;
    let db = golive_testkit::store::PgDatabase::create();
    let store: Arc<dyn Store> = Arc::from(
        golive_store::open(&Location::parse(&db.url).unwrap(), true)
            .await
            .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("rollbacks.log");
    let armed = || {
        let mut s = setup(
            http_check(&format!("http://{addr}/health")),
            vec![down_for(Duration::from_millis(200))],
            100,
            Duration::from_secs(10),
        );
        s.armed = true;
        s.rollback = Some(format!("echo rolled-back >> {}", log.display()));
        s
    };

    // The first process fires, rolls back (which does not help), and is
    // stopped.
    d.healthy.store(false, Ordering::SeqCst);
    let first = armed();
    let v = first.view.clone().unwrap();
    let (a, _) = run(first, store.clone(), async move {
        wait_for("the trigger", || {
            v.read().unwrap().triggers.get("down") == Some(&TriggerState::Fired)
        })
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    })
    .await;
    assert_eq!(a.fired, ["down"]);
    assert!(a.rollback.is_some());

    // The second recovers, then fails again: the trigger fires again, the
    // rollback is not run again.
    d.healthy.store(true, Ordering::SeqCst);
    let second = armed();
    let v = second.view.clone().unwrap();
    let d2 = d.clone();
    let (b, lines) = run(second, store.clone(), async move {
        wait_for("recovery", || {
            v.read().unwrap().triggers.get("down") == Some(&TriggerState::Ok)
        })
        .await;
        d2.healthy.store(false, Ordering::SeqCst);
        wait_for("the trigger again", || {
            v.read().unwrap().triggers.get("down") == Some(&TriggerState::Fired)
        })
        .await;
    })
    .await;
    let text = lines.join("\n");
    assert_eq!(b.watch, a.watch);
    assert_eq!(b.fired, ["down"], "{text}");
    assert!(b.rollback.is_none(), "{text}");
    assert!(text.contains("rollback not run again"), "{text}");
    let ran = std::fs::read_to_string(&log).unwrap();
    assert_eq!(ran.lines().count(), 1, "{ran}");
    let rollbacks = store
        .watch_actions(a.watch)
        .await
        .unwrap()
        .into_iter()
        .filter(|x| x.action == "rollback")
        .count();
    assert_eq!(rollbacks, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_receiver_does_not_hold_up_the_rounds() {
    let (addr, d) = deployment().await;
    d.healthy.store(false, Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    // Nothing listens on the receiver's port.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let mut s = setup(
        http_check(&format!("http://{addr}/health")),
        vec![down_for(Duration::ZERO)],
        100,
        Duration::from_millis(1000),
    );
    s.notifiers = vec![Notifier::Slack {
        url: golive_probes::net::http::Url::parse(&format!("http://127.0.0.1:{dead_port}/x"))
            .unwrap(),
    }];
    s.retry = Retry {
        attempts: 3,
        first_delay: Duration::from_millis(400),
        timeout: Duration::from_secs(2),
    };
    let (summary, lines) = run(s, store.clone(), std::future::pending()).await;
    assert_eq!(summary.fired, ["down"], "{lines:?}");
    // The alert was retried for more than a second; the rounds went on.
    assert!(summary.rounds >= 9, "{lines:?}");
    let notify: Vec<_> = store
        .watch_actions(summary.watch)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "notify")
        .collect();
    assert_eq!(notify.len(), 1, "{notify:?}");
    assert!(!notify[0].ok);
    assert!(
        notify[0].detail.contains("after 3 attempt"),
        "{}",
        notify[0].detail
    );
}
