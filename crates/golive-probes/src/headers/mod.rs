//! `headers`: security headers present and sound, graded A+ to F as the
//! Mozilla HTTP Observatory grades them.
//!
//! **What it verifies.** Fetches a page over HTTPS (and its plain-HTTP
//! twin, for the redirection test) and runs the Observatory's tests:
//! Content-Security-Policy, cookies' `Secure`/`HttpOnly`/`SameSite`, CORS,
//! redirection from HTTP to HTTPS, Referrer-Policy, Strict-Transport-Security,
//! Subresource Integrity (when HTML is served), X-Content-Type-Options,
//! X-Frame-Options (or CSP `frame-ancestors`) and
//! Cross-Origin-Resource-Policy. Each result carries the published score
//! modifier; the score starts at 100, loses the penalties, gains the bonuses
//! when 90 or more is left, and maps to a letter by the published chart
//! (see `grade.rs`).
//!
//! **Why it matters on launch day.** "Security headers are configured
//! (Helmet)" is on every checklist and is usually ticked after a glance at
//! securityheaders.com, or not at all. A grade in the gate, with the reason
//! for every lost point, makes it a fact that cannot silently regress.
//!
//! **Example.** Checklist: `- [ ] Security headers are configured (Helmet)`.
//!
//! ```toml
//! [[check]]
//! item = "security/security-headers-are-configured-helmet"
//! kind = "headers"
//! url = "${app}/"
//! expect = ["grade >= B", "tests.strict-transport-security.pass == true"]
//! ```
//!
//! Settings: `url` (https:// to grade the site as served; http:// grades
//! what plain HTTP leads to), `http_url` (where plain HTTP is served, when
//! not on port 80 of the same host), `headers` (sent with every request,
//! e.g. a session), `insecure` (do not stop at an invalid certificate; it
//! still costs the HSTS and redirection points, as in the Observatory),
//! `max_redirects` (10).
//!
//! Evidence: `url` (the graded response), `status`, `score`, `grade`,
//! `tests.<test>.{result, modifier, pass}` for each of the ten tests,
//! `header.*` (of the graded response, cookie values redacted), `csp`
//! (directive → sources), `hsts.{max_age, include_subdomains, preload}`,
//! `redirects` (the plain-HTTP chain). Default expectation: `grade >= B`.
//!
//! Answers items like: "Security headers are configured", "Helmet is
//! enabled", "HSTS enabled", "Content Security Policy set", "X-Frame-Options
//! set", "Clickjacking protection", "Cookies are Secure and HttpOnly",
//! "HTTP redirects to HTTPS", "A+ on Mozilla Observatory / securityheaders".

pub mod grade;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use serde::Deserialize;
use tokio::time::Instant;

use crate::net::http::{Client, HttpError, Phase, Request, Response, Scheme, Url};
use crate::{Context, Kind, Observation, Probe};

/// The Origin sent to see how CORS answers a stranger.
pub const FOREIGN_ORIGIN: &str = "https://observatory.golive.invalid";

/// Pages beyond this are graded on their first megabyte.
const BODY_LIMIT: usize = 1 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub url: String,
    /// Where plain HTTP is served, for the redirection test.
    #[serde(default)]
    pub http_url: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub insecure: bool,
    #[serde(default = "default_max_redirects")]
    pub max_redirects: u32,
}

fn default_max_redirects() -> u32 {
    10
}

pub struct Headers {
    url: Url,
    http_url: Option<Url>,
    headers: Vec<(String, String)>,
    insecure: bool,
    max_redirects: u32,
}

impl Kind for Headers {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let url = Url::parse(&s.url)?;
        let http_url = match s.http_url {
            Some(u) => {
                let u = Url::parse(&u).map_err(|e| format!("`http_url`: {e}"))?;
                if u.scheme != Scheme::Http {
                    return Err("`http_url` must be an http:// URL".into());
                }
                Some(u)
            }
            None => match url.scheme {
                Scheme::Http => Some(url.clone()),
                // Plain HTTP on port 80 is where browsers go first; on any
                // other port nobody can guess where plain HTTP lives.
                Scheme::Https if url.port == 443 => Some(Url {
                    scheme: Scheme::Http,
                    port: 80,
                    ..url.clone()
                }),
                Scheme::Https => None,
            },
        };
        let headers: Vec<(String, String)> = s.headers.into_iter().collect();
        crate::http::check_headers(&headers)?;
        Ok(Self {
            url,
            http_url,
            headers,
            insecure: s.insecure,
            max_redirects: s.max_redirects,
        })
    }
}

/// A walk along redirects: every hop, and how it ended.
struct Chain {
    hops: Vec<(Url, u16, String)>,
    end: Result<(Url, Response), HttpError>,
    invalid_cert: bool,
    cookies: Vec<String>,
}

impl Headers {
    async fn walk(&self, cx: &Context, start: &Url, deadline: Instant) -> Chain {
        let mut chain = Chain {
            hops: Vec::new(),
            end: Err(HttpError {
                phase: Phase::Resolving,
                message: String::new(),
            }),
            invalid_cert: false,
            cookies: Vec::new(),
        };
        let mut url = start.clone();
        loop {
            let mut result = self.get(cx, &url, &[], deadline, self.insecure).await;
            if let Err(e) = &result
                && e.phase == Phase::Handshaking
                && url.scheme == Scheme::Https
                && !self.insecure
            {
                // Grade the rest anyway, as the Observatory does; the bad
                // certificate costs its own points.
                let retry = self.get(cx, &url, &[], deadline, true).await;
                if retry.is_ok() {
                    chain.invalid_cert = true;
                    result = retry;
                }
            }
            let resp = match result {
                Ok(r) => r,
                Err(e) => {
                    chain.end = Err(e);
                    return chain;
                }
            };
            chain.cookies.extend(
                resp.headers
                    .iter()
                    .filter(|(n, _)| n == "set-cookie")
                    .map(|(_, v)| v.clone()),
            );
            let location = resp.header("location").map(str::to_string);
            match location {
                Some(loc) if matches!(resp.status, 301 | 302 | 303 | 307 | 308) => {
                    chain.hops.push((url.clone(), resp.status, loc.clone()));
                    if chain.hops.len() > self.max_redirects as usize {
                        chain.end = Err(HttpError {
                            phase: Phase::Reading,
                            message: format!("more than {} redirects", self.max_redirects),
                        });
                        return chain;
                    }
                    match url.join(&loc) {
                        Ok(next) => url = next,
                        Err(e) => {
                            chain.end = Err(HttpError {
                                phase: Phase::Reading,
                                message: format!("bad redirect location: {e}"),
                            });
                            return chain;
                        }
                    }
                }
                _ => {
                    chain.end = Ok((url, resp));
                    return chain;
                }
            }
        }
    }

    async fn get(
        &self,
        cx: &Context,
        url: &Url,
        extra: &[(String, String)],
        deadline: Instant,
        insecure: bool,
    ) -> Result<Response, HttpError> {
        let client = Client {
            tls: if insecure {
                cx.tls_insecure.clone()
            } else {
                cx.tls.clone()
            },
            body_limit: BODY_LIMIT,
        };
        let mut headers = self.headers.clone();
        headers.extend(extra.iter().cloned());
        let req = Request {
            method: http::Method::GET,
            url: url.clone(),
            headers,
            body: bytes::Bytes::new(),
        };
        let left = deadline.saturating_duration_since(Instant::now());
        client.send(&req, left.max(Duration::from_millis(1))).await
    }
}

/// The redirection result from the plain-HTTP walk.
fn redirection(chain: Option<&Chain>) -> &'static str {
    let Some(chain) = chain else {
        return "redirection-not-needed-no-http";
    };
    let Some((first_url, _, first_loc)) = chain.hops.first() else {
        return match &chain.end {
            // Nothing listens on plain HTTP: nothing to redirect.
            Err(e) if matches!(e.phase, Phase::Resolving | Phase::Connecting) => {
                "redirection-not-needed-no-http"
            }
            _ => "redirection-missing",
        };
    };
    let end_https = match &chain.end {
        Ok((url, _)) => url.scheme == Scheme::Https,
        Err(e) if e.phase == Phase::Handshaking => return "redirection-invalid-cert",
        Err(_) => false,
    };
    if chain.invalid_cert {
        return "redirection-invalid-cert";
    }
    let first = first_url.join(first_loc).ok();
    match first {
        Some(f) if f.scheme == Scheme::Https => {
            if !end_https {
                "redirection-not-to-https"
            } else if f.host != first_url.host {
                "redirection-off-host-from-http"
            } else {
                "redirection-to-https"
            }
        }
        _ if end_https => "redirection-not-to-https-on-initial-redirection",
        _ => "redirection-not-to-https",
    }
}

#[async_trait]
impl Probe for Headers {
    fn target(&self) -> String {
        format!("headers {}", self.url)
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![Expectation::new("grade", Op::Ge, Literal::Str("B".into()))]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match (evidence.get("grade"), evidence.get("score")) {
            (Some(Value::Str(g)), Some(s)) => format!("grade {g} ({s}/100)"),
            _ => String::new(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        crate::http::header_secrets(&self.headers)
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let deadline = Instant::now() + cx.timeout;
        let mut evidence = Evidence::new();
        let http_chain = match &self.http_url {
            Some(u) => Some(self.walk(cx, u, deadline).await),
            None => None,
        };
        let graded = if self.url.scheme == Scheme::Https {
            self.walk(cx, &self.url, deadline).await
        } else {
            // Grading an http:// URL grades where plain HTTP leads.
            match http_chain.as_ref() {
                Some(c) => Chain {
                    hops: c.hops.clone(),
                    end: c.end.clone(),
                    invalid_cert: c.invalid_cert,
                    cookies: c.cookies.clone(),
                },
                None => self.walk(cx, &self.url, deadline).await,
            }
        };
        let (final_url, resp) = match &graded.end {
            Ok((u, r)) => (u.clone(), r.clone()),
            Err(e) => {
                evidence.insert("url".into(), self.url.to_string().into());
                return Observation::failed(
                    evidence,
                    format!("cannot fetch {}: {}", self.url, e.message),
                );
            }
        };
        let mut cookies = graded.cookies.clone();
        if let Some(c) = &http_chain {
            cookies.extend(c.cookies.iter().cloned());
        }
        let cors = self
            .get(
                cx,
                &final_url,
                &[("origin".to_string(), FOREIGN_ORIGIN.to_string())],
                deadline,
                self.insecure || graded.invalid_cert,
            )
            .await
            .ok()
            .map(|r| {
                (
                    r.header("access-control-allow-origin").map(str::to_string),
                    r.header("access-control-allow-credentials")
                        .map(str::to_string),
                )
            });
        let seen = grade::Seen {
            headers: &resp.headers,
            https: final_url.scheme == Scheme::Https,
            invalid_cert: graded.invalid_cert,
            cookies,
            body: &resp.body,
            host: &final_url.host,
            cors,
            redirection: redirection(http_chain.as_ref()),
        };
        let outcomes = grade::grade_all(&seen);
        let score = grade::score(&outcomes);
        evidence.insert("url".into(), final_url.to_string().into());
        evidence.insert("status".into(), resp.status.into());
        evidence.insert("score".into(), i64::from(score).into());
        evidence.insert("grade".into(), grade::grade(score).into());
        let mut tests = Evidence::new();
        for o in &outcomes {
            let mut t = Evidence::new();
            t.insert("result".into(), o.result.into());
            t.insert("modifier".into(), i64::from(o.modifier).into());
            t.insert("pass".into(), o.pass.into());
            tests.insert(o.test.into(), Value::Map(t));
        }
        evidence.insert("tests".into(), Value::Map(tests));
        let mut described = Evidence::new();
        crate::http::describe(&mut described, &resp);
        if let Some(h) = described.shift_remove("header") {
            evidence.insert("header".into(), h);
        }
        if let Some(policy) = seen
            .headers
            .iter()
            .find(|(n, _)| n == "content-security-policy")
            .and_then(|(_, v)| grade::parse_csp(v))
        {
            let csp: Evidence = policy
                .into_iter()
                .map(|(d, s)| (d, Value::from(s.into_iter().collect::<Vec<_>>())))
                .collect();
            evidence.insert("csp".into(), Value::Map(csp));
        }
        if let Some(h) = resp
            .header("strict-transport-security")
            .and_then(grade::parse_hsts)
        {
            let mut m = Evidence::new();
            m.insert("max_age".into(), h.max_age.into());
            m.insert("include_subdomains".into(), h.include_subdomains.into());
            m.insert("preload".into(), h.preload.into());
            evidence.insert("hsts".into(), Value::Map(m));
        }
        if let Some(c) = &http_chain {
            let hops: Vec<Value> = c
                .hops
                .iter()
                .map(|(u, status, loc)| {
                    let mut hop = Evidence::new();
                    hop.insert("url".into(), u.to_string().into());
                    hop.insert("status".into(), (*status).into());
                    hop.insert("location".into(), loc.clone().into());
                    Value::Map(hop)
                })
                .collect();
            evidence.insert("redirects".into(), Value::List(hops));
        }
        Observation::ok(evidence)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn settings_are_checked() {
        let build = |t: &str| crate::build_from(golive_core::ProbeKind::Headers, t).err();
        assert_eq!(build("url = 'https://x/'"), None);
        assert!(
            build("url = 'https://x/'\nhttp_url = 'https://x/'")
                .unwrap()
                .contains("http://")
        );
        assert!(build("url = 'nope'").unwrap().contains("absolute URL"));
    }
}
