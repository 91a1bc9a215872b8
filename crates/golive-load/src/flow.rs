//! The setup flow: requests sent once before a load (a login), whose
//! answers supply values (a token) that the load's request uses through
//! `{{name}}` placeholders, as hurl captures them.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::client::{Connector, Template};
use crate::plan::{Protocol, RequestSpec};

/// A value taken from a setup answer: `json.access_token`,
/// `json.data.items[0].id`, or `header.x-session`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub name: String,
    pub path: String,
}

impl Capture {
    pub fn new(name: &str, path: &str) -> Result<Self, String> {
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(format!(
                "`{name}` is not a capture name: use letters, digits and _"
            ));
        }
        let path = path.trim();
        if !(path.starts_with("json.") || path == "json" || path.starts_with("header.")) {
            return Err(format!(
                "capture `{name}`: `{path}` is not a place in an answer: write json.FIELD or header.NAME"
            ));
        }
        Ok(Self {
            name: name.to_string(),
            path: path.to_string(),
        })
    }
}

/// One setup request and what to take from its answer.
#[derive(Debug, Clone)]
pub struct Step {
    pub request: RequestSpec,
    pub captures: Vec<Capture>,
}

/// Sends the steps in order; returns the captured values by name.
pub(crate) async fn run_setup(
    steps: &[Step],
    protocol: Protocol,
    tls: &Arc<rustls::ClientConfig>,
    timeout: Duration,
) -> Result<Vec<(String, String)>, String> {
    let mut vars: Vec<(String, String)> = Vec::new();
    for step in steps {
        let req = fill_request(&step.request, &vars)?;
        let what = format!("the setup request {} {}", req.method, req.target);
        let template = Template::new(req.method.clone(), &req.target, &req.headers, req.body)?;
        let exchange = async {
            let connector = Connector::new(&req.target, protocol, tls, timeout)
                .await
                .map_err(|f| f.message)?;
            let mut conn = connector.connect().await.map_err(|f| f.message)?;
            let h2 = conn.is_http2();
            conn.exchange(template.build(h2), true)
                .await
                .map_err(|f| f.message)
        };
        let (answer, kept) = tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| format!("{what} got no answer within {timeout:?}"))?
            .map_err(|e| format!("{what} failed: {e}"))?;
        if answer.status >= 400 {
            return Err(format!("{what} answered {}", answer.status));
        }
        let Some(kept) = kept else {
            return Err(format!("{what}: the answer was not kept"));
        };
        for capture in &step.captures {
            let value = extract(&capture.path, &kept.headers, &kept.body).ok_or_else(|| {
                format!(
                    "{what} answered {} without `{}` to capture as `{}`",
                    answer.status, capture.path, capture.name
                )
            })?;
            vars.retain(|(n, _)| n != &capture.name);
            vars.push((capture.name.clone(), value));
        }
    }
    Ok(vars)
}

fn extract(path: &str, headers: &http::HeaderMap, body: &Bytes) -> Option<String> {
    if let Some(name) = path.strip_prefix("header.") {
        return headers
            .get(name.trim())
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
    }
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let mut cur = &json;
    let rest = path.strip_prefix("json").unwrap_or(path);
    for segment in rest.split('.').filter(|s| !s.is_empty()) {
        let (key, indexes) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if !key.is_empty() {
            cur = cur.get(key)?;
        }
        for index in indexes.split('[').filter(|s| !s.is_empty()) {
            let i: usize = index.strip_suffix(']')?.parse().ok()?;
            cur = cur.get(i)?;
        }
    }
    match cur {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Replaces `{{name}}` with captured values; an unknown name is an error,
/// so a typo never sends a literal placeholder a thousand times.
pub(crate) fn fill(text: &str, vars: &[(String, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("unclosed `{{{{` in `{text}`"))?;
        let name = after[..end].trim();
        let value = vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| {
                format!("`{{{{{name}}}}}` is not captured by any setup request (capture it with `capture`)")
            })?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The request with its placeholders filled.
pub(crate) fn fill_request(
    req: &RequestSpec,
    vars: &[(String, String)],
) -> Result<RequestSpec, String> {
    let mut headers = Vec::with_capacity(req.headers.len());
    for (n, v) in &req.headers {
        headers.push((n.clone(), fill(v, vars)?));
    }
    let body = match std::str::from_utf8(&req.body) {
        Ok(text) if text.contains("{{") => Bytes::from(fill(text, vars)?),
        _ => req.body.clone(),
    };
    let mut target = req.target.clone();
    target.path = fill(&target.path, vars)?;
    Ok(RequestSpec {
        method: req.method.clone(),
        target,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_json_and_headers() {
        let body = Bytes::from(r#"{"data":{"token":"abc","ids":[7,8]},"n":3}"#);
        let mut h = http::HeaderMap::new();
        h.insert("x-session", "s1".parse().unwrap());
        assert_eq!(
            extract("json.data.token", &h, &body).as_deref(),
            Some("abc")
        );
        assert_eq!(extract("json.data.ids[1]", &h, &body).as_deref(), Some("8"));
        assert_eq!(extract("json.n", &h, &body).as_deref(), Some("3"));
        assert_eq!(extract("json.nope", &h, &body), None);
        assert_eq!(
            extract("header.x-session", &h, &body).as_deref(),
            Some("s1")
        );
    }

    #[test]
    fn fills_placeholders_and_refuses_unknown_ones() {
        let vars = vec![("token".to_string(), "t0k".to_string())];
        assert_eq!(fill("Bearer {{token}}", &vars).unwrap(), "Bearer t0k");
        assert_eq!(fill("{{ token }}!", &vars).unwrap(), "t0k!");
        assert!(fill("{{tokn}}", &vars).unwrap_err().contains("tokn"));
        assert!(fill("{{token", &vars).is_err());
        assert!(Capture::new("t", "body").is_err());
        assert!(Capture::new("a b", "json.x").is_err());
    }
}
