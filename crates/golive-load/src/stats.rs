//! What one worker thread records, merged into the report at the end. The
//! latency histogram has fixed memory (HDR, 3 significant digits from 1 µs
//! to an hour), so a load of any length keeps no per-request results.

use std::time::Duration;

use hdrhistogram::Histogram;

use crate::client::{Answer, Failure};
use crate::report::ErrorKind;

/// Requests and errors in one second of the load, for stress ramps and the
/// progress line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tick {
    pub requests: u64,
    pub errors: u64,
}

/// The most seconds a timeline keeps; later seconds share the last tick.
const MAX_TICKS: usize = 24 * 3600;

#[derive(Debug, Clone)]
pub(crate) struct Stats {
    /// Microseconds.
    pub hist: Histogram<u64>,
    pub responses: u64,
    pub errors: [u64; ErrorKind::COUNT],
    pub first_error: [Option<String>; ErrorKind::COUNT],
    /// 1xx … 5xx, and anything else.
    pub statuses: [u64; 6],
    pub bytes: u64,
    pub cancelled: u64,
    pub timeline: Vec<Tick>,
    pub h2_connections: u64,
    pub h1_connections: u64,
}

pub(crate) fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("static histogram bounds")
}

impl Stats {
    pub fn new() -> Self {
        Self {
            hist: histogram(),
            responses: 0,
            errors: [0; ErrorKind::COUNT],
            first_error: Default::default(),
            statuses: [0; 6],
            bytes: 0,
            cancelled: 0,
            timeline: Vec::new(),
            h2_connections: 0,
            h1_connections: 0,
        }
    }

    pub fn requests(&self) -> u64 {
        crate::report::requests(self.responses, &self.errors)
    }

    pub fn failed(&self) -> u64 {
        self.errors.iter().sum()
    }

    fn tick(&mut self, second: u64) -> &mut Tick {
        let i = (second as usize).min(MAX_TICKS - 1);
        if self.timeline.len() <= i {
            self.timeline.resize(i + 1, Tick::default());
        }
        &mut self.timeline[i]
    }

    pub fn answer(&mut self, latency: Duration, answer: Answer, second: u64) {
        let micros = u64::try_from(latency.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        self.hist.saturating_record(micros);
        self.responses += 1;
        self.bytes += answer.bytes;
        let class = match answer.status {
            100..=199 => 0,
            200..=299 => 1,
            300..=399 => 2,
            400..=499 => 3,
            500..=599 => 4,
            _ => 5,
        };
        self.statuses[class] += 1;
        let kind = match answer.status {
            400..=499 => Some(ErrorKind::Status4xx),
            500..=599 => Some(ErrorKind::Status5xx),
            _ => None,
        };
        let tick = self.tick(second);
        tick.requests += 1;
        if let Some(kind) = kind {
            tick.errors += 1;
            self.count_error(kind, || format!("answered {}", answer.status));
        }
    }

    pub fn failure(&mut self, failure: &Failure, second: u64) {
        let tick = self.tick(second);
        tick.requests += 1;
        tick.errors += 1;
        self.count_error(failure.kind, || failure.message.clone());
    }

    fn count_error(&mut self, kind: ErrorKind, message: impl FnOnce() -> String) {
        let i = kind as usize;
        self.errors[i] += 1;
        if self.first_error[i].is_none() {
            self.first_error[i] = Some(message());
        }
    }

    pub fn merge(&mut self, other: &Stats) {
        // Same bounds on both sides, so adding cannot fail.
        let _ = self.hist.add(&other.hist);
        self.responses += other.responses;
        for i in 0..ErrorKind::COUNT {
            self.errors[i] += other.errors[i];
            if self.first_error[i].is_none() {
                self.first_error[i].clone_from(&other.first_error[i]);
            }
        }
        for i in 0..6 {
            self.statuses[i] += other.statuses[i];
        }
        self.bytes += other.bytes;
        self.cancelled += other.cancelled;
        if self.timeline.len() < other.timeline.len() {
            self.timeline.resize(other.timeline.len(), Tick::default());
        }
        for (mine, theirs) in self.timeline.iter_mut().zip(&other.timeline) {
            mine.requests += theirs.requests;
            mine.errors += theirs.errors;
        }
        self.h1_connections += other.h1_connections;
        self.h2_connections += other.h2_connections;
    }
}
