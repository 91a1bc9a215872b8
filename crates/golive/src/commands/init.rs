//! `golive init`: write golive.toml from the checklist's mapping.

use std::path::PathBuf;
use std::process::ExitCode;

use golive_core::Class;

use crate::cli::{ColorWhen, InitArgs};
use crate::failure::Failure;
use crate::{input, output};

pub fn command(args: &InitArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    if input::is_config(&args.checklist) {
        return Err(Failure::input(format!(
            "{}: init reads a Markdown checklist, not a config",
            args.checklist.display()
        )));
    }
    let checklist = input::checklist(&args.checklist)?;
    let plan = golive_map::plan(&checklist);
    let dir = args
        .checklist
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let target = args
        .output
        .clone()
        .unwrap_or_else(|| dir.join("golive.toml"));
    if target.exists() && !args.force {
        return Err(Failure::input(format!(
            "{} exists; use --force to overwrite it",
            target.display()
        )));
    }
    // The config names the checklist relative to where the config lives.
    let config_dir = target.parent().map(PathBuf::from).unwrap_or_default();
    let name = relative(&args.checklist, &config_dir);
    let text = golive_config::render_init(&checklist, &plan, &name);
    output::write_atomically(&target, text.as_bytes())
        .map_err(|e| Failure::input(format!("{}: cannot write: {e}", target.display())))?;
    let count = |class: Class| plan.items.iter().filter(|i| i.class == class).count();
    output::emit(None, color, |out| {
        writeln!(
            out,
            "wrote {}: {} checks for {} items ({} live, {} repo, {} cloud, {} manual)",
            target.display(),
            plan.checks.len(),
            checklist.items.len(),
            count(Class::Live),
            count(Class::Repo),
            count(Class::Cloud),
            count(Class::Manual)
        )?;
        writeln!(out, "next: edit it, then `golive run {}`", target.display())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn relative(path: &std::path::Path, base: &std::path::Path) -> String {
    let abs = |p: &std::path::Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (p, b) = (abs(path), abs(base));
    match p.strip_prefix(&b) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => p.display().to_string(),
    }
}
