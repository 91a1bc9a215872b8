//! `auth`: a protected route refuses every bad credential and accepts a
//! good one.
//!
//! **What it verifies.** Requests one protected route with: no credentials;
//! a JWT with a wrong signature; an expired JWT (expired two hours ago, past
//! any clock leeway); an `alg: none` JWT; and JWTs signed with guessable
//! secrets (`secret`, `your-256-bit-secret`, `changeme`, …). Each must be
//! refused (401 or 403 by default). Then it sends a valid token, which must
//! be accepted, so that a route that refuses everything, or is simply
//! down, does not pass. The valid token is the one given (`token`), or
//! obtained by a `login` request, or minted by golive when it knows the
//! signing secret (`secret`, or `JWT_SECRET` in the env file), in which case
//! golive also mints the expired one. The forged tokens carry the valid
//! token's own claims, so the only thing wrong with each is what the case
//! tests.
//!
//! **Why it matters on launch day.** "Authentication is required for
//! protected routes" and "JWT tokens expire correctly" are ticked on faith:
//! a middleware left off one router, `jwt.decode` used instead of
//! `jwt.verify`, an algorithm list that includes `none`, or the tutorial's
//! secret still in production, each lets anyone in, and none shows in a
//! happy-path test.
//!
//! **Example.** Checklist: `- [ ] JWT tokens expire correctly`.
//!
//! ```toml
//! [[check]]
//! kind = "auth"
//! url = "${app}/api/v1/dashboard"
//! secret = "${JWT_SECRET}"
//! claims = { sub = "golive-probe", role = "user" }
//!
//! [[check]]
//! kind = "auth"
//! url = "${app}/api/v1/dashboard"
//! login = { url = "${app}/api/v1/auth/login", json = { email = "qa@example.com", password = "${QA_PASSWORD}" }, token_path = "data.token" }
//! ```
//!
//! Settings: `url`, `method` (GET), `headers`, `token`, `secret`,
//! `algorithm` (HS256, HS384, HS512), `claims` (for minted tokens),
//! `login` (`url`, `method` POST, `json` or `body`, `headers`,
//! `token_path`), `header` (authorization) and `scheme` (Bearer; empty for
//! the bare token), `refused` ([401, 403]), `insecure`.
//!
//! Evidence: `token_source` (given, login, minted), `cases.<case>` with
//! `status`, `refused` (or `skipped` and why) for `no_token`,
//! `bad_signature`, `expired`, `alg_none`, `guessable_secret` and `valid`;
//! `bad_accepted` (count) and `accepted_cases`, `valid_accepted`,
//! `guessable_secret` (the real secret is a guessable one). Tokens and
//! secrets never appear. Default expectations: `bad_accepted == 0`,
//! `valid_accepted == true`.
//!
//! Answers items like: "Authentication is required for protected routes",
//! "JWT tokens expire correctly", "JWT secret is strong", "Admin routes
//! require authentication", "Unauthorized requests return 401".

pub mod jwt;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use serde::Deserialize;
use tokio::time::Instant;

use crate::net::http::{Client, Request, Response, Url};
use crate::{Context, Kind, Observation, Probe};
use jwt::Alg;

/// Where login answers usually put the token.
const TOKEN_PATHS: &[&str] = &[
    "token",
    "access_token",
    "accessToken",
    "jwt",
    "data.token",
    "data.access_token",
    "data.accessToken",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginSettings {
    pub url: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub json: Option<toml::Value>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub token_path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub url: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub algorithm: Option<String>,
    #[serde(default)]
    pub claims: Option<toml::Table>,
    #[serde(default)]
    pub login: Option<LoginSettings>,
    #[serde(default)]
    pub header: Option<String>,
    #[serde(default)]
    pub scheme: Option<String>,
    #[serde(default)]
    pub refused: Option<Vec<u16>>,
    #[serde(default)]
    pub insecure: bool,
}

struct Login {
    request: Request,
    token_path: Option<String>,
}

pub struct Auth {
    method: http::Method,
    url: Url,
    headers: Vec<(String, String)>,
    token: Option<String>,
    secret: Option<String>,
    alg: Alg,
    claims: serde_json::Map<String, serde_json::Value>,
    login: Option<Login>,
    header: String,
    scheme: String,
    refused: Vec<u16>,
    insecure: bool,
    /// Secret values in the login request (its body and headers).
    login_secrets: Vec<String>,
}

fn method(name: Option<&str>, default: &str) -> Result<http::Method, String> {
    let name = name.unwrap_or(default).to_ascii_uppercase();
    http::Method::from_bytes(name.as_bytes()).map_err(|_| format!("`{name}` is not an HTTP method"))
}

/// Every string inside a TOML value (a login body's password among them).
fn strings(v: &toml::Value, out: &mut Vec<String>) {
    match v {
        toml::Value::String(s) => out.push(s.clone()),
        toml::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        toml::Value::Table(t) => t.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

impl Kind for Auth {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let url = Url::parse(&s.url)?;
        let headers: Vec<(String, String)> = s.headers.into_iter().collect();
        crate::http::check_headers(&headers)?;
        let alg = match s.algorithm.as_deref() {
            None => Alg::Hs256,
            Some(a) => Alg::parse(a).ok_or_else(|| {
                format!("`algorithm` `{a}` is not one golive can sign: HS256, HS384 or HS512")
            })?,
        };
        let claims = match s.claims {
            None => serde_json::Map::new(),
            Some(t) => match serde_json::to_value(t) {
                Ok(serde_json::Value::Object(m)) => m,
                _ => return Err("`claims` cannot be written as JSON".into()),
            },
        };
        let mut login_secrets = Vec::new();
        let login = match s.login {
            None => None,
            Some(l) => {
                let url = Url::parse(&l.url).map_err(|e| format!("`login.url`: {e}"))?;
                let mut headers: Vec<(String, String)> = l.headers.into_iter().collect();
                crate::http::check_headers(&headers)?;
                login_secrets.extend(crate::http::header_secrets(&headers));
                let body = match (l.body, l.json) {
                    (Some(_), Some(_)) => {
                        return Err("`login`: give `body` or `json`, not both".into());
                    }
                    (Some(b), None) => {
                        login_secrets.push(b.clone());
                        Bytes::from(b)
                    }
                    (None, Some(j)) => {
                        // Every string in a login body is treated as secret:
                        // it is there to prove who we are.
                        strings(&j, &mut login_secrets);
                        headers.push(("content-type".into(), "application/json".into()));
                        Bytes::from(
                            serde_json::to_vec(&j)
                                .map_err(|e| format!("`login.json` cannot be sent: {e}"))?,
                        )
                    }
                    (None, None) => Bytes::new(),
                };
                Some(Login {
                    request: Request {
                        method: method(l.method.as_deref(), "POST")?,
                        url,
                        headers,
                        body,
                    },
                    token_path: l.token_path,
                })
            }
        };
        let header = s.header.unwrap_or_else(|| "authorization".into());
        http::HeaderName::from_bytes(header.as_bytes())
            .map_err(|_| format!("`header`: `{header}` is not a header name"))?;
        let refused = s.refused.unwrap_or_else(|| vec![401, 403]);
        if refused.is_empty() {
            return Err("`refused` lists no status".into());
        }
        if s.secret.as_deref().is_some_and(|x| x.is_empty()) {
            return Err("`secret` is empty".into());
        }
        Ok(Self {
            method: method(s.method.as_deref(), "GET")?,
            url,
            headers,
            token: s.token.filter(|t| !t.trim().is_empty()),
            secret: s.secret,
            alg,
            claims,
            login,
            header,
            scheme: s.scheme.unwrap_or_else(|| "Bearer".into()),
            refused,
            insecure: s.insecure,
            login_secrets,
        })
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A value at a dotted path in JSON (`data.token`).
fn at_path<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(v, |cur, key| cur.get(key))
}

/// One attempt and what came of it.
struct Case {
    name: &'static str,
    what: String,
    outcome: Result<u16, String>,
}

impl Auth {
    fn client(&self, cx: &Context) -> Client {
        Client {
            tls: if self.insecure {
                cx.tls_insecure.clone()
            } else {
                cx.tls.clone()
            },
            body_limit: 256 << 10,
        }
    }

    async fn send(
        &self,
        cx: &Context,
        token: Option<&str>,
        deadline: Instant,
    ) -> Result<Response, String> {
        let mut headers = self.headers.clone();
        if let Some(t) = token {
            let value = if self.scheme.is_empty() {
                t.to_string()
            } else {
                format!("{} {t}", self.scheme)
            };
            headers.push((self.header.clone(), value));
        }
        let req = Request {
            method: self.method.clone(),
            url: self.url.clone(),
            headers,
            body: Bytes::new(),
        };
        let left = deadline.saturating_duration_since(Instant::now());
        self.client(cx)
            .send(&req, left.max(Duration::from_millis(1)))
            .await
            .map_err(|e| e.message)
    }

    /// The signing secret: the setting, or JWT_SECRET from the env file.
    fn secret<'a>(&'a self, cx: &'a Context) -> Option<&'a str> {
        self.secret.as_deref().or_else(|| {
            cx.env
                .iter()
                .find(|(k, _)| k == "JWT_SECRET")
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        })
    }

    async fn log_in(
        &self,
        cx: &Context,
        login: &Login,
        deadline: Instant,
    ) -> Result<String, String> {
        let left = deadline.saturating_duration_since(Instant::now());
        let resp = self
            .client(cx)
            .send(&login.request, left.max(Duration::from_millis(1)))
            .await
            .map_err(|e| format!("the login request failed: {}", e.message))?;
        if resp.status >= 400 {
            return Err(format!(
                "the login request to {} was answered {}; check the login settings",
                login.request.url, resp.status
            ));
        }
        let json: serde_json::Value = serde_json::from_slice(&resp.body).map_err(|_| {
            format!(
                "the login answer from {} is not JSON, so no token can be read from it",
                login.request.url
            )
        })?;
        let paths: Vec<&str> = match &login.token_path {
            Some(p) => vec![p.as_str()],
            None => TOKEN_PATHS.to_vec(),
        };
        paths
            .iter()
            .find_map(|p| {
                at_path(&json, p)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
            .ok_or_else(|| {
                format!(
                    "the login answer has no token at {} (set `login.token_path`)",
                    paths.join(", ")
                )
            })
    }
}

#[async_trait]
impl Probe for Auth {
    fn target(&self) -> String {
        format!("auth {} {}", self.method, self.url)
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![
            Expectation::new("bad_accepted", Op::Eq, Literal::Number(0.0)),
            Expectation::new("valid_accepted", Op::Eq, Literal::Bool(true)),
        ]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match (evidence.get("bad_accepted"), evidence.get("valid_accepted")) {
            (Some(Value::Int(0)), Some(Value::Bool(true))) => {
                "bad tokens refused, valid accepted".into()
            }
            (Some(Value::Int(0)), _) => "bad tokens refused, valid token refused too".into(),
            (Some(Value::Int(n)), _) => format!("{n} bad credential(s) accepted"),
            _ => String::new(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        let mut s: Vec<String> = self.token.iter().chain(&self.secret).cloned().collect();
        s.extend(crate::http::header_secrets(&self.headers));
        s.extend(self.login_secrets.iter().cloned());
        s
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let deadline = Instant::now() + cx.timeout;
        let mut evidence = Evidence::new();
        evidence.insert("url".into(), self.url.to_string().into());
        let secret = self.secret(cx).map(str::to_string);
        let t = now();
        let fresh = |mut claims: serde_json::Map<String, serde_json::Value>, iat: u64, exp: u64| {
            claims.insert("iat".into(), iat.into());
            claims.insert("exp".into(), exp.into());
            serde_json::Value::Object(claims)
        };

        // The valid token, and where it came from.
        let (valid, source) = if let Some(tok) = &self.token {
            (tok.clone(), "given")
        } else if let Some(login) = &self.login {
            match self.log_in(cx, login, deadline).await {
                Ok(tok) => (tok, "login"),
                Err(why) => return Observation::failed(evidence, why),
            }
        } else if let Some(key) = &secret {
            let claims = fresh(self.claims.clone(), t, t + 900);
            (jwt::encode(self.alg, &claims, key.as_bytes()), "minted")
        } else {
            return Observation::failed(
                evidence,
                "no valid credential to compare with: give `token`, `secret` (or JWT_SECRET in \
                 the env file) or a `login` step, so that a route refusing everything does not pass",
            );
        };
        evidence.insert("token_source".into(), source.into());
        let alg = jwt::algorithm(&valid).unwrap_or(self.alg);
        // Forged tokens carry the valid token's claims (fresh times), so the
        // signature or algorithm is the only thing wrong with them.
        let base_claims = {
            let mut c = jwt::claims(&valid).unwrap_or_else(|| self.claims.clone());
            if c.is_empty() {
                c.insert("sub".into(), "golive-probe".into());
            }
            c
        };
        let live = fresh(base_claims.clone(), t, t + 900);
        let mut random_key = [0u8; 32];
        let _ = getrandom::fill(&mut random_key);

        let guessable = secret
            .as_deref()
            .is_some_and(|s| jwt::GUESSABLE_SECRETS.contains(&s))
            || jwt::GUESSABLE_SECRETS
                .iter()
                .any(|g| jwt::verifies(&valid, g.as_bytes()));
        evidence.insert("guessable_secret".into(), guessable.into());

        let mut cases: Vec<Case> = Vec::new();
        let mut skipped: Vec<(&str, String)> = Vec::new();
        let outcome = |r: Result<Response, String>| r.map(|resp| resp.status);
        cases.push(Case {
            name: "no_token",
            what: format!("no {} header", self.header),
            outcome: outcome(self.send(cx, None, deadline).await),
        });
        let forged = jwt::encode(alg, &live, &random_key);
        cases.push(Case {
            name: "bad_signature",
            what: "a token with the valid claims, signed with a random key".into(),
            outcome: outcome(self.send(cx, Some(&forged), deadline).await),
        });
        match &secret {
            Some(key) => {
                let expired = fresh(base_claims.clone(), t - 3 * 3600, t - 2 * 3600);
                let token = jwt::encode(alg, &expired, key.as_bytes());
                cases.push(Case {
                    name: "expired",
                    what: "a correctly signed token that expired two hours ago".into(),
                    outcome: outcome(self.send(cx, Some(&token), deadline).await),
                });
            }
            None => skipped.push((
                "expired",
                "needs the signing secret (`secret`, or JWT_SECRET in the env file) to mint an expired token"
                    .into(),
            )),
        }
        let none = jwt::unsigned(&live);
        cases.push(Case {
            name: "alg_none",
            what: "a token with `alg: none` and no signature".into(),
            outcome: outcome(self.send(cx, Some(&none), deadline).await),
        });
        // One request per guessable secret, stopping at the first accepted.
        let mut guess = Case {
            name: "guessable_secret",
            what: format!(
                "tokens signed with {} common secrets",
                jwt::GUESSABLE_SECRETS.len()
            ),
            outcome: Err("not sent".into()),
        };
        for g in jwt::GUESSABLE_SECRETS {
            let token = jwt::encode(alg, &live, g.as_bytes());
            guess.outcome = outcome(self.send(cx, Some(&token), deadline).await);
            if matches!(guess.outcome, Ok(s) if !self.refused.contains(&s))
                || guess.outcome.is_err()
            {
                if guess.outcome.is_ok() {
                    guess.what = format!("a token signed with the common secret `{g}`");
                }
                break;
            }
        }
        cases.push(guess);
        let valid_case = Case {
            name: "valid",
            what: format!("the {source} valid token"),
            outcome: outcome(self.send(cx, Some(&valid), deadline).await),
        };

        let mut map = Evidence::new();
        let mut accepted = Vec::new();
        let mut errors = Vec::new();
        for c in &cases {
            let mut e = Evidence::new();
            e.insert("sent".into(), c.what.clone().into());
            match &c.outcome {
                Ok(status) => {
                    let refused = self.refused.contains(status);
                    e.insert("status".into(), (*status).into());
                    e.insert("refused".into(), refused.into());
                    if !refused {
                        accepted.push(Value::from(c.name));
                    }
                }
                Err(why) => {
                    e.insert("error".into(), why.clone().into());
                    errors.push(format!("{}: {why}", c.name));
                }
            }
            map.insert(c.name.into(), Value::Map(e));
        }
        for (name, why) in skipped {
            let mut e = Evidence::new();
            e.insert("skipped".into(), why.into());
            map.insert(name.into(), Value::Map(e));
        }
        let mut e = Evidence::new();
        e.insert("sent".into(), valid_case.what.clone().into());
        let valid_accepted = match &valid_case.outcome {
            Ok(status) => {
                e.insert("status".into(), (*status).into());
                let ok = !self.refused.contains(status) && *status < 400;
                e.insert("accepted".into(), ok.into());
                Some(ok)
            }
            Err(why) => {
                e.insert("error".into(), why.clone().into());
                errors.push(format!("valid: {why}"));
                None
            }
        };
        map.insert("valid".into(), Value::Map(e));
        evidence.insert("cases".into(), Value::Map(map));
        evidence.insert("bad_accepted".into(), accepted.len().into());
        evidence.insert("accepted_cases".into(), Value::List(accepted));
        evidence.insert("valid_accepted".into(), valid_accepted.into());
        if !errors.is_empty() {
            return Observation::failed(
                evidence,
                format!(
                    "{} did not answer every request: {}",
                    self.url,
                    errors.join("; ")
                ),
            );
        }
        Observation::ok(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_paths() {
        let v = serde_json::json!({"data": {"token": "t1"}, "access_token": "t2"});
        assert_eq!(
            at_path(&v, "data.token").and_then(|x| x.as_str()),
            Some("t1")
        );
        assert_eq!(
            at_path(&v, "access_token").and_then(|x| x.as_str()),
            Some("t2")
        );
        assert_eq!(at_path(&v, "nope.x"), None);
    }

    #[test]
    fn settings_are_checked() {
        let build = |t: &str| crate::build_from(golive_core::ProbeKind::Auth, t).err();
        assert_eq!(build("url = 'http://x/'\nsecret = 's'"), None);
        assert!(
            build("url = 'http://x/'\nalgorithm = 'RS256'")
                .unwrap()
                .contains("HS256")
        );
        assert!(
            build("url = 'http://x/'\nlogin = { url = 'x' }")
                .unwrap()
                .contains("login.url")
        );
        let table: toml::Table = toml::from_str(
            "url = 'http://x/'\nlogin = { url = 'http://x/login', json = { password = 'hunter2-long' } }",
        )
        .unwrap();
        let p = crate::build(golive_core::ProbeKind::Auth, &table).unwrap();
        assert!(p.secrets().iter().any(|s| s == "hunter2-long"));
    }
}
