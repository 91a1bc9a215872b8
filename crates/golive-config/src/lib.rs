//! golive.toml: the team's own, editable mapping of checklist items to
//! checks, with targets, defaults, policy and waivers.
//!
//! ```toml
//! checklist = "PRODUCTION_CHECKLIST.md"
//!
//! [targets]
//! app = "https://api.example.com"
//!
//! [[check]]
//! item = "deployment/backend/health-endpoint-returns-200-ok"
//! kind = "http"
//! url = "${app}/health"
//! expect = ["status == 200", "json.database == connected", "time < 2s"]
//! ```
//!
//! Reading is pure (text in, plan out) and every error names the line and
//! column and what was expected there. A probe's own settings are checked by
//! a validator the caller passes in, so this crate knows no probe.

use std::collections::HashMap;
use std::ops::Range;
use std::time::Duration;

use golive_checklist::Checklist;
use golive_core::{
    CheckSpec, Class, Expectation, Origin, Plan, PlannedItem, Policy, ProbeKind, Waiver,
};
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

mod init;

pub use init::render as render_init;

/// Checks a probe's settings; golive-probes provides it.
pub type Validator<'v> =
    &'v dyn Fn(ProbeKind, ValueDeserializer<'_>) -> Result<(), toml::de::Error>;

/// A config problem, where it is and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ConfigError {
    pub line: u32,
    pub column: u32,
    /// Byte range in the config text.
    pub span: Range<usize>,
    pub message: String,
}

/// A read golive.toml.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The checklist it binds to, relative to the config's folder.
    pub checklist: Option<String>,
    pub targets: Vec<(String, String)>,
    /// Env files to read, relative to the config's folder.
    pub env_files: Vec<String>,
    pub check_timeout: Option<Duration>,
    pub run_timeout: Option<Duration>,
    pub concurrency: Option<usize>,
    pub policy: Policy,
    pub checks: Vec<CheckSpec>,
    pub waivers: Vec<Waiver>,
    /// Items classed without a check (`[[item]] id = … class = "cloud"`).
    pub items: Vec<(String, Class)>,
    /// `[watch]`: what `golive watch` does after launch.
    pub watch: Option<Watch>,
    text: String,
    item_spans: Vec<Option<Range<usize>>>,
    class_of_check: Vec<Option<Class>>,
    item_table_spans: Vec<Range<usize>>,
}

const TOP_KEYS: &[&str] = &[
    "checklist",
    "targets",
    "env_files",
    "defaults",
    "policy",
    "check",
    "waiver",
    "item",
    "watch",
];
const CHECK_KEYS: &[&str] = &[
    "id",
    "item",
    "name",
    "kind",
    "class",
    "expect",
    "timeout",
    "retries",
    "retry_delay",
    "depends_on",
    "advisory",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    timeout: Option<String>,
    run_timeout: Option<String>,
    concurrency: Option<usize>,
    retries: Option<u32>,
    retry_delay: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyToml {
    require_signoffs: Option<Vec<String>>,
    #[serde(default)]
    open_normal_items_block: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverToml {
    item: String,
    reason: String,
    by: String,
    until: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemToml {
    id: String,
    class: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Common {
    id: Option<Spanned<String>>,
    item: Option<Spanned<String>>,
    name: Option<String>,
    kind: Spanned<String>,
    class: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    retries: Option<u32>,
    retry_delay: Option<Spanned<String>>,
    #[serde(default)]
    depends_on: Vec<Spanned<String>>,
    #[serde(default)]
    advisory: bool,
}

/// `[watch]`, read: its schedule, triggers and notifiers. Notifier values
/// keep their `${VAR}`s, resolved when the watch starts.
#[derive(Debug, Clone, Default)]
pub struct Watch {
    pub schedule: Option<golive_core::watch::Schedule>,
    pub rollback: Option<String>,
    pub settle: Option<Duration>,
    pub triggers: Vec<golive_core::watch::Trigger>,
    pub notify: Vec<golive_core::watch::NotifyToml>,
}

/// Line and column (1-based, columns in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text[..floor_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

struct Ctx<'t> {
    text: &'t str,
}

impl Ctx<'_> {
    fn err(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        let (line, column) = line_col(self.text, span.start);
        ConfigError {
            line,
            column,
            span,
            message: message.into(),
        }
    }

    fn toml_err(&self, e: &toml::de::Error, fallback: Range<usize>) -> ConfigError {
        let span = e.span().unwrap_or(fallback);
        self.err(span, e.message().trim().to_string())
    }

    fn de<'a, T: serde::de::DeserializeOwned>(
        &self,
        value: &Spanned<DeValue<'a>>,
    ) -> Result<T, ConfigError> {
        let span = value.span();
        T::deserialize(ValueDeserializer::from(value.clone())).map_err(|e| self.toml_err(&e, span))
    }

    fn duration(&self, s: &Spanned<String>) -> Result<Duration, ConfigError> {
        golive_core::parse_duration(s.get_ref()).map_err(|e| self.err(s.span(), e))
    }
}

/// Reads a config. `validate` checks each probe's settings.
pub fn parse(text: &str, validate: Validator<'_>) -> Result<Config, ConfigError> {
    let cx = Ctx { text };
    let doc = DeTable::parse(text).map_err(|e| cx.toml_err(&e, 0..0))?;
    let mut config = Config {
        text: text.to_string(),
        ..Config::default()
    };
    let mut defaults_retries = 0;
    let mut defaults_retry_delay = Duration::from_millis(500);
    let root = doc.get_ref();
    for (key, _) in root.iter() {
        if !TOP_KEYS.contains(&key.get_ref().as_ref()) {
            return Err(cx.err(
                key.span(),
                format!(
                    "unknown key `{}`; a config has {}",
                    key.get_ref(),
                    quoted(TOP_KEYS)
                ),
            ));
        }
    }
    let get = |name: &str| {
        root.iter()
            .find(|(k, _)| k.get_ref() == name)
            .map(|(_, v)| v)
    };
    if let Some(v) = get("checklist") {
        config.checklist = Some(cx.de::<String>(v)?);
    }
    if let Some(v) = get("env_files") {
        config.env_files = cx.de::<Vec<String>>(v)?;
    }
    if let Some(v) = get("targets") {
        let DeValue::Table(t) = v.get_ref() else {
            return Err(cx.err(
                v.span(),
                "`targets` is a table of names and URLs: [targets] app = \"https://…\"",
            ));
        };
        for (name, value) in t.iter() {
            let url = cx.de::<String>(value)?;
            config.targets.push((name.get_ref().to_string(), url));
        }
    }
    if let Some(v) = get("defaults") {
        let d: Defaults = cx.de(v)?;
        let span = v.span();
        let dur = |s: &Option<String>| {
            s.as_ref()
                .map(|s| golive_core::parse_duration(s).map_err(|e| cx.err(span.clone(), e)))
                .transpose()
        };
        config.check_timeout = dur(&d.timeout)?;
        config.run_timeout = dur(&d.run_timeout)?;
        config.concurrency = d.concurrency;
        defaults_retries = d.retries.unwrap_or(0);
        if let Some(delay) = dur(&d.retry_delay)? {
            defaults_retry_delay = delay;
        }
    }
    if let Some(v) = get("policy") {
        let p: PolicyToml = cx.de(v)?;
        config.policy = Policy {
            require_signoffs: p.require_signoffs,
            open_normal_items_block: p.open_normal_items_block,
        };
    }
    if let Some(v) = get("watch") {
        config.watch = Some(watch(&cx, v)?);
    }
    for w in array_of_tables(&cx, get("waiver"), "waiver")? {
        let raw: WaiverToml = cx.de(w)?;
        if raw.reason.trim().is_empty() {
            return Err(cx.err(w.span(), "a waiver needs a reason"));
        }
        let until = match raw.until {
            Some(u) => {
                if !is_date(u.get_ref()) {
                    return Err(cx.err(u.span(), "`until` is a date: YYYY-MM-DD"));
                }
                Some(u.into_inner())
            }
            None => None,
        };
        config.waivers.push(Waiver {
            item: raw.item,
            reason: raw.reason,
            by: raw.by,
            until,
        });
    }
    for it in array_of_tables(&cx, get("item"), "item")? {
        let raw: ItemToml = cx.de(it)?;
        let class = Class::from_name(raw.class.get_ref()).ok_or_else(|| {
            cx.err(
                raw.class.span(),
                "`class` is one of \"live\", \"repo\", \"manual\", \"cloud\"",
            )
        })?;
        config.items.push((raw.id, class));
        config.item_table_spans.push(it.span());
    }
    let mut ids: HashMap<String, Range<usize>> = HashMap::new();
    let mut per_item: HashMap<String, usize> = HashMap::new();
    let mut depends: Vec<Vec<Spanned<String>>> = Vec::new();
    for (n, check) in array_of_tables(&cx, get("check"), "check")?
        .into_iter()
        .enumerate()
    {
        let DeValue::Table(table) = check.get_ref() else {
            unreachable!("array_of_tables returns tables");
        };
        let mut common_table = DeTable::new();
        let mut settings_table = DeTable::new();
        let mut expect_value = None;
        for (k, v) in table.iter() {
            if k.get_ref() == "expect" {
                expect_value = Some(v.clone());
            } else if CHECK_KEYS.contains(&k.get_ref().as_ref()) {
                common_table.insert(k.clone(), v.clone());
            } else {
                settings_table.insert(k.clone(), v.clone());
            }
        }
        let common_value = Spanned::new(check.span(), DeValue::Table(common_table));
        let common: Common = match Common::deserialize(ValueDeserializer::from(common_value)) {
            Ok(c) => c,
            Err(e) if e.message().contains("missing field `kind`") => {
                return Err(cx.err(
                    check.span(),
                    format!("this check has no `kind`; it is one of {}", kinds()),
                ));
            }
            Err(e) => return Err(cx.toml_err(&e, check.span())),
        };
        let kind = ProbeKind::from_name(common.kind.get_ref()).ok_or_else(|| {
            cx.err(
                common.kind.span(),
                format!(
                    "unknown probe kind `{}`; it is one of {}",
                    common.kind.get_ref(),
                    kinds()
                ),
            )
        })?;
        let settings_value = Spanned::new(check.span(), DeValue::Table(settings_table));
        validate(kind, ValueDeserializer::from(settings_value.clone()))
            .map_err(|e| cx.toml_err(&e, check.span()))?;
        let settings = toml::Table::deserialize(ValueDeserializer::from(settings_value))
            .map_err(|e| cx.toml_err(&e, check.span()))?;
        let expect = match expect_value {
            None => Vec::new(),
            Some(v) => expectations(&cx, &v)?,
        };
        let class = match &common.class {
            Some(c) => Some(Class::from_name(c.get_ref()).ok_or_else(|| {
                cx.err(
                    c.span(),
                    "`class` is one of \"live\", \"repo\", \"manual\", \"cloud\"",
                )
            })?),
            None => None,
        };
        if class == Some(Class::Manual) {
            return Err(cx.err(
                common.class.as_ref().map_or(check.span(), Spanned::span),
                "a check cannot be `manual`: manual items are never passed by a machine (remove the check, or use [[item]])",
            ));
        }
        let item = common.item.as_ref().map(|s| s.get_ref().clone());
        let id = match &common.id {
            Some(id) => id.get_ref().clone(),
            None => match &item {
                Some(item) => {
                    let count = per_item.entry(item.clone()).or_insert(0);
                    *count += 1;
                    if *count == 1 {
                        item.clone()
                    } else {
                        format!("{item}#{count}")
                    }
                }
                None => common
                    .name
                    .as_deref()
                    .map(|n| golive_checklist::text::slug(n, 48))
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| format!("{kind}-{}", n + 1)),
            },
        };
        let id_span = common.id.as_ref().map_or(check.span(), Spanned::span);
        if let Some(first) = ids.insert(id.clone(), id_span.clone()) {
            let (line, _) = line_col(text, first.start);
            return Err(cx.err(
                id_span,
                format!(
                    "two checks have the id `{id}` (the first at line {line}); give one an `id`"
                ),
            ));
        }
        let (line, _) = line_col(text, check.span().start);
        let mut spec = CheckSpec::new(id, kind, settings, Origin::Config { line });
        spec.name = common
            .name
            .clone()
            .unwrap_or_else(|| item.clone().unwrap_or_else(|| spec.id.clone()));
        spec.item = item;
        spec.expect = expect;
        spec.timeout = common
            .timeout
            .as_ref()
            .map(|t| cx.duration(t))
            .transpose()?;
        spec.retries = common.retries.unwrap_or(defaults_retries);
        spec.retry_delay = match &common.retry_delay {
            Some(d) => cx.duration(d)?,
            None => defaults_retry_delay,
        };
        spec.depends_on = common
            .depends_on
            .iter()
            .map(|d| d.get_ref().clone())
            .collect();
        spec.advisory = common.advisory;
        depends.push(common.depends_on);
        config
            .item_spans
            .push(common.item.as_ref().map(Spanned::span));
        config.class_of_check.push(class);
        config.checks.push(spec);
    }
    for (spec, deps) in config.checks.iter().zip(&depends) {
        for d in deps {
            if !ids.contains_key(d.get_ref()) {
                return Err(cx.err(
                    d.span(),
                    format!("`{}` is not the id of a check in this file", d.get_ref()),
                ));
            }
            if d.get_ref() == &spec.id {
                return Err(cx.err(d.span(), "a check cannot depend on itself"));
            }
        }
    }
    if let Err(e) = golive_core::plan::check_dependencies(&config.checks) {
        let first = match &e {
            golive_core::DependencyError::Cycle(names) => {
                names.first().cloned().unwrap_or_default()
            }
            golive_core::DependencyError::Unknown { check, .. } => check.clone(),
        };
        let span = ids.get(&first).cloned().unwrap_or(0..0);
        return Err(cx.err(span, e.to_string()));
    }
    Ok(config)
}

fn array_of_tables<'a, 'b>(
    cx: &Ctx<'_>,
    value: Option<&'b Spanned<DeValue<'a>>>,
    name: &str,
) -> Result<Vec<&'b Spanned<DeValue<'a>>>, ConfigError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let DeValue::Array(items) = value.get_ref() else {
        return Err(cx.err(
            value.span(),
            format!("`{name}` is a list of tables: write each as [[{name}]]"),
        ));
    };
    items
        .iter()
        .map(|v| match v.get_ref() {
            DeValue::Table(_) => Ok(v),
            _ => Err(cx.err(
                v.span(),
                format!("each `{name}` is a table: write it as [[{name}]]"),
            )),
        })
        .collect()
}

fn expectations(
    cx: &Ctx<'_>,
    value: &Spanned<DeValue<'_>>,
) -> Result<Vec<Expectation>, ConfigError> {
    let one = |v: &Spanned<DeValue<'_>>| -> Result<Expectation, ConfigError> {
        let DeValue::String(s) = v.get_ref() else {
            return Err(cx.err(
                v.span(),
                "an expectation is a string, like \"status == 200\"",
            ));
        };
        Expectation::parse(s).map_err(|e| {
            // Point into the string: one past the opening quote, then the
            // offset in characters (exact unless escapes come before it).
            let raw = &cx.text[v.span()];
            let open = if raw.starts_with("'''") || raw.starts_with("\"\"\"") {
                3
            } else {
                1
            };
            let start = v.span().start + open;
            let at = cx.text[start..]
                .char_indices()
                .nth(e.offset)
                .map_or(v.span().end, |(i, _)| start + i);
            cx.err(at..at + 1, format!("in expectation `{s}`: {e}"))
        })
    };
    match value.get_ref() {
        DeValue::Array(a) => a.iter().map(one).collect(),
        DeValue::String(_) => Ok(vec![one(value)?]),
        _ => Err(cx.err(
            value.span(),
            "`expect` is a list of strings, like [\"status == 200\", \"time < 2s\"]",
        )),
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn kinds() -> String {
    ProbeKind::ALL
        .iter()
        .map(|k| format!("`{}`", k.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn watch(cx: &Ctx<'_>, v: &Spanned<DeValue<'_>>) -> Result<Watch, ConfigError> {
    let raw: golive_core::watch::WatchToml = cx.de(v)?;
    let span = v.span();
    let schedule = match raw.schedule {
        Some(phases) => {
            if phases.is_empty() || phases.windows(2).any(|w| w[0].until >= w[1].until) {
                return Err(cx.err(
                    span,
                    "`watch.schedule` lists phases in order of `until`: [{ every = \"1m\", until = \"4h\" }, …]",
                ));
            }
            if phases.iter().any(|p| p.every.is_zero()) {
                return Err(cx.err(
                    span,
                    "a `watch.schedule` phase's `every` is longer than zero",
                ));
            }
            Some(golive_core::watch::Schedule { phases })
        }
        None => None,
    };
    let mut triggers = Vec::new();
    for t in raw.trigger {
        let name = t.name.clone();
        let trigger = t
            .build()
            .map_err(|e| cx.err(span.clone(), format!("watch trigger `{name}`: {e}")))?;
        if triggers
            .iter()
            .any(|x: &golive_core::watch::Trigger| x.name == trigger.name)
        {
            return Err(cx.err(span, format!("two watch triggers are called `{name}`")));
        }
        triggers.push(trigger);
    }
    Ok(Watch {
        schedule,
        rollback: raw.rollback.filter(|r| !r.trim().is_empty()),
        settle: raw.settle,
        triggers,
        notify: raw.notify,
    })
}

impl Config {
    /// The plan of a config without a checklist: each check is its own item.
    pub fn plan(&self) -> Plan {
        Plan {
            items: Vec::new(),
            checks: self.checks.clone(),
            waivers: self.waivers.clone(),
            policy: self.policy.clone(),
        }
    }

    /// The plan of a config bound to its checklist. Every `item` must name
    /// an item of the checklist.
    pub fn bind(&self, checklist: &Checklist, checklist_name: &str) -> Result<Plan, ConfigError> {
        let cx = Ctx { text: &self.text };
        let index: HashMap<&str, usize> = checklist
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| (it.id.as_str(), i))
            .collect();
        let mut checks_of: Vec<Vec<usize>> = vec![Vec::new(); checklist.items.len()];
        for (k, spec) in self.checks.iter().enumerate() {
            let Some(item) = &spec.item else { continue };
            match index.get(item.as_str()) {
                Some(&i) => checks_of[i].push(k),
                None => {
                    let span = self.item_spans[k].clone().unwrap_or(0..0);
                    return Err(cx.err(
                        span,
                        format!(
                            "no item `{item}` in {checklist_name}{}",
                            suggest(item, checklist)
                        ),
                    ));
                }
            }
        }
        let overrides: HashMap<&str, Class> =
            self.items.iter().map(|(id, c)| (id.as_str(), *c)).collect();
        for (k, (id, _)) in self.items.iter().enumerate() {
            if !index.contains_key(id.as_str()) {
                return Err(cx.err(
                    self.item_table_spans[k].clone(),
                    format!(
                        "no item `{id}` in {checklist_name}{}",
                        suggest(id, checklist)
                    ),
                ));
            }
        }
        let items = checklist
            .items
            .iter()
            .enumerate()
            .map(|(i, it)| {
                let checks = checks_of[i].clone();
                let first = checks.first().map(|&k| &self.checks[k]);
                let class = first
                    .map(|c| {
                        let k = self.checks.iter().position(|x| x.id == c.id).unwrap_or(0);
                        self.class_of_check[k].unwrap_or_else(|| c.kind.class())
                    })
                    .or_else(|| overrides.get(it.id.as_str()).copied())
                    .unwrap_or(Class::Manual);
                let why = match first {
                    Some(c) => match c.origin {
                        Origin::Config { line } => format!("golive.toml, line {line}"),
                        Origin::Mapping { ref why } => why.clone(),
                    },
                    None if class == Class::Cloud => {
                        "golive.toml classes it cloud; it runs once a command check is added".into()
                    }
                    None => "no check in golive.toml".into(),
                };
                PlannedItem {
                    index: i,
                    class,
                    probe: first.map(|c| c.kind),
                    thresholds: Vec::new(),
                    why,
                    checks,
                    needs: match (first, class) {
                        (None, Class::Cloud) => vec!["a command check in golive.toml".into()],
                        (None, Class::Live | Class::Repo) => vec!["a check in golive.toml".into()],
                        _ => Vec::new(),
                    },
                }
            })
            .collect();
        Ok(Plan {
            items,
            checks: self.checks.clone(),
            waivers: self.waivers.clone(),
            policy: self.policy.clone(),
        })
    }
}

fn suggest(wanted: &str, checklist: &Checklist) -> String {
    let last = wanted.rsplit('/').next().unwrap_or(wanted);
    let close: Vec<&str> = checklist
        .items
        .iter()
        .map(|i| i.id.as_str())
        .filter(|id| id.ends_with(last) || (last.len() > 8 && id.contains(last)))
        .take(3)
        .collect();
    if close.is_empty() {
        " (`golive plan` lists the ids)".into()
    } else {
        format!(
            "; did you mean {}?",
            close
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    }
}

#[cfg(test)]
mod watch_tests {
    use super::*;

    fn read(text: &str) -> Result<Config, ConfigError> {
        parse(text, &|_, _| Ok(()))
    }

    #[test]
    fn the_watch_section_reads_triggers_notifiers_and_schedule() {
        let c = read(
            r#"
[watch]
rollback = "helm rollback api 41"
settle = "30s"
schedule = [{ every = "1m", until = "4h" }, { every = "30m", until = "8h" }]

[[watch.trigger]]
name = "unavailable"
when = "down"
for = "5m"

[[watch.trigger]]
name = "errors"
when = "error_rate > 10%"
failure_limit = 2

[[watch.notify]]
kind = "webhook"
url = "https://hooks.example.com/golive"
secret = "${WEBHOOK_SECRET}"
"#,
        )
        .unwrap();
        let w = c.watch.unwrap();
        assert_eq!(w.rollback.as_deref(), Some("helm rollback api 41"));
        assert_eq!(w.schedule.unwrap().end(), Duration::from_secs(8 * 3600));
        assert_eq!(w.triggers.len(), 2);
        assert_eq!(w.triggers[0].hold, Duration::from_secs(300));
        assert_eq!(w.triggers[1].failure_limit, 2);
        assert_eq!(w.notify.len(), 1);
    }

    #[test]
    fn a_wrong_trigger_names_its_line() {
        let e =
            read("[watch]\n\n[[watch.trigger]]\nname = \"x\"\nwhen = \"cpu > 5%\"\n").unwrap_err();
        assert!(e.message.contains("not a trigger condition"), "{e}");
        let e = read("[watch]\nbogus = 1\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }
}
