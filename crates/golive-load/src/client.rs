//! Connections and exchanges, on hyper's connection API.
//!
//! An HTTP/1.1 connection's driver (the future that reads and writes the
//! socket) is polled by the same task that sends on it, instead of being
//! spawned as a task of its own: a request and its answer then cost one
//! task wake-up instead of three, which is most of the gap between a tokio
//! load generator and wrk. HTTP/2 connections multiplex, so their driver is
//! spawned as hyper expects.

use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Request};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;

use golive_core::error_chain;

use crate::plan::Protocol;
use crate::report::ErrorKind;
use crate::target::Target;

/// Why one request failed, in the report's categories, with the words to
/// show for the first of its kind.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub kind: ErrorKind,
    pub message: String,
    /// The request never left: the connection had closed already, so it
    /// may be sent again on a new one.
    pub unsent: bool,
}

impl Failure {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            unsent: false,
        }
    }

    fn unsent(message: String) -> Self {
        Self {
            unsent: true,
            ..Self::new(ErrorKind::Reset, message)
        }
    }
}

/// An answered request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Answer {
    pub status: u16,
    pub bytes: u64,
}

/// An answer's headers and body (up to 1 MiB), for setup requests.
pub(crate) struct Kept {
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// How to reach the target: its resolved addresses and TLS set-up.
pub(crate) struct Connector {
    addrs: Vec<SocketAddr>,
    target: Target,
    tls: Option<(tokio_rustls::TlsConnector, ServerName<'static>)>,
    protocol: Protocol,
}

impl Connector {
    /// Resolves the target's host once, so that a load measures the
    /// server, not the resolver.
    pub async fn new(
        target: &Target,
        protocol: Protocol,
        tls: &Arc<rustls::ClientConfig>,
        timeout: Duration,
    ) -> Result<Self, Failure> {
        let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
        let addrs: Vec<SocketAddr> = match tokio::time::timeout(timeout, lookup).await {
            Ok(Ok(a)) => a.collect(),
            Ok(Err(e)) => {
                return Err(Failure::new(
                    ErrorKind::Connect,
                    format!("cannot resolve {}: {e}", target.host),
                ));
            }
            Err(_) => {
                return Err(Failure::new(
                    ErrorKind::Timeout,
                    format!("resolving {} took longer than {timeout:?}", target.host),
                ));
            }
        };
        if addrs.is_empty() {
            return Err(Failure::new(
                ErrorKind::Connect,
                format!("{} resolves to no address", target.host),
            ));
        }
        let tls = if target.https {
            let mut config = (**tls).clone();
            config.alpn_protocols = match protocol {
                Protocol::Http1 => vec![b"http/1.1".to_vec()],
                Protocol::Http2 => vec![b"h2".to_vec()],
                Protocol::Auto => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            };
            let name = ServerName::try_from(target.host.clone()).map_err(|e| {
                Failure::new(
                    ErrorKind::Tls,
                    format!("`{}` is not a TLS server name: {e}", target.host),
                )
            })?;
            Some((tokio_rustls::TlsConnector::from(Arc::new(config)), name))
        } else {
            None
        };
        Ok(Self {
            addrs,
            target: target.clone(),
            tls,
            protocol,
        })
    }

    /// Opens a connection and speaks HTTP on it. The caller bounds the time.
    pub async fn connect(&self) -> Result<Conn, Failure> {
        let mut last = None;
        let mut stream = None;
        for addr in &self.addrs {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(format!("cannot connect to {addr}: {e}")),
            }
        }
        let Some(stream) = stream else {
            return Err(Failure::new(
                ErrorKind::Connect,
                last.unwrap_or_else(|| "no address to connect to".into()),
            ));
        };
        let _ = stream.set_nodelay(true);
        match &self.tls {
            None => {
                let h2 = self.protocol == Protocol::Http2;
                handshake(stream, h2).await
            }
            Some((connector, name)) => {
                let tls = connector.connect(name.clone(), stream).await.map_err(|e| {
                    Failure::new(
                        ErrorKind::Tls,
                        format!("TLS handshake with {} failed: {e}", self.target.authority()),
                    )
                })?;
                let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                if self.protocol == Protocol::Http2 && !h2 {
                    return Err(Failure::new(
                        ErrorKind::Protocol,
                        format!(
                            "{} did not agree to HTTP/2 in the TLS handshake (ALPN)",
                            self.target.authority()
                        ),
                    ));
                }
                handshake(tls, h2).await
            }
        }
    }
}

type Driver = Pin<Box<dyn Future<Output = ()> + Send>>;

enum Sender {
    H1 {
        send: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
        /// `None` once the connection has ended.
        driver: Option<Driver>,
    },
    H2 {
        send: hyper::client::conn::http2::SendRequest<Full<Bytes>>,
        _driver: AbortOnDrop,
    },
}

/// One open connection.
pub(crate) struct Conn {
    sender: Sender,
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn handshake<S>(io: S, h2: bool) -> Result<Conn, Failure>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(io);
    let sender = if h2 {
        let (send, conn) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            .handshake(io)
            .await
            .map_err(|e| Failure::new(classify(&e), format!("HTTP/2 handshake failed: {e}")))?;
        Sender::H2 {
            send,
            _driver: AbortOnDrop(tokio::spawn(async move {
                let _ = conn.await;
            })),
        }
    } else {
        let (send, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| Failure::new(classify(&e), format!("HTTP handshake failed: {e}")))?;
        Sender::H1 {
            send,
            driver: Some(Box::pin(async move {
                let _ = conn.await;
            })),
        }
    };
    Ok(Conn { sender })
}

/// Polls `fut` to completion while driving the connection beside it.
async fn driving<F: Future>(driver: &mut Option<Driver>, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            return Poll::Ready(out);
        }
        if let Some(d) = driver.as_mut()
            && d.as_mut().poll(cx).is_ready()
        {
            *driver = None;
        }
        // The driver may just have completed the response: look again now
        // rather than after another trip through the scheduler.
        fut.as_mut().poll(cx)
    })
    .await
}

impl Conn {
    pub fn is_http2(&self) -> bool {
        matches!(self.sender, Sender::H2 { .. })
    }

    /// Whether a request can go out on this connection now. A connection
    /// the server closed between requests (keep-alive limit, idle timeout)
    /// is replaced, not counted as an error. The HTTP/1.1 driver is not
    /// polled here (that would cost a read per request); a close it has not
    /// seen yet shows as an unsent request, which is sent again.
    pub fn usable(&self) -> bool {
        match &self.sender {
            Sender::H1 { send, driver } => driver.is_some() && !send.is_closed(),
            Sender::H2 { send, .. } => !send.is_closed(),
        }
    }

    /// Sends a request and reads the whole answer, counting its body bytes;
    /// with `keep` the body is kept (up to 1 MiB) and returned.
    pub async fn exchange(
        &mut self,
        req: Request<Full<Bytes>>,
        keep: bool,
    ) -> Result<(Answer, Option<Kept>), Failure> {
        match &mut self.sender {
            Sender::H1 { send, driver } => {
                let send = &mut *send;
                driving(driver, async move {
                    if let Err(e) = send.ready().await {
                        return Err(Failure::unsent(format!(
                            "the connection closed: {}",
                            error_chain(&e)
                        )));
                    }
                    let resp = match send.try_send_request(req).await {
                        Ok(r) => r,
                        Err(mut e) => {
                            let unsent = e.take_message().is_some();
                            let mut f = fail(e.error());
                            f.unsent = unsent;
                            return Err(f);
                        }
                    };
                    read(resp, keep).await
                })
                .await
            }
            Sender::H2 { send, .. } => {
                send.ready().await.map_err(|e| fail(&e))?;
                let resp = send.send_request(req).await.map_err(|e| fail(&e))?;
                read(resp, keep).await
            }
        }
    }
}

const KEEP_LIMIT: usize = 1 << 20;

async fn read(
    resp: http::Response<Incoming>,
    keep: bool,
) -> Result<(Answer, Option<Kept>), Failure> {
    let status = resp.status().as_u16();
    let (parts, mut body) = resp.into_parts();
    let mut bytes = 0u64;
    let mut kept = keep.then(BytesMut::new);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| fail(&e))?;
        if let Some(data) = frame.data_ref() {
            bytes += data.len() as u64;
            if let Some(k) = kept.as_mut() {
                let room = KEEP_LIMIT.saturating_sub(k.len());
                k.extend_from_slice(&data[..data.len().min(room)]);
            }
        }
    }
    let kept = kept.map(|body| Kept {
        headers: parts.headers,
        body: body.freeze(),
    });
    Ok((Answer { status, bytes }, kept))
}

fn fail(e: &hyper::Error) -> Failure {
    Failure::new(classify(e), error_chain(e))
}

/// Sorts hyper's errors into the report's kinds: the peer hanging up is a
/// reset, an answer that is not HTTP is a protocol error.
fn classify(e: &hyper::Error) -> ErrorKind {
    if e.is_parse() || e.is_parse_status() || e.is_user() {
        return ErrorKind::Protocol;
    }
    if e.is_timeout() {
        return ErrorKind::Timeout;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::TimedOut => ErrorKind::Timeout,
                _ => ErrorKind::Reset,
            };
        }
        source = s.source();
    }
    // Closed, cancelled, incomplete message, HTTP/2 stream resets.
    ErrorKind::Reset
}

/// The request as sent, built once; each send clones it (the header map is
/// the only allocation).
pub(crate) struct Template {
    method: http::Method,
    path: http::Uri,
    absolute: http::Uri,
    h1_headers: HeaderMap,
    h2_headers: HeaderMap,
    body: Bytes,
}

impl Template {
    pub fn new(
        method: http::Method,
        target: &Target,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<Self, String> {
        let path: http::Uri = target
            .path
            .parse()
            .map_err(|e| format!("`{}` is not a request path: {e}", target.path))?;
        let absolute: http::Uri = target
            .to_string()
            .parse()
            .map_err(|e| format!("`{target}` is not a URL: {e}"))?;
        let mut h2_headers = HeaderMap::new();
        for (name, value) in headers {
            let n = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| format!("`{name}` is not a header name"))?;
            let v = HeaderValue::from_str(value.trim())
                .map_err(|_| format!("the value of header `{name}` is not valid"))?;
            h2_headers.append(n, v);
        }
        if !h2_headers.contains_key(http::header::USER_AGENT) {
            h2_headers.insert(
                http::header::USER_AGENT,
                HeaderValue::from_static(concat!("golive/", env!("CARGO_PKG_VERSION"))),
            );
        }
        if !h2_headers.contains_key(http::header::ACCEPT) {
            h2_headers.insert(http::header::ACCEPT, HeaderValue::from_static("*/*"));
        }
        let mut h1_headers = h2_headers.clone();
        if let Some(host) = h2_headers.remove(http::header::HOST) {
            h1_headers.insert(http::header::HOST, host);
        } else {
            let authority = HeaderValue::from_str(&target.authority())
                .map_err(|_| format!("`{}` is not a valid host", target.authority()))?;
            h1_headers.insert(http::header::HOST, authority);
        }
        Ok(Self {
            method,
            path,
            absolute,
            h1_headers,
            h2_headers,
            body,
        })
    }

    pub fn build(&self, h2: bool) -> Request<Full<Bytes>> {
        let mut req = Request::new(Full::new(self.body.clone()));
        *req.method_mut() = self.method.clone();
        if h2 {
            *req.uri_mut() = self.absolute.clone();
            *req.headers_mut() = self.h2_headers.clone();
            *req.version_mut() = http::Version::HTTP_2;
        } else {
            *req.uri_mut() = self.path.clone();
            *req.headers_mut() = self.h1_headers.clone();
        }
        req
    }
}
