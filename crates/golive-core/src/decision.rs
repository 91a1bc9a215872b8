//! The go-live decision: a pure function of item statuses, priorities,
//! waivers, sign-offs and policy.
//!
//! GO when no critical, high or required item failed or is still open, no
//! item failed that is not waived with a reason, and every required sign-off
//! is recorded. GO WITH WAIVERS when that holds only thanks to waivers.
//! Otherwise NO-GO, with every reason.

use std::fmt;

use golive_checklist::Priority;
use serde::{Serialize, Serializer};

use crate::plan::{Policy, Waiver};
use crate::result::ItemStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Go,
    GoWithWaivers,
    NoGo,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Go => "GO",
            Self::GoWithWaivers => "GO WITH WAIVERS",
            Self::NoGo => "NO-GO",
        }
    }

    pub fn is_go(self) -> bool {
        self != Self::NoGo
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One item as the decision sees it.
#[derive(Debug, Clone)]
pub struct DecisionItem<'a> {
    pub id: &'a str,
    pub text: &'a str,
    pub priority: Priority,
    pub status: ItemStatus,
    /// Why it failed or was not verified.
    pub reason: Option<&'a str>,
    /// Its failure does not block (an advisory check).
    pub advisory: bool,
}

/// One sign-off role as the decision sees it.
#[derive(Debug, Clone)]
pub struct DecisionSignoff<'a> {
    pub role: &'a str,
    pub signed: bool,
    /// Who signed results that have changed since (the sign-off no longer counts).
    pub stale: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    Failed,
    Blocked,
    Open,
    SignoffMissing,
    SignoffStale,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub kind: ReasonKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waived {
    pub item: String,
    pub text: String,
    pub reason: String,
    pub by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub outcome: Outcome,
    /// Why it is not GO (empty when it is).
    pub reasons: Vec<Reason>,
    /// Failures accepted by a waiver.
    pub waived: Vec<Waived>,
    /// Failures and gaps that do not block but deserve a look.
    pub warnings: Vec<String>,
}

fn label(priority: Priority) -> &'static str {
    match priority {
        Priority::Critical => "CRITICAL ",
        Priority::High => "HIGH ",
        Priority::Required => "required ",
        _ => "",
    }
}

fn is_open(status: ItemStatus) -> bool {
    matches!(
        status,
        ItemStatus::Open | ItemStatus::InProgress | ItemStatus::Skipped | ItemStatus::NotVerified
    )
}

/// The waiver that turns this item into a non-blocking one on `today`: the
/// first that names it, still counts and gives a reason, when the item
/// failed, is blocked or is still open.
pub fn waiver_for(
    id: &str,
    text: &str,
    status: ItemStatus,
    waivers: &[Waiver],
    today: &str,
) -> Option<Waived> {
    let applies = matches!(status, ItemStatus::Failed | ItemStatus::Blocked) || is_open(status);
    if !applies {
        return None;
    }
    waivers
        .iter()
        .find(|w| w.item == id && w.valid_on(today) && !w.reason.trim().is_empty())
        .map(|w| Waived {
            item: id.to_string(),
            text: text.to_string(),
            reason: w.reason.clone(),
            by: w.by.clone(),
            until: w.until.clone(),
        })
}

/// Decides. `today` (YYYY-MM-DD) tells which waivers still count.
pub fn decide(
    items: &[DecisionItem<'_>],
    signoffs: &[DecisionSignoff<'_>],
    waivers: &[Waiver],
    policy: &Policy,
    today: &str,
) -> Decision {
    let mut reasons = Vec::new();
    let mut waived = Vec::new();
    let mut warnings = Vec::new();
    for item in items {
        let because = item.reason.map(|r| format!(": {r}")).unwrap_or_default();
        let bad = matches!(item.status, ItemStatus::Failed | ItemStatus::Blocked);
        let open = is_open(item.status);
        if let Some(w) = waiver_for(item.id, item.text, item.status, waivers, today) {
            waived.push(w);
            continue;
        }
        if bad {
            let what = if item.status == ItemStatus::Failed {
                "failed"
            } else {
                "blocked"
            };
            if item.priority.blocks_when_failed() && !item.advisory {
                reasons.push(Reason {
                    kind: if item.status == ItemStatus::Failed {
                        ReasonKind::Failed
                    } else {
                        ReasonKind::Blocked
                    },
                    item: Some(item.id.to_string()),
                    message: format!(
                        "{}item {what}: {}{because}",
                        label(item.priority),
                        item.text
                    ),
                });
            } else {
                warnings.push(format!(
                    "{} item {what}: {}{because}",
                    item.priority.as_str(),
                    item.text
                ));
            }
        } else if open {
            let blocks = item.priority.blocks_when_open()
                || (policy.open_normal_items_block && item.priority == Priority::Normal);
            let state = match item.status {
                ItemStatus::InProgress => "still in progress",
                ItemStatus::Skipped => "not checked (a check it depends on did not pass)",
                ItemStatus::NotVerified => "not verified",
                _ => "still open",
            };
            if blocks {
                reasons.push(Reason {
                    kind: ReasonKind::Open,
                    item: Some(item.id.to_string()),
                    message: format!(
                        "{}item {state}: {}{because}",
                        label(item.priority),
                        item.text
                    ),
                });
            } else if matches!(item.status, ItemStatus::Skipped | ItemStatus::NotVerified) {
                warnings.push(format!("item {state}: {}{because}", item.text));
            }
        }
    }
    let required: Vec<&str> = match &policy.require_signoffs {
        Some(roles) => roles.iter().map(String::as_str).collect(),
        None => signoffs.iter().map(|s| s.role).collect(),
    };
    for role in required {
        let mine = || {
            signoffs
                .iter()
                .filter(|s| s.role.eq_ignore_ascii_case(role))
        };
        if mine().any(|s| s.signed) {
            continue;
        }
        match mine().find_map(|s| s.stale) {
            Some(by) => reasons.push(Reason {
                kind: ReasonKind::SignoffStale,
                item: None,
                message: format!(
                    "sign-off stale: {role} (signed by {by} for results that have changed since; sign again)"
                ),
            }),
            None => reasons.push(Reason {
                kind: ReasonKind::SignoffMissing,
                item: None,
                message: format!("sign-off missing: {role}"),
            }),
        }
    }
    let outcome = if !reasons.is_empty() {
        Outcome::NoGo
    } else if waived.is_empty() {
        Outcome::Go
    } else {
        Outcome::GoWithWaivers
    };
    Decision {
        outcome,
        reasons,
        waived,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &'static str, priority: Priority, status: ItemStatus) -> DecisionItem<'static> {
        DecisionItem {
            id,
            text: id,
            priority,
            status,
            reason: None,
            advisory: false,
        }
    }

    fn run(items: &[DecisionItem<'_>]) -> Decision {
        decide(items, &[], &[], &Policy::default(), "2026-01-01")
    }

    #[test]
    fn all_passed_is_go() {
        let d = run(&[
            item("a", Priority::Critical, ItemStatus::Passed),
            item("b", Priority::Normal, ItemStatus::Done),
            item("c", Priority::Normal, ItemStatus::Open),
        ]);
        assert_eq!(d.outcome, Outcome::Go);
        assert!(d.reasons.is_empty());
    }

    #[test]
    fn any_unwaived_failure_is_no_go() {
        let d = run(&[item("a", Priority::Normal, ItemStatus::Failed)]);
        assert_eq!(d.outcome, Outcome::NoGo);
        assert_eq!(d.reasons[0].kind, ReasonKind::Failed);
        let d = run(&[item("a", Priority::Normal, ItemStatus::Blocked)]);
        assert_eq!(d.outcome, Outcome::NoGo);
    }

    #[test]
    fn optional_failures_only_warn() {
        let d = run(&[item("a", Priority::Optional, ItemStatus::Failed)]);
        assert_eq!(d.outcome, Outcome::Go);
        assert_eq!(d.warnings.len(), 1);
        let mut advisory = item("b", Priority::Normal, ItemStatus::Failed);
        advisory.advisory = true;
        assert_eq!(run(&[advisory]).outcome, Outcome::Go);
    }

    #[test]
    fn open_critical_items_block() {
        for status in [
            ItemStatus::Open,
            ItemStatus::InProgress,
            ItemStatus::NotVerified,
            ItemStatus::Skipped,
        ] {
            let d = run(&[item("a", Priority::High, status)]);
            assert_eq!(d.outcome, Outcome::NoGo, "{status:?}");
            assert_eq!(d.reasons[0].kind, ReasonKind::Open);
        }
        let policy = Policy {
            open_normal_items_block: true,
            ..Policy::default()
        };
        let d = decide(
            &[item("a", Priority::Normal, ItemStatus::Open)],
            &[],
            &[],
            &policy,
            "2026-01-01",
        );
        assert_eq!(d.outcome, Outcome::NoGo);
    }

    #[test]
    fn waivers_turn_failures_into_go_with_waivers_until_they_expire() {
        let waiver = Waiver {
            item: "a".into(),
            reason: "CDN comes next sprint".into(),
            by: "Ann".into(),
            until: Some("2026-01-31".into()),
        };
        let items = [item("a", Priority::Critical, ItemStatus::Failed)];
        let d = decide(
            &items,
            &[],
            std::slice::from_ref(&waiver),
            &Policy::default(),
            "2026-01-31",
        );
        assert_eq!(d.outcome, Outcome::GoWithWaivers);
        assert_eq!(d.waived[0].by, "Ann");
        let d = decide(&items, &[], &[waiver], &Policy::default(), "2026-02-01");
        assert_eq!(d.outcome, Outcome::NoGo);
    }

    #[test]
    fn a_waiver_needs_a_reason() {
        let waiver = Waiver {
            item: "a".into(),
            reason: "  ".into(),
            by: "Ann".into(),
            until: None,
        };
        let d = decide(
            &[item("a", Priority::Normal, ItemStatus::Failed)],
            &[],
            &[waiver],
            &Policy::default(),
            "2026-01-01",
        );
        assert_eq!(d.outcome, Outcome::NoGo);
    }

    #[test]
    fn signoffs_are_required() {
        let signoffs = [
            DecisionSignoff {
                role: "Tech Lead",
                signed: true,
                stale: None,
            },
            DecisionSignoff {
                role: "QA Engineer",
                signed: false,
                stale: None,
            },
        ];
        let d = decide(&[], &signoffs, &[], &Policy::default(), "2026-01-01");
        assert_eq!(d.outcome, Outcome::NoGo);
        assert_eq!(d.reasons.len(), 1);
        assert_eq!(d.reasons[0].message, "sign-off missing: QA Engineer");
        let policy = Policy {
            require_signoffs: Some(vec!["tech lead".into()]),
            ..Policy::default()
        };
        assert_eq!(
            decide(&[], &signoffs, &[], &policy, "2026-01-01").outcome,
            Outcome::Go
        );
    }

    #[test]
    fn a_stale_signoff_is_a_reason_of_its_own() {
        let signoffs = [DecisionSignoff {
            role: "Tech Lead",
            signed: false,
            stale: Some("Ann"),
        }];
        let d = decide(&[], &signoffs, &[], &Policy::default(), "2026-01-01");
        assert_eq!(d.outcome, Outcome::NoGo);
        assert_eq!(d.reasons[0].kind, ReasonKind::SignoffStale);
        assert!(
            d.reasons[0].message.contains("signed by Ann"),
            "{:?}",
            d.reasons
        );
    }

    #[test]
    fn waivers_do_not_touch_items_that_passed() {
        let waiver = Waiver {
            item: "a".into(),
            reason: "later".into(),
            by: "Ann".into(),
            until: None,
        };
        let w = std::slice::from_ref(&waiver);
        assert!(waiver_for("a", "a", ItemStatus::Passed, w, "2026-01-01").is_none());
        assert!(waiver_for("a", "a", ItemStatus::Open, w, "2026-01-01").is_some());
        assert!(waiver_for("b", "b", ItemStatus::Failed, w, "2026-01-01").is_none());
    }
}
