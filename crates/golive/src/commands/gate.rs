//! `golive gate`: the decision for the latest stored run, taken again now
//! with the people's marks, waivers and sign-offs; the exit status is the
//! decision's, for CI.

use std::io::Write;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use golive_core::decision::Decision;
use golive_core::{SignoffReport, Summary};
use serde::Serialize;

use crate::cli::{ColorWhen, GateArgs, GateFormat};
use crate::commands::run::exit_for;
use crate::commands::store;
use crate::failure::Failure;
use crate::output;

#[derive(Serialize)]
struct GateJson<'a> {
    run: i64,
    started_at: &'a str,
    source: &'a str,
    digest: &'a str,
    decision: &'a Decision,
    summary: &'a Summary,
    signoffs: &'a [SignoffReport],
}

pub async fn command(args: &GateArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    let store = store::open_for(&args.people, false).await?;
    let run = store::latest(&*store).await?;
    let report = &run.report;
    match args.format {
        GateFormat::Json => output::emit(args.output.as_deref(), color, |out| {
            let json = GateJson {
                run: run.id,
                started_at: &report.started_at,
                source: &report.source,
                digest: &report.digest,
                decision: &report.decision,
                summary: &report.summary,
                signoffs: &report.signoffs,
            };
            serde_json::to_writer_pretty(&mut *out, &json).map_err(std::io::Error::other)?;
            writeln!(out)
        })?,
        GateFormat::Html => {
            let history = store::readiness(&*store).await?;
            output::emit(args.output.as_deref(), color, |out| {
                golive_report::html::render_with(report, &history, out)
            })?;
        }
        GateFormat::Human => output::emit(args.output.as_deref(), color, |out| {
            human(run.id, report, out)
        })?,
    }
    Ok(exit_for(report))
}

fn human(id: i64, r: &golive_core::RunReport, out: &mut dyn Write) -> std::io::Result<()> {
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
    let yellow = Style::new().fg_color(Some(AnsiColor::Yellow.into()));
    writeln!(
        out,
        "{bold}golive gate{bold:#} {dim}· run {id} of {} at {} · {} items{dim:#}",
        r.source, r.started_at, r.summary.items
    )?;
    writeln!(
        out,
        "{bold}Items{bold:#}      {}",
        golive_report::human::counts(&r.summary)
    )?;
    let marked = r
        .items
        .iter()
        .filter(|i| i.mark.as_ref().is_some_and(|m| m.counts && !m.expired))
        .count();
    let stale = r
        .items
        .iter()
        .filter(|i| i.mark.as_ref().is_some_and(|m| m.expired))
        .count();
    if marked + stale > 0 {
        let stale = if stale > 0 {
            format!(" · {stale} stale (open again)")
        } else {
            String::new()
        };
        writeln!(out, "{bold}Marks{bold:#}      {marked} counting{stale}")?;
    }
    if !r.signoffs.is_empty() {
        writeln!(out, "{bold}Sign-offs{bold:#}")?;
        for so in &r.signoffs {
            let who = so.by.as_deref().unwrap_or("");
            let date = so
                .date
                .as_deref()
                .map(|d| format!(", {d}"))
                .unwrap_or_default();
            if so.signed {
                writeln!(
                    out,
                    "  {green}✓{green:#} {} {dim}({who}{date}){dim:#}",
                    so.role
                )?;
            } else if so.stale {
                let run = so.run.map(|n| format!(" run {n}")).unwrap_or_default();
                writeln!(
                    out,
                    "  {yellow}✗{yellow:#} {} {dim}(stale: {who} signed{run}, whose results differ){dim:#}",
                    so.role
                )?;
            } else {
                writeln!(out, "  {red}✗{red:#} {} {dim}(unsigned){dim:#}", so.role)?;
            }
        }
    }
    golive_report::human::verdict(&r.decision, out)
}
