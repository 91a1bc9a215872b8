//! Network plumbing shared by probes: TLS trust, an HTTP client with timings,
//! the hand-built ClientHello that asks for protocol versions rustls does
//! not speak, datastore URLs, and bounded connections for the protocols
//! probes speak.

pub mod conn;
pub mod dsn;
pub mod hello;
pub mod http;
pub mod tls;

use self::http::Url;

/// A host as a setting gives it: a name or an address (an IPv6 one with or
/// without brackets), or an http(s) URL whose host is taken, keeping the
/// URL for its scheme and port.
pub fn parse_host(setting: &str) -> Result<(String, Option<Url>), String> {
    let (host, url) = if setting.contains("://") {
        let url = Url::parse(setting)?;
        (url.host.clone(), Some(url))
    } else {
        let host = setting
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        (host, None)
    };
    if host.is_empty() {
        return Err("`host` is empty".into());
    }
    Ok((host, url))
}

/// `host:port`, with an IPv6 address in brackets.
pub fn address(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}
