//! The `backup` probe on real pg_dump files: recent or too old, full or
//! empty, restoring into a scratch database or not, and listings printed by
//! a command as storage CLIs print them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use golive_core::ProbeKind;
use golive_probes::Context;
use golive_testkit::infra::{PgDb, psql};
use golive_testkit::program;
use support::*;

const T: Duration = Duration::from_secs(60);

fn cx_at(dir: &Path) -> Context {
    let mut cx = cx(T);
    cx.repo = dir.to_path_buf();
    cx
}

/// A real dump of a small booking database.
fn dump(db: &PgDb, to: &Path) {
    db.sql(
        "CREATE TABLE bookings (id serial PRIMARY KEY, customer text, at timestamptz DEFAULT now()); \
         INSERT INTO bookings (customer) SELECT 'customer ' || g FROM generate_series(1, 200) g;",
    );
    let out = Command::new(program("pg_dump"))
        .args(["-h", "127.0.0.1", "-U", "postgres", "-Fc", "-f"])
        .arg(to)
        .arg(&db.name)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn age(path: &Path, when: &str) {
    let ok = Command::new("touch")
        .arg("-d")
        .arg(when)
        .arg(path)
        .status()
        .unwrap();
    assert!(ok.success());
}

#[tokio::test]
async fn newest_dump_recent_big_enough_and_restorable() {
    let dir = tempfile::tempdir().unwrap();
    let db = PgDb::create();
    let old = dir.path().join("db-2026-11-20.dump");
    let new = dir.path().join("db-2026-11-22.dump");
    dump(&db, &old);
    std::fs::copy(&old, &new).unwrap();
    age(&old, "3 days ago");
    std::fs::write(dir.path().join("notes.txt"), "not a backup").unwrap();

    let restore = "pg_restore --no-owner -d \"$GOLIVE_SCRATCH_URL\" \"$GOLIVE_BACKUP_FILE\" && \
                   test \"$(psql \"$GOLIVE_SCRATCH_URL\" -Atc 'SELECT count(*) FROM bookings')\" = 200";
    let settings = format!(
        "path = '*.dump'\nmax_age = '26h'\nmin_size = '1KB'\nrestore_command = '''{restore}'''\nscratch_url = 'postgres://postgres:Backup-s3cret@127.0.0.1:5432/postgres'"
    );
    let (obs, probe) = observe(ProbeKind::Backup, &settings, &cx_at(dir.path())).await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    let e = &obs.evidence;
    assert!(passes(e, "matched == 2"), "{e:?}");
    assert!(passes(e, "newest contains db-2026-11-22.dump"));
    assert!(passes(e, "age < 1m") && passes(e, "size > 1KB"));
    assert!(passes(e, "restored == true") && passes(e, "restore_exit_code == 0"));
    // The scratch database is gone.
    let scratch = e["scratch_database"].as_str().unwrap().to_string();
    assert!(scratch.starts_with("golive_restore_"));
    let left = psql(
        "postgres",
        &format!("SELECT count(*) FROM pg_database WHERE datname = '{scratch}'"),
    );
    assert_eq!(left, "0");
    assert_secret_kept(probe.as_ref(), &obs, "Backup-s3cret");
    assert!(
        probe.summary(e).ends_with("restored"),
        "{}",
        probe.summary(e)
    );

    // Three days later the same backup is too old.
    age(&new, "3 days ago");
    let (obs, probe) = observe(
        ProbeKind::Backup,
        "path = '*.dump'\nmax_age = '26h'",
        &cx_at(dir.path()),
    )
    .await;
    let why = default_failures(probe.as_ref(), &obs);
    assert_eq!(why.len(), 1, "{why:?}");
    assert!(why[0].starts_with("expected age < 26h, got "), "{why:?}");
    assert!(passes(&obs.evidence, "age > 70h"), "{:?}", obs.evidence);
}

#[tokio::test]
async fn empty_or_missing_or_unrestorable_backups_fail() {
    let dir = tempfile::tempdir().unwrap();
    // The job that lost its password writes an empty file every night.
    std::fs::write(dir.path().join("db.sql.gz"), "").unwrap();
    let (obs, probe) = observe(
        ProbeKind::Backup,
        "path = '*.sql.gz'\nmin_size = '1KB'",
        &cx_at(dir.path()),
    )
    .await;
    assert_eq!(
        default_failures(probe.as_ref(), &obs),
        ["expected size >= 1KB, got 0"]
    );

    let (obs, probe) = observe(
        ProbeKind::Backup,
        "path = 'nothing-*.dump'\nmax_age = '26h'",
        &cx_at(dir.path()),
    )
    .await;
    assert!(!defaults_pass(probe.as_ref(), &obs));
    assert_eq!(probe.summary(&obs.evidence), "no backup found");

    // A corrupt dump does not restore.
    std::fs::write(dir.path().join("broken.dump"), vec![7u8; 4096]).unwrap();
    let (obs, probe) = observe(
        ProbeKind::Backup,
        "path = '*.dump'\nrestore_command = 'pg_restore --list \"$GOLIVE_BACKUP_FILE\"'",
        &cx_at(dir.path()),
    )
    .await;
    assert_eq!(obs.failure, None);
    assert!(passes(&obs.evidence, "restored == false"));
    assert!(
        passes(&obs.evidence, "restore_output contains pg_restore"),
        "{:?}",
        obs.evidence
    );
    assert_eq!(
        default_failures(probe.as_ref(), &obs),
        ["expected restored == true, got false"]
    );
}

#[tokio::test]
async fn listings_from_a_command() {
    let dir = tempfile::tempdir().unwrap();
    // As `aws s3 ls` prints them: the newest is an hour old, 2 MB.
    let list = "echo \"$(date -u -d '1 hour ago' '+%Y-%m-%d %H:%M:%S')    2000000 db-new.dump\"; \
                echo '2020-01-01 00:00:00      99 db-old.dump'; echo '                           PRE daily/'";
    let (obs, probe) = observe(
        ProbeKind::Backup,
        &format!("list_command = '''{list}'''\nmax_age = '26h'\nmin_size = '1MB'"),
        &cx_at(dir.path()),
    )
    .await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    let e = &obs.evidence;
    assert!(
        passes(e, "newest == db-new.dump")
            && passes(e, "size == 2000000")
            && passes(e, "matched == 2"),
        "{e:?}"
    );
    assert!(passes(e, "age > 59m") && passes(e, "age < 61m"), "{e:?}");

    let (obs, _) = observe(
        ProbeKind::Backup,
        "list_command = 'echo denied >&2; exit 3'",
        &cx_at(dir.path()),
    )
    .await;
    let f = obs.failure.unwrap();
    assert!(f.contains("exit 3") && f.contains("denied"), "{f}");
}

#[test]
fn settings_are_checked() {
    assert!(build_err(ProbeKind::Backup, "max_age = '26h'").contains("`path`"));
    assert!(
        build_err(ProbeKind::Backup, "path = '*.dump'\nmax_age = 'yesterday'")
            .contains("not a duration")
    );
    assert!(
        build_err(ProbeKind::Backup, "path = '*.dump'\nmin_size = '10'").contains("not a size")
    );
    assert!(
        build_err(
            ProbeKind::Backup,
            "path = '*.dump'\nscratch_url = 'postgres://h/db'"
        )
        .contains("restore_command")
    );
    assert!(build_err(ProbeKind::Backup, "path = '[.dump'").contains("glob"));
}
