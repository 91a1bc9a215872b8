//! `tcp`: a port accepts connections, or refuses them.
//!
//! **What it verifies.** That a TCP connection to `host:port` opens (the
//! service listens and nothing in between drops it), or, with
//! `closed = true`, that it does not (a firewall blocks it, nothing listens).
//!
//! **Why it matters on launch day.** "Allow port 443", "database port not
//! exposed to the internet": a port that is open when it should be closed is
//! an incident waiting to happen, and the reverse is an outage.
//!
//! **Example.** Checklist: `- [ ] Port 5432 is not reachable from outside`.
//!
//! ```toml
//! [[check]]
//! kind = "tcp"
//! host = "db.example.com"
//! port = 5432
//! closed = true
//! ```
//!
//! `host` may also be a URL (`${app}`), whose host and default port are used.
//! Evidence: `address`, `open`, `time`, and `error` when it did not open.
//! Default expectation: `open == true` (`open == false` with `closed`).

use std::time::{Duration, Instant};

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, parse_duration};
use serde::Deserialize;
use tokio::net::TcpStream;

use crate::net::http::Url;
use crate::{Context, Kind, Observation, Probe};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// A host name or address, or a URL.
    pub host: String,
    /// Required unless `host` is a URL.
    #[serde(default)]
    pub port: Option<u16>,
    /// Expect the port to be closed.
    #[serde(default)]
    pub closed: bool,
    /// How long a connection attempt may take; a port that does not answer
    /// within it counts as closed (filtered). Default 3s.
    #[serde(default)]
    pub connect_timeout: Option<String>,
}

pub struct Tcp {
    host: String,
    port: u16,
    closed: bool,
    connect_timeout: Duration,
}

impl Kind for Tcp {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let (host, port) = if s.host.contains("://") {
            let url = Url::parse(&s.host)?;
            (url.host, s.port.unwrap_or(url.port))
        } else {
            let host = s
                .host
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string();
            let port = s.port.ok_or("`port` is required unless `host` is a URL")?;
            (host, port)
        };
        if host.is_empty() {
            return Err("`host` is empty".into());
        }
        let connect_timeout = match s.connect_timeout {
            Some(t) => parse_duration(&t)?,
            None => Duration::from_secs(3),
        };
        Ok(Self {
            host,
            port,
            closed: s.closed,
            connect_timeout,
        })
    }
}

#[async_trait]
impl Probe for Tcp {
    fn target(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("tcp {host}:{}", self.port)
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![Expectation::new(
            "open",
            Op::Eq,
            Literal::Bool(!self.closed),
        )]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match evidence.get("open") {
            Some(golive_core::Value::Bool(true)) => format!(
                "open ({})",
                evidence
                    .get("time")
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
            Some(_) => evidence
                .get("error")
                .and_then(golive_core::Value::as_str)
                .unwrap_or("closed")
                .to_string(),
            None => String::new(),
        }
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let mut evidence = Evidence::new();
        let target = self.target();
        evidence.insert("address".into(), target.trim_start_matches("tcp ").into());
        let start = Instant::now();
        let limit = self.connect_timeout.min(cx.timeout);
        let attempt =
            tokio::time::timeout(limit, TcpStream::connect((self.host.as_str(), self.port))).await;
        evidence.insert("time".into(), start.elapsed().into());
        match attempt {
            Ok(Ok(_stream)) => {
                evidence.insert("open".into(), true.into());
            }
            Ok(Err(e)) => {
                evidence.insert("open".into(), false.into());
                let msg = match e.kind() {
                    std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
                    _ => e.to_string(),
                };
                evidence.insert("error".into(), msg.clone().into());
                if !self.closed && e.kind() != std::io::ErrorKind::ConnectionRefused {
                    // Name resolution and routing failures say nothing about
                    // the port: report them as such.
                    return Observation::failed(
                        evidence,
                        format!("cannot connect to {}: {msg}", &target[4..]),
                    );
                }
            }
            Err(_) => {
                evidence.insert("open".into(), false.into());
                evidence.insert(
                    "error".into(),
                    format!(
                        "no answer within {} (filtered)",
                        golive_core::format_duration(limit)
                    )
                    .into(),
                );
            }
        }
        Observation::ok(evidence)
    }
}
