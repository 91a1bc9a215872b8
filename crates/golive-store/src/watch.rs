//! What `golive watch` keeps: the watch itself (so a restarted watch
//! resumes its schedule), its rounds (so trigger windows survive the
//! restart), each trigger's latest state, and its actions. Rounds are not
//! audited (there is one a minute); what the watch *did* — a trigger fired,
//! a rollback ran, health was verified — is, in the same chain as runs and
//! sign-offs.

use async_trait::async_trait;
use serde::Serialize;

use crate::StoreError;

/// A watch as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchSession {
    pub id: i64,
    pub key: String,
    pub source: String,
    pub started_at: String,
    /// Milliseconds since the Unix epoch.
    pub started_ms: i64,
    pub ended_at: Option<String>,
    /// Rounds run so far.
    pub rounds: i64,
    /// When the latest round ran (ms since the epoch).
    pub last_ms: Option<i64>,
    pub rollback_claimed: bool,
    /// Each item's latency at the GO run, JSON.
    pub baseline: String,
}

/// A watch to start.
pub struct NewWatch<'a> {
    pub key: &'a str,
    pub source: &'a str,
    pub started_ms: i64,
    pub baseline: &'a str,
    pub actor: &'a str,
}

/// One round as stored: its samples are JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRound {
    pub round: i64,
    pub at_ms: i64,
    pub samples: String,
}

/// A trigger's latest state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriggerRow {
    pub name: String,
    pub state: String,
    pub since_ms: Option<i64>,
    pub detail: String,
}

/// Something the watch did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WatchAction {
    pub round: i64,
    /// `fired`, `recovered`, `notify`, `rollback`, `verify`.
    pub action: String,
    pub trigger: Option<String>,
    pub ok: bool,
    /// What happened: for a rollback its output, redacted.
    pub detail: String,
    /// Set by the store.
    pub at: String,
}

pub(crate) type WatchCols = (i64, String, String, String, i64);
pub(crate) type ActionCols = (i64, i64, i64, String, String, Option<String>, i64, String);

#[async_trait]
pub trait WatchStore: Send + Sync {
    /// Starts a watch, with its audit entry.
    async fn start_watch(&self, watch: &NewWatch<'_>) -> Result<WatchSession, StoreError>;
    /// The newest watch of `key` that has not ended: the one a restarted
    /// `golive watch` resumes.
    async fn current_watch(&self, key: &str) -> Result<Option<WatchSession>, StoreError>;
    async fn watch(&self, id: i64) -> Result<Option<WatchSession>, StoreError>;
    /// Stores a round and every trigger's state after it, at once.
    async fn save_round(
        &self,
        watch: i64,
        round: &StoredRound,
        triggers: &[TriggerRow],
    ) -> Result<(), StoreError>;
    /// Rounds at or after `since_ms`, oldest first.
    async fn rounds_since(&self, watch: i64, since_ms: i64)
    -> Result<Vec<StoredRound>, StoreError>;
    async fn trigger_states(&self, watch: i64) -> Result<Vec<TriggerRow>, StoreError>;
    /// Records an action with its audit entry.
    async fn add_watch_action(
        &self,
        watch: i64,
        action: &WatchAction,
        actor: &str,
    ) -> Result<i64, StoreError>;
    async fn watch_actions(&self, watch: i64) -> Result<Vec<WatchAction>, StoreError>;
    /// Takes the watch's one rollback: true the first time only, so that a
    /// watch restarted after a crash never runs the command twice.
    async fn claim_rollback(&self, watch: i64) -> Result<bool, StoreError>;
    async fn end_watch(&self, watch: i64) -> Result<(), StoreError>;
}

macro_rules! watch_impl {
    ($store:ty) => {
        impl $store {
            /// The watch records the audit log vouches for.
            async fn watch_records(&self) -> Result<Vec<(String, String)>, $crate::StoreError> {
                let mut records = Vec::new();
                let watches: Vec<$crate::watch::WatchCols> = sqlx::query_as(
                    "SELECT id, watch_key, source, started_at, started_ms FROM watches",
                )
                .fetch_all(&self.pool)
                .await?;
                for w in &watches {
                    records.push((format!("watch:{}", w.0), $crate::audit::hash_of(w)));
                }
                let actions: Vec<$crate::watch::ActionCols> = sqlx::query_as(
                    "SELECT id, watch_id, round, at, action, trigger_name, ok, detail FROM watch_actions",
                )
                .fetch_all(&self.pool)
                .await?;
                for a in &actions {
                    records.push((format!("watch_action:{}", a.0), $crate::audit::hash_of(a)));
                }
                Ok(records)
            }
        }

        #[async_trait::async_trait]
        impl $crate::watch::WatchStore for $store {
            async fn start_watch(
                &self,
                w: &$crate::watch::NewWatch<'_>,
            ) -> Result<$crate::watch::WatchSession, $crate::StoreError> {
                let started_at = $crate::now();
                let mut tx = self.write_tx().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO watches (watch_key, source, started_at, started_ms, baseline) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(w.key)
                .bind(w.source)
                .bind(&started_at)
                .bind(w.started_ms)
                .bind(w.baseline)
                .fetch_one(&mut *tx)
                .await?;
                let cols: $crate::watch::WatchCols = (
                    id,
                    w.key.to_string(),
                    w.source.to_string(),
                    started_at,
                    w.started_ms,
                );
                Self::append_audit(
                    &mut tx,
                    &$crate::common::clean(w.actor),
                    "watch",
                    &format!("watch {id} of {}", w.source),
                    format!("watch:{id}"),
                    $crate::audit::hash_of(&cols),
                )
                .await?;
                tx.commit().await?;
                $crate::watch::WatchStore::watch(self, id)
                    .await?
                    .ok_or_else(|| $crate::StoreError::corrupt("a watch vanished as it started"))
            }

            async fn current_watch(
                &self,
                key: &str,
            ) -> Result<Option<$crate::watch::WatchSession>, $crate::StoreError> {
                let row: Option<(i64,)> = sqlx::query_as(
                    "SELECT id FROM watches WHERE watch_key = $1 AND ended_at IS NULL \
                     ORDER BY id DESC LIMIT 1",
                )
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
                match row {
                    Some((id,)) => $crate::watch::WatchStore::watch(self, id).await,
                    None => Ok(None),
                }
            }

            async fn watch(
                &self,
                id: i64,
            ) -> Result<Option<$crate::watch::WatchSession>, $crate::StoreError> {
                #[allow(clippy::type_complexity)]
                let row: Option<(
                    i64,
                    String,
                    String,
                    String,
                    i64,
                    Option<String>,
                    i64,
                    Option<i64>,
                    i64,
                    String,
                )> = sqlx::query_as(
                    "SELECT id, watch_key, source, started_at, started_ms, ended_at, rounds, \
                     last_ms, rollback_claimed, baseline FROM watches WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|r| $crate::watch::WatchSession {
                    id: r.0,
                    key: r.1,
                    source: r.2,
                    started_at: r.3,
                    started_ms: r.4,
                    ended_at: r.5,
                    rounds: r.6,
                    last_ms: r.7,
                    rollback_claimed: r.8 != 0,
                    baseline: r.9,
                }))
            }

            async fn save_round(
                &self,
                watch: i64,
                round: &$crate::watch::StoredRound,
                triggers: &[$crate::watch::TriggerRow],
            ) -> Result<(), $crate::StoreError> {
                let mut tx = self.round_tx().await?;
                sqlx::query(
                    "INSERT INTO watch_rounds (watch_id, round, at_ms, samples) VALUES ($1, $2, $3, $4)",
                )
                .bind(watch)
                .bind(round.round)
                .bind(round.at_ms)
                .bind(&round.samples)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE watches SET rounds = $1, last_ms = $2 WHERE id = $3")
                    .bind(round.round)
                    .bind(round.at_ms)
                    .bind(watch)
                    .execute(&mut *tx)
                    .await?;
                for t in triggers {
                    sqlx::query(
                        "INSERT INTO watch_triggers (watch_id, name, state, since_ms, detail) \
                         VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (watch_id, name) DO UPDATE SET state = excluded.state, \
                         since_ms = excluded.since_ms, detail = excluded.detail",
                    )
                    .bind(watch)
                    .bind(&t.name)
                    .bind(&t.state)
                    .bind(t.since_ms)
                    .bind(&t.detail)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn rounds_since(
                &self,
                watch: i64,
                since_ms: i64,
            ) -> Result<Vec<$crate::watch::StoredRound>, $crate::StoreError> {
                let rows: Vec<(i64, i64, String)> = sqlx::query_as(
                    "SELECT round, at_ms, samples FROM watch_rounds \
                     WHERE watch_id = $1 AND at_ms >= $2 ORDER BY round",
                )
                .bind(watch)
                .bind(since_ms)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| $crate::watch::StoredRound {
                        round: r.0,
                        at_ms: r.1,
                        samples: r.2,
                    })
                    .collect())
            }

            async fn trigger_states(
                &self,
                watch: i64,
            ) -> Result<Vec<$crate::watch::TriggerRow>, $crate::StoreError> {
                let rows: Vec<(String, String, Option<i64>, String)> = sqlx::query_as(
                    "SELECT name, state, since_ms, detail FROM watch_triggers \
                     WHERE watch_id = $1 ORDER BY name",
                )
                .bind(watch)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| $crate::watch::TriggerRow {
                        name: r.0,
                        state: r.1,
                        since_ms: r.2,
                        detail: r.3,
                    })
                    .collect())
            }

            async fn add_watch_action(
                &self,
                watch: i64,
                a: &$crate::watch::WatchAction,
                actor: &str,
            ) -> Result<i64, $crate::StoreError> {
                let at = $crate::now();
                let detail = $crate::common::clean(&a.detail);
                let mut tx = self.write_tx().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO watch_actions (watch_id, round, at, action, trigger_name, ok, detail) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(watch)
                .bind(a.round)
                .bind(&at)
                .bind(&a.action)
                .bind(&a.trigger)
                .bind(i64::from(a.ok))
                .bind(&detail)
                .fetch_one(&mut *tx)
                .await?;
                let cols: $crate::watch::ActionCols = (
                    id,
                    watch,
                    a.round,
                    at,
                    a.action.clone(),
                    a.trigger.clone(),
                    i64::from(a.ok),
                    detail,
                );
                let subject = match &a.trigger {
                    Some(t) => format!("watch {watch} round {}: {} {t}", a.round, a.action),
                    None => format!("watch {watch} round {}: {}", a.round, a.action),
                };
                Self::append_audit(
                    &mut tx,
                    &$crate::common::clean(actor),
                    &format!("watch_{}", a.action),
                    &subject,
                    format!("watch_action:{id}"),
                    $crate::audit::hash_of(&cols),
                )
                .await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn watch_actions(
                &self,
                watch: i64,
            ) -> Result<Vec<$crate::watch::WatchAction>, $crate::StoreError> {
                let rows: Vec<$crate::watch::ActionCols> = sqlx::query_as(
                    "SELECT id, watch_id, round, at, action, trigger_name, ok, detail \
                     FROM watch_actions WHERE watch_id = $1 ORDER BY id",
                )
                .bind(watch)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|r| $crate::watch::WatchAction {
                        round: r.2,
                        at: r.3,
                        action: r.4,
                        trigger: r.5,
                        ok: r.6 != 0,
                        detail: r.7,
                    })
                    .collect())
            }

            async fn claim_rollback(&self, watch: i64) -> Result<bool, $crate::StoreError> {
                let done = sqlx::query(
                    "UPDATE watches SET rollback_claimed = 1 WHERE id = $1 AND rollback_claimed = 0",
                )
                .bind(watch)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn end_watch(&self, watch: i64) -> Result<(), $crate::StoreError> {
                sqlx::query("UPDATE watches SET ended_at = $1 WHERE id = $2")
                    .bind($crate::now())
                    .bind(watch)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use watch_impl;
