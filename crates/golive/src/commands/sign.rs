//! `golive sign`: a role's sign-off of the latest run. It records the run's
//! digest (its results with marks and waivers), so that any later change of
//! results shows the sign-off as stale until it is given again.

use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use golive_core::Signoff;

use crate::cli::{ColorWhen, SignArgs};
use crate::commands::store::{self, failure};
use crate::failure::Failure;
use crate::output;

pub async fn command(args: &SignArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    let by = args.by.trim();
    if by.is_empty() {
        return Err(Failure::input("--by: say who signs"));
    }
    let store = store::open_for(&args.people, false).await?;
    let run = store::latest(&*store).await?;
    let roles: Vec<&str> = run
        .report
        .signoffs
        .iter()
        .map(|s| s.role.as_str())
        .collect();
    let Some(role) = roles
        .iter()
        .find(|r| r.eq_ignore_ascii_case(args.role.trim()))
        .map(|r| (*r).to_string())
    else {
        return Err(Failure::input(if roles.is_empty() {
            format!(
                "--role `{}`: the checklist names no sign-off roles (add a sign-off table, or policy.require_signoffs in golive.toml)",
                args.role
            )
        } else {
            format!(
                "--role `{}` is not a sign-off role of this checklist; its roles are: {}",
                args.role,
                roles.join(", ")
            )
        }));
    };
    store
        .add_signoff(&Signoff {
            role: role.clone(),
            by: by.to_string(),
            at: golive_store::now(),
            run: run.id,
            digest: run.report.digest.clone(),
        })
        .await
        .map_err(failure)?;
    let after = store::latest(&*store).await?;
    output::emit(None, color, |out| {
        let ok = Style::new().fg_color(Some(AnsiColor::Green.into()));
        let dim = Style::new().dimmed();
        writeln!(
            out,
            "{ok}✓{ok:#} {role} signed run {} by {by} {dim}({}){dim:#}",
            run.id,
            &run.report.digest[..run.report.digest.len().min(19)]
        )?;
        let d = &after.report.decision;
        writeln!(
            out,
            "  {dim}gate: {} ({} reason(s)); `golive gate` for the details{dim:#}",
            d.outcome,
            d.reasons.len()
        )
    })?;
    Ok(ExitCode::SUCCESS)
}
