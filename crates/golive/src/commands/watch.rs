//! `golive watch`: after launch, the live checks on a schedule, rollback
//! triggers, alerts and the armed rollback. The loop lives in golive-watch;
//! here the input, the config and the command line are turned into its
//! setup, and its lines and summary are written out.

use std::collections::VecDeque;
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use golive_core::watch::{NotifyToml, Schedule};
use golive_run::{Options, Vars};
use golive_watch::notify::{Notifier, Retry};
use golive_watch::serve::View;

use crate::cli::{ColorWhen, WatchArgs};
use crate::commands::{run, store};
use crate::failure::Failure;
use crate::input;

/// `${VAR}`s in a notifier's settings, resolved from the env files and the
/// environment.
fn resolve_notifier(n: &NotifyToml, vars: &Vars) -> Result<NotifyToml, Failure> {
    let r = |s: &str| -> Result<String, Failure> {
        vars.resolve(s, &mut Vec::new()).map_err(|missing| {
            Failure::input(format!(
                "watch.notify: {} not set (give it with --env-file or the environment)",
                missing
                    .iter()
                    .map(|m| format!("${{{m}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    };
    let opt = |s: &Option<String>| s.as_deref().map(r).transpose();
    Ok(match n {
        NotifyToml::Slack { url } => NotifyToml::Slack { url: r(url)? },
        NotifyToml::Webhook { url, secret } => NotifyToml::Webhook {
            url: r(url)?,
            secret: r(secret)?,
        },
        NotifyToml::Email {
            host,
            port,
            username,
            password,
            from,
            to,
            starttls,
            insecure,
        } => NotifyToml::Email {
            host: r(host)?,
            port: *port,
            username: opt(username)?,
            password: opt(password)?,
            from: r(from)?,
            to: to.iter().map(|t| r(t)).collect::<Result<_, _>>()?,
            starttls: *starttls,
            insecure: *insecure,
        },
    })
}

pub async fn command(args: WatchArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    let mut loaded = input::load(&args.input)?;
    let vars = run::vars(&loaded, &args.targets)?;
    input::map_with(&mut loaded, vars.names());
    let trust = golive_probes::net::tls::Trust {
        system: true,
        ca_files: args.ca.clone(),
    };
    let (tls, tls_insecure) = trust.client_configs().map_err(Failure::input)?;
    let config = loaded.config.as_ref();
    let watch_config = config.and_then(|c| c.watch.clone()).unwrap_or_default();

    let mut triggers = watch_config.triggers.clone();
    if triggers.is_empty()
        && let Some((_, c)) = &loaded.checklist
    {
        triggers = golive_map::triggers::triggers(c);
    }
    let mut schedule = match args.interval {
        Some(every) if every.is_zero() => {
            return Err(Failure::input(
                "--interval: give a duration longer than zero",
            ));
        }
        Some(every) => Schedule::every(
            every,
            args.for_.unwrap_or_else(|| Schedule::default().end()),
        ),
        None => watch_config.schedule.clone().unwrap_or_default(),
    };
    if let Some(limit) = args.for_ {
        schedule = schedule.cut(limit);
    }
    let mut notifiers = Vec::new();
    for n in &watch_config.notify {
        let n = resolve_notifier(n, &vars)?;
        notifiers.push(
            Notifier::from_config(&n).map_err(|e| Failure::input(format!("watch.notify: {e}")))?,
        );
    }
    let rollback = args.rollback.clone().or(watch_config.rollback.clone());
    if args.arm_rollback && rollback.is_none() {
        return Err(Failure::input(
            "--arm-rollback: there is no rollback command (give --rollback CMD or watch.rollback in golive.toml)",
        ));
    }

    let store: Arc<dyn golive_store::Store> =
        Arc::from(store::open(&args.store, Some(&args.input), true).await?);
    let baseline = match store.latest_run().await.map_err(store::failure)? {
        Some(run) => golive_watch::baseline_of(&run.report),
        None => Default::default(),
    };

    let view = Arc::new(RwLock::new(View::default()));
    // On a terminal a live view redraws; elsewhere (CI, a log file) each
    // change is one line.
    let live = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let recent: Arc<Mutex<VecDeque<String>>> = Arc::default();
    let mut out = std::io::stdout();
    let mut say = |line: &str| {
        if live && let Ok(mut r) = recent.lock() {
            if r.len() == RECENT {
                r.pop_front();
            }
            r.push_back(line.to_string());
            return;
        }
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    };
    if triggers.is_empty() {
        say(
            "note: no rollback triggers ([[watch.trigger]] in golive.toml, or a rollback section in the checklist): rounds are recorded, nothing is triggered",
        );
    }
    for t in &triggers {
        say(&format!(
            "trigger {}: {}{}{}",
            t.name,
            t.condition,
            if t.hold.is_zero() {
                String::new()
            } else {
                format!(" for {}", golive_core::format_duration(t.hold))
            },
            t.words
                .as_deref()
                .map(|w| format!(" (from \"{w}\")"))
                .unwrap_or_default()
        ));
    }
    let _server = match args.listen {
        Some(addr) => {
            let (bound, task) = golive_watch::serve::listen(addr, view.clone())
                .await
                .map_err(|e| Failure::input(format!("--listen {addr}: {e}")))?;
            say(&format!("serving http://{bound}/metrics and /healthz"));
            Some(AbortOnDrop(task))
        }
        None => None,
    };

    let key = std::fs::canonicalize(&args.input)
        .unwrap_or_else(|_| args.input.clone())
        .display()
        .to_string();
    let setup = golive_watch::Setup {
        options: Options {
            concurrency: config.and_then(|c| c.concurrency).unwrap_or(16).max(1),
            overall_timeout: None,
            check_timeout: args
                .check_timeout
                .or(config.and_then(|c| c.check_timeout))
                .unwrap_or(Duration::from_secs(10)),
            insecure: args.insecure,
            tls,
            tls_insecure,
            repo: None,
            vars,
        },
        plan: loaded.plan,
        triggers,
        schedule,
        rollback,
        rollback_timeout: Duration::from_secs(600),
        armed: args.arm_rollback,
        dry_run: args.dry_run,
        settle: watch_config.settle.unwrap_or(Duration::from_secs(30)),
        notifiers,
        retry: Retry::default(),
        key,
        source: loaded.source.display().to_string(),
        actor: store::actor(),
        baseline,
        view: Some(view.clone()),
    };
    let _redraw = live.then(|| {
        AbortOnDrop(tokio::spawn(redraw(
            view.clone(),
            recent.clone(),
            loaded.source.display().to_string(),
            color,
        )))
    });
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let summary = golive_watch::watch(setup, store, shutdown, &mut say).await;
    drop(_redraw);
    // The summary is printed as lines, after the live view's last frame.
    let emit = |line: &str| {
        let _ = writeln!(std::io::stdout(), "{line}");
    };
    let summary = summary.map_err(|e| match e {
        golive_watch::WatchError::Plan(m) => Failure::input(m),
        golive_watch::WatchError::Store(e) => store::failure(e),
    })?;

    emit(&format!(
        "\nwatch {}: {} round(s){}",
        summary.watch,
        summary.rounds,
        if summary.finished {
            ", finished"
        } else {
            "; interrupted: run the same command to resume"
        }
    ));
    let up = summary
        .items
        .values()
        .filter(|i| i.up == Some(true))
        .count();
    let down: Vec<&str> = summary
        .items
        .iter()
        .filter(|(_, i)| i.up == Some(false))
        .map(|(k, _)| k.as_str())
        .collect();
    emit(&format!(
        "items: {up} up, {} down{}",
        down.len(),
        if down.is_empty() {
            String::new()
        } else {
            format!(" ({})", down.join(", "))
        }
    ));
    for (name, state) in &summary.triggers {
        emit(&format!("trigger {name}: {state}"));
    }
    if let Some(rb) = &summary.rollback {
        emit(&format!(
            "rollback (after {}): exit {}; {}",
            rb.trigger,
            rb.exit.map_or("none".into(), |c| c.to_string()),
            rb.verification
        ));
    }
    Ok(if summary.fired.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Event lines the live view keeps under its table.
const RECENT: usize = 8;

/// A latency trend in eight levels.
fn sparkline(values: &VecDeque<f64>) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    values
        .iter()
        .map(|v| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let i = if max > 0.0 {
                (v / max * 7.0).round() as usize
            } else {
                0
            };
            BARS[i.min(7)]
        })
        .collect()
}

/// The live view: every item up or down, since when, its latency trend;
/// the triggers; the latest events. Redrawn when it changes.
async fn redraw(
    view: Arc<RwLock<View>>,
    recent: Arc<Mutex<VecDeque<String>>>,
    source: String,
    color: ColorWhen,
) {
    let mut shown = String::new();
    let mut term = crate::output::stdout(color);
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let mut screen = String::new();
        if let Ok(v) = view.read() {
            screen.push_str(&format!("golive watch {source} — round {}\n\n", v.rounds));
            for (id, i) in &v.items {
                let (mark, state) = match i.up {
                    Some(true) => ("\x1b[32m●\x1b[0m", "up"),
                    Some(false) => ("\x1b[31m●\x1b[0m", "DOWN"),
                    None => ("\x1b[33m○\x1b[0m", "no data"),
                };
                let since = time::OffsetDateTime::from_unix_timestamp(i.changed_ms / 1000)
                    .map(|t| format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second()))
                    .unwrap_or_default();
                let latency = i
                    .latency_ms
                    .map_or(String::new(), |ms| format!("{ms:.0}ms"));
                screen.push_str(&format!(
                    "{mark} {state:<8} {id:<40} since {since}  {latency:>7} {}\n",
                    sparkline(&i.trend)
                ));
            }
            screen.push('\n');
            for (name, state) in &v.triggers {
                screen.push_str(&format!("trigger {name}: {state}\n"));
            }
        }
        if let Ok(r) = recent.lock() {
            screen.push('\n');
            for line in r.iter() {
                screen.push_str(line);
                screen.push('\n');
            }
        }
        if screen != shown {
            let _ = write!(term, "\x1b[H\x1b[2J{screen}");
            let _ = term.flush();
            shown = screen;
        }
    }
}

/// Stops a background task when the command returns.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
