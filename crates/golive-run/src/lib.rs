//! Running a plan: every check at once (bounded by `--concurrency`), each
//! under its timeout and the whole run under `--timeout`, with retries where
//! configured and `depends_on` honoured. A target that never answers makes
//! its check fail at its bound; the run always ends. Every result leaves
//! here with its secrets redacted.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use golive_core::{
    CheckResult, CheckSpec, CheckStatus, DependencyError, Evidence, Expectation, Plan, Redactor,
    Value,
};
use golive_probes::{Context, Probe};
use tokio::sync::{Semaphore, watch};

pub mod vars;

pub use vars::Vars;

/// How a run behaves.
#[derive(Clone)]
pub struct Options {
    /// Checks running at once.
    pub concurrency: usize,
    /// A bound on the whole run.
    pub overall_timeout: Option<Duration>,
    /// A check's bound when it sets none.
    pub check_timeout: Duration,
    /// Accept any certificate.
    pub insecure: bool,
    pub tls: Arc<golive_probes::rustls::ClientConfig>,
    pub tls_insecure: Arc<golive_probes::rustls::ClientConfig>,
    /// The repository repo checks read (`--repo`); without one they are
    /// not verified.
    pub repo: Option<PathBuf>,
    pub vars: Vars,
}

/// A check ready to go: its probe built, or the reason it cannot run.
enum Prepared {
    Ready(Box<dyn Probe>),
    NotVerified { target: String, needs: Vec<String> },
    Invalid { target: String, reason: String },
}

/// Runs the checks of `plan` whose flag in `selected` is set (all when
/// `None`), and the checks those depend on; returns one result per check
/// run, in plan order.
pub async fn run(
    plan: &Plan,
    selected: Option<&[bool]>,
    opts: &Options,
) -> Result<Vec<CheckResult>, DependencyError> {
    plan.check_dependencies()?;
    let n = plan.checks.len();
    let wanted = selection_with_dependencies(plan, selected);

    // Prepare every check first, so that every secret any of them holds is
    // known to the redactor before the first result is written.
    let mut redactor = opts.vars.redactor();
    let mut prepared = Vec::with_capacity(n);
    for spec in &plan.checks {
        let mut used = Vec::new();
        if spec.kind.class() == golive_core::Class::Repo && opts.repo.is_none() {
            prepared.push(Prepared::NotVerified {
                target: template_target(spec),
                needs: vec!["--repo DIR (the repository to check)".to_string()],
            });
            continue;
        }
        let p = match opts.vars.resolve_table(&spec.settings, &mut used) {
            Err(missing) => Prepared::NotVerified {
                target: template_target(spec),
                needs: missing.iter().map(|m| vars::need_for(m)).collect(),
            },
            Ok(table) => {
                redactor.merge(&Redactor::from_vars(
                    used.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                ));
                match golive_probes::build(spec.kind, &table) {
                    Ok(probe) => {
                        redactor.extend(probe.secrets());
                        Prepared::Ready(probe)
                    }
                    Err(e) => Prepared::Invalid {
                        target: template_target(spec),
                        reason: format!("invalid settings: {e}"),
                    },
                }
            }
        };
        prepared.push(p);
    }
    let redactor = Arc::new(redactor);
    let prepared: Vec<Arc<Prepared>> = prepared.into_iter().map(Arc::new).collect();
    let index: HashMap<String, usize> = plan
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();

    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..n).map(|_| watch::channel(None::<CheckStatus>)).unzip();
    let results: Arc<Mutex<Vec<Option<CheckResult>>>> = Arc::new(Mutex::new(vec![None; n]));
    let semaphore = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let context = Context {
        timeout: opts.check_timeout,
        tls: opts.tls.clone(),
        tls_insecure: opts.tls_insecure.clone(),
        repo: opts.repo.clone().unwrap_or_else(|| PathBuf::from(".")),
        env: Arc::new(opts.vars.env_pairs()),
        env_files: Arc::new(opts.vars.env_files().to_vec()),
    };
    let mut tasks = tokio::task::JoinSet::new();
    let mut sender_slots: Vec<Option<watch::Sender<Option<CheckStatus>>>> =
        senders.into_iter().map(Some).collect();
    for i in (0..n).filter(|&i| wanted[i]) {
        let spec = plan.checks[i].clone();
        let deps: Vec<(String, watch::Receiver<Option<CheckStatus>>)> = spec
            .depends_on
            .iter()
            .map(|d| (d.clone(), receivers[index[d]].clone()))
            .collect();
        let tx = sender_slots[i].take().expect("one sender per check");
        let prepared = prepared[i].clone();
        let results = results.clone();
        let semaphore = semaphore.clone();
        let redactor = redactor.clone();
        let mut cx = context.clone();
        cx.timeout = match (spec.timeout, &*prepared) {
            (Some(t), _) => t,
            (None, Prepared::Ready(probe)) => probe
                .time_needed()
                .map_or(opts.check_timeout, |need| need.max(opts.check_timeout)),
            (None, _) => opts.check_timeout,
        };
        let insecure = opts.insecure;
        tasks.spawn(async move {
            let mut blocked_by = None;
            for (name, mut rx) in deps {
                let status = loop {
                    if let Some(s) = *rx.borrow_and_update() {
                        break s;
                    }
                    if rx.changed().await.is_err() {
                        break CheckStatus::Skipped;
                    }
                };
                if status != CheckStatus::Passed && blocked_by.is_none() {
                    blocked_by = Some((name, status));
                }
            }
            let result = match blocked_by {
                Some((name, status)) => skipped(&spec, &prepared, &name, status),
                None => {
                    let _permit = semaphore.acquire().await;
                    execute(&spec, &prepared, &cx, insecure).await
                }
            };
            let result = redact(result, &redactor);
            let status = result.status;
            if let Ok(mut r) = results.lock() {
                r[i] = Some(result);
            }
            let _ = tx.send(Some(status));
        });
    }
    drop(receivers);
    let all = async { while tasks.join_next().await.is_some() {} };
    let timed_out = match opts.overall_timeout {
        Some(limit) => tokio::time::timeout(limit, all).await.is_err(),
        None => {
            all.await;
            false
        }
    };
    let mut collected = results
        .lock()
        .map(|mut r| std::mem::take(&mut *r))
        .unwrap_or_default();
    let mut out = Vec::new();
    for i in (0..n).filter(|&i| wanted[i]) {
        match collected.get_mut(i).and_then(Option::take) {
            Some(r) => out.push(r),
            None => {
                let limit = opts
                    .overall_timeout
                    .map(golive_core::format_duration)
                    .unwrap_or_default();
                let reason = if timed_out {
                    format!(
                        "the run's time limit (--timeout {limit}) ended before this check finished"
                    )
                } else {
                    "the check did not finish".to_string()
                };
                out.push(redact(
                    base_result(
                        &plan.checks[i],
                        target_of(&prepared[i], &plan.checks[i]),
                        CheckStatus::Failed,
                        Some(reason),
                    ),
                    &redactor,
                ));
            }
        }
    }
    Ok(out)
}

/// The selected checks plus everything they depend on.
fn selection_with_dependencies(plan: &Plan, selected: Option<&[bool]>) -> Vec<bool> {
    let n = plan.checks.len();
    let mut wanted: Vec<bool> = (0..n)
        .map(|i| selected.is_none_or(|s| s.get(i).copied().unwrap_or(false)))
        .collect();
    let index: HashMap<&str, usize> = plan
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let mut stack: Vec<usize> = (0..n).filter(|&i| wanted[i]).collect();
    while let Some(i) = stack.pop() {
        for d in &plan.checks[i].depends_on {
            if let Some(&j) = index.get(d.as_str())
                && !wanted[j]
            {
                wanted[j] = true;
                stack.push(j);
            }
        }
    }
    wanted
}

fn template_target(spec: &CheckSpec) -> String {
    for key in ["url", "host", "path", "run"] {
        if let Some(toml::Value::String(s)) = spec.settings.get(key) {
            return format!("{} {s}", spec.kind);
        }
    }
    spec.kind.to_string()
}

fn target_of(p: &Prepared, spec: &CheckSpec) -> String {
    match p {
        Prepared::Ready(probe) => probe.target(),
        Prepared::NotVerified { target, .. } | Prepared::Invalid { target, .. } => {
            let _ = spec;
            target.clone()
        }
    }
}

fn base_result(
    spec: &CheckSpec,
    target: String,
    status: CheckStatus,
    reason: Option<String>,
) -> CheckResult {
    CheckResult {
        id: spec.id.clone(),
        item: spec.item.clone(),
        name: spec.name.clone(),
        kind: spec.kind,
        target,
        status,
        reason,
        summary: String::new(),
        evidence: Evidence::new(),
        expectations: Vec::new(),
        duration: Duration::ZERO,
        attempts: 0,
        advisory: spec.advisory,
    }
}

fn skipped(spec: &CheckSpec, p: &Prepared, dep: &str, status: CheckStatus) -> CheckResult {
    let what = match status {
        CheckStatus::Failed => "failed",
        CheckStatus::Skipped => "was skipped",
        CheckStatus::NotVerified => "was not verified",
        CheckStatus::Passed => "passed",
    };
    base_result(
        spec,
        target_of(p, spec),
        CheckStatus::Skipped,
        Some(format!("skipped: `{dep}`, which it depends on, {what}")),
    )
}

async fn execute(
    spec: &CheckSpec,
    prepared: &Prepared,
    cx: &Context,
    insecure: bool,
) -> CheckResult {
    let probe = match prepared {
        Prepared::Ready(p) => p,
        Prepared::NotVerified { target, needs } => {
            return base_result(
                spec,
                target.clone(),
                CheckStatus::NotVerified,
                Some(format!("not verified: needs {}", needs.join(", "))),
            );
        }
        Prepared::Invalid { target, reason } => {
            return base_result(
                spec,
                target.clone(),
                CheckStatus::Failed,
                Some(reason.clone()),
            );
        }
    };
    let mut cx = cx.clone();
    if insecure {
        cx.tls = cx.tls_insecure.clone();
    }
    let expectations: Vec<Expectation> = if spec.expect.is_empty() {
        probe.default_expectations()
    } else {
        spec.expect.clone()
    };
    let start = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let observation =
            tokio::time::timeout(cx.timeout + Duration::from_millis(250), probe.observe(&cx)).await;
        let (evidence, failure) = match observation {
            Ok(o) => (o.evidence, o.failure),
            Err(_) => (
                Evidence::new(),
                Some(format!(
                    "no result within {}",
                    golive_core::format_duration(cx.timeout)
                )),
            ),
        };
        let verdicts: Vec<_> = if failure.is_none() {
            expectations.iter().map(|e| e.evaluate(&evidence)).collect()
        } else {
            Vec::new()
        };
        let failed_verdicts: Vec<String> = verdicts
            .iter()
            .filter(|v| !v.passed)
            .map(|v| v.explain())
            .collect();
        let (status, reason) = match failure {
            Some(f) => (CheckStatus::Failed, Some(f)),
            None if failed_verdicts.is_empty() => (CheckStatus::Passed, None),
            None => (CheckStatus::Failed, Some(failed_verdicts.join("; "))),
        };
        if status == CheckStatus::Passed || attempts > spec.retries {
            let mut result = base_result(spec, probe.target(), status, reason);
            result.summary = probe.summary(&evidence);
            result.evidence = trim(evidence);
            result.expectations = verdicts;
            result.duration = start.elapsed();
            result.attempts = attempts;
            if status == CheckStatus::Failed
                && attempts > 1
                && let Some(r) = &mut result.reason
            {
                r.push_str(&format!(" (after {attempts} attempts)"));
            }
            return result;
        }
        tokio::time::sleep(spec.retry_delay).await;
    }
}

/// Evidence is kept readable: long text is cut once expectations have seen it whole.
fn trim(mut evidence: Evidence) -> Evidence {
    const MAX_TEXT: usize = 4096;
    const MAX_LIST: usize = 200;
    fn cut(v: &mut Value) {
        match v {
            Value::Str(s) if s.len() > MAX_TEXT => {
                let mut end = MAX_TEXT;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                let total = s.len();
                s.truncate(end);
                s.push_str(&format!("… ({total} bytes in all)"));
            }
            Value::List(l) => {
                l.truncate(MAX_LIST);
                l.iter_mut().for_each(cut);
            }
            Value::Map(m) => m.values_mut().for_each(cut),
            _ => {}
        }
    }
    evidence.values_mut().for_each(cut);
    evidence
}

fn redact(mut r: CheckResult, redactor: &Redactor) -> CheckResult {
    redactor.redact_string(&mut r.target);
    redactor.redact_string(&mut r.summary);
    if let Some(reason) = &mut r.reason {
        redactor.redact_string(reason);
    }
    redactor.redact_evidence(&mut r.evidence);
    for v in &mut r.expectations {
        redactor.redact_string(&mut v.expect);
        if let Some(a) = &mut v.actual {
            redactor.redact_string(a);
        }
    }
    r
}
