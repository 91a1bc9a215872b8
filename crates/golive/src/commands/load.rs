//! `golive load`: a load test from the command line, with k6-style
//! thresholds deciding the exit status.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use golive_core::{Evidence, Expectation, Value, Verdict, format_duration};
use golive_load::{Bound, Capture, Model, Plan, Progress, Protocol, Report, RequestSpec, Step};

use crate::cli::{ColorWhen, LoadArgs, LoadFormat};
use crate::failure::Failure;
use crate::output;

const DEFAULT_THRESHOLD: &str = "errors < 1%";

pub async fn command(args: LoadArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    let (plan, thresholds) = plan(&args)?;
    let defaulted = args.thresholds.is_empty();

    // Said before anything is sent, on stderr so that JSON stays clean.
    let mut err = anstream::AutoStream::new(std::io::stderr(), output::choice(color));
    let dim = Style::new().dimmed();
    let _ = writeln!(err, "{dim}golive load:{dim:#} {}", plan.describe());

    let live = args.format == LoadFormat::Human && std::io::stdout().is_terminal();
    let mut line = |p: &Progress| {
        let mut out = std::io::stdout();
        let _ = write!(out, "\r\x1b[2K{}", progress_line(p));
        let _ = out.flush();
    };
    let progress: Option<&mut (dyn FnMut(&Progress) + Send)> =
        if live { Some(&mut line) } else { None };
    let result = golive_load::run(&plan, progress).await;
    if live {
        let mut out = std::io::stdout();
        let _ = write!(out, "\r\x1b[2K");
        let _ = out.flush();
    }
    let report = match result {
        Ok(r) => r,
        Err(why) => {
            let _ = writeln!(
                err,
                "{}error:{:#} the load could not start: {why}",
                Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
                Style::new()
            );
            return Ok(ExitCode::from(1));
        }
    };
    let evidence = report.evidence();
    let verdicts: Vec<Verdict> = thresholds.iter().map(|t| t.evaluate(&evidence)).collect();
    let passed = report.aborted.is_none() && verdicts.iter().all(|v| v.passed);
    output::emit(None, color, |out| match args.format {
        LoadFormat::Json => {
            let json = serde_json::json!({
                "golive": env!("CARGO_PKG_VERSION"),
                "target": format!("{} {}", plan.request.method, plan.request.target),
                "plan": report.plan,
                "passed": passed,
                "thresholds": verdicts,
                "evidence": Value::Map(evidence.clone()),
            });
            serde_json::to_writer_pretty(&mut *out, &json).map_err(std::io::Error::other)?;
            writeln!(out)
        }
        LoadFormat::Human => human(&report, &evidence, &verdicts, defaulted, passed, out),
    })?;
    Ok(if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn plan(args: &LoadArgs) -> Result<(Plan, Vec<Expectation>), Failure> {
    let bad = |m: String| Failure::input(m);
    let thresholds = if args.thresholds.is_empty() {
        vec![golive_load::threshold::parse(DEFAULT_THRESHOLD).map_err(bad)?]
    } else {
        args.thresholds
            .iter()
            .map(|t| golive_load::threshold::parse(t).map_err(bad))
            .collect::<Result<_, _>>()?
    };
    if args.duration.is_none() && args.requests.is_none() {
        return Err(bad(
            "a load needs a bound: give --duration (e.g. 30s) or --requests N".into(),
        ));
    }
    let json = |flag: &str, text: &Option<String>| -> Result<Option<serde_json::Value>, Failure> {
        text.as_deref()
            .map(|t| {
                serde_json::from_str(t).map_err(|e| bad(format!("{flag} is not valid JSON: {e}")))
            })
            .transpose()
    };
    let request = RequestSpec::build(
        Some(&args.method),
        &args.url,
        headers(&args.headers)?,
        args.body.clone(),
        json("--json", &args.json)?,
    )
    .map_err(bad)?;
    let mut setup = Vec::new();
    if let Some(login) = &args.login {
        let captures = args
            .captures
            .iter()
            .map(|c| {
                let (name, path) = c.split_once('=').ok_or_else(|| {
                    bad(format!(
                        "--capture `{c}`: write it as NAME=json.path (or NAME=header.name)"
                    ))
                })?;
                Capture::new(name, path).map_err(bad)
            })
            .collect::<Result<Vec<_>, _>>()?;
        setup.push(Step {
            request: RequestSpec::build(
                Some(&args.login_method),
                login,
                headers(&args.login_headers)?,
                args.login_body.clone(),
                json("--login-json", &args.login_json)?,
            )
            .map_err(bad)?,
            captures,
        });
    }
    let model = match args.rate {
        Some(rate) => Model::Open {
            rate,
            users: args
                .users
                .unwrap_or_else(|| Model::default_open_users(rate)),
        },
        None => Model::Closed {
            users: args.users.unwrap_or(10),
            think: args.think.unwrap_or(Duration::ZERO),
        },
    };
    if args.think.is_some() && args.rate.is_some() {
        return Err(bad(
            "--think applies to users (closed model); with --rate the arrivals set the pace".into(),
        ));
    }
    let trust = golive_probes::net::tls::Trust {
        system: true,
        ca_files: args.ca.clone(),
    };
    let (tls, tls_insecure) = trust.client_configs().map_err(bad)?;
    let mut plan = Plan::new(
        request,
        model,
        Bound {
            duration: args.duration,
            requests: args.requests,
        },
        if args.insecure { tls_insecure } else { tls },
    );
    plan.setup = setup;
    plan.stress = args.stress;
    plan.protocol = Protocol::parse(&args.http).map_err(|e| bad(format!("--http: {e}")))?;
    plan.keep_alive = !args.no_keep_alive;
    plan.timeout = args.timeout;
    plan.threads = args.threads;
    plan.validate().map_err(|e| bad(e.to_string()))?;
    Ok((plan, thresholds))
}

fn headers(raw: &[String]) -> Result<Vec<(String, String)>, Failure> {
    raw.iter()
        .map(|h| {
            h.split_once(':')
                .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
                .filter(|(n, _)| !n.is_empty())
                .ok_or_else(|| Failure::input(format!("header `{h}`: write it as `Name: value`")))
        })
        .collect()
}

fn progress_line(p: &Progress) -> String {
    format!(
        "{:>5.1}s  {} requests  {:.0}/s  p95 {}  {} error{}",
        p.elapsed.as_secs_f64(),
        p.requests,
        p.rate,
        p.p95.map_or_else(|| "-".into(), format_duration),
        p.errors,
        if p.errors == 1 { "" } else { "s" }
    )
}

fn human(
    report: &Report,
    evidence: &Evidence,
    verdicts: &[Verdict],
    defaulted: bool,
    passed: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let d = |name: &str| match evidence.get(name) {
        Some(Value::Duration(d)) => format_duration(*d),
        _ => "-".into(),
    };
    writeln!(
        out,
        "{bold}{} model{bold:#}, {} user{}{}, {} {dim}({}){dim:#}",
        report.model,
        report.users,
        if report.users == 1 { "" } else { "s" },
        report
            .rate
            .map(|r| format!(", {}/s planned", Value::Float(r)))
            .unwrap_or_default(),
        format_duration(report.elapsed),
        report.protocol
    )?;
    writeln!(
        out,
        "  requests  {} answered, {:.1}/s; {} failed ({}%){}",
        report.responses,
        report.rps(),
        report.failed(),
        Value::Float((report.error_percent() * 100.0).round() / 100.0),
        match (report.model, report.dropped, report.cancelled) {
            ("open", dropped, c) if dropped > 0 =>
                format!("; {dropped} due but never sent, {c} cut off at the end"),
            (_, _, c) if c > 0 => format!("; {c} cut off at the end"),
            _ => String::new(),
        }
    )?;
    writeln!(
        out,
        "  latency   min {}  mean {}  p50 {}  p90 {}  p95 {}  p99 {}  p99.9 {}  max {}",
        d("min"),
        d("mean"),
        d("p50"),
        d("p90"),
        d("p95"),
        d("p99"),
        d("p999"),
        d("max")
    )?;
    if report.model == "open" {
        writeln!(
            out,
            "  {dim}latencies count from when each request was due, so a stall shows (coordinated omission corrected){dim:#}"
        )?;
    }
    if let Some(Value::Map(s)) = evidence.get("statuses")
        && !s.is_empty()
    {
        let parts: Vec<String> = s.iter().map(|(k, v)| format!("{k} {v}")).collect();
        writeln!(out, "  statuses  {}", parts.join(", "))?;
    }
    for kind in golive_load::ErrorKind::ALL {
        let n = report.errors_of(kind);
        if n > 0 {
            writeln!(
                out,
                "  {red}{:<9}{red:#} {n}  {dim}first: {}{dim:#}",
                kind.name(),
                report.first_error[kind as usize].as_deref().unwrap_or("")
            )?;
        }
    }
    writeln!(out, "  received  {} of bodies", bytes(report.bytes as f64))?;
    if let Some(s) = &report.stress {
        match s.errors_began {
            None => writeln!(
                out,
                "  stress    ramped to {}x with errors below 1% every second",
                Value::Float(s.planned)
            )?,
            Some((at, factor, load)) => writeln!(
                out,
                "  stress    {red}errors began after {} at {}x{red:#} ({} {}); planned {}x",
                format_duration(at),
                Value::Float((factor * 100.0).round() / 100.0),
                Value::Float((load * 10.0).round() / 10.0),
                if report.model == "open" {
                    "requests/s"
                } else {
                    "users"
                },
                Value::Float(s.planned)
            )?,
        }
    }
    if let Some(why) = &report.aborted {
        writeln!(out, "  {red}stopped early:{red:#} {why}")?;
    }
    writeln!(out)?;
    for v in verdicts {
        let (mark, st) = if v.passed {
            ("✓", green)
        } else {
            ("✗", red)
        };
        writeln!(
            out,
            "  {st}{mark}{st:#} {}  {dim}{}{}{dim:#}",
            v.expect,
            v.actual.as_deref().unwrap_or("not measured"),
            if defaulted {
                " (default threshold)"
            } else {
                ""
            }
        )?;
    }
    if passed {
        writeln!(out, "{green}{bold}PASS{bold:#}{green:#}")
    } else {
        writeln!(out, "{red}{bold}FAIL{bold:#}{red:#}")
    }
}

fn bytes(n: f64) -> String {
    if n >= 1e9 {
        format!("{:.2} GB", n / 1e9)
    } else if n >= 1e6 {
        format!("{:.2} MB", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1} kB", n / 1e3)
    } else {
        format!("{n} B")
    }
}
