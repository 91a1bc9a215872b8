//! The catalogue of probe kinds and item classes. The names are part of the
//! user's contract: `plan --format json` prints them and `golive.toml` uses them.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! kinds {
    ($($variant:ident => $name:literal, $class:ident, $summary:literal;)*) => {
        /// A kind of probe: what golive can verify by itself.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum ProbeKind {
            $(#[doc = $summary] $variant,)*
        }

        impl ProbeKind {
            /// Every kind, in catalogue order.
            pub const ALL: &'static [ProbeKind] = &[$(ProbeKind::$variant,)*];

            /// The kind's name in configs and reports.
            pub fn name(self) -> &'static str {
                match self {
                    $(ProbeKind::$variant => $name,)*
                }
            }

            /// Where a probe of this kind looks: the live deployment or the repository.
            pub fn class(self) -> Class {
                match self {
                    $(ProbeKind::$variant => Class::$class,)*
                }
            }

            /// One line on what the kind verifies.
            pub fn summary(self) -> &'static str {
                match self {
                    $(ProbeKind::$variant => $summary,)*
                }
            }

            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(ProbeKind::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

kinds! {
    Http => "http", Live, "Status, headers, JSON fields, body and latency of one HTTP request.";
    Flow => "flow", Live, "A sequence of requests with captured values: register, log in, use the token.";
    HttpsRedirect => "https_redirect", Live, "Plain HTTP answers with a redirect to the same URL over HTTPS.";
    Tls => "tls", Live, "The certificate chain verifies for the host, days to expiry, key, and every protocol version accepted.";
    Tcp => "tcp", Live, "A port accepts connections, or refuses them; or only the allowed ports of a range are open.";
    Dns => "dns", Live, "A name resolves (A, AAAA, CNAME, MX, TXT), to the records expected.";
    Websocket => "websocket", Live, "A WebSocket connects, and a message sent gets the reply expected.";
    Command => "command", Repo, "A command's exit status and output, within a time limit.";
    File => "file", Repo, "A file exists in the repository, and contains (or lacks) a pattern.";
    Headers => "headers", Live, "Security headers present and sound, graded A+ to F like the Mozilla HTTP Observatory.";
    Cors => "cors", Live, "Unauthorised origins refused (reflected origin, null, prefix/suffix tricks, wildcard with credentials).";
    RateLimit => "rate_limit", Live, "A bounded burst is answered with 429 before the burst ends.";
    Auth => "auth", Live, "Protected routes refuse no token, a forged, an expired, an alg-none and a guessable-secret token, and accept a valid one.";
    Webhook => "webhook", Live, "A webhook endpoint accepts a correctly signed event and refuses missing, wrong, stale and replayed signatures.";
    Env => "env", Repo, "Env files: required variables set, no placeholders, strong secrets unlike development's, no wildcard CORS, debug off.";
    Gitignore => "gitignore", Repo, "Env and secret files are ignored by git and not tracked.";
    SecretScan => "secret_scan", Repo, "No hard-coded secrets in the repository.";
    Latency => "latency", Live, "Latency percentiles of one request sent N times in a row.";
    Load => "load", Live, "A bounded load (users or an arrival rate) judged by percentiles, errors and throughput.";
    Postgres => "postgres", Live, "PostgreSQL answers with the app's URL: version, a query's value, tables present, connections against the maximum.";
    Mysql => "mysql", Live, "MySQL or MariaDB answers with the app's URL: version, a query's value, tables present, connections against the maximum.";
    Redis => "redis", Live, "Redis answers PING, refuses clients without the password, persists its data, and has the expected eviction policy.";
    Amqp => "amqp", Live, "The AMQP broker (RabbitMQ) accepts the app's login; a queue exists, with its messages and consumers counted.";
    Smtp => "smtp", Live, "The mail server answers EHLO, offers STARTTLS and AUTH, accepts the credentials, and optionally a test message.";
    Mongodb => "mongodb", Live, "MongoDB answers a ping through the official driver, and reports its version.";
    Migrations => "migrations", Live, "Every migration in the repository (Prisma, sqlx, Diesel, Rails, Django, Flyway) is applied in the database.";
    Backup => "backup", Live, "The newest backup is younger than N hours and larger than M bytes; optionally, it restores.";
}

impl fmt::Display for ProbeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Who or what can settle an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Checkable over the network against the deployment.
    Live,
    /// Checkable from the repository and its files.
    Repo,
    /// Only a person can do it; never passed by a machine.
    Manual,
    /// Needs a cloud provider's API; runs only when the config gives a command.
    Cloud,
}

impl Class {
    pub fn name(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Repo => "repo",
            Self::Manual => "manual",
            Self::Cloud => "cloud",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "live" => Self::Live,
            "repo" => Self::Repo,
            "manual" => Self::Manual,
            "cloud" => Self::Cloud,
            _ => return None,
        })
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &kind in ProbeKind::ALL {
            assert_eq!(ProbeKind::from_name(kind.name()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
        assert_eq!(ProbeKind::from_name("nope"), None);
    }
}
