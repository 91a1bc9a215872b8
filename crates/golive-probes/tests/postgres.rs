//! The `postgres` probe against the machine's PostgreSQL, with databases of
//! its own, and against servers that are not PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use golive_core::ProbeKind;
use golive_testkit::infra::PgDb;
use support::*;

const T: Duration = Duration::from_secs(10);

#[tokio::test]
async fn version_query_tables_and_connections() {
    let db = PgDb::create();
    db.sql(
        "CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE); \
         CREATE TABLE salons (id serial PRIMARY KEY, name text); \
         CREATE INDEX salons_name ON salons (name); \
         INSERT INTO users (email) VALUES ('a@x'), ('b@x');",
    );
    let settings = format!(
        "url = '{}'\nquery = \"SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'\"\ntables = ['users', 'public.salons']",
        db.url()
    );
    let (obs, probe) = observe(ProbeKind::Postgres, &settings, &cx(T)).await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    let e = &obs.evidence;
    // Two primary keys, one unique constraint, one index.
    assert!(passes(e, "value == 4"), "{e:?}");
    assert!(passes(e, "value >= 4") && !passes(e, "value >= 13"));
    assert!(passes(e, "rows == 1"));
    assert!(passes(e, "tables_found == 2"));
    assert!(passes(e, "missing_tables not exists"));
    assert!(passes(e, "connected == true"));
    assert!(passes(e, "version >= 12"), "{e:?}");
    assert!(passes(e, "server contains PostgreSQL"));
    assert!(passes(e, &format!("database == {}", db.name)));
    assert!(passes(e, "user == postgres"));
    // sqlx prefers TLS when the server offers it, as libpq does.
    let server_tls = golive_testkit::infra::psql("postgres", "SHOW ssl") == "on";
    assert!(passes(e, &format!("tls == {server_tls}")), "{e:?}");
    assert!(passes(e, "connections >= 1"));
    assert!(passes(e, "max_connections >= 10"));
    assert!(passes(e, "connections_pct > 0") && passes(e, "connections_pct < 100"));
    assert!(passes(e, "connect_time < 5s"));
    assert!(
        probe.summary(e).starts_with("PostgreSQL "),
        "{}",
        probe.summary(e)
    );

    // Values come back typed whatever the column's type.
    let (obs, _) = observe(
        ProbeKind::Postgres,
        &format!(
            "url = '{}'\nquery = \"SELECT sum(id)::numeric / 2 FROM users\"",
            db.url()
        ),
        &cx(T),
    )
    .await;
    assert!(passes(&obs.evidence, "value == 1.5"), "{:?}", obs.evidence);
    let (obs, _) = observe(
        ProbeKind::Postgres,
        &format!(
            "url = '{}'\nquery = \"SELECT email FROM users ORDER BY id\"",
            db.url()
        ),
        &cx(T),
    )
    .await;
    assert!(passes(&obs.evidence, "value == a@x") && passes(&obs.evidence, "rows == 2"));
}

#[tokio::test]
async fn missing_tables_failed_queries_and_wrong_credentials_fail() {
    let db = PgDb::create();
    db.sql("CREATE TABLE users (id int)");
    let (obs, probe) = observe(
        ProbeKind::Postgres,
        &format!(
            "url = '{}'\ntables = ['users', 'salons', 'bookings']",
            db.url()
        ),
        &cx(T),
    )
    .await;
    assert!(!defaults_pass(probe.as_ref(), &obs));
    let why = default_failures(probe.as_ref(), &obs).join("; ");
    assert!(
        why.contains("salons") && why.contains("bookings") && !why.contains("users"),
        "{why}"
    );
    assert!(probe.summary(&obs.evidence).contains("2 table(s) missing"));

    // An empty result: the query ran, there is no value.
    let (obs, probe) = observe(
        ProbeKind::Postgres,
        &format!("url = '{}'\nquery = 'SELECT id FROM users'", db.url()),
        &cx(T),
    )
    .await;
    assert!(!defaults_pass(probe.as_ref(), &obs));
    assert!(passes(&obs.evidence, "rows == 0"));

    let (obs, _) = observe(
        ProbeKind::Postgres,
        &format!(
            "url = '{}'\nquery = 'SELECT * FROM no_such_table'",
            db.url()
        ),
        &cx(T),
    )
    .await;
    let f = obs.failure.unwrap();
    assert!(
        f.contains("the query failed") && f.contains("no_such_table"),
        "{f}"
    );

    let (obs, _) = observe(
        ProbeKind::Postgres,
        "url = 'postgres://no_such_role:whatever-pass@127.0.0.1:5432/test'",
        &cx(T),
    )
    .await;
    let f = obs.failure.unwrap();
    assert!(
        f.contains("no_such_role") && f.contains("PostgreSQL said"),
        "{f}"
    );
    assert!(passes(&obs.evidence, "connected == false"));

    let (obs, _) = observe(
        ProbeKind::Postgres,
        &format!(
            "url = 'postgres://postgres@127.0.0.1:5432/{}_gone'",
            db.name
        ),
        &cx(T),
    )
    .await;
    assert!(obs.failure.unwrap().contains("does not exist"));
}

#[tokio::test]
async fn tls_when_the_url_requires_it() {
    // The shared server has no certificate: `sslmode=require` must fail,
    // not quietly fall back to plain text; `prefer` connects in plain text.
    let db = PgDb::create();
    let (obs, _) = observe(
        ProbeKind::Postgres,
        &format!("url = '{}?sslmode=require'", db.url()),
        &cx(T),
    )
    .await;
    let ssl_on = golive_testkit::infra::psql("postgres", "SHOW ssl");
    if ssl_on == "off" {
        let f = obs
            .failure
            .expect("sslmode=require against a server without TLS");
        assert!(
            f.to_lowercase().contains("tls") || f.to_lowercase().contains("ssl"),
            "{f}"
        );
    } else {
        assert!(passes(&obs.evidence, "tls == true"), "{obs:?}");
    }
    let (obs, _) = observe(
        ProbeKind::Postgres,
        &format!("url = '{}?sslmode=prefer'", db.url()),
        &cx(T),
    )
    .await;
    assert_eq!(obs.failure, None);
}

#[tokio::test]
async fn passwords_stay_secret() {
    let db = PgDb::create();
    // Trust authentication ignores the password; it must still never show.
    let url = format!(
        "postgres://postgres:Sup3r-s3cret%40pw@127.0.0.1:5432/{}?application_name=x",
        db.name
    );
    let (obs, probe) = observe(
        ProbeKind::Postgres,
        &format!("url = '{url}'\nquery = 'SELECT 1'"),
        &cx(T),
    )
    .await;
    assert_eq!(obs.failure, None);
    assert_secret_kept(probe.as_ref(), &obs, "Sup3r-s3cret@pw");
    assert_secret_kept(probe.as_ref(), &obs, "Sup3r-s3cret%40pw");
    assert!(probe.target().contains("[redacted]"), "{}", probe.target());
    // And in failures.
    let (obs, probe) = observe(
        ProbeKind::Postgres,
        "url = 'postgres://nobody_here:An0ther-s3cret@127.0.0.1:5432/test'",
        &cx(T),
    )
    .await;
    assert!(obs.failure.is_some());
    assert_secret_kept(probe.as_ref(), &obs, "An0ther-s3cret");
}

#[tokio::test]
async fn dead_silent_and_garbage_servers_fail_clearly() {
    misbehaving(ProbeKind::Postgres, |addr| {
        format!("url = 'postgres://u:pw@{addr}/db'")
    })
    .await;
}

#[test]
fn settings_are_checked() {
    assert!(build_err(ProbeKind::Postgres, "url = 'mysql://h/db'").contains("postgres://"));
    assert!(
        build_err(ProbeKind::Postgres, "url = 'postgres://h/db'\nquery = ' '").contains("empty")
    );
    assert!(
        build_err(
            ProbeKind::Postgres,
            "url = 'postgres://h/db'\ntable = ['x']"
        )
        .contains("table")
    );
    assert!(build_err(ProbeKind::Postgres, "query = 'SELECT 1'").contains("url"));
}
