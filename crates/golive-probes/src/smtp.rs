//! `smtp`: the mail server greets, encrypts, authenticates, and takes mail.
//!
//! **What it verifies.** That the SMTP server answers EHLO, offers STARTTLS
//! and completes the upgrade (or speaks TLS from the start on port 465),
//! which AUTH mechanisms it offers, that the app's credentials are
//! accepted, and optionally that a test message is accepted for delivery.
//!
//! **Why it matters on launch day.** "Email sending works", "SMTP
//! credentials configured", "Password reset emails are delivered": mail
//! fails silently (the app logs it, nobody reads the log) until the first
//! user cannot log in. Today this is `openssl s_client -starttls smtp` and
//! `swaks`, by hand.
//!
//! **Example.** Checklist: `- [ ] Email sending works (SendGrid SMTP)`.
//!
//! ```toml
//! [[check]]
//! kind = "smtp"
//! host = "${SMTP_HOST}"
//! port = 587
//! username = "${SMTP_USER}"
//! password = "${SMTP_PASS}"
//! send_to = "golive-check@example.com"
//! ```
//!
//! `host` may be a URL instead: `smtp://user:password@host:587` (STARTTLS
//! when offered) or `smtps://…:465` (TLS from the first byte). `from` sets
//! the envelope sender of the test message (default `golive@` the HELO
//! name), `helo` the name golive introduces itself with, `starttls = false`
//! stays in plain text, `insecure` accepts any certificate.
//!
//! Evidence: `address`, `banner`, `ehlo`, `extensions` (as the server
//! listed them, after the upgrade when there was one), `starttls`
//! (offered), `encrypted`, `tls_version`, `auth` (mechanisms offered),
//! `authenticated` (with credentials), `accepted` and `response` (with
//! `send_to`), `time`. Default expectations: `ehlo == true`,
//! `encrypted == true` (STARTTLS upgrade or implicit TLS), plus
//! `authenticated == true` with credentials and `accepted == true` with
//! `send_to`.
//!
//! Answers checklist lines such as "Email sending works", "SMTP server is
//! reachable", "SMTP uses TLS (STARTTLS)", "SMTP credentials are valid",
//! "Transactional email configured".
//!
//! Written by hand rather than with lettre: a probe needs what a mail
//! library hides on purpose (the banner, every EHLO line including
//! mechanisms lettre does not know, which step failed and the server's exact
//! reply) and must use the run's TLS trust (`--ca`, `--insecure`); the
//! client side of SMTP for this is a few line exchanges.

use std::time::Instant;

use async_trait::async_trait;
use base64::Engine as _;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use serde::Deserialize;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use crate::net::conn::{self, Deadline};
use crate::net::dsn::Dsn;
use crate::{Context, Kind, Observation, Probe};

/// Longer lines are not SMTP (RFC 5321 allows 512 octets for replies).
const MAX_LINE: usize = 4096;
/// Replies longer than this many lines are not SMTP either.
const MAX_LINES: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Host name or address, or an `smtp://` / `smtps://` URL.
    pub host: String,
    /// Default: the URL's, else 465 for `smtps://`, else 587. A number, or
    /// a string holding one (`port = "${SMTP_PORT}"`).
    #[serde(default)]
    pub port: Option<Port>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// TLS from the first byte (SMTPS); default with `smtps://` or port 465.
    #[serde(default)]
    pub implicit_tls: Option<bool>,
    /// Upgrade with STARTTLS when offered (default true).
    #[serde(default = "yes")]
    pub starttls: bool,
    /// Send a short test message to this address.
    #[serde(default)]
    pub send_to: Option<String>,
    /// The test message's envelope sender.
    #[serde(default)]
    pub from: Option<String>,
    /// The name golive gives in EHLO (default `golive.localhost`).
    #[serde(default)]
    pub helo: Option<String>,
    /// Accept any certificate (also `--insecure`).
    #[serde(default)]
    pub insecure: bool,
}

fn yes() -> bool {
    true
}

/// A port as written in TOML, or as an env variable gives it: text.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Port {
    Number(u16),
    Text(String),
}

impl Port {
    fn value(&self) -> Result<u16, String> {
        match self {
            Self::Number(n) => Ok(*n),
            Self::Text(t) => t
                .trim()
                .parse()
                .map_err(|_| format!("`port` `{t}` is not a port number (1-65535)")),
        }
    }
}

pub struct Smtp {
    host: String,
    port: u16,
    implicit_tls: bool,
    starttls: bool,
    username: Option<String>,
    password: Option<String>,
    send_to: Option<String>,
    from: String,
    helo: String,
    insecure: bool,
}

impl Kind for Smtp {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let (host, url_port, url_tls, mut username, mut password) = if s.host.contains("://") {
            let d = Dsn::parse(&s.host)?;
            let tls = match d.scheme.as_str() {
                "smtp" => false,
                "smtps" => true,
                other => {
                    return Err(format!(
                        "`host` must be a host name or an smtp:// or smtps:// URL, not `{other}://`"
                    ));
                }
            };
            let user = (!d.username.is_empty()).then(|| d.username.clone());
            (d.host, d.port, Some(tls), user, d.password)
        } else {
            (s.host.trim().to_string(), None, None, None, None)
        };
        if host.is_empty() {
            return Err("`host` is empty".into());
        }
        if s.username.is_some() {
            username = s.username;
        }
        if s.password.is_some() {
            password = s.password;
        }
        if password.is_some() && username.is_none() {
            return Err("`password` needs `username`".into());
        }
        let port = s.port.as_ref().map(Port::value).transpose()?;
        let port = port.or(url_port).unwrap_or(match url_tls {
            Some(true) => 465,
            _ => 587,
        });
        let implicit_tls = s
            .implicit_tls
            .or(url_tls.filter(|t| *t))
            .unwrap_or(port == 465);
        let helo = s.helo.unwrap_or_else(|| "golive.localhost".into());
        if helo.is_empty() || helo.contains(char::is_whitespace) {
            return Err("`helo` must be one word (a host name)".into());
        }
        for (name, value) in [("send_to", &s.send_to), ("from", &s.from)] {
            if let Some(v) = value
                && (!v.contains('@') || v.contains(['<', '>', '\r', '\n', ' ']))
            {
                return Err(format!(
                    "`{name}` must be a plain address (name@domain), not {v:?}"
                ));
            }
        }
        let from = s.from.unwrap_or_else(|| format!("golive@{helo}"));
        Ok(Self {
            host,
            port,
            implicit_tls,
            starttls: s.starttls,
            username,
            password,
            send_to: s.send_to,
            from,
            helo,
            insecure: s.insecure,
        })
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// One SMTP reply: its code and its lines' text.
#[derive(Debug)]
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    fn text(&self) -> String {
        format!("{} {}", self.code, self.lines.join(" / "))
    }

    fn positive(&self) -> bool {
        (200..400).contains(&self.code)
    }
}

struct Session {
    io: BufReader<Box<dyn Io>>,
    deadline: Deadline,
}

impl Session {
    async fn reply(&mut self, after: &str) -> Result<Reply, String> {
        let mut lines = Vec::new();
        loop {
            let mut raw = Vec::new();
            let read = self
                .deadline
                .run(
                    &format!("from the SMTP server {after}"),
                    (&mut self.io)
                        .take(MAX_LINE as u64)
                        .read_until(b'\n', &mut raw),
                )
                .await?
                .map_err(|e| format!("the connection failed {after}: {e}"))?;
            if read == 0 {
                return Err(format!("the server closed the connection {after}"));
            }
            let line = String::from_utf8_lossy(&raw).trim_end().to_string();
            let code = line
                .get(..3)
                .filter(|c| c.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|c| c.parse::<u16>().ok());
            let sep = line.as_bytes().get(3).copied();
            let (Some(code), true) = (code, matches!(sep, None | Some(b' ' | b'-'))) else {
                return Err(format!(
                    "not an SMTP server: it answered {} {after}",
                    preview(&raw)
                ));
            };
            if let Some(first) = lines.first().map(|(c, _)| *c)
                && first != code
            {
                return Err(format!(
                    "malformed SMTP reply {after}: codes {first} and {code} mixed"
                ));
            }
            lines.push((code, line.get(4..).unwrap_or("").to_string()));
            if sep != Some(b'-') {
                return Ok(Reply {
                    code,
                    lines: lines.into_iter().map(|(_, t)| t).collect(),
                });
            }
            if lines.len() > MAX_LINES {
                return Err(format!("not an SMTP server: an endless reply {after}"));
            }
        }
    }

    async fn command(&mut self, line: &str, shown: &str) -> Result<Reply, String> {
        let io = self.io.get_mut();
        self.deadline
            .run(&format!("while sending {shown}"), async {
                io.write_all(line.as_bytes()).await?;
                io.write_all(b"\r\n").await?;
                io.flush().await
            })
            .await?
            .map_err(|e| format!("cannot send {shown}: {e}"))?;
        self.reply(&format!("to {shown}")).await
    }
}

/// What a server said, readable whether it was text or binary.
fn preview(raw: &[u8]) -> String {
    let printable = raw
        .iter()
        .filter(|b| b.is_ascii_graphic() || **b == b' ')
        .count();
    if printable * 10 >= raw.len() * 9 {
        Value::Str(String::from_utf8_lossy(raw).trim_end().to_string()).short(60)
    } else {
        let hex: Vec<String> = raw.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("binary data ({} …)", hex.join(" "))
    }
}

fn extensions_of(ehlo: &Reply) -> Vec<String> {
    // The first line is the server's greeting; the rest are extensions.
    ehlo.lines
        .iter()
        .skip(1)
        .map(|l| l.trim().to_string())
        .collect()
}

fn auth_mechanisms(extensions: &[String]) -> Option<Vec<String>> {
    extensions.iter().find_map(|e| {
        let mut words = e.split_whitespace();
        let head = words.next()?.to_ascii_uppercase();
        // `AUTH=LOGIN PLAIN` is an old form some servers still send.
        if head == "AUTH" {
            Some(words.map(str::to_ascii_uppercase).collect())
        } else {
            head.strip_prefix("AUTH=").map(|first| {
                std::iter::once(first.to_string())
                    .chain(words.map(str::to_ascii_uppercase))
                    .collect()
            })
        }
    })
}

fn offers(extensions: &[String], name: &str) -> bool {
    extensions.iter().any(|e| {
        e.split_whitespace()
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case(name))
    })
}

impl Smtp {
    fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn tls_config(&self, cx: &Context) -> std::sync::Arc<rustls::ClientConfig> {
        if self.insecure {
            cx.tls_insecure.clone()
        } else {
            cx.tls.clone()
        }
    }

    /// The conversation; evidence is filled as it goes, `Err` says where it
    /// stopped.
    async fn converse(
        &self,
        cx: &Context,
        deadline: Deadline,
        ev: &mut Evidence,
    ) -> Result<(), String> {
        let tcp = conn::tcp(&self.host, self.port, deadline).await?;
        let stream: Box<dyn Io> = if self.implicit_tls {
            let tls = conn::tls(tcp, &self.host, self.tls_config(cx), deadline).await?;
            ev.insert("tls_version".into(), conn::tls_version(&tls).into());
            Box::new(tls)
        } else {
            Box::new(tcp)
        };
        ev.insert("encrypted".into(), self.implicit_tls.into());
        let mut s = Session {
            io: BufReader::new(stream),
            deadline,
        };
        let banner = s.reply("as its greeting").await?;
        ev.insert("banner".into(), banner.lines.join(" ").into());
        if banner.code != 220 {
            return Err(format!(
                "the server refused us in its greeting: {}",
                banner.text()
            ));
        }
        let mut ehlo = s.command(&format!("EHLO {}", self.helo), "EHLO").await?;
        if !ehlo.positive() {
            ev.insert("ehlo".into(), false.into());
            return Err(format!("EHLO was refused: {}", ehlo.text()));
        }
        ev.insert("ehlo".into(), true.into());
        let mut extensions = extensions_of(&ehlo);
        let starttls = offers(&extensions, "STARTTLS");
        ev.insert("starttls".into(), (starttls || self.implicit_tls).into());
        if starttls && self.starttls && !self.implicit_tls {
            let go = s.command("STARTTLS", "STARTTLS").await?;
            if go.code != 220 {
                return Err(format!("STARTTLS was offered but refused: {}", go.text()));
            }
            let plain = std::mem::replace(
                &mut s.io,
                BufReader::new(Box::new(tokio::io::empty()) as Box<dyn Io>),
            )
            .into_inner();
            let tls = conn::tls(plain, &self.host, self.tls_config(cx), deadline).await?;
            ev.insert("tls_version".into(), conn::tls_version(&tls).into());
            ev.insert("encrypted".into(), true.into());
            s.io = BufReader::new(Box::new(tls));
            // RFC 3207: forget what was said before the upgrade and ask again.
            ehlo = s
                .command(&format!("EHLO {}", self.helo), "EHLO after STARTTLS")
                .await?;
            if !ehlo.positive() {
                return Err(format!("EHLO after STARTTLS was refused: {}", ehlo.text()));
            }
            extensions = extensions_of(&ehlo);
        }
        ev.insert("extensions".into(), Value::from(extensions.clone()));
        let mechanisms = auth_mechanisms(&extensions);
        if let Some(m) = &mechanisms {
            ev.insert("auth".into(), Value::from(m.clone()));
        }
        if let (Some(user), Some(pass)) = (&self.username, &self.password) {
            let ok = self
                .authenticate(&mut s, mechanisms.as_deref(), user, pass)
                .await?;
            ev.insert("authenticated".into(), ok.is_ok().into());
            if let Err(reply) = ok {
                ev.insert("auth_response".into(), reply.into());
                let _ = s.command("QUIT", "QUIT").await;
                return Ok(());
            }
        }
        if let Some(to) = &self.send_to {
            let (accepted, response) = self.send(&mut s, to).await?;
            ev.insert("accepted".into(), accepted.into());
            ev.insert("response".into(), response.into());
        }
        let _ = s.command("QUIT", "QUIT").await;
        Ok(())
    }

    /// `Ok(Ok(()))` authenticated, `Ok(Err(reply))` refused.
    async fn authenticate(
        &self,
        s: &mut Session,
        mechanisms: Option<&[String]>,
        user: &str,
        pass: &str,
    ) -> Result<Result<(), String>, String> {
        let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
        let offered = mechanisms.unwrap_or_default();
        let reply = if offered.iter().any(|m| m == "PLAIN") || offered.is_empty() {
            s.command(
                &format!("AUTH PLAIN {}", b64(&format!("\0{user}\0{pass}"))),
                "AUTH PLAIN",
            )
            .await?
        } else if offered.iter().any(|m| m == "LOGIN") {
            let r = s.command("AUTH LOGIN", "AUTH LOGIN").await?;
            if r.code != 334 {
                return Ok(Err(r.text()));
            }
            let r = s.command(&b64(user), "the user name").await?;
            if r.code != 334 {
                return Ok(Err(r.text()));
            }
            s.command(&b64(pass), "the password").await?
        } else {
            return Ok(Err(format!(
                "the server offers only {} (golive speaks PLAIN and LOGIN)",
                offered.join(" ")
            )));
        };
        Ok(if reply.code == 235 {
            Ok(())
        } else {
            Err(reply.text())
        })
    }

    async fn send(&self, s: &mut Session, to: &str) -> Result<(bool, String), String> {
        let r = s
            .command(&format!("MAIL FROM:<{}>", self.from), "MAIL FROM")
            .await?;
        if !r.positive() {
            return Ok((false, format!("MAIL FROM refused: {}", r.text())));
        }
        let r = s.command(&format!("RCPT TO:<{to}>"), "RCPT TO").await?;
        if !r.positive() {
            let _ = s.command("RSET", "RSET").await;
            return Ok((false, format!("RCPT TO refused: {}", r.text())));
        }
        let r = s.command("DATA", "DATA").await?;
        if r.code != 354 {
            return Ok((false, format!("DATA refused: {}", r.text())));
        }
        let now = time::OffsetDateTime::now_utc();
        let date = now
            .format(&time::format_description::well_known::Rfc2822)
            .unwrap_or_default();
        let message = format!(
            "From: golive <{from}>\r\nTo: <{to}>\r\nSubject: golive delivery check\r\nDate: {date}\r\n\
             Message-ID: <golive.{id}@{helo}>\r\nAuto-Submitted: auto-generated\r\n\r\n\
             golive sent this message to verify that the mail server accepts mail for delivery.\r\n.",
            from = self.from,
            id = now.unix_timestamp_nanos(),
            helo = self.helo,
        );
        let r = s.command(&message, "the message").await?;
        Ok((r.positive(), r.text()))
    }
}

#[async_trait]
impl Probe for Smtp {
    fn target(&self) -> String {
        let scheme = if self.implicit_tls { "smtps" } else { "smtp" };
        match &self.username {
            Some(u) => format!("{scheme}://{u}@{}", self.address()),
            None => format!("{scheme}://{}", self.address()),
        }
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        let mut out = vec![
            Expectation::new("ehlo", Op::Eq, Literal::Bool(true)),
            Expectation::new("encrypted", Op::Eq, Literal::Bool(true)),
        ];
        if self.password.is_some() {
            out.push(Expectation::new(
                "authenticated",
                Op::Eq,
                Literal::Bool(true),
            ));
        }
        if self.send_to.is_some() {
            out.push(Expectation::new("accepted", Op::Eq, Literal::Bool(true)));
        }
        out
    }

    fn summary(&self, e: &Evidence) -> String {
        let mut parts = Vec::new();
        if e.get("ehlo") == Some(&Value::Bool(true)) {
            parts.push("EHLO ok".to_string());
        }
        match (e.get("encrypted"), e.get("tls_version")) {
            (Some(Value::Bool(true)), Some(v)) => {
                parts.push(format!("TLS {}", v.as_str().unwrap_or("")))
            }
            (Some(Value::Bool(false)), _) => parts.push("NOT encrypted".into()),
            _ => {}
        }
        if let Some(Value::List(m)) = e.get("auth") {
            parts.push(format!(
                "AUTH {}",
                m.iter()
                    .map(|v| v.as_str().unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
        match e.get("accepted") {
            Some(Value::Bool(true)) => parts.push("message accepted".into()),
            Some(Value::Bool(false)) => parts.push("message REFUSED".into()),
            _ => {}
        }
        parts.join(", ")
    }

    fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = self.password.iter().cloned().collect();
        if let (Some(u), Some(p)) = (&self.username, &self.password) {
            // What AUTH sends, should a reply ever echo it.
            let engine = &base64::engine::general_purpose::STANDARD;
            out.push(engine.encode(format!("\0{u}\0{p}")));
            out.push(engine.encode(p));
        }
        out
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let deadline = Deadline::after(cx.timeout);
        let start = Instant::now();
        let mut ev = Evidence::new();
        ev.insert("address".into(), self.address().into());
        let outcome = self.converse(cx, deadline, &mut ev).await;
        ev.insert("time".into(), start.elapsed().into());
        match outcome {
            Ok(()) => Observation::ok(ev),
            Err(e) => Observation::failed(ev, format!("SMTP at {}: {e}", self.address())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_lines() {
        let ext: Vec<String> = ["SIZE 1000", "AUTH PLAIN login CRAM-MD5", "STARTTLS"]
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            auth_mechanisms(&ext).unwrap(),
            vec!["PLAIN", "LOGIN", "CRAM-MD5"]
        );
        assert!(offers(&ext, "starttls"));
        let old = vec!["AUTH=LOGIN PLAIN".to_string()];
        assert_eq!(auth_mechanisms(&old).unwrap(), vec!["LOGIN", "PLAIN"]);
        assert_eq!(auth_mechanisms(&["8BITMIME".to_string()]), None);
    }

    #[test]
    fn settings_from_url_or_fields() {
        let build = |t: &str| {
            let table: toml::Table = toml::from_str(t).unwrap();
            crate::build(golive_core::ProbeKind::Smtp, &table).map(|p| p.target())
        };
        assert_eq!(
            build("host = 'smtps://u:secret-pw@mail.example.com'").unwrap(),
            "smtps://u@mail.example.com:465"
        );
        assert_eq!(
            build("host = 'mail.example.com'").unwrap(),
            "smtp://mail.example.com:587"
        );
        // As `port = "${SMTP_PORT}"` arrives once resolved.
        assert_eq!(
            build("host = 'mail.example.com'\nport = '2525'").unwrap(),
            "smtp://mail.example.com:2525"
        );
        assert!(
            build("host = 'h'\nport = 'smtp'")
                .unwrap_err()
                .to_string()
                .contains("not a port number")
        );
        assert_eq!(
            build("host = 'mail.example.com'\nport = 465").unwrap(),
            "smtps://mail.example.com:465"
        );
        assert!(
            build("host = 'h'\nsend_to = 'nobody'")
                .unwrap_err()
                .to_string()
                .contains("send_to")
        );
        assert!(
            build("host = 'h'\npassword = 'x'")
                .unwrap_err()
                .to_string()
                .contains("username")
        );
    }
}
