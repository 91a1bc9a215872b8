//! Items about the deployment's front door: HTTP endpoints, TLS, headers,
//! CORS, rate limits, authentication, webhooks, WebSockets, user flows,
//! load and latency, DNS and ports.

use golive_core::expect::Expectation;

use super::{Candidate, Draft, Env, app_url, kind, needs, one, rebase, s, score, table};
use crate::facts::{Facts, Place};
use crate::words::Words;

fn status_expectation(f: &Facts<'_>) -> Option<Expectation> {
    // A three-digit status the item names ("returns 200 OK", "HTTP 204").
    let status = f
        .lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() == 3)
        .filter_map(|w| w.parse::<u16>().ok())
        .find(|n| (200..600).contains(n))?;
    Expectation::parse(&format!("status == {status}")).ok()
}

/// Expectations for one request: a status the item names, its latency
/// thresholds, and the healthy fields of an expected response under it.
fn request_expectations(f: &Facts<'_>) -> Vec<Expectation> {
    let mut expect = Vec::new();
    if let Some(e) = status_expectation(f) {
        expect.push(e);
    }
    expect.extend(f.thresholds_on(&["time"]));
    for (k, v) in &f.expected_json {
        let key = if k
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            k.clone()
        } else {
            format!("{k:?}")
        };
        if let Ok(e) = Expectation::parse(&format!("json.{key} == {v:?}")) {
            expect.push(e);
        }
    }
    expect
}

/// An HTTP request the item shows (`curl` under it) or names (a URL or a
/// path with words about answering), or a service said to be up.
/// What `http` is about: a page or service said to answer.
pub(super) fn http_topic() -> &'static Words {
    crate::words![
        "health",
        "healthcheck",
        "health check",
        "health checks",
        "health endpoint",
        "endpoint",
        "endpoints",
        "api",
        "frontend",
        "backend",
        "website",
        "site",
        "landing page",
        "homepage",
        "home page",
        "application",
        "app",
        "service",
        "services",
        "gateway",
        "https access",
        "production url",
        "dashboards",
        "smoke tests",
        "all green",
        "web server"
    ]
}

pub fn http(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let gets: Vec<_> = f
        .curls
        .iter()
        .filter(|c| c.method == "GET" && c.data.is_none())
        .collect();
    if !gets.is_empty() {
        let expect_extra = request_expectations(f);
        let mut checks = Vec::new();
        let mut rebased = Vec::new();
        for c in gets.iter().take(4) {
            let (url, from) = rebase(&c.url);
            if url.contains("${") && !url.starts_with("${app") && !url.contains("${app_host}") {
                continue;
            }
            rebased.extend(from);
            let mut settings = table(&[("url", s(&url))]);
            if c.follow {
                settings.insert("follow_redirects".into(), toml::Value::Boolean(true));
            }
            if c.insecure {
                settings.insert("insecure".into(), toml::Value::Boolean(true));
            }
            let mut expect = expect_extra.clone();
            if expect.iter().all(|e| e.field() != "status") && c.fail {
                expect.insert(0, Expectation::parse("status < 400").expect("valid"));
            }
            checks.push(Draft {
                kind: kind("http"),
                settings,
                expect,
            });
        }
        if !checks.is_empty() {
            let mut why = format!(
                "`curl` under the item: {}",
                gets.iter()
                    .map(|c| c.url.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if !rebased.is_empty() {
                why.push_str(&format!("; {} rebased onto --url", rebased.join(", ")));
            }
            return Some(Candidate {
                rule: "http",
                class: golive_core::Class::Live,
                kind: Some(kind("http")),
                checks,
                needs: Vec::new(),
                why,
                score: 90,
            });
        }
    }
    // Requests with bodies (logins, sign-ups) are never sent on a guess.
    if f.curls
        .iter()
        .any(|c| c.method != "GET" || c.data.is_some())
    {
        return None;
    }
    // A page or service ("health endpoint", "frontend", "API") said to
    // answer ("returns", "loads", "is running"), or shown by URL or path.
    let subject = http_topic();
    let predicate = crate::words![
        "returns",
        "return",
        "responds",
        "responding",
        "respond",
        "accessible",
        "reachable",
        "loads",
        "load",
        "running",
        "is up",
        "are up",
        "available",
        "passing",
        "pass",
        "working",
        "works",
        "green",
        "online",
        "healthy",
        "ok",
        "started",
        "access",
        "verify",
        "check",
        "test",
        "open",
    ];
    // A path or URL the item names, with a word about answering, needs no
    // other subject.
    let own_target = !(f.paths.is_empty() && f.urls.is_empty());
    let (word, place) = match f.topic(subject) {
        Some((w, Place::Item | Place::Code)) => (w, Place::Item),
        _ if own_target => (f.has(predicate)?, Place::Item),
        Some(hit) => hit,
        None => return None,
    };
    // An item about who may reach a page is the auth probe's: a plain
    // request passing because the page answers would say the opposite.
    if f.has(crate::words![
        "authentication",
        "authenticated",
        "authorization",
        "authorized",
        "unauthorized",
        "auth",
        "token",
        "tokens",
        "jwt",
        "login",
        "log in",
        "protected",
        "permission",
        "permissions",
        "forbidden",
        "401",
        "403",
        "private"
    ])
    .is_some()
    {
        return None;
    }
    if f.has(crate::words![
        "built",
        "build",
        "compiled",
        "compile",
        "monitoring",
        "schedule",
        "scheduled",
        "alert",
        "alerts",
        "logs",
        "containers",
        "container",
        "docker",
        "restart",
        "documentation",
        "documented",
        "link",
        "errors",
        "status page",
        "scripts",
        "script",
        "ci",
        "pipeline",
        "tests passing",
        "all tests",
        "unit tests",
        "integration tests",
        "suite",
        "suites",
        "cost"
    ])
    .is_some()
    {
        return None;
    }
    let context_ok = place == Place::Item
        || place == Place::Code
        || ((f.terse() || f.has_children)
            && (word.starts_with("health") || word.starts_with("endpoint")));
    if !context_ok {
        return None;
    }
    if f.has(predicate).is_none()
        && f.paths.is_empty()
        && f.urls.is_empty()
        && !word.starts_with("health")
        && !(f.terse() && place != Place::Item)
    {
        return None;
    }
    let target =
        f.urls.iter().map(|u| rebase(u)).find(|(u, _)| {
            u.starts_with("${app") || u.contains("${app_host}") || !u.contains("${")
        });
    let (url, from, what) = match (target, f.paths.first()) {
        (Some((u, from)), _) => (u, from, "the URL"),
        (None, Some(p)) => (cat!("${app}", p), None, "the path"),
        (None, None) if word.starts_with("health") || word == "all green" => {
            ("${app}/health".to_string(), None, "the usual health path")
        }
        (None, None) => ("${app}/".to_string(), None, "the deployment's root"),
    };
    let mut why = cat!(
        "`",
        word,
        "`",
        place.describe(),
        " and ",
        what,
        " `",
        url.replace("${app}", ""),
        "`"
    );
    if let Some(from) = from {
        why.push_str(&cat!("; ", from, " rebased onto --url"));
    }
    let base = if f.paths.is_empty() && f.urls.is_empty() {
        72
    } else {
        78
    };
    Some(one(
        "http",
        "http",
        table(&[("url", s(&url))]),
        request_expectations(f),
        why,
        score(base, place),
    ))
}

/// Redirect words: with "https" in the item, `https_redirect` is about them.
pub(super) fn redirect_words() -> &'static Words {
    crate::words!["redirect", "redirects"]
}

/// What `https_redirect` is about.
pub(super) fn https_redirect_topic() -> &'static Words {
    crate::words![
        "https redirect",
        "redirect to https",
        "redirects to https",
        "http to https",
        "force https",
        "forces https",
        "http redirects",
        "redirects http",
        "http → https",
        "http->https",
        "ssl redirect"
    ]
}

pub fn https_redirect(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let words = https_redirect_topic();
    let word = f.has(words).or_else(|| {
        (f.has(redirect_words()).is_some() && f.lower.contains("https"))
            .then_some("redirect … https")
    })?;
    Some(one(
        "https_redirect",
        "https_redirect",
        table(&[("url", s("${app}/"))]),
        Vec::new(),
        format!("`{word}`: plain HTTP must redirect to https://"),
        84,
    ))
}

/// The words `tls` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn tls_topic() -> &'static Words {
    crate::words![
        "ssl",
        "tls",
        "certificate",
        "certificates",
        "cert",
        "certs",
        "https enabled",
        "https accessible",
        "https working",
        "https is enabled",
        "ssl labs",
        "ssllabs",
        "let's encrypt",
        "lets encrypt",
        "letsencrypt",
        "certificate warnings",
        "https only",
        "ssl/tls"
    ]
}

pub fn tls(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let words = tls_topic();
    let (word, place) = f.topic(words)?;
    if place != Place::Item && !(f.terse() || f.has_children) {
        return None;
    }
    // "Uncomment SSL lines in nginx.conf" is editing a file; "auto-renewal
    // configured" is the certificate tooling's business; uploading and
    // reloading are steps, not states.
    if f.has(crate::words![
        "uncomment",
        "renewal",
        "auto-renewal",
        "rotation",
        "expiration alert",
        "expiration",
        "upload",
        "reload",
        "paths"
    ])
    .is_some()
    {
        return None;
    }
    let mut expect = f.thresholds_on(&["min_protocol"]);
    if !expect.is_empty() {
        expect.insert(0, Expectation::parse("verification == ok").expect("valid"));
    }
    Some(one(
        "tls",
        "tls",
        table(&[("host", s("${app}"))]),
        expect,
        cat!(
            "`",
            word,
            "`",
            place.describe(),
            ": the certificate served at --url is checked"
        ),
        score(82, place),
    ))
}

/// The words `headers` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn headers_topic() -> &'static Words {
    crate::words![
        "security headers",
        "security header",
        "helmet",
        "hsts",
        "strict-transport-security",
        "content security policy",
        "content-security-policy",
        "csp",
        "x-frame-options",
        "clickjacking",
        "xss protection",
        "securityheaders",
        "securityheaders.com",
        "referrer-policy",
        "x-content-type-options",
        "headers check"
    ]
}

pub fn headers(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let words = headers_topic();
    let (word, place) = f.topic(words)?;
    if place != Place::Item && !(f.terse() || f.has_children) {
        return None;
    }
    let expect = f.thresholds_on(&["grade"]);
    Some(one(
        "headers",
        "headers",
        table(&[("url", s(&app_url(f)))]),
        expect,
        format!(
            "`{word}`{}: the response's security headers are graded",
            place.describe()
        ),
        score(86, place),
    ))
}

/// The words `cors` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn cors_topic() -> &'static Words {
    crate::words![
        "cors",
        "cross-origin",
        "cross origin",
        "allowed origins",
        "cors_origin",
        "unauthorized origins"
    ]
}

pub fn cors(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let (word, place) = f.topic(cors_topic())?;
    if place != Place::Item && !f.terse() {
        return None;
    }
    // "Set production CORS origins" writes the env file: the env probe
    // checks it; the live answer is checked too when the item says it works.
    if f.has(crate::words!["wildcard", "*"]).is_some()
        && f.has(crate::words!["never use", "no wildcard"]).is_some()
    {
        return None;
    }
    Some(one(
        "cors",
        "cors",
        table(&[("url", s(&app_url(f)))]),
        Vec::new(),
        format!(
            "`{word}`{}: hostile origins must be refused, the allowed ones (CORS_ORIGIN) still allowed",
            place.describe()
        ),
        score(86, place),
    ))
}

/// The words `rate_limit` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn rate_limit_topic() -> &'static Words {
    crate::words![
        "rate limit",
        "rate limiting",
        "rate-limit",
        "rate-limiting",
        "rate limits",
        "throttling",
        "throttle",
        "rate limiter"
    ]
}

pub fn rate_limit(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let (word, place) = f.topic(rate_limit_topic())?;
    if place != Place::Item && !f.terse() {
        return None;
    }
    // "Message rate limits respected" is about a third party's limits.
    if f.has(crate::words!["respected", "respect", "quota"])
        .is_some()
    {
        return None;
    }
    Some(one(
        "rate_limit",
        "rate_limit",
        table(&[("url", s(&app_url(f)))]),
        Vec::new(),
        format!(
            "`{word}`{}: a bounded burst must meet 429 before it ends",
            place.describe()
        ),
        score(86, place),
    ))
}

/// The words `auth` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn auth_topic() -> &'static Words {
    crate::words![
        "protected routes",
        "protected route",
        "protected endpoints",
        "requires authentication",
        "require authentication",
        "requires auth",
        "require auth",
        "need authentication",
        "needs authentication",
        "behind authentication",
        "behind login",
        "authenticated users only",
        "required for protected",
        "authentication is required",
        "authentication required",
        "unauthorized access",
        "unauthenticated",
        "jwt",
        "jwts",
        "tokens expire",
        "token expiry",
        "token expiration",
        "tokens properly validated",
        "authentication bypass",
        "auth bypass",
        "endpoint protection",
        "access control",
        "authorization",
        "role-based access",
        "rbac",
        "tenant data isolation",
        "api key required"
    ]
}

pub fn auth(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let words = auth_topic();
    let (word, place) = f.topic(words)?;
    if place != Place::Item && !f.terse() {
        return None;
    }
    // "Generate production JWT secrets" is about the env file.
    if f.has(crate::words!["secret", "secrets", "generate", "rotate"])
        .is_some()
    {
        return None;
    }
    let why = format!(
        "`{word}`{}: protected routes must refuse missing, forged, expired and alg:none tokens",
        place.describe()
    );
    match f.paths.first() {
        Some(p) => Some(one(
            "auth",
            "auth",
            table(&[("url", s(&format!("${{app}}{p}")))]),
            Vec::new(),
            why,
            score(84, place),
        )),
        None => Some(needs(
            "auth",
            "auth",
            "a protected route: a check with `url` in golive.toml",
            why,
            score(78, place),
        )),
    }
}

/// The words `webhook` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn webhook_topic() -> &'static Words {
    crate::words![
        "webhook",
        "webhooks",
        "x-hub-signature",
        "stripe-signature",
        "signature verification"
    ]
}

pub fn webhook(f: &Facts<'_>, env: &Env) -> Option<Candidate> {
    let (word, place) = f.topic(webhook_topic())?;
    if place != Place::Item && !f.terse() {
        return None;
    }
    // Slack's incoming webhooks notify; a variable holding a webhook's URL
    // or secret is the env file's.
    if f.lower.contains("slack")
        || f.has(crate::words!["secret", "secrets", "generated", "generate"])
            .is_some()
        || !f.env_names.is_empty()
    {
        return None;
    }
    // Creating the endpoint at the provider, or setting its secret, is
    // not the endpoint answering.
    if f.has(crate::words!["create", "get", "secret (", "set", "slack"])
        .is_some()
        && f.lower
            .split_whitespace()
            .next()
            .is_some_and(|w| ["create", "get", "set", "add"].contains(&w))
    {
        return None;
    }
    let all = format!("{} {} {}", f.lower, f.parent, f.section);
    let provider = if all.contains("whatsapp") {
        "whatsapp"
    } else if all.contains("stripe") || all.contains("payment") || all.contains("billing") {
        "stripe"
    } else if all.contains("github") {
        "github"
    } else {
        "standard"
    };
    let secret_var = match provider {
        "whatsapp" => env.defined(&[
            "WHATSAPP_APP_SECRET",
            "META_APP_SECRET",
            "FACEBOOK_APP_SECRET",
        ]),
        "stripe" => env.defined(&["STRIPE_WEBHOOK_SECRET"]),
        "github" => env.defined(&["GITHUB_WEBHOOK_SECRET"]),
        _ => env.defined(&["WEBHOOK_SECRET"]),
    };
    let why = format!(
        "`{word}`{}: a correctly signed {provider} event must be accepted, bad signatures refused",
        place.describe()
    );
    match (f.paths.first(), secret_var) {
        (Some(p), _) => {
            let settings = table(&[
                ("url", s(&format!("${{app}}{p}"))),
                ("provider", s(provider)),
            ]);
            Some(one(
                "webhook",
                "webhook",
                settings,
                Vec::new(),
                why,
                score(84, place),
            ))
        }
        (None, _) => Some(needs(
            "webhook",
            "webhook",
            "the webhook's URL: a check with `url` in golive.toml",
            why,
            score(78, place),
        )),
    }
}

/// The words `websocket` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn websocket_topic() -> &'static Words {
    crate::words![
        "websocket",
        "websockets",
        "web socket",
        "socket.io",
        "wss://",
        "ws://",
        "real-time messages",
        "realtime"
    ]
}

pub fn websocket(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let (word, place) = f.topic(websocket_topic())?;
    if place != Place::Item && !(f.terse() || f.has_children) && place != Place::Parent {
        return None;
    }
    let why = format!(
        "`{word}`{}: a WebSocket must connect and answer",
        place.describe()
    );
    match f
        .urls
        .iter()
        .find(|u| u.starts_with("ws"))
        .map(|u| rebase(u).0)
        .or_else(|| f.paths.first().map(|p| format!("${{app}}{p}")))
    {
        Some(url) => Some(one(
            "websocket",
            "websocket",
            table(&[("url", s(&url))]),
            Vec::new(),
            why,
            score(84, place),
        )),
        None => Some(needs(
            "websocket",
            "websocket",
            "the WebSocket's URL: a check with `url` in golive.toml",
            why,
            score(78, place),
        )),
    }
}

/// User journeys (register, log in, create, send): a flow, whose steps only
/// the team knows.
/// Actions on an API's records: under an API's heading, a `flow`.
pub(super) fn flow_crud() -> &'static Words {
    crate::words![
        "create",
        "send",
        "get",
        "delete",
        "update",
        "upload",
        "uploads",
        "creation",
        "processing",
        "history",
        "persisted",
        "subscription status",
        "generation",
        "initiation"
    ]
}

/// What `flow` is about: a user journey.
pub(super) fn flow_topic() -> &'static Words {
    crate::words![
        "login",
        "log in",
        "logout",
        "log out",
        "sign in",
        "sign up",
        "signup",
        "registration",
        "registrations",
        "register",
        "password reset",
        "user flow",
        "user flows",
        "authentication flow",
        "authentication is working",
        "end-to-end",
        "end to end",
        "e2e",
        "→",
        "->",
        "checkout",
        "payment flow",
        "auth endpoints",
        "user profile",
        "critical user flows"
    ]
}

pub fn flow(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let strong = flow_topic();
    let api_context = crate::words![
        "endpoints",
        "api testing",
        "functional testing",
        "integration testing",
        "flow",
        "flows",
        "user flows"
    ];
    let crud = flow_crud();
    let (word, place) = match f
        .has(strong)
        .map(|w| (w, Place::Item))
        .or_else(|| f.within(strong, Place::Parent).map(|w| (w, Place::Parent)))
    {
        Some(hit) => hit,
        None => {
            let ctx = f
                .within(api_context, Place::Parent)
                .or_else(|| f.within(api_context, Place::Section))?;
            let w = f.has(crud)?;
            let _ = ctx;
            (w, Place::Section)
        }
    };
    if place == Place::Section && !(f.terse() || f.has(crud).is_some()) {
        return None;
    }
    if f.has(crate::words!["train", "document", "procedures"])
        .is_some()
    {
        return None;
    }
    let why = cat!(
        "`",
        word,
        "`",
        place.describe(),
        ": a user journey, checked as a flow of requests"
    );
    Some(needs(
        "flow",
        "flow",
        "the flow's steps ([[check.step]]) in golive.toml",
        why,
        score(76, place.min(Place::Parent)),
    ))
}

fn load_url(f: &Facts<'_>) -> String {
    app_url(f)
}

/// What `load` is about.
pub(super) fn load_topic() -> &'static Words {
    crate::words![
        "load test",
        "load testing",
        "load tests",
        "concurrent users",
        "stress test",
        "stress testing",
        "under load",
        "p95",
        "p99",
        "percentile",
        "throughput",
        "requests per second",
        "k6",
        "apache bench",
        "jmeter",
        "locust",
        "artillery",
        "normal load",
        "high traffic",
        "error rate",
        "error rates"
    ]
}

pub fn load(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let words = load_topic();
    let numbers = f.thresholds_on(&[
        "users",
        "p50",
        "p90",
        "p95",
        "p99",
        "rps",
        "load_factor",
        "errors",
    ]);
    let timed = !f.thresholds_on(&["time", "p95", "p99"]).is_empty();
    let (word, place) = match f.topic(words) {
        Some((w, Place::Parent | Place::Section)) if timed => (w, Place::Item),
        Some(hit) => hit,
        None if !numbers.is_empty() => ("(its numbers)", Place::Item),
        None => return None,
    };
    if place != Place::Item && !(f.terse() || f.has_children) {
        return None;
    }
    // Reports and monitoring of error rates are watched, not load-tested.
    if f.has(crate::words![
        "monitor",
        "monitoring",
        "tracking",
        "alert",
        "alerts",
        "alarm",
        "dashboard",
        "review",
        "rollback",
        "trigger"
    ])
    .is_some()
    {
        return None;
    }
    let users = f
        .thresholds
        .iter()
        .find(|t| t.expect.field() == "users")
        .and_then(|t| {
            t.expect
                .source()
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse::<i64>().ok())
        });
    let mut settings = table(&[("url", s(&load_url(f))), ("duration", s("10s"))]);
    settings.insert(
        "users".into(),
        toml::Value::Integer(users.unwrap_or(10).min(1000)),
    );
    if let Some(factor) = f
        .thresholds
        .iter()
        .find(|t| t.expect.field() == "load_factor")
        .and_then(|t| {
            t.expect
                .source()
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse::<f64>().ok())
        })
    {
        settings.insert("stress".into(), toml::Value::Float(factor));
    }
    let expect: Vec<Expectation> = f
        .thresholds_on(&["p50", "p90", "p95", "p99", "errors", "rps", "time"])
        .into_iter()
        .map(|e| {
            if e.field() == "time" {
                Expectation::parse(&e.source().replacen("time", "p95", 1)).unwrap_or(e)
            } else {
                e
            }
        })
        .collect();
    Some(one(
        "load",
        "load",
        settings,
        expect,
        format!(
            "`{word}`{}: a bounded load ({} users, 10s) against --url",
            place.describe(),
            users.unwrap_or(10)
        ),
        score(82, place),
    ))
}

/// The words `latency` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn latency_topic() -> &'static Words {
    crate::words![
        "response time",
        "response times",
        "latency",
        "respond quickly",
        "load quickly",
        "load fast",
        "fast"
    ]
}

pub fn latency(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let (word, place) = f.topic(latency_topic())?;
    if place != Place::Item {
        return None;
    }
    if f.has(crate::words![
        "monitor",
        "monitoring",
        "alert",
        "alerts",
        "dashboard",
        "degradation"
    ])
    .is_some()
    {
        return None;
    }
    let expect: Vec<Expectation> = f
        .thresholds_on(&["time", "p95", "p99"])
        .into_iter()
        .map(|e| {
            if e.field() == "time" {
                Expectation::parse(&e.source().replacen("time", "p95", 1)).unwrap_or(e)
            } else {
                e
            }
        })
        .collect();
    let mut settings = table(&[("url", s(&app_url(f)))]);
    settings.insert("samples".into(), toml::Value::Integer(20));
    Some(one(
        "latency",
        "latency",
        settings,
        expect,
        format!("`{word}`: 20 requests in a row, their percentiles against the item's numbers"),
        76,
    ))
}

/// The words `dns` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn dns_topic() -> &'static Words {
    crate::words![
        "dns",
        "a record",
        "aaaa record",
        "cname",
        "mx record",
        "mx records",
        "nameservers",
        "nameserver",
        "dns propagated",
        "propagated",
        "dig",
        "nslookup",
        "domain configured",
        "dns records",
        "custom domain"
    ]
}

pub fn dns(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let words = dns_topic();
    let (word, place) = f.topic(words)?;
    if place != Place::Item && !(f.terse() || f.has_children) {
        return None;
    }
    if f.has(crate::words![
        "purchased",
        "purchase",
        "buy",
        "registered",
        "renew"
    ])
    .is_some()
        && f.has(crate::words!["dns", "configured"]).is_none()
    {
        return None;
    }
    let mut settings = table(&[("name", s("${app}"))]);
    if word.starts_with("mx") {
        settings.insert("types".into(), toml::Value::Array(vec![s("MX")]));
    }
    Some(one(
        "dns",
        "dns",
        settings,
        Vec::new(),
        format!(
            "`{word}`{}: the deployment's name must resolve",
            place.describe()
        ),
        score(80, place),
    ))
}

/// Every port but the allowed ones, for `tcp`.
pub(super) fn tcp_all_ports() -> &'static Words {
    crate::words!["all other ports", "other ports", "all ports"]
}

/// What `tcp` is about without a port number: a firewall.
pub(super) fn tcp_topic() -> &'static Words {
    crate::words![
        "firewall",
        "ufw",
        "iptables",
        "open ports",
        "other ports",
        "all other ports"
    ]
}

pub fn tcp(f: &Facts<'_>, _: &Env) -> Option<Candidate> {
    let firewall = tcp_topic();
    let blocked = crate::words![
        "block",
        "blocked",
        "closed",
        "close",
        "deny",
        "denied",
        "not exposed",
        "not reachable",
        "not accessible",
        "not open"
    ];
    // "from specific IPs" depends on where one stands: not verifiable from here.
    if f.has(crate::words![
        "from specific",
        "only from",
        "restricted to",
        "whitelisted",
        "allowlisted",
        "from your ip",
        "specific ips"
    ])
    .is_some()
    {
        return None;
    }
    if f.has(tcp_all_ports()).is_some() {
        // Every port but those its siblings allow must be closed.
        let siblings: Vec<i64> = f
            .item
            .parent
            .map(|p| f.checklist.items[p].children.clone())
            .unwrap_or_default()
            .iter()
            .flat_map(|&c| {
                let text = &f.checklist.items[c].plain;
                let lower = text.to_lowercase();
                lower
                    .split(|ch: char| !ch.is_ascii_alphanumeric())
                    .collect::<Vec<_>>()
                    .windows(2)
                    .filter(|w| w[0] == "port")
                    .filter_map(|w| w[1].parse::<i64>().ok())
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut allowed = siblings;
        allowed.sort_unstable();
        allowed.dedup();
        if allowed.is_empty() {
            allowed = vec![80, 443];
        }
        let settings = table(&[
            ("host", s("${app}")),
            (
                "allowed",
                toml::Value::Array(allowed.iter().map(|p| toml::Value::Integer(*p)).collect()),
            ),
            ("scan", s("1-1024")),
        ]);
        let list: Vec<String> = allowed.iter().map(ToString::to_string).collect();
        return Some(one(
            "tcp",
            "tcp",
            settings,
            Vec::new(),
            format!(
                "`all other ports`: ports 1-1024 of the --url host closed but {}",
                list.join(", ")
            ),
            82,
        ));
    }
    let Some(&port) = f.ports.first() else {
        // "Firewall rules configured": only the web ports answer from outside.
        let (word, place) = f.topic(firewall)?;
        if place != Place::Item || f.has_children {
            return None;
        }
        let settings = table(&[
            ("host", s("${app}")),
            (
                "allowed",
                toml::Value::Array(vec![toml::Value::Integer(80), toml::Value::Integer(443)]),
            ),
            ("scan", s("1-1024")),
        ]);
        return Some(one(
            "tcp",
            "tcp",
            settings,
            Vec::new(),
            format!(
                "`{word}`: ports 1-1024 of the --url host closed but 80 and 443 (edit `allowed` for more)"
            ),
            72,
        ));
    };
    let closed = f.has(blocked);
    let open = f.has(crate::words![
        "allow",
        "allowed",
        "open",
        "opened",
        "listening",
        "listens",
        "reachable",
        "accessible",
        "exposed",
        "accepts"
    ]);
    let (closed, word) = match (closed, open) {
        (Some(w), _) => (true, w),
        (None, Some(w)) => (false, w),
        (None, None) => return None,
    };
    let mut settings = table(&[
        ("host", s("${app}")),
        ("port", toml::Value::Integer(i64::from(port))),
    ]);
    if closed {
        settings.insert("closed".into(), toml::Value::Boolean(true));
    }
    Some(one(
        "tcp",
        "tcp",
        settings,
        Vec::new(),
        format!(
            "`port {port}` and `{word}`: the port must be {} on the --url host",
            if closed { "closed" } else { "open" }
        ),
        80,
    ))
}

#[cfg(test)]
mod tests {
    use super::super::rebase;

    #[test]
    fn rebasing() {
        assert_eq!(rebase("http://localhost:3001/health").0, "${app}/health");
        assert_eq!(
            rebase("https://api.yourdomain.com/api/v1/health").0,
            "${app}/api/v1/health"
        );
        assert_eq!(
            rebase("http://your-server:9090").0,
            "http://${app_host}:9090/"
        );
        assert_eq!(
            rebase("https://api.acme.io/health").0,
            "https://api.acme.io/health"
        );
    }
}
