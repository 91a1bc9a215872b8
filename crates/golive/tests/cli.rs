//! The real binary, end to end: a checklist in, a decision and reports out,
//! against real local servers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use golive_testkit::Nginx;

const SERVERS: &str = r#"
server {
  listen 127.0.0.1:{port};
  location = /health { default_type application/json; return 200 '{"status":"ok","database":"connected"}'; }
  location = /broken { return 500 'boom'; }
}
"#;

fn golive() -> Command {
    let mut c = Command::cargo_bin("golive").unwrap();
    c.env("NO_COLOR", "1").env_remove("GOLIVE_STORE");
    c
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

const GOOD: &str = "# Launch\n\n## Backend\n\n- [ ] Health endpoint `/health` returns 200\n- [x] Code reviewed and approved\n";
const BAD: &str = "# Launch\n\n## Backend\n\n- [ ] Health endpoint `/health` returns 200\n- [ ] Error page `/broken` is accessible\n";

#[test]
fn go_exits_0_and_no_go_exits_1() {
    let nginx = Nginx::start(SERVERS);
    let dir = tempfile::tempdir().unwrap();
    let good = write(dir.path(), "good.md", GOOD);
    let out = golive()
        .arg("run")
        .arg(&good)
        .arg("--url")
        .arg(nginx.url())
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("✓ pass") && stdout.contains("200 in "),
        "{stdout}"
    );
    assert!(stdout.trim_end().ends_with("GO"), "{stdout}");

    let bad = write(dir.path(), "bad.md", BAD);
    let out = golive()
        .arg("run")
        .arg(&bad)
        .arg("--url")
        .arg(nginx.url())
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("NO-GO"), "{stdout}");
    assert!(
        stdout.contains("expected status < 400, got 500"),
        "{stdout}"
    );
}

#[test]
fn bad_input_exits_2_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    golive()
        .arg("run")
        .arg(dir.path().join("missing.md"))
        .assert()
        .code(2);
    golive().arg("run").arg("--no-such-flag").assert().code(2);
    golive()
        .args(["run", "x.md", "--url", "ftp://nope"])
        .assert()
        .code(2);

    let config = write(
        dir.path(),
        "golive.toml",
        "[targets]\napp = \"http://127.0.0.1:1\"\n\n[[check]]\nkind = \"http\"\nurl = \"${app}/health\"\nmethd = \"GET\"\n",
    );
    let out = golive().arg("run").arg(&config).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("golive.toml:7:1"), "{stderr}");
    assert!(stderr.contains("unknown field `methd`"), "{stderr}");

    let config = write(
        dir.path(),
        "bad-expect.toml",
        "[[check]]\nkind = \"tcp\"\nhost = \"h\"\nport = 1\nexpect = [\"open ~~ true\"]\n",
    );
    let out = golive().arg("plan").arg(&config).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("bad-expect.toml:5:17"), "{stderr}");
    assert!(stderr.contains("expected an operator"), "{stderr}");

    let config = write(
        dir.path(),
        "kind.toml",
        "[[check]]\nkind = \"htp\"\nurl = \"x\"\n",
    );
    let out = golive().arg("plan").arg(&config).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("kind.toml:2:8") && stderr.contains("unknown probe kind `htp`"),
        "{stderr}"
    );

    let md = write(
        dir.path(),
        "dup.md",
        "- [ ] a <!-- golive:id=x -->\n- [ ] b <!-- golive:id=x -->\n",
    );
    let out = golive().arg("plan").arg(&md).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("dup.md:2:3") && stderr.contains("given to two items"),
        "{stderr}"
    );
}

#[test]
fn a_config_binds_checks_to_items_and_names_unknown_ones() {
    let nginx = Nginx::start(SERVERS);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "CHECKLIST.md", BAD);
    let config = write(
        dir.path(),
        "golive.toml",
        &format!(
            "checklist = \"CHECKLIST.md\"\n[targets]\napp = \"{}\"\n\n[[check]]\nitem = \"backend/health-endpoint-health-returns-200\"\nkind = \"http\"\nurl = \"${{app}}/health\"\nexpect = [\"json.database == connected\", \"time < 2s\"]\n\n[[check]]\nitem = \"backend/error-page-broken-is-accessible\"\nkind = \"http\"\nurl = \"${{app}}/broken\"\nexpect = [\"status == 500\"]\n",
            nginx.url()
        ),
    );
    golive().arg("run").arg(&config).assert().code(0);

    let wrong = write(
        dir.path(),
        "wrong.toml",
        "checklist = \"CHECKLIST.md\"\n[[check]]\nitem = \"backend/health\"\nkind = \"tcp\"\nhost = \"h\"\nport = 1\n",
    );
    let out = golive().arg("run").arg(&wrong).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("wrong.toml:3:8") && stderr.contains("no item `backend/health`"),
        "{stderr}"
    );
}

#[test]
fn init_writes_a_config_that_runs_the_same() {
    let nginx = Nginx::start(SERVERS);
    let dir = tempfile::tempdir().unwrap();
    let md = write(dir.path(), "CHECKLIST.md", BAD);
    golive().arg("init").arg(&md).assert().code(0);
    let config = dir.path().join("golive.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("checklist = \"CHECKLIST.md\""), "{text}");
    golive().arg("init").arg(&md).assert().code(2);
    let direct = golive()
        .arg("run")
        .arg(&md)
        .args(["--url", &nginx.url(), "--format", "json"])
        .assert()
        .code(1);
    let via = golive()
        .arg("run")
        .arg(&config)
        .args(["--url", &nginx.url(), "--format", "json"])
        .assert()
        .code(1);
    let statuses = |out: &[u8]| {
        let v: serde_json::Value = serde_json::from_slice(out).unwrap();
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["id"].to_string(), i["status"].to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        statuses(&direct.get_output().stdout),
        statuses(&via.get_output().stdout)
    );
}

#[test]
fn write_back_ticks_only_the_boxes() {
    let nginx = Nginx::start(SERVERS);
    let dir = tempfile::tempdir().unwrap();
    let md = write(dir.path(), "CHECKLIST.md", &BAD.replace('\n', "\r\n"));
    let before = std::fs::read(&md).unwrap();
    golive()
        .arg("run")
        .arg(&md)
        .args(["--url", &nginx.url(), "--write-back"])
        .assert()
        .code(1);
    let after = std::fs::read(&md).unwrap();
    let diff: Vec<(u8, u8)> = before
        .iter()
        .zip(&after)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (*a, *b))
        .collect();
    assert_eq!(diff, vec![(b' ', b'x'), (b' ', b'!')]);
    assert_eq!(before.len(), after.len());
    // The markdown format prints the same bytes.
    let out = golive()
        .arg("run")
        .arg(&md)
        .args(["--url", &nginx.url(), "--format", "markdown"])
        .assert()
        .code(1);
    assert_eq!(out.get_output().stdout, after);
}

#[test]
fn no_secret_reaches_any_format() {
    let nginx = Nginx::start(SERVERS);
    let dir = tempfile::tempdir().unwrap();
    let secret = "jwt-Secret-value-9f8e7d6c5b4a"; // golive:allow (a test secret)
    let db_pw = "Db-pAssw0rd-xyzzy";
    let env = write(
        dir.path(),
        ".env.production",
        &format!(
            "JWT_SECRET={secret}\nDATABASE_URL=postgres://app:{db_pw}@127.0.0.1:1/app\nAPI_TOKEN=tok_abcdefghijkl\n"
        ),
    );
    write(
        dir.path(),
        "CHECKLIST.md",
        "## Checks\n- [ ] Secrets printed\n- [ ] Database answers\n- [ ] API answers\n",
    );
    let config = write(
        dir.path(),
        "golive.toml",
        &format!(
            "checklist = \"CHECKLIST.md\"\n\n[[check]]\nitem = \"checks/secrets-printed\"\nkind = \"command\"\nrun = \"echo jwt=$JWT_SECRET db=$DATABASE_URL; exit 1\"\n\n[[check]]\nitem = \"checks/database-answers\"\nkind = \"tcp\"\nhost = \"${{DATABASE_URL}}\"\n\n[[check]]\nitem = \"checks/api-answers\"\nkind = \"http\"\nurl = \"{}/health\"\nheaders = {{ Authorization = \"Bearer ${{API_TOKEN}}\" }}\nexpect = [\"status == 418\"]\n",
            nginx.url()
        ),
    );
    for format in ["human", "json", "junit", "markdown", "html"] {
        let out = golive()
            .arg("run")
            .arg(&config)
            .arg("--env-file")
            .arg(&env)
            .args(["--format", format])
            .assert()
            .code(1);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.get_output().stdout),
            String::from_utf8_lossy(&out.get_output().stderr)
        );
        for s in [secret, db_pw, "tok_abcdefghijkl"] {
            assert!(!all.contains(s), "{format} leaks {s}:\n{all}");
        }
        if format == "json" {
            assert!(all.contains("jwt=[redacted]"), "{all}");
        }
    }
}

#[test]
fn plan_json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let md = write(
        dir.path(),
        "c.md",
        "## Perf\n- [ ] **HIGH:** Response times are acceptable (<500ms) on `/health`\n- [ ] Train support team\n\n| Role | Name | Date |\n|---|---|---|\n| QA | ___ | ___ |\n",
    );
    let out = golive()
        .arg("plan")
        .arg(&md)
        .args(["--format", "json"])
        .assert()
        .code(0);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let item = &v["items"][0];
    for key in [
        "id",
        "line",
        "text",
        "section",
        "priority",
        "status",
        "class",
        "probe",
        "thresholds",
        "why",
        "checks",
    ] {
        assert!(!item[key].is_null(), "{key} in {item}");
    }
    assert_eq!(item["priority"], "high");
    assert_eq!(item["class"], "live");
    assert_eq!(item["probe"], "http");
    assert_eq!(item["status"], "todo");
    assert_eq!(item["thresholds"][0]["expect"], "time < 500ms");
    assert_eq!(v["items"][1]["class"], "manual");
    assert!(v["items"][1]["probe"].is_null());
    assert_eq!(v["signoffs"][0]["role"], "QA");
}

#[test]
fn status_counts_sections() {
    let dir = tempfile::tempdir().unwrap();
    let md = write(
        dir.path(),
        "c.md",
        "## Security (1/3 complete)\n- [x] a\n- [ ] b\n- [!] c\n- [~] d\n",
    );
    let out = golive().arg("status").arg(&md).assert().code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("Security (1/4 complete)") && stdout.contains("heading says 1/3"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Blocked") && stdout.contains("In progress"),
        "{stdout}"
    );
}

#[test]
fn only_runs_the_selected_items() {
    let nginx = Nginx::start(SERVERS);
    let dir = tempfile::tempdir().unwrap();
    let md = write(dir.path(), "c.md", BAD);
    let out = golive()
        .arg("run")
        .arg(&md)
        .args([
            "--url",
            &nginx.url(),
            "--only",
            "health",
            "--format",
            "json",
        ])
        .assert()
        .code(0);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    assert_eq!(v["partial"], true);
    golive()
        .arg("run")
        .arg(&md)
        .args(["--only", "nothing-like-this"])
        .assert()
        .code(2);
}

#[test]
fn without_a_url_live_items_are_not_verified() {
    let dir = tempfile::tempdir().unwrap();
    let md = write(dir.path(), "c.md", GOOD);
    let out = golive()
        .arg("run")
        .arg(&md)
        .args(["--format", "json"])
        .assert()
        .code(0);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["items"][0]["status"], "not_verified");
    assert!(
        v["items"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("needs --url")
    );
}

#[test]
fn secrets_gen_makes_strong_secrets() {
    let out = golive().args(["secrets", "gen"]).assert().code(0);
    let s = String::from_utf8_lossy(&out.get_output().stdout)
        .trim()
        .to_string();
    assert_eq!(s.len(), 64);
    assert!(s.chars().all(|c| c.is_ascii_hexdigit()));
    let out = golive()
        .args(["secrets", "gen", "--base64", "32", "--count", "3"])
        .assert()
        .code(0);
    let lines: Vec<String> = String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 3);
    assert_ne!(lines[0], lines[1]);
    golive()
        .args(["secrets", "gen", "--hex", "4"])
        .assert()
        .code(2);
}

#[test]
fn the_demo_finds_its_faults() {
    let out = golive().arg("demo").assert().code(0);
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("expected json.redis == \"connected\", got \"disconnected\""),
        "{stdout}"
    );
    assert!(stdout.contains("expected time < 2s"), "{stdout}");
    assert!(
        stdout.contains("expected status == 401, got 200"),
        "{stdout}"
    );
    assert!(stdout.contains("NO-GO"), "{stdout}");
    assert!(
        !stdout.contains("8f2c41e9b7d05a63"),
        "the demo's JWT secret never shows"
    );
    let out = golive().args(["demo", "--format", "json"]).assert().code(0);
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["decision"]["outcome"], "NO-GO");
}
