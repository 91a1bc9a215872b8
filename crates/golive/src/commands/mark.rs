//! `golive mark`: a person's record of an item — done, in progress, blocked,
//! not applicable, open again, or a waiver with its reason — kept in the
//! store (with its audit entry) and, with `--write-back`, in the checklist.

use std::path::PathBuf;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use golive_checklist::Status;
use golive_core::{Mark, MarkState};
use golive_run::Vars;
use golive_store::WaiverRecord;

use crate::cli::{ColorWhen, MarkArgs};
use crate::commands::plan::{find_item, find_named};
use crate::commands::store::{self, failure};
use crate::failure::Failure;
use crate::{input, output};

pub async fn command(args: &MarkArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    let by = args.by.trim();
    if by.is_empty() {
        return Err(Failure::input("--by: say who did it"));
    }
    let loaded = args
        .people
        .checklist
        .as_deref()
        .map(input::load)
        .transpose()?;
    let store = store::open_for(&args.people, loaded.is_some()).await?;
    let latest = store.latest_run().await.map_err(failure)?;

    // The item, from the checklist named or else the latest run's items.
    let (id, title) = match (&loaded, &latest) {
        (Some(l), _) => {
            let Some((_, c)) = &l.checklist else {
                return Err(Failure::input(format!(
                    "{}: this config has no `checklist` to find `{}` in",
                    l.source.display(),
                    args.item
                )));
            };
            let i = find_item(c, &args.item)?;
            (c.items[i].id.clone(), c.items[i].plain.clone())
        }
        (None, Some(run)) => {
            let names: Vec<(&str, &str, Option<u32>)> = run
                .report
                .items
                .iter()
                .map(|i| (i.id.as_str(), i.title.as_str(), i.line))
                .collect();
            let i = find_named(&names, &args.item)?;
            (
                run.report.items[i].id.clone(),
                run.report.items[i].title.clone(),
            )
        }
        (None, None) => {
            return Err(Failure::input(format!(
                "the store at {} holds no run to find `{}` in: name the checklist with --checklist",
                store.location(),
                args.item
            )));
        }
    };

    // Notes are people's text: the secrets of the env files given are
    // taken out before anything is stored.
    let mut vars = Vars::new(false);
    if let Some(config) = loaded
        .as_ref()
        .and_then(|l| l.config.as_ref().map(|c| (l, c)))
    {
        for file in &config.1.env_files {
            vars.load_env_file(&config.0.base.join(file))
                .map_err(|e| Failure::input(e.to_string()))?;
        }
    }
    for file in &args.env_files {
        vars.load_env_file(file)
            .map_err(|e| Failure::input(e.to_string()))?;
    }
    let redactor = vars.redactor();
    let clean = |s: &str| redactor.redact(s.trim()).into_owned();

    let now = golive_store::now();
    let (what, state) = if let Some(reason) = &args.waive {
        if reason.trim().is_empty() {
            return Err(Failure::input(
                "--waive: give the reason the failure is accepted",
            ));
        }
        if let Some(until) = &args.until {
            check_date(until)?;
        }
        store
            .add_waiver(&WaiverRecord {
                item: id.clone(),
                reason: clean(reason),
                by: clean(by),
                at: now.clone(),
                until: args.until.clone(),
            })
            .await
            .map_err(failure)?;
        let until = args
            .until
            .as_deref()
            .map(|u| format!(" until {u}"))
            .unwrap_or_default();
        (format!("waived{until}"), None)
    } else {
        let state = if args.done {
            MarkState::Done
        } else if args.in_progress {
            MarkState::InProgress
        } else if args.blocked {
            MarkState::Blocked
        } else if args.na {
            MarkState::NotApplicable
        } else {
            MarkState::Open
        };
        let valid_until = args
            .valid_for
            .map(|d| {
                let d = time::Duration::try_from(d)
                    .map_err(|_| Failure::input("--valid-for: too long"))?;
                time::OffsetDateTime::now_utc()
                    .checked_add(d)
                    .map(golive_store::rfc3339)
                    .ok_or_else(|| Failure::input("--valid-for: too long"))
            })
            .transpose()?;
        store
            .add_mark(&Mark {
                item: id.clone(),
                state,
                by: clean(by),
                note: args.note.as_deref().map(clean).filter(|n| !n.is_empty()),
                at: now.clone(),
                valid_until: valid_until.clone(),
            })
            .await
            .map_err(failure)?;
        let until = valid_until
            .map(|u| format!(", valid until {}", &u[..10]))
            .unwrap_or_default();
        let word = match state {
            MarkState::Done => "done",
            MarkState::InProgress => "in progress",
            MarkState::Blocked => "blocked",
            MarkState::NotApplicable => "not applicable",
            MarkState::Open => "open again",
        };
        (format!("{word}{until}"), Some(state))
    };

    let mut written = None;
    if args.write_back {
        let path = loaded
            .as_ref()
            .and_then(|l| l.checklist.as_ref().map(|(p, _)| p.clone()))
            .or_else(|| {
                latest
                    .as_ref()
                    .and_then(|r| r.checklist.clone())
                    .map(PathBuf::from)
            })
            .ok_or_else(|| Failure::input("--write-back: name the checklist with --checklist"))?;
        if let Some(state) = state {
            write_back(&path, &id, state)?;
            written = Some(path);
        }
    }

    let gate = match store.latest_run().await.map_err(failure)? {
        Some(run) => Some(store::settle(&*store, run).await?.report.decision),
        None => None,
    };
    output::emit(None, color, |out| {
        let ok = Style::new().fg_color(Some(AnsiColor::Green.into()));
        let dim = Style::new().dimmed();
        writeln!(
            out,
            "{ok}✓{ok:#} {title} {dim}({id}){dim:#}: {what}, by {by}"
        )?;
        if let Some(p) = &written {
            writeln!(out, "  {dim}written into {}{dim:#}", p.display())?;
        }
        if args.write_back && state.is_none() {
            writeln!(
                out,
                "  {dim}a waiver has no box: the checklist is unchanged{dim:#}"
            )?;
        }
        if let Some(d) = &gate {
            writeln!(
                out,
                "  {dim}gate: {} ({} reason(s)); `golive gate` for the details{dim:#}",
                d.outcome,
                d.reasons.len()
            )?;
        }
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn check_date(s: &str) -> Result<(), Failure> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, format)
        .map(|_| ())
        .map_err(|_| Failure::input(format!("--until `{s}`: write the date as YYYY-MM-DD")))
}

/// Puts the mark's box into the checklist, every other byte unchanged.
fn write_back(path: &std::path::Path, id: &str, state: MarkState) -> Result<(), Failure> {
    let c = input::checklist(path)?;
    let Some(index) = c.items.iter().position(|i| i.id == id) else {
        return Err(Failure::input(format!(
            "--write-back: {} has no item `{id}` (was it renamed since the last run?)",
            path.display()
        )));
    };
    let status = match state {
        MarkState::Done => Status::Done,
        MarkState::InProgress => Status::InProgress,
        MarkState::Blocked => Status::Blocked,
        MarkState::NotApplicable => Status::NotApplicable,
        MarkState::Open => Status::Todo,
    };
    if c.items[index].status != status {
        let bytes = c.with_statuses([(index, status)]);
        output::write_atomically(path, &bytes)
            .map_err(|e| Failure::input(format!("{}: cannot write back: {e}", path.display())))?;
    }
    Ok(())
}
