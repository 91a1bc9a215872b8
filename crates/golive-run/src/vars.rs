//! Variables and targets: what `${NAME}` in a check's settings stands for.
//!
//! Targets come from `--url` (the target `app`), `--target NAME=VALUE` and
//! the config's `[targets]`; variables from `--env-file` and, last, the
//! process environment. A name nothing defines leaves the check "not
//! verified", naming the flag or variable that would enable it.

use std::collections::BTreeMap;
use std::path::Path;

use golive_core::Redactor;

/// The target `--url` sets.
pub const APP: &str = "app";

#[derive(Debug, Clone, Default)]
pub struct Vars {
    targets: BTreeMap<String, String>,
    env: BTreeMap<String, String>,
    env_files: Vec<std::path::PathBuf>,
    /// Consult the process environment after the env files.
    pub process_env: bool,
}

/// An env file line golive could not read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct EnvFileError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl Vars {
    pub fn new(process_env: bool) -> Self {
        Self {
            process_env,
            ..Self::default()
        }
    }

    pub fn set_target(&mut self, name: &str, value: &str) {
        let value = value.trim_end_matches('/').to_string();
        // `${app_host}` is the deployment's host, for services on their
        // own port there (`http://${app_host}:9090`).
        if name == APP
            && let Some((_, rest)) = value.split_once("://")
        {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            let host = authority.rsplit('@').next().unwrap_or(authority);
            let host = match host.rfind(':') {
                Some(i)
                    if !host.ends_with(']')
                        && host[i + 1..].chars().all(|c| c.is_ascii_digit()) =>
                {
                    &host[..i]
                }
                _ => host,
            };
            self.targets
                .insert("app_host".to_string(), host.to_string());
        }
        self.targets.insert(name.to_string(), value);
    }

    pub fn has_target(&self, name: &str) -> bool {
        self.targets.contains_key(name)
    }

    pub fn set_env(&mut self, name: &str, value: &str) {
        self.env.insert(name.to_string(), value.to_string());
    }

    /// Every variable name defined: the env files' and, when consulted,
    /// the process environment's (never targets). For the mapping.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.env.keys().cloned().collect();
        if self.process_env {
            names.extend(std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()));
        }
        names.sort();
        names.dedup();
        names
    }

    /// The env files read, in order.
    pub fn env_files(&self) -> &[std::path::PathBuf] {
        &self.env_files
    }

    /// Variables from the env files, for commands.
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        self.env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Reads a dotenv file as the common loaders do (quotes, escapes,
    /// `export`, comments, multi-line double-quoted values).
    pub fn load_env_file(&mut self, path: &Path) -> Result<usize, EnvFileError> {
        let bytes = std::fs::read(path).map_err(|e| EnvFileError {
            path: path.display().to_string(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        let pairs = parse_env(&bytes).map_err(|(line, message)| EnvFileError {
            path: path.display().to_string(),
            line,
            message,
        })?;
        let n = pairs.len();
        self.env_files.push(path.to_path_buf());
        for (k, v) in pairs {
            self.env.insert(k, v);
        }
        Ok(n)
    }

    fn lookup(&self, name: &str) -> Option<String> {
        self.targets
            .get(name)
            .or_else(|| self.env.get(name))
            .cloned()
            .or_else(|| {
                if self.process_env {
                    std::env::var(name).ok()
                } else {
                    None
                }
            })
    }

    /// A redactor that knows every secret these variables hold.
    pub fn redactor(&self) -> Redactor {
        let mut pairs: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        pairs.extend(self.targets.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        Redactor::from_vars(pairs)
    }

    /// Replaces `${NAME}` and `${NAME:-default}` in `template`; `$${` is a
    /// literal `${`. Returns the names nothing defines, if any.
    pub fn resolve(
        &self,
        template: &str,
        used: &mut Vec<(String, String)>,
    ) -> Result<String, Vec<String>> {
        let mut out = String::with_capacity(template.len());
        let mut missing = Vec::new();
        let mut rest = template;
        while let Some(pos) = rest.find('$') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            if let Some(stripped) = after.strip_prefix("${") {
                out.push_str("${");
                rest = stripped;
                continue;
            }
            if let Some(inner_start) = after.strip_prefix('{')
                && let Some(end) = inner_start.find('}')
            {
                let inner = &inner_start[..end];
                let (name, default) = match inner.split_once(":-") {
                    Some((n, d)) => (n.trim(), Some(d)),
                    None => (inner.trim(), None),
                };
                match self.lookup(name) {
                    Some(v) => {
                        used.push((name.to_string(), v.clone()));
                        out.push_str(&v);
                    }
                    None => match default {
                        Some(d) => out.push_str(d),
                        None => missing.push(name.to_string()),
                    },
                }
                rest = &inner_start[end + 1..];
                continue;
            }
            out.push('$');
            rest = after;
        }
        out.push_str(rest);
        if missing.is_empty() {
            Ok(out)
        } else {
            Err(missing)
        }
    }

    /// Resolves every string in a settings table.
    pub fn resolve_table(
        &self,
        table: &toml::Table,
        used: &mut Vec<(String, String)>,
    ) -> Result<toml::Table, Vec<String>> {
        let mut missing = Vec::new();
        let resolved = table
            .iter()
            .map(|(k, v)| (k.clone(), self.resolve_value(v, used, &mut missing)))
            .collect();
        if missing.is_empty() {
            Ok(resolved)
        } else {
            missing.sort();
            missing.dedup();
            Err(missing)
        }
    }

    fn resolve_value(
        &self,
        v: &toml::Value,
        used: &mut Vec<(String, String)>,
        missing: &mut Vec<String>,
    ) -> toml::Value {
        match v {
            toml::Value::String(s) => match self.resolve(s, used) {
                Ok(r) => toml::Value::String(r),
                Err(m) => {
                    missing.extend(m);
                    v.clone()
                }
            },
            toml::Value::Array(a) => toml::Value::Array(
                a.iter()
                    .map(|x| self.resolve_value(x, used, missing))
                    .collect(),
            ),
            toml::Value::Table(t) => toml::Value::Table(
                t.iter()
                    .map(|(k, x)| (k.clone(), self.resolve_value(x, used, missing)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// What would define a missing name, said the way a user acts on it.
pub fn need_for(name: &str) -> String {
    if name == APP {
        "--url (the deployment's base URL)".to_string()
    } else if name.chars().any(|c| c.is_ascii_lowercase()) {
        format!("--target {name}=VALUE")
    } else {
        format!("{name} (in --env-file or the environment)")
    }
}

/// Parses dotenv text. Errors carry the 1-based line.
pub fn parse_env(bytes: &[u8]) -> Result<Vec<(String, String)>, (usize, String)> {
    let mut pairs = Vec::new();
    for item in dotenvy::from_read_iter(bytes) {
        match item {
            Ok(pair) => pairs.push(pair),
            Err(dotenvy::Error::LineParse(line, index)) => {
                let line_no = line_number(bytes, &line);
                let shown: String = line.chars().take(index.min(40)).collect();
                return Err((
                    line_no,
                    format!(
                        "cannot parse the line near column {} (after `{}`)",
                        index + 1,
                        redact_line(&shown)
                    ),
                ));
            }
            Err(e) => return Err((0, e.to_string())),
        }
    }
    Ok(pairs)
}

/// The text before `=` only: an env line's value may be a secret.
fn redact_line(s: &str) -> String {
    match s.split_once('=') {
        Some((k, _)) => format!("{k}=…"),
        None => s.to_string(),
    }
}

fn line_number(bytes: &[u8], line: &str) -> usize {
    let text = String::from_utf8_lossy(bytes);
    let first = line.lines().next().unwrap_or("");
    text.lines()
        .position(|l| l.trim() == first.trim())
        .map_or(0, |p| p + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_targets_env_and_defaults() {
        let mut v = Vars::new(false);
        v.set_target("app", "http://127.0.0.1:8080/");
        v.set_env("DB", "postgres://u:pw@h/db");
        let mut used = Vec::new();
        assert_eq!(
            v.resolve("${app}/health", &mut used).unwrap(),
            "http://127.0.0.1:8080/health"
        );
        assert_eq!(
            v.resolve("${DB}", &mut used).unwrap(),
            "postgres://u:pw@h/db"
        );
        assert_eq!(v.resolve("${NOPE:-x}", &mut used).unwrap(), "x");
        assert_eq!(v.resolve("$${app} $5", &mut used).unwrap(), "${app} $5");
        assert_eq!(
            v.resolve("${a} ${B}", &mut used).unwrap_err(),
            vec!["a", "B"]
        );
        assert_eq!(used.len(), 2);
    }

    #[test]
    fn env_files_parse_like_dotenv() {
        let text = b"# comment\nexport A=1\nB=\"two words\"\nC='single $A'\nD=\"multi\nline\"\n";
        let pairs = parse_env(text).unwrap();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("A"), Some("1"));
        assert_eq!(get("B"), Some("two words"));
        assert_eq!(get("C"), Some("single $A"));
        assert_eq!(get("D"), Some("multi\nline"));
        let err = parse_env(b"OK=1\nBAD LINE=x=\"\n").unwrap_err();
        assert_eq!(err.0, 2);
    }

    #[test]
    fn needs_name_the_flag() {
        assert_eq!(need_for("app"), "--url (the deployment's base URL)");
        assert_eq!(need_for("db"), "--target db=VALUE");
        assert_eq!(
            need_for("DATABASE_URL"),
            "DATABASE_URL (in --env-file or the environment)"
        );
    }
}
