//! `amqp`: the message broker (RabbitMQ) answers, and its queues are served.
//!
//! **What it verifies.** That a connection with the app's URL (`amqp://`, or
//! `amqps://` for TLS) opens and authenticates in its virtual host, and
//! reports the broker's product and version; optionally that a queue
//! exists (a passive declare: nothing is created) and how many messages
//! wait in it and how many consumers serve it.
//!
//! **Why it matters on launch day.** "RabbitMQ: rabbitmq-diagnostics ping",
//! "Queues created", "Workers are consuming": a queue nobody consumes fills
//! up silently, and the feature behind it (emails, WhatsApp replies) stops
//! without an error anywhere. Today this is `rabbitmqctl list_queues` run on
//! the broker's host, by hand.
//!
//! **Example.** Checklist: `- [ ] Worker consumes the notifications queue`.
//!
//! ```toml
//! [[check]]
//! kind = "amqp"
//! url = "${AMQP_URL}"
//! queue = "notifications"
//! min_consumers = 1
//! expect = ["consumers >= 1", "messages < 1000"]
//! ```
//!
//! Evidence: `address`, `tls`, `product` (`RabbitMQ`), `version`,
//! `platform`, `cluster_name`, `mechanisms` (SASL mechanisms offered),
//! `connected` (authenticated and opened the virtual host), `vhost`,
//! `queue`, `queue_exists`, `messages`, `consumers`, `time`. Default
//! expectations: `connected == true`, plus `queue_exists == true` with a
//! queue and `consumers >= N` with `min_consumers`.
//!
//! Answers checklist lines such as "RabbitMQ is running", "Message broker
//! is reachable", "Queue X exists", "Workers are consuming the queue",
//! "No messages piling up in the queue".
//!
//! lapin does the AMQP session. It does not expose the broker's greeting
//! (product, version), so golive first reads that greeting itself on a
//! short connection, parsed by lapin's own protocol types; that first
//! connection is also where a dead, silent or non-AMQP server is told
//! apart, with every step bounded. lapin's TLS runs on the run's trust
//! (`--ca`, `--insecure`) through a connector golive builds.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use lapin::protocol::{AMQPClass, connection::AMQPMethod};
use lapin::tcp::{RustlsConnector, TcpStream};
use lapin::types::AMQPValue;
use lapin::uri::{AMQPScheme, AMQPUri};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::net::conn::{self, Deadline};
use crate::net::dsn::Dsn;
use crate::{Context, Kind, Observation, Probe};

/// The protocol header of AMQP 0-9-1.
const HEADER: &[u8] = b"AMQP\x00\x00\x09\x01";
/// The greeting is a few hundred bytes; anything far larger is not one.
const MAX_GREETING: usize = 64 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `amqp://user:password@host:5672/vhost` or `amqps://…`.
    pub url: String,
    /// A queue that must exist (declared passively: never created).
    #[serde(default)]
    pub queue: Option<String>,
    /// Expect at least this many consumers on the queue.
    #[serde(default)]
    pub min_consumers: Option<u32>,
    /// Accept any certificate (also `--insecure`).
    #[serde(default)]
    pub insecure: bool,
}

pub struct Amqp {
    url: String,
    dsn: Dsn,
    uri: AMQPUri,
    queue: Option<String>,
    min_consumers: Option<u32>,
    insecure: bool,
}

impl Kind for Amqp {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let dsn = Dsn::parse(&s.url)?;
        if !matches!(dsn.scheme.as_str(), "amqp" | "amqps") {
            return Err(format!(
                "`url` must start with amqp:// or amqps://, not `{}://`",
                dsn.scheme
            ));
        }
        let uri: AMQPUri = s
            .url
            .parse()
            .map_err(|e| format!("`url` is not an AMQP URL: {e}"))?;
        if s.min_consumers.is_some() && s.queue.is_none() {
            return Err("`min_consumers` needs `queue`".into());
        }
        if let Some(q) = &s.queue
            && (q.is_empty() || q.len() > 255)
        {
            return Err("`queue` must be 1 to 255 bytes".into());
        }
        Ok(Self {
            url: s.url,
            dsn,
            uri,
            queue: s.queue,
            min_consumers: s.min_consumers,
            insecure: s.insecure,
        })
    }
}

impl Amqp {
    fn tls(&self) -> bool {
        self.uri.scheme == AMQPScheme::AMQPS
    }

    fn address(&self) -> String {
        self.dsn.address(self.uri.authority.port)
    }

    fn tls_config(&self, cx: &Context) -> Arc<rustls::ClientConfig> {
        if self.insecure {
            cx.tls_insecure.clone()
        } else {
            cx.tls.clone()
        }
    }

    /// Reads the broker's greeting (Connection.Start) into evidence.
    async fn greeting(
        &self,
        cx: &Context,
        deadline: Deadline,
        ev: &mut Evidence,
    ) -> Result<(), String> {
        let host = &self.uri.authority.host;
        let tcp = conn::tcp(host, self.uri.authority.port, deadline).await?;
        if self.tls() {
            let tls = conn::tls(tcp, host, self.tls_config(cx), deadline).await?;
            ev.insert("tls_version".into(), conn::tls_version(&tls).into());
            read_greeting(tls, deadline, ev).await
        } else {
            read_greeting(tcp, deadline, ev).await
        }
    }

    /// Authenticates and opens the virtual host with lapin.
    async fn session(&self, cx: &Context, deadline: Deadline) -> Result<lapin::Connection, String> {
        let mut uri = self.uri.clone();
        let tls = self.tls();
        // The TLS layer is ours (see the module's note): lapin sees a plain
        // `amqp://` URI and gets the stream from the closure.
        uri.scheme = AMQPScheme::AMQP;
        let connector = RustlsConnector::from(self.tls_config(cx));
        let limit = deadline.left();
        // The error type is lapin's (a TLS mid-handshake state, large); it is
        // made once per check, so its size does not matter.
        #[allow(clippy::result_large_err)]
        let connect = move |uri: &AMQPUri| {
            let host = uri.authority.host.as_str();
            let stream = TcpStream::connect_timeout((host, uri.authority.port), limit)?;
            let stream = if tls {
                stream.into_rustls(&connector, host)?
            } else {
                stream
            };
            stream.set_nonblocking(true)?;
            Ok(stream)
        };
        let props = lapin::ConnectionProperties::default()
            .with_connection_name("golive".into())
            .with_executor(tokio_executor_trait::Tokio::current())
            .with_reactor(tokio_reactor_trait::Tokio::current());
        deadline
            .run(
                &format!("from the broker at {} while logging in", self.address()),
                lapin::Connection::connector(uri, Box::new(connect), props),
            )
            .await?
            .map_err(|e| describe(&e))
    }
}

async fn read_greeting<S>(mut s: S, deadline: Deadline, ev: &mut Evidence) -> Result<(), String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    deadline
        .run("while sending the AMQP header", s.write_all(HEADER))
        .await?
        .map_err(|e| format!("cannot send the AMQP header: {e}"))?;
    let mut head = [0u8; 7];
    deadline
        .run(
            "to the AMQP header (is it an AMQP broker?)",
            s.read_exact(&mut head),
        )
        .await?
        .map_err(|e| format!("the server closed the connection before greeting: {e}"))?;
    if head.starts_with(b"AMQP") {
        // The broker's answer to a version it does not speak: its own header.
        return Err(format!(
            "the broker does not speak AMQP 0-9-1 (it offered {:?})",
            String::from_utf8_lossy(&head)
        ));
    }
    let size = u32::from_be_bytes([head[3], head[4], head[5], head[6]]) as usize;
    if head[0] != 1 || head[1..3] != [0, 0] || size > MAX_GREETING {
        return Err(format!(
            "not an AMQP broker: its first bytes {} are no AMQP frame",
            hex_preview(&head)
        ));
    }
    let mut payload = vec![0u8; size + 1];
    deadline
        .run(
            "while reading the AMQP greeting",
            s.read_exact(&mut payload),
        )
        .await?
        .map_err(|e| format!("the greeting was cut short: {e}"))?;
    if payload[size] != 0xCE {
        return Err("not an AMQP broker: its greeting frame has no frame end".into());
    }
    let start = match lapin::protocol::parse_class(&payload[..size]) {
        Ok((_, AMQPClass::Connection(AMQPMethod::Start(start)))) => start,
        Ok((_, other)) => {
            return Err(format!(
                "the broker opened with {:?} instead of Connection.Start",
                other.get_amqp_class_id()
            ));
        }
        Err(_) => return Err("not an AMQP broker: its greeting does not parse".into()),
    };
    let props = start.server_properties.inner();
    for key in ["product", "version", "platform", "cluster_name"] {
        if let Some(v) = props.get(key) {
            ev.insert(key.into(), amqp_text(v).into());
        }
    }
    ev.insert(
        "protocol".into(),
        format!("{}-{}", start.version_major, start.version_minor).into(),
    );
    ev.insert(
        "mechanisms".into(),
        Value::from(
            start
                .mechanisms
                .to_string()
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>(),
        ),
    );
    Ok(())
}

fn amqp_text(v: &AMQPValue) -> String {
    match v {
        AMQPValue::LongString(s) => s.to_string(),
        AMQPValue::ShortString(s) => s.to_string(),
        other => format!("{other:?}"),
    }
}

fn hex_preview(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// lapin's errors in the broker's own words where it gave them.
fn describe(e: &lapin::Error) -> String {
    match e.kind() {
        lapin::ErrorKind::ProtocolError(p) => {
            format!("the broker said {}: {}", p.get_id(), p.get_message())
        }
        lapin::ErrorKind::IOError(io) => format!("the connection failed: {io}"),
        lapin::ErrorKind::InvalidConnectionState(state) => format!(
            "the broker closed the connection while it was {state:?} (wrong user, password or virtual host?)"
        ),
        _ => e.to_string(),
    }
}

#[async_trait]
impl Probe for Amqp {
    fn target(&self) -> String {
        let mut t = format!("amqp {}", self.dsn.redacted());
        if let Some(q) = &self.queue {
            t.push_str(&format!(" queue {q}"));
        }
        t
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        let mut out = vec![Expectation::new("connected", Op::Eq, Literal::Bool(true))];
        if self.queue.is_some() {
            out.push(Expectation::new(
                "queue_exists",
                Op::Eq,
                Literal::Bool(true),
            ));
        }
        if let Some(n) = self.min_consumers {
            out.push(Expectation::new(
                "consumers",
                Op::Ge,
                Literal::Number(f64::from(n)),
            ));
        }
        out
    }

    fn summary(&self, e: &Evidence) -> String {
        let mut parts = Vec::new();
        if let (Some(p), Some(v)) = (
            e.get("product").and_then(Value::as_str),
            e.get("version").and_then(Value::as_str),
        ) {
            parts.push(format!("{p} {v}"));
        }
        match e.get("queue_exists") {
            Some(Value::Bool(false)) => parts.push("queue missing".into()),
            Some(Value::Bool(true)) => {
                if let (Some(m), Some(c)) = (e.get("messages"), e.get("consumers")) {
                    parts.push(format!("{m} messages, {c} consumers"));
                }
            }
            _ => {}
        }
        parts.join(", ")
    }

    fn secrets(&self) -> Vec<String> {
        self.dsn.secrets(&self.url)
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let deadline = Deadline::after(cx.timeout);
        let start = Instant::now();
        let mut ev = Evidence::new();
        ev.insert("address".into(), self.address().into());
        ev.insert("tls".into(), self.tls().into());
        if let Err(e) = self.greeting(cx, deadline, &mut ev).await {
            ev.insert("connected".into(), false.into());
            ev.insert("time".into(), start.elapsed().into());
            return Observation::failed(
                ev,
                format!("cannot talk to the broker at {}: {e}", self.address()),
            );
        }
        let connection = match self.session(cx, deadline).await {
            Ok(c) => c,
            Err(e) => {
                ev.insert("connected".into(), false.into());
                ev.insert("time".into(), start.elapsed().into());
                return Observation::failed(
                    ev,
                    format!(
                        "cannot open a session with the broker at {}: {e}",
                        self.address()
                    ),
                );
            }
        };
        ev.insert("connected".into(), true.into());
        ev.insert("vhost".into(), self.uri.vhost.clone().into());
        let mut failure = None;
        if let Some(queue) = &self.queue {
            ev.insert("queue".into(), queue.clone().into());
            let declared = async {
                let channel = connection.create_channel().await?;
                channel
                    .queue_declare(
                        queue.as_str(),
                        lapin::options::QueueDeclareOptions {
                            passive: true,
                            ..Default::default()
                        },
                        lapin::types::FieldTable::default(),
                    )
                    .await
            };
            match deadline
                .run("from the broker to the queue's declaration", declared)
                .await
            {
                Ok(Ok(q)) => {
                    ev.insert("queue_exists".into(), true.into());
                    ev.insert("messages".into(), q.message_count().into());
                    ev.insert("consumers".into(), q.consumer_count().into());
                }
                Ok(Err(e)) if matches!(e.kind(), lapin::ErrorKind::ProtocolError(p) if p.get_id() == 404) =>
                {
                    ev.insert("queue_exists".into(), false.into());
                }
                Ok(Err(e)) => {
                    failure = Some(format!("cannot inspect queue `{queue}`: {}", describe(&e)))
                }
                Err(e) => failure = Some(e),
            }
        }
        ev.insert("time".into(), start.elapsed().into());
        let _ = tokio::time::timeout(
            std::time::Duration::from_millis(500),
            connection.close(200, "golive done"),
        )
        .await;
        match failure {
            Some(f) => Observation::failed(ev, f),
            None => Observation::ok(ev),
        }
    }
}
