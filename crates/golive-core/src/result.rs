//! What a run found: a verdict per check, a status per item.

use std::time::Duration;

use golive_checklist::Status;
use serde::Serialize;

use crate::expect::Verdict;
use crate::kind::ProbeKind;
use crate::value::Evidence;

/// The verdict on one check. "The check failed" lives here; "golive failed"
/// is an error, never a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Passed,
    Failed,
    /// Not run because a check it depends on did not pass.
    Skipped,
    /// Not run because it lacks a target, a variable or a command.
    NotVerified,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub item: Option<String>,
    pub name: String,
    pub kind: ProbeKind,
    /// What was contacted or read, secrets redacted.
    pub target: String,
    pub status: CheckStatus,
    /// Why it failed, was skipped or was not verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A few words on what was measured ("200 in 12ms").
    #[serde(skip_serializing_if = "String::is_empty")]
    pub summary: String,
    pub evidence: Evidence,
    pub expectations: Vec<Verdict>,
    #[serde(serialize_with = "duration_ms", rename = "duration_ms")]
    pub duration: Duration,
    pub attempts: u32,
    pub advisory: bool,
}

/// An item's status after a run, for people and for the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Every check passed.
    Passed,
    /// A check failed.
    Failed,
    /// Its checks were skipped: a dependency did not pass.
    Skipped,
    /// It has checks, but they cannot run without more input.
    NotVerified,
    /// A person marked it done.
    Done,
    /// Nobody has done it yet.
    Open,
    InProgress,
    /// A person marked it blocked.
    Blocked,
    /// Does not apply.
    NotApplicable,
}

impl ItemStatus {
    /// How an item nobody and nothing verified stands, from its box.
    pub fn from_written(status: Status) -> Self {
        match status {
            Status::Todo => Self::Open,
            Status::Done => Self::Done,
            Status::InProgress => Self::InProgress,
            Status::Blocked => Self::Blocked,
            Status::NotApplicable => Self::NotApplicable,
        }
    }

    /// The box to write back into the Markdown, when a run settled the item.
    pub fn to_written(self) -> Option<Status> {
        match self {
            Self::Passed | Self::Done => Some(Status::Done),
            Self::Failed | Self::Blocked => Some(Status::Blocked),
            Self::InProgress => Some(Status::InProgress),
            Self::NotApplicable => Some(Status::NotApplicable),
            Self::Skipped | Self::NotVerified | Self::Open => None,
        }
    }

    /// Whether the item counts as complete.
    pub fn is_complete(self) -> bool {
        matches!(self, Self::Passed | Self::Done | Self::NotApplicable)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
            Self::NotVerified => "not_verified",
            Self::Done => "done",
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Blocked => "blocked",
            Self::NotApplicable => "na",
        }
    }
}

/// The status of an item verified by these checks.
pub fn item_status_from_checks<'a>(
    checks: impl IntoIterator<Item = &'a CheckResult>,
) -> Option<ItemStatus> {
    let mut any = false;
    let (mut failed, mut skipped, mut unverified) = (false, false, false);
    for c in checks {
        any = true;
        match c.status {
            CheckStatus::Failed => failed = true,
            CheckStatus::Skipped => skipped = true,
            CheckStatus::NotVerified => unverified = true,
            CheckStatus::Passed => {}
        }
    }
    any.then_some(if failed {
        ItemStatus::Failed
    } else if skipped {
        ItemStatus::Skipped
    } else if unverified {
        ItemStatus::NotVerified
    } else {
        ItemStatus::Passed
    })
}

fn duration_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
