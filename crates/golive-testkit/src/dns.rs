//! A real DNS server (dnsmasq) answering for a test zone, and UDP listeners
//! that misbehave on purpose (silent, garbage-speaking), for the `dns`
//! probe.

use std::net::{SocketAddr, UdpSocket};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use crate::{Guard, free_port, program, spawn, wait_for_port};

/// The zone dnsmasq answers for; every other name in it is NXDOMAIN.
pub const ZONE: &str = "golive.test";

/// An address of the documentation range (RFC 5737): the "wrong" address a
/// stale record points to. Nothing is ever sent there.
pub const WRONG_ADDRESS: &str = "192.0.2.10";

/// dnsmasq on a loopback port, stopped when dropped.
pub struct Dnsmasq {
    pub addr: SocketAddr,
    _process: Guard,
}

impl Dnsmasq {
    /// Starts dnsmasq with the test zone:
    ///
    /// - `api.golive.test`: A 127.0.0.1, AAAA ::1;
    /// - `www.golive.test`: CNAME to `api.golive.test`;
    /// - `old.golive.test`: A 192.0.2.10 (the wrong address);
    /// - `golive.test`: MX 10 `mail.golive.test`, TXT `v=spf1 -all`;
    /// - `mail.golive.test`: A 127.0.0.1;
    /// - anything else under `golive.test`: NXDOMAIN.
    ///
    /// Every record has a TTL of 300 seconds.
    pub fn start() -> Self {
        let bin = program("dnsmasq");
        let port = free_port();
        let process = spawn(
            Command::new(bin)
                .arg("--keep-in-foreground")
                .arg("--conf-file=/dev/null")
                .arg(format!("--port={port}"))
                .arg("--listen-address=127.0.0.1")
                .arg("--bind-interfaces")
                .arg("--no-resolv")
                .arg("--no-hosts")
                .arg("--no-poll")
                .arg("--pid-file=")
                .arg("--user=root")
                .arg("--local-ttl=300")
                .arg(format!("--local=/{ZONE}/"))
                .arg(format!("--host-record=api.{ZONE},127.0.0.1,::1"))
                .arg(format!("--host-record=mail.{ZONE},127.0.0.1"))
                .arg(format!("--host-record=old.{ZONE},{WRONG_ADDRESS}"))
                .arg(format!("--cname=www.{ZONE},api.{ZONE}"))
                .arg(format!("--mx-host={ZONE},mail.{ZONE},10"))
                .arg(format!("--txt-record={ZONE},v=spf1 -all")),
        );
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        // dnsmasq answers over TCP on the same port: its listening socket
        // says the UDP one is ready too.
        wait_for_port(addr, Duration::from_secs(10), "dnsmasq");
        Self {
            addr,
            _process: process,
        }
    }
}

/// A UDP socket that misbehaves on purpose, until dropped.
pub struct UdpListener {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Drop for UdpListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn udp(answer: impl Fn(&[u8]) -> Option<Vec<u8>> + Send + 'static) -> UdpListener {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind loopback UDP");
    let addr = socket.local_addr().expect("local address");
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("read timeout");
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while !flag.load(Ordering::Relaxed) {
            if let Ok((n, from)) = socket.recv_from(&mut buf)
                && let Some(reply) = answer(&buf[..n])
            {
                let _ = socket.send_to(&reply, from);
            }
        }
    });
    UdpListener { addr, stop }
}

/// Receives queries and never answers.
pub fn silent_udp() -> UdpListener {
    udp(|_| None)
}

/// Answers every query with bytes that are not DNS.
pub fn garbage_udp() -> UdpListener {
    udp(|query| {
        // Not even the query's id is echoed: no resolver can take it for an answer.
        Some(
            query
                .iter()
                .rev()
                .map(|b| b ^ 0x5A)
                .chain(*b"garbage")
                .collect(),
        )
    })
}
