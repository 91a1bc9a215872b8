//! The plan: every item of the checklist with its class, and the checks
//! bound to it. Built by the mapping (from the checklist's words) or by the
//! config (from golive.toml); run by the runner.

use std::time::Duration;

use serde::Serialize;

use crate::expect::Expectation;
use crate::kind::{Class, ProbeKind};

/// A threshold the item's own words state, as an expectation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threshold {
    /// The expectation it becomes (`time < 500ms`).
    pub expect: Expectation,
    /// The words it was read from (`(<500ms)`).
    pub words: String,
}

/// Where a check came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "from")]
pub enum Origin {
    /// A `[[check]]` table of golive.toml, at this line.
    Config { line: u32 },
    /// The mapping, with the words or pattern that matched.
    Mapping { why: String },
}

/// One probe run with its settings and expectations.
#[derive(Debug, Clone, Serialize)]
pub struct CheckSpec {
    /// Unique within the plan; `depends_on` names these.
    pub id: String,
    /// The checklist item this check verifies, if any.
    pub item: Option<String>,
    /// What the check is called in reports when it has no item.
    pub name: String,
    pub kind: ProbeKind,
    /// The probe's own settings, as written (before `${...}` is resolved).
    pub settings: toml::Table,
    /// Expectations on the evidence; the probe adds its defaults when empty.
    pub expect: Vec<Expectation>,
    #[serde(serialize_with = "opt_duration_ms")]
    pub timeout: Option<Duration>,
    pub retries: u32,
    #[serde(serialize_with = "duration_ms")]
    pub retry_delay: Duration,
    pub depends_on: Vec<String>,
    /// Failure of this check does not block go-live (it only warns).
    pub advisory: bool,
    pub origin: Origin,
}

impl CheckSpec {
    pub fn new(
        id: impl Into<String>,
        kind: ProbeKind,
        settings: toml::Table,
        origin: Origin,
    ) -> Self {
        let id = id.into();
        Self {
            name: id.clone(),
            id,
            item: None,
            kind,
            settings,
            expect: Vec::new(),
            timeout: None,
            retries: 0,
            retry_delay: Duration::from_millis(500),
            depends_on: Vec::new(),
            advisory: false,
            origin,
        }
    }
}

/// A checklist item as planned.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedItem {
    /// Index into the checklist's items.
    pub index: usize,
    pub class: Class,
    /// The probe kind of its first check, if any.
    pub probe: Option<ProbeKind>,
    pub thresholds: Vec<Threshold>,
    /// Why it was classed and mapped so: the words or pattern that matched.
    pub why: String,
    /// Indices into the plan's checks.
    pub checks: Vec<usize>,
    /// What the item would need to be verified by a machine, when it cannot be now.
    pub needs: Vec<String>,
}

/// A waiver: a failed item that a person has accepted, with a reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    pub item: String,
    pub reason: String,
    pub by: String,
    /// Last day (YYYY-MM-DD) the waiver counts, inclusive.
    pub until: Option<String>,
}

impl Waiver {
    /// Whether the waiver still counts on `today` (YYYY-MM-DD).
    pub fn valid_on(&self, today: &str) -> bool {
        self.until.as_deref().is_none_or(|until| today <= until)
    }
}

/// What go-live requires beyond "nothing failed".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Policy {
    /// Sign-off roles required; `None` means the checklist's own roles.
    pub require_signoffs: Option<Vec<String>>,
    /// Whether an open item of normal priority also holds up go-live.
    pub open_normal_items_block: bool,
}

/// Everything a run needs to know, before anything is contacted.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub items: Vec<PlannedItem>,
    pub checks: Vec<CheckSpec>,
    pub waivers: Vec<Waiver>,
    pub policy: Policy,
}

impl Plan {
    pub fn check(&self, id: &str) -> Option<&CheckSpec> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Verifies that every dependency names a check and none is circular.
    pub fn check_dependencies(&self) -> Result<(), DependencyError> {
        check_dependencies(&self.checks)
    }
}

/// A `depends_on` that cannot be honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DependencyError {
    #[error("check `{check}` depends on `{missing}`, which is not a check of this plan")]
    Unknown { check: String, missing: String },
    #[error("checks depend on each other in a circle: {}", .0.join(" → "))]
    Cycle(Vec<String>),
}

/// See [`Plan::check_dependencies`].
pub fn check_dependencies(checks: &[CheckSpec]) -> Result<(), DependencyError> {
    use std::collections::HashMap;
    let index: HashMap<&str, usize> = checks
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    for c in checks {
        if let Some(d) = c
            .depends_on
            .iter()
            .find(|d| !index.contains_key(d.as_str()))
        {
            return Err(DependencyError::Unknown {
                check: c.id.clone(),
                missing: d.clone(),
            });
        }
    }
    // Iterative depth-first search; 0 = new, 1 = on the path, 2 = done.
    let mut state = vec![0u8; checks.len()];
    for root in 0..checks.len() {
        if state[root] != 0 {
            continue;
        }
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (node, ref mut next)) = path.last_mut() {
            if let Some(dep) = checks[node].depends_on.get(*next) {
                *next += 1;
                let d = index[dep.as_str()];
                match state[d] {
                    0 => {
                        state[d] = 1;
                        path.push((d, 0));
                    }
                    1 => {
                        let start = path.iter().position(|&(p, _)| p == d).unwrap_or(0);
                        let mut names: Vec<String> = path[start..]
                            .iter()
                            .map(|&(p, _)| checks[p].id.clone())
                            .collect();
                        names.push(checks[d].id.clone());
                        return Err(DependencyError::Cycle(names));
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                path.pop();
            }
        }
    }
    Ok(())
}

fn duration_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn opt_duration_ms<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => duration_ms(d, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str, deps: &[&str]) -> CheckSpec {
        let mut c = CheckSpec::new(
            id,
            ProbeKind::Tcp,
            toml::Table::new(),
            Origin::Config { line: 1 },
        );
        c.depends_on = deps.iter().map(|d| d.to_string()).collect();
        c
    }

    #[test]
    fn dependencies() {
        assert!(check_dependencies(&[check("a", &[]), check("b", &["a"])]).is_ok());
        assert_eq!(
            check_dependencies(&[check("a", &["x"])]),
            Err(DependencyError::Unknown {
                check: "a".into(),
                missing: "x".into()
            })
        );
        let err = check_dependencies(&[check("a", &["c"]), check("b", &["a"]), check("c", &["b"])])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "checks depend on each other in a circle: a → c → b → a"
        );
    }
}
