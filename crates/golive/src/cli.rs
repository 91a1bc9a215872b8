//! The command line. Names are the user's contract (PRODUCT.md): flags may
//! grow, names do not change.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Exit status: 0 GO (or GO WITH WAIVERS), 1 NO-GO, 2 the input or the command line is wrong,
3 golive itself failed.

Start with `golive demo`, then `golive plan YOUR_CHECKLIST.md` to see what golive would verify.";

#[derive(Debug, Parser)]
#[command(
    name = "golive",
    version,
    about = "Turns your production deployment checklist into an executable go-live gate.",
    long_about = "Turns your production deployment checklist into an executable go-live gate.\n\n\
golive reads the Markdown checklist you already keep, verifies every item a machine can \
verify against the live deployment and the repository, tracks the items only people can do, \
and decides GO or NO-GO.",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify a checklist (or a golive.toml), decide GO or NO-GO, report.
    #[command(after_help = AFTER_HELP)]
    Run(RunArgs),
    /// Show what a run would verify, contacting nothing.
    Plan(PlanArgs),
    /// Write golive.toml beside a checklist: its mapping, for the team to edit.
    Init(InitArgs),
    /// Show progress per section, as the checklist counts it.
    Status(StatusArgs),
    /// Generate strong secrets, as `openssl rand -hex 32` does.
    Secrets(SecretsArgs),
    /// Start a sample deployment on loopback and verify a sample checklist against it.
    Demo(DemoArgs),
}

/// Where the deployment and its configuration are.
#[derive(Debug, Clone, Args, Default)]
pub struct TargetArgs {
    /// The deployment's base URL; checks refer to it as ${app}.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// A named target, used as ${NAME} in golive.toml (repeatable).
    #[arg(long = "target", value_name = "NAME=VALUE")]
    pub targets: Vec<String>,

    /// A dotenv file whose variables checks may use (repeatable). Its secret
    /// values never appear in any output.
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,

    /// The repository that repo checks read. Without it they are not verified
    /// (a golive.toml run defaults to the config's folder).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    Human,
    Json,
    Junit,
    Markdown,
    Html,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A Markdown checklist, or a golive.toml.
    #[arg(value_name = "CHECKLIST.md|golive.toml")]
    pub input: PathBuf,

    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Tick the checklist's boxes in place: [x] for passed items, [!] for
    /// failed ones; every other byte stays as it is.
    #[arg(long)]
    pub write_back: bool,

    /// Run only the items whose id or text matches PATTERN (a glob on ids
    /// like 'security/*', or words of the item's text).
    #[arg(long, value_name = "PATTERN")]
    pub only: Option<String>,

    /// Checks running at once.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub concurrency: usize,

    /// A bound on the whole run (checks still running then fail).
    #[arg(long, value_name = "DUR", value_parser = duration)]
    pub timeout: Option<std::time::Duration>,

    /// The bound on each check that sets none [default: 10s, or the config's].
    #[arg(long, value_name = "DUR", value_parser = duration)]
    pub check_timeout: Option<std::time::Duration>,

    #[command(flatten)]
    pub targets: TargetArgs,

    /// A PEM file of CA certificates to trust besides the system's (repeatable).
    #[arg(long = "ca", value_name = "PEM")]
    pub ca: Vec<PathBuf>,

    /// Do not verify TLS certificates.
    #[arg(long)]
    pub insecure: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum PlanFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// A Markdown checklist, or a golive.toml.
    #[arg(value_name = "CHECKLIST.md|golive.toml")]
    pub input: PathBuf,

    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,

    /// Show how one item (an id, or words of its text) was mapped, and the
    /// alternatives considered.
    #[arg(long, value_name = "ITEM")]
    pub explain: Option<String>,

    #[command(flatten)]
    pub targets: TargetArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The Markdown checklist to map.
    #[arg(value_name = "CHECKLIST.md")]
    pub checklist: PathBuf,

    /// Where to write the config [default: golive.toml beside the checklist].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Overwrite an existing config.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The Markdown checklist.
    #[arg(value_name = "CHECKLIST.md")]
    pub checklist: PathBuf,

    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,
}

#[derive(Debug, Args)]
pub struct SecretsArgs {
    #[command(subcommand)]
    pub command: SecretsCommand,
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Print a random secret from the operating system's generator.
    Gen {
        /// N random bytes, hex-encoded (2N characters), as `openssl rand -hex N`.
        #[arg(long, value_name = "N", conflicts_with = "base64")]
        hex: Option<usize>,
        /// N random bytes, base64-encoded, as `openssl rand -base64 N`.
        #[arg(long, value_name = "N")]
        base64: Option<usize>,
        /// How many secrets to print, one a line.
        #[arg(long, value_name = "K", default_value_t = 1)]
        count: usize,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Leave the sample deployment running (until Ctrl-C) to try other commands on it.
    #[arg(long)]
    pub keep_running: bool,

    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,

    /// Loopback port for the sample deployment [default: any free port].
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
}

fn duration(s: &str) -> Result<std::time::Duration, String> {
    golive_core::parse_duration(s)
}
