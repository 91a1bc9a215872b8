//! What a load sends, how, and for how long; and the sentence that says so
//! before anything is sent.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use golive_core::format_duration;

use crate::flow::Step;
use crate::target::Target;

/// The most users (connections) and arrivals per second a plan may ask for:
/// beyond these a typo, not an intention, is the likelier cause.
pub const MAX_USERS: u32 = 20_000;
pub const MAX_RATE: f64 = 2_000_000.0;

/// One request, as sent again and again. Header values and the body may
/// hold `{{name}}` placeholders filled from the setup flow's captures.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub method: http::Method,
    pub target: Target,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl RequestSpec {
    /// A request from its parts as people write them: a method name, a URL,
    /// headers, and a body given as text or as JSON (which sets the
    /// content type when the headers do not).
    pub fn build(
        method: Option<&str>,
        url: &str,
        headers: Vec<(String, String)>,
        body: Option<String>,
        json: Option<serde_json::Value>,
    ) -> Result<Self, String> {
        let target = Target::parse(url)?;
        let name = method.unwrap_or("GET").trim().to_ascii_uppercase();
        let method = http::Method::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not an HTTP method"))?;
        let mut headers = headers;
        for (n, v) in &headers {
            http::HeaderName::from_bytes(n.trim().as_bytes())
                .map_err(|_| format!("`{n}` is not a header name"))?;
            // Placeholders are checked once filled.
            if !v.contains("{{") {
                http::HeaderValue::from_str(v.trim())
                    .map_err(|_| format!("the value of header `{n}` is not valid"))?;
            }
        }
        let body = match (body, json) {
            (Some(_), Some(_)) => return Err("give a body or JSON, not both".into()),
            (Some(b), None) => Bytes::from(b),
            (None, Some(j)) => {
                if !headers
                    .iter()
                    .any(|(n, _)| n.trim().eq_ignore_ascii_case("content-type"))
                {
                    headers.push(("content-type".into(), "application/json".into()));
                }
                Bytes::from(j.to_string())
            }
            (None, None) => Bytes::new(),
        };
        Ok(Self {
            method,
            target,
            headers,
            body,
        })
    }

    pub fn get(target: Target) -> Self {
        Self {
            method: http::Method::GET,
            target,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }
}

/// How load is offered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Model {
    /// N users, each sending its next request when the last is answered
    /// (after `think`). The server's speed sets the rate.
    Closed { users: u32, think: Duration },
    /// Requests arrive at `rate` per second whatever the server does, sent
    /// over at most `users` connections. Latency runs from when a request
    /// was due.
    Open { rate: f64, users: u32 },
}

impl Model {
    pub fn name(self) -> &'static str {
        match self {
            Self::Closed { .. } => "closed",
            Self::Open { .. } => "open",
        }
    }

    pub fn users(self) -> u32 {
        match self {
            Self::Closed { users, .. } | Self::Open { users, .. } => users,
        }
    }

    /// Connections an open model needs when none is given: enough for the
    /// rate at 50 ms a response (Little's law), within sane bounds.
    pub fn default_open_users(rate: f64) -> u32 {
        ((rate / 20.0).ceil() as u32).clamp(2, 256)
    }
}

/// When a load stops: after `duration`, after `requests`, whichever comes
/// first. At least one is required.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bound {
    pub duration: Option<Duration>,
    pub requests: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// HTTP/1.1.
    #[default]
    Http1,
    /// HTTP/2: negotiated with ALPN over TLS, prior knowledge (h2c) over
    /// plain TCP.
    Http2,
    /// HTTP/2 when TLS negotiates it, HTTP/1.1 otherwise.
    Auto,
}

impl Protocol {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "1" | "1.1" | "http/1.1" | "http1" => Ok(Self::Http1),
            "2" | "h2" | "http/2" | "http2" => Ok(Self::Http2),
            "auto" => Ok(Self::Auto),
            other => Err(format!(
                "`{other}` is not an HTTP version: use 1.1, 2 or auto"
            )),
        }
    }
}

/// A load to send.
#[derive(Clone)]
pub struct Plan {
    pub request: RequestSpec,
    /// Requests sent once before the load (a login), whose captures fill
    /// the request's `{{placeholders}}`.
    pub setup: Vec<Step>,
    pub model: Model,
    /// A stress ramp: the load grows linearly from the model's level to
    /// this many times it over the duration, then stops.
    pub stress: Option<f64>,
    pub bound: Bound,
    pub protocol: Protocol,
    /// Reuse connections; without it every request opens its own.
    pub keep_alive: bool,
    /// The bound on one request, connecting included.
    pub timeout: Duration,
    /// Worker threads; 0 picks the number of cores.
    pub threads: usize,
    pub tls: Arc<rustls::ClientConfig>,
}

/// A plan that cannot run as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError(pub String);

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlanError {}

impl Plan {
    /// A closed-model plan of `users` users for `duration`, HTTP/1.1 with
    /// keep-alive; the rest as the caller sets it.
    pub fn new(
        request: RequestSpec,
        model: Model,
        bound: Bound,
        tls: Arc<rustls::ClientConfig>,
    ) -> Self {
        Self {
            request,
            setup: Vec::new(),
            model,
            stress: None,
            bound,
            protocol: Protocol::Http1,
            keep_alive: true,
            timeout: Duration::from_secs(10),
            threads: 0,
            tls,
        }
    }

    /// Checks that the plan is bounded and sane.
    pub fn validate(&self) -> Result<(), PlanError> {
        let fail = |m: String| Err(PlanError(m));
        if self.bound.duration.is_none() && self.bound.requests.is_none() {
            return fail(
                "a load needs a bound: give a duration (e.g. 30s) or a number of requests".into(),
            );
        }
        if self.bound.duration == Some(Duration::ZERO) {
            return fail("the duration must be more than zero".into());
        }
        if self.bound.requests == Some(0) {
            return fail("the number of requests must be more than zero".into());
        }
        match self.model {
            Model::Closed { users, .. } | Model::Open { users, .. }
                if users == 0 || users > MAX_USERS =>
            {
                return fail(format!(
                    "users must be between 1 and {MAX_USERS}, not {users}"
                ));
            }
            Model::Open { rate, .. } if !(rate > 0.0 && rate <= MAX_RATE) => {
                return fail(format!(
                    "the rate must be more than 0 and at most {MAX_RATE} requests/s, not {rate}"
                ));
            }
            _ => {}
        }
        if let Some(factor) = self.stress {
            if !(1.0..=100.0).contains(&factor) {
                return fail(format!(
                    "a stress factor is between 1 and 100 (5 for \"5x normal load\"), not {factor}"
                ));
            }
            if self.bound.duration.is_none() {
                return fail("a stress ramp needs a duration to ramp over".into());
            }
            if let Model::Closed { users, .. } = self.model {
                let peak = f64::from(users) * factor;
                if peak > f64::from(MAX_USERS) {
                    return fail(format!(
                        "{users} users ramped {factor}x is {peak:.0} users, more than {MAX_USERS}"
                    ));
                }
            }
        }
        if self.timeout.is_zero() {
            return fail("the request timeout must be more than zero".into());
        }
        Ok(())
    }

    /// Users at the start of the load and at its peak.
    pub fn users_range(&self) -> (u32, u32) {
        match self.model {
            Model::Closed { users, .. } => {
                let peak = self
                    .stress
                    .map_or(users, |f| (f64::from(users) * f).round() as u32);
                (users, peak.max(users))
            }
            Model::Open { users, .. } => (users, users),
        }
    }

    /// What will be sent, in a sentence, said before anything is sent.
    pub fn describe(&self) -> String {
        let req = &self.request;
        let mut s = format!("{} {}: ", req.method, req.target);
        match self.model {
            Model::Closed { users, think } => {
                match self.stress {
                    Some(f) => s.push_str(&format!(
                        "closed model, ramping from {users} to {} users ({}x) ",
                        self.users_range().1,
                        trim(f)
                    )),
                    None => s.push_str(&format!(
                        "closed model, {users} user{} each sending its next request when the last is answered",
                        plural(u64::from(users))
                    )),
                }
                if !think.is_zero() {
                    s.push_str(&format!(" (think time {})", format_duration(think)));
                }
            }
            Model::Open { rate, users } => {
                match self.stress {
                    Some(f) => s.push_str(&format!(
                        "open model, arrivals ramping from {}/s to {}/s ({}x)",
                        trim(rate),
                        trim(rate * f),
                        trim(f)
                    )),
                    None => s.push_str(&format!("open model, {} requests/s", trim(rate))),
                }
                s.push_str(&format!(
                    " over up to {users} connection{}",
                    plural(u64::from(users))
                ));
            }
        }
        let mut bounds = Vec::new();
        if let Some(d) = self.bound.duration {
            bounds.push(format!("for {}", format_duration(d)));
        }
        if let Some(n) = self.bound.requests {
            bounds.push(format!("at most {n} request{}", plural(n)));
        }
        s.push_str(", ");
        s.push_str(&bounds.join(", "));
        if let Some(expected) = self.expected_requests() {
            s.push_str(&format!(" (about {expected} requests)"));
        }
        s.push_str(&format!(
            "; {}, {}, {} timeout per request",
            match self.protocol {
                Protocol::Http1 => "HTTP/1.1",
                Protocol::Http2 => "HTTP/2",
                Protocol::Auto => "HTTP/2 if offered, else HTTP/1.1",
            },
            if self.keep_alive {
                "keep-alive"
            } else {
                "a new connection per request"
            },
            format_duration(self.timeout)
        ));
        if !self.setup.is_empty() {
            s.push_str(&format!(
                "; after {} setup request{} ({})",
                self.setup.len(),
                plural(self.setup.len() as u64),
                self.setup
                    .iter()
                    .map(|st| format!("{} {}", st.request.method, st.request.target.path))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        s
    }

    /// How many requests an open model will send, when that is known in
    /// advance.
    pub fn expected_requests(&self) -> Option<u64> {
        let Model::Open { rate, .. } = self.model else {
            return None;
        };
        let d = self.bound.duration?.as_secs_f64();
        let mean_rate = rate * (1.0 + self.stress.unwrap_or(1.0)) / 2.0;
        let n = (mean_rate * d).round() as u64;
        Some(self.bound.requests.map_or(n, |cap| n.min(cap)))
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn trim(x: f64) -> String {
    golive_core::Value::Float(x).to_string()
}
