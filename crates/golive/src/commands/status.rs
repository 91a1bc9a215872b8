//! `golive status`: progress per section, as the checklist counts it.

use std::io::Write;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::cli::{ColorWhen, PlanFormat, StatusArgs};
use crate::failure::Failure;
use crate::{input, output};

#[derive(Serialize)]
struct SectionJson<'a> {
    title: &'a str,
    path: Vec<&'a str>,
    line: u32,
    done: u32,
    total: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    declared: Option<String>,
}

#[derive(Serialize)]
struct ItemRef<'a> {
    id: &'a str,
    line: u32,
    text: &'a str,
}

#[derive(Serialize)]
struct StatusJson<'a> {
    source: String,
    done: u32,
    total: u32,
    sections: Vec<SectionJson<'a>>,
    in_progress: Vec<ItemRef<'a>>,
    blocked: Vec<ItemRef<'a>>,
    signoffs: Vec<(&'a str, bool)>,
}

pub fn command(args: &StatusArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    let checklist = input::checklist(&args.checklist)?;
    let progress = checklist.progress();
    let item_ref = |&i: &usize| ItemRef {
        id: &checklist.items[i].id,
        line: checklist.items[i].line,
        text: &checklist.items[i].plain,
    };
    let status = StatusJson {
        source: args.checklist.display().to_string(),
        done: progress.done,
        total: progress.total,
        sections: progress
            .sections
            .iter()
            .filter(|s| s.total_all > 0)
            .map(|s| SectionJson {
                title: &s.title,
                path: checklist.path_of(Some(s.section)),
                line: s.line,
                done: s.done_all,
                total: s.total_all,
                declared: s
                    .declared
                    .as_ref()
                    .map(|d| format!("{}/{}", d.done, d.total)),
            })
            .collect(),
        in_progress: progress.in_progress.iter().map(item_ref).collect(),
        blocked: progress.blocked.iter().map(item_ref).collect(),
        signoffs: checklist
            .signoffs
            .iter()
            .map(|s| (s.role.as_str(), s.signed_in_document()))
            .collect(),
    };
    output::emit(None, color, |out| match args.format {
        PlanFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &status).map_err(std::io::Error::other)?;
            writeln!(out)
        }
        PlanFormat::Human => human(&status, out),
    })?;
    Ok(ExitCode::SUCCESS)
}

fn human(s: &StatusJson<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let pct = (s.done * 100).checked_div(s.total).unwrap_or(0);
    writeln!(
        out,
        "{bold}{}{bold:#}  {}/{} complete ({pct}%)",
        s.source, s.done, s.total
    )?;
    for sec in &s.sections {
        let indent = "  ".repeat(sec.path.len());
        let complete = sec.done == sec.total;
        let st = if complete {
            Style::new().fg_color(Some(AnsiColor::Green.into()))
        } else {
            Style::new()
        };
        let claim = match &sec.declared {
            Some(d) if *d != format!("{}/{}", sec.done, sec.total) => {
                format!("  {dim}(heading says {d}){dim:#}")
            }
            _ => String::new(),
        };
        writeln!(
            out,
            "{indent}{st}{} ({}/{} complete){st:#}{claim}",
            sec.title, sec.done, sec.total
        )?;
    }
    for (title, list) in [("In progress", &s.in_progress), ("Blocked", &s.blocked)] {
        if !list.is_empty() {
            writeln!(out, "\n{bold}{title}{bold:#}")?;
            for i in list {
                writeln!(out, "  {}  {dim}line {} · {}{dim:#}", i.text, i.line, i.id)?;
            }
        }
    }
    if !s.signoffs.is_empty() {
        let list: Vec<String> = s
            .signoffs
            .iter()
            .map(|(r, signed)| format!("{r} ({})", if *signed { "signed" } else { "unsigned" }))
            .collect();
        writeln!(out, "\n{bold}Sign-offs{bold:#}  {}", list.join(", "))?;
    }
    Ok(())
}
