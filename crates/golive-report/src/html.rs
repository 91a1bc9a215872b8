//! `--format html`: the report to hand over. One self-contained file — no
//! script, font, image or stylesheet fetched — that reads on screen and
//! prints on paper, as teams print their checklist: the decision and its
//! reasons first, then readiness over past runs, sections with counts,
//! every item with its status, evidence and who marked it, latency
//! histograms of load checks, and the sign-offs with names and dates.
//!
//! The charts are inline SVG written here by hand: a charting library would
//! bring JavaScript (which a printed or archived report cannot run) for two
//! simple shapes.

use std::fmt::Write as _;
use std::io::{self, Write};

use golive_core::{Evidence, ItemReport, ItemStatus, Outcome, RunReport, Value, format_duration};

use crate::junit::escape;

/// One past run on the readiness chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub run: i64,
    pub started_at: String,
    /// Complete items out of those that apply, 0.0 to 1.0.
    pub readiness: f64,
    /// The run's decision (`GO`, `GO WITH WAIVERS`, `NO-GO`).
    pub outcome: String,
}

const CSS: &str = r#"
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--muted:#57606a;--line:#d0d7de}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1f2328}
h1{font-size:1.4rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:1.6rem 0 .4rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
.meta{color:var(--muted)}.decision{border-radius:6px;padding:.8rem 1rem;margin:1rem 0;border:2px solid}
.decision.go{border-color:var(--ok)}.decision.nogo{border-color:var(--bad)}.decision.waivers{border-color:var(--warn)}
.decision strong{font-size:1.3rem}.decision ul{margin:.4rem 0 0;padding-left:1.2rem}.decision .counts{color:var(--muted);margin:.3rem 0 0}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid var(--line);padding:.3rem .4rem;text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted)}.bar{background:#eaeef2;border-radius:3px;height:.6rem;width:8rem;display:inline-block;vertical-align:middle}
.bar span{display:block;height:100%;border-radius:3px;background:var(--ok)}
.s{font-weight:600;white-space:nowrap}.s.passed,.s.done,.s.signed{color:var(--ok)}.s.failed,.s.blocked,.s.unsigned{color:var(--bad)}
.s.skipped,.s.not_verified,.s.waived,.s.stale{color:var(--warn)}.s.open,.s.na,.s.in_progress{color:var(--muted)}
.why{color:var(--muted);font-size:.9em}.mark{font-size:.9em}.mark.expired{color:var(--warn)}
details pre{white-space:pre-wrap;word-break:break-all;font-size:.8em;background:#f6f8fa;padding:.5rem;margin:.3rem 0}
.sec td{background:#f6f8fa;font-weight:600}svg{max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#57606a}
figure{margin:.4rem 0}figcaption{color:var(--muted);font-size:.85em}
@media print{body{margin:0;max-width:none;font-size:11px}details{display:none}.decision,figure,tr{break-inside:avoid}
.sec td,.bar,.bar span{-webkit-print-color-adjust:exact;print-color-adjust:exact}h2{break-after:avoid}}
"#;

/// The report alone, without past runs.
pub fn render(report: &RunReport, out: &mut dyn Write) -> io::Result<()> {
    render_with(report, &[], out)
}

/// The report with the readiness of past runs (oldest first) charted.
pub fn render_with(report: &RunReport, history: &[Point], out: &mut dyn Write) -> io::Result<()> {
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
    decision(&mut h, report);
    if !d.warnings.is_empty() {
        let _ = writeln!(h, "<h2>Warnings</h2><ul>");
        for w in &d.warnings {
            let _ = writeln!(h, "<li>{}</li>", escape(w));
        }
        let _ = writeln!(h, "</ul>");
    }
    if !history.is_empty() {
        let _ = writeln!(h, "<h2>Readiness over past runs</h2>");
        readiness_chart(&mut h, history);
    }
    sections(&mut h, report);
    items(&mut h, report);
    signoffs(&mut h, report);
    let _ = writeln!(
        h,
        "<p class=\"meta\">golive {} · results digest <code>{}</code></p></body></html>",
        escape(&report.golive),
        escape(&report.digest)
    );
    out.write_all(h.as_bytes())
}

fn decision(h: &mut String, report: &RunReport) {
    let d = &report.decision;
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
    let _ = writeln!(
        h,
        "<p class=\"counts\">{}</p>",
        crate::human::counts(&report.summary)
    );
    if !d.reasons.is_empty() {
        let _ = writeln!(h, "<ul id=\"reasons\">");
        for r in &d.reasons {
            let _ = writeln!(h, "<li>{}</li>", escape(&r.message));
        }
        let _ = writeln!(h, "</ul>");
    }
    if !d.waived.is_empty() {
        let _ = writeln!(h, "<p>Waived:</p><ul id=\"waived\">");
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
}

fn sections(h: &mut String, report: &RunReport) {
    if report.sections.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<h2>Sections</h2><table id=\"sections\"><tr><th>Section</th><th>Complete</th><th></th></tr>"
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

fn status_word(status: ItemStatus) -> &'static str {
    match status {
        ItemStatus::NotVerified => "not verified",
        ItemStatus::NotApplicable => "n/a",
        ItemStatus::InProgress => "in progress",
        other => other.as_str(),
    }
}

fn items(h: &mut String, report: &RunReport) {
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
        let mut word = status_word(status).to_string();
        if item.waiver.is_some() {
            word.push_str("<br><span class=\"s waived\">waived</span>");
        }
        let pad = "&nbsp;&nbsp;&nbsp;".repeat(item.depth as usize);
        let _ = writeln!(
            h,
            "<tr data-id=\"{}\" data-status=\"{}\"><td class=\"s {}\">{word}</td><td>{pad}{}<div class=\"why\">{} · {}{}</div></td><td>{}</td></tr>",
            escape(&item.id),
            status.as_str(),
            status.as_str(),
            escape(&item.title),
            item.priority.as_str(),
            item.class,
            item.probe.map(|p| format!(" · {p}")).unwrap_or_default(),
            evidence_cell(item),
        );
    }
    let _ = writeln!(h, "</table>");
}

fn evidence_cell(item: &ItemReport) -> String {
    let mut ev = String::new();
    // A counting mark wrote the item's reason; its own line below says it.
    let marked = item.mark.as_ref().is_some_and(|m| m.counts);
    if marked {
    } else if let Some(r) = &item.reason {
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
    if let Some(m) = &item.mark {
        let mk = &m.mark;
        let mut line = format!(
            "marked {} by {} on {}",
            mk.state.as_str().replace('_', " "),
            mk.by,
            mk.at.get(..10).unwrap_or(&mk.at)
        );
        if let Some(until) = &mk.valid_until {
            let until = until.get(..10).unwrap_or(until);
            line.push_str(&if m.expired {
                format!(", stale since {until}")
            } else {
                format!(", valid until {until}")
            });
        }
        if !m.counts {
            line.push_str(" (the check's verdict stands)");
        }
        if let Some(note) = &mk.note {
            line.push_str(&format!(": {note}"));
        }
        let class = if m.expired { "mark expired" } else { "mark" };
        let _ = write!(ev, "<div class=\"{class}\">{}</div>", escape(&line));
    }
    if let Some(w) = &item.waiver {
        let until = w
            .until
            .as_deref()
            .map(|u| format!(", until {u}"))
            .unwrap_or_default();
        let _ = write!(
            ev,
            "<div class=\"mark\">waived by {}{}: {}</div>",
            escape(&w.by),
            escape(&until),
            escape(&w.reason)
        );
    }
    let mut charted = false;
    for evidence in std::iter::once(&item.evidence).chain(item.checks.iter().map(|c| &c.evidence)) {
        if charted {
            break;
        }
        if let Some(buckets) = histogram(evidence) {
            histogram_chart(&mut ev, &item.title, &buckets);
            charted = true;
        }
    }
    if !item.evidence.is_empty() {
        let json = serde_json::to_string_pretty(&item.evidence).unwrap_or_default();
        let _ = write!(
            ev,
            "<details><summary>evidence</summary><pre>{}</pre></details>",
            escape(&json)
        );
    }
    ev
}

fn signoffs(h: &mut String, report: &RunReport) {
    if report.signoffs.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<h2>Sign-offs</h2><table id=\"signoffs\"><tr><th>Role</th><th>Status</th><th>Name</th><th>Date</th><th>Run</th></tr>"
    );
    for s in &report.signoffs {
        let (class, word) = if s.signed {
            ("signed", "signed")
        } else if s.stale {
            ("stale", "stale: results changed since")
        } else {
            ("unsigned", "not signed")
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"s {class}\">{word}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&s.role),
            escape(s.by.as_deref().unwrap_or("")),
            escape(s.date.as_deref().unwrap_or("")),
            s.run.map(|r| r.to_string()).unwrap_or_default()
        );
    }
    let _ = writeln!(h, "</table>");
}

/// The `histogram` evidence field of latency and load checks: buckets of
/// `{ upper_ms, count }` in ascending order. Anything else is no histogram.
fn histogram(evidence: &Evidence) -> Option<Vec<(f64, u64)>> {
    let Some(Value::List(list)) = evidence.get("histogram") else {
        return None;
    };
    let mut buckets = Vec::with_capacity(list.len());
    for b in list {
        let Value::Map(m) = b else { return None };
        let upper = m.get("upper_ms")?.as_f64()?;
        let count = m.get("count")?.as_f64()?;
        if !upper.is_finite() || !(0.0..=9e15).contains(&count) {
            return None;
        }
        buckets.push((upper, count as u64));
    }
    (!buckets.is_empty()).then_some(buckets)
}

fn fmt_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{}s", trim(ms / 1000.0))
    } else {
        format!("{}ms", trim(ms))
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn histogram_chart(h: &mut String, title: &str, buckets: &[(f64, u64)]) {
    const W: f64 = 360.0;
    const H: f64 = 130.0;
    const LEFT: f64 = 36.0;
    const BOTTOM: f64 = 22.0;
    const TOP: f64 = 8.0;
    let max = buckets.iter().map(|b| b.1).max().unwrap_or(0).max(1) as f64;
    let total: u64 = buckets.iter().map(|b| b.1).sum();
    let plot_w = W - LEFT - 4.0;
    let plot_h = H - BOTTOM - TOP;
    let bar = plot_w / buckets.len() as f64;
    let _ = write!(
        h,
        "<figure class=\"histogram\"><svg viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"latency histogram of {}\">",
        escape(title)
    );
    let _ = write!(
        h,
        "<line x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#d0d7de\"/>",
        TOP + plot_h,
        W - 4.0,
        TOP + plot_h
    );
    let _ = write!(
        h,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">0</text>",
        LEFT - 4.0,
        TOP + 9.0,
        max as u64,
        LEFT - 4.0,
        TOP + plot_h
    );
    let mut lower = 0.0;
    for (k, &(upper, count)) in buckets.iter().enumerate() {
        let bh = (count as f64 / max) * plot_h;
        let x = LEFT + k as f64 * bar;
        let _ = write!(
            h,
            "<rect class=\"bucket\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#0969da\"><title>{}–{}: {count}</title></rect>",
            x + 1.0,
            TOP + plot_h - bh,
            (bar - 2.0).max(1.0),
            bh,
            fmt_ms(lower),
            fmt_ms(upper)
        );
        // Label a few buckets so the labels never collide.
        let every = buckets.len().div_ceil(6).max(1);
        if k % every == 0 || k + 1 == buckets.len() {
            let _ = write!(
                h,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x + bar / 2.0,
                H - 6.0,
                fmt_ms(upper)
            );
        }
        lower = upper;
    }
    let _ = write!(
        h,
        "</svg><figcaption>latency of {total} requests (bars: requests up to each bound)</figcaption></figure>"
    );
}

fn readiness_chart(h: &mut String, points: &[Point]) {
    const W: f64 = 720.0;
    const H: f64 = 170.0;
    const LEFT: f64 = 40.0;
    const RIGHT: f64 = 12.0;
    const TOP: f64 = 10.0;
    const BOTTOM: f64 = 26.0;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let n = points.len();
    let x = |k: usize| {
        if n == 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * k as f64 / (n - 1) as f64
        }
    };
    let y = |r: f64| TOP + plot_h * (1.0 - r.clamp(0.0, 1.0));
    let _ = write!(
        h,
        "<figure id=\"readiness\"><svg viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"readiness over the last {n} runs\">"
    );
    for pct in [0u32, 50, 100] {
        let yy = y(f64::from(pct) / 100.0);
        let _ = write!(
            h,
            "<line x1=\"{LEFT}\" y1=\"{yy:.1}\" x2=\"{}\" y2=\"{yy:.1}\" stroke=\"#d0d7de\" stroke-dasharray=\"3 3\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{pct}%</text>",
            W - RIGHT,
            LEFT - 6.0,
            yy + 4.0
        );
    }
    let path: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(k, p)| format!("{:.1},{:.1}", x(k), y(p.readiness)))
        .collect();
    let _ = write!(
        h,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\"/>",
        path.join(" ")
    );
    for (k, p) in points.iter().enumerate() {
        let color = match p.outcome.as_str() {
            "GO" => "#1a7f37",
            "NO-GO" => "#cf222e",
            _ => "#9a6700",
        };
        let _ = write!(
            h,
            "<circle class=\"run\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{color}\"><title>run {} · {} · {}% ready · {}</title></circle>",
            x(k),
            y(p.readiness),
            p.run,
            escape(&p.started_at),
            (p.readiness * 100.0).round(),
            escape(&p.outcome)
        );
    }
    if let (Some(first), Some(last)) = (points.first(), points.last()) {
        let date = |p: &Point| escape(p.started_at.get(..10).unwrap_or(&p.started_at));
        let _ = write!(
            h,
            "<text x=\"{LEFT}\" y=\"{}\" text-anchor=\"start\">run {} · {}</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">run {} · {}</text>",
            H - 6.0,
            first.run,
            date(first),
            W - RIGHT,
            H - 6.0,
            last.run,
            date(last)
        );
    }
    let latest = points.last().map_or(0.0, |p| p.readiness * 100.0);
    let _ = write!(
        h,
        "</svg><figcaption>complete items out of those that apply, run by run (dots: green GO, amber GO WITH WAIVERS, red NO-GO); now {latest:.0}%</figcaption></figure>"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buckets(pairs: &[(f64, i64)]) -> Evidence {
        let list = pairs
            .iter()
            .map(|&(u, c)| {
                let mut m = Evidence::new();
                m.insert("upper_ms".into(), Value::Float(u));
                m.insert("count".into(), Value::Int(c));
                Value::Map(m)
            })
            .collect();
        let mut e = Evidence::new();
        e.insert("histogram".into(), Value::List(list));
        e
    }

    #[test]
    fn histograms_are_read_from_evidence() {
        let e = buckets(&[(10.0, 3), (25.0, 40), (100.0, 2)]);
        assert_eq!(histogram(&e), Some(vec![(10.0, 3), (25.0, 40), (100.0, 2)]));
        assert_eq!(histogram(&Evidence::new()), None);
        let mut bad = Evidence::new();
        bad.insert("histogram".into(), Value::from("not a list"));
        assert_eq!(histogram(&bad), None);
    }

    #[test]
    fn a_histogram_chart_has_one_bar_per_bucket() {
        let e = buckets(&[(10.0, 3), (25.0, 40), (100.0, 2), (2500.0, 1)]);
        let mut h = String::new();
        histogram_chart(&mut h, "p95 < 200ms", &histogram(&e).unwrap());
        assert_eq!(h.matches("<rect class=\"bucket\"").count(), 4);
        assert!(h.contains("<title>25ms–100ms: 2</title>"), "{h}");
        assert!(h.contains(">2.5s</text>"), "{h}");
        assert!(h.contains("latency of 46 requests"));
    }

    #[test]
    fn the_readiness_chart_plots_every_run() {
        let points: Vec<Point> = (1..=3)
            .map(|k| Point {
                run: k,
                started_at: format!("2026-01-0{k}T10:00:00Z"),
                readiness: k as f64 / 4.0,
                outcome: if k == 3 { "GO".into() } else { "NO-GO".into() },
            })
            .collect();
        let mut h = String::new();
        readiness_chart(&mut h, &points);
        assert_eq!(h.matches("<circle class=\"run\"").count(), 3);
        assert!(
            h.contains("run 3 · 2026-01-03T10:00:00Z · 75% ready · GO"),
            "{h}"
        );
        assert!(!h.contains("http"), "nothing to fetch");
    }
}
