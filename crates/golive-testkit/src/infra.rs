//! Infrastructure for the datastore probes' tests: scratch databases on the
//! machine's shared PostgreSQL and MariaDB (created with unique names,
//! dropped when done), private Redis instances on free ports, an SMTP
//! server (aiosmtpd) with STARTTLS, implicit TLS and AUTH, and a private CA
//! made with openssl. The shared servers are never reconfigured.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::{Guard, free_port, program, spawn, wait_for_port};

/// The shared PostgreSQL and MariaDB, as `scripts/test` starts them.
pub const PG_HOST: &str = "127.0.0.1";
pub const PG_PORT: u16 = 5432;
pub const MYSQL_PORT: u16 = 3306;

/// A name no other test, process or engineer uses at the same time.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs SQL as the `postgres` superuser in `database`; returns psql's
/// unaligned output.
pub fn psql(database: &str, sql: &str) -> String {
    run(
        Command::new(program("psql"))
            .args(["-h", PG_HOST, "-p", &PG_PORT.to_string(), "-U", "postgres"])
            .args(["-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql]),
        "psql",
    )
}

/// A PostgreSQL database of its own, dropped when dropped.
pub struct PgDb {
    pub name: String,
}

impl PgDb {
    pub fn create() -> Self {
        let name = unique("golive_t");
        psql("postgres", &format!("CREATE DATABASE {name}"));
        Self { name }
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@{PG_HOST}:{PG_PORT}/{}", self.name)
    }

    pub fn sql(&self, sql: &str) -> String {
        psql(&self.name, sql)
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _ = Command::new(program("psql"))
            .args(["-h", PG_HOST, "-U", "postgres", "-d", "postgres", "-c"])
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .output();
    }
}

/// Runs SQL as MariaDB's root.
pub fn mysql(sql: &str) -> String {
    run(
        Command::new(program("mysql"))
            .args(["-h", PG_HOST, "-P", &MYSQL_PORT.to_string(), "-u", "root"])
            .args(["--batch", "--skip-column-names", "-e", sql]),
        "mysql",
    )
}

/// A MariaDB database of its own with a user of its own (password
/// authentication), both dropped when dropped.
pub struct MyDb {
    pub name: String,
    pub user: String,
    pub password: String,
}

impl MyDb {
    pub fn create() -> Self {
        let name = unique("golive_t");
        let user = format!("u{}", &name[name.len() - 12..]);
        let password = format!("pw-{}", unique("s"));
        mysql(&format!(
            "CREATE DATABASE {name}; CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'; \
             CREATE USER '{user}'@'localhost' IDENTIFIED BY '{password}'; \
             GRANT ALL ON {name}.* TO '{user}'@'%'; GRANT ALL ON {name}.* TO '{user}'@'localhost';"
        ));
        Self {
            name,
            user,
            password,
        }
    }

    pub fn url(&self) -> String {
        format!(
            "mysql://{}:{}@{PG_HOST}:{MYSQL_PORT}/{}",
            self.user, self.password, self.name
        )
    }

    pub fn sql(&self, sql: &str) -> String {
        mysql(&format!("USE {}; {sql}", self.name))
    }
}

impl Drop for MyDb {
    fn drop(&mut self) {
        let _ = Command::new(program("mysql"))
            .args(["-h", PG_HOST, "-u", "root", "-e"])
            .arg(format!(
                "DROP DATABASE IF EXISTS {}; DROP USER IF EXISTS '{u}'@'%'; DROP USER IF EXISTS '{u}'@'localhost';",
                self.name,
                u = self.user
            ))
            .output();
    }
}

/// A redis-server of its own on a free port, stopped when dropped.
pub struct RedisServer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    _process: Guard,
}

impl RedisServer {
    /// Starts with no persistence and no password, then `args`
    /// (`["--requirepass", "x"]`, `["--appendonly", "yes"]`), which win.
    pub fn start(args: &[&str]) -> Self {
        Self::launch(&["--port"], args, "redis-server")
    }

    /// Starts with TLS only (no plain-text port), the leaf of `certs` as its
    /// certificate, then `args`.
    pub fn start_tls(certs: &Certs, args: &[&str]) -> Self {
        let (cert, key, ca) = (
            certs.cert().display().to_string(),
            certs.key().display().to_string(),
            certs.ca().display().to_string(),
        );
        let mut all = vec![
            "--tls-auth-clients",
            "no",
            "--tls-cert-file",
            &cert,
            "--tls-key-file",
            &key,
            "--tls-ca-cert-file",
            &ca,
        ];
        all.extend_from_slice(args);
        Self::launch(&["--port", "0", "--tls-port"], &all, "redis-server (TLS)")
    }

    /// `port_flags` are followed by the chosen port.
    fn launch(port_flags: &[&str], args: &[&str], what: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("golive-redis-")
            .tempdir()
            .expect("temp dir");
        let port = free_port();
        let process = spawn(
            Command::new(program("redis-server"))
                .args(port_flags)
                .arg(port.to_string())
                .args(["--bind", "127.0.0.1", "--dir"])
                .arg(dir.path())
                .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
                .args(args),
        );
        wait_for_port(
            SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(10),
            what,
        );
        Self {
            port,
            dir,
            _process: process,
        }
    }
}

/// A private CA and a leaf for `localhost` and 127.0.0.1 signed by it.
pub struct Certs {
    pub dir: tempfile::TempDir,
}

impl Certs {
    pub fn make() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("golive-certs-")
            .tempdir()
            .expect("temp dir");
        let d = dir.path();
        let openssl = program("openssl");
        let at = |p: &str| d.join(p).display().to_string();
        run(
            Command::new(&openssl).args([
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=golive test CA",
                "-keyout",
                &at("ca.key"),
                "-out",
                &at("ca.pem"),
            ]),
            "openssl (CA)",
        );
        run(
            Command::new(&openssl).args([
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                &at("key.pem"),
                "-out",
                &at("leaf.csr"),
            ]),
            "openssl (request)",
        );
        std::fs::write(
            d.join("ext.cnf"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .expect("write ext.cnf");
        run(
            Command::new(&openssl).args([
                "x509",
                "-req",
                "-in",
                &at("leaf.csr"),
                "-CA",
                &at("ca.pem"),
                "-CAkey",
                &at("ca.key"),
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &at("ext.cnf"),
                "-out",
                &at("cert.pem"),
            ]),
            "openssl (leaf)",
        );
        Self { dir }
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }
    pub fn key(&self) -> PathBuf {
        self.dir.path().join("key.pem")
    }
}

/// How the SMTP server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpMode {
    /// Plain text, no STARTTLS.
    Plain,
    /// Plain text offering STARTTLS; AUTH only after it.
    StartTls,
    /// TLS from the first byte (port 465 style).
    Implicit,
}

/// aiosmtpd on a free port. Recipients starting with `reject` are refused;
/// accepted messages are written to `messages/` in its folder.
pub struct SmtpServer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    _process: Guard,
}

const SMTP_SERVER: &str = r#"
import os, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

port, mode, cert, key, user, password, out = sys.argv[1:8]

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 <%s>: recipient refused" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = len(os.listdir(out))
        with open(os.path.join(out, "%d.eml" % n), "wb") as f:
            f.write(envelope.original_content or envelope.content)
        return "250 2.0.0 Ok: queued as GOLIVE%d" % n

def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok, handled=False)

ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
kwargs = dict(hostname="127.0.0.1", port=int(port), server_hostname="mail.golive.test")
if user:
    # With implicit TLS aiosmtpd does not see the connection as encrypted.
    kwargs.update(authenticator=authenticator, auth_require_tls=(mode == "starttls"))
if mode == "starttls":
    kwargs.update(tls_context=ctx)
if mode == "implicit":
    kwargs.update(ssl_context=ctx)
Controller(Handler(), **kwargs).start()
while True:
    time.sleep(3600)
"#;

impl SmtpServer {
    /// Starts aiosmtpd; `auth` is the one user and password it accepts.
    pub fn start(mode: SmtpMode, auth: Option<(&str, &str)>, certs: &Certs) -> Self {
        let python = python_with_aiosmtpd();
        let dir = tempfile::Builder::new()
            .prefix("golive-smtp-")
            .tempdir()
            .expect("temp dir");
        std::fs::create_dir_all(dir.path().join("messages")).expect("messages folder");
        let script = dir.path().join("server.py");
        std::fs::write(&script, SMTP_SERVER).expect("write server.py");
        let port = free_port();
        let (user, password) = auth.unwrap_or(("", ""));
        let mode_name = match mode {
            SmtpMode::Plain => "plain",
            SmtpMode::StartTls => "starttls",
            SmtpMode::Implicit => "implicit",
        };
        let process = spawn(
            Command::new(python)
                .arg(&script)
                .arg(port.to_string())
                .arg(mode_name)
                .arg(certs.cert())
                .arg(certs.key())
                .args([user, password])
                .arg(dir.path().join("messages")),
        );
        wait_for_port(
            SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(20),
            "aiosmtpd",
        );
        Self {
            port,
            dir,
            _process: process,
        }
    }

    /// The messages accepted so far.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("messages"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect()
    }
}

/// Debian's python3 with the python3-aiosmtpd package (`scripts/test`
/// installs it); another python3 on PATH may lack the module.
fn python_with_aiosmtpd() -> PathBuf {
    for p in ["/usr/bin/python3", "python3"] {
        let ok = Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return PathBuf::from(p);
        }
    }
    panic!("aiosmtpd is not installed: run scripts/test, which installs python3-aiosmtpd");
}

/// Writes `contents` to `dir/rel`, creating folders.
pub fn write_file(dir: &Path, rel: &str, contents: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("a parent folder")).expect("create folders");
    std::fs::write(&p, contents).expect("write file");
    p
}
