//! The assembled outcome of a run: every item with its status and evidence,
//! section counts, sign-offs and the decision. Reports render this; the
//! store keeps it.

use std::collections::HashMap;
use std::time::Duration;

use golive_checklist::{Checklist, Item, Priority, Status};
use serde::Serialize;

use crate::decision::{Decision, DecisionItem, DecisionSignoff, Waived, decide};
use crate::kind::{Class, ProbeKind};
use crate::plan::{Plan, Threshold};
use crate::result::{CheckResult, ItemStatus, item_status_from_checks};
use crate::value::Evidence;

#[derive(Debug, Clone, Serialize)]
pub struct ItemReport {
    /// Index into the checklist's items (none for a check without an item).
    #[serde(skip)]
    pub index: Option<usize>,
    pub id: String,
    pub line: Option<u32>,
    /// As written.
    pub text: String,
    /// Without Markdown and priority marker.
    pub title: String,
    pub section: Vec<String>,
    pub depth: u32,
    pub priority: Priority,
    /// The status box as written in the checklist.
    pub written: Option<Status>,
    pub class: Class,
    pub probe: Option<ProbeKind>,
    pub thresholds: Vec<Threshold>,
    /// Why it was classed and mapped so.
    pub why: String,
    pub status: ItemStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The evidence of its check (of the first failing one, when several).
    pub evidence: Evidence,
    pub duration_ms: u64,
    pub checks: Vec<CheckResult>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Waived>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SectionReport {
    pub title: String,
    pub path: Vec<String>,
    pub level: u8,
    pub line: u32,
    /// Complete items directly in the section, and all of them.
    pub done: u32,
    pub total: u32,
    /// The count the heading itself states, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declared: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignoffReport {
    pub role: String,
    pub signed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
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
    pub checks: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub golive: String,
    /// The checklist or config the run read.
    pub source: String,
    pub started_at: String,
    #[serde(rename = "duration_ms", serialize_with = "ms")]
    pub duration: Duration,
    /// Only part of the checklist was run (`--only`): sign-offs are not
    /// considered and the decision covers the selected items alone.
    pub partial: bool,
    pub decision: Decision,
    pub summary: Summary,
    pub sections: Vec<SectionReport>,
    pub items: Vec<ItemReport>,
    pub signoffs: Vec<SignoffReport>,
    pub notes: Vec<String>,
}

/// What the assembly needs besides the plan and the results.
pub struct Meta<'a> {
    pub source: String,
    pub started_at: String,
    pub duration: Duration,
    /// YYYY-MM-DD, for waivers.
    pub today: &'a str,
    /// Items selected by `--only` (all when `None`).
    pub selected: Option<&'a [bool]>,
}

fn ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl RunReport {
    /// Builds the report of a run. With a checklist, every selected item is
    /// reported (checked or not); without one, every check is an item.
    pub fn assemble(
        checklist: Option<&Checklist>,
        plan: &Plan,
        results: Vec<CheckResult>,
        meta: Meta<'_>,
    ) -> Self {
        let mut by_check: HashMap<String, CheckResult> =
            results.into_iter().map(|r| (r.id.clone(), r)).collect();
        let mut items = Vec::new();
        let mut notes = Vec::new();
        if let Some(c) = checklist {
            notes.extend(
                c.notes
                    .iter()
                    .map(|n| format!("line {}: {}", n.line, n.message)),
            );
            for planned in &plan.items {
                if meta
                    .selected
                    .is_some_and(|s| !s.get(planned.index).copied().unwrap_or(false))
                {
                    continue;
                }
                let item = &c.items[planned.index];
                let checks: Vec<CheckResult> = planned
                    .checks
                    .iter()
                    .filter_map(|&k| by_check.remove(&plan.checks[k].id))
                    .collect();
                items.push(item_report(c, item, planned, checks));
            }
            roll_up(c, &mut items);
        }
        // Checks without an item (a config without a checklist) are items of their own.
        let mut standalone: Vec<&crate::plan::CheckSpec> = plan
            .checks
            .iter()
            .filter(|s| by_check.contains_key(&s.id))
            .collect();
        standalone.sort_by_key(|s| plan.checks.iter().position(|c| c.id == s.id));
        for spec in standalone {
            let Some(result) = by_check.remove(&spec.id) else {
                continue;
            };
            let status = item_status_from_checks([&result]).unwrap_or(ItemStatus::Open);
            items.push(ItemReport {
                index: None,
                id: spec.id.clone(),
                line: match spec.origin {
                    crate::plan::Origin::Config { line } => Some(line),
                    crate::plan::Origin::Mapping { .. } => None,
                },
                text: spec.name.clone(),
                title: spec.name.clone(),
                section: Vec::new(),
                depth: 0,
                priority: Priority::Normal,
                written: None,
                class: spec.kind.class(),
                probe: Some(spec.kind),
                thresholds: Vec::new(),
                why: String::new(),
                status,
                reason: result.reason.clone(),
                evidence: result.evidence.clone(),
                duration_ms: u64::try_from(result.duration.as_millis()).unwrap_or(u64::MAX),
                checks: vec![result],
                needs: Vec::new(),
                waiver: None,
            });
        }

        let signoffs: Vec<SignoffReport> = if meta.partial() {
            Vec::new()
        } else {
            checklist
                .map(|c| {
                    c.signoffs
                        .iter()
                        .map(|s| SignoffReport {
                            role: s.role.clone(),
                            signed: s.signed_in_document(),
                            by: s.name.clone(),
                            date: s.date.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let decision_items: Vec<DecisionItem<'_>> = items
            .iter()
            .map(|i| DecisionItem {
                id: &i.id,
                text: &i.title,
                priority: i.priority,
                status: i.status,
                reason: i.reason.as_deref(),
                advisory: !i.checks.is_empty() && i.checks.iter().all(|c| c.advisory),
            })
            .collect();
        let decision_signoffs: Vec<DecisionSignoff<'_>> = signoffs
            .iter()
            .map(|s| DecisionSignoff {
                role: &s.role,
                signed: s.signed,
            })
            .collect();
        let mut policy = plan.policy.clone();
        if meta.partial() {
            policy.require_signoffs = Some(Vec::new());
        }
        let decision = decide(
            &decision_items,
            &decision_signoffs,
            &plan.waivers,
            &policy,
            meta.today,
        );
        for w in &decision.waived {
            if let Some(item) = items.iter_mut().find(|i| i.id == w.item) {
                item.waiver = Some(w.clone());
            }
        }
        let sections = checklist.map(|c| sections(c, &items)).unwrap_or_default();
        let summary = summarize(&items);
        Self {
            golive: env!("CARGO_PKG_VERSION").to_string(),
            source: meta.source,
            started_at: meta.started_at,
            duration: meta.duration,
            partial: meta.selected.is_some(),
            decision,
            summary,
            sections,
            items,
            signoffs,
            notes,
        }
    }

    /// The status boxes a write-back changes: passed items become `[x]`,
    /// failed ones `[!]`; nothing else is touched.
    pub fn write_back_changes(&self) -> Vec<(usize, Status)> {
        self.items
            .iter()
            .filter_map(|i| {
                let index = i.index?;
                let to = match i.status {
                    ItemStatus::Passed => Status::Done,
                    ItemStatus::Failed => Status::Blocked,
                    _ => return None,
                };
                (i.written != Some(to)).then_some((index, to))
            })
            .collect()
    }
}

impl Meta<'_> {
    fn partial(&self) -> bool {
        self.selected.is_some()
    }
}

fn item_report(
    c: &Checklist,
    item: &Item,
    planned: &crate::plan::PlannedItem,
    checks: Vec<CheckResult>,
) -> ItemReport {
    let from_checks = item_status_from_checks(&checks);
    let written = ItemStatus::from_written(item.status);
    let (status, reason) = match from_checks {
        // A person's tick stands when the machine could not look.
        Some(ItemStatus::NotVerified) if written == ItemStatus::Done => {
            let why = checks.iter().find_map(|c| c.reason.clone());
            (
                ItemStatus::Done,
                why.map(|w| format!("ticked in the checklist; {w}")),
            )
        }
        Some(s) => {
            let failing = checks
                .iter()
                .filter(|c| c.status != crate::result::CheckStatus::Passed);
            let reasons: Vec<String> = failing
                .filter_map(|c| {
                    c.reason.as_ref().map(|r| {
                        if checks.len() > 1 {
                            format!("{}: {r}", c.target)
                        } else {
                            r.clone()
                        }
                    })
                })
                .collect();
            (s, (!reasons.is_empty()).then(|| reasons.join("; ")))
        }
        None => (written, None),
    };
    let primary = checks
        .iter()
        .find(|c| c.status == crate::result::CheckStatus::Failed)
        .or(checks.first());
    let evidence = primary.map(|c| c.evidence.clone()).unwrap_or_default();
    let duration_ms = checks
        .iter()
        .map(|c| u64::try_from(c.duration.as_millis()).unwrap_or(u64::MAX))
        .max()
        .unwrap_or(0);
    ItemReport {
        index: Some(planned.index),
        id: item.id.clone(),
        line: Some(item.line),
        text: item.text.clone(),
        title: item.plain.clone(),
        section: c.section_path(item).into_iter().map(String::from).collect(),
        depth: item.depth,
        priority: item.priority,
        written: Some(item.status),
        class: planned.class,
        probe: planned.probe,
        thresholds: planned.thresholds.clone(),
        why: planned.why.clone(),
        status,
        reason,
        evidence,
        duration_ms,
        checks,
        needs: planned.needs.clone(),
        waiver: None,
    }
}

/// A parent item nobody checks directly is complete once all its children are.
fn roll_up(c: &Checklist, items: &mut [ItemReport]) {
    let pos: HashMap<usize, usize> = items
        .iter()
        .enumerate()
        .filter_map(|(k, i)| i.index.map(|idx| (idx, k)))
        .collect();
    // Children follow their parents in document order: walk backwards so
    // that grandchildren settle before their grandparents.
    for k in (0..items.len()).rev() {
        let Some(idx) = items[k].index else { continue };
        let children = &c.items[idx].children;
        if children.is_empty() || !items[k].checks.is_empty() || items[k].status.is_complete() {
            continue;
        }
        let all_done = children
            .iter()
            .all(|ch| pos.get(ch).is_some_and(|&p| items[p].status.is_complete()));
        if all_done {
            items[k].status = ItemStatus::Done;
            items[k].reason = Some("all its sub-items are complete".into());
        }
    }
}

fn sections(c: &Checklist, items: &[ItemReport]) -> Vec<SectionReport> {
    let status: HashMap<usize, ItemStatus> = items
        .iter()
        .filter_map(|i| Some((i.index?, i.status)))
        .collect();
    let progress = c.progress_with(|idx, item| match status.get(&idx) {
        Some(s) if s.is_complete() && *s != ItemStatus::NotApplicable => Status::Done,
        Some(ItemStatus::NotApplicable) => Status::NotApplicable,
        Some(ItemStatus::InProgress) => Status::InProgress,
        Some(ItemStatus::Blocked | ItemStatus::Failed) => Status::Blocked,
        Some(_) => Status::Todo,
        None => item.status,
    });
    progress
        .sections
        .iter()
        .filter(|s| s.total_all > 0)
        .map(|s| SectionReport {
            title: s.title.clone(),
            path: c
                .path_of(Some(s.section))
                .into_iter()
                .map(String::from)
                .collect(),
            level: s.level,
            line: s.line,
            done: s.done_all,
            total: s.total_all,
            declared: s
                .declared
                .as_ref()
                .map(|d| format!("{}/{}", d.done, d.total)),
        })
        .collect()
}

fn summarize(items: &[ItemReport]) -> Summary {
    let mut s = Summary::default();
    for i in items {
        s.items += 1;
        s.checks += u32::try_from(i.checks.len()).unwrap_or(u32::MAX);
        match i.status {
            ItemStatus::Passed => s.passed += 1,
            ItemStatus::Failed => s.failed += 1,
            ItemStatus::Skipped => s.skipped += 1,
            ItemStatus::NotVerified => s.not_verified += 1,
            ItemStatus::Done => s.done += 1,
            ItemStatus::Open => s.open += 1,
            ItemStatus::InProgress => s.in_progress += 1,
            ItemStatus::Blocked => s.blocked += 1,
            ItemStatus::NotApplicable => s.na += 1,
        }
    }
    s
}
