//! The queries both backends share. The SQL is written once in the dialect
//! SQLite and PostgreSQL have in common (`$N` parameters, `RETURNING`,
//! `ON CONFLICT DO NOTHING`); each backend supplies its pool, how it opens a
//! write transaction, and its migrations. A macro rather than generics over
//! `sqlx::Database`: the trait bounds those need for every bound type are
//! longer than the queries themselves.

use golive_core::{Mark, MarkState, Signoff};

use crate::audit::{AuditEntry, hash_of};
use crate::{StoreError, WaiverRecord};

pub(crate) type RunCols = (
    i64,
    String,
    i64,
    String,
    Option<String>,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
);

pub(crate) const RUN_COLS: &str = "id, started_at, duration_ms, source, checklist, golive, partial, outcome, digest, summary, plan, results";

pub(crate) fn run_hash(r: &RunCols) -> String {
    hash_of(r)
}

pub(crate) type MarkCols = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);

pub(crate) fn mark_from(c: MarkCols) -> Result<Mark, StoreError> {
    Ok(Mark {
        state: MarkState::from_name(&c.2)
            .ok_or_else(|| StoreError::corrupt(format!("unknown mark state `{}`", c.2)))?,
        item: c.1,
        by: c.3,
        note: c.4,
        at: c.5,
        valid_until: c.6,
    })
}

pub(crate) type WaiverCols = (i64, String, String, String, String, Option<String>);

pub(crate) fn waiver_from(c: WaiverCols) -> WaiverRecord {
    WaiverRecord {
        item: c.1,
        reason: c.2,
        by: c.3,
        at: c.4,
        until: c.5,
    }
}

pub(crate) type SignoffCols = (i64, String, String, String, i64, String);

pub(crate) fn signoff_from(c: SignoffCols) -> Signoff {
    Signoff {
        role: c.1,
        by: c.2,
        at: c.3,
        run: c.4,
        digest: c.5,
    }
}

pub(crate) type AuditCols = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

pub(crate) fn entry_from(c: AuditCols) -> AuditEntry {
    AuditEntry {
        seq: c.0,
        at: c.1,
        actor: c.2,
        action: c.3,
        subject: c.4,
        record: c.5,
        record_hash: c.6,
        prev: c.7,
        hash: c.8,
    }
}

/// Free text people type (notes, reasons, names) passes the shape net of
/// redaction once more on its way in: a token pasted into a note is not
/// kept. The CLI has already removed the secrets it knows by value.
pub(crate) fn clean(s: &str) -> String {
    golive_core::Redactor::default().redact(s).into_owned()
}

/// The newest schema version this golive knows.
pub(crate) fn known(migrations: &[crate::Migration]) -> i64 {
    migrations.last().map_or(0, |m| m.version)
}

/// The schema version a store is at (`None` for a fresh one, where the
/// query fails for want of the table).
macro_rules! schema_version {
    ($pool:expr) => {{
        let row: Result<(Option<i64>,), sqlx::Error> =
            sqlx::query_as("SELECT MAX(version) FROM golive_schema")
                .fetch_one($pool)
                .await;
        row.ok().and_then(|r| r.0)
    }};
}

pub(crate) use schema_version;

macro_rules! store_impl {
    ($store:ty, $db:ty) => {
        impl $store {
            async fn append_audit(
                tx: &mut sqlx::Transaction<'_, $db>,
                actor: &str,
                action: &str,
                subject: &str,
                record: String,
                record_hash: String,
            ) -> Result<(), $crate::StoreError> {
                let last: Option<(i64, String)> =
                    sqlx::query_as("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
                        .fetch_optional(&mut **tx)
                        .await?;
                let (seq, prev) = match last {
                    Some((seq, hash)) => (seq + 1, hash),
                    None => (1, $crate::audit::GENESIS.to_string()),
                };
                let mut e = $crate::AuditEntry {
                    seq,
                    at: $crate::now(),
                    actor: actor.to_string(),
                    action: action.to_string(),
                    subject: subject.to_string(),
                    record,
                    record_hash,
                    prev,
                    hash: String::new(),
                };
                e.hash = $crate::audit::entry_hash(&e);
                sqlx::query(
                    "INSERT INTO audit (seq, at, actor, action, subject, record, record_hash, prev, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(e.seq)
                .bind(&e.at)
                .bind(&e.actor)
                .bind(&e.action)
                .bind(&e.subject)
                .bind(&e.record)
                .bind(&e.record_hash)
                .bind(&e.prev)
                .bind(&e.hash)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn load_run(
                &self,
                row: Option<$crate::common::RunCols>,
            ) -> Result<Option<$crate::StoredRun>, $crate::StoreError> {
                let Some(r) = row else { return Ok(None) };
                let report = $crate::record::join(
                    $crate::record::RunRow {
                        started_at: r.1,
                        duration_ms: r.2,
                        golive: r.5,
                        partial: r.6 != 0,
                    },
                    &{
                        let body: Option<(String,)> =
                            sqlx::query_as("SELECT body FROM plans WHERE digest = $1")
                                .bind(&r.10)
                                .fetch_optional(&self.pool)
                                .await?;
                        body.ok_or_else(|| {
                            $crate::StoreError::corrupt(format!("run {} lost its plan", r.0))
                        })?
                        .0
                    },
                    &r.11,
                )?;
                Ok(Some($crate::StoredRun {
                    id: r.0,
                    checklist: r.4,
                    report,
                }))
            }
        }

        #[async_trait::async_trait]
        impl $crate::Store for $store {
            async fn save_run(&self, run: &$crate::NewRun<'_>) -> Result<i64, $crate::StoreError> {
                let report = run.report;
                let split = $crate::record::split(report)?;
                let mut tx = self.write_tx().await?;
                sqlx::query("INSERT INTO plans (digest, body) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(&split.plan_digest)
                    .bind(&split.plan)
                    .execute(&mut *tx)
                    .await?;
                let duration_ms = i64::try_from(report.duration.as_millis()).unwrap_or(i64::MAX);
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO runs (started_at, duration_ms, source, checklist, golive, partial, outcome, digest, summary, plan, results) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(&report.started_at)
                .bind(duration_ms)
                .bind(&report.source)
                .bind(&run.checklist)
                .bind(&report.golive)
                .bind(i64::from(report.partial))
                .bind(report.decision.outcome.as_str())
                .bind(&report.digest)
                .bind(&split.summary)
                .bind(&split.plan_digest)
                .bind(&split.results)
                .fetch_one(&mut *tx)
                .await?;
                let cols: $crate::common::RunCols = (
                    id,
                    report.started_at.clone(),
                    duration_ms,
                    report.source.clone(),
                    run.checklist.clone(),
                    report.golive.clone(),
                    i64::from(report.partial),
                    report.decision.outcome.as_str().to_string(),
                    report.digest.clone(),
                    split.summary,
                    split.plan_digest,
                    split.results,
                );
                let subject = format!(
                    "run {id} of {}: {}",
                    report.source,
                    report.decision.outcome.as_str()
                );
                Self::append_audit(
                    &mut tx,
                    &$crate::common::clean(&run.actor),
                    "run",
                    &subject,
                    format!("run:{id}"),
                    $crate::common::run_hash(&cols),
                )
                .await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn run(&self, id: i64) -> Result<Option<$crate::StoredRun>, $crate::StoreError> {
                let row: Option<$crate::common::RunCols> = sqlx::query_as(&format!(
                    "SELECT {} FROM runs WHERE id = $1",
                    $crate::common::RUN_COLS
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                self.load_run(row).await
            }

            async fn latest_run(&self) -> Result<Option<$crate::StoredRun>, $crate::StoreError> {
                self.run_before(i64::MAX).await
            }

            async fn run_before(
                &self,
                id: i64,
            ) -> Result<Option<$crate::StoredRun>, $crate::StoreError> {
                let row: Option<$crate::common::RunCols> = sqlx::query_as(&format!(
                    "SELECT {} FROM runs WHERE partial = 0 AND id < $1 ORDER BY id DESC LIMIT 1",
                    $crate::common::RUN_COLS
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                self.load_run(row).await
            }

            async fn history(
                &self,
                limit: Option<u32>,
            ) -> Result<Vec<$crate::RunSummary>, $crate::StoreError> {
                let rows: Vec<(i64, String, i64, String, i64, String, String, String)> =
                    sqlx::query_as(
                        "SELECT id, started_at, duration_ms, source, partial, outcome, digest, summary \
                         FROM runs ORDER BY id DESC LIMIT $1",
                    )
                    .bind(limit.map_or(i64::MAX, i64::from))
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter()
                    .map(|r| {
                        Ok($crate::RunSummary {
                            id: r.0,
                            started_at: r.1,
                            duration_ms: r.2,
                            source: r.3,
                            partial: r.4 != 0,
                            outcome: r.5,
                            digest: r.6,
                            counts: serde_json::from_str(&r.7)?,
                        })
                    })
                    .collect()
            }

            async fn add_mark(&self, mark: &golive_core::Mark) -> Result<i64, $crate::StoreError> {
                let clean = $crate::common::clean;
                let (item, by) = (clean(&mark.item), clean(&mark.by));
                let note = mark.note.as_deref().map(clean);
                let mut tx = self.write_tx().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO marks (item, state, by_name, note, at, valid_until) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&item)
                .bind(mark.state.as_str())
                .bind(&by)
                .bind(&note)
                .bind(&mark.at)
                .bind(&mark.valid_until)
                .fetch_one(&mut *tx)
                .await?;
                let cols: $crate::common::MarkCols = (
                    id,
                    item.clone(),
                    mark.state.as_str().to_string(),
                    by.clone(),
                    note,
                    mark.at.clone(),
                    mark.valid_until.clone(),
                );
                let subject = format!("{item}: {}", mark.state.as_str());
                Self::append_audit(&mut tx, &by, "mark", &subject, format!("mark:{id}"), $crate::audit::hash_of(&cols)).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn add_waiver(&self, w: &$crate::WaiverRecord) -> Result<i64, $crate::StoreError> {
                let clean = $crate::common::clean;
                let (item, reason, by) = (clean(&w.item), clean(&w.reason), clean(&w.by));
                let mut tx = self.write_tx().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO waivers (item, reason, by_name, at, until) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&item)
                .bind(&reason)
                .bind(&by)
                .bind(&w.at)
                .bind(&w.until)
                .fetch_one(&mut *tx)
                .await?;
                let cols: $crate::common::WaiverCols =
                    (id, item.clone(), reason.clone(), by.clone(), w.at.clone(), w.until.clone());
                let subject = format!("{item}: {reason}");
                Self::append_audit(&mut tx, &by, "waive", &subject, format!("waiver:{id}"), $crate::audit::hash_of(&cols)).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn add_signoff(&self, s: &golive_core::Signoff) -> Result<i64, $crate::StoreError> {
                let clean = $crate::common::clean;
                let (role, by) = (clean(&s.role), clean(&s.by));
                let mut tx = self.write_tx().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO signoffs (role, by_name, at, run_id, digest) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(&role)
                .bind(&by)
                .bind(&s.at)
                .bind(s.run)
                .bind(&s.digest)
                .fetch_one(&mut *tx)
                .await?;
                let cols: $crate::common::SignoffCols =
                    (id, role.clone(), by.clone(), s.at.clone(), s.run, s.digest.clone());
                let subject = format!("{role} for run {}", s.run);
                Self::append_audit(&mut tx, &by, "sign", &subject, format!("signoff:{id}"), $crate::audit::hash_of(&cols)).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn people(&self, now: &str) -> Result<golive_core::People, $crate::StoreError> {
                let marks: Vec<$crate::common::MarkCols> = sqlx::query_as(
                    "SELECT id, item, state, by_name, note, at, valid_until FROM marks \
                     WHERE id IN (SELECT MAX(id) FROM marks GROUP BY item) ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                let signoffs: Vec<$crate::common::SignoffCols> = sqlx::query_as(
                    "SELECT id, role, by_name, at, run_id, digest FROM signoffs \
                     WHERE id IN (SELECT MAX(id) FROM signoffs GROUP BY lower(role)) ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(golive_core::People {
                    marks: marks
                        .into_iter()
                        .map($crate::common::mark_from)
                        .collect::<Result<_, _>>()?,
                    waivers: self
                        .waivers()
                        .await?
                        .into_iter()
                        .map(|w| golive_core::Waiver {
                            item: w.item,
                            reason: w.reason,
                            by: w.by,
                            until: w.until,
                        })
                        .collect(),
                    signoffs: signoffs.into_iter().map($crate::common::signoff_from).collect(),
                    now: now.to_string(),
                })
            }

            async fn waivers(&self) -> Result<Vec<$crate::WaiverRecord>, $crate::StoreError> {
                let rows: Vec<$crate::common::WaiverCols> = sqlx::query_as(
                    "SELECT id, item, reason, by_name, at, until FROM waivers \
                     WHERE id IN (SELECT MAX(id) FROM waivers GROUP BY item) ORDER BY id DESC",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map($crate::common::waiver_from).collect())
            }

            async fn audit(&self) -> Result<Vec<$crate::AuditEntry>, $crate::StoreError> {
                let rows: Vec<$crate::common::AuditCols> = sqlx::query_as(
                    "SELECT seq, at, actor, action, subject, record, record_hash, prev, hash \
                     FROM audit ORDER BY seq",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map($crate::common::entry_from).collect())
            }

            async fn verify(&self) -> Result<Vec<$crate::Finding>, $crate::StoreError> {
                let entries = self.audit().await?;
                let mut findings = $crate::audit::verify_chain(&entries);
                let mut records = Vec::new();
                let runs: Vec<$crate::common::RunCols> =
                    sqlx::query_as(&format!("SELECT {} FROM runs", $crate::common::RUN_COLS))
                        .fetch_all(&self.pool)
                        .await?;
                for r in &runs {
                    records.push((format!("run:{}", r.0), $crate::common::run_hash(r)));
                }
                let marks: Vec<$crate::common::MarkCols> = sqlx::query_as(
                    "SELECT id, item, state, by_name, note, at, valid_until FROM marks",
                )
                .fetch_all(&self.pool)
                .await?;
                for m in &marks {
                    records.push((format!("mark:{}", m.0), $crate::audit::hash_of(m)));
                }
                let waivers: Vec<$crate::common::WaiverCols> =
                    sqlx::query_as("SELECT id, item, reason, by_name, at, until FROM waivers")
                        .fetch_all(&self.pool)
                        .await?;
                for w in &waivers {
                    records.push((format!("waiver:{}", w.0), $crate::audit::hash_of(w)));
                }
                let signoffs: Vec<$crate::common::SignoffCols> =
                    sqlx::query_as("SELECT id, role, by_name, at, run_id, digest FROM signoffs")
                        .fetch_all(&self.pool)
                        .await?;
                for s in &signoffs {
                    records.push((format!("signoff:{}", s.0), $crate::audit::hash_of(s)));
                }
                records.extend(self.watch_records().await?);
                findings.extend($crate::audit::verify_records(&entries, &records));
                // A plan is named by its hash: an edited plan no longer is.
                let plans: Vec<(String, String)> = sqlx::query_as("SELECT digest, body FROM plans")
                    .fetch_all(&self.pool)
                    .await?;
                for (digest, body) in plans {
                    let h = format!(
                        "sha256:{}",
                        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(body.as_bytes()))
                    );
                    if h != digest {
                        findings.push($crate::Finding {
                            seq: None,
                            message: format!(
                                "the checklist a run read (plan {}) was changed behind golive's back",
                                digest.get(..19).unwrap_or(&digest)
                            ),
                        });
                    }
                }
                Ok(findings)
            }

            fn location(&self) -> &$crate::Location {
                &self.location
            }
        }
    };
}

pub(crate) use store_impl;

/// Runs the migrations this golive knows and the store lacks, inside a
/// write transaction the caller has opened (so that two processes opening
/// a fresh store at once apply each migration once).
macro_rules! migrate {
    ($tx:expr, $migrations:expr, $location:expr) => {{
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS golive_schema (\
                version BIGINT PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .execute(&mut *$tx)
        .await?;
        let (current,): (i64,) =
            sqlx::query_as("SELECT COALESCE(MAX(version), 0) FROM golive_schema")
                .fetch_one(&mut *$tx)
                .await?;
        let known = $migrations
            .last()
            .map_or(0, |m: &$crate::Migration| m.version);
        if current > known {
            return Err($crate::StoreError::TooNew {
                location: $location.to_string(),
                found: current,
                known,
            });
        }
        for m in $migrations.iter().filter(|m| m.version > current) {
            sqlx::raw_sql(m.sql).execute(&mut *$tx).await?;
            sqlx::query(
                "INSERT INTO golive_schema (version, description, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.description)
            .bind($crate::now())
            .execute(&mut *$tx)
            .await?;
        }
    }};
}

pub(crate) use migrate;
