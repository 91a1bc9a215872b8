//! What an item's words and the blocks under it contain that a probe could
//! use: URLs, `curl` calls, paths, ports, file names, variable names.

use std::sync::LazyLock;

use golive_checklist::{BlockKind, Checklist, Item};
use regex::Regex;

static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"https?://[^\s"'`<>)\]]+"#).expect("static regex"));
static PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[\s`(])(/[a-zA-Z0-9_.~-]+(?:/[a-zA-Z0-9_.~{}:-]+)*/?(?:\?[^\s`)]*)?)")
        .expect("static regex")
});
static PORT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bports?\s+(\d{2,5})\b").expect("static regex"));
static ENV_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b").expect("static regex"));
static FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:\./)?(?:[\w.-]+/)*\.?[\w-]*(?:\.[\w-]+)*\.(?:md|ya?ml|json|toml|env|example|conf|cfg|ini|sh|ps1|js|mjs|ts|py|rb|go|rs|txt|lock|sql|tf|tfvars|dockerfile|xml|properties|prisma|gitignore|dockerignore|production|staging|local)$|^\.(?:env|gitignore|dockerignore|npmrc|nvmrc)[\w.-]*$|^Dockerfile$|^Makefile$")
        .expect("static regex")
});

/// A `curl` call read from a code block or inline code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Curl {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub data: Option<String>,
    /// `-f`/`--fail`: a status of 400 or more is a failure.
    pub fail: bool,
    pub follow: bool,
    pub insecure: bool,
}

pub struct Facts<'a> {
    pub item: &'a Item,
    pub checklist: &'a Checklist,
    /// Plain text, lower case.
    pub lower: String,
    pub urls: Vec<String>,
    pub curls: Vec<Curl>,
    pub paths: Vec<String>,
    pub ports: Vec<u16>,
    pub files: Vec<String>,
    pub env_names: Vec<String>,
    /// Code in blocks under the item.
    pub code: Vec<&'a str>,
    /// Fields of an expected JSON response shown under the item whose
    /// values say "healthy" (`"database": "connected"`).
    pub expected_json: Vec<(String, String)>,
}

impl<'a> Facts<'a> {
    pub fn of(checklist: &'a Checklist, item: &'a Item) -> Self {
        let lower = item.plain.to_lowercase();
        let code: Vec<&str> = item
            .blocks
            .iter()
            .filter(|b| matches!(b.kind, BlockKind::Code { .. }))
            .map(|b| b.content.as_str())
            .collect();
        let mut curls = Vec::new();
        for source in code
            .iter()
            .copied()
            .chain(item.code_spans.iter().map(String::as_str))
        {
            if source.contains("curl") {
                curls.extend(parse_curls(source));
            }
        }
        let mut urls: Vec<String> = Vec::new();
        for source in std::iter::once(item.text.as_str())
            .chain(item.code_spans.iter().map(String::as_str))
            .chain(code.iter().copied())
            .filter(|s| s.contains("://"))
        {
            for m in URL.find_iter(source) {
                let u = m
                    .as_str()
                    .trim_end_matches(['.', ',', ';', ':'])
                    .to_string();
                if !urls.contains(&u) {
                    urls.push(u);
                }
            }
        }
        let mut paths = Vec::new();
        for source in std::iter::once(&item.plain)
            .chain(item.code_spans.iter())
            .filter(|s| s.contains('/'))
        {
            for c in PATH.captures_iter(source) {
                let p = c[1].trim_end_matches([')', '`']).to_string();
                // File system paths are not URL paths.
                if p.starts_with("/etc/")
                    || p.starts_with("/var/")
                    || p.starts_with("/usr/")
                    || p.starts_with("/home/")
                    || p.starts_with("/tmp/")
                {
                    continue;
                }
                if !paths.contains(&p) {
                    paths.push(p);
                }
            }
        }
        let ports = if lower.contains("port") {
            PORT.captures_iter(&item.plain)
                .filter_map(|c| c[1].parse().ok())
                .collect()
        } else {
            Vec::new()
        };
        let files = item
            .code_spans
            .iter()
            .map(String::as_str)
            .chain(
                item.plain
                    .split(|c: char| c.is_whitespace() || "(),;".contains(c)),
            )
            .map(|w| w.trim_matches(|c| c == '`' || c == '\'' || c == '"'))
            .filter(|w| {
                (w.contains('.') || *w == "Dockerfile" || *w == "Makefile")
                    && !w.contains("://")
                    && !w.starts_with('/')
                    && FILE.is_match(w)
            })
            .fold(Vec::new(), |mut acc, w| {
                if !acc.iter().any(|x: &String| x == w) {
                    acc.push(w.to_string());
                }
                acc
            });
        let env_names = ENV_NAME
            .captures_iter(if item.plain.contains('_') {
                item.plain.as_str()
            } else {
                ""
            })
            .map(|c| c[1].to_string())
            .fold(Vec::new(), |mut acc, n| {
                if !acc.contains(&n) {
                    acc.push(n);
                }
                acc
            });
        let expected_json =
            code.iter()
                .flat_map(|c| healthy_fields(c))
                .fold(Vec::new(), |mut acc, kv| {
                    if !acc.contains(&kv) {
                        acc.push(kv);
                    }
                    acc
                });
        Self {
            expected_json,
            item,
            checklist,
            lower,
            urls,
            curls,
            paths,
            ports,
            files,
            env_names,
            code,
        }
    }

    /// The first word of the list in the item's text.
    pub fn has(&self, words: &crate::words::Words) -> Option<&'static str> {
        words.find(&self.lower)
    }
}

/// Values that say a component is healthy; a field with one of these in an
/// expected response is worth asserting. Timestamps and counts are not.
const HEALTHY: &[&str] = &[
    "ok",
    "up",
    "healthy",
    "connected",
    "pass",
    "passing",
    "ready",
    "alive",
    "available",
    "green",
    "running",
];

fn healthy_fields(code: &str) -> Vec<(String, String)> {
    let Some(start) = code.find('{') else {
        return Vec::new();
    };
    // The JSON object runs to its matching brace.
    let mut depth = 0usize;
    let mut end = None;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in code[start..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '{' if !in_string => depth += 1,
            '}' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    end = Some(start + i + 1);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(end) = end else { return Vec::new() };
    let Ok(serde_json::Value::Object(map)) =
        serde_json::from_str::<serde_json::Value>(&code[start..end])
    else {
        return Vec::new();
    };
    map.into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::String(s) if HEALTHY.contains(&s.to_ascii_lowercase().as_str()) => {
                Some((k, s))
            }
            serde_json::Value::Bool(true) => Some((k, "true".to_string())),
            _ => None,
        })
        .collect()
}

/// Splits shell text into words, honouring quotes and line continuations.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut has = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(&n) = chars.peek() {
                    cur.push(n);
                    chars.next();
                }
            }
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                has = true;
            }
            (None, '\\') => {
                if let Some(&n) = chars.peek() {
                    if n != '\n' {
                        cur.push(n);
                        has = true;
                    }
                    chars.next();
                }
            }
            (None, c) if c.is_whitespace() => {
                if has || !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            (None, '#') if cur.is_empty() && !has => break,
            (None, c) => cur.push(c),
        }
    }
    if has || !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// `curl` calls in shell text (continued lines joined).
pub fn parse_curls(source: &str) -> Vec<Curl> {
    let joined = source.replace("\\\r\n", " ").replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        for segment in line.split(['|', ';']).flat_map(|s| s.split("&&")) {
            let words = shell_words(segment);
            let Some(start) = words.iter().position(|w| w == "curl") else {
                continue;
            };
            let mut curl = Curl {
                method: String::new(),
                url: String::new(),
                headers: Vec::new(),
                data: None,
                fail: false,
                follow: false,
                insecure: false,
            };
            let mut i = start + 1;
            while i < words.len() {
                let w = &words[i];
                let next = words.get(i + 1).cloned();
                match w.as_str() {
                    "-X" | "--request" => {
                        curl.method = next.unwrap_or_default().to_ascii_uppercase();
                        i += 1;
                    }
                    "-H" | "--header" => {
                        if let Some((k, v)) = next.as_deref().and_then(|h| h.split_once(':')) {
                            curl.headers
                                .push((k.trim().to_string(), v.trim().to_string()));
                        }
                        i += 1;
                    }
                    "-d" | "--data" | "--data-raw" | "--data-binary" | "--json" => {
                        curl.data = next;
                        i += 1;
                    }
                    "-o" | "--output" | "-w" | "--write-out" | "-u" | "--user" | "-m"
                    | "--max-time" | "--connect-timeout" | "-A" | "--user-agent" | "-e"
                    | "--cacert" => i += 1,
                    "-f" | "--fail" | "-sf" | "-fs" | "-fsS" | "-sSf" | "-fsSL" | "-sSfL" => {
                        curl.fail = true;
                        curl.follow |= w.contains('L');
                    }
                    "-L" | "--location" => curl.follow = true,
                    "-k" | "--insecure" => curl.insecure = true,
                    s if (s.starts_with("http://")
                        || s.starts_with("https://")
                        || s.starts_with("${")
                        || s.starts_with('$'))
                        && curl.url.is_empty() =>
                    {
                        curl.url = s.to_string();
                    }
                    s if s.starts_with('-') && !s.starts_with("--") && s.len() > 1 => {
                        curl.fail |= s.contains('f');
                        curl.follow |= s.contains('L');
                        curl.insecure |= s.contains('k');
                    }
                    _ => {}
                }
                i += 1;
            }
            if curl.method.is_empty() {
                curl.method = if curl.data.is_some() {
                    "POST".into()
                } else {
                    "GET".into()
                };
            }
            if !curl.url.is_empty() {
                out.push(curl);
            }
        }
    }
    out
}

/// Hosts that stand for "the deployment" in a checklist, not a real name.
pub fn is_placeholder_host(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    h == "localhost"
        || h.starts_with("127.")
        || h == "0.0.0.0"
        || h == "[::1]"
        || h.contains("yourdomain")
        || h.contains("your-")
        || h.contains("your_")
        || h.contains("example.")
        || h.ends_with(".example")
        || h.contains("xxx")
        || h.contains('<')
        || h.contains('$')
        || h.contains('{')
        || h == "server-ip"
        || h.ends_with(".local")
}

/// A URL's host, port and path (`https://h:8443/p?q` → (h, Some(8443), /p?q)).
pub fn split_url(url: &str) -> Option<(String, Option<u16>, String)> {
    let rest = url.split_once("://")?.1;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => match p.parse() {
            Ok(port) => (h.to_string(), Some(port)),
            Err(_) => (authority.to_string(), None),
        },
        _ => (authority.to_string(), None),
    };
    Some((host, port, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curls() {
        let c = parse_curls(
            "curl -f http://localhost:3001/health\ncurl -X POST https://api.yourdomain.com/api/v1/auth/login \\\n  -H \"Content-Type: application/json\" \\\n  -d '{\"a\":1}'",
        );
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].method.as_str(), c[0].url.as_str(), c[0].fail),
            ("GET", "http://localhost:3001/health", true)
        );
        assert_eq!(c[1].method, "POST");
        assert_eq!(
            c[1].headers,
            vec![("Content-Type".to_string(), "application/json".to_string())]
        );
        assert_eq!(c[1].data.as_deref(), Some("{\"a\":1}"));
        let c = parse_curls("ALB=$(x)\ncurl http://${ALB_URL}/health # comment");
        assert_eq!(c[0].url, "http://${ALB_URL}/health");
        assert!(parse_curls("docker-compose exec redis redis-cli PING").is_empty());
    }

    #[test]
    fn expected_json_fields() {
        let f = healthy_fields(
            "# Expected Response:\n{\n  \"status\": \"ok\",\n  \"timestamp\": \"2025-10-22T18:00:00.000Z\",\n  \"database\": \"connected\",\n  \"count\": 3\n}",
        );
        assert_eq!(
            f,
            vec![
                ("status".to_string(), "ok".to_string()),
                ("database".to_string(), "connected".to_string())
            ]
        );
        assert!(healthy_fields("no json").is_empty());
        assert!(healthy_fields("{ broken").is_empty());
    }

    #[test]
    fn urls() {
        assert_eq!(
            split_url("https://h:8443/p?q"),
            Some(("h".into(), Some(8443), "/p?q".into()))
        );
        assert_eq!(
            split_url("http://localhost"),
            Some(("localhost".into(), None, "/".into()))
        );
        assert!(is_placeholder_host("api.yourdomain.com"));
        assert!(is_placeholder_host("prod-db.xxx.rds.amazonaws.com"));
        assert!(!is_placeholder_host("api.acme.io"));
    }
}
