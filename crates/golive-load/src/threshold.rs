//! k6-style thresholds as golive expectations: one language for both.
//!
//! `p95<200ms`, `p99 < 1s`, `errors<1%` and `rps>500` already are
//! expectations on a load's evidence. k6's own spellings are read too and
//! rewritten: `p(95)<200` (k6 durations are milliseconds, and so is a bare
//! number against a duration here), `avg` and `med`, and the metric
//! prefixes `http_req_duration:`, `http_req_failed: rate<0.01` (a
//! fraction, so 1%) and `http_reqs: rate>500`.

use golive_core::Expectation;

/// The fields of a load's evidence that thresholds may name.
pub const METRICS: &[&str] = &[
    "p50",
    "p75",
    "p90",
    "p95",
    "p99",
    "p999",
    "min",
    "mean",
    "max",
    "stdev",
    "time",
    "errors",
    "success",
    "failed",
    "errors_by_kind",
    "statuses",
    "rps",
    "requests",
    "responses",
    "bytes",
    "bytes_per_sec",
    "dropped",
    "cancelled",
    "users",
    "rate",
    "load_factor",
    "errors_began",
    "protocol",
    "model",
];

/// Parses one threshold; the error says what to write instead.
pub fn parse(text: &str) -> Result<Expectation, String> {
    let normalised = normalise(text)?;
    let e = Expectation::parse(&normalised).map_err(|e| {
        format!("threshold `{text}`: {e}; write one like `p95<200ms`, `errors<1%` or `rps>500`")
    })?;
    if !METRICS.contains(&e.field()) {
        return Err(format!(
            "threshold `{text}`: `{}` is not a load metric; use one of {}",
            e.field(),
            METRICS[..17].join(", ")
        ));
    }
    Ok(e)
}

fn normalise(text: &str) -> Result<String, String> {
    let t = text.trim();
    let (metric, rest) = match t.split_once(':') {
        Some((m, r))
            if m.trim()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            (Some(m.trim().to_ascii_lowercase()), r.trim())
        }
        _ => (None, t),
    };
    let split = rest
        .find(|c: char| "<>=!".contains(c) || c.is_whitespace())
        .unwrap_or(rest.len());
    let (field, tail) = rest.split_at(split);
    let field = field.trim().to_ascii_lowercase();
    let tail = tail.trim();
    match metric.as_deref() {
        None | Some("http_req_duration" | "latency" | "duration") => {}
        Some("http_req_failed" | "errors" | "error_rate") if field == "rate" => {
            return fraction_to_percent(t, "errors", tail);
        }
        Some("http_reqs" | "requests") if field == "rate" => return Ok(spaced("rps", tail)),
        Some("http_reqs" | "requests") if field == "count" => {
            return Ok(spaced("requests", tail));
        }
        Some(other) => {
            return Err(format!(
                "threshold `{t}`: the k6 metric `{other}` is not measured; golive reads http_req_duration, http_req_failed and http_reqs"
            ));
        }
    }
    let renamed = match field.as_str() {
        "avg" | "average" => "mean".to_string(),
        "med" | "median" => "p50".to_string(),
        "error" | "error_rate" | "failures" | "failure_rate" => "errors".to_string(),
        "throughput" | "req/s" | "reqs" => "rps".to_string(),
        f if f.starts_with("p(") && f.ends_with(')') => {
            let q = &f[2..f.len() - 1];
            format!("p{}", q.replace('.', ""))
        }
        f => f.to_string(),
    };
    if metric.is_none() && renamed == field {
        // Already golive's language: keep the user's words as written.
        return Ok(t.to_string());
    }
    Ok(spaced(&renamed, tail))
}

/// `field op value` with single spaces, from a tail like `<200`.
fn spaced(field: &str, tail: &str) -> String {
    let op_end = tail
        .find(|c: char| !"<>=!".contains(c))
        .unwrap_or(tail.len());
    let (op, value) = tail.split_at(op_end);
    format!("{field} {op} {}", value.trim())
        .trim_end()
        .to_string()
}

/// `rate<0.01` → `errors < 1%`.
fn fraction_to_percent(text: &str, field: &str, tail: &str) -> Result<String, String> {
    let op_end = tail
        .find(|c: char| !"<>=!".contains(c))
        .unwrap_or(tail.len());
    let (op, value) = tail.split_at(op_end);
    let value = value.trim();
    if let Some(pct) = value.strip_suffix('%') {
        return Ok(format!("{field} {op} {pct}%"));
    }
    let x: f64 = value
        .parse()
        .map_err(|_| format!("threshold `{text}`: `{value}` is not a rate like 0.01"))?;
    Ok(format!(
        "{field} {op} {}%",
        golive_core::Value::Float(x * 100.0)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(t: &str) -> String {
        parse(t)
            .unwrap_or_else(|e| panic!("{t}: {e}"))
            .source()
            .to_string()
    }

    #[test]
    fn golive_and_k6_spellings() {
        assert_eq!(src("p95<200ms"), "p95<200ms");
        assert_eq!(src("errors<1%"), "errors<1%");
        assert_eq!(src("rps>500"), "rps>500");
        assert_eq!(src("p(95)<200"), "p95 < 200");
        assert_eq!(src("p(99.9) < 1s"), "p999 < 1s");
        assert_eq!(src("avg<100"), "mean < 100");
        assert_eq!(src("med<=50ms"), "p50 <= 50ms");
        assert_eq!(src("http_req_duration: p(95)<500"), "p95 < 500");
        assert_eq!(src("http_req_failed: rate<0.01"), "errors < 1%");
        assert_eq!(src("http_reqs: rate>100"), "rps > 100");
    }

    #[test]
    fn refuses_what_a_load_does_not_measure() {
        assert!(parse("p59<1s").unwrap_err().contains("not a load metric"));
        assert!(
            parse("vus_max>10")
                .unwrap_err()
                .contains("not a load metric")
        );
        assert!(
            parse("iteration_duration: avg<1")
                .unwrap_err()
                .contains("k6 metric")
        );
        assert!(parse("p95 ~ 3").is_err());
        assert!(parse("").is_err());
    }
}
