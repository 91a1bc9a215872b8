//! The people's part of go-live, through the real binary: marks, waivers,
//! sign-offs, the gate, history, diff and the audit log, on both stores —
//! the default SQLite file beside the checklist, and a PostgreSQL database
//! of its own named with GOLIVE_STORE. Tampering goes through sqlite3 and
//! psql, behind golive's back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use golive_testkit::store::{PgDatabase, sqlite3};

const CHECKLIST: &str = "\
# Launch

## Backend
- [ ] **CRITICAL:** Runbook is in the repository <!-- golive:id=runbook -->
- [ ] **HIGH:** Backup restore tested <!-- golive:id=backup -->
- [ ] CDN configured <!-- golive:id=cdn -->
- [ ] Train support team <!-- golive:id=support -->

## Sign-off
| Role | Name | Signature | Date |
| --- | --- | --- | --- |
| Tech Lead | | | |
| QA Engineer | | | |
";

const CONFIG: &str = r#"
checklist = "CHECKLIST.md"

[[check]]
item = "runbook"
kind = "file"
path = "RUNBOOK.md"

[[check]]
item = "cdn"
kind = "file"
path = "cdn.conf"
"#;

enum Backend {
    Sqlite,
    Postgres(PgDatabase),
}

struct Project {
    dir: tempfile::TempDir,
    backend: Backend,
}

impl Project {
    fn new(postgres: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("CHECKLIST.md"), CHECKLIST).unwrap();
        std::fs::write(dir.path().join("golive.toml"), CONFIG).unwrap();
        std::fs::write(
            dir.path().join("RUNBOOK.md"),
            "# Runbook\nrollback: redeploy v1\n",
        )
        .unwrap();
        let backend = if postgres {
            Backend::Postgres(PgDatabase::create())
        } else {
            Backend::Sqlite
        };
        Self { dir, backend }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_golive"));
        c.current_dir(self.dir.path())
            .args(args)
            .arg("--color=never")
            .env_remove("GOLIVE_STORE")
            .env("GOLIVE_ACTOR", "ci-bot");
        if let Backend::Postgres(db) = &self.backend {
            c.env("GOLIVE_STORE", &db.url);
        }
        c
    }

    fn golive(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs SQL on the store behind golive's back.
    fn tamper(&self, sql: &str) -> String {
        match &self.backend {
            Backend::Sqlite => sqlite3(&self.path(".golive/golive.db"), sql),
            Backend::Postgres(db) => db.execute(sql),
        }
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[track_caller]
fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o)
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

fn story(p: &Project) {
    // The first run: the CDN config is missing, the backup untested, no sign-off.
    let run = p.golive(&["run", "golive.toml"]);
    assert_eq!(code(&run), 1, "{}", stdout(&run));
    let gate = p.golive(&["gate"]);
    assert_eq!(code(&gate), 1);
    let g = stdout(&gate);
    assert!(
        g.contains("HIGH item still open: Backup restore tested"),
        "{g}"
    );
    assert!(g.contains("item failed: CDN configured"), "{g}");
    assert!(g.contains("sign-off missing: Tech Lead"), "{g}");

    // People do their part.
    ok(p.golive(&[
        "mark",
        "backup restore",
        "--done",
        "--by",
        "Ann (DevOps)",
        "--valid-for",
        "30d",
        "--note",
        "restored the 02:00 dump into staging",
    ]));
    ok(p.golive(&[
        "mark",
        "cdn",
        "--waive",
        "CDN ships with the next release",
        "--by",
        "Bob (CTO)",
        "--until",
        "2099-12-31",
    ]));
    let amb = p.golive(&["mark", "e", "--done", "--by", "Ann"]);
    assert_eq!(code(&amb), 2, "an ambiguous ITEM is an input error");
    assert!(String::from_utf8_lossy(&amb.stderr).contains("matches"));
    ok(p.golive(&["sign", "--role", "tech lead", "--by", "Dana"]));
    let gate = p.golive(&["gate"]);
    assert_eq!(code(&gate), 1, "QA has not signed: {}", stdout(&gate));
    ok(p.golive(&["sign", "--role", "QA Engineer", "--by", "Eve"]));
    let bad_role = p.golive(&["sign", "--role", "Janitor", "--by", "X"]);
    assert_eq!(code(&bad_role), 2);
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("Tech Lead, QA Engineer"));

    let gate = p.golive(&["gate"]);
    let g = stdout(&gate);
    assert_eq!(code(&gate), 0, "{g}");
    assert!(g.contains("GO WITH WAIVERS"), "{g}");
    assert!(
        g.contains(
            "CDN configured: CDN ships with the next release (by Bob (CTO), until 2099-12-31)"
        ),
        "{g}"
    );
    assert!(g.contains("Tech Lead (Dana,"), "{g}");
    let j = json(&p.golive(&["gate", "--format", "json"]));
    assert_eq!(j["decision"]["outcome"], "GO WITH WAIVERS");
    assert_eq!(j["decision"]["waived"][0]["by"], "Bob (CTO)");
    assert_eq!(j["signoffs"][1]["by"], "Eve");

    // A run whose results differ: the sign-offs no longer count.
    std::fs::remove_file(p.path("RUNBOOK.md")).unwrap();
    assert_eq!(code(&p.golive(&["run", "golive.toml"])), 1);
    let gate = p.golive(&["gate"]);
    let g = stdout(&gate);
    assert_eq!(code(&gate), 1, "{g}");
    assert!(
        g.contains("sign-off stale: Tech Lead (signed by Dana"),
        "{g}"
    );
    assert!(
        g.contains("CRITICAL item failed: Runbook is in the repository"),
        "{g}"
    );

    // The same results as the signed run again: signed again.
    std::fs::write(p.path("RUNBOOK.md"), "# Runbook\nrollback: redeploy v1\n").unwrap();
    let run = p.golive(&["run", "golive.toml"]);
    assert_eq!(code(&run), 0, "{}", stdout(&run));

    let h = json(&p.golive(&["history", "--format", "json"]));
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!(h[0]["id"], 3, "newest first");
    assert_eq!(h[0]["outcome"], "GO WITH WAIVERS");
    assert_eq!(h[1]["outcome"], "NO-GO");
    assert_eq!(h[1]["counts"]["failed"], 2);
    let human = ok(p.golive(&["history"]));
    assert!(
        human.contains("NO-GO") && human.contains("GO WITH WAIVERS"),
        "{human}"
    );

    let d = json(&p.golive(&["diff", "--format", "json"]));
    assert_eq!(d["newer"]["id"], 3);
    assert_eq!(d["older"]["id"], 2);
    let changes = d["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{d}");
    assert_eq!(changes[0]["id"], "runbook");
    assert_eq!(changes[0]["from"], "failed");
    assert_eq!(changes[0]["to"], "passed");
    let d = json(&p.golive(&["diff", "1", "2", "--format", "json"]));
    assert_eq!(d["changes"][0]["regression"], true, "{d}");

    // The log has every write, by whom, and holds.
    let log = json(&p.golive(&["audit", "--format", "json"]));
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["run", "mark", "waive", "sign", "sign", "run", "run"]
    );
    assert_eq!(log[0]["actor"], "ci-bot");
    assert_eq!(log[1]["actor"], "Ann (DevOps)");
    assert!(ok(p.golive(&["audit", "verify"])).contains("intact: 7 entries"));

    // Behind golive's back: a mark rewritten, then the log entry covering it.
    p.tamper("UPDATE marks SET by_name = 'Mallory' WHERE item = 'backup'");
    let v = p.golive(&["audit", "verify"]);
    assert_eq!(code(&v), 1);
    assert!(
        stdout(&v).contains("mark:1 differs from what entry 2 recorded"),
        "{}",
        stdout(&v)
    );
    p.tamper("UPDATE audit SET actor = 'Mallory' WHERE seq = 2");
    p.tamper("DELETE FROM audit WHERE seq = 4");
    let v = json(&p.golive(&["audit", "verify", "--format", "json"]));
    assert_eq!(v["intact"], false);
    let text = v["findings"].to_string();
    assert!(text.contains("entry 2 was changed"), "{text}");
    assert!(text.contains("entries 4..4 are missing"), "{text}");
}

#[test]
fn the_story_on_sqlite() {
    let p = Project::new(false);
    story(&p);
    assert!(
        p.path(".golive/golive.db").is_file(),
        "the store sits beside the checklist"
    );
}

#[test]
fn the_story_on_postgres() {
    let p = Project::new(true);
    story(&p);
    assert!(!p.path(".golive").exists(), "GOLIVE_STORE names the store");
}

#[test]
fn a_mark_goes_stale_after_its_validity() {
    let p = Project::new(false);
    p.golive(&["run", "golive.toml"]);
    ok(p.golive(&[
        "mark",
        "backup",
        "--done",
        "--by",
        "Ann",
        "--valid-for",
        "1s",
    ]));
    let g = stdout(&p.golive(&["gate"]));
    assert!(!g.contains("Backup restore tested"), "{g}");
    std::thread::sleep(Duration::from_millis(2100));
    let g = stdout(&p.golive(&["gate"]));
    assert!(
        g.contains("HIGH item still open: Backup restore tested: marked done by Ann on")
            && g.contains("stale since"),
        "{g}"
    );
    assert!(g.contains("1 stale (open again)"), "{g}");
}

#[test]
fn write_back_puts_marks_into_the_markdown() {
    let p = Project::new(false);
    p.golive(&["run", "golive.toml"]);
    ok(p.golive(&[
        "mark",
        "support",
        "--in-progress",
        "--by",
        "Bob",
        "--write-back",
    ]));
    ok(p.golive(&["mark", "backup", "--blocked", "--by", "Bob", "--write-back"]));
    let md = std::fs::read_to_string(p.path("CHECKLIST.md")).unwrap();
    let expected = CHECKLIST
        .replace("- [ ] **HIGH:** Backup", "- [!] **HIGH:** Backup")
        .replace("- [ ] Train support", "- [~] Train support");
    assert_eq!(md, expected, "only the two boxes changed");
    ok(p.golive(&["mark", "backup", "--done", "--by", "Bob", "--write-back"]));
    let md = std::fs::read_to_string(p.path("CHECKLIST.md")).unwrap();
    assert!(md.contains("- [x] **HIGH:** Backup"), "{md}");
    // A run's write-back keeps people's marks as well as the checks' verdicts.
    ok(p.golive(&["mark", "backup", "--reopen", "--by", "Bob"]));
    p.golive(&["run", "golive.toml", "--write-back"]);
    let md = std::fs::read_to_string(p.path("CHECKLIST.md")).unwrap();
    assert!(md.contains("- [ ] **HIGH:** Backup"), "{md}");
    assert!(md.contains("- [x] **CRITICAL:** Runbook"), "{md}");
    assert!(md.contains("- [!] CDN configured"), "{md}");
}

#[test]
fn notes_keep_no_secret() {
    let p = Project::new(false);
    std::fs::write(p.path(".env.production"), "DB_PASSWORD=Sup3rS3cretValue\n").unwrap();
    p.golive(&["run", "golive.toml"]);
    ok(p.golive(&[
        "mark",
        "backup",
        "--done",
        "--by",
        "Ann",
        "--env-file",
        ".env.production",
        "--note",
        "restored with password Sup3rS3cretValue and Authorization: Bearer abcdefghij0123456789",
    ]));
    let raw = p.tamper("SELECT note FROM marks");
    assert!(!raw.contains("Sup3rS3cretValue"), "{raw}");
    assert!(!raw.contains("abcdefghij0123456789"), "{raw}");
    assert!(raw.contains("[redacted]"), "{raw}");
}

#[test]
fn no_store_keeps_nothing_and_readers_do_not_create_a_store() {
    let p = Project::new(false);
    let gate = p.golive(&["gate"]);
    assert_eq!(code(&gate), 2);
    assert!(String::from_utf8_lossy(&gate.stderr).contains("no store at"));
    p.golive(&["run", "golive.toml", "--no-store"]);
    assert!(!p.path(".golive").exists());
    let bad = p.golive(&["run", "golive.toml", "--store", "mysql://root@127.0.0.1/x"]);
    assert_eq!(code(&bad), 2);
}

fn marks_at_once(p: &Project) {
    let checklist: String = (0..16)
        .map(|i| format!("- [ ] Task {i} <!-- golive:id=task-{i} -->\n"))
        .collect();
    std::fs::write(
        p.path("TASKS.md"),
        format!("# Tasks\n\n## Work\n{checklist}"),
    )
    .unwrap();
    ok(p.golive(&["run", "TASKS.md"]));
    // Two people, eight marks each, all started at the same moment.
    let children: Vec<_> = (0..16)
        .map(|i| {
            let who = if i % 2 == 0 { "Ann" } else { "Bob" };
            p.cmd(&[
                "mark",
                &format!("task-{i}"),
                "--done",
                "--by",
                who,
                "-c",
                "TASKS.md",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let g = json(&p.golive(&["gate", "--format", "json", "-c", "TASKS.md"]));
    assert_eq!(g["summary"]["done"], 16, "{g}");
    assert!(ok(p.golive(&["audit", "verify", "-c", "TASKS.md"])).contains("17 entries"));
}

#[test]
fn marks_at_the_same_moment_all_land_on_sqlite() {
    marks_at_once(&Project::new(false));
}

#[test]
fn marks_at_the_same_moment_all_land_on_postgres() {
    marks_at_once(&Project::new(true));
}

fn killed_mid_way(p: &Project) {
    assert_eq!(code(&p.golive(&["run", "golive.toml"])), 1);
    ok(p.golive(&["mark", "backup", "--done", "--by", "Ann"]));
    ok(p.golive(&["sign", "--role", "Tech Lead", "--by", "Dana"]));

    // A run stuck on a silent server, killed outright.
    let silent = golive_testkit::silent_listener();
    std::fs::write(
        p.path("slow.toml"),
        format!(
            "checklist = \"CHECKLIST.md\"\n[[check]]\nitem = \"support\"\nkind = \"http\"\nurl = \"http://{}/\"\ntimeout = \"60s\"\n",
            silent.addr
        ),
    )
    .unwrap();
    let mut run = p
        .cmd(&["run", "slow.toml"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    kill9(&mut run);

    // Writers killed at every stage of their short lives.
    for delay in [0u64, 5, 10, 20, 40, 80] {
        let mut m = p
            .cmd(&["mark", "support", "--in-progress", "--by", "Zed"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        kill9(&mut m);
    }

    let h = json(&p.golive(&["history", "--format", "json"]));
    assert_eq!(
        h.as_array().unwrap().len(),
        1,
        "the killed run left nothing: {h}"
    );
    // The sign-off and the earlier mark are there; a killed writer's mark
    // either landed whole (with its audit entry) or not at all.
    let g = json(&p.golive(&["gate", "--format", "json"]));
    assert_eq!(g["signoffs"][0]["by"], "Dana", "{g}");
    assert_eq!(g["signoffs"][0]["run"], 1, "{g}");
    assert_eq!(g["summary"]["done"], 1, "{g}");
    let log = json(&p.golive(&["audit", "--format", "json"]));
    let zed = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "Zed")
        .count();
    assert_eq!(g["summary"]["in_progress"], u64::from(zed > 0), "{g}");
    assert!(ok(p.golive(&["audit", "verify"])).contains("intact"));
    if let Backend::Sqlite = p.backend {
        assert_eq!(p.tamper("PRAGMA integrity_check"), "ok");
    }
    // And the store still takes writes.
    ok(p.golive(&["mark", "support", "--done", "--by", "Ann"]));
}

fn kill9(child: &mut std::process::Child) {
    // SIGKILL: no destructor, no rollback handler, nothing runs.
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_run_killed_mid_way_leaves_the_store_intact_on_sqlite() {
    killed_mid_way(&Project::new(false));
}

#[test]
fn a_run_killed_mid_way_leaves_the_store_intact_on_postgres() {
    killed_mid_way(&Project::new(true));
}
