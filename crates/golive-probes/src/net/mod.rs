//! Network plumbing shared by probes: TLS trust, an HTTP client with timings,
//! and the hand-built ClientHello that asks for protocol versions rustls
//! does not speak.

pub mod hello;
pub mod http;
pub mod tls;
