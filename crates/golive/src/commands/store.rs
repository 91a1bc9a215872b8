//! What the commands that read or write the store share: finding it,
//! opening it, and the latest run settled with the people's records.

use std::path::Path;

use golive_core::RunReport;
use golive_store::{Location, Store, StoreError, StoredRun};

use crate::cli::{PeopleArgs, StoreArgs};
use crate::commands::run::today;
use crate::failure::Failure;

/// `--store` (or GOLIVE_STORE), else `.golive/golive.db` beside the input
/// (or in the current folder).
pub fn location(store: &StoreArgs, input: Option<&Path>) -> Result<Location, Failure> {
    match &store.store {
        Some(s) => Location::parse(s).map_err(failure),
        None => Ok(Location::beside(input.unwrap_or(Path::new("CHECKLIST.md")))),
    }
}

pub fn failure(e: StoreError) -> Failure {
    if e.is_user_error() {
        Failure::input(e.to_string())
    } else {
        Failure::internal(format!("the store: {e}"))
    }
}

pub async fn open(
    store: &StoreArgs,
    input: Option<&Path>,
    create: bool,
) -> Result<Box<dyn Store>, Failure> {
    let location = location(store, input)?;
    golive_store::open(&location, create).await.map_err(|e| {
        if matches!(e, StoreError::Database(_)) {
            Failure::internal(format!("cannot open the store at {location}: {e}"))
        } else {
            failure(e)
        }
    })
}

/// Opens the store a people's command names; it must exist unless `create`.
pub async fn open_for(args: &PeopleArgs, create: bool) -> Result<Box<dyn Store>, Failure> {
    open(&args.store, args.checklist.as_deref(), create).await
}

/// A stored run with the people's records of now applied.
pub struct Settled {
    pub id: i64,
    pub report: RunReport,
}

pub async fn settle(store: &dyn Store, run: StoredRun) -> Result<Settled, Failure> {
    let people = store.people(&golive_store::now()).await.map_err(failure)?;
    let mut report = run.report;
    report.settle(&people, &today());
    Ok(Settled { id: run.id, report })
}

/// The latest run of the whole checklist, settled; an input error when the
/// store holds none yet.
pub async fn latest(store: &dyn Store) -> Result<Settled, Failure> {
    let run = store.latest_run().await.map_err(failure)?.ok_or_else(|| {
        Failure::input(format!(
            "the store at {} holds no run yet: `golive run CHECKLIST.md` first",
            store.location()
        ))
    })?;
    settle(store, run).await
}

/// Who is running golive, for the audit log of runs.
pub fn actor() -> String {
    std::env::var("GOLIVE_ACTOR")
        .or_else(|_| std::env::var("USER"))
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into())
}

/// The readiness points of the latest runs, oldest first, for the chart.
pub async fn readiness(store: &dyn Store) -> Result<Vec<golive_report::html::Point>, Failure> {
    let runs = store.history(Some(60)).await.map_err(failure)?;
    Ok(runs
        .into_iter()
        .rev()
        .filter(|r| !r.partial)
        .map(|r| golive_report::html::Point {
            run: r.id,
            started_at: r.started_at,
            readiness: r.counts.readiness(),
            outcome: r.outcome,
        })
        .collect())
}
