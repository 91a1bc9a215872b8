//! The `mysql` probe against the machine's MariaDB, with a database and a
//! user of its own, and against servers that are not MySQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use golive_core::ProbeKind;
use golive_testkit::infra::MyDb;
use support::*;

const T: Duration = Duration::from_secs(10);

#[tokio::test]
async fn version_query_tables_and_connections() {
    let db = MyDb::create();
    db.sql(
        "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100), price DECIMAL(10,2)); \
         CREATE INDEX users_email ON users (email); \
         INSERT INTO users VALUES (1, 'a@x', 9.50), (2, 'b@x', 3.25);",
    );
    let settings = format!(
        "url = '{}'\nquery = \"SELECT count(*) FROM information_schema.statistics WHERE table_schema = DATABASE()\"\ntables = ['users']",
        db.url()
    );
    let (obs, probe) = observe(ProbeKind::Mysql, &settings, &cx(T)).await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
    let e = &obs.evidence;
    assert!(passes(e, "value == 2"), "{e:?}");
    assert!(passes(e, "flavor == MariaDB"), "{e:?}");
    assert!(passes(e, "version >= 10"), "{e:?}");
    assert!(passes(e, "server contains MariaDB"));
    assert!(passes(e, &format!("database == {}", db.name)));
    assert!(passes(e, &format!("user contains {}@", db.user)), "{e:?}");
    assert!(passes(e, "connections >= 1") && passes(e, "max_connections >= 10"));
    assert!(passes(e, "connections_pct < 100"));
    assert!(passes(e, "tls == false"));
    assert!(passes(e, "missing_tables not exists"));
    assert!(
        probe.summary(e).starts_with("MariaDB 10."),
        "{}",
        probe.summary(e)
    );
    let (obs, _) = observe(
        ProbeKind::Mysql,
        &format!(
            "url = '{}'\nquery = 'SELECT sum(price) FROM users'",
            db.url()
        ),
        &cx(T),
    )
    .await;
    assert!(
        passes(&obs.evidence, "value == 12.75"),
        "{:?}",
        obs.evidence
    );
    // mariadb:// is the same thing.
    let url = db.url().replacen("mysql://", "mariadb://", 1);
    let (obs, probe) = observe(ProbeKind::Mysql, &format!("url = '{url}'"), &cx(T)).await;
    assert!(defaults_pass(probe.as_ref(), &obs), "{obs:?}");
}

#[tokio::test]
async fn wrong_password_and_missing_tables_fail() {
    let db = MyDb::create();
    db.sql("CREATE TABLE users (id INT)");
    let (obs, probe) = observe(
        ProbeKind::Mysql,
        &format!("url = '{}'\ntables = ['users', 'salons']", db.url()),
        &cx(T),
    )
    .await;
    assert!(!defaults_pass(probe.as_ref(), &obs));
    assert!(
        default_failures(probe.as_ref(), &obs)
            .join(" ")
            .contains("salons")
    );

    let wrong = db.url().replace(&db.password, "Wr0ng-passw0rd");
    let (obs, probe) = observe(ProbeKind::Mysql, &format!("url = '{wrong}'"), &cx(T)).await;
    let f = obs.failure.clone().unwrap();
    assert!(f.contains("Access denied") && f.contains(&db.user), "{f}");
    assert_secret_kept(probe.as_ref(), &obs, "Wr0ng-passw0rd");
}

#[tokio::test]
async fn passwords_stay_secret() {
    let db = MyDb::create();
    let (obs, probe) = observe(
        ProbeKind::Mysql,
        &format!("url = '{}'\nquery = 'SELECT 1'", db.url()),
        &cx(T),
    )
    .await;
    assert_eq!(obs.failure, None);
    assert_secret_kept(probe.as_ref(), &obs, &db.password);
}

#[tokio::test]
async fn dead_silent_and_garbage_servers_fail_clearly() {
    misbehaving(ProbeKind::Mysql, |addr| {
        format!("url = 'mysql://u:pw@{addr}/db'")
    })
    .await;
}
