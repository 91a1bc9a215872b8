//! The demo deployment: a small WhatsApp booking SaaS like the seeds', with
//! a health endpoint reporting its database and Redis, a login, a protected
//! dashboard and a WhatsApp webhook, served on loopback, and the checklist
//! and repository golive verifies against it.
//!
//! Its deliberate faults, each caught by the demo checklist:
//! - `/health` reports Redis as disconnected;
//! - `/health/detailed` takes 2.5 s to answer;
//! - `/api/v1/admin/stats` answers without authentication;
//! - no security headers, and no rate limit;
//! - the repository does not ignore `.env.production`, and has no `docs/RUNBOOK.md`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;
use sha2::Sha256;

/// The demo checklist.
pub const CHECKLIST: &str = include_str!("../assets/CHECKLIST.md");
/// The demo deployment's env file (its secrets are demo values).
pub const ENV_FILE: &str = include_str!("../assets/env.production");

pub const LOGIN_EMAIL: &str = "admin@demo-booking.test";
pub const LOGIN_PASSWORD: &str = "demo-password-2025";

/// The faults, as the demo prints them.
pub const FAULTS: &[&str] = &[
    "/health reports Redis as disconnected",
    "/health/detailed takes 2.5 s to answer",
    "/api/v1/admin/stats answers without authentication",
    "no security headers, and no rate limit",
    "the repository does not ignore .env.production, and has no docs/RUNBOOK.md",
];

#[derive(Clone)]
struct App {
    cors_origin: String,
    jwt_secret: String,
    webhook_secret: String,
    verify_token: String,
}

fn env_value(name: &str) -> String {
    ENV_FILE
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")))
        .unwrap_or_default()
        .trim_matches('"')
        .to_string()
}

/// The running demo deployment.
pub struct Demo {
    pub addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Demo {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Starts the demo deployment on a free loopback port.
pub async fn start() -> std::io::Result<Demo> {
    start_on("127.0.0.1:0".parse().expect("valid address")).await
}

pub async fn start_on(addr: SocketAddr) -> std::io::Result<Demo> {
    let app = App {
        cors_origin: env_value("CORS_ORIGIN"),
        jwt_secret: env_value("JWT_SECRET"),
        webhook_secret: env_value("WHATSAPP_APP_SECRET"),
        verify_token: env_value("WHATSAPP_VERIFY_TOKEN"),
    };
    let router = Router::new()
        .route("/", get(landing))
        .route("/health", get(health))
        .route("/api/v1/health", get(health))
        .route("/health/detailed", get(health_detailed))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/dashboard", get(dashboard))
        .route("/api/v1/admin/stats", get(admin_stats))
        .route(
            "/webhooks/whatsapp",
            get(webhook_verify).post(webhook_event),
        )
        .layer(axum::middleware::from_fn_with_state(app.clone(), cors))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(Demo { addr, server })
}

/// Writes the demo repository (the files its checklist names) into `dir`.
pub fn write_repo(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("DEPLOYMENT.md"),
        "# Deploying the booking SaaS\n\n1. `docker compose up -d`\n2. `golive run CHECKLIST.md --url https://api.example.com`\n",
    )?;
    std::fs::write(
        dir.join(".env.example"),
        "NODE_ENV=production\nPORT=3000\nDATABASE_URL=postgresql://user:password@host:5432/booking\nREDIS_URL=redis://host:6379\nJWT_SECRET=change-me\nWHATSAPP_APP_SECRET=change-me\nWHATSAPP_VERIFY_TOKEN=change-me\nCORS_ORIGIN=https://app.example.com\n",
    )?;
    // `.env` is ignored, `.env.production` is not: a fault.
    std::fs::write(dir.join(".gitignore"), "node_modules/\n.env\n")?;
    std::fs::write(
        dir.join("src/app.js"),
        "const express = require('express');\nconst app = express();\napp.get('/health', (req, res) => res.json({ status: 'ok' }));\nmodule.exports = app;\n",
    )?;
    // A git repository, as a team's is, so that ignore rules and tracked
    // files mean what they mean there. Without git the files still serve.
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if git(&["init", "-q"]) {
        git(&["add", "."]);
        git(&[
            "-c",
            "user.name=golive demo",
            "-c",
            "user.email=demo@golive.invalid",
            "commit",
            "-qm",
            "The booking SaaS",
        ]);
    }
    Ok(())
}

/// The demo's files in one place: the checklist, the env file and the repository.
pub struct Workspace {
    pub dir: PathBuf,
    pub checklist: PathBuf,
    pub env_file: PathBuf,
    pub repo: PathBuf,
}

pub fn write_workspace(dir: &Path) -> std::io::Result<Workspace> {
    std::fs::create_dir_all(dir)?;
    let checklist = dir.join("CHECKLIST.md");
    let env_file = dir.join(".env.production");
    let repo = dir.join("repo");
    std::fs::write(&checklist, CHECKLIST)?;
    std::fs::write(&env_file, ENV_FILE)?;
    write_repo(&repo)?;
    Ok(Workspace {
        dir: dir.to_path_buf(),
        checklist,
        env_file,
        repo,
    })
}

/// CORS done right: only the configured origin is allowed, with
/// credentials; preflights are answered for it alone.
async fn cors(
    State(app): State<App>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let origin = req
        .headers()
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let allowed = origin.as_deref() == Some(app.cors_origin.as_str());
    let preflight = req.method() == axum::http::Method::OPTIONS;
    let mut resp = if preflight {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    if allowed {
        let h = resp.headers_mut();
        if let Ok(v) = axum::http::HeaderValue::from_str(&app.cors_origin) {
            h.insert("access-control-allow-origin", v);
        }
        h.insert(
            "access-control-allow-credentials",
            axum::http::HeaderValue::from_static("true"),
        );
        h.insert("vary", axum::http::HeaderValue::from_static("Origin"));
        if preflight {
            h.insert(
                "access-control-allow-methods",
                axum::http::HeaderValue::from_static("GET, POST"),
            );
            h.insert(
                "access-control-allow-headers",
                axum::http::HeaderValue::from_static("content-type, authorization"),
            );
        }
    }
    resp
}

async fn landing() -> Html<&'static str> {
    // No security headers: a fault the headers probe reports.
    Html(
        "<!doctype html><html><head><title>Demo Booking</title></head><body><h1>Book your appointment on WhatsApp</h1></body></html>",
    )
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({
        "status": "ok",
        "timestamp": now(),
        "database": "connected",
        "redis": "disconnected",
    }))
}

async fn health_detailed() -> Json<serde_json::Value> {
    tokio::time::sleep(Duration::from_millis(2500)).await;
    Json(json!({"status": "ok", "checks": {"database": "ok", "queue": "ok"}}))
}

#[derive(Deserialize)]
struct Login {
    email: String,
    password: String,
}

fn sign(secret: &str, data: &[u8]) -> Vec<u8> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn make_token(secret: &str, sub: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims =
        URL_SAFE_NO_PAD.encode(json!({"sub": sub, "iat": now(), "exp": now() + 3600}).to_string());
    let signing_input = format!("{header}.{claims}");
    let sig = URL_SAFE_NO_PAD.encode(sign(secret, signing_input.as_bytes()));
    format!("{signing_input}.{sig}")
}

fn valid_token(secret: &str, headers: &HeaderMap) -> bool {
    let Some(token) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(header) = URL_SAFE_NO_PAD.decode(h) else {
        return false;
    };
    if !String::from_utf8_lossy(&header).contains("\"HS256\"") {
        return false;
    }
    let expected = URL_SAFE_NO_PAD.encode(sign(secret, format!("{h}.{c}").as_bytes()));
    if expected != s {
        return false;
    }
    let Ok(claims) = URL_SAFE_NO_PAD.decode(c) else {
        return false;
    };
    let claims: serde_json::Value = serde_json::from_slice(&claims).unwrap_or_default();
    claims["exp"].as_u64().is_some_and(|exp| exp > now())
}

async fn login(State(app): State<App>, Json(body): Json<Login>) -> Response {
    if body.email == LOGIN_EMAIL && body.password == LOGIN_PASSWORD {
        Json(json!({"token": make_token(&app.jwt_secret, &body.email)})).into_response()
    } else {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid credentials"})),
        )
            .into_response()
    }
}

async fn dashboard(State(app): State<App>, headers: HeaderMap) -> Response {
    if !valid_token(&app.jwt_secret, &headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "authentication required"})),
        )
            .into_response();
    }
    Json(json!({"bookings_today": 42, "revenue": 1234.5})).into_response()
}

async fn admin_stats() -> Json<serde_json::Value> {
    // Deliberately unprotected.
    Json(json!({"users": 1200, "salons": 87}))
}

#[derive(Deserialize)]
struct Verify {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

async fn webhook_verify(State(app): State<App>, Query(q): Query<Verify>) -> Response {
    if q.mode.as_deref() == Some("subscribe")
        && q.token.as_deref() == Some(app.verify_token.as_str())
    {
        q.challenge.unwrap_or_default().into_response()
    } else {
        StatusCode::FORBIDDEN.into_response()
    }
}

async fn webhook_event(State(app): State<App>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let expected = format!("sha256={}", hex::encode(sign(&app.webhook_secret, &body)));
    match headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
    {
        Some(sig) if sig == expected => StatusCode::OK,
        _ => StatusCode::UNAUTHORIZED,
    }
}
