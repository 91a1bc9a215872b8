//! Thresholds from an item's own words: "(<500ms)", "within 2 seconds",
//! "p95 < 200ms", "100 concurrent users", "95%+ success rate", "error rate
//! < 1%", "at least 32 characters", "13+ indexes".
//!
//! Each becomes an expectation on a named metric. Which probe reads which
//! metric is the mapping's business; this module only reads words.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use golive_core::{Expectation, Threshold};
use regex::Regex;

/// A number with a time unit, in milliseconds.
fn millis(num: &str, unit: &str) -> Option<f64> {
    let n: f64 = num.parse().ok()?;
    let factor = match unit.to_ascii_lowercase().trim_end_matches('.') {
        "ms" | "msec" | "millisecond" | "milliseconds" => 1.0,
        "s" | "sec" | "secs" | "second" | "seconds" => 1000.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60_000.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000.0,
        _ => return None,
    };
    Some(n * factor)
}

fn fmt_ms(ms: f64) -> String {
    if ms >= 1000.0 && (ms / 1000.0).fract() == 0.0 {
        format!("{}s", ms / 1000.0)
    } else {
        format!("{ms}ms")
    }
}

const UNIT: &str = r"(ms|msec|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\b";
const LESS: &str = r"(?:<=?|≤|under|below|less\s+than|within|in\s+under|faster\s+than|no\s+more\s+than|at\s+most|max(?:imum)?(?:\s+of)?|up\s+to|<\s*=)";

static PERCENTILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?:p|percentile\s*)(50|75|90|95|99|99\.9)\b(?:\s*(?:response\s+time|latency|of\s+requests))?\s*(?:is\s+|should\s+be\s+|must\s+be\s+|stays?\s+)?{LESS}\s*(\d+(?:\.\d+)?)\s*{UNIT}"
    ))
    .expect("static regex")
});
static PERCENTILE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    // "response time < 200ms (p95)"
    Regex::new(&format!(
        r"(?i){LESS}\s*(\d+(?:\.\d+)?)\s*{UNIT}\s*\(?\s*p(50|75|90|95|99)\b"
    ))
    .expect("static regex")
});
static LATENCY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i){LESS}\s*(\d+(?:\.\d+)?)\s*{UNIT}")).expect("static regex")
});
static USERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(\d[\d,]*)\s*\+?\s*(?:concurrent\s+|simultaneous\s+|parallel\s+|virtual\s+)?(users|connections|clients|vus)\b")
        .expect("static regex")
});
static RPS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(\d[\d,]*)\s*\+?\s*(?:requests?\s*(?:/|per)\s*(?:s|sec|second)|rps|req/s)\b")
        .expect("static regex")
});
static MULTIPLIER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(\d+(?:\.\d+)?)\s*[x×]\s*(?:the\s+)?(?:normal|usual|expected|peak|baseline)?\s*(?:load|traffic)").expect("static regex")
});
static ERROR_RATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\berror\s*rates?\s*(?:is\s+|should\s+be\s+|of\s+)?(<=?|>=?|≤|below|under|less\s+than|above|over|more\s+than|greater\s+than|exceeds?)\s*\(?\s*(\d+(?:\.\d+)?)\s*%")
        .expect("static regex")
});
static ERROR_RATE_PAREN: LazyLock<Regex> = LazyLock::new(|| {
    // "High error rate threshold (>10%)"
    Regex::new(r"(?i)\berror\s*rates?\b[^()%]{0,30}\(\s*(<=?|>=?)\s*(\d+(?:\.\d+)?)\s*%\s*\)")
        .expect("static regex")
});
static SUCCESS_RATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(\d+(?:\.\d+)?)\s*%\s*\+?\s*(?:or\s+(?:more|higher|better)\s+)?(?:success|pass|passing|uptime|availability)").expect("static regex")
});
static PERCENT_METRIC: LazyLock<Regex> = LazyLock::new(|| {
    // "cache hit rate > 60%", "memory usage below 80%", "CPU utilization below 80%"
    Regex::new(r"(?i)\b(cache\s+hit\s+(?:rate|ratio)|hit\s+rate|memory(?:\s+usage|\s+utili[sz]ation)?|cpu(?:\s+usage|\s+utili[sz]ation)?|disk(?:\s+usage)?|coverage)\s*(?:is\s+|should\s+be\s+|stays?\s+)?(<=?|>=?|≤|≥|below|under|less\s+than|above|over|more\s+than|greater\s+than|at\s+least)\s*(\d+(?:\.\d+)?)\s*%")
        .expect("static regex")
});
static MIN_LENGTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:at\s+least|min(?:imum)?(?:\s+of)?|>=?)\s*(\d+)\s*(?:characters|chars|bytes|bits)\b|\b(\d+)\s*\+\s*(?:characters|chars)\b")
        .expect("static regex")
});
static AT_LEAST_COUNT: LazyLock<Regex> = LazyLock::new(|| {
    // "should be 13+", "13+ indexes", "at least 3 replicas"
    Regex::new(r"(?i)(?:should\s+be|must\s+be|at\s+least|minimum(?:\s+of)?|>=)\s*(\d+)\s*\+?\s*([a-z]+)?|\b(\d+)\s*\+\s*([a-z]+)").expect("static regex")
});
static AGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(older|younger|newer)\s+than\s+(\d+)\s*(days?|hours?|weeks?|minutes?)")
        .expect("static regex")
});
static EVERY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bevery\s+(\d+)\s*(seconds?|minutes?|hours?|days?|s|m|h|d)\b")
        .expect("static regex")
});
static VERSION_MIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(tls|ssl|docker(?:\s+compose)?|node(?:\.js)?|postgres(?:ql)?|redis|python|go|java|http)\s*v?(\d+(?:\.\d+)*)\s*(\+|or\s+(?:higher|later|newer|above)|and\s+(?:up|above|later))")
        .expect("static regex")
});
static VERSION_GE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(tls|docker|node(?:\.js)?|terraform|aws\s+cli|postgres(?:ql)?)\s*\(?\s*>=\s*v?(\d+(?:\.\d+)*)").expect("static regex")
});
static GRADE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bgrade\s+(?:of\s+)?([A-F][+-]?)(?:\s+or\s+(?:better|higher|above|([A-F][+-]?)))?|\b([A-F][+-]?)\s+(?:grade|rating)\b(?:\s+or\s+(?:better|higher))?")
        .expect("static regex")
});

fn push(out: &mut Vec<Threshold>, expect: &str, words: &str) {
    if let Ok(e) = Expectation::parse(expect)
        && !out.iter().any(|t| t.expect == e)
    {
        out.push(Threshold {
            expect: e,
            words: words.trim().to_string(),
        });
    }
}

fn op_of(word: &str) -> &'static str {
    let w = word.to_ascii_lowercase();
    let w = w.split_whitespace().collect::<Vec<_>>().join(" ");
    match w.as_str() {
        "<" | "below" | "under" | "less than" => "<",
        "<=" | "≤" => "<=",
        ">" | "above" | "over" | "more than" | "greater than" | "exceeds" | "exceed" => ">",
        ">=" | "≥" | "at least" => ">=",
        _ => "<",
    }
}

fn number(s: &str) -> String {
    s.replace(',', "")
}

/// Words some pattern needs, one bit per pattern family: the text is read
/// once for all of them, and a family whose words are absent (most, for
/// most items) is not run.
mod cue {
    pub const LESS: u32 = 1;
    pub const PERCENTILE: u32 = 1 << 1;
    pub const ERROR: u32 = 1 << 2;
    pub const PERCENT: u32 = 1 << 3;
    pub const USERS: u32 = 1 << 4;
    pub const REQUESTS: u32 = 1 << 5;
    pub const LOAD: u32 = 1 << 6;
    pub const LENGTH: u32 = 1 << 7;
    pub const VERSION: u32 = 1 << 8;
    pub const COUNT: u32 = 1 << 9;
    pub const THAN: u32 = 1 << 10;
    pub const EVERY: u32 = 1 << 11;
    pub const GRADE: u32 = 1 << 12;
    /// What a version belongs to (TLS, Docker, Node.js...).
    pub const PRODUCT: u32 = 1 << 13;
}

const CUES: &[(&str, u32)] = &[
    ("<", cue::LESS),
    ("≤", cue::LESS),
    ("under", cue::LESS),
    ("below", cue::LESS),
    ("less", cue::LESS),
    ("within", cue::LESS),
    ("faster", cue::LESS),
    ("no more", cue::LESS),
    ("at most", cue::LESS),
    ("max", cue::LESS),
    ("up to", cue::LESS),
    ("percentile", cue::PERCENTILE),
    ("error", cue::ERROR),
    ("%", cue::PERCENT),
    ("user", cue::USERS),
    ("connection", cue::USERS),
    ("client", cue::USERS),
    ("vus", cue::USERS),
    ("req", cue::REQUESTS),
    ("rps", cue::REQUESTS),
    ("load", cue::LOAD),
    ("traffic", cue::LOAD),
    ("char", cue::LENGTH),
    ("byte", cue::LENGTH),
    ("bit", cue::LENGTH),
    ("+", cue::VERSION | cue::COUNT),
    (">=", cue::VERSION | cue::COUNT),
    (" or ", cue::VERSION),
    (" and ", cue::VERSION),
    ("least", cue::COUNT),
    ("minimum", cue::COUNT),
    ("should be", cue::COUNT),
    ("must be", cue::COUNT),
    ("than", cue::THAN),
    ("every", cue::EVERY),
    ("grade", cue::GRADE),
    ("rating", cue::GRADE),
    ("tls", cue::PRODUCT),
    ("ssl", cue::PRODUCT),
    ("docker", cue::PRODUCT),
    ("node", cue::PRODUCT),
    ("postgres", cue::PRODUCT),
    ("redis", cue::PRODUCT),
    ("python", cue::PRODUCT),
    ("go", cue::PRODUCT),
    ("java", cue::PRODUCT),
    ("http", cue::PRODUCT),
    ("terraform", cue::PRODUCT),
    ("aws", cue::PRODUCT),
];

fn cues(text: &str) -> u32 {
    static MATCHER: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(CUES.iter().map(|(w, _)| w))
            .expect("static patterns")
    });
    MATCHER
        .find_overlapping_iter(text)
        .fold(0, |found, m| found | CUES[m.pattern().as_usize()].1)
}

/// The matches of a pattern whose words are in the text; none otherwise.
fn when<'t>(
    present: bool,
    pattern: &Regex,
    text: &'t str,
) -> impl Iterator<Item = regex::Captures<'t>> {
    present
        .then(|| pattern.captures_iter(text))
        .into_iter()
        .flatten()
}

/// Every threshold the text states, in a fixed order: latency percentiles,
/// latency, rates, counts, sizes, ages, versions, grades.
pub fn extract(text: &str) -> Vec<Threshold> {
    let mut out = Vec::new();
    let found = cues(text);
    let has = |family: u32| found & family != 0;
    // Every threshold but a grade has a number: most items have none, and
    // skip every pattern.
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        if has(cue::GRADE) {
            grades(text, &mut out);
        }
        return out;
    }
    let p_digit = text
        .as_bytes()
        .windows(2)
        .any(|w| w[0].eq_ignore_ascii_case(&b'p') && w[1].is_ascii_digit())
        || has(cue::PERCENTILE);
    let less = has(cue::LESS);
    let mut percentile_spans = Vec::new();
    for c in when(p_digit && less, &PERCENTILE, text) {
        if let Some(ms) = millis(&c[2], &c[3]) {
            push(
                &mut out,
                &format!("p{} < {}", c[1].replace(".9", "9"), fmt_ms(ms)),
                &c[0],
            );
            percentile_spans.push(c.get(0).map(|m| m.range()).unwrap_or_default());
        }
    }
    for c in when(p_digit && less, &PERCENTILE_AFTER, text) {
        if let Some(ms) = millis(&c[1], &c[2]) {
            push(&mut out, &format!("p{} < {}", &c[3], fmt_ms(ms)), &c[0]);
            percentile_spans.push(c.get(0).map(|m| m.range()).unwrap_or_default());
        }
    }
    for c in when(less, &LATENCY, text) {
        let m = c.get(0).map(|m| m.range()).unwrap_or_default();
        if percentile_spans.iter().any(|p| {
            p.start <= m.start && m.end <= p.end + 2 || m.start <= p.start && p.end <= m.end
        }) {
            continue;
        }
        let lower = text.to_ascii_lowercase();
        // "within 1 week", "within 24 hours" of a schedule are not latencies.
        let mut from = m.start.saturating_sub(40);
        while !lower.is_char_boundary(from) {
            from -= 1;
        }
        let around = &lower[from..m.end.min(lower.len())];
        let unit = c[2].to_ascii_lowercase();
        let schedule_words = ["week", "day", "hour", "deploy", "launch", "after", "before"];
        if unit.starts_with('h')
            || (unit.starts_with('m') && unit != "ms" && unit != "msec")
                && schedule_words.iter().any(|w| around.contains(w))
        {
            continue;
        }
        if let Some(ms) = millis(&c[1], &c[2]) {
            push(&mut out, &format!("time < {}", fmt_ms(ms)), &c[0]);
        }
    }
    for c in when(has(cue::ERROR), &ERROR_RATE, text).chain(when(
        has(cue::ERROR),
        &ERROR_RATE_PAREN,
        text,
    )) {
        push(
            &mut out,
            &format!("errors {} {}%", op_of(&c[1]), &c[2]),
            &c[0],
        );
    }
    for c in when(has(cue::PERCENT), &SUCCESS_RATE, text) {
        push(&mut out, &format!("success >= {}%", &c[1]), &c[0]);
    }
    for c in when(has(cue::PERCENT), &PERCENT_METRIC, text) {
        let name = c[1].to_ascii_lowercase();
        let metric = if name.contains("hit") {
            "cache_hit_rate"
        } else if name.starts_with("memory") {
            "memory"
        } else if name.starts_with("cpu") {
            "cpu"
        } else if name.starts_with("disk") {
            "disk"
        } else {
            "coverage"
        };
        push(
            &mut out,
            &format!("{metric} {} {}%", op_of(&c[2]), &c[3]),
            &c[0],
        );
    }
    for c in when(has(cue::USERS), &USERS, text) {
        push(&mut out, &format!("users >= {}", number(&c[1])), &c[0]);
    }
    for c in when(has(cue::REQUESTS), &RPS, text) {
        push(&mut out, &format!("rps >= {}", number(&c[1])), &c[0]);
    }
    for c in when(has(cue::LOAD), &MULTIPLIER, text) {
        push(&mut out, &format!("load_factor >= {}", &c[1]), &c[0]);
    }
    for c in when(has(cue::LENGTH), &MIN_LENGTH, text) {
        let n = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
        push(&mut out, &format!("length >= {n}"), &c[0]);
    }
    let versions: Vec<std::ops::Range<usize>> = if has(cue::VERSION) && has(cue::PRODUCT) {
        VERSION_MIN
            .find_iter(text)
            .chain(VERSION_GE.find_iter(text))
            .map(|m| m.range())
            .collect()
    } else {
        Vec::new()
    };
    if !out
        .iter()
        .any(|t| t.expect.field() == "length" || t.expect.field() == "users")
    {
        for c in when(has(cue::COUNT), &AT_LEAST_COUNT, text) {
            let range = c.get(0).map(|m| m.range()).unwrap_or_default();
            let decimal =
                text[..range.start].ends_with(|ch: char| ch == '.' || ch.is_ascii_digit());
            if decimal
                || versions
                    .iter()
                    .any(|v| v.start < range.end && range.start < v.end)
            {
                continue;
            }
            let (n, what) = match (c.get(1), c.get(3)) {
                (Some(n), _) => (n.as_str(), c.get(2).map_or("", |m| m.as_str())),
                (None, Some(n)) => (n.as_str(), c.get(4).map_or("", |m| m.as_str())),
                _ => continue,
            };
            let what = what.to_ascii_lowercase();
            if [
                "characters",
                "chars",
                "users",
                "concurrent",
                "gb",
                "mb",
                "cpu",
                "cores",
                "ram",
            ]
            .contains(&what.as_str())
            {
                continue;
            }
            push(&mut out, &format!("count >= {n}"), &c[0]);
        }
    }
    for c in when(has(cue::THAN), &AGE, text) {
        let unit = match c[3].to_ascii_lowercase().trim_end_matches('s') {
            "day" => "d",
            "hour" => "h",
            "week" => "w",
            _ => "m",
        };
        let (n, unit) = if unit == "w" {
            (c[2].parse::<u64>().unwrap_or(0) * 7, "d")
        } else {
            (c[2].parse::<u64>().unwrap_or(0), unit)
        };
        let op = if c[1].eq_ignore_ascii_case("older") {
            ">"
        } else {
            "<"
        };
        push(&mut out, &format!("age {op} {n}{unit}"), &c[0]);
    }
    for c in when(has(cue::EVERY), &EVERY, text) {
        let unit = c[2].to_ascii_lowercase().chars().next().unwrap_or('m');
        let unit = match unit {
            's' => "s",
            'h' => "h",
            'd' => "d",
            _ => "m",
        };
        push(&mut out, &format!("interval <= {}{unit}", &c[1]), &c[0]);
    }
    for c in when(!versions.is_empty(), &VERSION_MIN, text) {
        let what = c[1].to_ascii_lowercase().replace(['.', ' '], "_");
        let prefix = if what == "tls" || what == "ssl" {
            "TLSv"
        } else {
            ""
        };
        let field = if what == "tls" || what == "ssl" {
            "min_protocol".to_string()
        } else {
            format!("{what}_version")
        };
        push(&mut out, &format!("{field} >= {prefix}{}", &c[2]), &c[0]);
    }
    for c in when(!versions.is_empty(), &VERSION_GE, text) {
        let what = c[1].to_ascii_lowercase().replace(['.', ' '], "_");
        let field = if what == "tls" {
            "min_protocol".to_string()
        } else {
            format!("{what}_version")
        };
        let prefix = if what == "tls" { "TLSv" } else { "" };
        push(&mut out, &format!("{field} >= {prefix}{}", &c[2]), &c[0]);
    }
    if has(cue::GRADE) {
        grades(text, &mut out);
    }
    out
}

/// "Grade A or A+", "SSL Labs grade of B or better": the lower bar.
fn grades(text: &str, out: &mut Vec<Threshold>) {
    for c in GRADE.captures_iter(text) {
        let grade = c
            .get(1)
            .or(c.get(3))
            .map_or("", |m| m.as_str())
            .to_ascii_uppercase();
        // "Grade A or A+": the lower of the two is the bar.
        let bar = match c.get(2) {
            Some(other) if other.as_str().len() > grade.len() => grade.clone(),
            Some(other) => other.as_str().to_ascii_uppercase(),
            None => grade.clone(),
        };
        push(out, &format!("grade >= {bar}"), &c[0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Vec<String> {
        extract(text)
            .iter()
            .map(|t| t.expect.source().to_string())
            .collect()
    }

    #[test]
    fn latencies() {
        assert_eq!(
            t("Response times are acceptable (<500ms)"),
            ["time < 500ms"]
        );
        assert_eq!(t("All services responding within 2 seconds"), ["time < 2s"]);
        assert_eq!(
            t("Backend API responds within 1 second under normal load"),
            ["time < 1s"]
        );
        assert_eq!(t("Verify response times < 200ms"), ["time < 200ms"]);
        assert_eq!(
            t("Database performance acceptable (queries < 500ms)"),
            ["time < 500ms"]
        );
        assert_eq!(t("responds in under 1.5 s"), ["time < 1500ms"]);
        assert_eq!(t("latency below 300 milliseconds"), ["time < 300ms"]);
    }

    #[test]
    fn percentiles_in_any_order() {
        assert_eq!(t("p95 response time < 200ms"), ["p95 < 200ms"]);
        assert_eq!(t("API response time < 200ms (p95)"), ["p95 < 200ms"]);
        assert_eq!(t("P99 latency under 1s"), ["p99 < 1s"]);
        assert_eq!(t("p95 below 250 ms"), ["p95 < 250ms"]);
    }

    #[test]
    fn rates() {
        assert_eq!(t("Error rate < 1%"), ["errors < 1%"]);
        assert_eq!(t("error rate below 0.5%"), ["errors < 0.5%"]);
        assert_eq!(t("High error rate threshold (>10%)"), ["errors > 10%"]);
        assert_eq!(t("Error rate > 10%"), ["errors > 10%"]);
        assert_eq!(
            t("All test suites pass with 95%+ success rate"),
            ["success >= 95%"]
        );
        assert_eq!(t("Cache hit rate > 60%"), ["cache_hit_rate > 60%"]);
        assert_eq!(t("Memory usage below 80%"), ["memory < 80%"]);
        assert_eq!(t("CPU utilization below 80%"), ["cpu < 80%"]);
    }

    #[test]
    fn counts_sizes_ages_versions_grades() {
        assert_eq!(t("Test with 100 concurrent users"), ["users >= 100"]);
        assert_eq!(
            t("Load testing completed (500+ concurrent users)"),
            ["users >= 500"]
        );
        assert_eq!(
            t("Frontend can handle 100 concurrent users"),
            ["users >= 100"]
        );
        assert_eq!(
            t("System remains stable under 5x normal load"),
            ["load_factor >= 5"]
        );
        assert_eq!(
            t("All secrets are at least 32 characters long"),
            ["length >= 32"]
        );
        assert_eq!(t("Verify indexes (should be 13+)"), ["count >= 13"]);
        assert_eq!(t("13+ indexes exist"), ["count >= 13"]);
        assert_eq!(t("Delete backups older than 30 days"), ["age > 30d"]);
        assert_eq!(t("Backups run every 5 minutes"), ["interval <= 5m"]);
        assert_eq!(
            t("TLS 1.2+ for all connections"),
            ["min_protocol >= TLSv1.2"]
        );
        assert_eq!(t("Docker 24+ installed"), ["docker_version >= 24"]);
        assert_eq!(
            t("Docker Compose 2.0+ installed"),
            ["docker_compose_version >= 2.0"]
        );
        assert_eq!(t("Grade A or A+ rating"), ["grade >= A"]);
        assert_eq!(t("SSL Labs grade of B or better"), ["grade >= B"]);
        assert_eq!(t("1000 requests per second"), ["rps >= 1000"]);
    }

    #[test]
    fn plain_words_have_none() {
        assert!(t("Code reviewed and approved").is_empty());
        assert!(t("Monitor error rates in CloudWatch").is_empty());
        assert!(t("Minimum 8GB RAM, 4 CPU cores").is_empty());
        assert!(t("Within 24 hours of launch").is_empty());
        assert!(t("Short-Term (Within 24 Hours)").is_empty());
    }
}
