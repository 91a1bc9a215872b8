//! The repository probes: `env` on real env files, `gitignore` and
//! `secret_scan` on real git repositories with planted secrets.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use golive_core::{Evidence, Expectation, ProbeKind, Value};
use golive_probes::{Context, Observation, Probe};
use golive_testkit::security::{commit_all, git, git_repo, plant_secrets, realistic_repo, write};

async fn observe(kind: ProbeKind, settings: &str, cx: &Context) -> (Observation, Box<dyn Probe>) {
    let table: toml::Table = toml::from_str(settings).unwrap();
    let probe = golive_probes::build(kind, &table).unwrap();
    (probe.observe(cx).await, probe)
}

fn passes(e: &Evidence, expect: &str) -> bool {
    Expectation::parse(expect).unwrap().evaluate(e).passed
}

fn defaults_pass(p: &dyn Probe, o: &Observation) -> bool {
    o.failure.is_none()
        && p.default_expectations()
            .iter()
            .all(|x| x.evaluate(&o.evidence).passed)
}

fn cx(repo: &Path) -> Context {
    let mut cx = Context::basic(Duration::from_secs(60));
    cx.repo = repo.to_path_buf();
    cx
}

fn details(e: &Evidence) -> Vec<(String, String, i64)> {
    let Some(Value::List(list)) = e.get("details") else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|d| match d {
            Value::Map(m) => Some((
                m.get("variable")
                    .or(m.get("file"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                m.get("rule")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                match m.get("line") {
                    Some(Value::Int(n)) => *n,
                    _ => 0,
                },
            )),
            _ => None,
        })
        .collect()
}

const STRONG: &str = "Zx8qP2vLm9Tr4Wk7Hn3Bd6Fg1Qs5Jc0Ye";

#[tokio::test]
async fn env_sound_file_passes_and_values_never_show() {
    let repo = git_repo();
    let root = repo.path();
    write(
        root,
        ".env.example",
        "JWT_SECRET=\nDATABASE_URL=\nNODE_ENV=\n",
    );
    write(
        root,
        ".env.production",
        &format!(
            "# production\nexport JWT_SECRET=\"{STRONG}\"\nDATABASE_URL=postgres://app:{STRONG}@db.bookly.io:5432/app?sslmode=require\nNODE_ENV=production\nCORS_ORIGIN=https://app.bookly.io\n"
        ),
    );
    write(
        root,
        ".env.development",
        "JWT_SECRET=dev-secret\nNODE_ENV=development\n",
    );
    let (obs, probe) = observe(ProbeKind::Env, "file = '.env.production'", &cx(root)).await;
    assert!(defaults_pass(&*probe, &obs), "{obs:?}");
    assert!(passes(&obs.evidence, "variables == 4"));
    assert!(!format!("{:?}", obs.evidence).contains(STRONG));
}

#[tokio::test]
async fn env_flaws_are_each_named_with_their_line() {
    let repo = git_repo();
    let root = repo.path();
    write(root, ".env.example", "JWT_SECRET=\nSENTRY_DSN=\n");
    let weak = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    write(
        root,
        ".env.production",
        &format!(
            "JWT_SECRET={STRONG}\nSESSION_SECRET=tooshort1\nAPI_TOKEN={weak}\nSTRIPE_SECRET_KEY=sk_test_{STRONG}\nSMTP_PASSWORD=changeme\nCORS_ORIGIN=*\nDEBUG=true\nAPI_URL=http://api.example.org\n"
        ),
    );
    write(root, ".env.development", &format!("JWT_SECRET={STRONG}\n"));
    let mut cx = cx(root);
    cx.env_files = Arc::new(vec![root.join(".env.production")]);
    let (obs, probe) = observe(ProbeKind::Env, "", &cx).await;
    assert!(!defaults_pass(&*probe, &obs));
    let found = details(&obs.evidence);
    for (var, rule, line) in [
        ("SENTRY_DSN", "missing", 0),
        ("JWT_SECRET", "same_as_development", 1),
        ("SESSION_SECRET", "short_secret", 2),
        ("API_TOKEN", "low_entropy", 3),
        ("STRIPE_SECRET_KEY", "test_key", 4),
        ("SMTP_PASSWORD", "placeholder", 5),
        ("CORS_ORIGIN", "cors_wildcard", 6),
        ("DEBUG", "debug_on", 7),
        ("API_URL", "insecure_url", 8),
    ] {
        assert!(
            found
                .iter()
                .any(|(v, r, l)| v == var && r == rule && *l == line),
            "{var} {rule} {line}: {found:?}"
        );
    }
    assert!(passes(&obs.evidence, "rules.short_secret == 1"));
    let text = format!("{:?}", obs.evidence);
    for value in [STRONG, weak, "tooshort1", "changeme"] {
        assert!(!text.contains(value), "{value} leaked: {text}");
    }
}

#[tokio::test]
async fn env_bad_syntax_names_the_line() {
    let repo = git_repo();
    write(repo.path(), ".env", "A=1\nB=\"never closed\n");
    let (obs, _) = observe(ProbeKind::Env, "file = '.env'", &cx(repo.path())).await;
    let why = obs.failure.expect("a failure");
    assert!(
        why.contains("line 2") && why.contains("never closed"),
        "{why}"
    );
}

#[tokio::test]
async fn gitignore_real_rules_and_tracked_files() {
    let repo = git_repo();
    let root = repo.path();
    write(root, ".gitignore", ".env*\n!.env.example\n*.pem\n");
    write(root, "services/api/.gitignore", "!.env.local\n");
    write(root, ".env.production", "A=1\n");
    write(root, ".env.example", "A=\n");
    write(root, "services/api/.env.local", "A=1\n");
    write(root, "services/api/.env.production", "A=1\n");
    write(root, "certs/server.pem", "x\n");
    commit_all(root, "start");
    let (obs, probe) = observe(ProbeKind::Gitignore, "", &cx(root)).await;
    assert_eq!(obs.failure, None, "{obs:?}");
    let e = &obs.evidence;
    // The nested negation re-includes services/api/.env.local: a finding.
    assert!(
        passes(e, "unprotected contains \"services/api/.env.local\""),
        "{e:?}"
    );
    assert!(passes(e, "not_ignored == 1"));
    assert!(passes(e, "tracked == 1"), "it was committed: {e:?}");
    assert!(!defaults_pass(&*probe, &obs));
    // .env.example is not a secret file; .env.production is ignored by the root rule.
    assert!(!format!("{e:?}").contains("\".env.example\""));
    // Fixed: the nested negation removed and the file untracked.
    std::fs::remove_file(root.join("services/api/.gitignore")).unwrap();
    git(root, &["rm", "-q", "--cached", "services/api/.env.local"]);
    commit_all(root, "fix");
    let (obs, probe) = observe(ProbeKind::Gitignore, "", &cx(root)).await;
    assert!(defaults_pass(&*probe, &obs), "{obs:?}");
    assert!(passes(&obs.evidence, "files[0].rule contains .gitignore"));
}

#[tokio::test]
async fn gitignore_info_exclude_counts_and_a_missing_rule_fails() {
    let repo = git_repo();
    let root = repo.path();
    // Nothing on disk: the usual names must be covered before they exist.
    let (obs, probe) = observe(
        ProbeKind::Gitignore,
        "paths = ['.env.production']",
        &cx(root),
    )
    .await;
    assert!(passes(&obs.evidence, "not_ignored == 1"), "{obs:?}");
    assert!(!defaults_pass(&*probe, &obs));
    std::fs::write(root.join(".git/info/exclude"), ".env.production\n").unwrap();
    let (obs, probe) = observe(
        ProbeKind::Gitignore,
        "paths = ['.env.production']",
        &cx(root),
    )
    .await;
    assert!(defaults_pass(&*probe, &obs), "{obs:?}");
    assert!(passes(&obs.evidence, "files[0].rule contains exclude"));
    let plain = tempfile::tempdir().unwrap();
    let (obs, _) = observe(ProbeKind::Gitignore, "", &cx(plain.path())).await;
    assert!(obs.failure.unwrap().contains("not a git repository"));
}

#[tokio::test]
async fn secret_scan_finds_every_planted_secret() {
    let repo = git_repo();
    let root = repo.path();
    realistic_repo(root, 200, 3);
    let planted = plant_secrets(root, 11);
    // Ignored files are not part of the repository as git sees it.
    write(root, ".env", &format!("JWT_SECRET={STRONG}\n"));
    let (obs, probe) = observe(ProbeKind::SecretScan, "", &cx(root)).await;
    assert_eq!(obs.failure, None);
    let found = details(&obs.evidence);
    for p in &planted {
        assert!(
            found
                .iter()
                .any(|(f, r, l)| *f == p.file && r == p.rule && *l == p.line as i64),
            "{p:?} not found in {found:?}"
        );
    }
    assert_eq!(found.len(), planted.len(), "{found:?}");
    assert!(!defaults_pass(&*probe, &obs));
    let text = format!("{:?}", obs.evidence);
    for p in planted.iter().filter(|p| p.rule != "private_key") {
        assert!(!text.contains(&p.secret), "{} leaked", p.rule);
    }
    // Allowed by path and by marker.
    let (obs, _) = observe(
        ProbeKind::SecretScan,
        "allow_paths = ['src/', 'scripts/*.sh', 'ai/**']",
        &cx(root),
    )
    .await;
    let rest = details(&obs.evidence);
    assert!(
        rest.iter()
            .all(|(f, _, _)| !f.starts_with("src/") && !f.starts_with("ai/")),
        "{rest:?}"
    );
    assert!(passes(&obs.evidence, "allowed >= 5"));
    let marked = std::fs::read_to_string(root.join("web/maps.js"))
        .unwrap()
        .replace("\";", "\"; // golive:allow");
    write(root, "web/maps.js", &marked);
    let (obs, _) = observe(ProbeKind::SecretScan, "", &cx(root)).await;
    assert!(
        !details(&obs.evidence)
            .iter()
            .any(|(f, _, _)| f == "web/maps.js")
    );
}

#[tokio::test]
async fn secret_scan_is_quiet_on_a_thousand_files_of_realistic_code() {
    let repo = git_repo();
    realistic_repo(repo.path(), 1000, 99);
    let (obs, probe) = observe(ProbeKind::SecretScan, "", &cx(repo.path())).await;
    assert!(defaults_pass(&*probe, &obs), "{:?}", details(&obs.evidence));
    assert!(passes(&obs.evidence, "files_scanned >= 1000"));
}

#[tokio::test]
async fn secret_scan_is_quiet_on_this_project() {
    // The workspace root: its test fixtures carry the allow marker.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (obs, probe) = observe(ProbeKind::SecretScan, "", &cx(&root)).await;
    assert!(defaults_pass(&*probe, &obs), "{:?}", details(&obs.evidence));
    assert!(passes(&obs.evidence, "files_scanned > 50"));
}
