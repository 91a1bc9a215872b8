//! A real WebSocket server (Python's `websockets`, from Debian's
//! python3-websockets) and nginx in front of it for wss://, for the
//! `websocket` probe.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::{Guard, Nginx, free_port, spawn, wait_for_port};

/// The token `/auth` wants: `Authorization: Bearer t0ken-s3cret`.
pub const TOKEN: &str = "t0ken-s3cret";

const SERVER: &str = r#"
import asyncio, http, sys
import websockets

async def handler(ws, path=None):
    path = ws.path
    if path.startswith("/silent"):
        await asyncio.sleep(3600)
        return
    if path.startswith("/greet"):
        await ws.send("welcome")
    if path.startswith("/bye"):
        await ws.close(1001, "going away")
        return
    async for message in ws:
        if path.startswith("/greet"):
            await ws.send("echo: " + message)
        else:
            await ws.send(message)

async def process_request(path, headers):
    if path.startswith("/auth") and headers.get("Authorization") != "Bearer TOKEN":
        return http.HTTPStatus.UNAUTHORIZED, [], b"token required\n"
    return None

async def main():
    async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1]), process_request=process_request):
        await asyncio.Future()

asyncio.run(main())
"#;

/// The echo server, stopped when dropped. Paths: `/echo` echoes every
/// message; `/greet` says `welcome`, then answers `echo: MESSAGE`;
/// `/silent` accepts and never says a word; `/bye` closes at once;
/// `/auth` refuses the upgrade with 401 without the [`TOKEN`].
pub struct EchoServer {
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
    _process: Guard,
}

impl EchoServer {
    pub fn start() -> Self {
        let python = python_with_websockets();
        let dir = tempfile::Builder::new()
            .prefix("golive-ws-")
            .tempdir()
            .expect("temp dir");
        let script = dir.path().join("echo.py");
        std::fs::write(&script, SERVER.replace("TOKEN", TOKEN)).expect("write echo.py");
        let port = free_port();
        let process = spawn(Command::new(python).arg(&script).arg(port.to_string()));
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        wait_for_port(addr, Duration::from_secs(15), "the WebSocket echo server");
        Self {
            addr,
            _dir: dir,
            _process: process,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }
}

/// nginx terminating TLS for the echo server, as a load balancer would,
/// with the lab's certificates (see [`crate::tls::write_certificates`]):
/// trust `nginx.dir.path().join("certs/ca.pem")`. `wss://localhost:PORT/...`.
pub fn nginx_wss(upstream: SocketAddr) -> Nginx {
    let servers = format!(
        "server {{\n  listen 127.0.0.1:{{port}} ssl;\n  ssl_certificate {{dir}}/certs/valid.crt;\n  \
         ssl_certificate_key {{dir}}/certs/valid.key;\n  location / {{\n    proxy_pass http://{upstream};\n    \
         proxy_http_version 1.1;\n    proxy_set_header Upgrade $http_upgrade;\n    \
         proxy_set_header Connection \"upgrade\";\n    proxy_set_header Authorization $http_authorization;\n  }}\n}}\n"
    );
    Nginx::start_with(&servers, |dir: &Path| {
        crate::tls::write_certificates(&dir.join("certs"));
    })
}

/// Debian's Python, which python3-websockets installs for: a Python of
/// pyenv or a virtualenv first on PATH would not have it.
fn python_with_websockets() -> &'static str {
    const PYTHON: &str = "/usr/bin/python3";
    let ok = Command::new(PYTHON)
        .args(["-c", "import websockets"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{PYTHON} cannot import websockets: run scripts/test, which installs python3-websockets"
    );
    PYTHON
}
