//! Connection URLs of datastores (`postgres://app:PASSWORD@db:5432/app?sslmode=require`,
//! `rediss://:PASSWORD@cache:6380/0`, `amqp://guest:guest@mq/%2f`): read
//! once, so that every probe shows the same redacted form and knows which
//! parts are secret. Drivers still get the original text; this is for what
//! golive says about it.

use golive_core::redact::REDACTED;

/// A datastore URL in parts. User, password and query values are
/// percent-decoded; `path` is kept as written.
#[derive(Clone, PartialEq, Eq)]
pub struct Dsn {
    pub scheme: String,
    pub username: String,
    pub password: Option<String>,
    /// Without brackets for IPv6.
    pub host: String,
    pub port: Option<u16>,
    /// After the authority, without the leading `/`.
    pub path: String,
    pub query: Vec<(String, String)>,
}

/// Query parameters that carry credentials in some drivers' URLs.
const SECRET_PARAMS: &[&str] = &["password", "pass", "sslpassword", "authsource_password"];

impl std::fmt::Debug for Dsn {
    // Never print the password, not even in debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Dsn {
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if let Some(path) = url.strip_prefix("sqlite:")
            && !path.starts_with("//")
        {
            // `sqlite:data.db`: a file, no authority.
            return Self::parse(&format!("sqlite:///{path}"));
        }
        let (scheme, rest) = url
            .split_once("://")
            .ok_or("not a URL: it needs a scheme such as `postgres://`")?;
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        {
            return Err(format!("`{scheme}` is not a URL scheme"));
        }
        let (before_query, query) = match rest.split_once('?') {
            Some((b, q)) => (b, q),
            None => (rest, ""),
        };
        let (authority, path) = match before_query.split_once('/') {
            Some((a, p)) => (a, p),
            None => (before_query, ""),
        };
        // The last `@` ends the user info: passwords may contain `@` unescaped.
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (username, password) = match userinfo {
            None => (String::new(), None),
            Some(u) => match u.split_once(':') {
                Some((user, pw)) => (decode(user), Some(decode(pw))),
                None => (decode(u), None),
            },
        };
        let (host, port) = split_host_port(hostport)?;
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (decode(k), decode(v)),
                None => (decode(p), String::new()),
            })
            .collect();
        Ok(Self {
            scheme: scheme.to_ascii_lowercase(),
            username,
            password,
            host,
            port,
            path: path.to_string(),
            query,
        })
    }

    /// Not a seed list such as MongoDB's `a:27017,b:27017`.
    fn is_ipv6(&self) -> bool {
        self.host.parse::<std::net::Ipv6Addr>().is_ok()
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `host:port` as people write it (brackets around IPv6).
    pub fn address(&self, default_port: u16) -> String {
        let port = self.port.unwrap_or(default_port);
        if self.is_ipv6() {
            format!("[{}]:{port}", self.host)
        } else {
            format!("{}:{port}", self.host)
        }
    }

    /// The URL without its secrets: the password and secret query values
    /// replaced, everything else as given.
    pub fn redacted(&self) -> String {
        let mut out = format!("{}://", self.scheme);
        if !self.username.is_empty() || self.password.is_some() {
            out.push_str(&self.username);
            if self.password.is_some() {
                out.push(':');
                out.push_str(REDACTED);
            }
            out.push('@');
        }
        if self.is_ipv6() {
            out.push_str(&format!("[{}]", self.host));
        } else {
            out.push_str(&self.host);
        }
        if let Some(p) = self.port {
            out.push_str(&format!(":{p}"));
        }
        if !self.path.is_empty() {
            out.push('/');
            out.push_str(&self.path);
        }
        let mut sep = '?';
        for (k, v) in &self.query {
            out.push(sep);
            sep = '&';
            out.push_str(k);
            if !v.is_empty() {
                out.push('=');
                out.push_str(if is_secret_param(k) { REDACTED } else { v });
            }
        }
        out
    }

    /// Every secret in the URL, as written and decoded, for the runner's
    /// redaction.
    pub fn secrets(&self, raw: &str) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(pw) = &self.password {
            out.push(pw.clone());
        }
        if let Some(raw_pw) = golive_core::redact::url_password(raw) {
            out.push(raw_pw.to_string());
        }
        for (k, v) in &self.query {
            if is_secret_param(k) && !v.is_empty() {
                out.push(v.clone());
            }
        }
        out.retain(|s| !s.is_empty());
        out
    }
}

fn is_secret_param(name: &str) -> bool {
    SECRET_PARAMS.iter().any(|p| name.eq_ignore_ascii_case(p))
        || golive_core::redact::is_secret_name(name)
}

fn split_host_port(s: &str) -> Result<(String, Option<u16>), String> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or("an IPv6 address needs its closing `]`")?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(parse_port(p)?),
            None if after.is_empty() => None,
            None => return Err(format!("unexpected `{after}` after the address")),
        };
        return Ok((host.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => Ok((decode(host), Some(parse_port(port)?))),
        _ => Ok((decode(s), None)),
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    p.parse()
        .map_err(|_| format!("`{p}` is not a port number (1-65535)"))
}

/// Percent-decoding; text that is not valid escapes stays as written.
pub fn decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_redacts() {
        let raw =
            "postgres://app:p%40ss:w0rd@db.internal:5433/app?sslmode=require&password=qq-secret";
        let d = Dsn::parse(raw).unwrap();
        assert_eq!(d.scheme, "postgres");
        assert_eq!(d.username, "app");
        assert_eq!(d.password.as_deref(), Some("p@ss:w0rd"));
        assert_eq!(d.host, "db.internal");
        assert_eq!(d.port, Some(5433));
        assert_eq!(d.path, "app");
        assert_eq!(d.param("SSLMODE"), Some("require"));
        let shown = d.redacted();
        assert_eq!(
            shown,
            "postgres://app:[redacted]@db.internal:5433/app?sslmode=require&password=[redacted]"
        );
        let secrets = d.secrets(raw);
        for s in ["p@ss:w0rd", "p%40ss:w0rd", "qq-secret"] {
            assert!(secrets.iter().any(|x| x == s), "{s} in {secrets:?}");
        }
        assert!(!format!("{d:?}").contains("w0rd"));
    }

    #[test]
    fn odd_but_valid_urls() {
        let d = Dsn::parse("rediss://:pa@ss@[::1]:6380/2").unwrap();
        assert_eq!(d.password.as_deref(), Some("pa@ss"));
        assert_eq!(d.host, "::1");
        assert_eq!(d.address(6379), "[::1]:6380");
        assert_eq!(d.redacted(), "rediss://:[redacted]@[::1]:6380/2");
        let d = Dsn::parse("redis://cache").unwrap();
        assert_eq!((d.port, d.path.as_str(), d.password), (None, "", None));
        assert!(Dsn::parse("cache:6379").is_err());
        let d = Dsn::parse("mongodb://u:pw@a:27017,b:27017/app?replicaSet=rs0").unwrap();
        assert_eq!(d.host, "a:27017,b:27017");
        assert_eq!(
            d.redacted(),
            "mongodb://u:[redacted]@a:27017,b:27017/app?replicaSet=rs0"
        );
        assert!(
            Dsn::parse("redis://cache:99999")
                .unwrap_err()
                .contains("port")
        );
    }
}
