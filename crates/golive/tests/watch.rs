//! `golive watch`, the real binary against nginx, with accelerated rounds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use assert_cmd::Command;
use golive_testkit::Nginx;

const SERVERS: &str = r#"
server {
  listen 127.0.0.1:{port};
  location = /health { default_type application/json; return 200 '{"status":"ok"}'; }
  location = /broken { return 500 'boom'; }
}
"#;

fn golive(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("golive").unwrap();
    c.env("NO_COLOR", "1")
        .env_remove("GOLIVE_STORE")
        .current_dir(dir);
    c
}

const CONFIG: &str = r#"
[[check]]
id = "health"
kind = "http"
url = "${app}/health"

[[check]]
id = "broken"
kind = "http"
url = "${app}/broken"

[watch]
rollback = "echo rolled-back >> rollbacks.log"
settle = "0s"

[[watch.trigger]]
name = "errors"
when = "error_rate > 10%"
for = "300ms"
"#;

#[test]
fn a_trigger_fires_and_the_armed_rollback_runs_once_then_is_verified() {
    let nginx = Nginx::start(SERVERS);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("golive.toml"), CONFIG).unwrap();
    let out = golive(dir.path())
        .args(["watch", "golive.toml", "--url"])
        .arg(nginx.url())
        .args(["--interval", "100ms", "--for", "1500ms", "--arm-rollback"])
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("broken DOWN: "), "{stdout}");
    assert!(
        stdout.contains("trigger errors: pending -> fired"),
        "{stdout}"
    );
    assert!(stdout.contains("rollback exited 0"), "{stdout}");
    // /broken still fails after the rollback: the report says so.
    assert!(stdout.contains("health NOT restored"), "{stdout}");
    assert!(stdout.contains("finished"), "{stdout}");
    let log = std::fs::read_to_string(dir.path().join("rollbacks.log")).unwrap();
    assert_eq!(log.lines().count(), 1, "{log}");

    // The audit log holds the firing and the rollback.
    let audit = golive(dir.path())
        .args(["audit", "--checklist", "golive.toml"])
        .assert()
        .code(0);
    let audit = String::from_utf8_lossy(&audit.get_output().stdout).to_string();
    assert!(audit.contains("watch_fired"), "{audit}");
    assert!(audit.contains("watch_rollback"), "{audit}");
}

#[test]
fn a_checklists_rollback_section_becomes_triggers_and_a_dry_run_acts_on_nothing() {
    let nginx = Nginx::start(SERVERS);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("CHECKLIST.md"),
        "# Launch\n\n## Backend\n\n- [ ] Health endpoint `/health` returns 200\n- [ ] Error page `/broken` is accessible\n\n## Rollback Plan\n\n### When to Rollback\n\n- Error rate > 10%\n- Performance degradation > 50%\n",
    )
    .unwrap();
    let out = golive(dir.path())
        .args(["watch", "CHECKLIST.md", "--url"])
        .arg(nginx.url())
        .args(["--interval", "100ms", "--for", "600ms", "--dry-run"])
        .args([
            "--rollback",
            "echo rolled-back >> rollbacks.log",
            "--arm-rollback",
        ])
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("trigger error-rate: error_rate > 10% (from \"Error rate > 10%\")"),
        "{stdout}"
    );
    assert!(stdout.contains("dry run"), "{stdout}");
    assert!(!dir.path().join("rollbacks.log").exists(), "{stdout}");
}

#[test]
fn wrong_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("golive.toml"),
        "[[check]]\nid = \"h\"\nkind = \"http\"\nurl = \"http://127.0.0.1:9/\"\n\n[watch]\n[[watch.trigger]]\nname = \"x\"\nwhen = \"cpu > 1%\"\n",
    )
    .unwrap();
    let out = golive(dir.path())
        .args(["watch", "golive.toml"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("not a trigger condition"), "{stderr}");
    golive(dir.path())
        .args(["watch", "golive.toml", "--arm-rollback"])
        .assert()
        .code(2);
}

#[test]
fn latency_is_compared_with_the_go_run_in_the_store() {
    let nginx = Nginx::start(SERVERS);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("golive.toml"),
        "[[check]]\nid = \"health\"\nkind = \"http\"\nurl = \"${app}/health\"\n\n[watch]\n[[watch.trigger]]\nname = \"slow\"\nwhen = \"latency_increase > 100000%\"\n",
    )
    .unwrap();
    let watch = |dir: &Path| {
        let out = golive(dir)
            .args(["watch", "golive.toml", "--url"])
            .arg(nginx.url())
            .args(["--interval", "100ms", "--for", "300ms"])
            .assert()
            .code(0);
        String::from_utf8_lossy(&out.get_output().stdout).to_string()
    };
    // Without a run in the store there is nothing to compare with.
    let stdout = watch(dir.path());
    assert!(stdout.contains("trigger slow: inconclusive"), "{stdout}");
    golive(dir.path())
        .args(["run", "golive.toml", "--url"])
        .arg(nginx.url())
        .assert()
        .code(0);
    let stdout = watch(dir.path());
    assert!(stdout.contains("trigger slow: ok"), "{stdout}");
}
