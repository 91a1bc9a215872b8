//! `golive demo`: a sample deployment on loopback, verified against a sample
//! checklist, so the whole flow can be seen without a deployment of one's own.

use std::process::ExitCode;

use crate::cli::{ColorWhen, DemoArgs, RunArgs, StoreArgs, TargetArgs};
use crate::commands::run;
use crate::failure::Failure;
use crate::output;

pub async fn command(args: DemoArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    let demo = match args.port {
        Some(p) => golive_demo::start_on(([127, 0, 0, 1], p).into()).await,
        None => golive_demo::start().await,
    }
    .map_err(|e| Failure::input(format!("cannot start the demo deployment on loopback: {e}")))?;
    let dir = tempfile::Builder::new()
        .prefix("golive-demo-")
        .tempdir()
        .map_err(|e| Failure::internal(format!("cannot create a folder for the demo: {e}")))?;
    let ws = golive_demo::write_workspace(dir.path())
        .map_err(|e| Failure::internal(format!("cannot write the demo files: {e}")))?;
    let url = demo.url();
    let human = args.format == crate::cli::ReportFormat::Human;
    if human {
        output::emit(None, color, |out| {
            writeln!(out, "Demo deployment: a WhatsApp booking SaaS at {url}")?;
            writeln!(out, "Deliberate faults:")?;
            for f in golive_demo::FAULTS {
                writeln!(out, "  - {f}")?;
            }
            writeln!(
                out,
                "Running: golive run CHECKLIST.md --url {url} --env-file .env.production --repo repo\n"
            )
        })?;
    }
    let run_args = RunArgs {
        input: ws.checklist.clone(),
        format: args.format,
        output: None,
        write_back: false,
        only: None,
        concurrency: 16,
        timeout: Some(std::time::Duration::from_secs(60)),
        check_timeout: Some(std::time::Duration::from_secs(5)),
        targets: TargetArgs {
            url: Some(url.clone()),
            targets: Vec::new(),
            env_files: vec![ws.env_file.clone()],
            repo: Some(ws.repo.clone()),
        },
        ca: Vec::new(),
        insecure: false,
        no_store: false,
        store: StoreArgs::default(),
    };
    let (report, _) = run::execute(&run_args, color).await?;
    if human {
        output::emit(None, color, |out| {
            writeln!(
                out,
                "\nThe demo's {} is by design: the faults above are what golive caught.",
                report.decision.outcome
            )
        })?;
    }
    if args.keep_running {
        let kept = dir.keep();
        output::emit(None, color, |out| {
            writeln!(
                out,
                "\nThe demo deployment stays up at {url} until Ctrl-C. Try:"
            )?;
            writeln!(out, "  golive plan {}", kept.join("CHECKLIST.md").display())?;
            writeln!(
                out,
                "  golive run {} --url {url} --env-file {} --repo {} --format json",
                kept.join("CHECKLIST.md").display(),
                kept.join(".env.production").display(),
                kept.join("repo").display()
            )
        })?;
        let _ = tokio::signal::ctrl_c().await;
    }
    drop(demo);
    // The demo ran as intended whatever its decision: success, unless
    // golive itself failed above.
    Ok(ExitCode::SUCCESS)
}
