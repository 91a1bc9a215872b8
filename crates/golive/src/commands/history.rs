//! `golive history`: the stored runs, newest first, with their time,
//! decision and counts.

use std::io::Write;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use golive_store::RunSummary;

use crate::cli::{ColorWhen, HistoryArgs, PlanFormat};
use crate::commands::store::{self, failure};
use crate::failure::Failure;
use crate::output;

pub async fn command(args: &HistoryArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    let store = store::open_for(&args.people, false).await?;
    let runs = store
        .history((!args.all).then_some(args.limit))
        .await
        .map_err(failure)?;
    output::emit(None, color, |out| match args.format {
        PlanFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &runs).map_err(std::io::Error::other)?;
            writeln!(out)
        }
        PlanFormat::Human => human(&runs, out),
    })?;
    Ok(ExitCode::SUCCESS)
}

fn human(runs: &[RunSummary], out: &mut dyn Write) -> std::io::Result<()> {
    if runs.is_empty() {
        return writeln!(
            out,
            "no runs stored yet: `golive run CHECKLIST.md` stores one"
        );
    }
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    writeln!(
        out,
        "{bold}{:>5}  {:<20}  {:<15}  {:>5}  {:>6} {:>6} {:>6} {:>6}  {:>5}{bold:#}",
        "run", "started", "decision", "items", "passed", "failed", "done", "open", "ready"
    )?;
    for r in runs {
        let st = match r.outcome.as_str() {
            "GO" => Style::new().fg_color(Some(AnsiColor::Green.into())),
            "NO-GO" => Style::new().fg_color(Some(AnsiColor::Red.into())),
            _ => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        };
        let c = &r.counts;
        let partial = if r.partial { " (--only)" } else { "" };
        writeln!(
            out,
            "{:>5}  {:<20}  {st}{:<15}{st:#}  {:>5}  {:>6} {:>6} {:>6} {:>6}  {:>4.0}%{dim}{partial}{dim:#}",
            r.id,
            r.started_at,
            r.outcome,
            c.items,
            c.passed,
            c.failed,
            c.done,
            c.open + c.in_progress + c.blocked + c.not_verified + c.skipped,
            c.readiness() * 100.0
        )?;
    }
    Ok(())
}
