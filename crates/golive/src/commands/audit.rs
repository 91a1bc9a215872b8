//! `golive audit`: the store's audit log, oldest first; `golive audit
//! verify` checks its hash chain and every record against its entry, and
//! exits 1 when something was changed or removed behind golive's back.

use std::process::ExitCode;

use anstyle::{AnsiColor, Style};

use crate::cli::{AuditArgs, AuditCommand, ColorWhen, PlanFormat};
use crate::commands::store::{self, failure};
use crate::failure::Failure;
use crate::output;

pub async fn command(args: &AuditArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    let store = store::open_for(&args.people, false).await?;
    match args.command {
        None => {
            let log = store.audit().await.map_err(failure)?;
            output::emit(None, color, |out| match args.format {
                PlanFormat::Json => {
                    serde_json::to_writer_pretty(&mut *out, &log).map_err(std::io::Error::other)?;
                    writeln!(out)
                }
                PlanFormat::Human => {
                    let dim = Style::new().dimmed();
                    for e in &log {
                        writeln!(
                            out,
                            "{:>5}  {}  {:<6} {:<20} {}  {dim}{}{dim:#}",
                            e.seq,
                            e.at,
                            e.action,
                            e.actor,
                            e.subject,
                            &e.hash[..e.hash.len().min(19)]
                        )?;
                    }
                    Ok(())
                }
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Some(AuditCommand::Verify) => {
            let findings = store.verify().await.map_err(failure)?;
            let entries = store.audit().await.map_err(failure)?.len();
            output::emit(None, color, |out| match args.format {
                PlanFormat::Json => {
                    let json = serde_json::json!({
                        "intact": findings.is_empty(),
                        "entries": entries,
                        "findings": findings,
                    });
                    serde_json::to_writer_pretty(&mut *out, &json)
                        .map_err(std::io::Error::other)?;
                    writeln!(out)
                }
                PlanFormat::Human => {
                    if findings.is_empty() {
                        let ok = Style::new().fg_color(Some(AnsiColor::Green.into()));
                        writeln!(
                            out,
                            "{ok}✓{ok:#} the audit log is intact: {entries} entries, every record matches its entry"
                        )
                    } else {
                        let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
                        writeln!(
                            out,
                            "{red}✗ the store was changed behind golive's back:{red:#}"
                        )?;
                        for f in &findings {
                            writeln!(out, "  {red}✗{red:#} {}", f.message)?;
                        }
                        Ok(())
                    }
                }
            })?;
            Ok(if findings.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
