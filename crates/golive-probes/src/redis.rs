//! `redis`: the cache answers, refuses strangers, and keeps its data.
//!
//! **What it verifies.** That a connection with the app's URL (`redis://`,
//! or `rediss://` for TLS) opens, authenticates with the URL's password and
//! answers PING, and reports the server's version. It also measures what
//! checklists ask of a production Redis: whether a client *without* the
//! password is refused (an unauthenticated PING answered `NOAUTH`), whether
//! data survives a restart (AOF on, or RDB save rules set), and the
//! `maxmemory-policy`.
//!
//! **Why it matters on launch day.** An open Redis on a public address is
//! taken over within hours; a Redis without persistence loses every session
//! and queue on its first restart; `noeviction` versus `allkeys-lru` decides
//! whether a full cache fails writes or drops keys. Today this is
//! `redis-cli ping`, `redis-cli CONFIG GET save`, by hand.
//!
//! **Example.** Checklist: `- [ ] Redis password is set` and
//! `- [ ] Redis persistence is configured`.
//!
//! ```toml
//! [[check]]
//! kind = "redis"
//! url = "${REDIS_URL}"
//! require_auth = true
//! require_persistence = true
//! maxmemory_policy = "allkeys-lru"
//! ```
//!
//! Settings: `url`; `require_auth`, `require_persistence` and
//! `maxmemory_policy` add default expectations (`auth_required == true`,
//! `persistence == true`, `maxmemory_policy == …`); `insecure` accepts any
//! certificate with `rediss://`.
//!
//! Evidence: `address`, `tls`, `tls_version`, `auth_required` (an
//! unauthenticated PING was refused), `authenticated` (when the URL has a
//! password), `ping`, `version`, `mode`, `role`, `aof_enabled`,
//! `rdb_save_rules` (the `save` setting, empty when RDB snapshots are off),
//! `persistence` (AOF or RDB on), `rdb_last_bgsave_status`,
//! `maxmemory_policy`, `maxmemory`, `used_memory`, `connected_clients`,
//! `keyspace_hits`, `keyspace_misses`, `hit_rate` (percent of lookups that
//! hit, since the server started; null before any), `time`. When the server hides `CONFIG` (managed services), `aof_enabled`
//! comes from `INFO` and `rdb_save_rules` is left out. Default expectation:
//! `ping == PONG`, plus those the settings add.
//!
//! Answers checklist lines such as "Redis is running (redis-cli ping)",
//! "Redis password is set", "Redis requires authentication", "Redis
//! persistence is configured (AOF/RDB)", "Redis maxmemory policy is set".
//!
//! The `redis` crate speaks the protocol; golive opens the TCP and TLS
//! connection itself and hands the stream over, so that `rediss://` uses
//! the run's trust (`--ca`, `--insecure`) and every step has its bound.

use std::time::Instant;

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::net::conn::{self, Deadline};
use crate::net::dsn::Dsn;
use crate::{Context, Kind, Observation, Probe};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `redis://[user:]password@host:port/db` or `rediss://…`.
    pub url: String,
    /// Expect a client without the password to be refused.
    #[serde(default)]
    pub require_auth: bool,
    /// Expect AOF or RDB snapshots to be on.
    #[serde(default)]
    pub require_persistence: bool,
    /// Expect this `maxmemory-policy`.
    #[serde(default)]
    pub maxmemory_policy: Option<String>,
    /// Accept any certificate (also `--insecure`).
    #[serde(default)]
    pub insecure: bool,
}

pub struct Redis {
    url: String,
    dsn: Dsn,
    tls: bool,
    db: i64,
    require_auth: bool,
    require_persistence: bool,
    maxmemory_policy: Option<String>,
    insecure: bool,
}

impl Kind for Redis {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let dsn = Dsn::parse(&s.url)?;
        let tls = match dsn.scheme.as_str() {
            "redis" => false,
            "rediss" => true,
            other => {
                return Err(format!(
                    "`url` must start with redis:// or rediss://, not `{other}://`"
                ));
            }
        };
        if dsn.host.is_empty() {
            return Err("`url` names no host".into());
        }
        let db = match dsn.path.trim_matches('/') {
            "" => 0,
            n => n
                .parse()
                .map_err(|_| format!("`{n}` in the URL's path is not a database number"))?,
        };
        Ok(Self {
            url: s.url,
            dsn,
            tls,
            db,
            require_auth: s.require_auth,
            require_persistence: s.require_persistence,
            maxmemory_policy: s.maxmemory_policy,
            insecure: s.insecure,
        })
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// The driver task of a multiplexed connection, stopped with it.
struct Session {
    con: MultiplexedConnection,
    _driver: crate::net::http::AbortOnDrop,
}

impl Redis {
    fn port(&self) -> u16 {
        self.dsn.port.unwrap_or(6379)
    }

    /// Opens a connection, authenticated or not. `Err` is the reason,
    /// ready for a report.
    async fn open(
        &self,
        cx: &Context,
        authenticate: bool,
        deadline: Deadline,
        ev: &mut Evidence,
    ) -> Result<Session, String> {
        let tcp = conn::tcp(&self.dsn.host, self.port(), deadline).await?;
        let stream: Box<dyn Io> = if self.tls {
            let config = if self.insecure {
                cx.tls_insecure.clone()
            } else {
                cx.tls.clone()
            };
            let tls = conn::tls(tcp, &self.dsn.host, config, deadline).await?;
            ev.insert("tls_version".into(), conn::tls_version(&tls).into());
            Box::new(tls)
        } else {
            Box::new(tcp)
        };
        let info = redis::RedisConnectionInfo {
            db: self.db,
            username: (authenticate && !self.dsn.username.is_empty())
                .then(|| self.dsn.username.clone()),
            password: if authenticate {
                self.dsn.password.clone().filter(|p| !p.is_empty())
            } else {
                None
            },
            protocol: redis::ProtocolVersion::RESP2,
        };
        let config = AsyncConnectionConfig::new().set_response_timeout(deadline.left());
        let (con, driver) = deadline
            .run(
                &format!("from Redis at {} during the handshake", self.address()),
                MultiplexedConnection::new_with_config(&info, stream, config),
            )
            .await?
            .map_err(|e| describe(&e))?;
        Ok(Session {
            con,
            _driver: crate::net::http::AbortOnDrop(tokio::spawn(driver)),
        })
    }

    fn address(&self) -> String {
        self.dsn.address(6379)
    }

    async fn command(
        &self,
        s: &mut Session,
        deadline: Deadline,
        cmd: &redis::Cmd,
        what: &str,
    ) -> Result<redis::Value, String> {
        deadline
            .run(
                &format!("from Redis at {} to {what}", self.address()),
                cmd.query_async::<redis::Value>(&mut s.con),
            )
            .await?
            .map_err(|e| describe(&e))
    }
}

/// A Redis error as a person reads it: the server's own words when it
/// answered, the transport's otherwise.
fn describe(e: &redis::RedisError) -> String {
    if e.kind() == redis::ErrorKind::AuthenticationFailed {
        return "authentication failed: the server refused the URL's password".into();
    }
    if e.kind() == redis::ErrorKind::ParseError {
        return "not a Redis server: its answer is not the Redis protocol (RESP)".into();
    }
    match (e.code(), e.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        _ if e.is_io_error() || e.is_connection_dropped() => format!(
            "the connection failed or was closed: {e} (is it a Redis server, and is TLS as the URL says?)"
        ),
        _ => format!(
            "{} (is it a Redis server?)",
            e.to_string().lines().next().unwrap_or_default()
        ),
    }
}

fn text(v: &redis::Value) -> Option<String> {
    match v {
        redis::Value::SimpleString(s) => Some(s.clone()),
        redis::Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        redis::Value::VerbatimString { text, .. } => Some(text.clone()),
        redis::Value::Okay => Some("OK".into()),
        redis::Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// `CONFIG GET name` → its value, if the server lets us see it.
fn config_value(v: &redis::Value) -> Option<String> {
    match v {
        redis::Value::Array(items) => items.get(1).and_then(text),
        redis::Value::Map(pairs) => pairs.first().and_then(|(_, v)| text(v)),
        _ => None,
    }
}

/// `INFO` text → its `key:value` lines.
pub fn parse_info(info: &str) -> Vec<(String, String)> {
    info.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.trim().split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[async_trait]
impl Probe for Redis {
    fn target(&self) -> String {
        format!("redis {}", self.dsn.redacted())
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        let mut out = vec![Expectation::new(
            "ping",
            Op::Eq,
            Literal::Str("PONG".into()),
        )];
        if self.require_auth {
            out.push(Expectation::new(
                "auth_required",
                Op::Eq,
                Literal::Bool(true),
            ));
        }
        if self.require_persistence {
            out.push(Expectation::new("persistence", Op::Eq, Literal::Bool(true)));
        }
        if let Some(p) = &self.maxmemory_policy {
            out.push(Expectation::new(
                "maxmemory_policy",
                Op::Eq,
                Literal::Str(p.clone()),
            ));
        }
        out
    }

    fn summary(&self, e: &Evidence) -> String {
        let mut parts = Vec::new();
        if let Some(v) = e.get("version").and_then(Value::as_str) {
            parts.push(format!("Redis {v}"));
        }
        match e.get("auth_required") {
            Some(Value::Bool(true)) => parts.push("password required".into()),
            Some(Value::Bool(false)) => parts.push("NO password required".into()),
            _ => {}
        }
        match e.get("persistence") {
            Some(Value::Bool(true)) => parts.push("persistent".into()),
            Some(Value::Bool(false)) => parts.push("NOT persistent".into()),
            _ => {}
        }
        parts.join(", ")
    }

    fn secrets(&self) -> Vec<String> {
        self.dsn.secrets(&self.url)
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let deadline = Deadline::after(cx.timeout);
        let start = Instant::now();
        let mut ev = Evidence::new();
        ev.insert("address".into(), self.address().into());
        ev.insert("tls".into(), self.tls.into());
        let has_password = self.dsn.password.as_deref().is_some_and(|p| !p.is_empty());

        // A stranger first: does the server answer a PING without the password?
        let mut stranger = match self.open(cx, false, deadline, &mut ev).await {
            Ok(s) => s,
            Err(e) => {
                ev.insert("time".into(), start.elapsed().into());
                return Observation::failed(
                    ev,
                    format!("cannot talk to Redis at {}: {e}", self.address()),
                );
            }
        };
        let ping = redis::cmd("PING");
        let refused = match self.command(&mut stranger, deadline, &ping, "PING").await {
            Ok(v) => {
                if !has_password {
                    ev.insert("ping".into(), text(&v).into());
                }
                false
            }
            Err(e) if e.starts_with("NOAUTH") || e.contains("Authentication required") => true,
            Err(e) => {
                ev.insert("time".into(), start.elapsed().into());
                return Observation::failed(
                    ev,
                    format!("Redis at {} did not answer PING: {e}", self.address()),
                );
            }
        };
        ev.insert("auth_required".into(), refused.into());
        let mut session = if has_password {
            drop(stranger);
            match self.open(cx, true, deadline, &mut ev).await {
                Ok(mut s) => {
                    ev.insert("authenticated".into(), true.into());
                    match self.command(&mut s, deadline, &ping, "PING").await {
                        Ok(v) => {
                            ev.insert("ping".into(), text(&v).into());
                        }
                        Err(e) => {
                            ev.insert("time".into(), start.elapsed().into());
                            return Observation::failed(
                                ev,
                                format!("Redis at {} did not answer PING: {e}", self.address()),
                            );
                        }
                    }
                    s
                }
                Err(e) => {
                    ev.insert("authenticated".into(), false.into());
                    ev.insert("time".into(), start.elapsed().into());
                    return Observation::failed(ev, format!("Redis at {}: {e}", self.address()));
                }
            }
        } else if refused {
            ev.insert("time".into(), start.elapsed().into());
            return Observation::failed(
                ev,
                format!(
                    "Redis at {} requires a password, and the URL has none",
                    self.address()
                ),
            );
        } else {
            stranger
        };

        // What the server says of itself.
        let mut info = redis::cmd("INFO");
        info.arg("server")
            .arg("persistence")
            .arg("memory")
            .arg("clients")
            .arg("replication")
            .arg("stats");
        let fields = match self.command(&mut session, deadline, &info, "INFO").await {
            Ok(v) => parse_info(&text(&v).unwrap_or_default()),
            Err(_) => {
                // Redis before 7 takes one section at a time.
                let mut all = Vec::new();
                for section in [
                    "server",
                    "persistence",
                    "memory",
                    "clients",
                    "replication",
                    "stats",
                ] {
                    let mut one = redis::cmd("INFO");
                    one.arg(section);
                    if let Ok(v) = self.command(&mut session, deadline, &one, "INFO").await {
                        all.extend(parse_info(&text(&v).unwrap_or_default()));
                    }
                }
                all
            }
        };
        let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let int = |k: &str| field(k).and_then(|v| v.parse::<i64>().ok());
        ev.insert("version".into(), field("redis_version").into());
        ev.insert("mode".into(), field("redis_mode").into());
        ev.insert("role".into(), field("role").into());
        let mut aof = int("aof_enabled").map(|v| v == 1);
        let mut save_rules = None;
        let mut policy = field("maxmemory_policy");
        let config = |name: &str| {
            let mut c = redis::cmd("CONFIG");
            c.arg("GET").arg(name);
            c
        };
        // CONFIG is the authority where allowed; managed services rename
        // or forbid it, and then INFO is all there is.
        if let Ok(v) = self
            .command(&mut session, deadline, &config("appendonly"), "CONFIG GET")
            .await
            && let Some(on) = config_value(&v)
        {
            aof = Some(on.eq_ignore_ascii_case("yes"));
        }
        if let Ok(v) = self
            .command(&mut session, deadline, &config("save"), "CONFIG GET")
            .await
        {
            save_rules = config_value(&v);
        }
        if policy.is_none()
            && let Ok(v) = self
                .command(
                    &mut session,
                    deadline,
                    &config("maxmemory-policy"),
                    "CONFIG GET",
                )
                .await
        {
            policy = config_value(&v);
        }
        ev.insert("aof_enabled".into(), aof.into());
        if let Some(rules) = &save_rules {
            ev.insert("rdb_save_rules".into(), rules.trim().into());
        }
        let rdb_on = save_rules.as_deref().map(|r| !r.trim().is_empty());
        let persistence = match (aof, rdb_on) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            // AOF off and the save rules hidden: unknown, not "off".
            _ => None,
        };
        ev.insert("persistence".into(), persistence.into());
        ev.insert(
            "rdb_last_bgsave_status".into(),
            field("rdb_last_bgsave_status").into(),
        );
        ev.insert("maxmemory_policy".into(), policy.into());
        ev.insert("maxmemory".into(), int("maxmemory").into());
        ev.insert("used_memory".into(), int("used_memory").into());
        ev.insert("connected_clients".into(), int("connected_clients").into());
        let (hits, misses) = (int("keyspace_hits"), int("keyspace_misses"));
        ev.insert("keyspace_hits".into(), hits.into());
        ev.insert("keyspace_misses".into(), misses.into());
        // A percentage of lookups since the server started; none yet, no rate.
        let rate = match (hits, misses) {
            (Some(h), Some(m)) if h + m > 0 => {
                Value::Float((h as f64 / (h + m) as f64 * 1000.0).round() / 10.0)
            }
            _ => Value::Null,
        };
        ev.insert("hit_rate".into(), rate);
        ev.insert("time".into(), start.elapsed().into());
        Observation::ok(ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_lines() {
        let info = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n\r\n# Memory\r\nmaxmemory_policy:noeviction\r\n";
        let f = parse_info(info);
        assert_eq!(f[0], ("redis_version".into(), "7.0.15".into()));
        assert_eq!(f[2], ("maxmemory_policy".into(), "noeviction".into()));
    }

    #[test]
    fn settings_are_checked() {
        let build = |t: &str| crate::build_from(golive_core::ProbeKind::Redis, t).err();
        assert_eq!(build("url = 'redis://:pw@h:6380/2'"), None);
        assert!(build("url = 'http://h'").unwrap().contains("redis://"));
        assert!(
            build("url = 'redis://h/x'")
                .unwrap()
                .contains("database number")
        );
        assert!(
            build("url = 'redis://h'\nrequire_auht = true")
                .unwrap()
                .contains("require_auht")
        );
    }
}
