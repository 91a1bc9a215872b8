//! `tls`: the certificate a server presents, and the protocol versions it
//! accepts.
//!
//! **What it verifies.** That the chain a server presents verifies for its
//! host name against the trusted roots (the system's, `--ca`, or the
//! check's own `ca`); how many days the certificate has left; its key type
//! and size and signature algorithm; the protocol and cipher a modern client
//! negotiates; and every protocol version the server accepts, from SSLv3 to
//! TLS 1.3. When the chain does not verify, the reason says which way:
//! expired, not yet valid, issued for another host, self-signed, or issued by
//! an unknown CA.
//!
//! **Why it matters on launch day.** An expired or wrong-host certificate
//! takes the whole product down for every browser at once, and a server that
//! still accepts TLS 1.0 fails a PCI or SOC 2 review. Teams check this with
//! `openssl s_client`, testssl.sh or SSL Labs, one host at a time.
//!
//! **Example.** Checklist: `- [ ] SSL certificate is valid and TLS 1.2+ only`.
//!
//! ```toml
//! [[check]]
//! kind = "tls"
//! host = "${app}"              # a host name, or a URL whose host and port are used
//! expect = ["valid == true", "days_left >= 30", "min_protocol >= TLSv1.2", "key_strength >= 2048"]
//! ```
//!
//! Settings: `host` (a name, an address or an https URL), `port` (443),
//! `server_name` (verify the certificate for this name while connecting to
//! `host`, as `curl --resolve` does), `ca` (a PEM file of CA certificates to
//! trust besides the system's, for a private CA; relative to the working
//! directory). `--insecure` does not turn verification off for this kind:
//! judging the certificate is what it is for.
//!
//! Evidence: `address`, `server_name`, `valid`, `verification` (`ok`, or
//! the problem and a sentence: `expired: …`, `not_yet_valid: …`,
//! `wrong_host: …`, `self_signed: …`, `unknown_issuer: …`, `invalid: …`),
//! `problem` (that first word), `subject`, `sans`, `issuer`, `not_before`,
//! `not_after` (RFC 3339), `days_left` (negative once expired),
//! `cert.expires_in` (what Gatus's `[CERTIFICATE_EXPIRATION]` reads),
//! `expired`, `hostname_match`, `self_signed`, `key_type` (`RSA`, `EC`,
//! `Ed25519`…), `key_bits`, `key_strength` (RSA-equivalent bits, so that one
//! threshold reads right for RSA and EC keys: P-256 counts as 3072, as NIST
//! SP 800-57 rates it), `curve`, `signature_algorithm`, `serial`, `chain`
//! (subject, issuer and not_after of each certificate served), `protocol` and
//! `cipher` (as negotiated by rustls), `protocols` (every version accepted),
//! `min_protocol`, `max_protocol`, `versions` (the answer to each version
//! asked: `versions.ssl3`, `versions.tls1_0` … `versions.tls1_3`), `handshake_time`, `time`.
//!
//! Default expectations: `verification == ok`, `days_left >= 14` (two weeks
//! to renew before browsers refuse it), `min_protocol >= TLSv1.2` (no SSLv3,
//! TLS 1.0 or 1.1).
//!
//! How versions are asked: TLS 1.2 and 1.3 with rustls (the negotiated
//! version and cipher come from a real handshake); SSLv3, TLS 1.0, 1.1 and
//! 1.2 also with one hand-built ClientHello each, which rustls cannot send
//! (see [`crate::net::hello`] for why that is sound). All of them run at
//! once, so the check costs about one handshake's time.
//!
//! Phrasings it answers: "SSL certificate is valid", "SSL/TLS certificate
//! installed", "HTTPS certificate not expiring within 30 days", "TLS 1.2+ for
//! all connections", "Disable TLS 1.0 and 1.1", "certificate auto-renewal
//! works" (days left), "2048-bit keys or stronger".

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CertificateError, ClientConfig};
use serde::Deserialize;
use tokio::net::TcpStream;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::net::hello::{self, Answer, Legacy};
use crate::net::http::{Scheme, tls_version_name};
use crate::net::tls::Trust;
use crate::net::{address, parse_host};
use crate::{Context, Kind, Observation, Probe};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// A host name or address, or an https URL.
    pub host: String,
    /// 443 unless `host` is a URL with a port.
    #[serde(default)]
    pub port: Option<u16>,
    /// The name to verify the certificate for, when it is not `host`.
    #[serde(default)]
    pub server_name: Option<String>,
    /// A PEM file of CA certificates trusted besides the system's.
    #[serde(default)]
    pub ca: Option<String>,
}

pub struct Tls {
    host: String,
    port: u16,
    server_name: ServerName<'static>,
    name: String,
    /// The verifying configuration built from `ca`, when given.
    own_trust: Option<Arc<ClientConfig>>,
}

impl Kind for Tls {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let (host, url) = parse_host(&s.host)?;
        let port = match (s.port, url) {
            (Some(p), _) => p,
            // An http:// URL names the host; its TLS port is the default one.
            (None, Some(url)) if url.scheme == Scheme::Http && url.port == 80 => 443,
            (None, Some(url)) => url.port,
            (None, None) => 443,
        };
        let name = s.server_name.unwrap_or_else(|| host.clone());
        let server_name = ServerName::try_from(name.clone())
            .map_err(|_| format!("`{name}` is not a valid TLS server name"))?;
        let own_trust = match s.ca {
            Some(ca) => {
                let trust = Trust {
                    system: true,
                    ca_files: vec![ca.into()],
                };
                Some(trust.client_configs().map(|(verified, _)| verified)?)
            }
            None => None,
        };
        Ok(Self {
            host,
            port,
            server_name,
            name,
            own_trust,
        })
    }
}

/// What one rustls handshake showed.
struct Session {
    certs: Vec<CertificateDer<'static>>,
    protocol: String,
    cipher: String,
    time: Duration,
}

enum HandshakeError {
    /// The chain does not verify: the server speaks TLS, its certificate is
    /// the problem.
    Certificate(CertificateError),
    /// Anything else, as a sentence.
    Other(String),
}

#[async_trait]
impl Probe for Tls {
    fn target(&self) -> String {
        if self.name == self.host {
            format!("tls {}", self.address())
        } else {
            format!("tls {} (as {})", self.address(), self.name)
        }
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![
            Expectation::new("verification", Op::Eq, Literal::Str("ok".into())),
            Expectation::new("days_left", Op::Ge, Literal::Number(14.0)),
            Expectation::new("min_protocol", Op::Ge, Literal::Str("TLSv1.2".into())),
        ]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        let verdict = match evidence.get("problem").and_then(Value::as_str) {
            Some(problem) => problem.replace('_', " "),
            None if evidence.get("valid") == Some(&Value::Bool(true)) => "valid".into(),
            None => return String::new(),
        };
        let days = match evidence.get("days_left") {
            // An expired certificate's verdict already says so.
            Some(Value::Int(d)) if *d >= 0 => format!(", {d} days left"),
            _ => String::new(),
        };
        let protocols = match evidence.get("protocols") {
            Some(Value::List(l)) if !l.is_empty() => {
                let names: Vec<String> = l
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|s| s.trim_start_matches("TLSv").to_string())
                    .collect();
                format!(", TLS {}", names.join("/"))
            }
            _ => String::new(),
        };
        format!("{verdict}{days}{protocols}")
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let start = Instant::now();
        let deadline = tokio::time::Instant::now() + cx.timeout;
        let mut evidence = Evidence::new();
        evidence.insert("address".into(), self.address().into());
        evidence.insert("server_name".into(), self.name.clone().into());

        let verifying = match self.verifying_config(cx) {
            Ok(c) => c,
            Err(e) => return Observation::failed(evidence, e),
        };
        // The certificate and the versions are asked at once: every
        // connection is independent, and a silent server costs one timeout,
        // not six.
        let certificate = async {
            match self.handshake(verifying, deadline).await {
                Ok(session) => Ok((session, None)),
                Err(HandshakeError::Certificate(problem)) => {
                    // The chain does not verify; look at it anyway, without
                    // verifying, to say what is wrong with it.
                    self.handshake(cx.tls_insecure.clone(), deadline)
                        .await
                        .map(|session| (session, Some(problem)))
                }
                Err(other) => Err(other),
            }
        };
        let versions = async {
            let asks = Legacy::ALL.map(|v| {
                let limit = deadline.saturating_duration_since(tokio::time::Instant::now());
                async move {
                    let answer =
                        hello::ask((self.host.as_str(), self.port), Some(&self.name), v, limit)
                            .await;
                    (v, answer)
                }
            });
            let [a, b, c, d] = asks;
            let (a, b, c, d) = tokio::join!(a, b, c, d);
            [a, b, c, d]
        };
        let (certificate, versions) = tokio::join!(certificate, versions);

        let outcome = match certificate {
            Ok((session, problem)) => {
                evidence.insert("valid".into(), problem.is_none().into());
                self.describe(&mut evidence, &session, problem.as_ref());
                protocols(&mut evidence, Some(&session.protocol), &versions);
                evidence.insert("handshake_time".into(), session.time.into());
                None
            }
            Err(HandshakeError::Other(why)) => {
                protocols(&mut evidence, None, &versions);
                Some(why)
            }
            Err(HandshakeError::Certificate(e)) => {
                protocols(&mut evidence, None, &versions);
                Some(format!(
                    "the certificate of {} is not valid ({e:?}), and could not be read",
                    self.address()
                ))
            }
        };
        evidence.insert("time".into(), start.elapsed().into());
        match outcome {
            None => Observation::ok(evidence),
            Some(why) => Observation::failed(evidence, why),
        }
    }
}

impl Tls {
    fn address(&self) -> String {
        address(&self.host, self.port)
    }

    /// The configuration that verifies: the check's own `ca`, else the
    /// run's (system roots and `--ca`). Under `--insecure` the run's
    /// configuration verifies nothing, so the system roots are used.
    fn verifying_config(&self, cx: &Context) -> Result<Arc<ClientConfig>, String> {
        if let Some(own) = &self.own_trust {
            return Ok(own.clone());
        }
        if Arc::ptr_eq(&cx.tls, &cx.tls_insecure) {
            return Trust::default()
                .client_configs()
                .map(|(verified, _)| verified);
        }
        Ok(cx.tls.clone())
    }

    async fn handshake(
        &self,
        config: Arc<ClientConfig>,
        deadline: tokio::time::Instant,
    ) -> Result<Session, HandshakeError> {
        let address = self.address();
        let work = async {
            let stream = TcpStream::connect((self.host.as_str(), self.port))
                .await
                .map_err(|e| {
                    HandshakeError::Other(match e.kind() {
                        std::io::ErrorKind::ConnectionRefused => {
                            format!("cannot connect to {address}: connection refused")
                        }
                        _ => format!("cannot connect to {address}: {e}"),
                    })
                })?;
            let started = Instant::now();
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(self.server_name.clone(), stream)
                .await
                .map_err(|e| {
                    let inner = e
                        .get_ref()
                        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
                    match inner {
                        Some(rustls::Error::InvalidCertificate(problem)) => {
                            HandshakeError::Certificate(problem.clone())
                        }
                        Some(other) => HandshakeError::Other(describe_tls_error(&address, other)),
                        None => HandshakeError::Other(format!(
                            "TLS handshake with {address} failed: {e}"
                        )),
                    }
                })?;
            let (_, conn) = tls.get_ref();
            Ok(Session {
                certs: conn
                    .peer_certificates()
                    .map(|c| c.iter().map(|c| c.clone().into_owned()).collect())
                    .unwrap_or_default(),
                protocol: conn
                    .protocol_version()
                    .map_or_else(String::new, |v| tls_version_name(v).to_string()),
                cipher: conn
                    .negotiated_cipher_suite()
                    .map_or_else(String::new, |c| format!("{:?}", c.suite())),
                time: started.elapsed(),
            })
        };
        match tokio::time::timeout_at(deadline, work).await {
            Ok(result) => result,
            Err(_) => Err(HandshakeError::Other(format!(
                "no TLS answer from {address} within the check's time limit (the server \
                 accepted the connection but did not complete a handshake)"
            ))),
        }
    }

    /// Puts what the certificate says into evidence, and the verdict on it.
    fn describe(
        &self,
        evidence: &mut Evidence,
        session: &Session,
        problem: Option<&CertificateError>,
    ) {
        let Some(leaf_der) = session.certs.first() else {
            evidence.insert(
                "verification".into(),
                "invalid: the server presented no certificate".into(),
            );
            evidence.insert("problem".into(), "invalid".into());
            return;
        };
        let leaf = match X509Certificate::from_der(leaf_der.as_ref()) {
            Ok((_, cert)) => cert,
            Err(e) => {
                evidence.insert(
                    "verification".into(),
                    format!("invalid: the certificate cannot be parsed: {e}").into(),
                );
                evidence.insert("problem".into(), "invalid".into());
                return;
            }
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let not_before = leaf.validity().not_before.timestamp();
        let not_after = leaf.validity().not_after.timestamp();
        let days_left = (not_after - now).div_euclid(86_400);
        let sans = sans(&leaf);
        let self_signed = leaf.subject().as_raw() == leaf.issuer().as_raw();
        let hostname_match = webpki::EndEntityCert::try_from(leaf_der).is_ok_and(|ee| {
            ee.verify_is_valid_for_subject_name(&self.server_name)
                .is_ok()
        });
        let expired = now > not_after;
        let not_yet = now < not_before;

        let verdict = problem.map(|p| {
            let what = match p {
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired",
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    "not_yet_valid"
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => "wrong_host",
                CertificateError::Revoked => "revoked",
                // A self-signed leaf has no issuer to find; when a trusted
                // root happens to bear the same name (Debian's snakeoil
                // certificate is `CN=localhost`), webpki reports the
                // signature that fails against it instead.
                CertificateError::UnknownIssuer
                | CertificateError::BadSignature
                | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. }
                    if self_signed =>
                {
                    "self_signed"
                }
                CertificateError::UnknownIssuer => "unknown_issuer",
                _ => "invalid",
            };
            let mut sentence = match what {
                "expired" => format!(
                    "expired: the certificate expired {} ago (not after {})",
                    days_ago(now - not_after),
                    rfc3339(not_after)
                ),
                "not_yet_valid" => format!(
                    "not_yet_valid: the certificate is valid only from {}",
                    rfc3339(not_before)
                ),
                "wrong_host" => format!(
                    "wrong_host: the certificate is for {}, not {}",
                    if sans.is_empty() {
                        leaf.subject().to_string()
                    } else {
                        sans.join(", ")
                    },
                    self.name
                ),
                "self_signed" => format!(
                    "self_signed: the certificate is self-signed ({}) and no trusted CA vouches for it",
                    leaf.subject()
                ),
                "unknown_issuer" => format!(
                    "unknown_issuer: the certificate is issued by {}, which is not a trusted CA \
                     (trust a private CA with --ca or `ca = \"ca.pem\"`)",
                    leaf.issuer()
                ),
                "revoked" => "revoked: the certificate has been revoked".to_string(),
                _ => format!("invalid: {}", certificate_error(p, &leaf)),
            };
            // One error stops rustls; say every other problem seen too.
            let mut also = Vec::new();
            if what != "expired" && expired {
                also.push(format!("expired {} ago", days_ago(now - not_after)));
            }
            if what != "wrong_host" && !hostname_match {
                also.push(format!("not valid for {}", self.name));
            }
            if what != "self_signed" && self_signed && what != "unknown_issuer" {
                also.push("self-signed".to_string());
            }
            if !also.is_empty() {
                sentence.push_str(&format!("; also {}", also.join(", ")));
            }
            (what, sentence)
        });
        match verdict {
            None => {
                evidence.insert("verification".into(), "ok".into());
            }
            Some((what, sentence)) => {
                evidence.insert("verification".into(), sentence.into());
                evidence.insert("problem".into(), what.into());
            }
        }
        evidence.insert("subject".into(), leaf.subject().to_string().into());
        evidence.insert("sans".into(), Value::from(sans));
        evidence.insert("issuer".into(), leaf.issuer().to_string().into());
        evidence.insert("not_before".into(), rfc3339(not_before).into());
        evidence.insert("not_after".into(), rfc3339(not_after).into());
        evidence.insert("days_left".into(), days_left.into());
        let mut cert = Evidence::new();
        cert.insert(
            "expires_in".into(),
            Duration::from_secs(u64::try_from(not_after - now).unwrap_or(0)).into(),
        );
        evidence.insert("cert".into(), cert.into());
        evidence.insert("expired".into(), (expired || not_yet).into());
        evidence.insert("hostname_match".into(), hostname_match.into());
        evidence.insert("self_signed".into(), self_signed.into());
        let key = key_facts(&leaf);
        evidence.insert("key_type".into(), key.kind.into());
        evidence.insert("key_bits".into(), key.bits.into());
        evidence.insert("key_strength".into(), key.strength.into());
        if let Some(curve) = key.curve {
            evidence.insert("curve".into(), curve.into());
        }
        evidence.insert(
            "signature_algorithm".into(),
            oid_name(&leaf.signature_algorithm.algorithm).into(),
        );
        evidence.insert("serial".into(), leaf.raw_serial_as_string().into());
        let chain: Vec<Value> = session
            .certs
            .iter()
            .filter_map(|der| X509Certificate::from_der(der.as_ref()).ok())
            .map(|(_, c)| {
                let mut m = Evidence::new();
                m.insert("subject".into(), c.subject().to_string().into());
                m.insert("issuer".into(), c.issuer().to_string().into());
                m.insert(
                    "not_after".into(),
                    rfc3339(c.validity().not_after.timestamp()).into(),
                );
                Value::Map(m)
            })
            .collect();
        evidence.insert("chain".into(), Value::List(chain));
        evidence.insert("protocol".into(), session.protocol.clone().into());
        evidence.insert("cipher".into(), session.cipher.clone().into());
    }
}

/// `protocols`, `min_protocol`, `max_protocol` and `versions`, from the
/// hand-built hellos and the version rustls negotiated (which tells whether
/// TLS 1.3 is accepted: rustls offers it first).
fn protocols(evidence: &mut Evidence, negotiated: Option<&str>, asked: &[(Legacy, Answer); 4]) {
    // Lowest first: SSLv3, TLSv1.0, TLSv1.1, TLSv1.2, TLSv1.3.
    let mut table: Vec<(&str, Option<bool>, String)> = asked
        .iter()
        .map(|(v, answer)| {
            let accepted = match answer {
                Answer::Accepted => Some(true),
                Answer::Refused(_) => Some(false),
                Answer::Unknown(_) => None,
            };
            (v.name(), accepted, answer.to_string())
        })
        .collect();
    match negotiated {
        Some("TLSv1.3") => table.push(("TLSv1.3", Some(true), "accepted".into())),
        Some(other) if !other.is_empty() => {
            if let Some(row) = table.iter_mut().find(|r| r.0 == other) {
                // A completed handshake outweighs a refused hello.
                row.1 = Some(true);
                row.2 = "accepted".into();
            }
            table.push((
                "TLSv1.3",
                Some(false),
                format!("not accepted: offered TLSv1.3, the server chose {other}"),
            ));
        }
        _ => table.push((
            "TLSv1.3",
            None,
            "unknown: no handshake completed".to_string(),
        )),
    }
    let accepted: Vec<&str> = table
        .iter()
        .filter(|r| r.1 == Some(true))
        .map(|r| r.0)
        .collect();
    // The minimum is known only if every lower version was answered.
    let min = table
        .iter()
        .position(|r| r.1 != Some(false))
        .filter(|&i| table[i].1 == Some(true))
        .map(|i| table[i].0);
    let max = table
        .iter()
        .rposition(|r| r.1 != Some(false))
        .filter(|&i| table[i].1 == Some(true))
        .map(|i| table[i].0);
    evidence.insert(
        "protocols".into(),
        Value::from(accepted.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
    );
    evidence.insert("min_protocol".into(), min.map(str::to_string).into());
    evidence.insert("max_protocol".into(), max.map(str::to_string).into());
    // Keys without dots, so that `versions.tls1_0` reads as a path.
    let mut versions = Evidence::new();
    for (name, _, text) in table {
        let key = match name {
            "SSLv3" => "ssl3",
            "TLSv1.0" => "tls1_0",
            "TLSv1.1" => "tls1_1",
            "TLSv1.2" => "tls1_2",
            _ => "tls1_3",
        };
        versions.insert(key.to_string(), text.into());
    }
    evidence.insert("versions".into(), Value::Map(versions));
}

/// The rarer certificate errors, in words.
fn certificate_error(e: &CertificateError, leaf: &X509Certificate<'_>) -> String {
    match e {
        CertificateError::BadSignature
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => format!(
            "the certificate's signature does not verify with the key of {}",
            leaf.issuer()
        ),
        CertificateError::UnsupportedSignatureAlgorithmContext { .. } => format!(
            "the certificate is signed with {}, which is not accepted",
            oid_name(&leaf.signature_algorithm.algorithm)
        ),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "the certificate is not issued for server authentication".to_string()
        }
        CertificateError::BadEncoding => "the certificate is malformed".to_string(),
        other => format!("{other:?}"),
    }
}

fn describe_tls_error(address: &str, e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            format!("{address} does not speak TLS: {e}")
        }
        rustls::Error::AlertReceived(alert) => format!(
            "{address} refused the TLS handshake with the alert {alert:?} (it may offer only \
             protocol versions or cipher suites modern clients refuse: see `versions`)"
        ),
        rustls::Error::PeerIncompatible(why) => {
            format!("{address} speaks no TLS a modern client accepts: {why:?} (see `versions`)")
        }
        other => format!("TLS handshake with {address} failed: {other}"),
    }
}

struct KeyFacts {
    kind: String,
    bits: u64,
    strength: u64,
    curve: Option<String>,
}

fn key_facts(cert: &X509Certificate<'_>) -> KeyFacts {
    let spki = cert.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|oid| oid.to_id_string());
    match (spki.parsed(), alg.as_str()) {
        (Ok(PublicKey::RSA(rsa)), _) => {
            let bits = significant_bits(rsa.modulus);
            KeyFacts {
                kind: "RSA".into(),
                bits,
                strength: bits,
                curve: None,
            }
        }
        (Ok(PublicKey::EC(point)), _) => {
            let (name, bits, strength) = match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => ("P-256", 256, 3072),
                Some("1.3.132.0.34") => ("P-384", 384, 7680),
                Some("1.3.132.0.35") => ("P-521", 521, 15360),
                _ => ("unknown", point.key_size() as u64, 0),
            };
            KeyFacts {
                kind: "EC".into(),
                bits,
                strength,
                curve: Some(name.into()),
            }
        }
        (_, "1.3.101.112") => KeyFacts {
            kind: "Ed25519".into(),
            bits: 256,
            strength: 3072,
            curve: None,
        },
        (_, "1.3.101.113") => KeyFacts {
            kind: "Ed448".into(),
            bits: 456,
            strength: 7680,
            curve: None,
        },
        (Ok(PublicKey::DSA(y)), _) => KeyFacts {
            kind: "DSA".into(),
            bits: significant_bits(y),
            strength: significant_bits(y),
            curve: None,
        },
        _ => KeyFacts {
            kind: oid_name(&spki.algorithm.algorithm),
            bits: 0,
            strength: 0,
            curve: None,
        },
    }
}

/// Bits of a big-endian unsigned integer, leading zeros left out.
fn significant_bits(bytes: &[u8]) -> u64 {
    let trimmed: &[u8] = {
        let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        &bytes[first..]
    };
    match trimmed.first() {
        None => 0,
        Some(b) => trimmed.len() as u64 * 8 - u64::from(b.leading_zeros()),
    }
}

fn oid_name(oid: &x509_parser::der_parser::Oid<'_>) -> String {
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map_or_else(|_| oid.to_id_string(), str::to_string)
}

fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(ext)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    ext.value
        .general_names
        .iter()
        .filter_map(|n| match n {
            GeneralName::DNSName(d) => Some((*d).to_string()),
            GeneralName::IPAddress(ip) => match ip.len() {
                4 => <[u8; 4]>::try_from(*ip)
                    .ok()
                    .map(|a| std::net::IpAddr::from(a).to_string()),
                16 => <[u8; 16]>::try_from(*ip)
                    .ok()
                    .map(|a| std::net::IpAddr::from(a).to_string()),
                _ => None,
            },
            GeneralName::RFC822Name(m) => Some(format!("email:{m}")),
            GeneralName::URI(u) => Some(format!("uri:{u}")),
            _ => None,
        })
        .collect()
}

fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

fn days_ago(seconds: i64) -> String {
    let days = seconds / 86_400;
    match days {
        0 => format!("{} hours", seconds / 3600),
        1 => "1 day".into(),
        n => format!("{n} days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_ignore_leading_zeros() {
        assert_eq!(significant_bits(&[0, 0x80, 0, 0]), 24);
        assert_eq!(significant_bits(&[0x01, 0]), 9);
        assert_eq!(significant_bits(&[]), 0);
    }

    #[test]
    fn versions_give_min_and_max() {
        let asked = [
            (Legacy::Ssl3, Answer::Refused("alert".into())),
            (Legacy::Tls10, Answer::Accepted),
            (Legacy::Tls11, Answer::Accepted),
            (Legacy::Tls12, Answer::Accepted),
        ];
        let mut e = Evidence::new();
        protocols(&mut e, Some("TLSv1.2"), &asked);
        assert_eq!(e["min_protocol"], Value::from("TLSv1.0"));
        assert_eq!(e["max_protocol"], Value::from("TLSv1.2"));
        assert_eq!(
            e["protocols"],
            Value::from(vec!["TLSv1.0", "TLSv1.1", "TLSv1.2"])
        );
        // An unanswered lower version leaves the minimum unknown.
        let asked = [
            (Legacy::Ssl3, Answer::Refused("alert".into())),
            (Legacy::Tls10, Answer::Unknown("silence".into())),
            (Legacy::Tls11, Answer::Refused("alert".into())),
            (Legacy::Tls12, Answer::Accepted),
        ];
        let mut e = Evidence::new();
        protocols(&mut e, Some("TLSv1.3"), &asked);
        assert_eq!(e["min_protocol"], Value::Null);
        assert_eq!(e["max_protocol"], Value::from("TLSv1.3"));
    }

    #[test]
    fn settings_are_checked() {
        let build = |t: &str| crate::build_from(golive_core::ProbeKind::Tls, t);
        assert_eq!(
            build("host = 'example.com'").unwrap(),
            "tls example.com:443"
        );
        assert_eq!(
            build("host = 'https://example.com:8443/x'").unwrap(),
            "tls example.com:8443"
        );
        assert_eq!(
            build("host = 'http://example.com/'").unwrap(),
            "tls example.com:443"
        );
        assert_eq!(
            build("host = '127.0.0.1'\nport = 9\nserver_name = 'api.example.com'").unwrap(),
            "tls 127.0.0.1:9 (as api.example.com)"
        );
        assert!(
            build("host = 'x'\nca = '/no/such/ca.pem'")
                .unwrap_err()
                .contains("/no/such/ca.pem")
        );
        assert!(build("host = ''").unwrap_err().contains("empty"));
    }
}
