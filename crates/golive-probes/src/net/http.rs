//! One HTTP exchange with the timings worth reporting: name resolution,
//! connect, TLS handshake, first byte and total, as hurl and curl report
//! them. Built on hyper's connection API rather than a pooled client so that
//! each phase can be timed and every request uses a fresh connection, which
//! is what a go-live check should measure.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use golive_core::error_chain;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// An absolute http(s) URL, split the way a client needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub scheme: Scheme,
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Url {
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = golive_load::Target::parse(s)?;
        Ok(Self {
            scheme: if t.https { Scheme::Https } else { Scheme::Http },
            host: t.host,
            port: t.port,
            path: t.path,
        })
    }

    /// `host` or `host:port` as the Host header wants it.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = match self.scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// The URL a `Location` header points to, relative to this one.
    pub fn join(&self, location: &str) -> Result<Self, String> {
        let loc = location.trim();
        if loc.contains("://") {
            return Self::parse(loc);
        }
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        if let Some(rest) = loc.strip_prefix("//") {
            return Self::parse(&format!("{scheme}://{rest}"));
        }
        let path = if loc.starts_with('/') {
            loc.to_string()
        } else {
            let base = self.path.split(['?', '#']).next().unwrap_or("/");
            let dir = &base[..base.rfind('/').map_or(0, |i| i + 1)];
            format!("{dir}{loc}")
        };
        Ok(Self {
            path,
            ..self.clone()
        })
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        write!(f, "{scheme}://{}{}", self.authority(), self.path)
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: http::Method,
    pub url: Url,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub dns: Duration,
    pub connect: Duration,
    pub tls: Option<Duration>,
    /// From the start until the response head arrived.
    pub first_byte: Duration,
    pub total: Duration,
}

#[derive(Debug, Clone)]
pub struct TlsInfo {
    pub version: String,
    pub cipher: String,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub version: &'static str,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, up to the client's limit.
    pub body: Bytes,
    /// Bytes of body received in all.
    pub body_size: u64,
    pub timings: Timings,
    pub remote: SocketAddr,
    pub tls: Option<TlsInfo>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Resolving,
    Connecting,
    Handshaking,
    Sending,
    Waiting,
    Reading,
}

impl Phase {
    fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Resolving,
            1 => Self::Connecting,
            2 => Self::Handshaking,
            3 => Self::Sending,
            4 => Self::Waiting,
            _ => Self::Reading,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Resolving => "resolving the host name",
            Self::Connecting => "connecting",
            Self::Handshaking => "in the TLS handshake",
            Self::Sending => "sending the request",
            Self::Waiting => {
                "waiting for the response (the server accepted the connection but did not answer)"
            }
            Self::Reading => "reading the response body",
        }
    }
}

/// Why an exchange failed, and in which phase.
#[derive(Debug, Clone)]
pub struct HttpError {
    pub phase: Phase,
    pub message: String,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// How to talk: the TLS configuration and how much body to keep.
#[derive(Clone)]
pub struct Client {
    pub tls: Arc<ClientConfig>,
    pub body_limit: usize,
}

/// Aborts the connection task when the exchange ends or is cancelled, so a
/// timed-out check leaves no socket behind.
pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Client {
    /// Sends one request on a new connection, bounded by `timeout` in all.
    pub async fn send(&self, req: &Request, timeout: Duration) -> Result<Response, HttpError> {
        let phase = Arc::new(AtomicU8::new(0));
        match tokio::time::timeout(timeout, self.exchange(req, &phase)).await {
            Ok(result) => result,
            Err(_) => {
                let p = Phase::from_u8(phase.load(Ordering::Relaxed));
                Err(HttpError {
                    phase: p,
                    message: format!(
                        "timed out after {} {}",
                        golive_core::format_duration(timeout),
                        p.describe()
                    ),
                })
            }
        }
    }

    async fn exchange(&self, req: &Request, phase: &AtomicU8) -> Result<Response, HttpError> {
        let start = Instant::now();
        let fail = |p: Phase, message: String| HttpError { phase: p, message };
        let url = &req.url;
        phase.store(Phase::Resolving as u8, Ordering::Relaxed);
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((url.host.as_str(), url.port))
            .await
            .map_err(|e| {
                fail(
                    Phase::Resolving,
                    format!("cannot resolve {}: {e}", url.host),
                )
            })?
            .collect();
        if addrs.is_empty() {
            return Err(fail(
                Phase::Resolving,
                format!("{} resolves to no address", url.host),
            ));
        }
        let dns = start.elapsed();
        phase.store(Phase::Connecting as u8, Ordering::Relaxed);
        let mut last_err = None;
        let mut stream = None;
        for addr in &addrs {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    stream = Some((s, *addr));
                    break;
                }
                Err(e) => last_err = Some((e, *addr)),
            }
        }
        let (stream, remote) = stream.ok_or_else(|| {
            let (e, addr) = last_err.expect("at least one address was tried");
            fail(Phase::Connecting, format!("cannot connect to {addr}: {e}"))
        })?;
        let _ = stream.set_nodelay(true);
        let connect = start.elapsed() - dns;
        let mut timings = Timings {
            dns,
            connect,
            ..Timings::default()
        };
        match url.scheme {
            Scheme::Http => {
                self.over(stream, req, start, timings, remote, None, phase)
                    .await
            }
            Scheme::Https => {
                phase.store(Phase::Handshaking as u8, Ordering::Relaxed);
                let name = ServerName::try_from(url.host.clone()).map_err(|e| {
                    fail(
                        Phase::Handshaking,
                        format!("`{}` is not a TLS server name: {e}", url.host),
                    )
                })?;
                let tls_start = Instant::now();
                let tls = tokio_rustls::TlsConnector::from(self.tls.clone())
                    .connect(name, stream)
                    .await
                    .map_err(|e| {
                        fail(
                            Phase::Handshaking,
                            format!("TLS handshake with {} failed: {e}", url.authority()),
                        )
                    })?;
                timings.tls = Some(tls_start.elapsed());
                let (_, session) = tls.get_ref();
                let info = TlsInfo {
                    version: session
                        .protocol_version()
                        .map_or_else(String::new, |v| tls_version_name(v).to_string()),
                    cipher: session
                        .negotiated_cipher_suite()
                        .map_or_else(String::new, |c| format!("{:?}", c.suite())),
                };
                self.over(tls, req, start, timings, remote, Some(info), phase)
                    .await
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn over<S>(
        &self,
        io: S,
        req: &Request,
        start: Instant,
        mut timings: Timings,
        remote: SocketAddr,
        tls: Option<TlsInfo>,
        phase: &AtomicU8,
    ) -> Result<Response, HttpError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let fail = |p: Phase, message: String| HttpError { phase: p, message };
        phase.store(Phase::Sending as u8, Ordering::Relaxed);
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
            .await
            .map_err(|e| fail(Phase::Sending, format!("HTTP handshake failed: {e}")))?;
        let _conn = AbortOnDrop(tokio::spawn(async move {
            let _ = conn.await;
        }));
        let mut builder = http::Request::builder()
            .method(req.method.clone())
            .uri(req.url.path.as_str());
        let has = |name: &str| {
            req.headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        if !has("host") {
            builder = builder.header(http::header::HOST, req.url.authority());
        }
        if !has("user-agent") {
            builder = builder.header(
                http::header::USER_AGENT,
                concat!("golive/", env!("CARGO_PKG_VERSION")),
            );
        }
        if !has("accept") {
            builder = builder.header(http::header::ACCEPT, "*/*");
        }
        for (name, value) in &req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let request = builder
            .body(Full::new(req.body.clone()))
            .map_err(|e| fail(Phase::Sending, format!("cannot build the request: {e}")))?;
        phase.store(Phase::Waiting as u8, Ordering::Relaxed);
        let response = sender.send_request(request).await.map_err(|e| {
            fail(
                Phase::Waiting,
                format!("no valid HTTP response: {}", error_chain(&e)),
            )
        })?;
        timings.first_byte = start.elapsed();
        phase.store(Phase::Reading as u8, Ordering::Relaxed);
        let status = response.status().as_u16();
        let version = match response.version() {
            http::Version::HTTP_10 => "HTTP/1.0",
            http::Version::HTTP_2 => "HTTP/2",
            _ => "HTTP/1.1",
        };
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = response.into_body();
        let mut kept = BytesMut::new();
        let mut size = 0u64;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| {
                fail(
                    Phase::Reading,
                    format!("reading the body failed: {}", error_chain(&e)),
                )
            })?;
            if let Ok(data) = frame.into_data() {
                size += data.len() as u64;
                let room = self.body_limit.saturating_sub(kept.len());
                kept.extend_from_slice(&data[..data.len().min(room)]);
            }
        }
        timings.total = start.elapsed();
        Ok(Response {
            status,
            version,
            headers,
            body: kept.freeze(),
            body_size: size,
            timings,
            remote,
            tls,
        })
    }
}

pub fn tls_version_name(v: rustls::ProtocolVersion) -> &'static str {
    match v {
        rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3",
        rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2",
        rustls::ProtocolVersion::TLSv1_1 => "TLSv1.1",
        rustls::ProtocolVersion::TLSv1_0 => "TLSv1.0",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("https://api.example.com/health?x=1").unwrap();
        assert_eq!(
            (u.port, u.path.as_str(), u.authority().as_str()),
            (443, "/health?x=1", "api.example.com")
        );
        let u = Url::parse("http://[::1]:8080").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("::1", 8080, "/")
        );
        assert_eq!(u.to_string(), "http://[::1]:8080/");
        assert!(Url::parse("ftp://x").is_err());
        assert!(Url::parse("/relative").is_err());
        let base = Url::parse("http://h:81/a/b?q").unwrap();
        assert_eq!(base.join("/c").unwrap().to_string(), "http://h:81/c");
        assert_eq!(base.join("c").unwrap().to_string(), "http://h:81/a/c");
        assert_eq!(
            base.join("//other/x").unwrap().to_string(),
            "http://other/x"
        );
        assert_eq!(base.join("https://s/").unwrap().to_string(), "https://s/");
    }
}
