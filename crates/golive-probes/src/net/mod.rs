//! Network plumbing shared by probes: TLS trust and an HTTP client with timings.

pub mod http;
pub mod tls;
