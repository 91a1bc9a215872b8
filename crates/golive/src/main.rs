//! The `golive` binary: the command line, the exit statuses, and nothing
//! clever. Everything it does lives in the library crates.

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod failure;
mod input;
mod output;

/// Reading and mapping a checklist allocates many small strings, and the
/// load generator many small buffers: mimalloc makes `golive plan` about a
/// sixth cheaper in instructions than the system allocator
/// (`scripts/bench-plan.sh`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Help and version go to stdout and succeed; usage errors are 2.
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let color = cli.color;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            failure::Failure::internal(format!("cannot start the async runtime: {e}"))
                .report(color);
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(commands::dispatch(cli)) {
        Ok(code) => code,
        Err(f) => {
            f.report(color);
            f.exit_code()
        }
    }
}
