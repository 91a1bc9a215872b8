//! `websocket`: connect, send a message, and receive the reply expected.
//!
//! **What it verifies.** That a WebSocket endpoint (ws:// or wss://)
//! accepts the upgrade (101), and, when asked, that a message sent is
//! answered by a message matching a pattern within the check's time limit.
//!
//! **Why it matters on launch day.** Chat, live updates and notifications
//! ride on one long-lived connection that load balancers, proxies and CDNs
//! break in their own ways (a missing `Upgrade` header, an idle timeout, a
//! certificate on the wrong host). The page loads; the live part is dead.
//!
//! **Example.** Checklist: `- [ ] WebSocket connections work through the load balancer`.
//!
//! ```toml
//! [[check]]
//! kind = "websocket"
//! url = "wss://api.example.com/ws"      # http(s):// is taken as ws(s)://
//! send = '{"type":"ping"}'
//! reply = '"type":\s*"pong"'            # a regular expression
//! headers = { Authorization = "Bearer ${WS_TOKEN}" }
//! ```
//!
//! Settings: `url`, `send` (a text message), `reply` (a pattern: the first
//! message matching it is the reply; others, such as a greeting, are
//! counted and skipped), `headers` (sent with the upgrade; credentials are
//! redacted), `insecure`.
//!
//! Evidence: `url`, `connected`, `status` (of the upgrade: 101, or the
//! refusal's), `header.*` (of the upgrade's answer), `subprotocol`,
//! `sent`, `reply` (the matching message, else the last one received),
//! `matched`, `messages` (received in all), `handshake_time`, `reply_time`
//! (from sending to the reply), `time`.
//! Default expectations: `status == 101`; with `reply`, `reply matches` it.
//! A message sent and nothing at all received within the time limit is a
//! failure that says so.
//!
//! Phrasings it answers: "WebSocket connection works", "Real-time updates
//! working", "Socket server reachable over wss", "Chat messages delivered".

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures_util::{SinkExt, StreamExt};
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use regex::Regex;
use rustls::pki_types::ServerName;
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::http::{check_headers, header_secrets};
use crate::net::address;
use crate::{Context, Kind, Observation, Probe};

/// Messages longer than this are kept cut in evidence.
const MESSAGE_LIMIT: usize = 64 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// ws://, wss://, or http(s):// taken as ws(s)://.
    pub url: String,
    /// A text message to send once connected.
    #[serde(default)]
    pub send: Option<String>,
    /// A pattern the reply must match.
    #[serde(default)]
    pub reply: Option<String>,
    /// Headers sent with the upgrade request.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Accept any certificate (also `--insecure`).
    #[serde(default)]
    pub insecure: bool,
}

pub struct WebSocket {
    url: String,
    secure: bool,
    host: String,
    port: u16,
    send: Option<String>,
    reply: Option<Regex>,
    headers: Vec<(String, String)>,
    insecure: bool,
}

impl Kind for WebSocket {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let raw = s.url.trim();
        let (scheme, rest) = raw
            .split_once("://")
            .ok_or_else(|| format!("`{raw}` is not an absolute URL (it needs ws:// or wss://)"))?;
        let secure = match scheme.to_ascii_lowercase().as_str() {
            "ws" | "http" => false,
            "wss" | "https" => true,
            other => return Err(format!("`{raw}`: scheme `{other}` is not ws or wss")),
        };
        let url = format!("{}://{rest}", if secure { "wss" } else { "ws" });
        let uri: http::Uri = url
            .parse()
            .map_err(|e| format!("`{raw}` is not a URL: {e}"))?;
        let host = uri
            .host()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("`{raw}` has no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
        let reply = s
            .reply
            .map(|p| Regex::new(&p).map_err(|e| format!("`reply` is not a valid pattern: {e}")))
            .transpose()?;
        let headers: Vec<(String, String)> = s.headers.into_iter().collect();
        check_headers(&headers)?;
        Ok(Self {
            url,
            secure,
            host,
            port,
            send: s.send,
            reply,
            headers,
            insecure: s.insecure,
        })
    }
}

#[async_trait]
impl Probe for WebSocket {
    fn target(&self) -> String {
        self.url.clone()
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        let mut e = vec![Expectation::new("status", Op::Eq, Literal::Number(101.0))];
        if let Some(pattern) = &self.reply {
            // Reads as "expected reply matches "pong", got "hello"" when
            // another message came.
            e.push(Expectation::new(
                "reply",
                Op::Matches,
                Literal::Str(pattern.as_str().to_string()),
            ));
        }
        e
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match (evidence.get("connected"), evidence.get("reply")) {
            (Some(Value::Bool(true)), Some(reply)) => format!(
                "reply {} in {}",
                reply.short(40),
                evidence
                    .get("reply_time")
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
            (Some(Value::Bool(true)), None) => format!(
                "connected in {}",
                evidence
                    .get("handshake_time")
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
            (Some(Value::Bool(false)), _) => evidence
                .get("status")
                .map(|s| format!("upgrade refused: {s}"))
                .unwrap_or_default(),
            _ => String::new(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        header_secrets(&self.headers)
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let start = Instant::now();
        let deadline = tokio::time::Instant::from_std(start) + cx.timeout;
        let mut evidence = Evidence::new();
        evidence.insert("url".into(), self.url.clone().into());
        let address = address(&self.host, self.port);
        let connect = tokio::time::timeout_at(
            deadline,
            TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await;
        let tcp = match connect {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                return Observation::failed(evidence, format!("cannot connect to {address}: {e}"));
            }
            Err(_) => {
                return Observation::failed(
                    evidence,
                    format!("connecting to {address} took longer than the check's time limit"),
                );
            }
        };
        let _ = tcp.set_nodelay(true);
        if self.secure {
            let tls = if self.insecure {
                cx.tls_insecure.clone()
            } else {
                cx.tls.clone()
            };
            let name = match ServerName::try_from(self.host.clone()) {
                Ok(n) => n,
                Err(e) => {
                    return Observation::failed(
                        evidence,
                        format!("`{}` is not a TLS server name: {e}", self.host),
                    );
                }
            };
            let handshake = tokio::time::timeout_at(
                deadline,
                tokio_rustls::TlsConnector::from(tls).connect(name, tcp),
            )
            .await;
            match handshake {
                Ok(Ok(stream)) => self.talk(stream, evidence, start, cx.timeout).await,
                Ok(Err(e)) => Observation::failed(
                    evidence,
                    format!("TLS handshake with {address} failed: {e}"),
                ),
                Err(_) => Observation::failed(
                    evidence,
                    format!("no TLS handshake with {address} within the check's time limit"),
                ),
            }
        } else {
            self.talk(tcp, evidence, start, cx.timeout).await
        }
    }
}

impl WebSocket {
    /// The upgrade, the message and the reply, over a connected stream.
    async fn talk<S>(
        &self,
        stream: S,
        mut evidence: Evidence,
        start: Instant,
        limit: Duration,
    ) -> Observation
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        let deadline = tokio::time::Instant::from_std(start) + limit;
        let mut request = match self.url.as_str().into_client_request() {
            Ok(r) => r,
            Err(e) => return Observation::failed(evidence, format!("bad WebSocket URL: {e}")),
        };
        for (name, value) in &self.headers {
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) {
                request.headers_mut().insert(n, v);
            }
        }
        let upgrade =
            tokio::time::timeout_at(deadline, tokio_tungstenite::client_async(request, stream))
                .await;
        let (mut ws, response) = match upgrade {
            Err(_) => {
                return Observation::failed(
                    evidence,
                    format!(
                        "no answer to the WebSocket upgrade from {} within the check's time limit",
                        self.url
                    ),
                );
            }
            Ok(Err(tungstenite::Error::Http(response))) => {
                // Refused with an HTTP answer: evidence, for the expectations.
                evidence.insert("connected".into(), false.into());
                evidence.insert("status".into(), response.status().as_u16().into());
                evidence.insert("header".into(), headers(response.headers()));
                if let Some(body) = response.body().as_ref().filter(|b| !b.is_empty()) {
                    evidence.insert(
                        "body".into(),
                        String::from_utf8_lossy(&body[..body.len().min(MESSAGE_LIMIT)])
                            .into_owned()
                            .into(),
                    );
                }
                evidence.insert("time".into(), start.elapsed().into());
                return Observation::ok(evidence);
            }
            Ok(Err(e)) => {
                return Observation::failed(
                    evidence,
                    format!(
                        "the WebSocket upgrade with {} failed: {}",
                        self.url,
                        describe(&e)
                    ),
                );
            }
            Ok(Ok(pair)) => pair,
        };
        let handshake_time = start.elapsed();
        evidence.insert("connected".into(), true.into());
        evidence.insert("status".into(), response.status().as_u16().into());
        evidence.insert("header".into(), headers(response.headers()));
        if let Some(p) = response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok())
        {
            evidence.insert("subprotocol".into(), p.into());
        }
        evidence.insert("handshake_time".into(), handshake_time.into());

        let sent_at = Instant::now();
        if let Some(text) = &self.send {
            let sent =
                tokio::time::timeout_at(deadline, ws.send(Message::text(text.clone()))).await;
            match sent {
                Ok(Ok(())) => {
                    evidence.insert("sent".into(), cut(text).into());
                }
                Ok(Err(e)) => {
                    return Observation::failed(
                        evidence,
                        format!(
                            "connected, but sending the message failed: {}",
                            describe(&e)
                        ),
                    );
                }
                Err(_) => {
                    return Observation::failed(
                        evidence,
                        "connected, but the message could not be sent within the check's time limit",
                    );
                }
            }
        }
        if self.send.is_none() && self.reply.is_none() {
            evidence.insert("time".into(), start.elapsed().into());
            let _ = tokio::time::timeout(Duration::from_millis(200), ws.close(None)).await;
            return Observation::ok(evidence);
        }

        // Read until a message matches (or, without a pattern, the first
        // message), the server closes, or the time is up.
        let mut received = 0usize;
        let mut last: Option<String> = None;
        let mut matched = false;
        let mut ended = None;
        loop {
            let next = tokio::time::timeout_at(deadline, ws.next()).await;
            let message = match next {
                Err(_) => break,
                Ok(None) => {
                    ended = Some("the server closed the connection".to_string());
                    break;
                }
                Ok(Some(Err(e))) => {
                    ended = Some(format!("the connection failed: {}", describe(&e)));
                    break;
                }
                Ok(Some(Ok(m))) => m,
            };
            let text = match message {
                Message::Text(t) => t.as_str().to_string(),
                Message::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
                Message::Close(frame) => {
                    ended = Some(match frame {
                        Some(f) => {
                            format!("the server closed the connection ({} {})", f.code, f.reason)
                        }
                        None => "the server closed the connection".to_string(),
                    });
                    break;
                }
                // Control frames are answered by tungstenite itself.
                _ => continue,
            };
            received += 1;
            let hit = self.reply.as_ref().is_none_or(|r| r.is_match(&text));
            last = Some(text);
            if hit {
                matched = true;
                evidence.insert("reply_time".into(), sent_at.elapsed().into());
                break;
            }
        }
        evidence.insert("messages".into(), received.into());
        if let Some(text) = &last {
            evidence.insert("reply".into(), cut(text).into());
        }
        if self.reply.is_some() {
            evidence.insert("matched".into(), matched.into());
        }
        evidence.insert("time".into(), start.elapsed().into());
        if !matched {
            let _ = tokio::time::timeout(Duration::from_millis(200), ws.close(None)).await;
        }
        if received == 0 {
            let what = match &self.send {
                Some(text) => format!("connected and sent {}", Value::from(cut(text)).short(60)),
                None => "connected".to_string(),
            };
            let why = ended.unwrap_or_else(|| {
                format!(
                    "no message came back within {}",
                    golive_core::format_duration(limit)
                )
            });
            return Observation::failed(evidence, format!("{what}, but {why}"));
        }
        Observation::ok(evidence)
    }
}

fn headers(map: &http::HeaderMap) -> Value {
    let mut h = Evidence::new();
    for (name, value) in map {
        h.insert(
            name.as_str().to_string(),
            String::from_utf8_lossy(value.as_bytes())
                .into_owned()
                .into(),
        );
    }
    Value::Map(h)
}

fn cut(text: &str) -> String {
    if text.len() <= MESSAGE_LIMIT {
        return text.to_string();
    }
    let mut end = MESSAGE_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

fn describe(e: &tungstenite::Error) -> String {
    match e {
        tungstenite::Error::Protocol(p) => {
            format!("the server does not speak the WebSocket protocol: {p}")
        }
        tungstenite::Error::HttpFormat(h) => format!("the server's answer is not HTTP: {h}"),
        tungstenite::Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the server closed the connection".to_string()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn settings_are_checked() {
        let build = |t: &str| crate::build_from(golive_core::ProbeKind::Websocket, t);
        assert_eq!(
            build("url = 'https://h.example/ws'").unwrap(),
            "wss://h.example/ws"
        );
        assert_eq!(build("url = 'ws://h:81/'").unwrap(), "ws://h:81/");
        assert!(build("url = 'ftp://h/'").unwrap_err().contains("not ws"));
        assert!(
            build("url = 'ws://h/'\nreply = '('")
                .unwrap_err()
                .contains("pattern")
        );
        assert!(build("url = 'h/ws'").unwrap_err().contains("absolute"));
    }
}
