//! nginx, started by a test with its own configuration on a loopback port.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{Guard, free_port, program, spawn, wait_for_port};

/// A running nginx, stopped when dropped.
pub struct Nginx {
    pub port: u16,
    pub dir: tempfile::TempDir,
    _process: Guard,
}

impl Nginx {
    /// Starts nginx with `servers`: the inside of its `http { }` block, where
    /// `{port}` stands for the port it listens on and `{root}` for a folder
    /// the test may fill (see [`Nginx::root`]).
    pub fn start(servers: &str) -> Self {
        Self::start_with(servers, |_| {})
    }

    /// As [`Nginx::start`], letting the test write files (certificates,
    /// pages) into the folder before nginx starts.
    pub fn start_with(servers: &str, prepare: impl FnOnce(&Path)) -> Self {
        let bin = program("nginx");
        let dir = tempfile::Builder::new()
            .prefix("golive-nginx-")
            .tempdir()
            .expect("temp dir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).expect("root folder");
        std::fs::create_dir_all(dir.path().join("logs")).expect("logs folder");
        prepare(dir.path());
        let port = free_port();
        let servers = servers
            .replace("{port}", &port.to_string())
            .replace("{root}", &root.display().to_string())
            .replace("{dir}", &dir.path().display().to_string());
        // One process, no workers: the guard's kill on drop then stops all
        // of nginx. With a master, killing it left its workers running,
        // orphaned, holding their ports.
        let conf = format!(
            "daemon off;\nmaster_process off;\npid {dir}/nginx.pid;\nerror_log {dir}/logs/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {dir}/body;\n  proxy_temp_path {dir}/proxy;\n  fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n  default_type text/plain;\n{servers}\n}}\n",
            dir = dir.path().display()
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("write nginx.conf");
        let process = spawn(
            Command::new(bin)
                .arg("-p")
                .arg(dir.path())
                .arg("-c")
                .arg(&conf_path),
        );
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        wait_for_port(addr, Duration::from_secs(10), "nginx");
        Self {
            port,
            dir,
            _process: process,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The folder `{root}` stands for.
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
}
