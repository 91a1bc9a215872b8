//! golive's vocabulary and judgement, shared by every stage and free of I/O:
//! the catalogue of probe kinds and item classes, the plan of checks with
//! their expectations, the evidence probes collect, the statuses a run
//! produces, redaction of secrets, and the GO/NO-GO decision.

pub mod decision;
pub mod expect;
pub mod kind;
pub mod people;
pub mod plan;
pub mod redact;
pub mod report;
pub mod result;
pub mod value;
pub mod watch;

pub use decision::{Decision, DecisionItem, DecisionSignoff, Outcome, decide};
pub use expect::{Expectation, Verdict};
pub use kind::{Class, ProbeKind};
pub use people::{Mark, MarkState, People, Signoff};
pub use plan::{CheckSpec, DependencyError, Origin, Plan, PlannedItem, Policy, Threshold, Waiver};
pub use redact::Redactor;
pub use report::{
    Basis, ItemMark, ItemReport, Meta, RunReport, SectionReport, SignoffReport, Summary,
};
pub use result::{CheckResult, CheckStatus, ItemStatus};
pub use value::{Evidence, Value, format_duration};

/// Parses a duration as people write them in configs and on the command
/// line: `500ms`, `10s`, `2m`, `1h30m`, `30d`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("`{s}` is not a duration ({e}); write it like 500ms, 10s or 2m"))
}

/// An error and its sources in one line (`connection error: Connection
/// reset by peer`), each source once: hyper's and rustls's errors say what
/// failed in the outer error and why only in the inner ones.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = inner.source();
    }
    s
}
