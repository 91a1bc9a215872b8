//! The HTML report as a reader sees it: opened from disk in the system's
//! headless Chromium (driven by playwright-core, see tests/browser), with
//! what is on the page asserted — the decision at the top, the item rows,
//! the readiness chart over past runs, a latency histogram, the sign-offs —
//! and that the page fetched nothing and prints.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use golive_checklist::Checklist;
use golive_core::plan::{PlannedItem, Policy};
use golive_core::{
    CheckResult, CheckSpec, CheckStatus, Class, Evidence, Meta, Origin, Plan, ProbeKind, RunReport,
    Value,
};

fn browser_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// What the page shows, from tests/browser/inspect.mjs.
fn inspect(html: &Path) -> serde_json::Value {
    let dir = browser_dir();
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "playwright-core is not installed in {}: run scripts/test, which installs it",
        dir.display()
    );
    assert!(
        Path::new("/usr/bin/chromium").is_file(),
        "chromium is not installed: run scripts/test, which installs it"
    );
    let pdf = html.with_extension("pdf");
    let out = Command::new(golive_testkit::program("node"))
        .current_dir(&dir)
        .arg("inspect.mjs")
        .arg(html)
        .arg(&pdf)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "inspect.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn assert_self_contained(seen: &serde_json::Value) {
    let requests = seen["requests"].as_array().unwrap();
    assert!(
        requests
            .iter()
            .all(|r| r.as_str().unwrap().starts_with("file://")),
        "the report fetched something: {requests:?}"
    );
    assert_eq!(seen["detailsHiddenInPrint"], true);
    assert!(seen["pdfPages"].as_u64().unwrap() >= 1, "{seen}");
}

const CHECKLIST: &str = "\
# Launch

## Backend
- [ ] **CRITICAL:** Runbook is in the repository <!-- golive:id=runbook -->
- [ ] Backup restore tested <!-- golive:id=backup -->
- [ ] CDN configured <!-- golive:id=cdn -->

## Sign-off
| Role | Name | Signature | Date |
| --- | --- | --- | --- |
| Tech Lead | | | |
";

#[test]
fn the_handover_report_from_the_store_reads_right_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("CHECKLIST.md"), CHECKLIST).unwrap();
    std::fs::write(
        p.join("golive.toml"),
        "checklist = \"CHECKLIST.md\"\n[[check]]\nitem = \"runbook\"\nkind = \"file\"\npath = \"RUNBOOK.md\"\n\
         [[check]]\nitem = \"cdn\"\nkind = \"file\"\npath = \"cdn.conf\"\n",
    )
    .unwrap();
    let golive = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_golive"))
            .current_dir(p)
            .args(args)
            .env_remove("GOLIVE_STORE")
            .output()
            .unwrap()
    };
    golive(&["run", "golive.toml"]);
    std::fs::write(p.join("RUNBOOK.md"), "rollback: redeploy v1\n").unwrap();
    golive(&["run", "golive.toml"]);
    golive(&[
        "mark",
        "backup",
        "--done",
        "--by",
        "Ann (DevOps)",
        "--note",
        "restored the 02:00 dump",
    ]);
    golive(&[
        "mark",
        "cdn",
        "--waive",
        "CDN ships next release",
        "--by",
        "Bob (CTO)",
    ]);
    golive(&["run", "golive.toml"]);
    assert!(
        golive(&["sign", "--role", "Tech Lead", "--by", "Dana"])
            .status
            .success()
    );
    let out = golive(&["gate", "--format", "html", "-o", "report.html"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let seen = inspect(&p.join("report.html"));
    assert_self_contained(&seen);
    assert_eq!(seen["decision"], "GO WITH WAIVERS");
    assert_eq!(seen["decisionVisible"], true);
    assert!(
        seen["decisionTop"].as_f64().unwrap() < 200.0,
        "the decision comes first: {seen}"
    );
    assert_eq!(
        seen["waived"][0],
        "CDN configured: CDN ships next release (by Bob (CTO))"
    );
    let items = seen["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["id"], "runbook");
    assert_eq!(items[0]["status"], "passed");
    let backup = items[1]["evidence"].as_str().unwrap();
    assert!(
        backup.starts_with("marked done by Ann (DevOps) on 20"),
        "{backup}"
    );
    assert_eq!(
        backup.matches("restored the 02:00 dump").count(),
        1,
        "{backup}"
    );
    assert!(
        items[2]["status"].as_str().unwrap().contains("waived"),
        "{seen}"
    );
    assert_eq!(seen["readinessPoints"], 3, "one point per past run");
    assert_eq!(seen["readinessVisible"], true);
    let signoff = &seen["signoffs"][0];
    assert_eq!(signoff[0], "Tech Lead");
    assert_eq!(signoff[1], "signed");
    assert_eq!(signoff[2], "Dana");
    assert!(
        signoff[3].as_str().unwrap().starts_with("20"),
        "a date: {signoff}"
    );
    assert!(
        seen["sections"][1].as_str().unwrap().ends_with("2/3"),
        "{seen}"
    );
}

/// A report with a load item whose evidence carries a latency histogram,
/// as the `latency` and `load` probes record it.
fn load_report() -> RunReport {
    let c = Checklist::parse(
        "# Launch\n\n## Performance\n- [ ] Load test: p95 < 200ms with 100 users <!-- golive:id=load -->\n",
    )
    .unwrap();
    let spec = CheckSpec::new(
        "load",
        ProbeKind::Http,
        toml::Table::new(),
        Origin::Config { line: 1 },
    );
    let plan = Plan {
        items: vec![PlannedItem {
            index: 0,
            class: Class::Live,
            probe: Some(ProbeKind::Http),
            thresholds: Vec::new(),
            why: String::new(),
            checks: vec![0],
            needs: Vec::new(),
        }],
        checks: vec![spec],
        waivers: Vec::new(),
        policy: Policy::default(),
    };
    let buckets: Vec<Value> = [
        (5.0, 120),
        (10.0, 830),
        (25.0, 310),
        (50.0, 42),
        (100.0, 7),
        (250.0, 1),
    ]
    .iter()
    .map(|&(upper, count)| {
        let mut b = Evidence::new();
        b.insert("upper_ms".into(), Value::Float(upper));
        b.insert("count".into(), Value::Int(count));
        Value::Map(b)
    })
    .collect();
    let mut evidence = Evidence::new();
    evidence.insert("requests".into(), Value::Int(1310));
    evidence.insert("p95".into(), Value::Duration(Duration::from_millis(31)));
    evidence.insert("histogram".into(), Value::List(buckets));
    let result = CheckResult {
        id: "load".into(),
        item: Some("load".into()),
        name: "load".into(),
        kind: ProbeKind::Http,
        target: "GET http://127.0.0.1:8080/".into(),
        status: CheckStatus::Passed,
        reason: None,
        summary: "1310 requests, p95 31ms".into(),
        evidence,
        expectations: Vec::new(),
        duration: Duration::from_secs(10),
        attempts: 1,
        advisory: false,
    };
    RunReport::assemble(
        Some(&c),
        &plan,
        vec![result],
        Meta {
            source: "CHECKLIST.md".into(),
            started_at: "2026-11-23T10:00:00Z".into(),
            duration: Duration::from_secs(10),
            today: "2026-11-23",
            selected: None,
        },
    )
}

#[test]
fn latency_histograms_are_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("load.html");
    let mut bytes = Vec::new();
    golive_report::html::render_with(&load_report(), &[], &mut bytes).unwrap();
    std::fs::write(&html, bytes).unwrap();
    let seen = inspect(&html);
    assert_self_contained(&seen);
    assert_eq!(seen["decision"], "GO");
    let item = &seen["items"][0];
    assert_eq!(item["id"], "load");
    assert_eq!(item["status"], "passed");
    assert_eq!(item["bars"], 6, "one bar per bucket: {seen}");
    assert_eq!(item["histogramVisible"], true);
    assert!(
        item["evidence"]
            .as_str()
            .unwrap()
            .contains("latency of 1310 requests"),
        "{seen}"
    );
    assert_eq!(seen["readinessPoints"], 0, "no history given, no chart");
}
