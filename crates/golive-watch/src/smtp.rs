//! Sending one alert by email: the client side of SMTP that a notifier
//! needs (EHLO, STARTTLS when offered, AUTH PLAIN, one message), on the same
//! connection helpers and TLS trust as the `smtp` probe. A mail library
//! would bring a second TLS stack and its own trust roots for a few lines
//! of dialogue.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use golive_probes::net::conn::{self, Deadline};
use golive_probes::rustls::ClientConfig;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// Where and how to send.
#[derive(Clone)]
pub struct Mail {
    pub host: String,
    pub port: u16,
    pub credentials: Option<(String, String)>,
    pub from: String,
    pub to: Vec<String>,
    pub starttls: bool,
    /// Accept any certificate (a test relay).
    pub insecure: bool,
}

/// A reply: its code and its lines' text.
struct Reply {
    code: u16,
    lines: Vec<String>,
}

async fn read_reply<S: AsyncRead + Unpin>(
    r: &mut BufReader<S>,
    deadline: Deadline,
) -> Result<Reply, String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        let n = deadline
            .run("from the mail server", r.read_line(&mut line))
            .await?
            .map_err(|e| format!("reading from the mail server: {e}"))?;
        if n == 0 {
            return Err("the mail server closed the connection".into());
        }
        let line = line.trim_end().to_string();
        let code = line
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| format!("the mail server said `{line}`, not an SMTP reply"))?;
        let last = line.as_bytes().get(3) != Some(&b'-');
        lines.push(line.get(4..).unwrap_or("").to_string());
        if last {
            return Ok(Reply { code, lines });
        }
    }
}

async fn command<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut BufReader<S>,
    line: &str,
    shown: &str,
    want: &[u16],
    deadline: Deadline,
) -> Result<Reply, String> {
    deadline
        .run("writing to the mail server", async {
            s.get_mut().write_all(line.as_bytes()).await?;
            s.get_mut().write_all(b"\r\n").await?;
            s.get_mut().flush().await
        })
        .await?
        .map_err(|e| format!("writing to the mail server: {e}"))?;
    let reply = read_reply(s, deadline).await?;
    if want.contains(&reply.code) {
        Ok(reply)
    } else {
        Err(format!(
            "the mail server answered {shown} with {} {}",
            reply.code,
            reply.lines.join(" ")
        ))
    }
}

/// Sends one message, bounded by `timeout` in all.
pub async fn send(
    mail: &Mail,
    subject: &str,
    text: &str,
    tls: &Arc<ClientConfig>,
    timeout: Duration,
) -> Result<(), String> {
    let deadline = Deadline::after(timeout);
    let tcp = conn::tcp(&mail.host, mail.port, deadline).await?;
    let mut s = BufReader::new(tcp);
    let banner = read_reply(&mut s, deadline).await?;
    if banner.code != 220 {
        return Err(format!("the mail server greeted with {}", banner.code));
    }
    let ehlo = command(&mut s, "EHLO golive", "EHLO", &[250], deadline).await?;
    let offers_tls = ehlo
        .lines
        .iter()
        .any(|l| l.eq_ignore_ascii_case("STARTTLS"));
    if mail.starttls && offers_tls {
        command(&mut s, "STARTTLS", "STARTTLS", &[220], deadline).await?;
        let tls_stream = conn::tls(s.into_inner(), &mail.host, tls.clone(), deadline).await?;
        let mut s = BufReader::new(tls_stream);
        command(&mut s, "EHLO golive", "EHLO", &[250], deadline).await?;
        converse(&mut s, mail, subject, text, deadline).await
    } else if mail.credentials.is_some() {
        // Credentials never cross the network in clear text.
        Err(format!(
            "{} offers no STARTTLS: golive does not send the password unencrypted",
            mail.host
        ))
    } else {
        converse(&mut s, mail, subject, text, deadline).await
    }
}

async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut BufReader<S>,
    mail: &Mail,
    subject: &str,
    text: &str,
    deadline: Deadline,
) -> Result<(), String> {
    if let Some((user, password)) = &mail.credentials {
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("\0{user}\0{password}").as_bytes());
        command(s, &format!("AUTH PLAIN {token}"), "AUTH", &[235], deadline).await?;
    }
    command(
        s,
        &format!("MAIL FROM:<{}>", mail.from),
        "MAIL FROM",
        &[250],
        deadline,
    )
    .await?;
    for to in &mail.to {
        command(
            s,
            &format!("RCPT TO:<{to}>"),
            "RCPT TO",
            &[250, 251],
            deadline,
        )
        .await?;
    }
    command(s, "DATA", "DATA", &[354], deadline).await?;
    let date = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_default();
    let mut body = format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\nDate: {date}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
        mail.from,
        mail.to.join(", "),
        subject.replace(['\r', '\n'], " "),
    );
    for line in text.lines() {
        // Dot-stuffing: a line starting with `.` would end the message.
        if line.starts_with('.') {
            body.push('.');
        }
        body.push_str(line);
        body.push_str("\r\n");
    }
    body.push('.');
    command(s, &body, "the message", &[250], deadline).await?;
    let _ = command(s, "QUIT", "QUIT", &[221], deadline).await;
    Ok(())
}
