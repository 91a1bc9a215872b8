//! The load generator behind `golive load` and the `latency` and `load`
//! probes.
//!
//! A [`Plan`] says what to send (one request, optionally after a small
//! login flow whose answer supplies a token), how (a closed model of N users
//! each waiting for its answer, or an open model of a constant or ramping
//! arrival rate), and for how long (a duration, a request count, or both:
//! a load is always bounded). [`run`] sends it and returns a [`Report`]:
//! latency percentiles from HDR histograms, throughput, bytes, and errors
//! by kind. The report becomes evidence, so k6-style thresholds
//! (`p95<200ms`, `errors<1%`, `rps>500`) are plain expectations of
//! golive's one language ([`threshold`]).
//!
//! Measuring honestly is the point. In the open model a request's latency
//! runs from the moment it was due, not the moment a busy connection got
//! round to sending it, so a stalled server shows in the percentiles
//! instead of being hidden by the generator slowing down with it
//! (coordinated omission, as wrk2 corrects it). Each worker thread records
//! into its own histogram and the histograms are merged at the end: no
//! per-request results are kept, so a long load costs no memory.
//!
//! The engine runs its own threads, each with a single-threaded tokio
//! runtime holding its share of the connections, as wrk does: a
//! connection's requests, its parser and its histogram stay on one core.

mod client;
mod engine;
mod flow;
mod plan;
mod report;
mod stats;
mod target;
pub mod threshold;

pub use engine::{Progress, run};
pub use flow::{Capture, Step};
pub use plan::{Bound, Model, Plan, PlanError, Protocol, RequestSpec};
pub use report::{Bucket, ErrorKind, Report, Stress};
pub use target::Target;
