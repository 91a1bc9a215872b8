//! `tcp`: a port accepts connections, or refuses them; or, as a scan, only
//! the allowed ports of a range are open.
//!
//! **What it verifies.** That a TCP connection to `host:port` opens (the
//! service listens and nothing in between drops it), or, with
//! `closed = true`, that it does not (a firewall blocks it, nothing listens).
//! With `scan`, every port of a range is tried and every open one that is
//! not in `allowed` is reported.
//!
//! **Why it matters on launch day.** "Allow port 443", "database port not
//! exposed to the internet", "allow 80/443/22, block all other ports": a
//! port that is open when it should be closed is an incident waiting to
//! happen, and the reverse is an outage.
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
//! Checklist: `- [ ] Firewall: allow port 80/443/22, block all other ports`.
//!
//! ```toml
//! [[check]]
//! kind = "tcp"
//! host = "${app}"
//! scan = "1-1024"          # ranges and single ports: "1-1024,3306,5432,6379,8000-8100"
//! allowed = [22, 80, 443]
//! concurrency = 100        # connections at once (1..=512)
//! connect_timeout = "1s"   # per port; no answer counts as filtered, i.e. closed
//! timeout = "30s"          # the scan must finish within the check's time limit
//! ```
//!
//! `host` may also be a URL (`${app}`), whose host and default port are used.
//! Evidence: `address`, `open`, `time`, and `error` when it did not open.
//! Default expectation: `open == true` (`open == false` with `closed`).
//!
//! A scan resolves the host once and tries every port of the range,
//! `concurrency` at a time, each bounded by `connect_timeout` (1s). Its
//! evidence: `address`, `range`, `scanned`, `open_ports`, `allowed_open`,
//! `unexpected_open`, `unexpected_count`, `closed_count` (refused),
//! `filtered_count` (no answer), `time`. Default expectation:
//! `unexpected_open == []`. A scan that cannot finish within the check's
//! time limit fails and says how many ports it left unchecked: a partial
//! scan never passes.
//!
//! Phrasings it answers: "Allow port 80/443/22, block all other ports",
//! "Only required ports open", "Database port not publicly accessible",
//! "Port 443 open".

use std::time::{Duration, Instant};

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value, parse_duration};
use serde::Deserialize;
use tokio::net::TcpStream;

use crate::net::{address, parse_host};
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
    /// within it counts as closed (filtered). Default 3s, 1s in a scan.
    #[serde(default)]
    pub connect_timeout: Option<String>,
    /// Scan these ports (`"1-1024"`, `"22,80,8000-8100"`) instead of one.
    #[serde(default)]
    pub scan: Option<String>,
    /// In a scan: the ports that may be open.
    #[serde(default)]
    pub allowed: Option<Vec<u16>>,
    /// In a scan: connections at once. Default 100.
    #[serde(default)]
    pub concurrency: Option<usize>,
}

/// Connections a scan may hold open at once: below the usual limit of 1024
/// open files, with room for the rest of the run.
const MAX_CONCURRENCY: usize = 512;

pub struct Tcp {
    host: String,
    port: u16,
    closed: bool,
    connect_timeout: Duration,
    scan: Option<Scan>,
}

struct Scan {
    /// As written, for reports.
    range: String,
    ports: Vec<u16>,
    allowed: Vec<u16>,
    concurrency: usize,
}

impl Kind for Tcp {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        if s.scan.is_some() {
            return build_scan(s);
        }
        if s.allowed.is_some() || s.concurrency.is_some() {
            return Err(
                "`allowed` and `concurrency` apply to a scan: add `scan = \"1-1024\"`".into(),
            );
        }
        let (host, url) = parse_host(&s.host)?;
        let port = match (s.port, url) {
            (Some(p), _) => p,
            (None, Some(url)) => url.port,
            (None, None) => return Err("`port` is required unless `host` is a URL".into()),
        };
        let connect_timeout = match s.connect_timeout {
            Some(t) => parse_duration(&t)?,
            None => Duration::from_secs(3),
        };
        Ok(Self {
            host,
            port,
            closed: s.closed,
            connect_timeout,
            scan: None,
        })
    }
}

fn build_scan(s: Settings) -> Result<Tcp, String> {
    if s.port.is_some() || s.closed {
        return Err(
            "`port` and `closed` do not apply to a scan: list the ports that may be open in `allowed`"
                .into(),
        );
    }
    let (host, _) = parse_host(&s.host)?;
    let range = s.scan.unwrap_or_default();
    let ports = parse_ports(&range)?;
    let concurrency = s.concurrency.unwrap_or(100);
    if concurrency == 0 || concurrency > MAX_CONCURRENCY {
        return Err(format!(
            "`concurrency` must be between 1 and {MAX_CONCURRENCY}, not {concurrency}"
        ));
    }
    let connect_timeout = match s.connect_timeout {
        Some(t) => parse_duration(&t)?,
        None => Duration::from_secs(1),
    };
    let mut allowed = s.allowed.unwrap_or_default();
    allowed.sort_unstable();
    allowed.dedup();
    Ok(Tcp {
        host,
        port: 0,
        closed: false,
        connect_timeout,
        scan: Some(Scan {
            range: range.trim().to_string(),
            ports,
            allowed,
            concurrency,
        }),
    })
}

/// `"1-1024,3306,8000-8100"` → the ports, sorted, each once.
fn parse_ports(spec: &str) -> Result<Vec<u16>, String> {
    let mut ports = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let parse = |x: &str| {
            x.trim()
                .parse::<u16>()
                .ok()
                .filter(|&p| p > 0)
                .ok_or_else(|| format!("`scan`: `{x}` is not a port (1-65535)"))
        };
        let (a, b) = (parse(a)?, parse(b)?);
        if a > b {
            return Err(format!("`scan`: the range `{part}` runs backwards"));
        }
        ports.extend(a..=b);
    }
    if ports.is_empty() {
        return Err("`scan` names no port: write a range like \"1-1024\"".into());
    }
    ports.sort_unstable();
    ports.dedup();
    Ok(ports)
}

#[async_trait]
impl Probe for Tcp {
    fn target(&self) -> String {
        match &self.scan {
            Some(scan) => format!("tcp scan {} ports {}", self.host, scan.range),
            None => format!("tcp {}", address(&self.host, self.port)),
        }
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        if self.scan.is_some() {
            return vec![Expectation::new(
                "unexpected_open",
                Op::Eq,
                Literal::Str("[]".into()),
            )];
        }
        vec![Expectation::new(
            "open",
            Op::Eq,
            Literal::Bool(!self.closed),
        )]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        if self.scan.is_some() {
            return scan_summary(evidence);
        }
        match evidence.get("open") {
            Some(Value::Bool(true)) => format!(
                "open ({})",
                evidence
                    .get("time")
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
            Some(_) => evidence
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("closed")
                .to_string(),
            None => String::new(),
        }
    }

    async fn observe(&self, cx: &Context) -> Observation {
        if let Some(scan) = &self.scan {
            return self.scan(scan, cx).await;
        }
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

/// How one port of a scan answered.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Port {
    Open,
    Refused,
    Filtered,
    Error,
}

impl Tcp {
    async fn scan(&self, scan: &Scan, cx: &Context) -> Observation {
        let start = Instant::now();
        let mut evidence = Evidence::new();
        evidence.insert("range".into(), scan.range.clone().into());
        // Resolved once: a scan of a thousand ports is not a thousand lookups.
        let ip = match tokio::time::timeout(
            cx.timeout,
            tokio::net::lookup_host((self.host.as_str(), 0)),
        )
        .await
        {
            Ok(Ok(mut addrs)) => match addrs.next() {
                Some(a) => a.ip(),
                None => {
                    return Observation::failed(
                        evidence,
                        format!("{} resolves to no address", self.host),
                    );
                }
            },
            Ok(Err(e)) => {
                return Observation::failed(evidence, format!("cannot resolve {}: {e}", self.host));
            }
            Err(_) => {
                return Observation::failed(
                    evidence,
                    format!(
                        "resolving {} took longer than the check's time limit",
                        self.host
                    ),
                );
            }
        };
        evidence.insert("address".into(), ip.to_string().into());
        // Stop short of the check's bound so that a partial scan can still
        // report what it found, and why it is partial.
        let deadline = tokio::time::Instant::now() + cx.timeout.mul_f64(0.9);
        let limit = self.connect_timeout.min(cx.timeout);
        let semaphore = std::sync::Arc::new(tokio::sync::Semaphore::new(scan.concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        for &port in &scan.ports {
            let semaphore = semaphore.clone();
            tasks.spawn(async move {
                let Ok(_permit) = semaphore.acquire_owned().await else {
                    return (port, Port::Error);
                };
                let attempt = tokio::time::timeout(limit, TcpStream::connect((ip, port))).await;
                let state = match attempt {
                    Ok(Ok(_stream)) => Port::Open,
                    Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                        Port::Refused
                    }
                    Ok(Err(_)) => Port::Error,
                    Err(_) => Port::Filtered,
                };
                (port, state)
            });
        }
        let mut results: Vec<(u16, Port)> = Vec::with_capacity(scan.ports.len());
        let finished = tokio::time::timeout_at(deadline, async {
            while let Some(joined) = tasks.join_next().await {
                if let Ok(r) = joined {
                    results.push(r);
                }
            }
        })
        .await
        .is_ok();
        tasks.abort_all();
        results.sort_unstable_by_key(|(p, _)| *p);

        let ports_in = |want: Port| -> Vec<u16> {
            results
                .iter()
                .filter(|(_, s)| *s == want)
                .map(|(p, _)| *p)
                .collect()
        };
        let open = ports_in(Port::Open);
        let unexpected: Vec<u16> = open
            .iter()
            .copied()
            .filter(|p| scan.allowed.binary_search(p).is_err())
            .collect();
        let allowed_open: Vec<u16> = open
            .iter()
            .copied()
            .filter(|p| scan.allowed.binary_search(p).is_ok())
            .collect();
        let errors = ports_in(Port::Error);
        let unchecked = scan.ports.len() - results.len();
        evidence.insert("scanned".into(), results.len().into());
        evidence.insert("open_ports".into(), Value::from(open));
        evidence.insert("allowed_open".into(), Value::from(allowed_open));
        evidence.insert("unexpected_count".into(), unexpected.len().into());
        evidence.insert("unexpected_open".into(), Value::from(unexpected));
        evidence.insert("closed_count".into(), ports_in(Port::Refused).len().into());
        evidence.insert(
            "filtered_count".into(),
            ports_in(Port::Filtered).len().into(),
        );
        if !errors.is_empty() {
            evidence.insert("error_ports".into(), Value::from(errors.clone()));
        }
        evidence.insert("time".into(), start.elapsed().into());
        if !finished || unchecked > 0 {
            return Observation::failed(
                evidence,
                format!(
                    "the scan of {ip} ports {} did not finish within the check's time limit: \
                     {unchecked} of {} ports unchecked (raise `timeout` or `concurrency`, or \
                     lower `connect_timeout`)",
                    scan.range,
                    scan.ports.len()
                ),
            );
        }
        if !errors.is_empty() {
            // An error other than refused or silent (no route, no buffer)
            // says nothing about the port: the scan cannot vouch for it.
            return Observation::failed(
                evidence,
                format!(
                    "{} ports of {ip} could not be tried (first: {}); the scan cannot say they are closed",
                    errors.len(),
                    errors[0]
                ),
            );
        }
        Observation::ok(evidence)
    }
}

fn scan_summary(evidence: &Evidence) -> String {
    let list = |key: &str| -> Vec<String> {
        match evidence.get(key) {
            Some(Value::List(l)) => l.iter().map(ToString::to_string).collect(),
            _ => Vec::new(),
        }
    };
    let scanned = evidence
        .get("scanned")
        .map(ToString::to_string)
        .unwrap_or_default();
    let unexpected = list("unexpected_open");
    let allowed = list("allowed_open");
    if unexpected.is_empty() {
        format!(
            "{scanned} ports, only allowed open ({})",
            if allowed.is_empty() {
                "none".to_string()
            } else {
                allowed.join(", ")
            }
        )
    } else {
        format!(
            "{scanned} ports, unexpected open: {}",
            unexpected.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_lists() {
        assert_eq!(parse_ports("1-3, 80,2").unwrap(), vec![1, 2, 3, 80]);
        assert_eq!(parse_ports("1-65535").unwrap().len(), 65535);
        assert!(parse_ports("0-10").unwrap_err().contains("not a port"));
        assert!(parse_ports("10-1").unwrap_err().contains("backwards"));
        assert!(parse_ports("").unwrap_err().contains("no port"));
        assert!(parse_ports("70000").is_err());
    }

    #[test]
    fn scan_settings_are_checked() {
        let build = |t: &str| crate::build_from(golive_core::ProbeKind::Tcp, t);
        assert_eq!(
            build("host = 'https://h.example/'\nscan = '1-1024'\nallowed = [443]").unwrap(),
            "tcp scan h.example ports 1-1024"
        );
        assert!(
            build("host = 'h'\nscan = '1-10'\nport = 5")
                .unwrap_err()
                .contains("allowed")
        );
        assert!(
            build("host = 'h'\nallowed = [80]\nport = 5")
                .unwrap_err()
                .contains("scan")
        );
        assert!(
            build("host = 'h'\nscan = '1-10'\nconcurrency = 0")
                .unwrap_err()
                .contains("between")
        );
    }
}
