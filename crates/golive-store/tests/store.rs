//! One suite, run against both backends: a SQLite file in a temporary
//! folder and a PostgreSQL database of its own on the machine's server.
//! Tampering goes through the databases' own clients (sqlite3, psql), as
//! someone editing the store behind golive's back would.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use golive_checklist::{Checklist, Status};
use golive_core::{
    CheckResult, CheckSpec, CheckStatus, Class, Evidence, ItemStatus, Mark, MarkState, Meta,
    Origin, People, Plan, ProbeKind, RunReport, Signoff, Value,
    decision::Outcome,
    plan::{PlannedItem, Policy},
};
use golive_store::{Location, NewRun, Store, StoreError, WaiverRecord};
use golive_testkit::store::{PgDatabase, sqlite3};

const CHECKLIST: &str = "\
# Launch

## Backend
- [ ] **CRITICAL:** Health endpoint answers within 500ms <!-- golive:id=health -->
- [ ] Backup restore tested <!-- golive:id=backup -->
- [ ] CDN configured <!-- golive:id=cdn -->

## Sign-off
| Role | Name | Signature | Date |
| --- | --- | --- | --- |
| Tech Lead | | | |
";

/// A store under test and what keeps it alive.
struct Fixture {
    store: Box<dyn Store>,
    location: Location,
    tamper: Tamper,
    _dir: Option<tempfile::TempDir>,
    _db: Option<std::sync::Arc<PgDatabase>>,
}

#[derive(Clone)]
enum Tamper {
    Sqlite(std::path::PathBuf),
    Postgres(std::sync::Arc<PgDatabase>),
}

impl Tamper {
    fn sql(&self, sql: &str) -> String {
        match self {
            Self::Sqlite(p) => sqlite3(p, sql),
            Self::Postgres(db) => db.execute(sql),
        }
    }
}

async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".golive").join("golive.db");
    let location = Location::Sqlite(path.clone());
    Fixture {
        store: golive_store::open(&location, true).await.unwrap(),
        location,
        tamper: Tamper::Sqlite(path),
        _dir: Some(dir),
        _db: None,
    }
}

async fn postgres() -> Fixture {
    let db = std::sync::Arc::new(PgDatabase::create());
    let location = Location::parse(&db.url).unwrap();
    Fixture {
        store: golive_store::open(&location, true).await.unwrap(),
        location,
        tamper: Tamper::Postgres(db.clone()),
        _dir: None,
        _db: Some(db),
    }
}

fn plan(c: &Checklist) -> Plan {
    let mut health = CheckSpec::new(
        "health",
        ProbeKind::Http,
        toml::Table::new(),
        Origin::Config { line: 1 },
    );
    health.item = Some("health".into());
    let items = c
        .items
        .iter()
        .enumerate()
        .map(|(index, item)| PlannedItem {
            index,
            class: if item.id == "health" {
                Class::Live
            } else {
                Class::Manual
            },
            probe: (item.id == "health").then_some(ProbeKind::Http),
            thresholds: Vec::new(),
            why: String::new(),
            checks: if item.id == "health" { vec![0] } else { vec![] },
            needs: Vec::new(),
        })
        .collect();
    Plan {
        items,
        checks: vec![health],
        waivers: Vec::new(),
        policy: Policy::default(),
    }
}

/// A run whose health check took `ms` and passed or failed.
fn report(ms: f64, passed: bool, people: &People) -> RunReport {
    let c = Checklist::parse(CHECKLIST).unwrap();
    let plan = plan(&c);
    let mut evidence = Evidence::new();
    evidence.insert("status".into(), Value::Int(200));
    evidence.insert(
        "time".into(),
        Value::Duration(Duration::from_secs_f64(ms / 1000.0)),
    );
    evidence.insert("body".into(), Value::from("{\"status\":\"ok\"}"));
    let result = CheckResult {
        id: "health".into(),
        item: Some("health".into()),
        name: "health".into(),
        kind: ProbeKind::Http,
        target: "GET http://127.0.0.1/health".into(),
        status: if passed {
            CheckStatus::Passed
        } else {
            CheckStatus::Failed
        },
        reason: (!passed).then(|| format!("expected time < 500ms, got {ms}ms")),
        summary: format!("200 in {ms}ms"),
        evidence,
        expectations: Vec::new(),
        duration: Duration::from_millis(12),
        attempts: 1,
        advisory: false,
    };
    RunReport::assemble_with(
        Some(&c),
        &plan,
        vec![result],
        Meta {
            source: "CHECKLIST.md".into(),
            started_at: golive_store::now(),
            duration: Duration::from_millis(40),
            today: "2026-06-01",
            selected: None,
        },
        people,
    )
}

const NOW: &str = "2026-06-01T12:00:00Z";

fn mark(item: &str, state: MarkState, by: &str) -> Mark {
    Mark {
        item: item.into(),
        state,
        by: by.into(),
        note: None,
        at: NOW.into(),
        valid_until: None,
    }
}

async fn save(store: &dyn Store, report: &RunReport) -> i64 {
    store
        .save_run(&NewRun {
            report,
            checklist: Some("/srv/app/CHECKLIST.md".into()),
            actor: "ci".into(),
        })
        .await
        .unwrap()
}

/// The latest run settled with the store's people, as `golive gate` does.
async fn gate(store: &dyn Store) -> RunReport {
    let people = store.people(NOW).await.unwrap();
    let mut r = store.latest_run().await.unwrap().unwrap().report;
    r.settle(&people, "2026-06-01");
    r
}

async fn a_run_reads_back_as_it_was_written(f: Fixture) {
    let store = &*f.store;
    assert!(store.latest_run().await.unwrap().is_none());
    let people = store.people(NOW).await.unwrap();
    let original = report(123.456, true, &people);
    let id = save(store, &original).await;
    let back = store.run(id).await.unwrap().unwrap();
    assert_eq!(back.checklist.as_deref(), Some("/srv/app/CHECKLIST.md"));
    let mut r = back.report;
    r.settle(&people, "2026-06-01");
    // The digest is over ids, statuses and evidence: equal only if all
    // three came back exactly.
    assert_eq!(r.digest, original.digest);
    assert_eq!(r.decision, original.decision);
    assert_eq!(r.items.len(), 3);
    assert_eq!(r.items[0].status, ItemStatus::Passed);
    assert_eq!(
        r.items[0].evidence.get("body"),
        Some(&Value::from("{\"status\":\"ok\"}"))
    );
    assert_eq!(r.items[0].checks[0].summary, "200 in 123.456ms");
    assert_eq!(r.sections.len(), original.sections.len());
    assert_eq!(r.signoffs[0].role, "Tech Lead");
    assert_eq!(
        serde_json::to_value(&r.summary).unwrap(),
        serde_json::to_value(&original.summary).unwrap()
    );
}

async fn marks_waivers_and_signoffs_settle_the_gate(f: Fixture) {
    let store = &*f.store;
    save(store, &report(80.0, false, &People::default())).await;
    let r = gate(store).await;
    assert_eq!(r.decision.outcome, Outcome::NoGo);

    store
        .add_mark(&mark("backup", MarkState::InProgress, "Ann"))
        .await
        .unwrap();
    store
        .add_mark(&Mark {
            note: Some("restored the 02:00 dump into staging".into()),
            valid_until: Some("2026-07-01T12:00:00Z".into()),
            ..mark("backup", MarkState::Done, "Ann")
        })
        .await
        .unwrap();
    store
        .add_mark(&mark("cdn", MarkState::NotApplicable, "Bob"))
        .await
        .unwrap();
    store
        .add_waiver(&WaiverRecord {
            item: "health".into(),
            reason: "latency budget is being renegotiated".into(),
            by: "Carol (CTO)".into(),
            at: NOW.into(),
            until: Some("2026-06-30".into()),
        })
        .await
        .unwrap();
    let people = store.people(NOW).await.unwrap();
    assert_eq!(people.marks.len(), 2, "the latest mark per item");
    assert_eq!(people.mark("backup").unwrap().state, MarkState::Done);

    let r = gate(store).await;
    assert_eq!(r.items[1].status, ItemStatus::Done);
    assert_eq!(r.items[1].mark.as_ref().unwrap().mark.by, "Ann");
    assert_eq!(r.items[0].waiver.as_ref().unwrap().by, "Carol (CTO)");
    assert_eq!(r.decision.reasons.len(), 1, "{:?}", r.decision.reasons);
    assert_eq!(r.decision.reasons[0].message, "sign-off missing: Tech Lead");

    let latest = store.latest_run().await.unwrap().unwrap();
    store
        .add_signoff(&Signoff {
            role: "Tech Lead".into(),
            by: "Dana".into(),
            at: NOW.into(),
            run: latest.id,
            digest: r.digest.clone(),
        })
        .await
        .unwrap();
    let r = gate(store).await;
    assert_eq!(r.decision.outcome, Outcome::GoWithWaivers);
    assert_eq!(r.signoffs[0].by.as_deref(), Some("Dana"));

    // Re-opened, the sign-off still counts...
    drop(f.store);
    let store = golive_store::open(&f.location, false).await.unwrap();
    assert_eq!(gate(&*store).await.decision.outcome, Outcome::GoWithWaivers);
    // ...until a run with other results: then it is stale.
    save(&*store, &report(81.0, false, &People::default())).await;
    let r = gate(&*store).await;
    assert_eq!(r.decision.outcome, Outcome::NoGo);
    assert!(r.signoffs[0].stale);
    assert!(
        r.decision.reasons[0]
            .message
            .starts_with("sign-off stale: Tech Lead"),
        "{:?}",
        r.decision.reasons
    );
    assert!(store.verify().await.unwrap().is_empty());
}

async fn history_lists_runs_newest_first(f: Fixture) {
    let store = &*f.store;
    let a = save(store, &report(10.0, true, &People::default())).await;
    let b = save(store, &report(900.0, false, &People::default())).await;
    let h = store.history(None).await.unwrap();
    assert_eq!(h.iter().map(|r| r.id).collect::<Vec<_>>(), vec![b, a]);
    assert_eq!(h[0].outcome, "NO-GO");
    assert_eq!(h[0].counts.failed, 1);
    assert_eq!(h[1].counts.passed, 1);
    assert_eq!(store.history(Some(1)).await.unwrap().len(), 1);
    assert_eq!(store.run_before(b).await.unwrap().unwrap().id, a);
    assert!(store.run_before(a).await.unwrap().is_none());
}

async fn the_audit_log_detects_edits_and_removals(f: Fixture) {
    let store = &*f.store;
    let run = save(store, &report(10.0, true, &People::default())).await;
    store
        .add_mark(&mark("backup", MarkState::Done, "Ann"))
        .await
        .unwrap();
    store
        .add_mark(&mark("cdn", MarkState::Done, "Bob"))
        .await
        .unwrap();
    store
        .add_signoff(&Signoff {
            role: "Tech Lead".into(),
            by: "Dana".into(),
            at: NOW.into(),
            run,
            digest: "sha256:x".into(),
        })
        .await
        .unwrap();
    let log = store.audit().await.unwrap();
    assert_eq!(
        log.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec!["run", "mark", "mark", "sign"]
    );
    assert_eq!(log[1].actor, "Ann");
    assert!(store.verify().await.unwrap().is_empty());

    // A mark changed behind golive's back no longer matches its entry.
    f.tamper
        .sql("UPDATE marks SET by_name = 'Mallory' WHERE item = 'cdn'");
    let found = store.verify().await.unwrap();
    assert!(
        found
            .iter()
            .any(|x| x.message.contains("differs from what entry 3")),
        "{found:?}"
    );
    f.tamper
        .sql("UPDATE marks SET by_name = 'Bob' WHERE item = 'cdn'");
    assert!(store.verify().await.unwrap().is_empty());

    // An entry rewritten to cover it breaks the chain.
    f.tamper
        .sql("UPDATE audit SET actor = 'Mallory' WHERE seq = 3");
    let found = store.verify().await.unwrap();
    assert!(
        found
            .iter()
            .any(|x| x.message.contains("entry 3 was changed")),
        "{found:?}"
    );
    f.tamper.sql("UPDATE audit SET actor = 'Bob' WHERE seq = 3");

    // A removed entry leaves a gap; a removed record leaves its entry orphaned.
    f.tamper.sql("DELETE FROM audit WHERE seq = 2");
    let found = store.verify().await.unwrap();
    assert!(
        found.iter().any(|x| x.message.contains("missing")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|x| x.message.contains("mark:1 is not in the audit log")),
        "{found:?}"
    );
    f.tamper.sql("DELETE FROM signoffs");
    let found = store.verify().await.unwrap();
    assert!(
        found
            .iter()
            .any(|x| x.message.contains("signoff:1 (entry 4")),
        "{found:?}"
    );
    // A run's results edited in place.
    f.tamper
        .sql("UPDATE runs SET results = replace(results, 'passed', 'failed')");
    let found = store.verify().await.unwrap();
    assert!(
        found.iter().any(|x| x.message.contains("run:1 differs")),
        "{found:?}"
    );
}

async fn write_marks(store: &dyn Store, who: &str) {
    for i in 0..25 {
        store
            .add_mark(&mark(&format!("{who}-{i}"), MarkState::Done, who))
            .await
            .unwrap();
    }
}

async fn concurrent_writers_lose_nothing(f: Fixture) {
    // Two stores opened separately: two connections, as two processes have.
    let other = golive_store::open(&f.location, true).await.unwrap();
    tokio::join!(write_marks(&*f.store, "ann"), write_marks(&*other, "bob"));
    let people = f.store.people(NOW).await.unwrap();
    assert_eq!(people.marks.len(), 50);
    let log = f.store.audit().await.unwrap();
    assert_eq!(log.len(), 50);
    assert!(f.store.verify().await.unwrap().is_empty());
}

async fn secrets_in_notes_are_not_kept(f: Fixture) {
    let store = &*f.store;
    store
        .add_mark(&Mark {
            note: Some(
                "checked with curl -H 'Authorization: Bearer abcdefghijk123456' and postgres://app:hunter2pw@db/app"
                    .into(),
            ),
            ..mark("backup", MarkState::Done, "Ann")
        })
        .await
        .unwrap();
    let note = store.people(NOW).await.unwrap().marks[0]
        .note
        .clone()
        .unwrap();
    assert!(!note.contains("abcdefghijk123456"), "{note}");
    assert!(!note.contains("hunter2pw"), "{note}");
    assert!(note.contains("[redacted]"), "{note}");
    let raw = f.tamper.sql("SELECT note FROM marks");
    assert!(!raw.contains("hunter2pw"), "{raw}");
}

async fn a_store_from_a_newer_golive_is_refused(f: Fixture) {
    f.tamper.sql(
        "INSERT INTO golive_schema (version, description, applied_at) VALUES (99, 'future', 'x')",
    );
    drop(f.store);
    match golive_store::open(&f.location, false).await {
        Err(StoreError::TooNew { found: 99, .. }) => {}
        other => panic!("expected TooNew, got {other:?}"),
    }
}

async fn a_watch_resumes_and_rolls_back_once(f: Fixture) {
    use golive_store::{NewWatch, StoredRound, TriggerRow, WatchAction};
    let store = &*f.store;
    assert!(
        store
            .current_watch("/x/golive.toml")
            .await
            .unwrap()
            .is_none()
    );
    let w = store
        .start_watch(&NewWatch {
            key: "/x/golive.toml",
            source: "golive.toml",
            started_ms: 1_000,
            baseline: "{}",
            actor: "ops",
        })
        .await
        .unwrap();
    for n in 1..=3 {
        store
            .save_round(
                w.id,
                &StoredRound {
                    round: n,
                    at_ms: 1_000 + n * 100,
                    samples: format!("[{n}]"),
                },
                &[TriggerRow {
                    name: "down".into(),
                    state: if n == 3 { "fired" } else { "pending" }.into(),
                    since_ms: Some(1_000 + n * 100),
                    detail: "down: health".into(),
                }],
            )
            .await
            .unwrap();
    }
    let again = store
        .current_watch("/x/golive.toml")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.id, again.rounds, again.last_ms),
        (w.id, 3, Some(1_300))
    );
    let recent = store.rounds_since(w.id, 1_200).await.unwrap();
    assert_eq!(recent.iter().map(|r| r.round).collect::<Vec<_>>(), [2, 3]);
    let states = store.trigger_states(w.id).await.unwrap();
    assert_eq!(states.len(), 1);
    assert_eq!(states[0].state, "fired");
    assert!(store.claim_rollback(w.id).await.unwrap());
    assert!(!store.claim_rollback(w.id).await.unwrap());
    store
        .add_watch_action(
            w.id,
            &WatchAction {
                round: 3,
                action: "rollback".into(),
                trigger: Some("down".into()),
                ok: true,
                detail: "exit 0; Authorization: Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789" // golive:allow (planted: the store must redact it)
                    .into(),
                at: String::new(),
            },
            "ops",
        )
        .await
        .unwrap();
    let actions = store.watch_actions(w.id).await.unwrap();
    assert_eq!(actions.len(), 1);
    assert!(
        !actions[0].detail.contains("ghp_abcdef"),
        "{}",
        actions[0].detail
    );
    let audit = store.audit().await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "watch_rollback"),
        "{audit:?}"
    );
    assert!(store.verify().await.unwrap().is_empty());
    f.tamper
        .sql("UPDATE watch_actions SET detail = 'nothing happened'");
    assert!(!store.verify().await.unwrap().is_empty());
    store.end_watch(w.id).await.unwrap();
    assert!(
        store
            .current_watch("/x/golive.toml")
            .await
            .unwrap()
            .is_none()
    );
}

macro_rules! on_both {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $test() {
                super::$test(super::sqlite().await).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $test() {
                super::$test(super::postgres().await).await;
            })*
        }
    };
}

on_both!(
    a_run_reads_back_as_it_was_written,
    marks_waivers_and_signoffs_settle_the_gate,
    history_lists_runs_newest_first,
    the_audit_log_detects_edits_and_removals,
    concurrent_writers_lose_nothing,
    secrets_in_notes_are_not_kept,
    a_store_from_a_newer_golive_is_refused,
    a_watch_resumes_and_rolls_back_once,
);

#[tokio::test]
async fn a_missing_sqlite_store_is_not_created_by_readers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".golive/golive.db");
    let err = golive_store::open(&Location::Sqlite(path.clone()), false)
        .await
        .unwrap_err();
    assert!(err.is_user_error(), "{err}");
    assert!(!path.exists());
    let _ = Status::Done;
}
