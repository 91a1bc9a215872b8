//! The people's part of go-live: marks on items only a person can settle,
//! sign-offs bound to one set of results, and the digest that binds them.
//!
//! These are records a store keeps; here they are plain values, so that the
//! decision that reads them stays a pure function of its inputs. Times are
//! RFC 3339 in UTC (`2026-11-23T10:00:00Z`), which compare as strings.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::result::ItemStatus;
use crate::value::Evidence;

/// What a person says about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkState {
    Done,
    InProgress,
    Blocked,
    #[serde(rename = "na")]
    NotApplicable,
    /// Back to open: undoes an earlier mark (and a ticked box).
    Open,
}

impl MarkState {
    pub const ALL: [MarkState; 5] = [
        Self::Done,
        Self::InProgress,
        Self::Blocked,
        Self::NotApplicable,
        Self::Open,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::InProgress => "in_progress",
            Self::Blocked => "blocked",
            Self::NotApplicable => "na",
            Self::Open => "open",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    pub fn status(self) -> ItemStatus {
        match self {
            Self::Done => ItemStatus::Done,
            Self::InProgress => ItemStatus::InProgress,
            Self::Blocked => ItemStatus::Blocked,
            Self::NotApplicable => ItemStatus::NotApplicable,
            Self::Open => ItemStatus::Open,
        }
    }
}

/// A person's mark on an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    pub item: String,
    pub state: MarkState,
    pub by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When it was marked (RFC 3339, UTC).
    pub at: String,
    /// When the evidence goes stale (`--valid-for`): after this the item is
    /// open again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

impl Mark {
    /// Whether the mark has gone stale at `now` (RFC 3339, UTC).
    pub fn expired(&self, now: &str) -> bool {
        self.valid_until.as_deref().is_some_and(|until| now > until)
    }
}

/// A sign-off recorded in a store: a role's approval of one run's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signoff {
    pub role: String,
    pub by: String,
    pub at: String,
    /// The run signed.
    pub run: i64,
    /// That run's digest when it was signed (marks and waivers included).
    pub digest: String,
}

/// Everything people recorded, as the decision reads it.
#[derive(Debug, Clone, Default)]
pub struct People {
    /// The current mark per item.
    pub marks: Vec<Mark>,
    /// Waivers granted with `golive mark --waive` (golive.toml's come with the plan).
    pub waivers: Vec<crate::plan::Waiver>,
    /// The latest sign-off per role.
    pub signoffs: Vec<Signoff>,
    /// The moment the decision is taken (RFC 3339, UTC), for stale marks.
    pub now: String,
}

impl People {
    pub fn mark(&self, item: &str) -> Option<&Mark> {
        self.marks.iter().rev().find(|m| m.item == item)
    }

    pub fn signoff(&self, role: &str) -> Option<&Signoff> {
        self.signoffs
            .iter()
            .rev()
            .find(|s| s.role.eq_ignore_ascii_case(role))
    }
}

/// One item's part of a run's digest.
pub struct DigestItem<'a> {
    pub id: &'a str,
    pub status: ItemStatus,
    pub evidence: &'a Evidence,
    pub mark: Option<&'a Mark>,
    pub waiver: Option<&'a crate::decision::Waived>,
}

/// The digest of a set of results: SHA-256 over every item's id, status and
/// evidence, and the mark and waiver that apply to it. A sign-off records
/// it, so any later change of results shows as a stale sign-off.
pub fn digest<'a>(items: impl IntoIterator<Item = DigestItem<'a>>) -> String {
    let mut h = Sha256::new();
    // Fields are separated by NUL and items by a newline; none of the parts
    // can hold a NUL after JSON encoding, so the encoding is unambiguous.
    for i in items {
        let evidence = serde_json::to_string(i.evidence).unwrap_or_default();
        let mark = i.mark.map_or_else(String::new, |m| {
            serde_json::to_string(&(m.state.as_str(), &m.by, &m.at, &m.valid_until, &m.note))
                .unwrap_or_default()
        });
        let waiver = i.waiver.map_or_else(String::new, |w| {
            serde_json::to_string(&(&w.reason, &w.by, &w.until)).unwrap_or_default()
        });
        for part in [
            serde_json::to_string(i.id).unwrap_or_default().as_str(),
            i.status.as_str(),
            &evidence,
            &mark,
            &waiver,
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update(b"\n");
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(valid_until: Option<&str>) -> Mark {
        Mark {
            item: "a".into(),
            state: MarkState::Done,
            by: "Ann".into(),
            note: None,
            at: "2026-01-01T10:00:00Z".into(),
            valid_until: valid_until.map(String::from),
        }
    }

    #[test]
    fn marks_go_stale_after_their_validity() {
        let m = mark(Some("2026-01-31T10:00:00Z"));
        assert!(!m.expired("2026-01-31T10:00:00Z"));
        assert!(m.expired("2026-01-31T10:00:01Z"));
        assert!(!mark(None).expired("2999-01-01T00:00:00Z"));
    }

    #[test]
    fn mark_states_round_trip() {
        for s in MarkState::ALL {
            assert_eq!(MarkState::from_name(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
    }

    #[test]
    fn the_digest_changes_with_status_evidence_and_marks() {
        let mut ev = Evidence::new();
        ev.insert("status".into(), 200i64.into());
        let m = mark(None);
        let base = || DigestItem {
            id: "a",
            status: ItemStatus::Passed,
            evidence: &ev,
            mark: None,
            waiver: None,
        };
        let d = digest([base()]);
        assert_eq!(d, digest([base()]));
        assert!(d.starts_with("sha256:") && d.len() == 7 + 64);
        let failed = DigestItem {
            status: ItemStatus::Failed,
            ..base()
        };
        assert_ne!(d, digest([failed]));
        let marked = DigestItem {
            mark: Some(&m),
            ..base()
        };
        assert_ne!(d, digest([marked]));
        let mut ev2 = ev.clone();
        ev2.insert("time".into(), 12.5f64.into());
        let other = DigestItem {
            evidence: &ev2,
            ..base()
        };
        assert_ne!(d, digest([other]));
    }
}
