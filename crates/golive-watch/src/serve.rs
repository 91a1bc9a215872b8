//! `--listen`: the watch as Prometheus and a load balancer see it.
//! `/metrics` in the Prometheus text format, `/healthz` 200 or 503 from the
//! latest round.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use golive_core::watch::TriggerState;

/// One item as the latest round left it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemView {
    pub up: Option<bool>,
    pub latency_ms: Option<f64>,
    /// When `up` last changed (ms since the epoch).
    pub changed_ms: i64,
    /// The latest rounds' latencies, oldest first (at most [`TREND`]).
    pub trend: std::collections::VecDeque<f64>,
}

/// How many latencies an item's trend keeps.
pub const TREND: usize = 20;

/// What the endpoints show; the watch loop updates it every round.
#[derive(Debug, Clone, Default)]
pub struct View {
    pub rounds: i64,
    pub items: BTreeMap<String, ItemView>,
    pub triggers: BTreeMap<String, TriggerState>,
}

impl View {
    /// Healthy: a round has run, something was measured, nothing was down,
    /// and no trigger fired. No data is not health.
    pub fn healthy(&self) -> bool {
        self.rounds > 0
            && self.items.values().any(|i| i.up.is_some())
            && self.items.values().all(|i| i.up != Some(false))
            && self.triggers.values().all(|s| *s != TriggerState::Fired)
    }

    pub fn metrics(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP golive_watch_rounds_total Rounds the watch has run.\n# TYPE golive_watch_rounds_total counter\ngolive_watch_rounds_total {}",
            self.rounds
        );
        out.push_str("# HELP golive_item_up Whether the item's checks passed in the latest round (items without data are absent).\n# TYPE golive_item_up gauge\n");
        for (id, i) in &self.items {
            if let Some(up) = i.up {
                let _ = writeln!(
                    out,
                    "golive_item_up{{item=\"{}\"}} {}",
                    label(id),
                    u8::from(up)
                );
            }
        }
        out.push_str("# HELP golive_item_latency_seconds How long the item's checks took in the latest round.\n# TYPE golive_item_latency_seconds gauge\n");
        for (id, i) in &self.items {
            if let Some(ms) = i.latency_ms {
                let _ = writeln!(
                    out,
                    "golive_item_latency_seconds{{item=\"{}\"}} {}",
                    label(id),
                    ms / 1000.0
                );
            }
        }
        out.push_str("# HELP golive_item_last_change_timestamp_seconds When the item last went up or down.\n# TYPE golive_item_last_change_timestamp_seconds gauge\n");
        for (id, i) in &self.items {
            #[allow(clippy::cast_precision_loss)]
            let secs = i.changed_ms as f64 / 1000.0;
            let _ = writeln!(
                out,
                "golive_item_last_change_timestamp_seconds{{item=\"{}\"}} {secs}",
                label(id)
            );
        }
        out.push_str("# HELP golive_trigger_state The state of each rollback trigger (1 for the current one).\n# TYPE golive_trigger_state gauge\n");
        for (name, state) in &self.triggers {
            for s in TriggerState::ALL {
                let _ = writeln!(
                    out,
                    "golive_trigger_state{{trigger=\"{}\",state=\"{}\"}} {}",
                    label(name),
                    s.as_str(),
                    u8::from(s == *state)
                );
            }
        }
        out
    }
}

/// A label value as the exposition format escapes it.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub type Shared = Arc<RwLock<View>>;

async fn metrics(State(view): State<Shared>) -> impl IntoResponse {
    let body = view.read().map(|v| v.metrics()).unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}

async fn healthz(State(view): State<Shared>) -> impl IntoResponse {
    let (healthy, rounds) = view
        .read()
        .map(|v| (v.healthy(), v.rounds))
        .unwrap_or((false, 0));
    if healthy {
        (StatusCode::OK, "ok\n")
    } else if rounds == 0 {
        (StatusCode::SERVICE_UNAVAILABLE, "no round yet\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unhealthy\n")
    }
}

/// Binds `addr` and serves until the task is dropped; returns the bound
/// address (port 0 picks a free one).
pub async fn listen(
    addr: SocketAddr,
    view: Shared,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(view);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((bound, task))
}
