//! The `migrations` probe: repositories written by the test, against
//! PostgreSQL (and MariaDB) databases of its own whose history tables are
//! filled as each tool fills them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use golive_core::ProbeKind;
use golive_probes::Context;
use golive_testkit::infra::{MyDb, PgDb, write_file};
use support::*;

const T: Duration = Duration::from_secs(10);

fn in_repo(repo: &std::path::Path) -> Context {
    let mut cx = cx(T);
    cx.repo = repo.to_path_buf();
    cx
}

const PRISMA_TABLE: &str = "CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, \
    finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz, \
    started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count int NOT NULL DEFAULT 0)";

fn prisma_row(name: &str, finished: bool, rolled_back: bool) -> String {
    format!(
        "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, rolled_back_at) \
         VALUES (md5(random()::text), 'x', {}, '{name}', {})",
        if finished { "now()" } else { "NULL" },
        if rolled_back { "now()" } else { "NULL" }
    )
}

#[tokio::test]
async fn prisma_pending_failed_and_rolled_back() {
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    for m in [
        "20240101000000_init",
        "20240201000000_add_salons",
        "20240301000000_add_bookings",
        "20240401000000_indexes",
    ] {
        write_file(r, &format!("prisma/migrations/{m}/migration.sql"), "-- sql");
    }
    write_file(
        r,
        "prisma/migrations/migration_lock.toml",
        "provider = \"postgresql\"",
    );
    let db = PgDb::create();
    db.sql(PRISMA_TABLE);
    db.sql(&prisma_row("20240101000000_init", true, false));
    // Failed: started, never finished.
    db.sql(&prisma_row("20240201000000_add_salons", false, false));
    // Rolled back, then applied again: applied.
    db.sql(&prisma_row("20240301000000_add_bookings", false, true));
    db.sql(&prisma_row("20240301000000_add_bookings", true, false));
    // Applied then marked rolled back, never re-applied: pending.
    db.sql(&prisma_row("20240401000000_indexes", true, true));

    let (obs, probe) = observe(
        ProbeKind::Migrations,
        &format!("url = '{}'", db.url()),
        &in_repo(r),
    )
    .await;
    assert_eq!(obs.failure, None, "{obs:?}");
    let e = &obs.evidence;
    for ok in [
        "tool == prisma",
        "dir == prisma/migrations",
        "migrations == 4",
        "applied == 2",
        "pending_count == 2",
        "table_exists == true",
        "latest_applied == 20240301000000_add_bookings",
    ] {
        assert!(passes(e, ok), "{ok}: {e:?}");
    }
    assert!(passes(e, "pending contains 20240201000000_add_salons"));
    assert!(passes(e, "pending contains 20240401000000_indexes"));
    assert!(
        passes(e, "failed contains 20240201000000_add_salons")
            && !passes(e, "failed contains 20240401000000_indexes")
    );
    let why = default_failures(probe.as_ref(), &obs).join(" ");
    assert!(
        why.contains("20240201000000_add_salons") && why.contains("20240401000000_indexes"),
        "{why}"
    );
    assert_eq!(probe.summary(e), "prisma: 2 applied, 2 pending");

    // Resolved: every migration applied, and the check passes.
    db.sql("DELETE FROM _prisma_migrations");
    for m in [
        "20240101000000_init",
        "20240201000000_add_salons",
        "20240301000000_add_bookings",
        "20240401000000_indexes",
    ] {
        db.sql(&prisma_row(m, true, false));
    }
    db.sql(&prisma_row(
        "20240501000000_from_another_branch",
        true,
        false,
    ));
    let (obs, probe) = observe(
        ProbeKind::Migrations,
        &format!("url = '{}'\ntool = 'prisma'", db.url()),
        &in_repo(r),
    )
    .await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    assert!(passes(
        &obs.evidence,
        "not_in_repo contains 20240501000000_from_another_branch"
    ));
}

#[tokio::test]
async fn a_database_never_migrated_has_everything_pending() {
    let repo = tempfile::tempdir().unwrap();
    write_file(
        repo.path(),
        "prisma/migrations/20240101000000_init/migration.sql",
        "--",
    );
    let db = PgDb::create();
    let (obs, probe) = observe(
        ProbeKind::Migrations,
        &format!("url = '{}'", db.url()),
        &in_repo(repo.path()),
    )
    .await;
    assert_eq!(obs.failure, None);
    assert!(
        passes(&obs.evidence, "table_exists == false")
            && passes(&obs.evidence, "pending_count == 1")
    );
    assert!(!defaults_pass(probe.as_ref(), &obs));
}

/// Each other tool: its files, its table as the tool creates it, one
/// migration applied and one pending.
#[tokio::test]
async fn sqlx_diesel_rails_django_and_flyway() {
    struct Case {
        tool: &'static str,
        files: &'static [&'static str],
        table: &'static str,
        applied: &'static str,
        pending: &'static str,
    }
    let cases = [
        Case {
            tool: "sqlx",
            files: &[
                "migrations/20240101120000_users.sql",
                "migrations/20240102120000_salons.up.sql",
                "migrations/20240102120000_salons.down.sql",
            ],
            table: "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL); \
                    INSERT INTO _sqlx_migrations VALUES (20240101120000, 'users', now(), true, '\\x00', 1), (20240102120000, 'salons', now(), false, '\\x00', 1)",
            applied: "20240101120000_users",
            pending: "20240102120000_salons",
        },
        Case {
            tool: "diesel",
            files: &[
                "migrations/00000000000000_diesel_initial_setup/up.sql",
                "migrations/2024-01-02-120000_salons/up.sql",
                "diesel.toml",
            ],
            table: "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY, run_on TIMESTAMP NOT NULL DEFAULT now()); \
                    INSERT INTO __diesel_schema_migrations (version) VALUES ('00000000000000')",
            applied: "00000000000000_diesel_initial_setup",
            pending: "2024-01-02-120000_salons",
        },
        Case {
            tool: "rails",
            files: &[
                "db/migrate/20240101120000_create_users.rb",
                "db/migrate/20240102120000_create_salons.rb",
                "db/schema.rb",
            ],
            table: "CREATE TABLE schema_migrations (version varchar PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101120000')",
            applied: "20240101120000_create_users",
            pending: "20240102120000_create_salons",
        },
        Case {
            tool: "django",
            files: &[
                "manage.py",
                "bookings/migrations/__init__.py",
                "bookings/migrations/0001_initial.py",
                "bookings/migrations/0002_salon.py",
                "bookings/models.py",
            ],
            table: "CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255), name varchar(255), applied timestamptz DEFAULT now()); \
                    INSERT INTO django_migrations (app, name) VALUES ('bookings', '0001_initial'), ('auth', '0001_initial')",
            applied: "bookings.0001_initial",
            pending: "bookings.0002_salon",
        },
        Case {
            tool: "flyway",
            files: &[
                "db/migration/V1__init.sql",
                "db/migration/V1_1__salons.sql",
                "db/migration/R__views.sql",
            ],
            table: "CREATE TABLE flyway_schema_history (installed_rank INT PRIMARY KEY, version VARCHAR(50), description VARCHAR(200) NOT NULL, \
                    type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL, \
                    installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INT NOT NULL, success BOOLEAN NOT NULL); \
                    INSERT INTO flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 0, 'x', now(), 1, true), \
                    (2, NULL, 'views', 'SQL', 'R__views.sql', 0, 'x', now(), 1, true)",
            applied: "V1__init",
            pending: "V1_1__salons",
        },
    ];
    for case in cases {
        let repo = tempfile::tempdir().unwrap();
        for f in case.files {
            write_file(repo.path(), f, "-- migration");
        }
        let db = PgDb::create();
        db.sql(case.table);
        let (obs, probe) = observe(
            ProbeKind::Migrations,
            &format!("url = '{}'", db.url()),
            &in_repo(repo.path()),
        )
        .await;
        let e = &obs.evidence;
        assert_eq!(obs.failure, None, "{}: {obs:?}", case.tool);
        assert!(
            passes(e, &format!("tool == {}", case.tool)),
            "{}: {e:?}",
            case.tool
        );
        assert!(
            passes(e, "applied == 1") && passes(e, "pending_count == 1"),
            "{}: {e:?}",
            case.tool
        );
        assert!(
            passes(e, &format!("latest_applied == {}", case.applied)),
            "{}: {e:?}",
            case.tool
        );
        assert!(
            passes(e, &format!("pending contains {}", case.pending)),
            "{}: {e:?}",
            case.tool
        );
        assert!(!defaults_pass(probe.as_ref(), &obs));
    }
}

#[tokio::test]
async fn rails_on_mariadb() {
    let repo = tempfile::tempdir().unwrap();
    write_file(
        repo.path(),
        "db/migrate/20240101120000_create_users.rb",
        "#",
    );
    let db = MyDb::create();
    db.sql("CREATE TABLE schema_migrations (version VARCHAR(255) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101120000');");
    let (obs, probe) = observe(
        ProbeKind::Migrations,
        &format!("url = '{}'", db.url()),
        &in_repo(repo.path()),
    )
    .await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    assert_secret_kept(probe.as_ref(), &obs, &db.password);
}

#[tokio::test]
async fn nothing_to_compare_is_said_plainly() {
    let repo = tempfile::tempdir().unwrap();
    let (obs, _) = observe(
        ProbeKind::Migrations,
        "url = 'postgres://postgres@127.0.0.1:5432/test'",
        &in_repo(repo.path()),
    )
    .await;
    assert!(obs.failure.unwrap().contains("no migrations found"));
    write_file(
        repo.path(),
        "prisma/migrations/20240101000000_init/migration.sql",
        "--",
    );
    let (obs, _) = observe(
        ProbeKind::Migrations,
        &format!(
            "url = 'postgres://postgres:Mig-s3cret@127.0.0.1:{}/db'",
            golive_testkit::free_port()
        ),
        &in_repo(repo.path()),
    )
    .await;
    let f = obs.failure.unwrap();
    assert!(f.contains("refused") && !f.contains("Mig-s3cret"), "{f}");
    assert!(
        build_err(
            ProbeKind::Migrations,
            "url = 'postgres://h/db'\ntool = 'alembic'"
        )
        .contains("unknown `tool`")
    );
    assert!(build_err(ProbeKind::Migrations, "url = 'redis://h'").contains("postgres://"));
}
