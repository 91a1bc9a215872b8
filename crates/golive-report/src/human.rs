//! The terminal report: sections with counts as the seeds write them, one
//! line per item with its verdict and short evidence, the decision last.
//! Styles are ANSI; the CLI's writer strips them when the output is not a
//! terminal or NO_COLOR is set.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use golive_core::{Class, ItemReport, ItemStatus, Outcome, RunReport, format_duration};

const TITLE_WIDTH: usize = 58;

fn style(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(color.into()))
}

fn label(status: ItemStatus) -> (&'static str, &'static str, Style) {
    match status {
        ItemStatus::Passed => ("✓", "pass", style(AnsiColor::Green)),
        ItemStatus::Failed => ("✗", "FAIL", style(AnsiColor::Red).bold()),
        ItemStatus::Skipped => ("↷", "skipped", style(AnsiColor::Yellow)),
        ItemStatus::NotVerified => ("?", "unverified", style(AnsiColor::Yellow)),
        ItemStatus::Done => ("✓", "done", style(AnsiColor::Green).dimmed()),
        ItemStatus::Open => ("○", "open", Style::new().dimmed()),
        ItemStatus::InProgress => ("◐", "doing", style(AnsiColor::Cyan)),
        ItemStatus::Blocked => ("!", "blocked", style(AnsiColor::Red)),
        ItemStatus::NotApplicable => ("-", "n/a", Style::new().dimmed()),
    }
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        format!("{s:<width$}")
    } else {
        let head: String = s.chars().take(width - 1).collect();
        format!("{head}…")
    }
}

fn detail(item: &ItemReport) -> String {
    let summary = item
        .checks
        .iter()
        .map(|c| c.summary.as_str())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let mut d = match item.status {
        ItemStatus::Failed | ItemStatus::Skipped | ItemStatus::NotVerified => {
            item.reason.clone().unwrap_or_default()
        }
        ItemStatus::Passed => summary,
        _ => match (item.class, &item.reason) {
            (_, Some(r)) => r.clone(),
            (Class::Cloud, None) => "cloud: needs a command in golive.toml".into(),
            (Class::Manual, None) => "manual".into(),
            (_, None) => summary,
        },
    };
    if let Some(w) = &item.waiver {
        d = format!("waived by {}: {} ({d})", w.by, w.reason);
    }
    d
}

/// The item counts as one line: `9 passed · 2 failed · 20 done · 77 open`.
pub fn counts(s: &golive_core::Summary) -> String {
    let mut parts = Vec::new();
    for (n, what) in [
        (s.passed, "passed"),
        (s.failed, "failed"),
        (s.skipped, "skipped"),
        (s.not_verified, "not verified"),
        (s.done, "done"),
        (s.in_progress, "in progress"),
        (s.blocked, "blocked"),
        (s.open, "open"),
        (s.na, "n/a"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    parts.join(" · ")
}

pub fn render(report: &RunReport, out: &mut dyn Write) -> io::Result<()> {
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    writeln!(
        out,
        "{bold}golive{bold:#} {dim}·{dim:#} {} {dim}· {} items, {} checks, {}{dim:#}",
        report.source,
        report.summary.items,
        report.summary.checks,
        format_duration(report.duration)
    )?;
    let mut last_section: Option<&[String]> = None;
    for item in &report.items {
        if last_section != Some(item.section.as_slice()) {
            last_section = Some(item.section.as_slice());
            let counts = report
                .sections
                .iter()
                .find(|s| s.path == item.section)
                .map(|s| format!(" ({}/{} complete)", s.done, s.total))
                .unwrap_or_default();
            let title = if item.section.is_empty() {
                "Checks".to_string()
            } else {
                item.section.join(" › ")
            };
            writeln!(out)?;
            writeln!(out, "{bold}{title}{bold:#}{dim}{counts}{dim:#}")?;
        }
        let (mark, word, st) = label(item.status);
        let indent = "  ".repeat(item.depth as usize);
        let width = TITLE_WIDTH.saturating_sub(indent.len()).max(20);
        let title = cut(&item.title, width);
        let d = detail(item);
        writeln!(
            out,
            "  {st}{mark} {word:<10}{st:#} {indent}{title}  {dim}{d}{dim:#}"
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{bold}Items{bold:#}      {}", counts(&report.summary))?;
    if !report.signoffs.is_empty() {
        let list: Vec<String> = report
            .signoffs
            .iter()
            .map(|s| {
                let (mark, st) = if s.signed {
                    ("✓", style(AnsiColor::Green))
                } else {
                    ("✗", style(AnsiColor::Red))
                };
                let by = match (s.by.as_deref(), s.stale) {
                    (Some(b), true) => format!(" (stale: {b} signed other results)"),
                    (Some(b), false) => format!(" ({b})"),
                    (None, _) => String::new(),
                };
                format!("{st}{mark}{st:#} {}{by}", s.role)
            })
            .collect();
        writeln!(out, "{bold}Sign-offs{bold:#}  {}", list.join("  "))?;
    }
    for note in &report.notes {
        writeln!(out, "{dim}note: {note}{dim:#}")?;
    }
    if report.partial {
        writeln!(
            out,
            "{dim}partial run (--only): the decision covers the selected items; sign-offs are not considered{dim:#}"
        )?;
    }
    verdict(&report.decision, out)
}

/// The end of a report: warnings, waivers (who granted them, why, until
/// when), then the outcome and every reason it is not GO.
pub fn verdict(d: &golive_core::Decision, out: &mut dyn Write) -> io::Result<()> {
    let bold = Style::new().bold();
    if !d.warnings.is_empty() {
        writeln!(out)?;
        writeln!(out, "{bold}Warnings{bold:#}")?;
        let y = style(AnsiColor::Yellow);
        for w in &d.warnings {
            writeln!(out, "  {y}!{y:#} {w}")?;
        }
    }
    if !d.waived.is_empty() {
        writeln!(out)?;
        writeln!(out, "{bold}Waived{bold:#}")?;
        for w in &d.waived {
            let until = w
                .until
                .as_deref()
                .map(|u| format!(", until {u}"))
                .unwrap_or_default();
            writeln!(out, "  ~ {}: {} (by {}{until})", w.text, w.reason, w.by)?;
        }
    }
    writeln!(out)?;
    let st = match d.outcome {
        Outcome::Go => style(AnsiColor::Green).bold(),
        Outcome::GoWithWaivers => style(AnsiColor::Yellow).bold(),
        Outcome::NoGo => style(AnsiColor::Red).bold(),
    };
    writeln!(out, "{st}{}{st:#}", d.outcome)?;
    let r = style(AnsiColor::Red);
    for reason in &d.reasons {
        writeln!(out, "  {r}✗{r:#} {}", reason.message)?;
    }
    Ok(())
}
