//! Fills a store with a long history, for scripts/bench-store.sh: RUNS runs
//! of an ITEMS-item checklist (a fifth of the items checked by machine with
//! latency evidence that changes every run, the rest manual), plus marks,
//! waivers and sign-offs, all written through the `Store` API as `golive
//! run`, `mark` and `sign` write them.
//!
//! cargo run --release -p golive-store --example seed -- STORE RUNS ITEMS

#![allow(clippy::print_stderr)]

use std::time::{Duration, Instant};

use golive_checklist::Checklist;
use golive_core::plan::{PlannedItem, Policy};
use golive_core::{
    CheckResult, CheckSpec, CheckStatus, Class, Evidence, Mark, MarkState, Meta, Origin, People,
    Plan, ProbeKind, RunReport, Signoff, Value,
};
use golive_store::{Location, NewRun, WaiverRecord};

fn checklist(items: usize) -> String {
    let mut md = String::from("# Production Checklist\n");
    for k in 0..items {
        if k.is_multiple_of(20) {
            md.push_str(&format!("\n## Phase {}: Area {}\n", k / 20 + 1, k / 20 + 1));
        }
        let marker = match k % 10 {
            0 => "**CRITICAL:** ",
            1 => "**HIGH:** ",
            _ => "",
        };
        md.push_str(&format!(
            "- [ ] {marker}Item {k}: verify the thing number {k} works in production\n"
        ));
    }
    md.push_str("\n## Sign-off\n| Role | Name | Signature | Date |\n| --- | --- | --- | --- |\n");
    for role in ["Tech Lead", "DevOps Engineer", "QA Engineer"] {
        md.push_str(&format!("| {role} | | | |\n"));
    }
    md
}

/// A tiny deterministic generator: runs differ, reruns of the seed do not.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [store, runs, items] = args.as_slice() else {
        eprintln!("usage: seed STORE RUNS ITEMS");
        std::process::exit(2);
    };
    let (runs, items): (usize, usize) = (runs.parse()?, items.parse()?);
    let c = Checklist::parse(checklist(items))?;
    let mut plan = Plan {
        items: Vec::new(),
        checks: Vec::new(),
        waivers: Vec::new(),
        policy: Policy::default(),
    };
    for (index, item) in c.items.iter().enumerate() {
        let checked = index.is_multiple_of(5);
        let mut checks = Vec::new();
        if checked {
            let mut spec = CheckSpec::new(
                format!("check-{index}"),
                ProbeKind::Http,
                toml::Table::new(),
                Origin::Config { line: 1 },
            );
            spec.item = Some(item.id.clone());
            checks.push(plan.checks.len());
            plan.checks.push(spec);
        }
        plan.items.push(PlannedItem {
            index,
            class: if checked { Class::Live } else { Class::Manual },
            probe: checked.then_some(ProbeKind::Http),
            thresholds: Vec::new(),
            why: String::new(),
            checks,
            needs: Vec::new(),
        });
    }
    let location = Location::parse(store)?;
    let store = golive_store::open(&location, true).await?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let start = Instant::now();
    for run in 0..runs {
        let results = plan
            .checks
            .iter()
            .map(|spec| {
                let ms = 20.0 + (rng.next() % 4000) as f64 / 10.0;
                let passed = !rng.next().is_multiple_of(20);
                let mut evidence = Evidence::new();
                evidence.insert("status".into(), Value::Int(if passed { 200 } else { 503 }));
                evidence.insert(
                    "time".into(),
                    Value::Duration(Duration::from_secs_f64(ms / 1000.0)),
                );
                CheckResult {
                    id: spec.id.clone(),
                    item: spec.item.clone(),
                    name: spec.name.clone(),
                    kind: spec.kind,
                    target: "GET https://api.example.com/health".into(),
                    status: if passed {
                        CheckStatus::Passed
                    } else {
                        CheckStatus::Failed
                    },
                    reason: (!passed).then(|| "expected status < 400, got 503".into()),
                    summary: format!("200 in {ms}ms"),
                    evidence,
                    expectations: Vec::new(),
                    duration: Duration::from_millis(ms as u64),
                    attempts: 1,
                    advisory: false,
                }
            })
            .collect();
        let report = RunReport::assemble_with(
            Some(&c),
            &plan,
            results,
            Meta {
                source: "PRODUCTION_CHECKLIST.md".into(),
                started_at: golive_store::now(),
                duration: Duration::from_millis(900),
                today: "2026-11-23",
                selected: None,
            },
            &People::default(),
        );
        let id = store
            .save_run(&NewRun {
                report: &report,
                checklist: Some("/srv/app/PRODUCTION_CHECKLIST.md".into()),
                actor: "ci".into(),
            })
            .await?;
        // People work along: a mark every few runs, a sign-off now and then.
        if run.is_multiple_of(50) {
            let k = (rng.next() as usize) % c.items.len();
            store
                .add_mark(&Mark {
                    item: c.items[k].id.clone(),
                    state: MarkState::Done,
                    by: "Ann".into(),
                    note: Some("done and checked".into()),
                    at: golive_store::now(),
                    valid_until: None,
                })
                .await?;
        }
        if run.is_multiple_of(500) {
            store
                .add_waiver(&WaiverRecord {
                    item: c.items[(run / 500) % c.items.len()].id.clone(),
                    reason: "accepted for this release".into(),
                    by: "Bob".into(),
                    at: golive_store::now(),
                    until: None,
                })
                .await?;
            store
                .add_signoff(&Signoff {
                    role: "Tech Lead".into(),
                    by: "Dana".into(),
                    at: golive_store::now(),
                    run: id,
                    digest: report.digest.clone(),
                })
                .await?;
        }
        if (run + 1).is_multiple_of(1000) {
            eprintln!(
                "seed: {} runs in {:.1}s",
                run + 1,
                start.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}
