//! `golive run`: verify, decide, report.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use golive_core::{Class, Meta, RunReport};
use golive_run::{Options, Vars};

use crate::cli::{ColorWhen, ReportFormat, RunArgs, TargetArgs};
use crate::commands::store;
use crate::failure::Failure;
use crate::input::{self, Loaded};
use crate::output;

pub async fn command(args: RunArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    let (report, _) = execute(&args, color).await?;
    Ok(exit_for(&report))
}

pub fn exit_for(report: &RunReport) -> ExitCode {
    if report.decision.outcome.is_go() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Targets and variables from the config, then the command line.
pub fn vars(loaded: &Loaded, targets: &TargetArgs) -> Result<Vars, Failure> {
    let mut vars = Vars::new(true);
    if let Some(config) = &loaded.config {
        for (name, value) in &config.targets {
            vars.set_target(name, value);
        }
        for file in &config.env_files {
            let path = loaded.base.join(file);
            vars.load_env_file(&path)
                .map_err(|e| Failure::input(e.to_string()))?;
        }
    }
    for file in &targets.env_files {
        vars.load_env_file(file)
            .map_err(|e| Failure::input(e.to_string()))?;
    }
    if let Some(url) = &targets.url {
        check_url(url, "--url")?;
        vars.set_target(golive_run::vars::APP, url);
    }
    for t in &targets.targets {
        let Some((name, value)) = t.split_once('=') else {
            return Err(Failure::input(format!(
                "--target `{t}`: write it as NAME=VALUE"
            )));
        };
        if name.is_empty() {
            return Err(Failure::input(format!("--target `{t}`: the name is empty")));
        }
        vars.set_target(name.trim(), value.trim());
    }
    Ok(vars)
}

fn check_url(url: &str, flag: &str) -> Result<(), Failure> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(Failure::input(format!(
            "{flag} `{url}`: a URL starts with http:// or https://"
        )))
    }
}

/// Which checks `--only` selects: those of items whose id matches the glob
/// or whose text contains the words, and standalone checks likewise.
fn select(loaded: &Loaded, pattern: &str) -> Result<(Vec<bool>, Vec<bool>), Failure> {
    let plan = &loaded.plan;
    let glob = pattern.contains(['*', '?']);
    let lower = pattern.to_lowercase();
    let matches = |id: &str, text: &str| {
        if glob {
            glob_match(pattern, id)
        } else {
            id.contains(&lower) || text.to_lowercase().contains(&lower)
        }
    };
    let mut items = vec![false; loaded.checklist.as_ref().map_or(0, |(_, c)| c.items.len())];
    let mut checks = vec![false; plan.checks.len()];
    if let Some((_, c)) = &loaded.checklist {
        for p in &plan.items {
            let item = &c.items[p.index];
            if matches(&item.id, &item.plain) {
                items[p.index] = true;
                for &k in &p.checks {
                    checks[k] = true;
                }
            }
        }
    }
    for (k, spec) in plan.checks.iter().enumerate() {
        if spec.item.is_none() && matches(&spec.id, &spec.name) {
            checks[k] = true;
        }
    }
    if !items.contains(&true) && !checks.contains(&true) {
        return Err(Failure::input(format!(
            "--only `{pattern}` matches no item (`golive plan` lists them)"
        )));
    }
    Ok((items, checks))
}

/// `*` any run of characters, `?` one character.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

pub fn today() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

/// RFC 3339 in UTC to the second, as the store keeps times.
pub fn timestamp() -> String {
    golive_store::now()
}

/// Runs and reports; returns the report (for `demo`) as well.
pub async fn execute(
    args: &RunArgs,
    color: ColorWhen,
) -> Result<(RunReport, Option<PathBuf>), Failure> {
    let loaded = input::load(&args.input)?;
    let vars = vars(&loaded, &args.targets)?;
    let trust = golive_probes::net::tls::Trust {
        system: true,
        ca_files: args.ca.clone(),
    };
    let (tls, tls_insecure) = trust.client_configs().map_err(Failure::input)?;
    let repo = match (&args.targets.repo, &loaded.config) {
        (Some(r), _) => Some(r.clone()),
        (None, Some(_)) => Some(if loaded.base.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            loaded.base.clone()
        }),
        (None, None) => None,
    };
    if let Some(r) = &repo
        && !r.is_dir()
    {
        return Err(Failure::input(format!(
            "--repo {}: not a directory",
            r.display()
        )));
    }
    let config = loaded.config.as_ref();
    let options = Options {
        concurrency: args.concurrency.max(1),
        overall_timeout: args.timeout.or(config.and_then(|c| c.run_timeout)),
        check_timeout: args
            .check_timeout
            .or(config.and_then(|c| c.check_timeout))
            .unwrap_or(std::time::Duration::from_secs(10)),
        insecure: args.insecure,
        tls,
        tls_insecure,
        repo,
        vars,
    };
    let selection = args
        .only
        .as_deref()
        .map(|p| select(&loaded, p))
        .transpose()?;
    // The store is opened before anything is contacted: a wrong --store
    // fails at once, not after a minute of checks.
    let store = if args.no_store {
        None
    } else {
        Some(store::open(&args.store, Some(&args.input), true).await?)
    };
    let people = match &store {
        Some(s) => s
            .people(&golive_store::now())
            .await
            .map_err(store::failure)?,
        None => golive_core::People::default(),
    };
    let started_at = timestamp();
    let start = Instant::now();
    let results = golive_run::run(
        &loaded.plan,
        selection.as_ref().map(|(_, c)| c.as_slice()),
        &options,
    )
    .await
    .map_err(|e| Failure::input(e.to_string()))?;
    let today = today();
    let checklist = loaded.checklist.as_ref().map(|(_, c)| c);
    let report = RunReport::assemble_with(
        checklist,
        &loaded.plan,
        results,
        Meta {
            source: loaded.source.display().to_string(),
            started_at,
            duration: start.elapsed(),
            today: &today,
            selected: selection.as_ref().map(|(i, _)| i.as_slice()),
        },
        &people,
    );
    let mut history = Vec::new();
    if let Some(s) = &store {
        let checklist = loaded.checklist.as_ref().map(|(p, _)| {
            std::fs::canonicalize(p)
                .unwrap_or_else(|_| p.clone())
                .display()
                .to_string()
        });
        s.save_run(&golive_store::NewRun {
            report: &report,
            checklist,
            actor: store::actor(),
        })
        .await
        .map_err(store::failure)?;
        if args.format == ReportFormat::Html {
            history = store::readiness(&**s).await?;
        }
    }
    let format = match args.format {
        ReportFormat::Human => golive_report::Format::Human,
        ReportFormat::Json => golive_report::Format::Json,
        ReportFormat::Junit => golive_report::Format::Junit,
        ReportFormat::Markdown => golive_report::Format::Markdown,
        ReportFormat::Html => golive_report::Format::Html,
    };
    if format == golive_report::Format::Markdown && checklist.is_none() {
        return Err(Failure::input(
            "--format markdown writes the checklist back, and this config has no `checklist`",
        ));
    }
    output::emit(args.output.as_deref(), color, |out| {
        if format == golive_report::Format::Html {
            golive_report::html::render_with(&report, &history, out)
        } else {
            golive_report::render(format, &report, checklist, out)
        }
    })?;
    let mut written = None;
    if args.write_back {
        let Some((path, c)) = &loaded.checklist else {
            return Err(Failure::input(
                "--write-back needs a checklist, and this config has no `checklist`",
            ));
        };
        let changes = report.write_back_changes();
        if !changes.is_empty() {
            let bytes = golive_report::markdown::updated(&report, c);
            output::write_atomically(path, &bytes).map_err(|e| {
                Failure::input(format!("{}: cannot write back: {e}", path.display()))
            })?;
        }
        written = Some(path.clone());
    }
    // A run that could verify nothing because no target was given says so.
    let unverified = report
        .items
        .iter()
        .filter(|i| i.status == golive_core::ItemStatus::NotVerified)
        .count();
    if unverified > 0 && args.format == ReportFormat::Human && args.output.is_none() {
        let live = report
            .items
            .iter()
            .any(|i| i.class == Class::Live && i.status == golive_core::ItemStatus::NotVerified);
        if live && args.targets.url.is_none() {
            let mut err = anstream::AutoStream::new(std::io::stderr(), output::choice(color));
            let _ = std::io::Write::write_all(
                &mut err,
                format!("hint: {unverified} item(s) were not verified; give the deployment's URL with --url (and --env-file, --repo)\n").as_bytes(),
            );
        }
    }
    Ok((report, written))
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("security/*", "security/rate-limiting"));
        assert!(glob_match(
            "*redis*",
            "deployment/redis/redis-password-is-set"
        ));
        assert!(!glob_match("security/*", "deployment/security"));
        assert!(glob_match("a?c", "abc"));
    }
}
