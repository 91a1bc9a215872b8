//! Test support for the security probes: a TLS certificate for nginx, small
//! servers that check JWTs and webhook signatures (soundly, or with one
//! deliberate flaw each), and git repositories of realistic code with
//! secrets planted on purpose.
//!
//! Secrets planted here are assembled at run time from pieces, so that
//! this file holds none and a scan of the project stays clean.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::program;

/// A certificate for 127.0.0.1 and localhost signed by a throwaway CA,
/// made with the openssl command. Writes `ca.pem`, `cert.pem` and
/// `key.pem` into `dir` and returns the CA's path, for the client to trust.
/// (A self-signed leaf will not do: verifiers refuse a CA certificate
/// used as a server's own.)
pub fn test_cert(dir: &Path) -> PathBuf {
    let run = |args: &[&str]| {
        let status = Command::new(program("openssl"))
            .current_dir(dir)
            .args(args)
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run openssl");
        assert!(status.success(), "openssl {args:?} failed");
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-days",
        "2",
        "-subj",
        "/CN=golive test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    run(&ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-subj",
        "/CN=localhost",
        "-keyout",
        "key.pem",
        "-out",
        "leaf.csr",
    ]);
    run(&csr);
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
        "-out",
        "cert.pem",
    ]);
    dir.join("ca.pem")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn hmac256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

/// An HTTP server on a loopback port, run on its own thread and runtime so
/// that sync tests and child processes can use it; stopped when dropped.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(app: Router) -> Self {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let addr = std_listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = rx.await;
                    })
                    .await;
            });
        });
        Self {
            addr,
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// How a JWT-protected server checks tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtFlaw {
    /// Signature, algorithm and expiry checked, with a minute of leeway.
    None,
    /// Accepts `alg: none` tokens without a signature.
    AcceptsAlgNone,
    /// Never looks at `exp`.
    IgnoresExpiry,
    /// Decodes the claims and never checks the signature.
    NoSignatureCheck,
    /// Refuses every request, valid or not.
    RefusesAll,
    /// No authentication at all.
    Open,
}

#[derive(Clone)]
struct JwtApp {
    secret: String,
    flaw: JwtFlaw,
}

/// Checks a token as a server would; `Err` says why it is refused.
fn check_jwt(token: &str, secret: &str, flaw: JwtFlaw) -> Result<(), &'static str> {
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err("malformed");
    }
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(parts[0])
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("bad header")?;
    let claims: serde_json::Value = URL_SAFE_NO_PAD
        .decode(parts[1])
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("bad claims")?;
    let alg = header["alg"].as_str().unwrap_or("");
    let signed_ok = || {
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).unwrap_or_default();
        let input = format!("{}.{}", parts[0], parts[1]);
        hmac256(secret.as_bytes(), &[input.as_bytes()]) == sig
    };
    match (alg, flaw) {
        ("none", JwtFlaw::AcceptsAlgNone) => {}
        (_, JwtFlaw::NoSignatureCheck) => {}
        ("HS256", _) if signed_ok() => {}
        _ => return Err("bad signature"),
    }
    if flaw != JwtFlaw::IgnoresExpiry {
        let exp = claims["exp"].as_u64().ok_or("no exp")?;
        if exp + 60 < now() {
            return Err("expired");
        }
    }
    Ok(())
}

async fn dashboard(State(app): State<JwtApp>, headers: HeaderMap) -> Response {
    if app.flaw == JwtFlaw::Open {
        return (StatusCode::OK, "dashboard").into_response();
    }
    if app.flaw == JwtFlaw::RefusesAll {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token.map(|t| check_jwt(t, &app.secret, app.flaw)) {
        Some(Ok(())) => (StatusCode::OK, "{\"bookings\":[]}").into_response(),
        _ => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn login(State(app): State<JwtApp>, body: Bytes) -> Response {
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if v["password"] != "correct-horse-battery-staple" {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD
        .encode(serde_json::json!({"sub": "user-1", "exp": now() + 900}).to_string());
    let input = format!("{header}.{claims}");
    let sig = URL_SAFE_NO_PAD.encode(hmac256(app.secret.as_bytes(), &[input.as_bytes()]));
    let body = serde_json::json!({"data": {"token": format!("{input}.{sig}")}});
    (StatusCode::OK, body.to_string()).into_response()
}

/// A server with `GET /dashboard` behind a Bearer JWT (HS256 with
/// `secret`) and `POST /login` that hands out a token for the password
/// `correct-horse-battery-staple` at `data.token`.
pub fn jwt_server(secret: &str, flaw: JwtFlaw) -> Server {
    let app = Router::new()
        .route("/dashboard", get(dashboard))
        .route("/login", post(login))
        .with_state(JwtApp {
            secret: secret.to_string(),
            flaw,
        });
    Server::start(app)
}

/// Which provider's signatures a webhook server checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Whatsapp,
    Stripe,
    Github,
    Standard,
}

/// How a webhook server checks signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFlaw {
    None,
    /// Accepts events that carry no signature header at all.
    SkipsWhenMissing,
    /// Accepts any signature header without checking it.
    AcceptsAnySignature,
    /// Checks the signature but never the timestamp's age.
    NoTimestampTolerance,
    /// Remembers signatures it verified and accepts them again, whatever
    /// the body.
    CachesSignatures,
    /// Echoes the verification challenge whatever the verify token.
    EchoesAnyToken,
}

#[derive(Clone)]
struct HookApp {
    provider: Provider,
    secret: String,
    verify_token: String,
    flaw: WebhookFlaw,
    seen: Arc<Mutex<HashSet<String>>>,
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Whether the delivery is authentic, as a sound handler decides.
fn verify_delivery(app: &HookApp, h: &HeaderMap, body: &[u8]) -> Result<(), &'static str> {
    let sig_header = match app.provider {
        Provider::Whatsapp | Provider::Github => "x-hub-signature-256",
        Provider::Stripe => "stripe-signature",
        Provider::Standard => "webhook-signature",
    };
    let Some(sig) = header(h, sig_header) else {
        return if app.flaw == WebhookFlaw::SkipsWhenMissing {
            Ok(())
        } else {
            Err("missing signature")
        };
    };
    if app.flaw == WebhookFlaw::AcceptsAnySignature {
        return Ok(());
    }
    if app.flaw == WebhookFlaw::CachesSignatures && app.seen.lock().unwrap().contains(sig) {
        return Ok(());
    }
    let tolerance_ok =
        |t: u64| app.flaw == WebhookFlaw::NoTimestampTolerance || now().abs_diff(t) <= 300;
    let ok = match app.provider {
        Provider::Whatsapp | Provider::Github => {
            let expected = format!(
                "sha256={}",
                hex::encode(hmac256(app.secret.as_bytes(), &[body]))
            );
            expected == sig
        }
        Provider::Stripe => {
            let mut t = None;
            let mut v1 = Vec::new();
            for part in sig.split(',') {
                match part.split_once('=') {
                    Some(("t", x)) => t = x.parse::<u64>().ok(),
                    Some(("v1", x)) => v1.push(x.to_string()),
                    _ => {}
                }
            }
            let Some(t) = t else {
                return Err("no timestamp");
            };
            let expected = hex::encode(hmac256(
                app.secret.as_bytes(),
                &[t.to_string().as_bytes(), b".", body],
            ));
            v1.contains(&expected) && tolerance_ok(t)
        }
        Provider::Standard => {
            let id = header(h, "webhook-id").unwrap_or("");
            let t: u64 = header(h, "webhook-timestamp")
                .and_then(|x| x.parse().ok())
                .unwrap_or(0);
            let key = STANDARD
                .decode(app.secret.trim_start_matches("whsec_"))
                .unwrap_or_default();
            let expected = format!(
                "v1,{}",
                STANDARD.encode(hmac256(
                    &key,
                    &[id.as_bytes(), b".", t.to_string().as_bytes(), b".", body]
                ))
            );
            sig.split(' ').any(|s| s == expected) && tolerance_ok(t)
        }
    };
    if ok {
        app.seen.lock().unwrap().insert(sig.to_string());
        Ok(())
    } else {
        Err("bad signature")
    }
}

async fn receive(State(app): State<HookApp>, h: HeaderMap, body: Bytes) -> Response {
    match verify_delivery(&app, &h, &body) {
        Ok(()) => (StatusCode::OK, "EVENT_RECEIVED").into_response(),
        Err(why) => (StatusCode::UNAUTHORIZED, why).into_response(),
    }
}

async fn handshake(
    State(app): State<HookApp>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let mode = q.get("hub.mode").map(String::as_str);
    let token = q.get("hub.verify_token").map(String::as_str);
    let token_ok = app.flaw == WebhookFlaw::EchoesAnyToken || token == Some(&app.verify_token);
    match (mode, q.get("hub.challenge")) {
        (Some("subscribe"), Some(challenge)) if token_ok => {
            (StatusCode::OK, challenge.clone()).into_response()
        }
        _ => StatusCode::FORBIDDEN.into_response(),
    }
}

/// A webhook receiver at `/webhook` (POST events, GET handshake for
/// WhatsApp) checking `provider`'s signatures with `secret`.
pub fn webhook_server(
    provider: Provider,
    secret: &str,
    verify_token: &str,
    flaw: WebhookFlaw,
) -> Server {
    let app = Router::new()
        .route("/webhook", post(receive).get(handshake))
        .with_state(HookApp {
            provider,
            secret: secret.to_string(),
            verify_token: verify_token.to_string(),
            flaw,
            seen: Arc::new(Mutex::new(HashSet::new())),
        });
    Server::start(app)
}

/// Runs git in `dir`, panicking with its output when it fails.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(program("git"))
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=golive test",
            "-c",
            "user.email=test@golive.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A new git repository in a temporary folder.
pub fn git_repo() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("golive-repo-")
        .tempdir()
        .unwrap();
    git(dir.path(), &["init", "-q"]);
    dir
}

/// Writes `text` to `rel` under `root`, creating folders.
pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Commits everything in the repository.
pub fn commit_all(root: &Path, message: &str) {
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "--allow-empty", "-m", message]);
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[(self.next() % list.len() as u64) as usize]
    }
    fn hex(&mut self, n: usize) -> String {
        (0..n).map(|_| format!("{:x}", self.next() % 16)).collect()
    }
    fn alnum(&mut self, n: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..n)
            .map(|_| A[(self.next() % A.len() as u64) as usize] as char)
            .collect()
    }
}

const NAMES: &[&str] = &[
    "booking",
    "customer",
    "invoice",
    "payment",
    "session",
    "message",
    "webhook",
    "schedule",
    "report",
    "account",
    "notification",
    "tenant",
    "calendar",
    "reminder",
    "template",
];

fn uuid(r: &mut Rng) -> String {
    format!(
        "{}-{}-4{}-a{}-{}",
        r.hex(8),
        r.hex(4),
        r.hex(3),
        r.hex(3),
        r.hex(12)
    )
}

fn js_module(r: &mut Rng, name: &str) -> String {
    let other = r.pick(NAMES);
    format!(
        r#"import {{ Router }} from "express";
import {{ z }} from "zod";
import {{ prisma }} from "../db";
import {{ requireAuth }} from "../middleware/auth";
import {{ {other}Service }} from "../services/{other}";

const router = Router();
const SIGNATURE_HEADER = "x-hub-signature-256";
const API_BASE = process.env.API_BASE_URL ?? "https://graph.facebook.com/v19.0";
const secret = process.env.WHATSAPP_APP_SECRET;
const token = process.env.WHATSAPP_TOKEN;

const {name}Schema = z.object({{
  id: z.string().uuid(),
  customerId: z.string(),
  startsAt: z.string().datetime(),
  notes: z.string().max(500).optional(),
}});

// Request id {uuid} kept for the audit trail.
router.get("/{name}s/:id", requireAuth, async (req, res) => {{
  const auth = req.headers.authorization?.split(" ")[1];
  const item = await prisma.{name}.findUnique({{ where: {{ id: req.params.id }} }});
  if (!item) return res.status(404).json({{ error: "not found" }});
  res.json({{ data: item, etag: "{sha}" }});
}});

router.post("/{name}s", requireAuth, async (req, res) => {{
  const parsed = {name}Schema.safeParse(req.body);
  if (!parsed.success) return res.status(400).json({{ error: parsed.error.flatten() }});
  const created = await {other}Service.create(parsed.data, {{ token, secret }});
  res.status(201).json({{ data: created }});
}});

export default router;
"#,
        uuid = uuid(r),
        sha = r.hex(40),
    )
}

fn py_module(r: &mut Rng, name: &str) -> String {
    format!(
        r#""""{name} handlers."""
import hashlib
import hmac
import os
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, Header, HTTPException

router = APIRouter(prefix="/{name}")
APP_SECRET = os.environ["WHATSAPP_APP_SECRET"]
DATABASE_URL = os.getenv("DATABASE_URL", "postgresql://localhost/app")
TOKEN_TTL = timedelta(minutes=15)
PASSWORD_MIN_LENGTH = 12
CACHE_KEY = "{name}:v{n}"


def verify(body: bytes, signature: str) -> bool:
    expected = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


@router.get("/{{item_id}}")
async def get_{name}(item_id: str, authorization: str = Header(...)):
    token = authorization.removeprefix("Bearer ")
    if not token:
        raise HTTPException(status_code=401)
    return {{"id": item_id, "checksum": "{sha}", "at": datetime.utcnow().isoformat()}}
"#,
        n = r.next() % 9,
        sha = r.hex(64),
    )
}

fn rust_module(r: &mut Rng, name: &str) -> String {
    format!(
        r#"//! {name}: storage and rules.

use std::time::Duration;

use serde::{{Deserialize, Serialize}};

/// How long a {name} stays cached.
pub const TTL: Duration = Duration::from_secs({n});
const TOKEN_HEADER: &str = "authorization";
const SCHEMA_HASH: &str = "{sha}";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct {cap} {{
    pub id: u64,
    pub name: String,
    pub api_key_id: Option<String>,
}}

pub fn password_is_strong(password: &str) -> bool {{
    password.len() >= 12 && password.chars().any(|c| c.is_ascii_digit())
}}

pub fn token_from(header: &str) -> Option<&str> {{
    header.strip_prefix("Bearer ").filter(|t| !t.is_empty())
}}
"#,
        n = r.next() % 3600,
        sha = r.hex(40),
        cap = {
            let mut c = name.to_string();
            c[..1].make_ascii_uppercase();
            c
        },
    )
}

fn config_file(r: &mut Rng, name: &str) -> String {
    format!(
        r#"# {name} service
service:
  name: {name}
  replicas: {n}
  image: ghcr.io/acme/{name}@sha256:{digest}
  env:
    - name: DATABASE_URL
      valueFrom:
        secretKeyRef: {{ name: {name}-secrets, key: database-url }}
    - name: JWT_SECRET
      valueFrom:
        secretKeyRef: {{ name: {name}-secrets, key: jwt-secret }}
  password_policy: strict
  token_lifetime: 15m
"#,
        n = 1 + r.next() % 4,
        digest = r.hex(64),
    )
}

fn lock_file(r: &mut Rng) -> String {
    let mut s = String::from("{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n");
    for pkg in ["express", "zod", "jsonwebtoken", "dotenv", "pg"] {
        s.push_str(&format!(
            "    \"node_modules/{pkg}\": {{ \"version\": \"{}.{}.{}\", \"resolved\": \"https://registry.npmjs.org/{pkg}/-/{pkg}.tgz\", \"integrity\": \"sha512-{}==\" }},\n",
            r.next() % 9, r.next() % 20, r.next() % 10, r.alnum(86)
        ));
    }
    s.push_str("    \"\": {}\n  }\n}\n");
    s
}

/// Writes a repository of realistic application code (`files` files of
/// JavaScript, Python, Rust, YAML, JSON and Markdown) with no secret in it,
/// and commits it. The code reads secrets from the environment, names
/// them, hashes and compares them, as real code does.
pub fn realistic_repo(root: &Path, files: usize, seed: u64) {
    let mut r = Rng(seed | 1);
    write(
        root,
        ".gitignore",
        "node_modules/\n.env\n.env.*\n!.env.example\n*.log\n",
    );
    write(
        root,
        ".env.example",
        "DATABASE_URL=postgresql://user:password@localhost:5432/app\nJWT_SECRET=your-jwt-secret-at-least-32-characters\nWHATSAPP_TOKEN=\nWHATSAPP_APP_SECRET=\nSTRIPE_SECRET_KEY=sk_test_your_key\n",
    );
    write(root, "package-lock.json", &lock_file(&mut r));
    write(
        root,
        "README.md",
        "# Booking API\n\nCopy `.env.example` to `.env` and set `JWT_SECRET` (`openssl rand -hex 32`).\nThe webhook checks `X-Hub-Signature-256`.\n",
    );
    for i in 0..files {
        let name = r.pick(NAMES);
        let (path, text) = match i % 5 {
            0 => (format!("src/routes/{name}{i}.ts"), js_module(&mut r, name)),
            1 => (
                format!("app/{name}/handlers_{i}.py"),
                py_module(&mut r, name),
            ),
            2 => (
                format!("crates/{name}/src/m{i}.rs"),
                rust_module(&mut r, name),
            ),
            3 => (format!("deploy/{name}-{i}.yaml"), config_file(&mut r, name)),
            _ => (format!("src/lib/{name}_{i}.js"), js_module(&mut r, name)),
        };
        write(root, &path, &text);
    }
    commit_all(root, "realistic code");
}

/// One planted secret: where it is and which rule must find it.
#[derive(Debug, Clone)]
pub struct Planted {
    pub file: String,
    pub line: usize,
    pub rule: &'static str,
    pub secret: String,
}

/// Plants one secret of each kind into the repository (committed) and
/// returns where they are.
pub fn plant_secrets(root: &Path, seed: u64) -> Vec<Planted> {
    let mut r = Rng(seed | 1);
    let mut planted = Vec::new();
    let mut plant = |file: &str, before: &str, rule: &'static str, secret: String, after: &str| {
        let text = format!("// config\n\n{before}{secret}{after}\n");
        write(root, file, &text);
        planted.push(Planted {
            file: file.to_string(),
            line: 3,
            rule,
            secret,
        });
    };
    let strong = r.alnum(24);
    plant(
        "src/aws.ts",
        "const accessKeyId = \"",
        "aws_access_key_id",
        ["AK", "IA", &r.alnum(16).to_ascii_uppercase()].concat(),
        "\";",
    );
    plant(
        "src/aws_secret.py",
        "aws_secret_access_key = \"",
        "aws_secret_access_key",
        r.alnum(40),
        "\"",
    );
    plant(
        "src/billing.js",
        "const stripe = require(\"stripe\")(\"",
        "stripe_live_key",
        format!("sk_{}_{}", "live", r.alnum(24)),
        "\");",
    );
    plant(
        "src/hooks.ts",
        "const endpointSecret = \"",
        "stripe_webhook_secret",
        format!("wh{}_{}", "sec", r.alnum(32)),
        "\";",
    );
    plant(
        "scripts/notify.sh",
        "SLACK=\"",
        "slack_token",
        format!(
            "xo{}-{}-{}-{}",
            "xb",
            10_000_000 + r.next() % 9_000_000,
            1_000_000_000 + r.next() % 9_000_000,
            r.alnum(24)
        ),
        "\"",
    );
    plant(
        "scripts/alert.py",
        "URL = \"",
        "slack_webhook",
        format!(
            "https://hooks.slack.com/{}/T{}/B{}/{}",
            "services",
            r.alnum(8).to_ascii_uppercase(),
            r.alnum(9).to_ascii_uppercase(),
            r.alnum(24)
        ),
        "\"",
    );
    plant(
        ".github/deploy.sh",
        "export GH=",
        "github_token",
        format!("gh{}_{}", "p", r.alnum(36)),
        "",
    );
    plant(
        "ai/client.py",
        "client = OpenAI(api_key=\"",
        "openai_key",
        ["sk-", "proj-", &r.alnum(20), "T3Blbk", "FJ", &r.alnum(20)].concat(),
        "\")",
    );
    plant(
        "ai/claude.ts",
        "const anthropic = new Anthropic({ apiKey: \"",
        "anthropic_key",
        format!("sk-{}-api03-{}", "ant", r.alnum(93)),
        "\" });",
    );
    plant(
        "web/maps.js",
        "const MAPS = \"",
        "google_api_key",
        format!("AI{}{}", "za", r.alnum(35)),
        "\";",
    );
    plant(
        "sms/twilio.rb",
        "api_key_sid = \"",
        "twilio_api_key",
        format!("S{}{}", "K", r.hex(32)),
        "\"",
    );
    plant(
        "whatsapp/send.ts",
        "const WA = \"",
        "meta_access_token",
        format!("EA{}{}", "AG", r.alnum(150)),
        "\";",
    );
    plant(
        "certs/server.key.txt",
        "",
        "private_key",
        format!("-----BEGIN RSA {}-----", "PRIVATE KEY"),
        &format!(
            "\n{}\n{}\n-----END RSA PRIVATE KEY-----",
            r.alnum(64),
            r.alnum(64)
        ),
    );
    plant(
        "tests/session.json",
        "{\"session\": \"",
        "jwt",
        format!(
            "ey{}.ey{}.{}",
            "JhbGciOiJIUzI1NiJ9",
            "JzdWIiOiIxMjM0NTY3ODkwIn0",
            r.alnum(43)
        ),
        "\"}",
    );
    plant(
        "src/config.ts",
        "export const jwtSecret = \"",
        "secret_assignment",
        format!("{strong}9"),
        "\";",
    );
    plant(
        "deploy/staging-env.sh",
        "DB_PASSWORD=",
        "secret_assignment",
        format!("{}7Qz", r.alnum(28)),
        "",
    );
    commit_all(root, "secrets, on purpose");
    planted
}
