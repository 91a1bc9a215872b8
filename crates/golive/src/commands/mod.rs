//! One module per command.

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::failure::Failure;

mod audit;
mod demo;
mod diff;
mod gate;
mod history;
mod init;
mod load;
mod mark;
mod plan;
pub mod run;
mod secrets;
mod sign;
mod status;
mod store;
mod watch;

pub async fn dispatch(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Run(args) => run::command(args, cli.color).await,
        Command::Plan(args) => plan::command(&args, cli.color),
        Command::Init(args) => init::command(&args, cli.color),
        Command::Status(args) => status::command(&args, cli.color),
        Command::Secrets(args) => secrets::command(&args, cli.color),
        Command::Demo(args) => demo::command(args, cli.color).await,
        Command::Mark(args) => mark::command(&args, cli.color).await,
        Command::Sign(args) => sign::command(&args, cli.color).await,
        Command::Gate(args) => gate::command(&args, cli.color).await,
        Command::Audit(args) => audit::command(&args, cli.color).await,
        Command::History(args) => history::command(&args, cli.color).await,
        Command::Diff(args) => diff::command(&args, cli.color).await,
        Command::Load(args) => load::command(*args, cli.color).await,
        Command::Watch(args) => watch::command(*args, cli.color).await,
    }
}
