//! `--format junit`: one test case per item, for CI test reporters. Passed
//! items pass, failed ones fail with the reason and evidence, everything a
//! machine did not settle (manual items, items not verified) is skipped.

use std::fmt::Write as _;
use std::io::{self, Write};

use golive_core::{ItemStatus, RunReport};

/// Escapes text for XML 1.0, dropping characters it cannot carry.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &RunReport, out: &mut dyn Write) -> io::Result<()> {
    let failures = report
        .items
        .iter()
        .filter(|i| i.status == ItemStatus::Failed)
        .count();
    let skipped = report
        .items
        .iter()
        .filter(|i| !matches!(i.status, ItemStatus::Passed | ItemStatus::Failed))
        .count();
    let secs = report.duration.as_secs_f64();
    let mut s = String::new();
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<testsuites name="golive" tests="{}" failures="{failures}" skipped="{skipped}" time="{secs:.3}">"#,
        report.items.len()
    );
    let _ = writeln!(
        s,
        r#"  <testsuite name="{}" tests="{}" failures="{failures}" errors="0" skipped="{skipped}" time="{secs:.3}" timestamp="{}">"#,
        escape(&report.source),
        report.items.len(),
        escape(&report.started_at),
    );
    let _ = writeln!(s, "    <properties>");
    let _ = writeln!(
        s,
        r#"      <property name="decision" value="{}"/>"#,
        report.decision.outcome
    );
    for r in &report.decision.reasons {
        let _ = writeln!(
            s,
            r#"      <property name="reason" value="{}"/>"#,
            escape(&r.message)
        );
    }
    let _ = writeln!(s, "    </properties>");
    for item in &report.items {
        let classname = if item.section.is_empty() {
            "golive".to_string()
        } else {
            item.section.join(" / ")
        };
        let _ = write!(
            s,
            r#"    <testcase classname="{}" name="{}" time="{:.3}""#,
            escape(&classname),
            escape(&format!("{} [{}]", item.title, item.id)),
            item.duration_ms as f64 / 1000.0
        );
        match item.status {
            ItemStatus::Passed => {
                let _ = writeln!(s, "/>");
            }
            ItemStatus::Failed => {
                let reason = item.reason.as_deref().unwrap_or("failed");
                let evidence = serde_json::to_string_pretty(&item.evidence).unwrap_or_default();
                let _ = writeln!(s, ">");
                let _ = writeln!(
                    s,
                    r#"      <failure message="{}" type="{}">{}</failure>"#,
                    escape(reason),
                    item.probe.map_or("check", |p| p.name()),
                    escape(&evidence)
                );
                let _ = writeln!(s, "    </testcase>");
            }
            other => {
                let why = match other {
                    ItemStatus::NotVerified | ItemStatus::Skipped => {
                        item.reason.clone().unwrap_or_default()
                    }
                    _ => format!("{}: {}", item.class, other.as_str()),
                };
                let _ = writeln!(s, ">");
                let _ = writeln!(s, r#"      <skipped message="{}"/>"#, escape(&why));
                let _ = writeln!(s, "    </testcase>");
            }
        }
    }
    let _ = writeln!(s, "  </testsuite>");
    let _ = writeln!(s, "</testsuites>");
    out.write_all(s.as_bytes())
}
