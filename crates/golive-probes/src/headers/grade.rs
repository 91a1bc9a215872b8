//! The grading: the Mozilla HTTP Observatory's published tests, results and
//! score modifiers (MDN's "Tests & Scoring" page), applied to what the probe
//! fetched. Pure functions of the responses, so each rule is tested alone.
//!
//! Where we cannot do what the Observatory does, we say so rather than
//! guess: the HSTS preload list is not consulted (no `hsts-preloaded`
//! bonus; the `preload` directive is reported), and `<meta http-equiv>`
//! policies are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

/// One test's outcome: the Observatory's result name and its modifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The test (`content-security-policy`, `cookies`, …).
    pub test: &'static str,
    /// The result (`csp-implemented-with-no-unsafe`, …).
    pub result: &'static str,
    pub modifier: i32,
    /// Whether the result meets the Observatory's expectation for the test.
    pub pass: bool,
}

fn outcome(test: &'static str, result: &'static str) -> Outcome {
    Outcome {
        test,
        result,
        modifier: modifier(result),
        pass: passes(result),
    }
}

/// The published score modifier of each result.
pub fn modifier(result: &str) -> i32 {
    match result {
        "csp-implemented-with-no-unsafe-default-src-none" => 10,
        "csp-implemented-with-no-unsafe"
        | "cookies-secure-with-httponly-sessions-and-samesite"
        | "referrer-policy-private"
        | "sri-implemented-and-all-scripts-loaded-securely"
        | "sri-implemented-and-external-scripts-loaded-securely"
        | "x-frame-options-implemented-via-csp"
        | "hsts-preloaded" => 5,
        "cookies-without-secure-flag-but-protected-by-hsts"
        | "x-content-type-options-not-implemented"
        | "x-content-type-options-header-invalid"
        | "referrer-policy-unsafe"
        | "referrer-policy-header-invalid"
        | "sri-not-implemented-but-external-scripts-loaded-securely"
        | "redirection-off-host-from-http" => -5,
        "cookies-session-without-secure-flag-but-protected-by-hsts"
        | "csp-implemented-with-insecure-scheme-in-passive-content-only"
        | "csp-implemented-with-unsafe-eval"
        | "hsts-implemented-max-age-less-than-six-months"
        | "redirection-not-to-https-on-initial-redirection" => -10,
        "cookies-without-secure-flag"
        | "cookies-samesite-flag-invalid"
        | "cookies-anticsrf-without-samesite-flag"
        | "csp-implemented-with-insecure-scheme"
        | "csp-implemented-with-unsafe-inline"
        | "hsts-not-implemented"
        | "hsts-not-implemented-no-https"
        | "hsts-invalid-cert"
        | "hsts-header-invalid"
        | "redirection-missing"
        | "redirection-not-to-https"
        | "redirection-invalid-cert"
        | "sri-implemented-but-external-scripts-not-loaded-securely"
        | "html-not-parsable"
        | "x-frame-options-not-implemented"
        | "x-frame-options-header-invalid"
        | "corp-implemented-with-cross-origin"
        | "corp-header-invalid" => -20,
        "csp-not-implemented" | "csp-header-invalid" => -25,
        "cookies-session-without-httponly-flag" => -30,
        "cookies-session-without-secure-flag" => -40,
        "cross-origin-resource-sharing-implemented-with-universal-access"
        | "sri-not-implemented-and-external-scripts-not-loaded-securely" => -50,
        // Everything else is published as 0. (MDN's table prints +5 for
        // `corp-not-implemented` while describing it as the permissive
        // default; we score it 0, as a missing header earns nothing.)
        _ => 0,
    }
}

fn passes(result: &str) -> bool {
    modifier(result) >= 0
}

/// The letter for a score, by the published chart.
pub fn grade(score: i32) -> &'static str {
    match score {
        100.. => "A+",
        90..=99 => "A",
        85..=89 => "A-",
        80..=84 => "B+",
        70..=79 => "B",
        65..=69 => "B-",
        60..=64 => "C+",
        50..=59 => "C",
        45..=49 => "C-",
        40..=44 => "D+",
        30..=39 => "D",
        25..=29 => "D-",
        _ => "F",
    }
}

/// Penalties first from a baseline of 100; bonuses only when that leaves
/// 90 or more; never below 0.
pub fn score(outcomes: &[Outcome]) -> i32 {
    let penalties: i32 = outcomes.iter().map(|o| o.modifier.min(0)).sum();
    let bonuses: i32 = outcomes.iter().map(|o| o.modifier.max(0)).sum();
    let mut score = 100 + penalties;
    if score >= 90 {
        score += bonuses;
    }
    score.max(0)
}

/// What the probe saw, in the shape the tests need.
#[derive(Debug, Default)]
pub struct Seen<'a> {
    /// Headers of the graded response, names in lower case.
    pub headers: &'a [(String, String)],
    /// Whether the graded response came over HTTPS.
    pub https: bool,
    /// HTTPS answered, but with a certificate that did not verify.
    pub invalid_cert: bool,
    /// Every Set-Cookie seen on the way.
    pub cookies: Vec<String>,
    pub body: &'a [u8],
    /// The graded response's host, to tell same-origin scripts.
    pub host: &'a str,
    /// The answer to a request with a foreign Origin: ACAO and ACAC.
    pub cors: Option<(Option<String>, Option<String>)>,
    /// The redirection result, decided from the plain-HTTP chain.
    pub redirection: &'static str,
}

impl Seen<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Every test, in the Observatory's order.
pub fn grade_all(seen: &Seen<'_>) -> Vec<Outcome> {
    let csp = csp(seen);
    let hsts = hsts(seen);
    let hsts_ok = hsts.pass;
    vec![
        csp.outcome.clone(),
        cookies(&seen.cookies, hsts_ok),
        cors(seen),
        outcome("redirection", seen.redirection),
        referrer_policy(seen.header("referrer-policy")),
        hsts.clone(),
        sri(seen),
        x_content_type_options(seen.header("x-content-type-options")),
        x_frame_options(seen.header("x-frame-options"), csp.anti_clickjacking),
        corp(seen.header("cross-origin-resource-policy")),
    ]
}

/// A parsed policy: directive → sources (lower case).
pub type Policy = BTreeMap<String, BTreeSet<String>>;

/// Parses a Content-Security-Policy value; `None` when it cannot be a
/// policy (too short, a directive given twice).
pub fn parse_csp(value: &str) -> Option<Policy> {
    let value = value.replace(['\r', '\n'], "");
    let value = value.trim();
    // `img-src` is the shortest meaningful directive; less is no policy.
    if value.len() < "img-src".len() - 1 {
        return None;
    }
    let mut policy = Policy::new();
    for directive in value.split(';') {
        let mut words = directive.split_whitespace();
        let Some(name) = words.next() else { continue };
        let mut sources: BTreeSet<String> = words.map(str::to_ascii_lowercase).collect();
        if sources.is_empty() {
            sources.insert("'none'".into());
        }
        // Browsers use the first of repeated directives; the Observatory
        // calls the policy invalid so that people notice.
        if policy.insert(name.to_ascii_lowercase(), sources).is_some() {
            return None;
        }
    }
    Some(policy)
}

const BROAD: &[&str] = &[
    "ftp:",
    "http:",
    "https:",
    "*",
    "http://*",
    "http://*.*",
    "https://*",
    "https://*.*",
];
const INLINE: &[&str] = &["'unsafe-inline'", "data:"];

fn nonce_or_hash(s: &str) -> bool {
    ["'sha256-", "'sha384-", "'sha512-", "'nonce-"]
        .iter()
        .any(|p| s.starts_with(p))
}

fn any_in(set: &BTreeSet<String>, list: &[&str]) -> bool {
    list.iter().any(|x| set.contains(*x))
}

#[derive(Debug, Clone)]
pub struct Csp {
    pub outcome: Outcome,
    pub policy: Option<Policy>,
    /// `frame-ancestors` restricts framing.
    pub anti_clickjacking: bool,
}

pub fn csp(seen: &Seen<'_>) -> Csp {
    const TEST: &str = "content-security-policy";
    let Some(raw) = seen.header("content-security-policy") else {
        return Csp {
            outcome: outcome(TEST, "csp-not-implemented"),
            policy: None,
            anti_clickjacking: false,
        };
    };
    let Some(policy) = parse_csp(raw) else {
        return Csp {
            outcome: outcome(TEST, "csp-header-invalid"),
            policy: None,
            anti_clickjacking: false,
        };
    };
    let everything = || BTreeSet::from(["*".to_string()]);
    let fallback = |name: &str| {
        policy
            .get(name)
            .or_else(|| policy.get("default-src"))
            .cloned()
            .unwrap_or_else(everything)
    };
    let mut script = fallback("script-src");
    let object = fallback("object-src");
    let mut style = fallback("style-src");
    for list in [&mut script, &mut style] {
        if list.iter().any(|s| nonce_or_hash(s)) {
            list.remove("'unsafe-inline'");
        }
    }
    let mut result: Option<&'static str> = None;
    let mut first = |r: &'static str| {
        if result.is_none() {
            result = Some(r);
        }
    };
    let strict_dynamic = script.contains("'strict-dynamic'");
    let strict_with_nonce = strict_dynamic && script.iter().any(|s| nonce_or_hash(s));
    if strict_with_nonce {
        // Hosts and 'self' are ignored by browsers under 'strict-dynamic'.
        script.retain(|s| {
            !(BROAD.iter().any(|b| s.starts_with(b)) || s == "'self'" || s == "'unsafe-inline'")
        });
    } else if strict_dynamic {
        first("csp-header-invalid");
    }
    const PASSIVE: &[&str] = &["img-src", "media-src"];
    let insecure = |s: &String| s.contains("http:") || s.contains("ftp:");
    let active_insecure = policy
        .iter()
        .filter(|(d, _)| !PASSIVE.contains(&d.as_str()) && d.as_str() != "script-src")
        .flat_map(|(_, s)| s.iter())
        .chain(script.iter())
        .any(insecure);
    let passive_insecure = PASSIVE.iter().any(|d| {
        policy
            .get(*d)
            .or_else(|| policy.get("default-src"))
            .is_some_and(|s| s.iter().any(insecure))
    });
    if any_in(&script, BROAD) || any_in(&script, INLINE) || any_in(&object, BROAD) {
        first("csp-implemented-with-unsafe-inline");
    }
    if seen.https && active_insecure && !strict_with_nonce {
        first("csp-implemented-with-insecure-scheme");
    }
    if script.contains("'unsafe-eval'") || style.contains("'unsafe-eval'") {
        first("csp-implemented-with-unsafe-eval");
    }
    if seen.https && passive_insecure {
        first("csp-implemented-with-insecure-scheme-in-passive-content-only");
    }
    if any_in(&style, BROAD) || any_in(&style, INLINE) {
        first("csp-implemented-with-unsafe-inline-in-style-src-only");
    }
    let default_none = policy
        .get("default-src")
        .is_some_and(|s| s.len() == 1 && s.contains("'none'"));
    first(if default_none {
        "csp-implemented-with-no-unsafe-default-src-none"
    } else {
        "csp-implemented-with-no-unsafe"
    });
    let anti_clickjacking = policy
        .get("frame-ancestors")
        .is_some_and(|s| !any_in(s, BROAD));
    Csp {
        outcome: outcome(TEST, result.unwrap_or("csp-implemented-with-no-unsafe")),
        policy: Some(policy),
        anti_clickjacking,
    }
}

/// One Set-Cookie, as far as grading cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    pub name: String,
    pub secure: bool,
    pub http_only: bool,
    /// `Some(true)` for Strict/Lax (or a bare SameSite), `Some(false)` for
    /// any other value, `None` when absent.
    pub same_site: Option<bool>,
}

pub fn parse_cookie(raw: &str) -> Cookie {
    let mut parts = raw.split(';');
    let name = parts
        .next()
        .and_then(|p| p.split('=').next())
        .unwrap_or("")
        .trim()
        .to_string();
    let mut c = Cookie {
        name,
        secure: false,
        http_only: false,
        same_site: None,
    };
    for attr in parts {
        let (key, value) = match attr.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (attr.trim(), None),
        };
        match key.to_ascii_lowercase().as_str() {
            "secure" => c.secure = true,
            "httponly" => c.http_only = true,
            "samesite" if c.same_site.is_none() => {
                c.same_site = Some(value.is_none_or(|v| {
                    v.eq_ignore_ascii_case("lax") || v.eq_ignore_ascii_case("strict")
                }));
            }
            _ => {}
        }
    }
    c
}

pub fn cookies(raw: &[String], hsts: bool) -> Outcome {
    const TEST: &str = "cookies";
    // From least to most severe; a worse finding replaces a milder one.
    const SEVERITY: &[&str] = &[
        "cookies-without-secure-flag-but-protected-by-hsts",
        "cookies-without-secure-flag",
        "cookies-session-without-secure-flag-but-protected-by-hsts",
        "cookies-samesite-flag-invalid",
        "cookies-anticsrf-without-samesite-flag",
        "cookies-session-without-httponly-flag",
        "cookies-session-without-secure-flag",
    ];
    // Set by hosting providers, out of a site's control.
    const IGNORED: &[&str] = &["__cfduid", "heroku-session-affinity"];
    let jar: Vec<Cookie> = raw
        .iter()
        .map(|r| parse_cookie(r))
        .filter(|c| !IGNORED.contains(&c.name.as_str()))
        .collect();
    if jar.is_empty() {
        return outcome(TEST, "cookies-not-found");
    }
    let rank = |r: &str| SEVERITY.iter().position(|x| *x == r);
    let mut worst: Option<&'static str> = None;
    let mut note = |r: &'static str| {
        if worst.is_none_or(|w| rank(r) > rank(w)) {
            worst = Some(r);
        }
    };
    let mut any_same_site = false;
    for c in &jar {
        let lower = c.name.to_ascii_lowercase();
        let session = lower.contains("login") || lower.contains("sess");
        let anti_csrf = lower.contains("csrf");
        match c.same_site {
            Some(true) => any_same_site = true,
            Some(false) => note("cookies-samesite-flag-invalid"),
            None => {}
        }
        if !c.secure {
            note(if hsts {
                "cookies-without-secure-flag-but-protected-by-hsts"
            } else {
                "cookies-without-secure-flag"
            });
        }
        if anti_csrf && c.same_site != Some(true) {
            note("cookies-anticsrf-without-samesite-flag");
        }
        if session && !c.secure {
            note(if hsts {
                "cookies-session-without-secure-flag-but-protected-by-hsts"
            } else {
                "cookies-session-without-secure-flag"
            });
        }
        if session && !c.http_only {
            note("cookies-session-without-httponly-flag");
        }
    }
    outcome(
        TEST,
        worst.unwrap_or(if any_same_site {
            "cookies-secure-with-httponly-sessions-and-samesite"
        } else {
            "cookies-secure-with-httponly-sessions"
        }),
    )
}

pub fn cors(seen: &Seen<'_>) -> Outcome {
    const TEST: &str = "cross-origin-resource-sharing";
    let result = match &seen.cors {
        None | Some((None, _)) => "cross-origin-resource-sharing-not-implemented",
        Some((Some(acao), acac)) => {
            let credentials = acac
                .as_deref()
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
            if acao.trim() == "*" {
                "cross-origin-resource-sharing-implemented-with-public-access"
            } else if acao.trim() == super::FOREIGN_ORIGIN && credentials {
                "cross-origin-resource-sharing-implemented-with-universal-access"
            } else {
                "cross-origin-resource-sharing-implemented-with-restricted-access"
            }
        }
    };
    outcome(TEST, result)
}

pub fn referrer_policy(value: Option<&str>) -> Outcome {
    const TEST: &str = "referrer-policy";
    const PRIVATE: &[&str] = &[
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ];
    const UNSAFE: &[&str] = &["origin", "origin-when-cross-origin", "unsafe-url"];
    let Some(value) = value else {
        return outcome(TEST, "referrer-policy-not-implemented");
    };
    // Browsers take the last policy they understand.
    let lower = value.to_ascii_lowercase();
    let last = lower
        .split(',')
        .map(str::trim)
        .rfind(|t| PRIVATE.contains(t) || UNSAFE.contains(t) || *t == "no-referrer-when-downgrade");
    let result = match last {
        Some(t) if PRIVATE.contains(&t) => "referrer-policy-private",
        Some("no-referrer-when-downgrade") => "referrer-policy-no-referrer-when-downgrade",
        Some(_) => "referrer-policy-unsafe",
        None => "referrer-policy-header-invalid",
    };
    outcome(TEST, result)
}

/// The HSTS directives, when the header parses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hsts {
    pub max_age: Option<u64>,
    pub include_subdomains: bool,
    pub preload: bool,
}

pub fn parse_hsts(value: &str) -> Option<Hsts> {
    // Two headers joined by a comma: the Observatory calls that invalid.
    if value.contains(',') {
        return None;
    }
    let mut h = Hsts::default();
    for part in value.split(';').map(|p| p.trim().to_ascii_lowercase()) {
        if let Some(age) = part.strip_prefix("max-age=") {
            h.max_age = Some(age.trim_matches('"').parse().ok()?);
        } else if part == "includesubdomains" {
            h.include_subdomains = true;
        } else if part == "preload" {
            h.preload = true;
        }
    }
    h.max_age.filter(|&a| a > 0)?;
    Some(h)
}

/// 15768000 s is six months; the Observatory accepts 15552000 (180 days),
/// which many sites use.
pub const SIX_MONTHS: u64 = 15_552_000;

pub fn hsts(seen: &Seen<'_>) -> Outcome {
    const TEST: &str = "strict-transport-security";
    let result = if !seen.https {
        "hsts-not-implemented-no-https"
    } else if seen.invalid_cert {
        "hsts-invalid-cert"
    } else {
        match seen.header("strict-transport-security") {
            None => "hsts-not-implemented",
            Some(v) => match parse_hsts(v) {
                None => "hsts-header-invalid",
                Some(h) if h.max_age.unwrap_or(0) < SIX_MONTHS => {
                    "hsts-implemented-max-age-less-than-six-months"
                }
                Some(_) => "hsts-implemented-max-age-at-least-six-months",
            },
        }
    };
    outcome(TEST, result)
}

static SCRIPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)<script\b([^>]*)>").expect("static regex"));
static ATTR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)\b(src|integrity)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"#)
        .expect("static regex")
});

/// A `<script src>` of the page: where from, and whether it has an
/// `integrity` hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub src: String,
    pub integrity: bool,
}

pub fn scripts(html: &str) -> Vec<Script> {
    SCRIPT
        .captures_iter(html)
        .filter_map(|c| {
            let attrs = c.get(1)?.as_str();
            let mut src = None;
            let mut integrity = false;
            for a in ATTR.captures_iter(attrs) {
                let value = a
                    .get(2)
                    .or_else(|| a.get(3))
                    .or_else(|| a.get(4))
                    .map_or("", |m| m.as_str());
                if a[1].eq_ignore_ascii_case("src") {
                    src = Some(value.trim().to_string());
                } else if !value.trim().is_empty() {
                    integrity = true;
                }
            }
            src.map(|src| Script { src, integrity })
        })
        .collect()
}

pub fn sri(seen: &Seen<'_>) -> Outcome {
    const TEST: &str = "subresource-integrity";
    let html = seen.header("content-type").is_some_and(|ct| {
        let ct = ct.to_ascii_lowercase();
        ct.contains("text/html") || ct.contains("application/xhtml+xml")
    });
    if !html {
        return outcome(TEST, "sri-not-implemented-response-not-html");
    }
    let page = String::from_utf8_lossy(seen.body);
    let found = scripts(&page);
    if found.is_empty() {
        return outcome(TEST, "sri-not-implemented-but-no-scripts-loaded");
    }
    let host_of = |src: &str| -> Option<String> {
        let rest = src
            .strip_prefix("https://")
            .or_else(|| src.strip_prefix("http://"))
            .or_else(|| src.strip_prefix("//"))?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        Some(
            authority
                .rsplit('@')
                .next()
                .unwrap_or("")
                .split(':')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase(),
        )
    };
    let secure = |src: &str| {
        let lower = src.to_ascii_lowercase();
        lower.starts_with("https://") || (!lower.starts_with("http://") && seen.https)
    };
    let external: Vec<&Script> = found
        .iter()
        .filter(|s| host_of(&s.src).is_some_and(|h| h != seen.host.to_ascii_lowercase()))
        .collect();
    let all_integrity = |list: &[&Script]| list.iter().all(|s| s.integrity);
    let result = if external.is_empty() {
        let all: Vec<&Script> = found.iter().collect();
        if all_integrity(&all) {
            "sri-implemented-and-all-scripts-loaded-securely"
        } else {
            "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
        }
    } else {
        let all_secure = external.iter().all(|s| secure(&s.src));
        match (all_integrity(&external), all_secure) {
            (true, true) => "sri-implemented-and-external-scripts-loaded-securely",
            (true, false) => "sri-implemented-but-external-scripts-not-loaded-securely",
            (false, true) => "sri-not-implemented-but-external-scripts-loaded-securely",
            (false, false) => "sri-not-implemented-and-external-scripts-not-loaded-securely",
        }
    };
    outcome(TEST, result)
}

pub fn x_content_type_options(value: Option<&str>) -> Outcome {
    const TEST: &str = "x-content-type-options";
    let result = match value {
        None => "x-content-type-options-not-implemented",
        Some(v) if v.trim().eq_ignore_ascii_case("nosniff") => "x-content-type-options-nosniff",
        Some(_) => "x-content-type-options-header-invalid",
    };
    outcome(TEST, result)
}

pub fn x_frame_options(value: Option<&str>, via_csp: bool) -> Outcome {
    const TEST: &str = "x-frame-options";
    if via_csp {
        return outcome(TEST, "x-frame-options-implemented-via-csp");
    }
    let result = match value.map(|v| v.trim().to_ascii_lowercase()) {
        None => "x-frame-options-not-implemented",
        Some(v) if v == "deny" || v == "sameorigin" => "x-frame-options-sameorigin-or-deny",
        Some(v) if v.starts_with("allow-from ") => "x-frame-options-allow-from-origin",
        Some(_) => "x-frame-options-header-invalid",
    };
    outcome(TEST, result)
}

pub fn corp(value: Option<&str>) -> Outcome {
    const TEST: &str = "cross-origin-resource-policy";
    let result = match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None => "corp-not-implemented",
        Some("same-origin") => "corp-implemented-with-same-origin",
        Some("same-site") => "corp-implemented-with-same-site",
        Some("cross-origin") => "corp-implemented-with-cross-origin",
        Some(_) => "corp-header-invalid",
    };
    outcome(TEST, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn csp_result(policy: &str, https: bool) -> &'static str {
        let h = headers(&[("content-security-policy", policy)]);
        let seen = Seen {
            headers: &h,
            https,
            ..Seen::default()
        };
        csp(&seen).outcome.result
    }

    #[test]
    fn grade_boundaries() {
        for (score, letter) in [
            (135, "A+"),
            (100, "A+"),
            (99, "A"),
            (90, "A"),
            (89, "A-"),
            (85, "A-"),
            (84, "B+"),
            (80, "B+"),
            (79, "B"),
            (70, "B"),
            (69, "B-"),
            (65, "B-"),
            (64, "C+"),
            (60, "C+"),
            (59, "C"),
            (50, "C"),
            (49, "C-"),
            (45, "C-"),
            (44, "D+"),
            (40, "D+"),
            (39, "D"),
            (30, "D"),
            (29, "D-"),
            (25, "D-"),
            (24, "F"),
            (0, "F"),
        ] {
            assert_eq!(grade(score), letter, "{score}");
        }
    }

    #[test]
    fn bonuses_count_only_from_ninety() {
        let o = |r: &'static str| outcome("t", r);
        // 100 - 10 = 90, then +10 +5.
        assert_eq!(
            score(&[
                o("csp-implemented-with-no-unsafe-default-src-none"),
                o("referrer-policy-private"),
                o("hsts-implemented-max-age-less-than-six-months"),
            ]),
            105
        );
        // 100 - 20 = 80: the bonuses are not added.
        assert_eq!(
            score(&[
                o("csp-implemented-with-no-unsafe-default-src-none"),
                o("hsts-not-implemented"),
            ]),
            80
        );
        assert_eq!(
            score(&[
                o("cookies-session-without-secure-flag"),
                o("cross-origin-resource-sharing-implemented-with-universal-access"),
                o("csp-not-implemented"),
            ]),
            0
        );
    }

    #[test]
    fn csp_rules() {
        assert_eq!(
            csp_result("default-src 'none'; frame-ancestors 'none'", true),
            "csp-implemented-with-no-unsafe-default-src-none"
        );
        assert_eq!(
            csp_result("default-src 'self'", true),
            "csp-implemented-with-no-unsafe"
        );
        assert_eq!(
            csp_result(
                "default-src 'self'; script-src 'self' 'unsafe-inline'",
                true
            ),
            "csp-implemented-with-unsafe-inline"
        );
        // A nonce neutralises 'unsafe-inline'.
        assert_eq!(
            csp_result(
                "default-src 'self'; script-src 'self' 'unsafe-inline' 'nonce-abc'",
                true
            ),
            "csp-implemented-with-no-unsafe"
        );
        assert_eq!(
            csp_result("default-src 'self'; script-src 'self' 'unsafe-eval'", true),
            "csp-implemented-with-unsafe-eval"
        );
        // No script-src or default-src: any script may load.
        assert_eq!(
            csp_result("img-src 'self'", true),
            "csp-implemented-with-unsafe-inline"
        );
        assert_eq!(
            csp_result(
                "default-src 'self'; connect-src http://api.example.com",
                true
            ),
            "csp-implemented-with-insecure-scheme"
        );
        assert_eq!(
            csp_result(
                "default-src 'self'; connect-src http://api.example.com",
                false
            ),
            "csp-implemented-with-no-unsafe"
        );
        assert_eq!(
            csp_result("default-src 'self'; img-src http://cdn.example.com", true),
            "csp-implemented-with-insecure-scheme-in-passive-content-only"
        );
        assert_eq!(
            csp_result("default-src 'self'; style-src 'self' 'unsafe-inline'", true),
            "csp-implemented-with-unsafe-inline-in-style-src-only"
        );
        assert_eq!(
            csp_result("default-src 'self'; script-src 'strict-dynamic'", true),
            "csp-header-invalid"
        );
        assert_eq!(
            csp_result("default-src 'self'; default-src 'none'", true),
            "csp-header-invalid"
        );
        assert_eq!(csp_result("x", true), "csp-header-invalid");
    }

    #[test]
    fn cookie_rules() {
        let c = |list: &[&str], hsts: bool| {
            cookies(
                &list.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                hsts,
            )
            .result
        };
        assert_eq!(c(&[], false), "cookies-not-found");
        assert_eq!(
            c(&["sessionid=1; Secure; HttpOnly; SameSite=Lax"], false),
            "cookies-secure-with-httponly-sessions-and-samesite"
        );
        assert_eq!(
            c(&["sessionid=1; Secure; HttpOnly"], false),
            "cookies-secure-with-httponly-sessions"
        );
        assert_eq!(
            c(&["sessionid=1; HttpOnly"], false),
            "cookies-session-without-secure-flag"
        );
        assert_eq!(
            c(&["sessionid=1; HttpOnly"], true),
            "cookies-session-without-secure-flag-but-protected-by-hsts"
        );
        assert_eq!(
            c(&["sessionid=1; Secure"], true),
            "cookies-session-without-httponly-flag"
        );
        assert_eq!(c(&["theme=dark"], false), "cookies-without-secure-flag");
        assert_eq!(
            c(&["csrftoken=1; Secure"], false),
            "cookies-anticsrf-without-samesite-flag"
        );
        assert_eq!(
            c(&["a=1; Secure; SameSite=None"], false),
            "cookies-samesite-flag-invalid"
        );
        assert_eq!(c(&["__cfduid=1"], false), "cookies-not-found");
    }

    #[test]
    fn header_rules() {
        assert_eq!(
            referrer_policy(Some("unsafe-url, no-referrer")).result,
            "referrer-policy-private"
        );
        assert_eq!(
            referrer_policy(Some("no-referrer, unsafe-url")).result,
            "referrer-policy-unsafe"
        );
        assert_eq!(
            referrer_policy(Some("nonsense")).result,
            "referrer-policy-header-invalid"
        );
        assert_eq!(
            parse_hsts("max-age=63072000; includeSubDomains; preload"),
            Some(Hsts {
                max_age: Some(63_072_000),
                include_subdomains: true,
                preload: true
            })
        );
        assert_eq!(parse_hsts("max-age=1, max-age=2"), None);
        assert_eq!(parse_hsts("includeSubDomains"), None);
        assert_eq!(
            x_frame_options(Some("ALLOW-FROM https://x"), false).result,
            "x-frame-options-allow-from-origin"
        );
        assert_eq!(
            x_frame_options(None, true).result,
            "x-frame-options-implemented-via-csp"
        );
        assert_eq!(
            x_content_type_options(Some("nosniff; x")).result,
            "x-content-type-options-header-invalid"
        );
        assert_eq!(corp(Some("cross-origin")).modifier, -20);
    }

    #[test]
    fn subresource_integrity() {
        let h = headers(&[("content-type", "text/html; charset=utf-8")]);
        let page = |body: &'static str| Seen {
            headers: &h,
            https: true,
            host: "app.example.com",
            body: body.as_bytes(),
            ..Seen::default()
        };
        assert_eq!(
            sri(&page("<p>hi</p>")).result,
            "sri-not-implemented-but-no-scripts-loaded"
        );
        assert_eq!(
            sri(&page("<script src=\"/app.js\"></script>")).result,
            "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
        );
        assert_eq!(
            sri(&page(
                "<script src='https://cdn.other.com/x.js' integrity='sha384-abc' crossorigin></script>"
            ))
            .result,
            "sri-implemented-and-external-scripts-loaded-securely"
        );
        assert_eq!(
            sri(&page("<SCRIPT SRC=https://cdn.other.com/x.js></SCRIPT>")).result,
            "sri-not-implemented-but-external-scripts-loaded-securely"
        );
        assert_eq!(
            sri(&page("<script src=\"http://cdn.other.com/x.js\"></script>")).result,
            "sri-not-implemented-and-external-scripts-not-loaded-securely"
        );
    }
}
