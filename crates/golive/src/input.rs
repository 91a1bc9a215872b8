//! Reading what the user points golive at: a Markdown checklist (mapped
//! automatically) or a golive.toml (run exactly as written).

use std::path::{Path, PathBuf};

use golive_checklist::Checklist;
use golive_config::Config;
use golive_core::Plan;

use crate::failure::{Failure, Location};

/// A checklist or config, read and planned.
pub struct Loaded {
    /// What the user named, for reports.
    pub source: PathBuf,
    /// The checklist, and the file it came from.
    pub checklist: Option<(PathBuf, Checklist)>,
    pub config: Option<Config>,
    pub plan: Plan,
    /// The folder paths in a config are relative to.
    pub base: PathBuf,
}

pub fn is_config(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::unreadable(path, &e))
}

/// Reads a checklist file.
pub fn checklist(path: &Path) -> Result<Checklist, Failure> {
    let bytes = read(path)?;
    Checklist::parse(bytes.clone()).map_err(|e| {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let span = span_of(&text, e.line(), e.column());
        Failure::input_at(
            e.to_string()
                .split_once(": ")
                .map_or(e.to_string(), |(_, m)| m.to_string()),
            Location {
                path: path.to_path_buf(),
                line: e.line(),
                column: e.column(),
                source: Some((text, span)),
            },
        )
    })
}

/// The byte span of one character at a 1-based line and column.
fn span_of(text: &str, line: u32, column: u32) -> std::ops::Range<usize> {
    let start_of_line = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum::<usize>();
    let line_text = text[start_of_line..].split('\n').next().unwrap_or("");
    let offset = line_text
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(line_text.len(), |(i, _)| i);
    let start = start_of_line + offset;
    let end = text[start..]
        .chars()
        .next()
        .map_or(start, |c| start + c.len_utf8());
    start..end
}

fn config_failure(path: &Path, text: &str, e: golive_config::ConfigError) -> Failure {
    let span = if e.span.start < e.span.end && e.span.end <= text.len() {
        e.span.clone()
    } else {
        span_of(text, e.line, e.column)
    };
    Failure::input_at(
        e.message,
        Location {
            path: path.to_path_buf(),
            line: e.line,
            column: e.column,
            source: Some((text.to_string(), span)),
        },
    )
}

/// Maps a checklist, choosing the variable names the environment defines
/// (a config runs as written and is left alone). `load` leaves this to be
/// done once those names are known, so a checklist is mapped once.
pub fn map_with(loaded: &mut Loaded, names: Vec<String>) {
    if loaded.config.is_some() {
        return;
    }
    if let Some((_, c)) = &loaded.checklist {
        loaded.plan = golive_map::plan_with(c, &golive_map::Env { names });
    }
}

/// Reads the input of `run` and `plan`: a config is bound to its checklist
/// and planned; a checklist is mapped by [`map_with`].
pub fn load(path: &Path) -> Result<Loaded, Failure> {
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    if !is_config(path) {
        let c = checklist(path)?;
        return Ok(Loaded {
            source: path.to_path_buf(),
            checklist: Some((path.to_path_buf(), c)),
            config: None,
            plan: Plan::default(),
            base,
        });
    }
    let bytes = read(path)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        Failure::input(format!(
            "{}: is not UTF-8 text (TOML must be)",
            path.display()
        ))
    })?;
    let config = golive_config::parse(&text, &|kind, de| golive_probes::validate(kind, de))
        .map_err(|e| config_failure(path, &text, e))?;
    let (checklist, plan) = match &config.checklist {
        Some(rel) => {
            let cpath = base.join(rel);
            let c = checklist(&cpath)?;
            let plan = config
                .bind(&c, &cpath.display().to_string())
                .map_err(|e| config_failure(path, &text, e))?;
            (Some((cpath, c)), plan)
        }
        None => (None, config.plan()),
    };
    Ok(Loaded {
        source: path.to_path_buf(),
        checklist,
        config: Some(config),
        plan,
        base,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_count_characters() {
        let text = "ab\nçd = x\n";
        assert_eq!(span_of(text, 2, 2), 5..6);
        assert_eq!(&text[span_of(text, 2, 1)], "ç");
    }
}
