//! Opening connections for the datastore probes that speak their protocol
//! over a stream we hand them (Redis, SMTP): TCP within a bound, TLS with the
//! run's trust (`--ca`, `--insecure`), and a deadline shared by every step.

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::client::TlsStream;

/// The end of a probe's time, shared by its steps, so that a slow first
/// step leaves less to the next rather than each getting the whole bound.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(Instant);

impl Deadline {
    pub fn after(limit: Duration) -> Self {
        Self(Instant::now() + limit)
    }

    pub fn left(self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    /// Runs `step` within what is left; `Err` names the step that ran out.
    pub async fn run<T>(
        self,
        what: &str,
        step: impl std::future::Future<Output = T>,
    ) -> Result<T, String> {
        let left = self.left();
        tokio::time::timeout(left, step)
            .await
            .map_err(|_| format!("no answer {what} (timed out)"))
    }
}

/// Connects to `host:port`, trying each address the name resolves to.
pub async fn tcp(host: &str, port: u16, deadline: Deadline) -> Result<TcpStream, String> {
    let shown = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let addrs: Vec<_> = deadline
        .run(
            &format!("while resolving {host}"),
            tokio::net::lookup_host((host, port)),
        )
        .await?
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let mut last = format!("{host} resolves to no address");
    for addr in addrs {
        match deadline
            .run(
                &format!("while connecting to {shown}"),
                TcpStream::connect(addr),
            )
            .await?
        {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = format!("connection refused by {shown}: nothing listens there");
            }
            Err(e) => last = format!("cannot connect to {shown}: {e}"),
        }
    }
    Err(last)
}

/// A TLS handshake on an open stream (implicit TLS, or after STARTTLS).
pub async fn tls<S>(
    stream: S,
    host: &str,
    config: Arc<rustls::ClientConfig>,
    deadline: Deadline,
) -> Result<TlsStream<S>, String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| format!("`{host}` is not a TLS server name: {e}"))?;
    deadline
        .run(
            &format!("during the TLS handshake with {host}"),
            tokio_rustls::TlsConnector::from(config).connect(name, stream),
        )
        .await?
        .map_err(|e| format!("TLS handshake with {host} failed: {e}"))
}

/// The negotiated protocol version of a TLS stream (`TLSv1.3`).
pub fn tls_version<S>(stream: &TlsStream<S>) -> String {
    stream
        .get_ref()
        .1
        .protocol_version()
        .map_or_else(String::new, |v| {
            crate::net::http::tls_version_name(v).to_string()
        })
}
