//! Rollback triggers from the checklist's own rollback section, where its
//! words state one plainly: "Error rate > 10%", "Service unavailability
//! (>5 minutes)", "Performance degradation > 50%", "Database connection
//! failures". Only lines under a heading that speaks of rollback are read,
//! and a line that names no threshold it needs (an unavailability without a
//! duration, an error rate without a percentage) is left alone: a trigger
//! that rolls back a healthy release is worse than none.

use std::sync::LazyLock;
use std::time::Duration;

use golive_checklist::Checklist;
use golive_core::watch::{Condition, Trigger};
use regex::Regex;

static PERCENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:>|above|over|exceeds?|more than|greater than)\s*(\d+(?:\.\d+)?)\s*%")
        .expect("static regex")
});
static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:>|above|over|more than|longer than|for)\s*(\d+)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b")
        .expect("static regex")
});

fn in_rollback_section(c: &Checklist, mut section: Option<usize>) -> bool {
    while let Some(i) = section {
        let s = &c.sections[i];
        if s.title.to_lowercase().contains("rollback")
            || s.title.to_lowercase().contains("roll back")
        {
            return true;
        }
        section = s.parent;
    }
    false
}

/// The lines of the rollback sections: task items and plain bullets.
fn rollback_lines(c: &Checklist) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, s) in c.sections.iter().enumerate() {
        if !in_rollback_section(c, Some(i)) {
            continue;
        }
        for b in &s.blocks {
            for l in b.content.lines() {
                let t = l.trim_start();
                if let Some(rest) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
                    lines.push(rest.trim().to_string());
                }
            }
        }
    }
    for item in &c.items {
        if in_rollback_section(c, item.section) {
            lines.push(item.plain.clone());
        }
    }
    lines
}

fn duration_of(text: &str) -> Option<Duration> {
    let c = DURATION.captures(text)?;
    let n: u64 = c[1].parse().ok()?;
    let unit = c[2].to_lowercase();
    let secs = match unit.chars().next()? {
        's' => n,
        'm' => n * 60,
        _ => n * 3600,
    };
    Some(Duration::from_secs(secs))
}

fn percent_of(text: &str) -> Option<f64> {
    PERCENT.captures(text)?[1].parse().ok()
}

/// One trigger per kind of condition the rollback section states.
pub fn triggers(checklist: &Checklist) -> Vec<Trigger> {
    let mut out: Vec<Trigger> = Vec::new();
    for line in rollback_lines(checklist) {
        let lower = line.to_lowercase();
        let has = |w: &[&str]| w.iter().any(|w| lower.contains(w));
        let trigger = if has(&["error rate"]) {
            percent_of(&line).map(|p| {
                let mut t = Trigger::new("error-rate", Condition::ErrorRate { above: p });
                // Three bad rounds within the window, not one unlucky one.
                t.failure_limit = 2;
                t
            })
        } else if has(&["database", "db "]) && has(&["fail", "down", "unavailab", "lost", "error"])
        {
            let mut t = Trigger::new("database", Condition::DatabaseDown);
            t.failure_limit = 1;
            Some(t)
        } else if has(&["unavailab", "outage", " down"]) {
            duration_of(&line).map(|d| {
                let mut t = Trigger::new("unavailable", Condition::Down);
                t.hold = d;
                t.window = t.window.max(d);
                t
            })
        } else if has(&["degradation", "latency", "response time", "slower"]) {
            percent_of(&line).map(|p| {
                let mut t = Trigger::new("latency", Condition::LatencyIncrease { above: p });
                t.failure_limit = 2;
                t
            })
        } else {
            None
        };
        if let Some(mut t) = trigger
            && !out.iter().any(|x| x.name == t.name)
        {
            t.words = Some(line.clone());
            out.push(t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_seeds_rollback_sections() {
        let c = Checklist::parse(
            "# Launch\n\n## Backend\n- [ ] Error rate dashboards > 5% alert\n\n## Rollback Plan\n\n### When to Rollback\n\n- Error rate > 10%\n- Critical functionality broken\n- Performance degradation > 50%\n\n#### Automated Rollback Triggers\n- [ ] High error rate threshold (>10%)\n- [ ] Service unavailability (>5 minutes)\n- [ ] Database connection failures\n- [ ] Critical security incidents\n",
        )
        .unwrap();
        let t = triggers(&c);
        let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["error-rate", "latency", "unavailable", "database"],
            "{t:?}"
        );
        assert_eq!(t[0].condition, Condition::ErrorRate { above: 10.0 });
        assert_eq!(t[1].condition, Condition::LatencyIncrease { above: 50.0 });
        assert_eq!(t[2].hold, Duration::from_secs(300));
        assert_eq!(
            t[2].words.as_deref(),
            Some("Service unavailability (>5 minutes)")
        );
    }

    #[test]
    fn vague_words_make_no_trigger() {
        let c =
            Checklist::parse("# Rollback\n- [ ] Service unavailability\n- [ ] High error rate\n")
                .unwrap();
        assert!(triggers(&c).is_empty());
    }
}
