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
    /// Load-test a URL with k6-style thresholds: N users, or an arrival rate.
    #[command(after_help = LOAD_AFTER_HELP)]
    Load(Box<LoadArgs>),
    /// After launch: re-run the live checks on a schedule, judge rollback
    /// triggers, notify, and (armed) run the rollback command once.
    #[command(after_help = WATCH_AFTER_HELP)]
    Watch(Box<WatchArgs>),
    /// Record a person's work on an item: done, in progress, blocked, not
    /// applicable, or a waiver.
    #[command(after_help = MARK_HELP)]
    Mark(MarkArgs),
    /// Sign off the latest run for a role (binds to that run's results).
    Sign(SignArgs),
    /// The decision for the latest run with people's marks, waivers and
    /// sign-offs; exits 0 GO (or GO WITH WAIVERS), 1 NO-GO.
    #[command(after_help = AFTER_HELP)]
    Gate(GateArgs),
    /// The audit log of the store; `golive audit verify` checks it.
    Audit(AuditArgs),
    /// Stored runs with their time, decision and counts, newest first.
    History(HistoryArgs),
    /// Items whose status changed between two stored runs.
    Diff(DiffArgs),
}

const MARK_HELP: &str = "\
Examples:
  golive mark 'backup restore' --done --by 'Ann (DevOps)' --valid-for 30d --note 'restored the 02:00 dump'
  golive mark deployment/cdn/cdn-configured --waive 'CDN ships next release' --by 'Ann (Tech Lead)' --until 2026-12-31
  golive mark 'train support team' --in-progress --by Bob --write-back";

/// Where runs, marks, waivers and sign-offs are kept.
#[derive(Debug, Clone, Args, Default)]
pub struct StoreArgs {
    /// The store: a SQLite file, sqlite://PATH, or postgres://USER@HOST/DB for
    /// a team [default: .golive/golive.db beside the checklist].
    #[arg(
        long,
        value_name = "URL",
        env = "GOLIVE_STORE",
        hide_env_values = true,
        global = true
    )]
    pub store: Option<String>,
}

/// The store and checklist a people's command works on.
#[derive(Debug, Clone, Args, Default)]
pub struct PeopleArgs {
    #[command(flatten)]
    pub store: StoreArgs,

    /// The checklist (or golive.toml): its folder holds the default store,
    /// and ITEM and roles are read from it [default: the latest run's].
    #[arg(short, long, value_name = "FILE", global = true)]
    pub checklist: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("state").required(true).args(["done", "in_progress", "blocked", "na", "reopen", "waive"])))]
pub struct MarkArgs {
    /// The item: its id, or words of its text that name it alone.
    #[arg(value_name = "ITEM")]
    pub item: String,

    /// It is done.
    #[arg(long)]
    pub done: bool,
    /// Work on it has started.
    #[arg(long)]
    pub in_progress: bool,
    /// It cannot be done now (holds up go-live).
    #[arg(long)]
    pub blocked: bool,
    /// It does not apply to this deployment.
    #[arg(long)]
    pub na: bool,
    /// Open again: undoes an earlier mark.
    #[arg(long)]
    pub reopen: bool,
    /// Accept its failure with a reason: it no longer blocks go-live.
    #[arg(long, value_name = "REASON")]
    pub waive: Option<String>,

    /// Who did it (recorded with the mark and in the audit log).
    #[arg(long, value_name = "NAME")]
    pub by: String,
    /// What was done, where the evidence is.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// The mark counts this long, then the item is open again (30d, 12h).
    #[arg(long, value_name = "DUR", value_parser = duration, conflicts_with = "waive")]
    pub valid_for: Option<std::time::Duration>,
    /// The last day a waiver counts (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", requires = "waive")]
    pub until: Option<String>,
    /// Write the mark into the checklist too: [x], [~], [!], [-] or [ ].
    #[arg(long)]
    pub write_back: bool,
    /// A dotenv file whose secret values are kept out of the note (repeatable).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,

    #[command(flatten)]
    pub people: PeopleArgs,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The role signing, as the checklist's sign-off table (or
    /// policy.require_signoffs) names it.
    #[arg(long, value_name = "ROLE")]
    pub role: String,
    /// Who signs.
    #[arg(long, value_name = "NAME")]
    pub by: String,

    #[command(flatten)]
    pub people: PeopleArgs,
}

#[derive(Debug, Args)]
pub struct GateArgs {
    /// Report format.
    #[arg(long, value_enum, default_value_t = GateFormat::Human)]
    pub format: GateFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub people: PeopleArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GateFormat {
    Human,
    Json,
    Html,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: Option<AuditCommand>,

    #[arg(long, value_enum, default_value_t = PlanFormat::Human, global = true)]
    pub format: PlanFormat,

    #[command(flatten)]
    pub people: PeopleArgs,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the chain and every record against its entry; exits 1 when
    /// something was changed or removed behind golive's back.
    Verify,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,

    /// How many runs to show, newest first.
    #[arg(long, value_name = "N", default_value_t = 20, conflicts_with = "all")]
    pub limit: u32,

    /// Show every run.
    #[arg(long)]
    pub all: bool,

    #[command(flatten)]
    pub people: PeopleArgs,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run's number [default: the run before the later one].
    #[arg(value_name = "RUN")]
    pub from: Option<i64>,

    /// The later run's number [default: the latest run].
    #[arg(value_name = "RUN")]
    pub to: Option<i64>,

    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,

    #[command(flatten)]
    pub people: PeopleArgs,
}

const LOAD_AFTER_HELP: &str = "\
Examples:
  golive load https://api.example.com/health --users 100 --duration 30s --threshold 'p95<200ms'
  golive load https://api.example.com/health --rate 500/s --duration 1m --threshold 'errors<1%'
  golive load https://api.example.com/dashboard --users 20 --requests 5000 \\
      --login https://api.example.com/login --login-json '{\"user\":\"qa\",\"password\":\"…\"}' \\
      --capture token=json.access_token --header 'Authorization: Bearer {{token}}'

Thresholds: p50 p90 p95 p99 p999 min mean max (durations), errors success (percent), rps,
requests; k6's spellings work too: 'p(95)<200', 'avg<100', 'http_req_failed: rate<0.01'.
Without --threshold, 'errors<1%' applies.

Exit status: 0 every threshold passed, 1 one failed (or nothing could be sent), 2 the command
line is wrong.";

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

    /// Do not keep this run (nor read marks and sign-offs) in the store.
    #[arg(long)]
    pub no_store: bool,

    #[command(flatten)]
    pub store: StoreArgs,
}

const WATCH_AFTER_HELP: &str = "\
Schedule: every minute for 4h, every 30 minutes until 8h, every 2 hours until 24h ([watch] schedule
in golive.toml changes it). Triggers come from [[watch.trigger]], else from the checklist's rollback
section. A restarted watch of the same input resumes from the store.

Exit status: 0 no trigger fired, 1 a trigger fired, 2 the input or the command line is wrong,
3 golive itself failed.";

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// A Markdown checklist, or a golive.toml.
    #[arg(value_name = "CHECKLIST.md|golive.toml")]
    pub input: PathBuf,

    /// Stop after this long (of the watch, counted from its start) [default: the schedule's end, 24h].
    #[arg(long = "for", value_name = "DUR", value_parser = duration)]
    pub for_: Option<std::time::Duration>,

    /// One interval instead of the schedule (200ms, 10s): for trying a watch out.
    #[arg(long, value_name = "DUR", value_parser = duration)]
    pub interval: Option<std::time::Duration>,

    /// Run the rollback command when a trigger fires (at most once per watch).
    #[arg(long)]
    pub arm_rollback: bool,

    /// The rollback command, run by `sh -c` [default: the config's watch.rollback].
    #[arg(long, value_name = "CMD")]
    pub rollback: Option<String>,

    /// Judge and report triggers, but notify nobody and roll nothing back.
    #[arg(long)]
    pub dry_run: bool,

    /// Serve /metrics (Prometheus) and /healthz on ADDR (127.0.0.1:9464).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,

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

    #[command(flatten)]
    pub store: StoreArgs,
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

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LoadFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The URL to load (http:// or https://).
    #[arg(value_name = "URL")]
    pub url: String,

    /// Concurrent users, each sending its next request when the last is
    /// answered (closed model) [default: 10]. With --rate: the most
    /// connections to use.
    #[arg(long, short = 'u', value_name = "N")]
    pub users: Option<u32>,

    /// Arrivals per second whatever the server does (open model), like
    /// k6's constant-arrival-rate and wrk2 -R: `500` or `500/s`.
    #[arg(long, short = 'r', value_name = "R/s", value_parser = rate)]
    pub rate: Option<f64>,

    /// How long to send.
    #[arg(long, short = 'd', value_name = "DUR", value_parser = duration)]
    pub duration: Option<std::time::Duration>,

    /// The most requests to send.
    #[arg(long, short = 'n', value_name = "N")]
    pub requests: Option<u64>,

    /// A pass/fail condition on the result, k6-style (repeatable).
    #[arg(long = "threshold", short = 't', value_name = "EXPR")]
    pub thresholds: Vec<String>,

    /// Ramp the load up to FACTOR times (users or rate) over the duration,
    /// and report where errors began: `5` or `5x`.
    #[arg(long, value_name = "FACTOR", value_parser = factor)]
    pub stress: Option<f64>,

    /// Pause between a user's requests (closed model).
    #[arg(long, value_name = "DUR", value_parser = duration)]
    pub think: Option<std::time::Duration>,

    /// Request method.
    #[arg(long, short = 'm', value_name = "METHOD", default_value = "GET")]
    pub method: String,

    /// A request header, `Name: value` (repeatable); `{{name}}` is a value
    /// captured by --login.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// Request body.
    #[arg(long, value_name = "TEXT", conflicts_with = "json")]
    pub body: Option<String>,

    /// Request body as JSON (sets Content-Type).
    #[arg(long, value_name = "JSON")]
    pub json: Option<String>,

    /// A request sent once before the load (a login), POST unless
    /// --login-method says otherwise.
    #[arg(long, value_name = "URL")]
    pub login: Option<String>,

    #[arg(
        long,
        value_name = "METHOD",
        default_value = "POST",
        requires = "login"
    )]
    pub login_method: String,

    /// The login's body as JSON.
    #[arg(
        long,
        value_name = "JSON",
        requires = "login",
        conflicts_with = "login_body"
    )]
    pub login_json: Option<String>,

    /// The login's body as text.
    #[arg(long, value_name = "TEXT", requires = "login")]
    pub login_body: Option<String>,

    /// A header of the login request (repeatable).
    #[arg(long = "login-header", value_name = "NAME: VALUE", requires = "login")]
    pub login_headers: Vec<String>,

    /// A value taken from the login's answer, NAME=json.path or
    /// NAME=header.name, used as {{NAME}} in the load's request (repeatable).
    #[arg(long = "capture", value_name = "NAME=PATH", requires = "login")]
    pub captures: Vec<String>,

    /// HTTP version: 1.1, 2 (ALPN over TLS, prior knowledge over plain
    /// HTTP) or auto (2 when TLS offers it).
    #[arg(long = "http", value_name = "VERSION", default_value = "1.1")]
    pub http: String,

    /// Open a new connection for every request.
    #[arg(long)]
    pub no_keep_alive: bool,

    /// The bound on each request, connecting included.
    #[arg(long, value_name = "DUR", value_parser = duration, default_value = "10s")]
    pub timeout: std::time::Duration,

    /// Worker threads [default: one per core].
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub threads: usize,

    #[arg(long, value_enum, default_value_t = LoadFormat::Human)]
    pub format: LoadFormat,

    /// A PEM file of CA certificates to trust besides the system's (repeatable).
    #[arg(long = "ca", value_name = "PEM")]
    pub ca: Vec<PathBuf>,

    /// Do not verify TLS certificates.
    #[arg(long)]
    pub insecure: bool,
}

fn rate(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let num = t
        .strip_suffix("/s")
        .or_else(|| t.strip_suffix("/sec"))
        .or_else(|| t.strip_suffix("rps"))
        .unwrap_or(t)
        .trim();
    match num.parse::<f64>() {
        Ok(r) if r > 0.0 && r.is_finite() => Ok(r),
        _ => Err(format!("`{s}` is not a rate: write it like 500 or 500/s")),
    }
}

fn factor(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let num = t.strip_suffix(['x', 'X']).unwrap_or(t).trim();
    match num.parse::<f64>() {
        Ok(f) if (1.0..=100.0).contains(&f) => Ok(f),
        _ => Err(format!(
            "`{s}` is not a stress factor: write it like 5 or 5x (between 1 and 100)"
        )),
    }
}

fn duration(s: &str) -> Result<std::time::Duration, String> {
    golive_core::parse_duration(s)
}
