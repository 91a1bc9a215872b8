//! After launch: `golive watch`. Re-runs the plan's live checks on the
//! post-launch schedule, stores every round, judges the rollback triggers
//! (golive-core's pure [`golive_core::watch`] semantics), and acts on a
//! firing: an alert to every notifier, and — only when armed — the rollback
//! command, once per watch, followed by the checks again to say whether
//! health came back.
//!
//! The watch is resumable: its start, its round count and the rounds its
//! triggers' windows cover are in the store, so a watch killed and started
//! again continues its schedule and windows instead of starting over, and
//! a rollback already run is never run again.
//!
//! Memory stays flat however long the watch runs: a round's results are
//! reduced to one sample per item (up, latency) and dropped; triggers keep
//! only their windows.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use golive_core::watch::{Evaluator, Round, Sample, Schedule, Step, Trigger, TriggerState};
use golive_core::{CheckResult, CheckStatus, Class, Plan, ProbeKind, Redactor, RunReport};
use golive_run::Options;
use golive_store::{NewWatch, Store, StoreError, StoredRound, TriggerRow, WatchAction};

pub mod notify;
pub mod serve;
pub mod smtp;

use notify::{Dispatcher, Message, Notifier, Record, Retry};
use serve::{ItemView, Shared};

/// Everything a watch needs, read from the command line and the config.
pub struct Setup {
    pub plan: Plan,
    pub options: Options,
    pub triggers: Vec<Trigger>,
    pub schedule: Schedule,
    /// The rollback command, run by `sh -c`.
    pub rollback: Option<String>,
    pub rollback_timeout: Duration,
    /// `--arm-rollback`: without it the command is never run.
    pub armed: bool,
    /// `--dry-run`: triggers are judged and reported, nothing is done.
    pub dry_run: bool,
    /// How long a rollback is given to take effect before it is verified.
    pub settle: Duration,
    pub notifiers: Vec<Notifier>,
    pub retry: Retry,
    /// What is watched (the input, absolute): the key a restart resumes by.
    pub key: String,
    pub source: String,
    pub actor: String,
    /// Each item's latency at the GO run, for a new watch (a resumed one
    /// keeps the baseline it started with).
    pub baseline: HashMap<String, f64>,
    /// What `--listen` serves.
    pub view: Option<Shared>,
}

/// The rollback, as it went.
#[derive(Debug, Clone)]
pub struct RollbackOutcome {
    pub trigger: String,
    pub exit: Option<i32>,
    /// Standard output and error, redacted, the end kept when long.
    pub output: String,
    /// Whether the checks passed again after it.
    pub restored: bool,
    pub verification: String,
}

/// How the watch ended.
#[derive(Debug, Clone)]
pub struct Summary {
    pub watch: i64,
    /// The round it resumed after, when it did.
    pub resumed_after: Option<i64>,
    pub rounds: i64,
    /// The schedule (or `--for`) ran out; otherwise it was interrupted and
    /// will resume.
    pub finished: bool,
    /// Triggers that fired during this run of the watch.
    pub fired: Vec<String>,
    pub rollback: Option<RollbackOutcome>,
    pub triggers: Vec<(String, TriggerState)>,
    pub items: BTreeMap<String, ItemView>,
}

/// "The watch could not go on" (the store failed, the plan cannot run),
/// as opposed to a trigger firing, which is the watch working.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Nothing to watch, or the plan cannot run.
    #[error("{0}")]
    Plan(String),
}

/// The checks a watch re-runs: the live ones, except those that put load on
/// the deployment (a load test or a rate-limit burst every minute would be
/// the outage).
pub fn live_checks(plan: &Plan) -> Vec<bool> {
    plan.checks
        .iter()
        .map(|c| {
            c.kind.class() == Class::Live
                && !matches!(c.kind, ProbeKind::Load | ProbeKind::RateLimit)
        })
        .collect()
}

/// One sample per item (or standalone check) from a round's results.
pub fn samples_of(results: &[CheckResult]) -> Vec<Sample> {
    let mut by_item: BTreeMap<String, Sample> = BTreeMap::new();
    for r in results {
        let key = r.item.clone().unwrap_or_else(|| r.id.clone());
        let s = by_item.entry(key.clone()).or_insert(Sample {
            item: key,
            kind: Some(r.kind),
            up: Some(true),
            latency_ms: None,
        });
        let ran = matches!(r.status, CheckStatus::Passed | CheckStatus::Failed);
        match r.status {
            CheckStatus::Failed => s.up = Some(false),
            CheckStatus::Passed => {}
            // A check that could not run says nothing about health.
            CheckStatus::Skipped | CheckStatus::NotVerified => {
                if s.up == Some(true) {
                    s.up = None;
                }
            }
        }
        if ran {
            let ms = r.duration.as_secs_f64() * 1000.0;
            s.latency_ms = Some(s.latency_ms.map_or(ms, |l: f64| l.max(ms)));
        }
    }
    by_item.into_values().collect()
}

/// Each live item's latency at a run (the GO run), from its passed checks.
pub fn baseline_of(report: &RunReport) -> HashMap<String, f64> {
    let mut out = HashMap::new();
    for item in &report.items {
        if item.class != Class::Live {
            continue;
        }
        for s in samples_of(&item.checks) {
            if let (Some(true), Some(ms)) = (s.up, s.latency_ms) {
                out.insert(s.item, ms);
            }
        }
    }
    out
}

fn now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn clock(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

fn ms_of(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Runs the watch until its schedule ends or `shutdown` completes; `out`
/// gets one line per change.
pub async fn watch(
    setup: Setup,
    store: Arc<dyn Store>,
    shutdown: impl Future<Output = ()>,
    out: &mut (dyn FnMut(&str) + Send),
) -> Result<Summary, WatchError> {
    let selected = live_checks(&setup.plan);
    if !selected.contains(&true) {
        return Err(WatchError::Plan(
            "nothing to watch: the plan has no live checks (`golive plan` shows each item's class)"
                .into(),
        ));
    }
    setup
        .plan
        .check_dependencies()
        .map_err(|e| WatchError::Plan(e.to_string()))?;
    let mut redactor = setup.options.vars.redactor();
    for n in &setup.notifiers {
        redactor.extend(n.secrets());
    }
    let redactor = Arc::new(redactor);

    // Resume the watch of this input that has not ended, or start one.
    let (session, resumed_after) = match store.current_watch(&setup.key).await? {
        Some(s) => {
            let r = Some(s.rounds);
            (s, r)
        }
        None => {
            let baseline = serde_json::to_string(&setup.baseline).unwrap_or_else(|_| "{}".into());
            let s = store
                .start_watch(&NewWatch {
                    key: &setup.key,
                    source: &setup.source,
                    started_ms: now_ms(),
                    baseline: &baseline,
                    actor: &setup.actor,
                })
                .await?;
            (s, None)
        }
    };
    let baseline: HashMap<String, f64> =
        serde_json::from_str(&session.baseline).unwrap_or_default();
    let mut evaluators: Vec<Evaluator> =
        setup.triggers.iter().cloned().map(Evaluator::new).collect();
    let memory = setup
        .triggers
        .iter()
        .map(Trigger::memory)
        .max()
        .unwrap_or_default();
    if resumed_after.is_some() {
        // The triggers' windows as they were: replayed, not acted on again.
        let since = session.last_ms.unwrap_or(session.started_ms) - ms_of(memory);
        for r in store.rounds_since(session.id, since).await? {
            let samples: Vec<Sample> = serde_json::from_str(&r.samples).unwrap_or_default();
            let round = Round {
                number: u64::try_from(r.round).unwrap_or(0),
                at_ms: r.at_ms,
                samples,
            };
            for e in &mut evaluators {
                e.observe(&round, &baseline);
            }
        }
        out(&format!(
            "resuming watch {} after round {} (started {})",
            session.id, session.rounds, session.started_at
        ));
    } else {
        out(&format!(
            "watch {} of {}: {} live check(s), {} trigger(s), until {}{}",
            session.id,
            setup.source,
            selected.iter().filter(|s| **s).count(),
            evaluators.len(),
            golive_core::format_duration(setup.schedule.end()),
            if setup.dry_run {
                " (dry run: nothing is done)"
            } else {
                ""
            }
        ));
    }

    let dispatcher = Dispatcher::start(
        setup.notifiers.clone(),
        redactor.clone(),
        setup.options.tls.clone(),
        setup.options.tls_insecure.clone(),
        setup.retry,
        Some(Record {
            store: store.clone(),
            watch: session.id,
            actor: setup.actor.clone(),
        }),
    );
    let mut items: BTreeMap<String, ItemView> = BTreeMap::new();
    let mut rounds = session.rounds;
    let mut last_ms = session.last_ms;
    let mut rollback_taken = session.rollback_claimed;
    let mut fired = Vec::new();
    let mut rollback = None;
    let mut finished = false;
    let started = session.started_ms;
    let clock_start = Instant::now();
    let wall_start = now_ms();
    tokio::pin!(shutdown);

    loop {
        let last = last_ms.map(|l| Duration::from_millis(u64::try_from(l - started).unwrap_or(0)));
        let Some(due) = setup.schedule.next_after(last) else {
            finished = true;
            break;
        };
        // Wall-clock time for resumption, a monotonic clock for waiting.
        let wait_ms = (started + ms_of(due)) - (wall_start + ms_of(clock_start.elapsed()));
        if wait_ms > 0 {
            let sleep =
                tokio::time::sleep(Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0)));
            tokio::select! {
                () = sleep => {}
                () = &mut shutdown => break,
            }
        }
        let at_ms = now_ms();
        let results = tokio::select! {
            r = golive_run::run(&setup.plan, Some(&selected), &setup.options) => r,
            () = &mut shutdown => break,
        }
        .map_err(|e| WatchError::Plan(e.to_string()))?;
        rounds += 1;
        last_ms = Some(at_ms);
        let round = Round {
            number: u64::try_from(rounds).unwrap_or(0),
            at_ms,
            samples: samples_of(&results),
        };
        let reasons: HashMap<String, String> = results
            .iter()
            .filter(|r| r.status == CheckStatus::Failed)
            .map(|r| {
                (
                    r.item.clone().unwrap_or_else(|| r.id.clone()),
                    r.reason.clone().unwrap_or_else(|| r.summary.clone()),
                )
            })
            .collect();
        drop(results);
        for s in &round.samples {
            let view = items.entry(s.item.clone()).or_insert_with(|| ItemView {
                changed_ms: at_ms,
                ..ItemView::default()
            });
            if view.up != s.up || rounds == 1 || resumed_after == Some(rounds - 1) {
                if view.up != s.up {
                    view.changed_ms = at_ms;
                }
                let state = match s.up {
                    Some(true) => "up".to_string(),
                    Some(false) => {
                        format!("DOWN: {}", reasons.get(&s.item).map_or("", String::as_str))
                    }
                    None => "no data".to_string(),
                };
                out(&format!(
                    "{} round {rounds} {} {state}",
                    clock(at_ms),
                    s.item
                ));
            }
            view.up = s.up;
            view.latency_ms = s.latency_ms;
            if let Some(ms) = s.latency_ms {
                if view.trend.len() == serve::TREND {
                    view.trend.pop_front();
                }
                view.trend.push_back(ms);
            }
        }
        let steps: Vec<Step> = evaluators
            .iter_mut()
            .map(|e| e.observe(&round, &baseline))
            .collect();
        let rows: Vec<TriggerRow> = evaluators
            .iter()
            .zip(&steps)
            .map(|(e, s)| TriggerRow {
                name: e.trigger.name.clone(),
                state: e.state().as_str().to_string(),
                since_ms: e.since_ms(),
                detail: s.detail.clone(),
            })
            .collect();
        store
            .save_round(
                session.id,
                &StoredRound {
                    round: rounds,
                    at_ms,
                    samples: serde_json::to_string(&round.samples).unwrap_or_default(),
                },
                &rows,
            )
            .await?;
        if let Some(v) = &setup.view
            && let Ok(mut v) = v.write()
        {
            v.rounds = rounds;
            v.items.clone_from(&items);
            v.triggers = evaluators
                .iter()
                .map(|e| (e.trigger.name.clone(), e.state()))
                .collect();
        }
        for (e, step) in evaluators.iter().zip(&steps) {
            let name = &e.trigger.name;
            if step.changed() {
                out(&format!(
                    "{} round {rounds} trigger {name}: {} -> {} ({})",
                    clock(at_ms),
                    step.from,
                    step.to,
                    step.detail
                ));
            }
            let acting = !setup.dry_run && !e.trigger.dry_run;
            if step.fired() {
                fired.push(name.clone());
                let action = WatchAction {
                    round: rounds,
                    action: "fired".into(),
                    trigger: Some(name.clone()),
                    ok: acting,
                    detail: if acting {
                        step.detail.clone()
                    } else {
                        format!("{} (dry run: not acted on)", step.detail)
                    },
                    at: String::new(),
                };
                store
                    .add_watch_action(session.id, &action, &setup.actor)
                    .await?;
                if !acting {
                    continue;
                }
                dispatcher.send(Message {
                    event: "trigger.fired".into(),
                    subject: format!("golive: rollback trigger `{name}` fired"),
                    text: format!(
                        "{} — {}: {} (round {rounds} of the watch of {})",
                        clock(at_ms),
                        e.trigger.condition,
                        step.detail,
                        setup.source
                    ),
                    data: serde_json::json!({
                        "trigger": name,
                        "condition": e.trigger.condition.to_string(),
                        "detail": step.detail,
                        "round": rounds,
                        "source": setup.source,
                    }),
                    round: rounds,
                    trigger: Some(name.clone()),
                });
                if let Some(cmd) = &setup.rollback {
                    if !setup.armed {
                        out("rollback not run: the watch is not armed (--arm-rollback)");
                    } else if rollback_taken {
                        out("rollback not run again: this watch has already rolled back once");
                    } else if store.claim_rollback(session.id).await? {
                        rollback_taken = true;
                        let outcome = roll_back(
                            &setup, &store, session.id, rounds, name, cmd, &selected, &redactor,
                            out,
                        )
                        .await?;
                        dispatcher.send(Message {
                            event: "rollback.verified".into(),
                            subject: format!(
                                "golive: rollback {}",
                                if outcome.restored {
                                    "restored health"
                                } else {
                                    "did NOT restore health"
                                }
                            ),
                            text: format!(
                                "The rollback command exited {}. {}",
                                outcome
                                    .exit
                                    .map_or("without a status".into(), |c| c.to_string()),
                                outcome.verification
                            ),
                            data: serde_json::json!({
                                "trigger": name,
                                "exit": outcome.exit,
                                "restored": outcome.restored,
                                "verification": outcome.verification,
                            }),
                            round: rounds,
                            trigger: Some(name.clone()),
                        });
                        rollback = Some(outcome);
                    } else {
                        rollback_taken = true;
                        out("rollback not run again: this watch has already rolled back once");
                    }
                }
            } else if step.from == TriggerState::Fired && step.to == TriggerState::Ok {
                store
                    .add_watch_action(
                        session.id,
                        &WatchAction {
                            round: rounds,
                            action: "recovered".into(),
                            trigger: Some(name.clone()),
                            ok: true,
                            detail: step.detail.clone(),
                            at: String::new(),
                        },
                        &setup.actor,
                    )
                    .await?;
                if acting {
                    dispatcher.send(Message {
                        event: "trigger.recovered".into(),
                        subject: format!("golive: `{name}` recovered"),
                        text: step.detail.clone(),
                        data: serde_json::json!({ "trigger": name, "detail": step.detail }),
                        round: rounds,
                        trigger: Some(name.clone()),
                    });
                }
            }
        }
    }
    if finished {
        store.end_watch(session.id).await?;
    }
    // Alerts already queued get a bounded chance to go out.
    dispatcher.finish(Duration::from_secs(30)).await;
    Ok(Summary {
        watch: session.id,
        resumed_after,
        rounds,
        finished,
        fired,
        rollback,
        triggers: evaluators
            .iter()
            .map(|e| (e.trigger.name.clone(), e.state()))
            .collect(),
        items,
    })
}

/// Runs the rollback command, records it, lets it settle and verifies.
#[allow(clippy::too_many_arguments)]
async fn roll_back(
    setup: &Setup,
    store: &Arc<dyn Store>,
    watch: i64,
    round: i64,
    trigger: &str,
    cmd: &str,
    selected: &[bool],
    redactor: &Redactor,
    out: &mut (dyn FnMut(&str) + Send),
) -> Result<RollbackOutcome, WatchError> {
    out(&format!(
        "rolling back ({trigger} fired): {}",
        redactor.redact(cmd)
    ));
    let (exit, output) = run_command(cmd, setup.rollback_timeout).await;
    let output = tail(&redactor.redact(&output), 4000);
    let ok = exit == Some(0);
    store
        .add_watch_action(
            watch,
            &WatchAction {
                round,
                action: "rollback".into(),
                trigger: Some(trigger.to_string()),
                ok,
                detail: format!(
                    "$ {}\nexit {}\n{output}",
                    redactor.redact(cmd),
                    exit.map_or("none (killed or timed out)".into(), |c| c.to_string())
                ),
                at: String::new(),
            },
            &setup.actor,
        )
        .await?;
    out(&format!(
        "rollback exited {}",
        exit.map_or("without a status".into(), |c| c.to_string())
    ));
    tokio::time::sleep(setup.settle).await;
    let results = golive_run::run(&setup.plan, Some(selected), &setup.options)
        .await
        .map_err(|e| WatchError::Plan(e.to_string()))?;
    let samples = samples_of(&results);
    let measured = samples.iter().filter(|s| s.up.is_some()).count();
    let down: Vec<&str> = samples
        .iter()
        .filter(|s| s.up == Some(false))
        .map(|s| s.item.as_str())
        .collect();
    let restored = measured > 0 && down.is_empty();
    let verification = if restored {
        format!("health restored: all {measured} measured item(s) up after the rollback")
    } else if measured == 0 {
        "health not confirmed: no item could be measured after the rollback".to_string()
    } else {
        format!(
            "health NOT restored: still down after the rollback: {}",
            down.join(", ")
        )
    };
    store
        .add_watch_action(
            watch,
            &WatchAction {
                round,
                action: "verify".into(),
                trigger: Some(trigger.to_string()),
                ok: restored,
                detail: verification.clone(),
                at: String::new(),
            },
            &setup.actor,
        )
        .await?;
    out(&verification);
    Ok(RollbackOutcome {
        trigger: trigger.to_string(),
        exit,
        output,
        restored,
        verification,
    })
}

async fn run_command(cmd: &str, limit: Duration) -> (Option<i32>, String) {
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    match tokio::time::timeout(limit, child).await {
        Ok(Ok(o)) => {
            let mut text = String::from_utf8_lossy(&o.stdout).into_owned();
            let err = String::from_utf8_lossy(&o.stderr);
            if !err.is_empty() {
                text.push_str(&err);
            }
            (o.status.code(), text)
        }
        Ok(Err(e)) => (None, format!("cannot run the rollback command: {e}")),
        Err(_) => (
            None,
            format!(
                "the rollback command did not finish within {}; it was killed",
                golive_core::format_duration(limit)
            ),
        ),
    }
}

fn tail(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &s[start..])
}
