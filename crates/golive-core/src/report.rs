//! The assembled outcome of a run: every item with its status and evidence,
//! section counts, sign-offs and the decision. Reports render this; the
//! store keeps it.

use std::collections::HashMap;
use std::time::Duration;

use golive_checklist::{Checklist, Item, Priority, Status};
use serde::Serialize;

use crate::decision::{Decision, DecisionItem, DecisionSignoff, Waived, decide, waiver_for};
use crate::kind::{Class, ProbeKind};
use crate::people::{DigestItem, Mark, People, digest};
use crate::plan::{Plan, Policy, Threshold, Waiver};
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
    /// A person's mark on the item, and whether it counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<ItemMark>,
    /// What the run itself found (checks, or the box as written), before
    /// people's marks; `status` is this with marks applied.
    #[serde(skip)]
    pub found: ItemStatus,
    #[serde(skip)]
    pub found_reason: Option<String>,
}

/// A mark as a report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ItemMark {
    #[serde(flatten)]
    pub mark: Mark,
    /// The mark sets the item's status (it does not when a check settled it).
    pub counts: bool,
    /// Its `--valid-for` has run out: the item is open again.
    pub expired: bool,
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
    /// Signed for another set of results (an earlier run, other marks): no longer counts.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stale: bool,
    /// The stored run the sign-off was given to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<i64>,
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
    /// SHA-256 over every item's id, status and evidence, marks and waivers
    /// included: what a sign-off binds to.
    pub digest: String,
    pub summary: Summary,
    pub sections: Vec<SectionReport>,
    pub items: Vec<ItemReport>,
    pub signoffs: Vec<SignoffReport>,
    pub notes: Vec<String>,
    /// What the decision rests on besides the items; a store keeps it so
    /// that the decision can be taken again later with newer marks.
    #[serde(skip)]
    pub basis: Basis,
}

/// The run's inputs to the decision other than its items.
#[derive(Debug, Clone, Default)]
pub struct Basis {
    pub policy: Policy,
    /// Waivers of the config (golive.toml).
    pub waivers: Vec<Waiver>,
    /// Sign-off roles as the checklist records them (a name written in, a
    /// ticked box).
    pub document_signoffs: Vec<SignoffReport>,
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
        Self::assemble_with(checklist, plan, results, meta, &People::default())
    }

    /// [`RunReport::assemble`], with people's marks, waivers and sign-offs
    /// from a store taken into account.
    pub fn assemble_with(
        checklist: Option<&Checklist>,
        plan: &Plan,
        results: Vec<CheckResult>,
        meta: Meta<'_>,
        people: &People,
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
                mark: None,
                found: status,
                found_reason: None,
            });
        }

        for i in &mut items {
            i.found = i.status;
            i.found_reason.clone_from(&i.reason);
        }
        let document_signoffs: Vec<SignoffReport> = if meta.partial() {
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
                            stale: false,
                            run: None,
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut policy = plan.policy.clone();
        if meta.partial() {
            policy.require_signoffs = Some(Vec::new());
        }
        let sections = checklist.map(|c| sections(c, &items)).unwrap_or_default();
        let mut report = Self {
            golive: env!("CARGO_PKG_VERSION").to_string(),
            source: meta.source,
            started_at: meta.started_at,
            duration: meta.duration,
            partial: meta.selected.is_some(),
            decision: Decision {
                outcome: crate::decision::Outcome::NoGo,
                reasons: Vec::new(),
                waived: Vec::new(),
                warnings: Vec::new(),
            },
            digest: String::new(),
            summary: Summary::default(),
            sections,
            items,
            signoffs: Vec::new(),
            notes,
            basis: Basis {
                policy,
                waivers: plan.waivers.clone(),
                document_signoffs,
            },
        };
        report.settle(people, meta.today);
        report
    }

    /// Applies people's records to what the run found and decides: marks set
    /// the status of items no check settled (a stale mark reopens its item),
    /// parents of complete sub-items complete, waivers (the config's and the
    /// people's) make failures non-blocking, and a stored sign-off counts
    /// only while its digest is this report's. Pure: the same inputs give
    /// the same report, so a store can decide again later.
    pub fn settle(&mut self, people: &People, today: &str) {
        for item in &mut self.items {
            let (status, reason, mark) = apply_mark(item, people);
            item.status = status;
            item.reason = reason;
            item.mark = mark;
        }
        roll_up(&mut self.items);
        let mut waivers = people.waivers.clone();
        waivers.extend(self.basis.waivers.iter().cloned());
        for item in &mut self.items {
            item.waiver = waiver_for(&item.id, &item.title, item.status, &waivers, today);
        }
        self.digest = digest(self.items.iter().map(|i| DigestItem {
            id: &i.id,
            status: i.status,
            evidence: &i.evidence,
            mark: i.mark.as_ref().map(|m| &m.mark),
            waiver: i.waiver.as_ref(),
        }));
        self.signoffs = self.signoffs_with(people);
        let decision_items: Vec<DecisionItem<'_>> = self
            .items
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
        let stale_by: Vec<Option<String>> = self
            .signoffs
            .iter()
            .map(|s| s.stale.then(|| s.by.clone().unwrap_or_default()))
            .collect();
        let decision_signoffs: Vec<DecisionSignoff<'_>> = self
            .signoffs
            .iter()
            .zip(&stale_by)
            .map(|(s, by)| DecisionSignoff {
                role: &s.role,
                signed: s.signed,
                stale: by.as_deref(),
            })
            .collect();
        let decision = decide(
            &decision_items,
            &decision_signoffs,
            &waivers,
            &self.basis.policy,
            today,
        );
        self.decision = decision;
        if !self.partial {
            recount_sections(&mut self.sections, &self.items);
        }
        self.summary = summarize(&self.items);
    }

    /// The sign-off roles (the checklist's and the policy's) with what the
    /// checklist and the store record for each.
    fn signoffs_with(&self, people: &People) -> Vec<SignoffReport> {
        let mut roles: Vec<SignoffReport> = self.basis.document_signoffs.clone();
        if let Some(required) = &self.basis.policy.require_signoffs {
            for role in required {
                if !roles.iter().any(|r| r.role.eq_ignore_ascii_case(role)) {
                    roles.push(SignoffReport {
                        role: role.clone(),
                        signed: false,
                        by: None,
                        date: None,
                        stale: false,
                        run: None,
                    });
                }
            }
        }
        for r in &mut roles {
            if r.signed {
                continue;
            }
            if let Some(s) = people.signoff(&r.role) {
                r.by = Some(s.by.clone());
                r.date = Some(s.at.get(..10).unwrap_or(&s.at).to_string());
                r.run = Some(s.run);
                r.signed = s.digest == self.digest;
                r.stale = !r.signed;
            }
        }
        roles
    }

    /// The status boxes a write-back changes: passed items become `[x]`,
    /// failed ones `[!]`, and items people marked get their mark's box
    /// (`[x]`, `[~]`, `[!]`, `[-]`; `[ ]` once the mark is stale); nothing
    /// else is touched.
    pub fn write_back_changes(&self) -> Vec<(usize, Status)> {
        self.items
            .iter()
            .filter_map(|i| {
                let index = i.index?;
                let to = match (&i.mark, i.status) {
                    (Some(m), _) if m.counts && m.expired => Status::Todo,
                    (Some(m), _) if m.counts => i.status.to_written().unwrap_or(Status::Todo),
                    (_, ItemStatus::Passed) => Status::Done,
                    (_, ItemStatus::Failed) => Status::Blocked,
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
        mark: None,
        found: status,
        found_reason: None,
    }
}

/// An item's status and reason with a person's mark applied. A mark settles
/// an item no check settled; on an item a check passed or failed it is
/// shown but the verdict stands (a failure is waived, not marked away).
fn apply_mark(
    item: &ItemReport,
    people: &People,
) -> (ItemStatus, Option<String>, Option<ItemMark>) {
    let found = (item.found, item.found_reason.clone());
    let Some(mark) = people.mark(&item.id) else {
        return (found.0, found.1, None);
    };
    let settled_by_check = matches!(item.found, ItemStatus::Passed | ItemStatus::Failed);
    let expired = mark.expired(&people.now);
    let view = ItemMark {
        mark: mark.clone(),
        counts: !settled_by_check,
        expired,
    };
    if settled_by_check {
        return (found.0, found.1, Some(view));
    }
    let on = mark.at.get(..10).unwrap_or(&mark.at);
    if expired {
        let until = mark.valid_until.as_deref().unwrap_or("");
        let until = until.get(..10).unwrap_or(until);
        let why = format!(
            "marked {} by {} on {on}, stale since {until}: do it again and mark it",
            mark.state.as_str().replace('_', " "),
            mark.by
        );
        return (ItemStatus::Open, Some(why), Some(view));
    }
    let mut why = format!(
        "marked {} by {} on {on}",
        mark.state.as_str().replace('_', " "),
        mark.by
    );
    if let Some(until) = &mark.valid_until {
        why.push_str(&format!(
            ", valid until {}",
            until.get(..10).unwrap_or(until)
        ));
    }
    if let Some(note) = &mark.note {
        why.push_str(&format!(": {note}"));
    }
    (mark.state.status(), Some(why), Some(view))
}

/// A parent item nobody checks directly is complete once all its children
/// are. Items come in document order with their depth, so a parent's
/// children are the items after it one level deeper, up to the next item at
/// its own depth or above.
fn roll_up(items: &mut [ItemReport]) {
    // Walk backwards so that grandchildren settle before their grandparents.
    for k in (0..items.len()).rev() {
        if items[k].index.is_none() || !items[k].checks.is_empty() || items[k].status.is_complete()
        {
            continue;
        }
        let depth = items[k].depth;
        let mut children = items[k + 1..]
            .iter()
            .take_while(|i| i.depth > depth)
            .filter(|i| i.depth == depth + 1)
            .peekable();
        if children.peek().is_none() {
            continue;
        }
        if children.all(|ch| ch.status.is_complete()) {
            items[k].status = ItemStatus::Done;
            items[k].reason = Some("all its sub-items are complete".into());
        }
    }
}

/// Section counts from the items' statuses: an item counts in its section
/// and every section above it; items that do not apply are not counted.
fn recount_sections(sections: &mut [SectionReport], items: &[ItemReport]) {
    for s in sections {
        let (mut done, mut total) = (0, 0);
        for i in items.iter().filter(|i| i.section.starts_with(&s.path)) {
            if i.status == ItemStatus::NotApplicable {
                continue;
            }
            total += 1;
            done += u32::from(i.status.is_complete());
        }
        s.done = done;
        s.total = total;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::{Outcome, ReasonKind};
    use crate::people::{MarkState, Signoff};

    fn item(id: &str, priority: Priority, found: ItemStatus, depth: u32) -> ItemReport {
        ItemReport {
            index: Some(0),
            id: id.into(),
            line: Some(1),
            text: id.into(),
            title: id.into(),
            section: vec!["S".into()],
            depth,
            priority,
            written: Some(Status::Todo),
            class: Class::Manual,
            probe: None,
            thresholds: Vec::new(),
            why: String::new(),
            status: found,
            reason: None,
            evidence: Evidence::new(),
            duration_ms: 0,
            checks: Vec::new(),
            needs: Vec::new(),
            waiver: None,
            mark: None,
            found,
            found_reason: None,
        }
    }

    fn report(items: Vec<ItemReport>, roles: &[&str]) -> RunReport {
        RunReport {
            golive: "test".into(),
            source: "CHECKLIST.md".into(),
            started_at: "2026-01-01T10:00:00Z".into(),
            duration: Duration::ZERO,
            partial: false,
            decision: decide(&[], &[], &[], &Policy::default(), ""),
            digest: String::new(),
            summary: Summary::default(),
            sections: vec![SectionReport {
                title: "S".into(),
                path: vec!["S".into()],
                level: 2,
                line: 1,
                done: 0,
                total: 0,
                declared: None,
            }],
            items,
            signoffs: Vec::new(),
            notes: Vec::new(),
            basis: Basis {
                policy: Policy::default(),
                waivers: Vec::new(),
                document_signoffs: roles
                    .iter()
                    .map(|r| SignoffReport {
                        role: (*r).into(),
                        signed: false,
                        by: None,
                        date: None,
                        stale: false,
                        run: None,
                    })
                    .collect(),
            },
        }
    }

    fn mark(item: &str, state: MarkState, valid_until: Option<&str>) -> Mark {
        Mark {
            item: item.into(),
            state,
            by: "Ann".into(),
            note: Some("restored last night's dump".into()),
            at: "2026-01-01T09:00:00Z".into(),
            valid_until: valid_until.map(String::from),
        }
    }

    fn people(marks: Vec<Mark>, now: &str) -> People {
        People {
            marks,
            now: now.into(),
            ..People::default()
        }
    }

    #[test]
    fn a_mark_settles_a_manual_item_until_it_goes_stale() {
        let mut r = report(
            vec![item("backup", Priority::Critical, ItemStatus::Open, 0)],
            &[],
        );
        r.settle(&People::default(), "2026-01-01");
        assert_eq!(r.decision.outcome, Outcome::NoGo);

        let marks = vec![mark(
            "backup",
            MarkState::Done,
            Some("2026-01-31T09:00:00Z"),
        )];
        r.settle(&people(marks.clone(), "2026-01-15T00:00:00Z"), "2026-01-15");
        assert_eq!(r.items[0].status, ItemStatus::Done);
        assert_eq!(r.decision.outcome, Outcome::Go);
        assert_eq!(r.sections[0].done, 1);
        assert!(r.items[0].reason.as_deref().unwrap().contains("by Ann"));

        r.settle(&people(marks, "2026-02-01T00:00:00Z"), "2026-02-01");
        assert_eq!(r.items[0].status, ItemStatus::Open);
        assert!(r.items[0].mark.as_ref().unwrap().expired);
        assert_eq!(r.decision.outcome, Outcome::NoGo);
        assert!(
            r.decision.reasons[0]
                .message
                .contains("stale since 2026-01-31"),
            "{:?}",
            r.decision.reasons
        );
        assert_eq!(r.write_back_changes(), vec![]);
    }

    #[test]
    fn a_mark_does_not_overrule_a_check() {
        let mut failed = item("health", Priority::Normal, ItemStatus::Failed, 0);
        failed.class = Class::Live;
        let mut r = report(vec![failed], &[]);
        r.settle(
            &people(
                vec![mark("health", MarkState::Done, None)],
                "2026-01-02T00:00:00Z",
            ),
            "2026-01-02",
        );
        assert_eq!(r.items[0].status, ItemStatus::Failed);
        assert!(!r.items[0].mark.as_ref().unwrap().counts);
        assert_eq!(r.decision.outcome, Outcome::NoGo);
    }

    #[test]
    fn stored_waivers_count_and_expire() {
        let mut r = report(
            vec![item("cdn", Priority::High, ItemStatus::Failed, 0)],
            &[],
        );
        let p = People {
            waivers: vec![Waiver {
                item: "cdn".into(),
                reason: "next release".into(),
                by: "Bob".into(),
                until: Some("2026-01-31".into()),
            }],
            ..People::default()
        };
        r.settle(&p, "2026-01-31");
        assert_eq!(r.decision.outcome, Outcome::GoWithWaivers);
        assert_eq!(r.items[0].waiver.as_ref().unwrap().by, "Bob");
        r.settle(&p, "2026-02-01");
        assert_eq!(r.decision.outcome, Outcome::NoGo);
        assert!(r.items[0].waiver.is_none());
    }

    #[test]
    fn marked_children_complete_their_parent() {
        let mut r = report(
            vec![
                item("parent", Priority::High, ItemStatus::Open, 0),
                item("a", Priority::High, ItemStatus::Open, 1),
                item("b", Priority::High, ItemStatus::Open, 1),
            ],
            &[],
        );
        let marks = vec![
            mark("a", MarkState::Done, None),
            mark("b", MarkState::NotApplicable, None),
        ];
        r.settle(&people(marks, "2026-01-02T00:00:00Z"), "2026-01-02");
        assert_eq!(r.items[0].status, ItemStatus::Done);
        assert_eq!(r.decision.outcome, Outcome::Go);
        // The marks go into the Markdown; the rolled-up parent was not marked.
        let boxes: Vec<Status> = r.write_back_changes().into_iter().map(|(_, s)| s).collect();
        assert_eq!(boxes, vec![Status::Done, Status::NotApplicable]);
    }

    #[test]
    fn a_signoff_binds_to_the_digest() {
        let mut r = report(
            vec![item("a", Priority::Normal, ItemStatus::Open, 0)],
            &["Tech Lead"],
        );
        r.settle(&People::default(), "2026-01-01");
        assert_eq!(r.decision.reasons[0].kind, ReasonKind::SignoffMissing);
        let signed = People {
            signoffs: vec![Signoff {
                role: "tech lead".into(),
                by: "Ann".into(),
                at: "2026-01-01T10:00:00Z".into(),
                run: 1,
                digest: r.digest.clone(),
            }],
            ..People::default()
        };
        r.settle(&signed, "2026-01-01");
        assert_eq!(r.decision.outcome, Outcome::Go);
        assert_eq!(r.signoffs[0].by.as_deref(), Some("Ann"));
        assert_eq!(r.signoffs[0].date.as_deref(), Some("2026-01-01"));

        // A mark changes the results: the sign-off is stale until given again.
        let mut changed = signed.clone();
        changed.marks = vec![mark("a", MarkState::Done, None)];
        r.settle(&changed, "2026-01-01");
        assert!(r.signoffs[0].stale && !r.signoffs[0].signed);
        assert_eq!(r.decision.outcome, Outcome::NoGo);
        assert_eq!(r.decision.reasons[0].kind, ReasonKind::SignoffStale);
    }
}
