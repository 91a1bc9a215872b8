//! `--format html`: one self-contained file (no scripts, fonts or images
//! fetched) that reads on screen and prints on paper: the decision and its
//! reasons first, then sections with progress, every item with its status
//! and evidence, and the sign-offs.

use std::fmt::Write as _;
use std::io::{self, Write};

use golive_core::{ItemStatus, Outcome, RunReport, format_duration};

use crate::junit::escape;

const CSS: &str = r#"
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--muted:#57606a;--line:#d0d7de}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:1.6rem 0 .4rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
.meta{color:var(--muted)}.decision{border-radius:6px;padding:.8rem 1rem;margin:1rem 0;border:2px solid}
.decision.go{border-color:var(--ok)}.decision.nogo{border-color:var(--bad)}.decision.waivers{border-color:var(--warn)}
.decision strong{font-size:1.3rem}.decision ul{margin:.4rem 0 0;padding-left:1.2rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid var(--line);padding:.3rem .4rem;text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted)}.bar{background:#eaeef2;border-radius:3px;height:.6rem;width:8rem;display:inline-block;vertical-align:middle}
.bar span{display:block;height:100%;border-radius:3px;background:var(--ok)}
.s{font-weight:600;white-space:nowrap}.s.passed,.s.done{color:var(--ok)}.s.failed,.s.blocked{color:var(--bad)}
.s.skipped,.s.not_verified{color:var(--warn)}.s.open,.s.na,.s.in_progress{color:var(--muted)}
.why{color:var(--muted);font-size:.9em}details pre{white-space:pre-wrap;word-break:break-all;font-size:.8em;background:#f6f8fa;padding:.5rem;margin:.3rem 0}
.sec td{background:#f6f8fa;font-weight:600}
@media print{body{margin:0;max-width:none}details{display:none}.decision{break-inside:avoid}tr{break-inside:avoid}}
"#;

pub fn render(report: &RunReport, out: &mut dyn Write) -> io::Result<()> {
    let mut h = String::new();
    let d = &report.decision;
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>golive: {} — {}</title><style>{CSS}</style></head><body>\n",
        d.outcome,
        escape(&report.source)
    );
    let _ = writeln!(h, "<h1>Go-live report</h1>");
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} · run at {} · {} items · {} checks in {}</p>",
        escape(&report.source),
        escape(&report.started_at),
        report.summary.items,
        report.summary.checks,
        format_duration(report.duration)
    );
    let class = match d.outcome {
        Outcome::Go => "go",
        Outcome::GoWithWaivers => "waivers",
        Outcome::NoGo => "nogo",
    };
    let _ = writeln!(
        h,
        "<section class=\"decision {class}\" id=\"decision\"><strong>{}</strong>",
        d.outcome
    );
    if !d.reasons.is_empty() {
        let _ = writeln!(h, "<ul>");
        for r in &d.reasons {
            let _ = writeln!(h, "<li>{}</li>", escape(&r.message));
        }
        let _ = writeln!(h, "</ul>");
    }
    if !d.waived.is_empty() {
        let _ = writeln!(h, "<p>Waived:</p><ul>");
        for w in &d.waived {
            let until = w
                .until
                .as_deref()
                .map(|u| format!(", until {u}"))
                .unwrap_or_default();
            let _ = writeln!(
                h,
                "<li>{}: {} (by {}{})</li>",
                escape(&w.text),
                escape(&w.reason),
                escape(&w.by),
                escape(&until)
            );
        }
        let _ = writeln!(h, "</ul>");
    }
    let _ = writeln!(h, "</section>");
    if !d.warnings.is_empty() {
        let _ = writeln!(h, "<h2>Warnings</h2><ul>");
        for w in &d.warnings {
            let _ = writeln!(h, "<li>{}</li>", escape(w));
        }
        let _ = writeln!(h, "</ul>");
    }
    if !report.sections.is_empty() {
        let _ = writeln!(
            h,
            "<h2>Sections</h2><table><tr><th>Section</th><th>Complete</th><th></th></tr>"
        );
        for s in &report.sections {
            let pct = (s.done * 100).checked_div(s.total).unwrap_or(0);
            let pad = "&nbsp;&nbsp;".repeat(s.path.len().saturating_sub(1));
            let _ = writeln!(
                h,
                "<tr><td>{pad}{}</td><td>{}/{}</td><td><span class=\"bar\"><span style=\"width:{pct}%\"></span></span></td></tr>",
                escape(&s.title),
                s.done,
                s.total
            );
        }
        let _ = writeln!(h, "</table>");
    }
    let _ = writeln!(
        h,
        "<h2>Items</h2><table id=\"items\"><tr><th>Status</th><th>Item</th><th>Evidence</th></tr>"
    );
    let mut last: Option<&[String]> = None;
    for item in &report.items {
        if last != Some(item.section.as_slice()) {
            last = Some(item.section.as_slice());
            let title = if item.section.is_empty() {
                "Checks".to_string()
            } else {
                item.section.join(" › ")
            };
            let _ = writeln!(
                h,
                "<tr class=\"sec\"><td colspan=\"3\">{}</td></tr>",
                escape(&title)
            );
        }
        let status = item.status;
        let word = match status {
            ItemStatus::NotVerified => "not verified",
            ItemStatus::NotApplicable => "n/a",
            ItemStatus::InProgress => "in progress",
            other => other.as_str(),
        };
        let pad = "&nbsp;&nbsp;&nbsp;".repeat(item.depth as usize);
        let mut ev = String::new();
        if let Some(r) = &item.reason {
            let _ = write!(ev, "{}", escape(r));
        } else {
            let summaries: Vec<&str> = item
                .checks
                .iter()
                .map(|c| c.summary.as_str())
                .filter(|s| !s.is_empty())
                .collect();
            let _ = write!(ev, "{}", escape(&summaries.join("; ")));
        }
        if let Some(w) = &item.waiver {
            let _ = write!(ev, "<br>waived by {}: {}", escape(&w.by), escape(&w.reason));
        }
        if !item.evidence.is_empty() {
            let json = serde_json::to_string_pretty(&item.evidence).unwrap_or_default();
            let _ = write!(
                ev,
                "<details><summary>evidence</summary><pre>{}</pre></details>",
                escape(&json)
            );
        }
        let _ = writeln!(
            h,
            "<tr data-id=\"{}\"><td class=\"s {}\">{}</td><td>{pad}{}<div class=\"why\">{} · {}{}</div></td><td>{ev}</td></tr>",
            escape(&item.id),
            status.as_str(),
            word,
            escape(&item.title),
            item.priority.as_str(),
            item.class,
            item.probe.map(|p| format!(" · {p}")).unwrap_or_default(),
        );
    }
    let _ = writeln!(h, "</table>");
    if !report.signoffs.is_empty() {
        let _ = writeln!(
            h,
            "<h2>Sign-offs</h2><table><tr><th>Role</th><th>Signed</th><th>By</th><th>Date</th></tr>"
        );
        for s in &report.signoffs {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&s.role),
                if s.signed { "yes" } else { "no" },
                escape(s.by.as_deref().unwrap_or("")),
                escape(s.date.as_deref().unwrap_or(""))
            );
        }
        let _ = writeln!(h, "</table>");
    }
    let _ = writeln!(
        h,
        "<p class=\"meta\">golive {}</p></body></html>",
        escape(&report.golive)
    );
    out.write_all(h.as_bytes())
}
