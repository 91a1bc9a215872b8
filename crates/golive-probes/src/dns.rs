//! `dns`: a name resolves, to the records expected.
//!
//! **What it verifies.** That a name has A, AAAA, CNAME, MX or TXT records
//! at the system's resolver (`/etc/resolv.conf`) or at a given one, and what
//! they are, with their TTLs: "resolves at all" by default, "to this
//! address" with an expectation.
//!
//! **Why it matters on launch day.** DNS is the step of a launch nobody can
//! hurry: a record pointing at the old server, a forgotten AAAA record that
//! sends IPv6 users elsewhere, or an MX still at the previous provider is
//! found by customers. Teams check with `dig`, one name at a time.
//!
//! **Example.** Checklist: `- [ ] A record for api.yourdomain.com → server IP`.
//!
//! ```toml
//! [[check]]
//! kind = "dns"
//! name = "api.example.com"          # or a URL, whose host is used
//! types = ["A", "AAAA"]             # the default; also CNAME, MX, TXT
//! resolver = "1.1.1.1"              # optional: an address, with :port if not 53
//! expect = ["addresses contains 203.0.113.10", "ttl <= 1h"]
//! ```
//!
//! It asks DNS only, never `/etc/hosts`: a hosts entry on the machine
//! running golive says nothing about what users resolve.
//!
//! Evidence: `name`, `resolver`, `resolved` (some record of the types asked
//! exists), `status` (`NOERROR`, `NXDOMAIN`, `SERVFAIL`, `REFUSED`),
//! `addresses` (A and AAAA together), `a`, `aaaa`, `cname` (the chain
//! followed), `mx` (`10 mail.example.com.`), `txt`, `records` (every answer:
//! `type`, `name`, `value`, `ttl`), `ttl` (the lowest TTL, a duration: write
//! `ttl >= 5m`), `missing` (types asked with no record), `time`.
//! Default expectation: `resolved == true`.
//!
//! Phrasings it answers: "A record for api.yourdomain.com → server IP",
//! "DNS records configured", "Domain points to the load balancer", "MX
//! records set up", "SPF record (TXT) published", "DNS propagated".

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, Record, RecordType};
use hickory_resolver::{Resolver, TokioResolver};
use serde::Deserialize;

use crate::net::parse_host;
use crate::{Context, Kind, Observation, Probe};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The name to resolve, or a URL whose host is resolved.
    pub name: String,
    /// Record types to ask for: A, AAAA, CNAME, MX, TXT (A and AAAA).
    #[serde(default)]
    pub types: Option<Vec<String>>,
    /// A resolver's address (`1.1.1.1`, `127.0.0.1:5353`); the system's
    /// when absent.
    #[serde(default)]
    pub resolver: Option<String>,
}

pub struct Dns {
    name: String,
    types: Vec<RecordType>,
    resolver: Option<SocketAddr>,
}

impl Kind for Dns {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let (name, _) = parse_host(&s.name).map_err(|e| e.replace("`host`", "`name`"))?;
        if name.parse::<IpAddr>().is_ok() {
            return Err(format!(
                "`{name}` is an address, not a name: there is nothing to resolve"
            ));
        }
        let types = match s.types {
            None => vec![RecordType::A, RecordType::AAAA],
            Some(list) if list.is_empty() => return Err("`types` is empty".into()),
            Some(list) => list
                .iter()
                .map(|t| match t.trim().to_ascii_uppercase().as_str() {
                    "A" => Ok(RecordType::A),
                    "AAAA" => Ok(RecordType::AAAA),
                    "CNAME" => Ok(RecordType::CNAME),
                    "MX" => Ok(RecordType::MX),
                    "TXT" => Ok(RecordType::TXT),
                    _ => Err(format!(
                        "`{t}` is not a record type golive asks for: use A, AAAA, CNAME, MX or TXT"
                    )),
                })
                .collect::<Result<_, _>>()?,
        };
        let resolver = s
            .resolver
            .map(|r| {
                let r = r.trim();
                r.parse::<SocketAddr>()
                    .or_else(|_| {
                        r.trim_start_matches('[')
                            .trim_end_matches(']')
                            .parse::<IpAddr>()
                            .map(|ip| SocketAddr::new(ip, 53))
                    })
                    .map_err(|_| {
                        format!("`resolver` must be an address like 1.1.1.1 or 127.0.0.1:5353, not `{r}`")
                    })
            })
            .transpose()?;
        Ok(Self {
            name,
            types,
            resolver,
        })
    }
}

/// What one query of one type gave.
enum Answer {
    Records(Vec<Record>),
    /// An answer without records: NXDOMAIN or NOERROR (no data).
    Empty(ResponseCode),
    /// An error response code (SERVFAIL, REFUSED).
    Code(ResponseCode),
    /// No usable answer at all (timeout, unreachable, garbage).
    Failed(String),
}

#[async_trait]
impl Probe for Dns {
    fn target(&self) -> String {
        let types: Vec<String> = self.types.iter().map(ToString::to_string).collect();
        match self.resolver {
            Some(r) => format!("dns {} {} @{r}", self.name, types.join(",")),
            None => format!("dns {} {}", self.name, types.join(",")),
        }
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![Expectation::new("resolved", Op::Eq, Literal::Bool(true))]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        let status = evidence.get("status").and_then(Value::as_str).unwrap_or("");
        match evidence.get("records") {
            Some(Value::List(l)) if !l.is_empty() => {
                let values: Vec<String> = l
                    .iter()
                    .filter_map(|r| match r {
                        Value::Map(m) => m.get("value").and_then(Value::as_str).map(str::to_string),
                        _ => None,
                    })
                    .take(3)
                    .collect();
                let more = if l.len() > 3 {
                    format!(" (+{})", l.len() - 3)
                } else {
                    String::new()
                };
                format!("{}{more}", values.join(", "))
            }
            _ => status.to_string(),
        }
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let start = Instant::now();
        let mut evidence = Evidence::new();
        evidence.insert("name".into(), self.name.clone().into());
        evidence.insert(
            "resolver".into(),
            self.resolver
                .map_or_else(
                    || "system (/etc/resolv.conf)".to_string(),
                    |r| r.to_string(),
                )
                .into(),
        );
        let resolver = match self.resolver(cx.timeout) {
            Ok(r) => r,
            Err(e) => return Observation::failed(evidence, e),
        };
        // Every type at once: the check takes the time of the slowest.
        let mut set = tokio::task::JoinSet::new();
        for (i, &t) in self.types.iter().enumerate() {
            let resolver = resolver.clone();
            let name = self.name.clone();
            let limit = cx.timeout;
            set.spawn(async move {
                let answer = match tokio::time::timeout(limit, resolver.lookup(name, t)).await {
                    Err(_) => Answer::Failed(format!(
                        "no valid DNS answer within {} (the resolver is silent, unreachable, \
                         or answers with something that is not DNS)",
                        golive_core::format_duration(limit)
                    )),
                    Ok(Ok(lookup)) => Answer::Records(lookup.answers().to_vec()),
                    Ok(Err(e)) => classify(&e),
                };
                (i, t, answer)
            });
        }
        let mut answers: Vec<(usize, RecordType, Answer)> = set.join_all().await;
        answers.sort_by_key(|(i, _, _)| *i);
        let answers: Vec<(RecordType, Answer)> =
            answers.into_iter().map(|(_, t, a)| (t, a)).collect();
        evidence.insert("time".into(), start.elapsed().into());

        let failures: Vec<String> = answers
            .iter()
            .filter_map(|(t, a)| match a {
                Answer::Failed(why) => Some(format!("{t}: {why}")),
                _ => None,
            })
            .collect();
        if failures.len() == answers.len() {
            let at = self.resolver.map_or_else(
                || "the system's resolver".to_string(),
                |r| format!("resolver {r}"),
            );
            return Observation::failed(
                evidence,
                format!(
                    "{at} gave no usable answer for {}: {}",
                    self.name,
                    dedup_reason(&failures)
                ),
            );
        }
        describe(&mut evidence, &answers);
        Observation::ok(evidence)
    }
}

impl Dns {
    fn resolver(&self, timeout: Duration) -> Result<TokioResolver, String> {
        let (config, mut opts) = match self.resolver {
            Some(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let server = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                (
                    ResolverConfig::from_name_servers(vec![server]),
                    ResolverOpts::default(),
                )
            }
            None => hickory_resolver::system_conf::read_system_conf()
                .map_err(|e| format!("cannot read the system's resolver configuration: {e}"))?,
        };
        opts.use_hosts_file = ResolveHosts::Never;
        // A probe observes what DNS says now: nothing cached, CNAMEs kept.
        opts.cache_size = 0;
        opts.preserve_intermediates = true;
        opts.timeout = timeout.min(Duration::from_secs(5));
        opts.attempts = 1;
        Resolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(opts)
            .build()
            .map_err(|e| format!("cannot set up the resolver: {e}"))
    }
}

fn classify(e: &NetError) -> Answer {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(no)) => Answer::Empty(no.response_code),
        NetError::Dns(DnsError::ResponseCode(code)) => Answer::Code(*code),
        NetError::Timeout => Answer::Failed(
            "no valid DNS answer in time (the resolver is silent, unreachable, or answers with \
             something that is not DNS)"
                .into(),
        ),
        NetError::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            Answer::Failed("connection refused (nothing listens there)".into())
        }
        NetError::Proto(p) => Answer::Failed(format!("the answer is not valid DNS: {p}")),
        other => Answer::Failed(other.to_string()),
    }
}

/// The names `dig` prints.
fn rcode_name(code: ResponseCode) -> String {
    match code {
        ResponseCode::NoError => "NOERROR".into(),
        ResponseCode::NXDomain => "NXDOMAIN".into(),
        ResponseCode::ServFail => "SERVFAIL".into(),
        ResponseCode::Refused => "REFUSED".into(),
        ResponseCode::FormErr => "FORMERR".into(),
        ResponseCode::NotImp => "NOTIMP".into(),
        other => format!("{other:?}").to_ascii_uppercase(),
    }
}

fn dedup_reason(failures: &[String]) -> String {
    // "A: timed out; AAAA: timed out" says the same thing twice.
    let reasons: Vec<&str> = failures
        .iter()
        .filter_map(|f| f.split_once(": ").map(|(_, r)| r))
        .collect();
    if reasons.windows(2).all(|w| w[0] == w[1]) {
        reasons.first().copied().unwrap_or_default().to_string()
    } else {
        failures.join("; ")
    }
}

fn describe(evidence: &mut Evidence, answers: &[(RecordType, Answer)]) {
    let mut a = Vec::new();
    let mut aaaa = Vec::new();
    let mut cname = Vec::new();
    let mut mx = Vec::new();
    let mut txt = Vec::new();
    let mut records = Vec::new();
    let mut missing = Vec::new();
    let mut min_ttl: Option<u32> = None;
    let mut status = ResponseCode::NoError;
    let mut errors = Vec::new();
    for (asked, answer) in answers {
        match answer {
            Answer::Records(list) => {
                let mut found = false;
                for r in list {
                    let (kind, value) = match &r.data {
                        RData::A(x) => {
                            a.push(Value::from(x.0.to_string()));
                            ("A", x.0.to_string())
                        }
                        RData::AAAA(x) => {
                            aaaa.push(Value::from(x.0.to_string()));
                            ("AAAA", x.0.to_string())
                        }
                        RData::CNAME(x) => {
                            let v = x.0.to_string();
                            if !cname.contains(&Value::from(v.clone())) {
                                cname.push(Value::from(v.clone()));
                            }
                            ("CNAME", v)
                        }
                        RData::MX(x) => {
                            let v = format!("{} {}", x.preference, x.exchange);
                            mx.push(Value::from(v.clone()));
                            ("MX", v)
                        }
                        RData::TXT(x) => {
                            let v: String = x
                                .txt_data
                                .iter()
                                .map(|part| String::from_utf8_lossy(part).into_owned())
                                .collect();
                            txt.push(Value::from(v.clone()));
                            ("TXT", v)
                        }
                        other => (other.record_type().into(), other.to_string()),
                    };
                    found |= r.record_type() == *asked;
                    min_ttl = Some(min_ttl.map_or(r.ttl, |m| m.min(r.ttl)));
                    let mut m = Evidence::new();
                    m.insert("type".into(), kind.into());
                    m.insert("name".into(), r.name.to_string().into());
                    m.insert("value".into(), value.into());
                    m.insert("ttl".into(), Duration::from_secs(u64::from(r.ttl)).into());
                    let m = Value::Map(m);
                    if !records.contains(&m) {
                        records.push(m);
                    }
                }
                if !found {
                    missing.push(Value::from(asked.to_string()));
                }
            }
            Answer::Empty(code) => {
                if *code != ResponseCode::NoError {
                    status = *code;
                }
                missing.push(Value::from(asked.to_string()));
            }
            Answer::Code(code) => {
                status = *code;
                missing.push(Value::from(asked.to_string()));
            }
            Answer::Failed(why) => {
                errors.push(Value::from(format!("{asked}: {why}")));
                missing.push(Value::from(asked.to_string()));
            }
        }
    }
    let resolved = missing.len() < answers.len();
    let mut addresses = a.clone();
    addresses.extend(aaaa.iter().cloned());
    evidence.insert("resolved".into(), resolved.into());
    evidence.insert("status".into(), rcode_name(status).into());
    evidence.insert("addresses".into(), Value::List(addresses));
    evidence.insert("a".into(), Value::List(a));
    evidence.insert("aaaa".into(), Value::List(aaaa));
    evidence.insert("cname".into(), Value::List(cname));
    evidence.insert("mx".into(), Value::List(mx));
    evidence.insert("txt".into(), Value::List(txt));
    evidence.insert("records".into(), Value::List(records));
    evidence.insert(
        "ttl".into(),
        min_ttl
            .map(|t| Value::from(Duration::from_secs(u64::from(t))))
            .into(),
    );
    evidence.insert("missing".into(), Value::List(missing));
    if !errors.is_empty() {
        evidence.insert("errors".into(), Value::List(errors));
    }
}
