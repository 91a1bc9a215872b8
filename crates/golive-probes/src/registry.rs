//! The registry: which module implements which kind. The match is
//! exhaustive, so a kind without an implementation does not compile.

use golive_core::ProbeKind;
use serde::Deserialize;

use crate::{Kind, Probe};

/// A setting that is missing, mistyped or wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// Dotted path to the setting (`headers.Authorization`), empty for the
    /// table as a whole.
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() || self.path == "." {
            f.write_str(&self.message)
        } else {
            write!(f, "`{}`: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for SettingsError {}

macro_rules! registry {
    ($($kind:ident => $ty:ty,)*) => {
        /// Checks a check's settings against its kind's settings type,
        /// without building anything (the values may still hold `${...}`).
        pub fn validate<'de, D: serde::Deserializer<'de>>(kind: ProbeKind, settings: D) -> Result<(), D::Error> {
            match kind {
                $(ProbeKind::$kind => <<$ty as Kind>::Settings>::deserialize(settings).map(drop),)*
            }
        }

        /// Builds the probe for a check from its resolved settings.
        pub fn build(kind: ProbeKind, settings: &toml::Table) -> Result<Box<dyn Probe>, SettingsError> {
            match kind {
                $(ProbeKind::$kind => load::<$ty>(settings),)*
            }
        }
    };
}

registry! {
    Http => crate::http::Http,
    Flow => crate::flow::Flow,
    HttpsRedirect => crate::https_redirect::HttpsRedirect,
    Tls => crate::tls::Tls,
    Tcp => crate::tcp::Tcp,
    Dns => crate::dns::Dns,
    Websocket => crate::websocket::WebSocket,
    Command => crate::command::Command,
    File => crate::file::File,
    Headers => crate::headers::Headers,
    Cors => crate::cors::Cors,
    RateLimit => crate::rate_limit::RateLimit,
    Auth => crate::auth::Auth,
    Webhook => crate::webhook::Webhook,
    Env => crate::env::Env,
    Gitignore => crate::gitignore::GitIgnore,
    SecretScan => crate::secret_scan::SecretScan,
    Latency => crate::latency::Latency,
    Load => crate::load::Load,
    Postgres => crate::postgres::Postgres,
    Mysql => crate::mysql::Mysql,
    Redis => crate::redis::Redis,
    Amqp => crate::amqp::Amqp,
    Smtp => crate::smtp::Smtp,
    Mongodb => crate::mongodb::Mongodb,
    Migrations => crate::migrations::Migrations,
    Backup => crate::backup::Backup,
}

fn load<K: Kind>(settings: &toml::Table) -> Result<Box<dyn Probe>, SettingsError> {
    let value = toml::Value::Table(settings.clone());
    let parsed: K::Settings =
        serde_path_to_error::deserialize(value).map_err(|e| SettingsError {
            path: e.path().to_string(),
            message: e.into_inner().to_string(),
        })?;
    K::build(parsed)
        .map(|p| Box::new(p) as Box<dyn Probe>)
        .map_err(|message| SettingsError {
            path: String::new(),
            message,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_registered_and_rejects_unknown_settings() {
        let mut table = toml::Table::new();
        table.insert("no_such_setting".into(), toml::Value::Boolean(true));
        for &kind in ProbeKind::ALL {
            let err = build(kind, &table)
                .err()
                .unwrap_or_else(|| panic!("{kind} accepted junk"));
            assert!(
                err.message.contains("no_such_setting") || err.message.contains("missing"),
                "{kind}: {err}"
            );
        }
    }
}
