//! `mongodb`: the MongoDB deployment answers a ping.
//!
//! **What it verifies.** That the official driver, given the app's URL
//! (`mongodb://` or `mongodb+srv://`, TLS as the URL's `tls=true` asks),
//! selects a server, authenticates and gets an answer to `ping`, and
//! reports the server's version (`buildInfo`).
//!
//! **Why it matters on launch day.** "MongoDB connection string is set",
//! "Database is reachable from the app servers": a wrong replica-set name
//! or an IP allow-list that forgot the new servers shows up as the app
//! hanging for 30 s on its first query.
//!
//! **Example.** Checklist: `- [ ] MongoDB Atlas connection works`.
//!
//! ```toml
//! [[check]]
//! kind = "mongodb"
//! url = "${MONGODB_URI}"
//! ```
//!
//! Evidence: `hosts`, `connected`, `ping`, `version`, `time`. Default
//! expectation: `connected == true`.
//!
//! Answers checklist lines such as "MongoDB is reachable", "MongoDB
//! connection works", "Atlas cluster accessible".
//!
//! The driver is large, so it is behind the `mongodb` cargo feature of
//! golive-probes (`cargo install golive --features golive-probes/mongodb`).
//! A golive built without it still reads and checks these settings, and a
//! check of this kind fails saying how to get a build that has it.

use std::time::Instant;

use async_trait::async_trait;
use golive_core::expect::{Literal, Op};
use golive_core::{Evidence, Expectation, Value};
use serde::Deserialize;

use crate::net::dsn::Dsn;
use crate::{Context, Kind, Observation, Probe};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `mongodb://user:password@host1,host2/db?replicaSet=rs0` or `mongodb+srv://…`.
    pub url: String,
}

pub struct Mongodb {
    url: String,
    dsn: Dsn,
}

impl Kind for Mongodb {
    type Settings = Settings;

    fn build(s: Settings) -> Result<Self, String> {
        let dsn = Dsn::parse(&s.url)?;
        if !matches!(dsn.scheme.as_str(), "mongodb" | "mongodb+srv") {
            return Err(format!(
                "`url` must start with mongodb:// or mongodb+srv://, not `{}://`",
                dsn.scheme
            ));
        }
        if dsn.host.is_empty() {
            return Err("`url` names no host".into());
        }
        Ok(Self { url: s.url, dsn })
    }
}

impl Mongodb {
    /// The hosts as written: a seed list may name several (`a:27017,b:27017`).
    fn hosts(&self) -> Vec<String> {
        let mut all = self.dsn.host.clone();
        if let Some(p) = self.dsn.port {
            all.push_str(&format!(":{p}"));
        }
        all.split(',').map(str::to_string).collect()
    }
}

#[cfg(feature = "mongodb")]
async fn ping(url: &str, limit: std::time::Duration) -> Result<Option<String>, String> {
    use mongodb::bson::doc;
    let mut opts = mongodb::options::ClientOptions::parse(url)
        .await
        .map_err(|e| format!("bad MongoDB URL: {e}"))?;
    // The driver waits 30 s to select a server by default: the check's own
    // bound is the one that applies.
    // A little under the outer bound, so that the driver's own reason
    // (which server, what happened) arrives before the bound cuts it off.
    opts.server_selection_timeout = Some(limit.mul_f64(0.8));
    opts.connect_timeout = Some(limit.mul_f64(0.8));
    opts.app_name = Some("golive".into());
    let client = mongodb::Client::with_options(opts)
        .map_err(|e| format!("cannot set up the client: {e}"))?;
    let admin = client.database("admin");
    let outcome = async {
        admin
            .run_command(doc! { "ping": 1 })
            .await
            .map_err(|e| describe(&e))?;
        let info = admin.run_command(doc! { "buildInfo": 1 }).await.ok();
        Ok(info.and_then(|i| i.get_str("version").ok().map(str::to_string)))
    };
    let result = tokio::time::timeout(limit, outcome)
        .await
        .unwrap_or_else(|_| Err("no answer within the check's time (timed out)".into()));
    let _ = tokio::time::timeout(std::time::Duration::from_millis(500), client.shutdown()).await;
    result
}

#[cfg(feature = "mongodb")]
fn describe(e: &mongodb::error::Error) -> String {
    use mongodb::error::ErrorKind;
    match &*e.kind {
        // The driver describes its whole topology; what a person needs is
        // the first server's error, or that none answered at all.
        ErrorKind::ServerSelection { message, .. } => match message
            .split_once("Error: Kind: ")
            .map(|(_, rest)| rest.split(", labels:").next().unwrap_or(rest))
        {
            Some(why) => format!("no MongoDB server could be selected: {why}"),
            None => "no MongoDB server could be selected: none answered (timed out)".into(),
        },
        ErrorKind::Authentication { message, .. } => format!("authentication failed: {message}"),
        _ => e.to_string(),
    }
}

#[cfg(not(feature = "mongodb"))]
async fn ping(_url: &str, _limit: std::time::Duration) -> Result<Option<String>, String> {
    Err(
        "this golive was built without MongoDB support: build it with \
         `--features golive-probes/mongodb` to check MongoDB"
            .into(),
    )
}

#[async_trait]
impl Probe for Mongodb {
    fn target(&self) -> String {
        format!("mongodb {}", self.dsn.redacted())
    }

    fn default_expectations(&self) -> Vec<Expectation> {
        vec![Expectation::new("connected", Op::Eq, Literal::Bool(true))]
    }

    fn summary(&self, e: &Evidence) -> String {
        match e.get("version").and_then(Value::as_str) {
            Some(v) => format!("MongoDB {v}"),
            None => String::new(),
        }
    }

    fn secrets(&self) -> Vec<String> {
        self.dsn.secrets(&self.url)
    }

    async fn observe(&self, cx: &Context) -> Observation {
        let start = Instant::now();
        let mut ev = Evidence::new();
        ev.insert("hosts".into(), Value::from(self.hosts()));
        // Under the runner's bound, for the same reason.
        let limit = cx.timeout.mul_f64(0.9);
        let outcome = ping(&self.url, limit).await;
        ev.insert("time".into(), start.elapsed().into());
        match outcome {
            Ok(version) => {
                ev.insert("connected".into(), true.into());
                ev.insert("ping".into(), "ok".into());
                ev.insert("version".into(), version.into());
                Observation::ok(ev)
            }
            Err(e) => {
                ev.insert("connected".into(), false.into());
                Observation::failed(ev, format!("MongoDB at {}: {e}", self.hosts().join(",")))
            }
        }
    }
}
