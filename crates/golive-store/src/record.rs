//! How a run is written down: the store's own serde shapes, kept apart from
//! golive-core's types so that a store written today reads the same after
//! those types evolve. A run is split in two: the plan (what the checklist
//! states, the policy, the config's waivers), shared by every run of an
//! unchanged checklist, and the results (what each item was found to be).

use std::time::Duration;

use golive_checklist::{Priority, Status};
use golive_core::{
    Basis, CheckResult, CheckStatus, Class, Evidence, Expectation, ItemReport, ItemStatus, Policy,
    ProbeKind, RunReport, SectionReport, SignoffReport, Summary, Value, Waiver, expect::Verdict,
    plan::Threshold,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::StoreError;

#[derive(Serialize, Deserialize)]
pub(crate) struct PlanBody {
    source: String,
    items: Vec<PlanItem>,
    sections: Vec<PlanSection>,
    notes: Vec<String>,
    require_signoffs: Option<Vec<String>>,
    open_normal_items_block: bool,
    waivers: Vec<PlanWaiver>,
    signoffs: Vec<PlanSignoff>,
}

#[derive(Serialize, Deserialize)]
struct PlanItem {
    index: Option<usize>,
    id: String,
    line: Option<u32>,
    text: String,
    title: String,
    section: Vec<String>,
    depth: u32,
    priority: String,
    written: Option<String>,
    class: Class,
    probe: Option<ProbeKind>,
    why: String,
    thresholds: Vec<(String, String)>,
    needs: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct PlanSection {
    title: String,
    path: Vec<String>,
    level: u8,
    line: u32,
    declared: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct PlanWaiver {
    item: String,
    reason: String,
    by: String,
    until: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct PlanSignoff {
    role: String,
    signed: bool,
    by: Option<String>,
    date: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct Results {
    items: Vec<ItemResult>,
}

// Results are most of a store's size (10,000 runs of 300 items), so what
// is empty or can be derived again is left out: the evidence of an item
// that is its primary check's, a check's name that is its id, empty lists.
#[derive(Serialize, Deserialize)]
struct ItemResult {
    found: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    found_reason: Option<String>,
    /// Absent when it is the evidence of the item's primary check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    evidence: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "is_zero")]
    duration_ms: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    checks: Vec<StoredCheck>,
}

#[derive(Serialize, Deserialize)]
struct StoredCheck {
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    item: Option<String>,
    /// Absent when it is the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    kind: ProbeKind,
    target: String,
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    summary: String,
    evidence: serde_json::Value,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    expectations: Vec<StoredVerdict>,
    duration_ms: u64,
    attempts: u32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    advisory: bool,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The check whose evidence an item shows: its first failing one, else its
/// first (as golive-core's report assembles it).
fn primary(checks: &[CheckResult]) -> Option<&CheckResult> {
    checks
        .iter()
        .find(|c| c.status == CheckStatus::Failed)
        .or(checks.first())
}

#[derive(Serialize, Deserialize)]
struct StoredVerdict {
    expect: String,
    passed: bool,
    actual: Option<String>,
}

/// The counts `golive history` shows, as stored with each run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub items: u32,
    pub passed: u32,
    pub failed: u32,
    pub skipped: u32,
    pub not_verified: u32,
    pub done: u32,
    pub open: u32,
    pub in_progress: u32,
    pub blocked: u32,
    pub na: u32,
    /// Failed items a waiver made non-blocking.
    pub waived: u32,
}

impl Counts {
    pub fn of(report: &RunReport) -> Self {
        let s: &Summary = &report.summary;
        Self {
            items: s.items,
            passed: s.passed,
            failed: s.failed,
            skipped: s.skipped,
            not_verified: s.not_verified,
            done: s.done,
            open: s.open,
            in_progress: s.in_progress,
            blocked: s.blocked,
            na: s.na,
            waived: u32::try_from(report.decision.waived.len()).unwrap_or(u32::MAX),
        }
    }

    /// Complete items (passed, done) out of those that apply.
    pub fn readiness(&self) -> f64 {
        let applicable = self.items.saturating_sub(self.na);
        if applicable == 0 {
            return 1.0;
        }
        f64::from(self.passed + self.done) / f64::from(applicable)
    }
}

/// A run split into its stored parts: the plan's digest and body, the
/// results, the counts.
pub(crate) struct Split {
    pub plan_digest: String,
    pub plan: String,
    pub results: String,
    pub summary: String,
}

pub(crate) fn split(report: &RunReport) -> Result<Split, StoreError> {
    let basis = &report.basis;
    let plan = PlanBody {
        source: report.source.clone(),
        items: report
            .items
            .iter()
            .map(|i| PlanItem {
                index: i.index,
                id: i.id.clone(),
                line: i.line,
                text: i.text.clone(),
                title: i.title.clone(),
                section: i.section.clone(),
                depth: i.depth,
                priority: i.priority.as_str().to_string(),
                written: i.written.map(|w| w.as_str().to_string()),
                class: i.class,
                probe: i.probe,
                why: i.why.clone(),
                thresholds: i
                    .thresholds
                    .iter()
                    .map(|t| (t.expect.source().to_string(), t.words.clone()))
                    .collect(),
                needs: i.needs.clone(),
            })
            .collect(),
        sections: report
            .sections
            .iter()
            .map(|s| PlanSection {
                title: s.title.clone(),
                path: s.path.clone(),
                level: s.level,
                line: s.line,
                declared: s.declared.clone(),
            })
            .collect(),
        notes: report.notes.clone(),
        require_signoffs: basis.policy.require_signoffs.clone(),
        open_normal_items_block: basis.policy.open_normal_items_block,
        waivers: basis
            .waivers
            .iter()
            .map(|w| PlanWaiver {
                item: w.item.clone(),
                reason: w.reason.clone(),
                by: w.by.clone(),
                until: w.until.clone(),
            })
            .collect(),
        signoffs: basis
            .document_signoffs
            .iter()
            .map(|s| PlanSignoff {
                role: s.role.clone(),
                signed: s.signed,
                by: s.by.clone(),
                date: s.date.clone(),
            })
            .collect(),
    };
    let results = Results {
        items: report
            .items
            .iter()
            .map(|i| {
                let derived =
                    primary(&i.checks).map_or(i.evidence.is_empty(), |c| c.evidence == i.evidence);
                ItemResult {
                    found: i.found.as_str().to_string(),
                    found_reason: i.found_reason.clone(),
                    evidence: (!derived).then(|| to_json(&i.evidence)),
                    duration_ms: i.duration_ms,
                    checks: i.checks.iter().map(stored_check).collect(),
                }
            })
            .collect(),
    };
    let plan = serde_json::to_string(&plan)?;
    let plan_digest = format!("sha256:{}", hex::encode(Sha256::digest(plan.as_bytes())));
    Ok(Split {
        plan_digest,
        plan,
        results: serde_json::to_string(&results)?,
        summary: serde_json::to_string(&Counts::of(report))?,
    })
}

fn to_json(e: &Evidence) -> serde_json::Value {
    serde_json::to_value(e).unwrap_or(serde_json::Value::Null)
}

fn from_json(v: &serde_json::Value) -> Evidence {
    match Value::from_json(v) {
        Value::Map(m) => m,
        _ => Evidence::new(),
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn stored_check(c: &CheckResult) -> StoredCheck {
    StoredCheck {
        id: c.id.clone(),
        item: c.item.clone(),
        name: (c.name != c.id).then(|| c.name.clone()),
        kind: c.kind,
        target: c.target.clone(),
        status: check_status_name(c.status).to_string(),
        reason: c.reason.clone(),
        summary: c.summary.clone(),
        evidence: to_json(&c.evidence),
        expectations: c
            .expectations
            .iter()
            .map(|v| StoredVerdict {
                expect: v.expect.clone(),
                passed: v.passed,
                actual: v.actual.clone(),
            })
            .collect(),
        duration_ms: ms(c.duration),
        attempts: c.attempts,
        advisory: c.advisory,
    }
}

fn check_status_name(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Passed => "passed",
        CheckStatus::Failed => "failed",
        CheckStatus::Skipped => "skipped",
        CheckStatus::NotVerified => "not_verified",
    }
}

fn check_status(name: &str) -> Result<CheckStatus, StoreError> {
    [
        CheckStatus::Passed,
        CheckStatus::Failed,
        CheckStatus::Skipped,
        CheckStatus::NotVerified,
    ]
    .into_iter()
    .find(|s| check_status_name(*s) == name)
    .ok_or_else(|| StoreError::corrupt(format!("unknown check status `{name}`")))
}

pub fn item_status(name: &str) -> Option<ItemStatus> {
    [
        ItemStatus::Passed,
        ItemStatus::Failed,
        ItemStatus::Skipped,
        ItemStatus::NotVerified,
        ItemStatus::Done,
        ItemStatus::Open,
        ItemStatus::InProgress,
        ItemStatus::Blocked,
        ItemStatus::NotApplicable,
    ]
    .into_iter()
    .find(|s| s.as_str() == name)
}

fn priority(name: &str) -> Result<Priority, StoreError> {
    [
        Priority::Critical,
        Priority::High,
        Priority::Required,
        Priority::Normal,
        Priority::Recommended,
        Priority::Optional,
        Priority::Conditional,
    ]
    .into_iter()
    .find(|p| p.as_str() == name)
    .ok_or_else(|| StoreError::corrupt(format!("unknown priority `{name}`")))
}

fn written(name: &str) -> Result<Status, StoreError> {
    [
        Status::Todo,
        Status::Done,
        Status::InProgress,
        Status::Blocked,
        Status::NotApplicable,
    ]
    .into_iter()
    .find(|s| s.as_str() == name)
    .ok_or_else(|| StoreError::corrupt(format!("unknown box status `{name}`")))
}

/// The stored fields of a run row besides its plan and results.
pub(crate) struct RunRow {
    pub started_at: String,
    pub duration_ms: i64,
    pub golive: String,
    pub partial: bool,
}

/// Rebuilds a report from its stored parts, as found: the caller settles it
/// with the people's records of the moment.
pub(crate) fn join(row: RunRow, plan: &str, results: &str) -> Result<RunReport, StoreError> {
    let plan: PlanBody = serde_json::from_str(plan)?;
    let results: Results = serde_json::from_str(results)?;
    if plan.items.len() != results.items.len() {
        return Err(StoreError::corrupt(format!(
            "a run has {} results for {} items",
            results.items.len(),
            plan.items.len()
        )));
    }
    let mut items = Vec::with_capacity(plan.items.len());
    for (p, r) in plan.items.into_iter().zip(results.items) {
        let found = item_status(&r.found)
            .ok_or_else(|| StoreError::corrupt(format!("unknown item status `{}`", r.found)))?;
        let checks = r
            .checks
            .into_iter()
            .map(|c| {
                Ok(CheckResult {
                    status: check_status(&c.status)?,
                    name: c.name.unwrap_or_else(|| c.id.clone()),
                    id: c.id,
                    item: c.item,
                    kind: c.kind,
                    target: c.target,
                    reason: c.reason,
                    summary: c.summary,
                    evidence: from_json(&c.evidence),
                    expectations: c
                        .expectations
                        .into_iter()
                        .map(|v| Verdict {
                            expect: v.expect,
                            passed: v.passed,
                            actual: v.actual,
                        })
                        .collect(),
                    duration: Duration::from_millis(c.duration_ms),
                    attempts: c.attempts,
                    advisory: c.advisory,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        items.push(ItemReport {
            index: p.index,
            id: p.id,
            line: p.line,
            text: p.text,
            title: p.title,
            section: p.section,
            depth: p.depth,
            priority: priority(&p.priority)?,
            written: p.written.as_deref().map(written).transpose()?,
            class: p.class,
            probe: p.probe,
            // A threshold that no longer parses (the language changed) is
            // dropped from the display; its verdict is in the results.
            thresholds: p
                .thresholds
                .into_iter()
                .filter_map(|(expect, words)| {
                    Expectation::parse(&expect)
                        .ok()
                        .map(|expect| Threshold { expect, words })
                })
                .collect(),
            why: p.why,
            status: found,
            reason: r.found_reason.clone(),
            evidence: match &r.evidence {
                Some(e) => from_json(e),
                None => primary(&checks)
                    .map(|c| c.evidence.clone())
                    .unwrap_or_default(),
            },
            duration_ms: r.duration_ms,
            checks,
            needs: p.needs,
            waiver: None,
            mark: None,
            found,
            found_reason: r.found_reason,
        });
    }
    let empty_decision = golive_core::decide(&[], &[], &[], &Policy::default(), "");
    Ok(RunReport {
        golive: row.golive,
        source: plan.source,
        started_at: row.started_at,
        duration: Duration::from_millis(u64::try_from(row.duration_ms).unwrap_or(0)),
        partial: row.partial,
        decision: empty_decision,
        digest: String::new(),
        summary: Summary::default(),
        sections: plan
            .sections
            .into_iter()
            .map(|s| SectionReport {
                title: s.title,
                path: s.path,
                level: s.level,
                line: s.line,
                done: 0,
                total: 0,
                declared: s.declared,
            })
            .collect(),
        items,
        signoffs: Vec::new(),
        notes: plan.notes,
        basis: Basis {
            policy: Policy {
                require_signoffs: plan.require_signoffs,
                open_normal_items_block: plan.open_normal_items_block,
            },
            waivers: plan
                .waivers
                .into_iter()
                .map(|w| Waiver {
                    item: w.item,
                    reason: w.reason,
                    by: w.by,
                    until: w.until,
                })
                .collect(),
            document_signoffs: plan
                .signoffs
                .into_iter()
                .map(|s| SignoffReport {
                    role: s.role,
                    signed: s.signed,
                    by: s.by,
                    date: s.date,
                    stale: false,
                    run: None,
                })
                .collect(),
        },
    })
}
