//! Alerts: a Slack incoming webhook, a JSON webhook signed the Standard
//! Webhooks way, and email over SMTP. Sent from a background task with
//! retries and exponential backoff, so a slow or dead receiver never holds
//! up a round; every message passes the redactor first, so no secret golive
//! knows reaches a channel.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use golive_core::Redactor;
use golive_core::watch::NotifyToml;
use golive_probes::net::http::{Client, Request, Url};
use golive_probes::rustls::ClientConfig;
use golive_store::{Store, WatchAction};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::smtp;

/// Where a message goes.
#[derive(Clone)]
pub enum Notifier {
    Slack {
        url: Url,
    },
    Webhook {
        url: Url,
        /// The secret's bytes (after `whsec_`, base64-decoded).
        key: Vec<u8>,
    },
    Email(smtp::Mail),
}

impl Notifier {
    /// Builds a notifier from its config, `${VAR}`s already resolved.
    pub fn from_config(n: &NotifyToml) -> Result<Self, String> {
        Ok(match n {
            NotifyToml::Slack { url } => Self::Slack {
                url: Url::parse(url).map_err(|e| format!("slack url: {e}"))?,
            },
            NotifyToml::Webhook { url, secret } => Self::Webhook {
                url: Url::parse(url).map_err(|e| format!("webhook url: {e}"))?,
                key: webhook_key(secret)?,
            },
            NotifyToml::Email {
                host,
                port,
                username,
                password,
                from,
                to,
                starttls,
                insecure,
            } => {
                if to.is_empty() {
                    return Err("email: `to` names no recipient".into());
                }
                Self::Email(smtp::Mail {
                    host: host.clone(),
                    port: *port,
                    credentials: username.clone().zip(password.clone()),
                    from: from.clone(),
                    to: to.clone(),
                    starttls: *starttls,
                    insecure: *insecure,
                })
            }
        })
    }

    pub fn name(&self) -> String {
        match self {
            Self::Slack { url } => format!("slack {}", url.host),
            Self::Webhook { url, .. } => format!("webhook {}", url.host),
            Self::Email(m) => format!("email via {}", m.host),
        }
    }

    /// Secrets the notifier holds, for the redactor.
    pub fn secrets(&self) -> Vec<String> {
        match self {
            // A Slack webhook URL is itself the credential.
            Self::Slack { url } => vec![url.path.clone()],
            Self::Webhook { .. } => Vec::new(),
            Self::Email(m) => m.credentials.iter().map(|(_, p)| p.clone()).collect(),
        }
    }
}

/// `whsec_<base64>` (or bare base64) to the key's bytes.
pub fn webhook_key(secret: &str) -> Result<Vec<u8>, String> {
    let b64 = secret.strip_prefix("whsec_").unwrap_or(secret);
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| "webhook secret: write it as whsec_ followed by base64".to_string())
}

/// The Standard Webhooks signature: `v1,` and the base64 HMAC-SHA256 of
/// `id.timestamp.body`.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// What to say.
#[derive(Debug, Clone)]
pub struct Message {
    /// `trigger.fired`, `rollback.done`, …
    pub event: String,
    pub subject: String,
    pub text: String,
    pub data: serde_json::Value,
    /// The round it is about, for the store.
    pub round: i64,
    pub trigger: Option<String>,
}

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    pub first_delay: Duration,
    pub timeout: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 5,
            first_delay: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Where delivery outcomes are recorded.
#[derive(Clone)]
pub struct Record {
    pub store: Arc<dyn Store>,
    pub watch: i64,
    pub actor: String,
}

/// The background sender. Dropping it (or [`Dispatcher::finish`]) lets the
/// queue drain.
pub struct Dispatcher {
    tx: mpsc::UnboundedSender<Message>,
    task: JoinHandle<()>,
}

impl Dispatcher {
    pub fn start(
        notifiers: Vec<Notifier>,
        redactor: Arc<Redactor>,
        tls: Arc<ClientConfig>,
        tls_insecure: Arc<ClientConfig>,
        retry: Retry,
        record: Option<Record>,
    ) -> Self {
        let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
        let notifiers = Arc::new(notifiers);
        let task = tokio::spawn(async move {
            let mut sends = tokio::task::JoinSet::new();
            while let Some(msg) = rx.recv().await {
                let msg = Arc::new(clean(msg, &redactor));
                for n in notifiers.iter() {
                    let n = n.clone();
                    let (msg, record) = (msg.clone(), record.clone());
                    let tls = if matches!(&n, Notifier::Email(m) if m.insecure) {
                        tls_insecure.clone()
                    } else {
                        tls.clone()
                    };
                    let redactor = redactor.clone();
                    sends.spawn(async move {
                        let outcome = deliver_with_retries(&n, &msg, &tls, retry).await;
                        if let Some(r) = record {
                            let (ok, detail) = match outcome {
                                Ok(attempts) => (
                                    true,
                                    format!(
                                        "{} to {}: delivered (attempt {attempts})",
                                        msg.event,
                                        n.name()
                                    ),
                                ),
                                Err(e) => (false, format!("{} to {}: {e}", msg.event, n.name())),
                            };
                            let _ = r
                                .store
                                .add_watch_action(
                                    r.watch,
                                    &WatchAction {
                                        round: msg.round,
                                        action: "notify".into(),
                                        trigger: msg.trigger.clone(),
                                        ok,
                                        detail: redactor.redact(&detail).into_owned(),
                                        at: String::new(),
                                    },
                                    &r.actor,
                                )
                                .await;
                        }
                    });
                }
                // Reap finished sends so the set does not grow over a day.
                while sends.try_join_next().is_some() {}
            }
            while sends.join_next().await.is_some() {}
        });
        Self { tx, task }
    }

    /// Queues a message; never waits.
    pub fn send(&self, msg: Message) {
        let _ = self.tx.send(msg);
    }

    /// Waits up to `within` for queued messages to go out.
    pub async fn finish(self, within: Duration) {
        drop(self.tx);
        let mut task = self.task;
        if tokio::time::timeout(within, &mut task).await.is_err() {
            task.abort();
        }
    }
}

fn clean(mut msg: Message, redactor: &Redactor) -> Message {
    msg.subject = redactor.redact(&msg.subject).into_owned();
    msg.text = redactor.redact(&msg.text).into_owned();
    let data = serde_json::to_string(&msg.data).unwrap_or_default();
    msg.data = serde_json::from_str(&redactor.redact(&data)).unwrap_or(serde_json::Value::Null);
    msg
}

async fn deliver_with_retries(
    n: &Notifier,
    msg: &Message,
    tls: &Arc<ClientConfig>,
    retry: Retry,
) -> Result<u32, String> {
    let mut delay = retry.first_delay;
    let mut last = String::new();
    for attempt in 1..=retry.attempts.max(1) {
        match deliver(n, msg, tls, retry.timeout).await {
            Ok(()) => return Ok(attempt),
            Err(e) => last = e,
        }
        if attempt < retry.attempts {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(300));
        }
    }
    Err(format!(
        "not delivered after {} attempt(s): {last}",
        retry.attempts.max(1)
    ))
}

async fn deliver(
    n: &Notifier,
    msg: &Message,
    tls: &Arc<ClientConfig>,
    timeout: Duration,
) -> Result<(), String> {
    match n {
        Notifier::Slack { url } => {
            let body = serde_json::json!({ "text": format!("*{}*\n{}", msg.subject, msg.text) });
            post(url, body.to_string(), Vec::new(), tls, timeout).await
        }
        Notifier::Webhook { url, key } => {
            let now = time::OffsetDateTime::now_utc();
            let body = serde_json::json!({
                "type": format!("golive.{}", msg.event),
                "timestamp": golive_store::rfc3339(now),
                "data": {
                    "subject": msg.subject,
                    "text": msg.text,
                    "details": msg.data,
                },
            })
            .to_string();
            let id = message_id();
            let ts = now.unix_timestamp();
            let headers = vec![
                ("webhook-id".to_string(), id.clone()),
                ("webhook-timestamp".to_string(), ts.to_string()),
                (
                    "webhook-signature".to_string(),
                    sign(key, &id, ts, body.as_bytes()),
                ),
            ];
            post(url, body, headers, tls, timeout).await
        }
        Notifier::Email(mail) => smtp::send(mail, &msg.subject, &msg.text, tls, timeout).await,
    }
}

fn message_id() -> String {
    let mut bytes = [0u8; 12];
    let _ = getrandom::fill(&mut bytes);
    format!("msg_{}", hex_of(&bytes))
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn post(
    url: &Url,
    body: String,
    mut headers: Vec<(String, String)>,
    tls: &Arc<ClientConfig>,
    timeout: Duration,
) -> Result<(), String> {
    headers.push(("content-type".into(), "application/json".into()));
    let client = Client {
        tls: tls.clone(),
        body_limit: 4096,
    };
    let req = Request {
        method: http::Method::POST,
        url: url.clone(),
        headers,
        body: bytes::Bytes::from(body),
    };
    let resp = client
        .send(&req, timeout)
        .await
        .map_err(|e| e.to_string())?;
    if (200..300).contains(&resp.status) {
        Ok(())
    } else {
        Err(format!("the receiver answered {}", resp.status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_the_standard_webhooks_spec_example() {
        // The example of the Standard Webhooks specification.
        let key = webhook_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap(); // golive:allow (published test vector)
        let sig = sign(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
