//! `golive plan`: what a run would verify, contacting nothing.

use std::io::Write;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use golive_core::{CheckSpec, Class, Threshold};
use serde::Serialize;

use crate::cli::{ColorWhen, PlanArgs, PlanFormat};
use crate::failure::Failure;
use crate::input::{self, Loaded};
use crate::output;

#[derive(Serialize)]
struct PlanItem<'a> {
    id: &'a str,
    line: u32,
    text: &'a str,
    section: Vec<&'a str>,
    priority: &'static str,
    status: &'static str,
    class: Class,
    probe: Option<&'static str>,
    thresholds: &'a [Threshold],
    why: &'a str,
    checks: Vec<PlanCheck<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    needs: &'a [String],
}

#[derive(Serialize)]
struct PlanCheck<'a> {
    id: &'a str,
    kind: &'static str,
    settings: &'a toml::Table,
    expect: Vec<&'a str>,
}

#[derive(Serialize)]
struct PlanSignoff<'a> {
    role: &'a str,
    line: u32,
    signed: bool,
}

#[derive(Serialize, Default)]
struct Counts {
    items: usize,
    live: usize,
    repo: usize,
    manual: usize,
    cloud: usize,
    checks: usize,
}

#[derive(Serialize)]
struct PlanJson<'a> {
    golive: &'static str,
    source: String,
    summary: Counts,
    items: Vec<PlanItem<'a>>,
    /// Checks bound to no item (a config without a checklist).
    checks: Vec<PlanCheck<'a>>,
    signoffs: Vec<PlanSignoff<'a>>,
}

fn check_json(spec: &CheckSpec) -> PlanCheck<'_> {
    PlanCheck {
        id: &spec.id,
        kind: spec.kind.name(),
        settings: &spec.settings,
        expect: spec.expect.iter().map(|e| e.source()).collect(),
    }
}

fn build(loaded: &Loaded) -> PlanJson<'_> {
    let plan = &loaded.plan;
    let mut counts = Counts::default();
    let mut items = Vec::new();
    let mut signoffs = Vec::new();
    if let Some((_, c)) = &loaded.checklist {
        for p in &plan.items {
            let item = &c.items[p.index];
            counts.items += 1;
            match p.class {
                Class::Live => counts.live += 1,
                Class::Repo => counts.repo += 1,
                Class::Manual => counts.manual += 1,
                Class::Cloud => counts.cloud += 1,
            }
            items.push(PlanItem {
                id: &item.id,
                line: item.line,
                text: &item.text,
                section: c.section_path(item),
                priority: item.priority.as_str(),
                status: item.status.as_str(),
                class: p.class,
                probe: p.probe.map(|k| k.name()),
                thresholds: &p.thresholds,
                why: &p.why,
                checks: p
                    .checks
                    .iter()
                    .map(|&k| check_json(&plan.checks[k]))
                    .collect(),
                needs: &p.needs,
            });
        }
        signoffs = c
            .signoffs
            .iter()
            .map(|s| PlanSignoff {
                role: &s.role,
                line: s.line,
                signed: s.signed_in_document(),
            })
            .collect();
    }
    let standalone: Vec<PlanCheck<'_>> = plan
        .checks
        .iter()
        .filter(|c| c.item.is_none())
        .map(check_json)
        .collect();
    counts.checks = plan.checks.len();
    PlanJson {
        golive: env!("CARGO_PKG_VERSION"),
        source: loaded.source.display().to_string(),
        summary: counts,
        items,
        checks: standalone,
        signoffs,
    }
}

pub fn command(args: &PlanArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    let loaded = input::load(&args.input)?;
    if let Some(wanted) = &args.explain {
        return explain(&loaded, wanted, color);
    }
    let json = build(&loaded);
    output::emit(None, color, |out| match args.format {
        PlanFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &json).map_err(std::io::Error::other)?;
            writeln!(out)
        }
        PlanFormat::Human => human(&json, out),
    })?;
    Ok(ExitCode::SUCCESS)
}

fn human(plan: &PlanJson<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let s = &plan.summary;
    writeln!(
        out,
        "{bold}golive plan{bold:#} {dim}·{dim:#} {} {dim}· {} items: {} live, {} repo, {} cloud, {} manual · {} checks{dim:#}",
        plan.source, s.items, s.live, s.repo, s.cloud, s.manual, s.checks
    )?;
    let mut last: Option<&[&str]> = None;
    for item in &plan.items {
        if last != Some(item.section.as_slice()) {
            last = Some(item.section.as_slice());
            writeln!(
                out,
                "\n{bold}{}{bold:#}",
                if item.section.is_empty() {
                    "(no section)".into()
                } else {
                    item.section.join(" › ")
                }
            )?;
        }
        let st = match item.class {
            Class::Live => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
            Class::Repo => Style::new().fg_color(Some(AnsiColor::Magenta.into())),
            Class::Cloud => Style::new().fg_color(Some(AnsiColor::Blue.into())),
            Class::Manual => Style::new().dimmed(),
        };
        let probe = item.probe.map(|p| format!(" {p}")).unwrap_or_default();
        writeln!(
            out,
            "  {st}{:<6}{probe:<9}{st:#} {}  {dim}line {}{dim:#}",
            item.class.name(),
            item.text,
            item.line
        )?;
        for c in &item.checks {
            let mut target = ["url", "host", "path", "run"]
                .iter()
                .find_map(|k| c.settings.get(*k).and_then(|v| v.as_str()))
                .unwrap_or("")
                .to_string();
            if let Some(port) = c.settings.get("port").and_then(toml::Value::as_integer) {
                target.push_str(&format!(" port {port}"));
            }
            let expect = if c.expect.is_empty() {
                String::new()
            } else {
                format!("  expect {}", c.expect.join(", "))
            };
            writeln!(out, "  {dim}{:16}→ {target}{expect}{dim:#}", "")?;
        }
        if item.checks.is_empty() && item.class != Class::Manual
            || !item.thresholds.is_empty() && item.checks.is_empty()
        {
            writeln!(out, "  {dim}{:16}{}{dim:#}", "", item.why)?;
        }
    }
    for c in &plan.checks {
        writeln!(out, "  {:<15} {}", c.kind, c.id)?;
    }
    if !plan.signoffs.is_empty() {
        let roles: Vec<&str> = plan.signoffs.iter().map(|s| s.role).collect();
        writeln!(out, "\n{bold}Sign-offs{bold:#}  {}", roles.join(", "))?;
    }
    Ok(())
}

/// The item an id, or words of its text, name; an ambiguous or unknown
/// name is an input error that lists candidates.
pub fn find_item(c: &golive_checklist::Checklist, wanted: &str) -> Result<usize, Failure> {
    let names: Vec<(&str, &str, Option<u32>)> = c
        .items
        .iter()
        .map(|i| (i.id.as_str(), i.plain.as_str(), Some(i.line)))
        .collect();
    find_named(&names, wanted)
}

/// [`find_item`] over `(id, text, line)` triples: a checklist's items or a
/// stored run's.
pub fn find_named(items: &[(&str, &str, Option<u32>)], wanted: &str) -> Result<usize, Failure> {
    if let Some(i) = items.iter().position(|i| i.0 == wanted) {
        return Ok(i);
    }
    let lower = wanted.to_lowercase();
    let hits: Vec<usize> = (0..items.len())
        .filter(|&i| items[i].0.contains(&lower) || items[i].1.to_lowercase().contains(&lower))
        .collect();
    match hits.as_slice() {
        [one] => Ok(*one),
        [] => Err(Failure::input(format!(
            "no item matches `{wanted}` (`golive plan` lists the ids)"
        ))),
        many => {
            let list: Vec<String> = many
                .iter()
                .take(8)
                .map(|&i| match items[i].2 {
                    Some(line) => format!("  {} (line {line})", items[i].0),
                    None => format!("  {}", items[i].0),
                })
                .collect();
            Err(Failure::input(format!(
                "`{wanted}` matches {} items; name one by its id:\n{}",
                many.len(),
                list.join("\n")
            )))
        }
    }
}

fn explain(loaded: &Loaded, wanted: &str, color: ColorWhen) -> Result<ExitCode, Failure> {
    let Some((_, c)) = &loaded.checklist else {
        return Err(Failure::input("--explain needs a checklist"));
    };
    let index = find_item(c, wanted)?;
    let item = &c.items[index];
    let e = golive_map::explain(c, index);
    output::emit(None, color, |out| {
        let bold = Style::new().bold();
        writeln!(
            out,
            "{bold}{}{bold:#}  (line {}, id {})",
            item.plain, item.line, item.id
        )?;
        writeln!(
            out,
            "priority {}, written {}",
            item.priority.as_str(),
            item.status.as_str()
        )?;
        if !e.thresholds.is_empty() {
            let t: Vec<String> = e
                .thresholds
                .iter()
                .map(|t| format!("{} (from \"{}\")", t.expect, t.words))
                .collect();
            writeln!(out, "thresholds: {}", t.join(", "))?;
        }
        writeln!(
            out,
            "\n{bold}chosen{bold:#}: {} by rule `{}` (score {})",
            e.chosen.class, e.chosen.rule, e.chosen.score
        )?;
        writeln!(out, "  {}", e.chosen.why)?;
        for d in &e.chosen.checks {
            let settings: Vec<String> = d
                .settings
                .iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect();
            let expect: Vec<&str> = d.expect.iter().map(|x| x.source()).collect();
            writeln!(
                out,
                "  {} {}  expect [{}]",
                d.kind,
                settings.join(", "),
                expect.join(", ")
            )?;
        }
        if e.alternatives.is_empty() {
            writeln!(out, "\nno other rule matched")?;
        } else {
            writeln!(out, "\n{bold}also considered{bold:#}:")?;
            for a in &e.alternatives {
                writeln!(
                    out,
                    "  {} by rule `{}` (score {}): {}",
                    a.class, a.rule, a.score, a.why
                )?;
            }
        }
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
