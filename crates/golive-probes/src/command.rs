//! `command`: the escape hatch — a command's exit status and output.
//!
//! **What it verifies.** That a command exits 0 (or as expected) within the
//! check's time limit, and that its output matches what the check expects.
//!
//! **Why it matters on launch day.** Some items only a team's own script can
//! answer (`npx prisma migrate status`, `terraform plan -detailed-exitcode`,
//! a cloud CLI for a `cloud` item). golive runs them in parallel with
//! everything else, bounded in time, with their output redacted.
//!
//! golive never runs a command it found in a checklist on its own: commands
//! come only from golive.toml, where a person wrote or enabled them.
//!
//! **Example.**
//!
//! ```toml
//! [[check]]
//! item = "database/migrations-are-run"
//! kind = "command"
//! run = "npx prisma migrate status"
//! expect = ["exit_code == 0", "stdout contains 'up to date'"]
//! ```
//!
//! Evidence: `command`, `exit_code`, `stdout`, `stderr` (each up to 64 KiB),
//! `time`. Default expectation: `exit_code == 0`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Instant;

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::{Context, Kind, Observation, Probe};

/// Output kept per stream; the rest is read and dropped so the command never
/// blocks on a full pipe.
const OUTPUT_LIMIT: usize = 64 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// A shell command line, run with `sh -c`.
    #[serde(default)]
    pub run: Option<String>,
    /// A program and its arguments, run without a shell.
    #[serde(default)]
    pub argv: Option<Vec<String>>,
    /// Working directory, relative to the repository.
    #[serde(default)]
    pub cwd: Option<String>,
    /// Extra environment variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

pub struct Command {
    argv: Vec<String>,
    display: String,
    cwd: Option<String>,
    env: BTreeMap<String, String>,
}

impl Kind for Command {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let (argv, display) = match (s.run, s.argv) {
            (Some(run), None) => {
                if run.trim().is_empty() {
                    return Err("`run` is empty".into());
                }
                (vec!["sh".into(), "-c".into(), run.clone()], run)
            }
            (None, Some(argv)) => {
                if argv.is_empty() || argv[0].is_empty() {
                    return Err("`argv` needs at least a program".into());
                }
                let display = argv.join(" ");
                (argv, display)
            }
            (Some(_), Some(_)) => return Err("give `run` or `argv`, not both".into()),
            (None, None) => {
                return Err("a command check needs `run` (a shell line) or `argv`".into());
            }
        };
        Ok(Self {
            argv,
            display,
            cwd: s.cwd,
            env: s.env,
        })
    }
}

#[async_trait]
impl Probe for Command {
    fn needs(&self, cx: &Context) -> Vec<String> {
        crate::needs_repo(cx)
    }

    fn target(&self) -> String {
        format!("$ {}", self.display)
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![Expectation::new("exit_code", Op::Eq, Literal::Number(0.0))]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match (evidence.get("exit_code"), evidence.get("time")) {
            (Some(Value::Int(code)), Some(time)) => format!("exit {code} in {time}"),
            _ => String::new(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        self.env
            .iter()
            .filter(|(k, _)| golive_core::redact::is_secret_name(k))
            .map(|(_, v)| v.clone())
            .collect()
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let mut evidence = Evidence::new();
        evidence.insert("command".into(), self.display.clone().into());
        let dir: PathBuf = match &self.cwd {
            Some(c) => cx.repo.join(c),
            None => cx.repo.clone(),
        };
        let mut cmd = tokio::process::Command::new(&self.argv[0]);
        cmd.args(&self.argv[1..])
            .current_dir(&dir)
            .envs(cx.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(&self.env);
        match run_bounded(cmd, cx.timeout).await {
            Err(e) => Observation::failed(
                evidence,
                format!("cannot start `{}` in {}: {e}", self.argv[0], dir.display()),
            ),
            Ok(ran) => {
                evidence.insert("time".into(), ran.time.into());
                evidence.insert("exit_code".into(), ran.exit_code.map(i64::from).into());
                if ran.timed_out {
                    return Observation::failed(
                        evidence,
                        format!(
                            "the command did not finish within {} and was killed",
                            golive_core::format_duration(cx.timeout)
                        ),
                    );
                }
                evidence.insert("stdout".into(), ran.stdout.into());
                evidence.insert("stderr".into(), ran.stderr.into());
                if ran.exit_code.is_none() {
                    return Observation::failed(evidence, "the command was killed by a signal");
                }
                Observation::ok(evidence)
            }
        }
    }
}

/// What a command did within its bound.
pub(crate) struct Ran {
    /// `None` when a signal ended it (or it was killed at the bound).
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub time: std::time::Duration,
    pub timed_out: bool,
}

/// Runs a command with no input and its output captured, killing it and
/// everything it started when it outlives `limit`. `Err` when it cannot
/// start.
pub(crate) async fn run_bounded(
    mut cmd: tokio::process::Command,
    limit: std::time::Duration,
) -> Result<Ran, std::io::Error> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);
    let start = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = child.id();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let work = async {
        let (out, err, status) = tokio::join!(capture(stdout), capture(stderr), child.wait());
        (out, err, status)
    };
    Ok(match tokio::time::timeout(limit, work).await {
        Ok((stdout, stderr, status)) => Ran {
            exit_code: status.ok().and_then(|s| s.code()),
            stdout,
            stderr,
            time: start.elapsed(),
            timed_out: false,
        },
        Err(_) => {
            kill_group(pid);
            Ran {
                exit_code: None,
                stdout: String::new(),
                stderr: String::new(),
                time: start.elapsed(),
                timed_out: true,
            }
        }
    })
}

async fn capture(stream: Option<impl AsyncRead + Unpin>) -> String {
    let Some(mut stream) = stream else {
        return String::new();
    };
    let mut kept = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = OUTPUT_LIMIT.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    String::from_utf8_lossy(&kept).trim_end().to_string()
}

/// Kills the command and everything it started: the child leads its own
/// process group, so a shell's grandchildren go too.
fn kill_group(pid: Option<u32>) {
    #[cfg(unix)]
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    #[cfg(not(unix))]
    let _ = pid;
}
