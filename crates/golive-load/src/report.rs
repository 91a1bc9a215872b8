//! What a load found, and the evidence it becomes.

use std::time::Duration;

use golive_core::{Evidence, Value};
use hdrhistogram::Histogram;

use crate::stats::{Stats, Tick};

/// Why a request did not count as a success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorKind {
    /// Answered 400–499.
    Status4xx,
    /// Answered 500–599.
    Status5xx,
    /// No answer within the request timeout.
    Timeout,
    /// The connection could not be opened (refused, unreachable, no address).
    Connect,
    /// The TLS handshake failed.
    Tls,
    /// The server closed or reset the connection before answering in full.
    Reset,
    /// The answer was not valid HTTP (or HTTP/2 was not agreed).
    Protocol,
}

impl ErrorKind {
    pub const COUNT: usize = 7;
    pub const ALL: [Self; Self::COUNT] = [
        Self::Status4xx,
        Self::Status5xx,
        Self::Timeout,
        Self::Connect,
        Self::Tls,
        Self::Reset,
        Self::Protocol,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Status4xx => "status_4xx",
            Self::Status5xx => "status_5xx",
            Self::Timeout => "timeout",
            Self::Connect => "connect",
            Self::Tls => "tls",
            Self::Reset => "reset",
            Self::Protocol => "protocol",
        }
    }

    /// Errors that are answers (and so also latencies).
    pub fn is_status(self) -> bool {
        matches!(self, Self::Status4xx | Self::Status5xx)
    }
}

/// One bar of the latency chart: how many answers took at most `upper_ms`
/// and more than the previous bar's bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub upper_ms: f64,
    pub count: u64,
}

/// Where a stress ramp got to.
#[derive(Debug, Clone, PartialEq)]
pub struct Stress {
    /// The factor planned ("5x normal load").
    pub planned: f64,
    /// The highest factor that ran with errors below 1% of a second's
    /// requests: the planned factor when errors never began.
    pub stable_factor: f64,
    /// When errors began: seconds into the ramp, the factor then, and the
    /// load then (users or requests/s).
    pub errors_began: Option<(Duration, f64, f64)>,
}

/// The result of a load.
#[derive(Debug, Clone)]
pub struct Report {
    /// "closed" or "open".
    pub model: &'static str,
    /// The plan, as announced before sending.
    pub plan: String,
    /// Users (connections) at the peak.
    pub users: u32,
    /// The planned arrival rate (open model), requests/s; the peak of a ramp.
    pub rate: Option<f64>,
    pub elapsed: Duration,
    /// Latency of every answer, in microseconds.
    pub histogram: Histogram<u64>,
    pub responses: u64,
    pub errors: [u64; ErrorKind::COUNT],
    pub first_error: [Option<String>; ErrorKind::COUNT],
    pub statuses: [u64; 6],
    pub bytes: u64,
    /// Open model: requests that were due before the end but never sent,
    /// because every connection was busy.
    pub dropped: u64,
    /// In flight when the duration ended: neither answers nor errors.
    pub cancelled: u64,
    /// "HTTP/1.1" or "HTTP/2", as the connections spoke.
    pub protocol: &'static str,
    pub timeline: Vec<Tick>,
    pub stress: Option<Stress>,
    /// Why the load stopped early (nothing could connect).
    pub aborted: Option<String>,
}

impl Report {
    pub(crate) fn from_stats(stats: Stats) -> Self {
        let protocol = if stats.h2_connections > stats.h1_connections {
            "HTTP/2"
        } else {
            "HTTP/1.1"
        };
        Self {
            model: "closed",
            plan: String::new(),
            users: 0,
            rate: None,
            elapsed: Duration::ZERO,
            histogram: stats.hist,
            responses: stats.responses,
            errors: stats.errors,
            first_error: stats.first_error,
            statuses: stats.statuses,
            bytes: stats.bytes,
            dropped: 0,
            cancelled: stats.cancelled,
            protocol,
            timeline: stats.timeline,
            stress: None,
            aborted: None,
        }
    }

    /// Requests that got an answer or an error.
    pub fn requests(&self) -> u64 {
        requests(self.responses, &self.errors)
    }

    /// Requests that failed, answers of 400 and above included.
    pub fn failed(&self) -> u64 {
        self.errors.iter().sum()
    }

    pub fn errors_of(&self, kind: ErrorKind) -> u64 {
        self.errors[kind as usize]
    }

    /// Failed requests as a percentage of all requests (0 when none ran).
    pub fn error_percent(&self) -> f64 {
        let n = self.requests();
        if n == 0 {
            0.0
        } else {
            self.failed() as f64 * 100.0 / n as f64
        }
    }

    /// Answers per second over the load's duration.
    pub fn rps(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.responses as f64 / secs
        } else {
            0.0
        }
    }

    /// The latency at quantile `q` (0.95 for p95); zero without answers.
    pub fn quantile(&self, q: f64) -> Duration {
        if self.histogram.is_empty() {
            return Duration::ZERO;
        }
        Duration::from_micros(self.histogram.value_at_quantile(q))
    }

    pub fn min(&self) -> Duration {
        if self.histogram.is_empty() {
            return Duration::ZERO;
        }
        Duration::from_micros(self.histogram.min())
    }

    pub fn max(&self) -> Duration {
        Duration::from_micros(self.histogram.max())
    }

    pub fn mean(&self) -> Duration {
        Duration::from_secs_f64(self.histogram.mean().max(0.0) / 1e6)
    }

    pub fn stdev(&self) -> Duration {
        Duration::from_secs_f64(self.histogram.stdev().max(0.0) / 1e6)
    }

    /// The most frequent kind of error and the first message of that kind.
    pub fn main_error(&self) -> Option<(ErrorKind, u64, &str)> {
        ErrorKind::ALL
            .iter()
            .map(|&k| (k, self.errors[k as usize]))
            .filter(|&(_, n)| n > 0)
            .max_by_key(|&(k, n)| (n, std::cmp::Reverse(k)))
            .map(|(k, n)| (k, n, self.first_error[k as usize].as_deref().unwrap_or("")))
    }

    /// The latency distribution in log-spaced buckets, ten a decade, from
    /// the fastest answer's bucket to the slowest's (empty ones between
    /// included, so a chart's axis is continuous).
    pub fn buckets(&self) -> Vec<Bucket> {
        if self.histogram.is_empty() {
            return Vec::new();
        }
        // Bucket k holds values up to 10^(k/10) ms.
        let index = |micros: u64| -> i32 {
            let ms = micros.max(1) as f64 / 1000.0;
            let k = (ms.log10() * 10.0).ceil();
            // A value exactly on a bound belongs below it, whatever the
            // floating point says.
            if 10f64.powf((k - 1.0) / 10.0) >= ms {
                k as i32 - 1
            } else {
                k as i32
            }
        };
        let lo = index(self.histogram.min());
        let hi = index(self.histogram.max());
        let mut counts = vec![0u64; (hi - lo + 1) as usize];
        for v in self.histogram.iter_recorded() {
            let i = (index(v.value_iterated_to()) - lo).clamp(0, hi - lo) as usize;
            counts[i] += v.count_since_last_iteration();
        }
        counts
            .into_iter()
            .enumerate()
            .map(|(i, count)| Bucket {
                upper_ms: three_digits(10f64.powf(f64::from(lo + i as i32) / 10.0)),
                count,
            })
            .collect()
    }

    /// The report as evidence: what expectations read and reports print.
    pub fn evidence(&self) -> Evidence {
        let mut e = Evidence::new();
        e.insert("model".into(), self.model.into());
        e.insert("users".into(), self.users.into());
        if let Some(rate) = self.rate {
            e.insert("rate".into(), round3(rate).into());
        }
        e.insert("duration".into(), self.elapsed.into());
        e.insert("requests".into(), self.requests().into());
        e.insert("responses".into(), self.responses.into());
        e.insert("rps".into(), round3(self.rps()).into());
        e.insert("errors".into(), round3(self.error_percent()).into());
        e.insert(
            "success".into(),
            round3(100.0 - self.error_percent()).into(),
        );
        e.insert("failed".into(), self.failed().into());
        let mut kinds = Evidence::new();
        for k in ErrorKind::ALL {
            let n = self.errors_of(k);
            if n > 0 {
                kinds.insert(k.name().into(), n.into());
            }
        }
        e.insert("errors_by_kind".into(), Value::Map(kinds));
        if let Some((kind, _, message)) = self.main_error() {
            e.insert("error".into(), format!("{}: {message}", kind.name()).into());
        }
        let mut statuses = Evidence::new();
        for (i, label) in ["1xx", "2xx", "3xx", "4xx", "5xx", "other"]
            .iter()
            .enumerate()
        {
            if self.statuses[i] > 0 {
                statuses.insert((*label).into(), self.statuses[i].into());
            }
        }
        e.insert("statuses".into(), Value::Map(statuses));
        e.insert("min".into(), self.min().into());
        e.insert("mean".into(), self.mean().into());
        e.insert("stdev".into(), self.stdev().into());
        for (name, q) in [
            ("p50", 0.5),
            ("p75", 0.75),
            ("p90", 0.9),
            ("p95", 0.95),
            ("p99", 0.99),
            ("p999", 0.999),
        ] {
            e.insert(name.into(), self.quantile(q).into());
        }
        e.insert("max".into(), self.max().into());
        // "Response time" in a load report means the p95, as in k6's
        // summaries and most SLOs; `time < 1s` from a checklist reads it.
        e.insert("time".into(), self.quantile(0.95).into());
        e.insert("bytes".into(), self.bytes.into());
        e.insert(
            "bytes_per_sec".into(),
            round3(if self.elapsed.is_zero() {
                0.0
            } else {
                self.bytes as f64 / self.elapsed.as_secs_f64()
            })
            .into(),
        );
        if self.model == "open" {
            e.insert("dropped".into(), self.dropped.into());
        }
        e.insert("cancelled".into(), self.cancelled.into());
        e.insert("protocol".into(), self.protocol.into());
        if let Some(s) = &self.stress {
            e.insert("load_factor".into(), round3(s.stable_factor).into());
            e.insert("stress_factor".into(), round3(s.planned).into());
            let began = s.errors_began.map_or(Value::Null, |(at, factor, load)| {
                let mut b = Evidence::new();
                b.insert("after".into(), at.into());
                b.insert("factor".into(), round3(factor).into());
                b.insert(
                    if self.model == "open" {
                        "rate"
                    } else {
                        "users"
                    }
                    .into(),
                    round3(load).into(),
                );
                Value::Map(b)
            });
            e.insert("errors_began".into(), began);
        }
        if let Some(why) = &self.aborted {
            e.insert("aborted".into(), why.clone().into());
        }
        e.insert(
            "histogram".into(),
            Value::List(
                self.buckets()
                    .into_iter()
                    .map(|b| {
                        let mut m = Evidence::new();
                        m.insert("upper_ms".into(), b.upper_ms.into());
                        m.insert("count".into(), b.count.into());
                        Value::Map(m)
                    })
                    .collect(),
            ),
        );
        e.insert("plan".into(), self.plan.clone().into());
        e
    }
}

/// Answers plus the failures that are not answers.
pub(crate) fn requests(responses: u64, errors: &[u64; ErrorKind::COUNT]) -> u64 {
    responses
        + ErrorKind::ALL
            .iter()
            .filter(|k| !k.is_status())
            .map(|k| errors[*k as usize])
            .sum::<u64>()
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Three significant digits, computed through text so that the JSON shows
/// `0.126`, not `0.12600000000000001`.
fn three_digits(x: f64) -> f64 {
    if x <= 0.0 || !x.is_finite() {
        return x;
    }
    let decimals = (2 - x.log10().floor() as i32).max(0) as usize;
    format!("{x:.decimals$}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(values_us: &[u64]) -> Report {
        let mut stats = Stats::new();
        for &v in values_us {
            stats.hist.record(v).unwrap();
        }
        stats.responses = values_us.len() as u64;
        let mut r = Report::from_stats(stats);
        r.elapsed = Duration::from_secs(1);
        r
    }

    #[test]
    fn buckets_are_log_spaced_ascending_and_count_everything() {
        let r = report(&[100, 120, 1000, 1000, 50_000]);
        let b = r.buckets();
        assert!(b.windows(2).all(|w| w[0].upper_ms < w[1].upper_ms));
        assert_eq!(b.iter().map(|b| b.count).sum::<u64>(), 5);
        // 0.1 ms sits on a bound and belongs to the bucket ending there.
        assert_eq!(
            b[0],
            Bucket {
                upper_ms: 0.1,
                count: 1
            }
        );
        assert_eq!(b[1].upper_ms, 0.126);
        let one = b.iter().find(|b| b.upper_ms == 1.0).unwrap();
        assert_eq!(one.count, 2);
        assert_eq!(b.last().unwrap().upper_ms, 50.1);
        // Ten a decade: 0.1 ms to 50 ms is 28 bars.
        assert_eq!(b.len(), 28);
    }

    #[test]
    fn evidence_holds_durations_and_a_percentage() {
        let mut r = report(&[1000; 99]);
        r.errors[ErrorKind::Connect as usize] = 1;
        r.first_error[ErrorKind::Connect as usize] = Some("refused".into());
        let e = r.evidence();
        assert_eq!(e["p50"], Value::Duration(Duration::from_millis(1)));
        assert_eq!(e["errors"], Value::Float(1.0));
        assert_eq!(e["requests"], Value::Int(100));
        assert_eq!(e["error"], Value::from("connect: refused"));
        assert!(matches!(&e["histogram"], Value::List(l) if l.len() == 1));
    }
}
