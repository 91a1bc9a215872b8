//! Test support shared by the crates' integration tests: real servers on
//! loopback ports chosen at run time, and listeners that misbehave on
//! purpose (silent, garbage-speaking) for the failures no real server shows
//! on demand.
//!
//! Everything here fails loudly when what it needs is missing (nginx not
//! installed, a port that never opens): `scripts/test` installs and starts
//! what the suite needs, and a test that cannot run must not pass.

#![allow(clippy::print_stderr)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

pub mod dns;
pub mod infra;
pub mod load;
pub mod nginx;
pub mod security;
pub mod store;
pub mod tls;
pub mod websocket;

pub use nginx::Nginx;

/// A loopback port free at the time of asking.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Waits until `addr` accepts connections, or panics after `limit`.
pub fn wait_for_port(addr: SocketAddr, limit: Duration, what: &str) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("{what} did not start listening on {addr} within {limit:?}");
}

/// Finds a program on PATH or in the system folders, or panics with the
/// way to get it.
pub fn program(name: &str) -> PathBuf {
    let dirs = std::env::var("PATH").unwrap_or_default();
    for dir in dirs
        .split(':')
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"])
    {
        let p = Path::new(dir).join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!("`{name}` is not installed: run scripts/test, which installs what the tests need");
}

/// A child process killed when dropped.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns a command with its output discarded (or shown with GOLIVE_TEST_VERBOSE).
pub fn spawn(cmd: &mut Command) -> Guard {
    let verbose = std::env::var_os("GOLIVE_TEST_VERBOSE").is_some();
    if !verbose {
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
    }
    Guard(
        cmd.spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}")),
    )
}

/// A listener that misbehaves on purpose, until dropped.
pub struct Listener {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(100));
    }
}

fn listen(handle: impl Fn(TcpStream) + Send + Sync + 'static) -> Listener {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let handle = Arc::new(handle);
    thread::spawn(move || {
        for conn in listener.incoming() {
            if flag.load(Ordering::Relaxed) {
                break;
            }
            if let Ok(conn) = conn {
                let h = handle.clone();
                thread::spawn(move || h(conn));
            }
        }
    });
    Listener { addr, stop }
}

/// Accepts connections and never says a word (holds them for a minute).
pub fn silent_listener() -> Listener {
    listen(|conn| {
        thread::sleep(Duration::from_secs(60));
        drop(conn);
    })
}

/// Answers every connection with bytes that are no protocol at all.
pub fn garbage_listener() -> Listener {
    listen(|mut conn| {
        let mut seed: u32 = 0x9E37_79B9;
        let junk: Vec<u8> = (0..4096)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                (seed & 0xFF) as u8
            })
            .collect();
        let _ = conn.write_all(&junk);
        let mut buf = [0u8; 1024];
        let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = conn.read(&mut buf);
    })
}

/// Answers every HTTP request with this raw response, after `delay`.
pub fn raw_http(delay: Duration, response: &'static str) -> Listener {
    listen(move |mut conn| {
        let mut buf = [0u8; 4096];
        let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = conn.read(&mut buf);
        thread::sleep(delay);
        let _ = conn.write_all(response.as_bytes());
    })
}
