//! Network plumbing shared by probes: TLS trust, an HTTP client with timings,
//! datastore URLs, and bounded connections for the protocols probes speak.

pub mod conn;
pub mod dsn;
pub mod http;
pub mod tls;
