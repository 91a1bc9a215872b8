//! A small HTTP/1.1 server for load tests, whose latency the test controls:
//! a delay added to every answer, a stall window during which every answer
//! waits for the window to end, and a status to answer with. It keeps
//! connections alive and also knows a login: `POST /login` answers
//! `{"access_token":"tok-123"}`, and `/private` answers 401 unless the
//! request carries `Authorization: Bearer tok-123`. Everything else is
//! `200 ok`.
//!
//! No real server stalls on cue, hence this one. Loopback only, a thread per
//! connection: fine for the few hundred connections a test opens.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

pub const TOKEN: &str = "tok-123";

#[derive(Default)]
struct Control {
    delay_us: AtomicU64,
    status: AtomicU16,
    stall: Mutex<Option<(Instant, Instant)>>,
    requests: AtomicU64,
    stop: AtomicBool,
}

/// The server; it stops when dropped.
pub struct ControlledServer {
    pub addr: SocketAddr,
    control: Arc<Control>,
}

impl ControlledServer {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let control = Arc::new(Control::default());
        control.status.store(200, Ordering::Relaxed);
        let c = control.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                if c.stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Ok(conn) = conn {
                    let c = c.clone();
                    thread::spawn(move || serve(conn, &c));
                }
            }
        });
        Self { addr, control }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every answer waits this long first.
    pub fn set_delay(&self, delay: Duration) {
        self.control
            .delay_us
            .store(delay.as_micros() as u64, Ordering::Relaxed);
    }

    /// Answers with this status (200 by default).
    pub fn set_status(&self, status: u16) {
        self.control.status.store(status, Ordering::Relaxed);
    }

    /// From `after` from now, for `length`, no request is answered until
    /// the window ends.
    pub fn stall(&self, after: Duration, length: Duration) {
        let from = Instant::now() + after;
        *self.control.stall.lock().expect("stall lock") = Some((from, from + length));
    }

    /// Requests received so far.
    pub fn requests(&self) -> u64 {
        self.control.requests.load(Ordering::Relaxed)
    }
}

impl Drop for ControlledServer {
    fn drop(&mut self) {
        self.control.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(100));
    }
}

fn serve(mut conn: TcpStream, c: &Control) {
    let _ = conn.set_nodelay(true);
    let _ = conn.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        if c.stop.load(Ordering::Relaxed) {
            return;
        }
        // A whole request: head, then Content-Length bytes of body.
        let (head_end, length) = loop {
            if let Some(end) = find(&buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + length {
                    break (end, length);
                }
            }
            match conn.read(&mut chunk) {
                Ok(0) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    if c.stop.load(Ordering::Relaxed) {
                        return;
                    }
                }
                Err(_) => return,
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        buf.drain(..head_end + 4 + length);
        c.requests.fetch_add(1, Ordering::Relaxed);
        let arrived = Instant::now();
        let stall_end = c
            .stall
            .lock()
            .ok()
            .and_then(|s| *s)
            .filter(|(from, to)| (*from..*to).contains(&arrived))
            .map(|(_, to)| to);
        if let Some(to) = stall_end {
            thread::sleep(to.saturating_duration_since(Instant::now()));
        }
        let delay = c.delay_us.load(Ordering::Relaxed);
        if delay > 0 {
            thread::sleep(Duration::from_micros(delay));
        }
        let (status, body, kind) = answer(&head, c.status.load(Ordering::Relaxed));
        let reply = format!(
            "HTTP/1.1 {status} {}\r\ncontent-type: {kind}\r\ncontent-length: {}\r\n\r\n{body}",
            if status < 400 { "OK" } else { "Error" },
            body.len()
        );
        if conn.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

fn answer(head: &str, status: u16) -> (u16, String, &'static str) {
    let first = head.lines().next().unwrap_or("");
    let mut parts = first.split_whitespace();
    let method = parts.next().unwrap_or("");
    let path = parts.next().unwrap_or("/");
    if method == "POST" && path == "/login" {
        return (
            200,
            format!("{{\"access_token\":\"{TOKEN}\"}}"),
            "application/json",
        );
    }
    if path.starts_with("/private") {
        let authorised = head.lines().any(|l| {
            l.split_once(':').is_some_and(|(n, v)| {
                n.trim().eq_ignore_ascii_case("authorization")
                    && v.trim() == format!("Bearer {TOKEN}")
            })
        });
        if !authorised {
            return (401, "no".into(), "text/plain");
        }
    }
    (status, "ok".into(), "text/plain")
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
