//! `https_redirect`: plain HTTP answers with a redirect to the same URL over
//! HTTPS.
//!
//! **What it verifies.** That a request to `http://host/path` is answered
//! with 301, 302, 307 or 308 and a `Location` that is the https:// form of
//! the same URL: same host, same path and query, the HTTPS port.
//!
//! **Why it matters on launch day.** People type the bare domain, old links
//! say http://, and a login form served over plain HTTP leaks passwords. A
//! redirect to another host (a parking page, the staging domain) or to the
//! home page instead of the same path is a bug the eye misses in a browser.
//!
//! **Example.** Checklist: `- [ ] HTTPS redirect is working`.
//!
//! ```toml
//! [[check]]
//! kind = "https_redirect"
//! url = "${app}/login?next=/dashboard"   # http:// or https://: the http:// form is requested
//! ```
//!
//! Settings: `url`; `http_port` (where plain HTTP is asked when `url` is
//! https://; 80); `https_port` (the port the redirect must name; the
//! https:// URL's port, else 443).
//!
//! Evidence: `url` (requested), `status`, `location` (as sent),
//! `redirect_to` (made absolute), `expected` (the https:// form),
//! `to_https` (scheme, host, port and path all as expected), `permanent`
//! (301 or 308), `time`.
//! Default expectations: `status matches "^30[1278]$"` and
//! `redirect_to == <the https:// form>`.
//!
//! Phrasings it answers: "HTTPS redirect is working", "HTTP redirects to
//! HTTPS", "Force HTTPS", "All traffic over HTTPS", "HTTP → HTTPS
//! redirect (301)".

use async_trait::async_trait;
use bytes::Bytes;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use serde::Deserialize;

use crate::net::http::{Client, Request, Scheme, Url};
use crate::{Context, Kind, Observation, Probe};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The page, as http:// or https://.
    pub url: String,
    /// Where plain HTTP listens, when `url` is https:// (80).
    #[serde(default)]
    pub http_port: Option<u16>,
    /// The port the redirect must name (443, or the https:// URL's).
    #[serde(default)]
    pub https_port: Option<u16>,
}

pub struct HttpsRedirect {
    /// The plain-HTTP URL requested.
    http: Url,
    /// The https:// form the answer must point to.
    https: Url,
}

impl Kind for HttpsRedirect {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let url = Url::parse(&s.url)?;
        let (http_port, https_port) = match url.scheme {
            Scheme::Http => (s.http_port.unwrap_or(url.port), s.https_port.unwrap_or(443)),
            Scheme::Https => (s.http_port.unwrap_or(80), s.https_port.unwrap_or(url.port)),
        };
        let host = url.host.to_ascii_lowercase();
        Ok(Self {
            http: Url {
                scheme: Scheme::Http,
                host: host.clone(),
                port: http_port,
                path: url.path.clone(),
            },
            https: Url {
                scheme: Scheme::Https,
                host,
                port: https_port,
                path: url.path,
            },
        })
    }
}

#[async_trait]
impl Probe for HttpsRedirect {
    fn target(&self) -> String {
        format!("GET {} → {}", self.http, self.https)
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![
            Expectation::new("status", Op::Matches, Literal::Str("^30[1278]$".into())),
            Expectation::new("redirect_to", Op::Eq, Literal::Str(self.https.to_string())),
        ]
    }

    fn summary(&self, evidence: &Evidence) -> String {
        match (evidence.get("status"), evidence.get("redirect_to")) {
            (Some(status), Some(Value::Str(to))) => format!("{status} → {to}"),
            (Some(status), _) => format!("{status}, no redirect"),
            _ => String::new(),
        }
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let client = Client {
            tls: cx.tls.clone(),
            body_limit: 4096,
        };
        let request = Request {
            method: http::Method::GET,
            url: self.http.clone(),
            headers: Vec::new(),
            body: Bytes::new(),
        };
        let mut evidence = Evidence::new();
        evidence.insert("url".into(), self.http.to_string().into());
        evidence.insert("expected".into(), self.https.to_string().into());
        let response = match client.send(&request, cx.timeout).await {
            Ok(r) => r,
            Err(e) => {
                return Observation::failed(
                    evidence,
                    format!("plain HTTP at {} did not answer: {}", self.http, e.message),
                );
            }
        };
        evidence.insert("status".into(), response.status.into());
        evidence.insert("time".into(), response.timings.total.into());
        let location = response.header("location").map(str::to_string);
        let target = location.as_deref().map(|l| self.http.join(l));
        if let Some(l) = &location {
            evidence.insert("location".into(), l.clone().into());
        }
        let to_https = match &target {
            Some(Ok(to)) => {
                let mut to = to.clone();
                to.host = to.host.to_ascii_lowercase();
                evidence.insert("redirect_to".into(), to.to_string().into());
                to == self.https
            }
            Some(Err(e)) => {
                evidence.insert("redirect_to".into(), Value::Null);
                evidence.insert("location_error".into(), e.clone().into());
                false
            }
            None => false,
        };
        evidence.insert(
            "to_https".into(),
            (to_https && matches!(response.status, 301 | 302 | 307 | 308)).into(),
        );
        evidence.insert(
            "permanent".into(),
            matches!(response.status, 301 | 308).into(),
        );
        Observation::ok(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(t: &str) -> Result<HttpsRedirect, String> {
        HttpsRedirect::build(toml::from_str(t).map_err(|e| e.to_string())?)
    }

    #[test]
    fn the_https_form_is_derived_from_either_scheme() {
        let p = build("url = 'http://Example.com/a?b=1'").unwrap();
        assert_eq!(p.http.to_string(), "http://example.com/a?b=1");
        assert_eq!(p.https.to_string(), "https://example.com/a?b=1");
        let p = build("url = 'https://example.com:8443/x'").unwrap();
        assert_eq!(p.http.to_string(), "http://example.com/x");
        assert_eq!(p.https.to_string(), "https://example.com:8443/x");
        let p = build("url = 'https://example.com/'\nhttp_port = 8080\nhttps_port = 8443").unwrap();
        assert_eq!(
            p.target(),
            "GET http://example.com:8080/ → https://example.com:8443/"
        );
        assert!(build("url = 'ftp://x/'").is_err());
    }
}
