//! `golive diff [RUN] [RUN]`: the items whose status changed between two
//! stored runs (by default the latest run and the one before it), both
//! settled with today's marks and waivers so that only what the runs found
//! differs. The newer run is named first; regressions are listed first.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::cli::{ColorWhen, DiffArgs, PlanFormat};
use crate::commands::store::{self, Settled, failure};
use crate::failure::Failure;
use crate::output;

#[derive(Serialize)]
struct RunRef<'a> {
    id: i64,
    started_at: &'a str,
    outcome: &'static str,
}

#[derive(Serialize)]
struct Change<'a> {
    id: &'a str,
    title: &'a str,
    section: &'a [String],
    /// The status in the earlier run (null: the item was not in it).
    from: Option<&'static str>,
    to: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    /// The change holds go-live back (an item got worse).
    regression: bool,
}

#[derive(Serialize)]
struct DiffJson<'a> {
    newer: RunRef<'a>,
    older: RunRef<'a>,
    changes: Vec<Change<'a>>,
}

async fn load(store: &dyn golive_store::Store, id: i64) -> Result<Settled, Failure> {
    let run = store.run(id).await.map_err(failure)?.ok_or_else(|| {
        Failure::input(format!(
            "there is no run {id} (`golive history` lists them)"
        ))
    })?;
    store::settle(store, run).await
}

pub async fn command(args: &DiffArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    let store = store::open_for(&args.people, false).await?;
    let newer = match args.to {
        Some(id) => load(&*store, id).await?,
        None => store::latest(&*store).await?,
    };
    let older = match args.from {
        Some(id) => load(&*store, id).await?,
        None => {
            let run = store
                .run_before(newer.id)
                .await
                .map_err(failure)?
                .ok_or_else(|| {
                    Failure::input(format!(
                        "run {} is the first: there is nothing to compare it with",
                        newer.id
                    ))
                })?;
            store::settle(&*store, run).await?
        }
    };
    let (newer, older) = if older.id > newer.id {
        (older, newer)
    } else {
        (newer, older)
    };
    let before: HashMap<&str, &golive_core::ItemReport> = older
        .report
        .items
        .iter()
        .map(|i| (i.id.as_str(), i))
        .collect();
    let after: HashMap<&str, ()> = newer
        .report
        .items
        .iter()
        .map(|i| (i.id.as_str(), ()))
        .collect();
    let mut changes: Vec<Change<'_>> = Vec::new();
    for i in &newer.report.items {
        let from = before.get(i.id.as_str()).map(|o| o.status);
        if from == Some(i.status) {
            continue;
        }
        changes.push(Change {
            id: &i.id,
            title: &i.title,
            section: &i.section,
            from: from.map(|s| s.as_str()),
            to: Some(i.status.as_str()),
            reason: i.reason.as_deref(),
            regression: rank(Some(i.status)) < rank(from),
        });
    }
    for o in &older.report.items {
        if !after.contains_key(o.id.as_str()) {
            changes.push(Change {
                id: &o.id,
                title: &o.title,
                section: &o.section,
                from: Some(o.status.as_str()),
                to: None,
                reason: None,
                regression: false,
            });
        }
    }
    // Regressions first, each group in checklist order (a stable sort).
    changes.sort_by_key(|c| !c.regression);
    let json = DiffJson {
        newer: RunRef {
            id: newer.id,
            started_at: &newer.report.started_at,
            outcome: newer.report.decision.outcome.as_str(),
        },
        older: RunRef {
            id: older.id,
            started_at: &older.report.started_at,
            outcome: older.report.decision.outcome.as_str(),
        },
        changes,
    };
    output::emit(None, color, |out| match args.format {
        PlanFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &json).map_err(std::io::Error::other)?;
            writeln!(out)
        }
        PlanFormat::Human => human(&json, out),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// How good a status is for go-live, to tell a regression from progress.
fn rank(s: Option<golive_core::ItemStatus>) -> u8 {
    use golive_core::ItemStatus as S;
    match s {
        None => 1,
        Some(S::Failed | S::Blocked) => 0,
        Some(S::Open | S::InProgress | S::Skipped | S::NotVerified) => 1,
        Some(S::Passed | S::Done | S::NotApplicable) => 2,
    }
}

fn human(d: &DiffJson<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
    writeln!(
        out,
        "{bold}run {}{bold:#} {dim}({}, {}){dim:#} against {bold}run {}{bold:#} {dim}({}, {}){dim:#}",
        d.newer.id,
        d.newer.started_at,
        d.newer.outcome,
        d.older.id,
        d.older.started_at,
        d.older.outcome
    )?;
    if d.changes.is_empty() {
        return writeln!(out, "no item changed status");
    }
    for c in &d.changes {
        let (mark, st) = if c.regression {
            ("✗", red)
        } else {
            ("✓", green)
        };
        writeln!(
            out,
            "  {st}{mark}{st:#} {:<12} → {:<12} {}  {dim}{}{dim:#}",
            c.from.unwrap_or("(new)"),
            c.to.unwrap_or("(removed)"),
            c.title,
            c.id
        )?;
    }
    Ok(())
}
