//! After launch: the schedule `golive watch` re-runs the live checks on, and
//! the rollback triggers it judges each round by. Pure: rounds of
//! measurements in, trigger states out; the watch loop does the I/O.
//!
//! A trigger's semantics follow the progressive-delivery tools (Argo
//! Rollouts' analysis, Flagger) because teams already reason in them:
//! every round is one *measurement* of the trigger's condition — failed,
//! passed, or no data. The trigger **fires** when more than
//! `failure_limit` measurements within the trailing `window` failed *and*
//! the current run of failures has lasted at least `for` (so a flapping
//! service that never stays down for `for` never fires). No data is never
//! success: after more than `consecutive_error_limit` measurements without
//! data in a row, or before any data at all, the trigger is
//! **inconclusive**. A failed measurement that does not fire yet makes it
//! **pending**; a passed one makes it **ok** again.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};

use crate::kind::ProbeKind;

/// One phase of the schedule: a round every `every` until `until` after the
/// watch started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    #[serde(deserialize_with = "de_duration", serialize_with = "ser_duration")]
    pub every: Duration,
    #[serde(deserialize_with = "de_duration", serialize_with = "ser_duration")]
    pub until: Duration,
}

/// When rounds run, relative to the watch's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// In order of `until`.
    pub phases: Vec<Phase>,
}

impl Default for Schedule {
    /// The seeds' post-launch cadence: "Hour 1-4: intensive monitoring …
    /// Hour 4-8: check every 30 minutes … Hour 8-24: check every 2 hours".
    fn default() -> Self {
        let h = |n: u64| Duration::from_secs(n * 3600);
        let m = |n: u64| Duration::from_secs(n * 60);
        Self {
            phases: vec![
                Phase {
                    every: m(1),
                    until: h(4),
                },
                Phase {
                    every: m(30),
                    until: h(8),
                },
                Phase {
                    every: h(2),
                    until: h(24),
                },
            ],
        }
    }
}

impl Schedule {
    /// One interval until `until`.
    pub fn every(every: Duration, until: Duration) -> Self {
        Self {
            phases: vec![Phase { every, until }],
        }
    }

    /// When the watch ends, after its start.
    pub fn end(&self) -> Duration {
        self.phases.last().map_or(Duration::ZERO, |p| p.until)
    }

    /// The wait after a round that ran `elapsed` after the start; `None`
    /// when the schedule is over.
    pub fn interval_at(&self, elapsed: Duration) -> Option<Duration> {
        self.phases
            .iter()
            .find(|p| elapsed < p.until)
            .map(|p| p.every.max(Duration::from_millis(1)))
    }

    /// When the round after one at `last` (None: no round yet) is due,
    /// after the start; `None` when the schedule is over.
    pub fn next_after(&self, last: Option<Duration>) -> Option<Duration> {
        let next = match last {
            None => Duration::ZERO,
            Some(t) => t + self.interval_at(t)?,
        };
        (next < self.end()).then_some(next)
    }

    /// The same schedule cut at `limit` (`--for`).
    pub fn cut(self, limit: Duration) -> Self {
        let mut out = Vec::new();
        for p in self.phases {
            if p.until >= limit {
                out.push(Phase {
                    every: p.every,
                    until: limit,
                });
                break;
            }
            out.push(p);
        }
        Self { phases: out }
    }
}

/// What one item showed in one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub item: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<ProbeKind>,
    /// `None`: no data (not verified, skipped).
    pub up: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub latency_ms: Option<f64>,
}

/// One round of the watch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Round {
    pub number: u64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub samples: Vec<Sample>,
}

/// What a trigger's condition is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `error_rate > 10%`: the share of selected items down.
    ErrorRate { above: f64 },
    /// `down`: any selected item is down.
    Down,
    /// `database_down`: a database item (postgres, mysql, redis, mongodb)
    /// is down.
    DatabaseDown,
    /// `latency_increase > 50%`: the selected items' latency against the
    /// baseline measured at the GO run.
    LatencyIncrease { above: f64 },
}

impl Condition {
    /// Reads `error_rate > 10%`, `down`, `database_down`,
    /// `latency_increase > 50%`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        let percent = |rest: &str| -> Result<f64, String> {
            let rest = rest.trim();
            let n = rest
                .strip_prefix('>')
                .map(str::trim)
                .and_then(|r| r.strip_suffix('%'))
                .and_then(|r| r.trim().trim_start_matches('+').parse::<f64>().ok())
                .filter(|n| n.is_finite() && *n >= 0.0);
            n.ok_or_else(|| format!("`{s}`: write the threshold as `> N%`"))
        };
        if let Some(rest) = t.strip_prefix("error_rate") {
            return Ok(Self::ErrorRate {
                above: percent(rest)?,
            });
        }
        if let Some(rest) = t.strip_prefix("latency_increase") {
            return Ok(Self::LatencyIncrease {
                above: percent(rest)?,
            });
        }
        match t {
            "down" => Ok(Self::Down),
            "database_down" => Ok(Self::DatabaseDown),
            _ => Err(format!(
                "`{s}` is not a trigger condition; write one of `error_rate > 10%`, `down`, `database_down`, `latency_increase > 50%`"
            )),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ErrorRate { above } => write!(f, "error_rate > {above}%"),
            Self::Down => f.write_str("down"),
            Self::DatabaseDown => f.write_str("database_down"),
            Self::LatencyIncrease { above } => write!(f, "latency_increase > {above}%"),
        }
    }
}

/// A rollback trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub name: String,
    pub condition: Condition,
    /// Item ids (globs) the condition is about; empty: every live item.
    pub items: Vec<String>,
    /// How long a run of failed measurements must last before firing.
    pub hold: Duration,
    /// The trailing window failed measurements are counted in.
    pub window: Duration,
    /// Failed measurements within the window tolerated.
    pub failure_limit: u32,
    /// Measurements without data in a row tolerated before inconclusive.
    pub consecutive_error_limit: u32,
    /// Evaluated and reported, never acted on.
    pub dry_run: bool,
    /// The checklist's words it was read from, when mapped.
    pub words: Option<String>,
}

impl Trigger {
    pub fn new(name: impl Into<String>, condition: Condition) -> Self {
        Self {
            name: name.into(),
            condition,
            items: Vec::new(),
            hold: Duration::ZERO,
            window: Duration::from_secs(300),
            failure_limit: 0,
            consecutive_error_limit: 4,
            dry_run: false,
            words: None,
        }
    }

    /// The longest stretch of history the trigger looks at: what a resumed
    /// watch must read back from its store.
    pub fn memory(&self) -> Duration {
        self.window.max(self.hold)
    }
}

/// `[[watch.trigger]]` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerToml {
    pub name: String,
    pub when: String,
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default, rename = "for", deserialize_with = "de_opt_duration")]
    pub hold: Option<Duration>,
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub window: Option<Duration>,
    pub failure_limit: Option<u32>,
    pub consecutive_error_limit: Option<u32>,
    #[serde(default)]
    pub dry_run: bool,
}

impl TriggerToml {
    pub fn build(self) -> Result<Trigger, String> {
        let mut t = Trigger::new(self.name, Condition::parse(&self.when)?);
        t.items = self.items;
        if let Some(h) = self.hold {
            t.hold = h;
        }
        // A window shorter than the hold could never hold enough failures.
        t.window = self.window.unwrap_or(t.window).max(t.hold);
        if let Some(n) = self.failure_limit {
            t.failure_limit = n;
        }
        if let Some(n) = self.consecutive_error_limit {
            t.consecutive_error_limit = n;
        }
        t.dry_run = self.dry_run;
        Ok(t)
    }
}

/// `[[watch.notify]]`: where alerts go. Values may use `${VAR}`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "snake_case")]
pub enum NotifyToml {
    /// A Slack incoming webhook.
    Slack { url: String },
    /// A JSON webhook signed the Standard Webhooks way.
    Webhook { url: String, secret: String },
    /// Email over SMTP (STARTTLS when offered, AUTH with credentials).
    Email {
        host: String,
        #[serde(default = "smtp_port")]
        port: u16,
        username: Option<String>,
        password: Option<String>,
        from: String,
        to: Vec<String>,
        #[serde(default = "yes")]
        starttls: bool,
        #[serde(default)]
        insecure: bool,
    },
}

fn smtp_port() -> u16 {
    587
}

fn yes() -> bool {
    true
}

/// `[watch]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchToml {
    /// Replaces the default schedule.
    pub schedule: Option<Vec<Phase>>,
    /// The rollback command, run by a shell (only with `--arm-rollback`).
    pub rollback: Option<String>,
    /// How long to let a rollback settle before verifying it.
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub settle: Option<Duration>,
    #[serde(default)]
    pub trigger: Vec<TriggerToml>,
    #[serde(default)]
    pub notify: Vec<NotifyToml>,
}

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    crate::parse_duration(&s).map_err(serde::de::Error::custom)
}

fn de_opt_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    de_duration(d).map(Some)
}

fn ser_duration<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::format_duration(*d))
}

/// One measurement of a trigger's condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measurement {
    Passed,
    Failed,
    /// Nothing the condition is about had data this round.
    NoData,
}

/// Where a trigger stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerState {
    Ok,
    Pending,
    Fired,
    Inconclusive,
}

impl TriggerState {
    pub const ALL: [Self; 4] = [Self::Ok, Self::Pending, Self::Fired, Self::Inconclusive];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Pending => "pending",
            Self::Fired => "fired",
            Self::Inconclusive => "inconclusive",
        }
    }
}

impl fmt::Display for TriggerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const DATABASE_KINDS: &[ProbeKind] = &[
    ProbeKind::Postgres,
    ProbeKind::Mysql,
    ProbeKind::Redis,
    ProbeKind::Mongodb,
];

/// `*` any run of characters, `?` one.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
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

/// Measures a trigger's condition on one round; the words say what was
/// seen. `baseline` is each item's latency at the GO run, in ms.
pub fn measure(
    trigger: &Trigger,
    round: &Round,
    baseline: &HashMap<String, f64>,
) -> (Measurement, String) {
    let selected: Vec<&Sample> = round
        .samples
        .iter()
        .filter(|s| {
            trigger.items.is_empty() || trigger.items.iter().any(|p| glob_match(p, &s.item))
        })
        .filter(|s| {
            trigger.condition != Condition::DatabaseDown
                || s.kind.is_some_and(|k| DATABASE_KINDS.contains(&k))
        })
        .collect();
    let with_data: Vec<&Sample> = selected
        .iter()
        .copied()
        .filter(|s| s.up.is_some())
        .collect();
    let down: Vec<&str> = with_data
        .iter()
        .filter(|s| s.up == Some(false))
        .map(|s| s.item.as_str())
        .collect();
    let nodata = |what: &str| (Measurement::NoData, format!("no data: {what}"));
    match &trigger.condition {
        Condition::ErrorRate { above } => {
            if with_data.is_empty() {
                return nodata("no item it covers was measured");
            }
            #[allow(clippy::cast_precision_loss)]
            let rate = down.len() as f64 * 100.0 / with_data.len() as f64;
            let words = format!(
                "error rate {rate:.0}% ({} of {} down)",
                down.len(),
                with_data.len()
            );
            if rate > *above {
                (Measurement::Failed, format!("{words} > {above}%"))
            } else {
                (Measurement::Passed, words)
            }
        }
        Condition::Down | Condition::DatabaseDown => {
            if with_data.is_empty() {
                return nodata(if trigger.condition == Condition::DatabaseDown {
                    "no database item was measured"
                } else {
                    "no item it covers was measured"
                });
            }
            if down.is_empty() {
                (
                    Measurement::Passed,
                    format!("{} item(s) up", with_data.len()),
                )
            } else {
                (Measurement::Failed, format!("down: {}", down.join(", ")))
            }
        }
        Condition::LatencyIncrease { above } => {
            let (mut now, mut then) = (0.0, 0.0);
            for s in &with_data {
                if let (Some(l), Some(b)) = (s.latency_ms, baseline.get(&s.item))
                    && s.up == Some(true)
                    && b.is_finite()
                {
                    now += l;
                    // Stored runs keep whole milliseconds: a loopback answer
                    // measured at 0ms was under one.
                    then += b.max(1.0);
                }
            }
            if then <= 0.0 {
                return nodata("no latency to compare with the GO run's");
            }
            let increase = (now / then - 1.0) * 100.0;
            let words =
                format!("latency {increase:+.0}% against the GO run ({now:.0}ms vs {then:.0}ms)");
            if increase > *above {
                (Measurement::Failed, format!("{words} > {above}%"))
            } else {
                (Measurement::Passed, words)
            }
        }
    }
}

/// A trigger's memory of its recent measurements. Bounded by its window:
/// a watch of thousands of rounds keeps only what the window covers.
#[derive(Debug, Clone)]
pub struct Evaluator {
    pub trigger: Trigger,
    history: VecDeque<(i64, Measurement)>,
    streak_since: Option<i64>,
    no_data_run: u32,
    seen_data: bool,
    state: TriggerState,
    since_ms: Option<i64>,
}

/// What a round did to a trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub measurement: Measurement,
    pub detail: String,
    pub from: TriggerState,
    pub to: TriggerState,
}

impl Step {
    /// The trigger fired this round (and was not firing before).
    pub fn fired(&self) -> bool {
        self.to == TriggerState::Fired && self.from != TriggerState::Fired
    }

    pub fn changed(&self) -> bool {
        self.from != self.to
    }
}

impl Evaluator {
    pub fn new(trigger: Trigger) -> Self {
        Self {
            trigger,
            history: VecDeque::new(),
            streak_since: None,
            no_data_run: 0,
            seen_data: false,
            state: TriggerState::Inconclusive,
            since_ms: None,
        }
    }

    pub fn state(&self) -> TriggerState {
        self.state
    }

    /// When the state was entered (ms since the epoch).
    pub fn since_ms(&self) -> Option<i64> {
        self.since_ms
    }

    /// Measures `round` and moves the state.
    pub fn observe(&mut self, round: &Round, baseline: &HashMap<String, f64>) -> Step {
        let (m, detail) = measure(&self.trigger, round, baseline);
        let from = self.state;
        let to = self.push(round.at_ms, m);
        if to != from || self.since_ms.is_none() {
            self.since_ms = Some(round.at_ms);
        }
        self.state = to;
        Step {
            measurement: m,
            detail,
            from,
            to,
        }
    }

    fn push(&mut self, at: i64, m: Measurement) -> TriggerState {
        let window = i64::try_from(self.trigger.window.as_millis()).unwrap_or(i64::MAX);
        self.history.push_back((at, m));
        while self
            .history
            .front()
            .is_some_and(|(t, _)| at.saturating_sub(*t) > window)
        {
            self.history.pop_front();
        }
        match m {
            Measurement::NoData => {
                self.no_data_run += 1;
                if !self.seen_data || self.no_data_run > self.trigger.consecutive_error_limit {
                    TriggerState::Inconclusive
                } else {
                    self.state
                }
            }
            Measurement::Passed => {
                self.seen_data = true;
                self.no_data_run = 0;
                self.streak_since = None;
                TriggerState::Ok
            }
            Measurement::Failed => {
                self.seen_data = true;
                self.no_data_run = 0;
                let since = *self.streak_since.get_or_insert(at);
                let failures = self
                    .history
                    .iter()
                    .filter(|(_, m)| *m == Measurement::Failed)
                    .count();
                let held = u128::try_from(at.saturating_sub(since)).unwrap_or(0)
                    >= self.trigger.hold.as_millis();
                if held && failures > self.trigger.failure_limit as usize {
                    TriggerState::Fired
                } else {
                    TriggerState::Pending
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round(n: u64, at_ms: i64, ups: &[Option<bool>]) -> Round {
        Round {
            number: n,
            at_ms,
            samples: ups
                .iter()
                .enumerate()
                .map(|(i, up)| Sample {
                    item: format!("item-{i}"),
                    kind: Some(ProbeKind::Http),
                    up: *up,
                    latency_ms: Some(10.0),
                })
                .collect(),
        }
    }

    fn down_for(hold_ms: u64) -> Trigger {
        let mut t = Trigger::new("t", Condition::Down);
        t.hold = Duration::from_millis(hold_ms);
        t.window = Duration::from_millis(hold_ms.max(1000) * 2);
        t
    }

    #[test]
    fn the_default_schedule_is_the_seeds_cadence() {
        let s = Schedule::default();
        let min = Duration::from_secs(60);
        assert_eq!(s.next_after(None), Some(Duration::ZERO));
        assert_eq!(s.next_after(Some(min)), Some(2 * min));
        assert_eq!(s.interval_at(min * 5 * 60), Some(30 * min));
        assert_eq!(s.interval_at(min * 9 * 60), Some(120 * min));
        assert_eq!(s.next_after(Some(min * 23 * 60)), None);
        let cut = Schedule::default().cut(Duration::from_secs(5 * 3600));
        assert_eq!(cut.end(), Duration::from_secs(5 * 3600));
        assert_eq!(cut.phases.len(), 2);
    }

    #[test]
    fn conditions_read_as_written() {
        assert_eq!(
            Condition::parse("error_rate > 10%").unwrap(),
            Condition::ErrorRate { above: 10.0 }
        );
        assert_eq!(
            Condition::parse("latency_increase > +50%").unwrap(),
            Condition::LatencyIncrease { above: 50.0 }
        );
        assert!(Condition::parse("error_rate 10").is_err());
        assert!(Condition::parse("cpu > 5%").is_err());
    }

    #[test]
    fn fires_only_after_the_hold() {
        let mut e = Evaluator::new(down_for(1000));
        let base = HashMap::new();
        assert_eq!(
            e.observe(&round(1, 0, &[Some(true)]), &base).to,
            TriggerState::Ok
        );
        let mut fired_at = None;
        for (n, t) in (200..=2000).step_by(200).enumerate() {
            let s = e.observe(&round(n as u64 + 2, t, &[Some(false)]), &base);
            if s.fired() {
                fired_at = Some(t);
                break;
            }
            assert_eq!(s.to, TriggerState::Pending);
        }
        // First failure at 200ms, held for 1s: fires at 1200ms.
        assert_eq!(fired_at, Some(1200));
    }

    #[test]
    fn no_data_is_inconclusive_never_ok() {
        let mut e = Evaluator::new(Trigger::new("t", Condition::ErrorRate { above: 10.0 }));
        let base = HashMap::new();
        let s = e.observe(&round(1, 0, &[None, None]), &base);
        assert_eq!(s.measurement, Measurement::NoData);
        assert_eq!(s.to, TriggerState::Inconclusive);
        let empty = Round {
            number: 2,
            at_ms: 10,
            samples: vec![],
        };
        assert_eq!(e.observe(&empty, &base).to, TriggerState::Inconclusive);
    }

    #[test]
    fn latency_compares_with_the_baseline() {
        let t = Trigger::new("slow", Condition::LatencyIncrease { above: 50.0 });
        let base = HashMap::from([("item-0".to_string(), 5.0)]);
        let (m, words) = measure(&t, &round(1, 0, &[Some(true)]), &base);
        assert_eq!(m, Measurement::Failed, "{words}");
        let (m, _) = measure(&t, &round(1, 0, &[Some(true)]), &HashMap::new());
        assert_eq!(m, Measurement::NoData);
    }

    #[test]
    fn database_down_looks_at_databases_only() {
        let t = Trigger::new("db", Condition::DatabaseDown);
        let mut r = round(1, 0, &[Some(false), Some(true)]);
        assert_eq!(measure(&t, &r, &HashMap::new()).0, Measurement::NoData);
        r.samples[1].kind = Some(ProbeKind::Postgres);
        r.samples[1].up = Some(false);
        assert_eq!(measure(&t, &r, &HashMap::new()).0, Measurement::Failed);
    }

    proptest! {
        /// A service that never stays down for the hold never fires,
        /// however often it goes down.
        #[test]
        fn flapping_below_the_hold_never_fires(
            runs in proptest::collection::vec((1u32..5, 1u32..20), 1..60),
        ) {
            // Rounds every 100ms; down runs of at most 4 rounds last at
            // most 300ms from their first failure, below a 400ms hold.
            let mut e = Evaluator::new(down_for(400));
            let base = HashMap::new();
            let (mut n, mut t) = (0u64, 0i64);
            for (down, up) in runs {
                for _ in 0..down {
                    n += 1; t += 100;
                    let s = e.observe(&round(n, t, &[Some(false)]), &base);
                    prop_assert_ne!(s.to, TriggerState::Fired);
                }
                for _ in 0..up {
                    n += 1; t += 100;
                    e.observe(&round(n, t, &[Some(true)]), &base);
                }
            }
        }

        /// Without data a trigger is never ok and never fires.
        #[test]
        fn no_data_never_passes(len in 1usize..50, limit in 0u32..5) {
            let mut trigger = Trigger::new("t", Condition::Down);
            trigger.consecutive_error_limit = limit;
            let mut e = Evaluator::new(trigger);
            for i in 0..len {
                let s = e.observe(&round(i as u64, i as i64 * 10, &[None]), &HashMap::new());
                prop_assert_eq!(s.to, TriggerState::Inconclusive);
            }
        }

        /// A failure lasting past the hold with more failures than tolerated
        /// always fires.
        #[test]
        fn a_sustained_failure_fires(limit in 0u32..5, hold_rounds in 0u32..10) {
            let mut trigger = Trigger::new("t", Condition::Down);
            trigger.failure_limit = limit;
            trigger.hold = Duration::from_millis(u64::from(hold_rounds) * 100);
            trigger.window = Duration::from_secs(60);
            let mut e = Evaluator::new(trigger);
            let mut fired = false;
            for i in 0..(limit.max(hold_rounds) + 2) {
                fired |= e.observe(&round(u64::from(i), i64::from(i) * 100, &[Some(false)]), &HashMap::new()).fired();
            }
            prop_assert!(fired);
        }
    }
}
