//! The datastore probes through the runner: all at once, and no password
//! they hold reaches any result, passed or failed, wherever it was written
//! (literally in golive.toml, or through a `${VARIABLE}`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use golive_core::{CheckSpec, CheckStatus, Origin, Plan, ProbeKind};
use golive_run::{Options, Vars};
use golive_testkit::infra::{MyDb, PgDb, RedisServer};

fn check(id: &str, kind: ProbeKind, settings: &str) -> CheckSpec {
    CheckSpec::new(
        id,
        kind,
        toml::from_str(settings).unwrap(),
        Origin::Config { line: 1 },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passwords_never_reach_results() {
    let pg = PgDb::create();
    let my = MyDb::create();
    let redis_pw = "Redis-run-s3cret";
    let redis = RedisServer::start(&["--requirepass", redis_pw]);
    let mut vars = Vars::new(false);
    // Trust authentication accepts any password: this one must still vanish.
    vars.set_env(
        "DATABASE_URL",
        &format!(
            "postgres://postgres:Pg-run-s3cret@127.0.0.1:5432/{}",
            pg.name
        ),
    );
    let checks = vec![
        check(
            "pg",
            ProbeKind::Postgres,
            "url = '${DATABASE_URL}'\nquery = 'SELECT current_database()'",
        ),
        check(
            "pg-wrong-db",
            ProbeKind::Postgres,
            "url = '${DATABASE_URL}_missing'",
        ),
        check("mysql", ProbeKind::Mysql, &format!("url = '{}'", my.url())),
        check(
            "mysql-wrong",
            ProbeKind::Mysql,
            &format!(
                "url = '{}'",
                my.url().replace(&my.password, "My-wrong-s3cret")
            ),
        ),
        check(
            "redis",
            ProbeKind::Redis,
            &format!(
                "url = 'redis://:{redis_pw}@127.0.0.1:{}'\nrequire_auth = true",
                redis.port
            ),
        ),
        check(
            "redis-wrong",
            ProbeKind::Redis,
            &format!(
                "url = 'redis://default:Redis-wrong-s3cret@127.0.0.1:{}'",
                redis.port
            ),
        ),
        check(
            "amqp-wrong",
            ProbeKind::Amqp,
            "url = 'amqp://guest:Amqp-wrong-s3cret@127.0.0.1:5672/%2f'",
        ),
    ];
    let plan = Plan {
        checks,
        ..Plan::default()
    };
    let (tls, tls_insecure) = golive_probes::net::tls::Trust::default()
        .client_configs()
        .unwrap();
    let opts = Options {
        concurrency: 16,
        overall_timeout: Some(Duration::from_secs(60)),
        check_timeout: Duration::from_secs(15),
        insecure: false,
        tls,
        tls_insecure,
        repo: None,
        vars,
    };
    let results = golive_run::run(&plan, None, &opts).await.unwrap();
    let status: Vec<(&str, CheckStatus)> =
        results.iter().map(|r| (r.id.as_str(), r.status)).collect();
    assert_eq!(
        status,
        [
            ("pg", CheckStatus::Passed),
            ("pg-wrong-db", CheckStatus::Failed),
            ("mysql", CheckStatus::Passed),
            ("mysql-wrong", CheckStatus::Failed),
            ("redis", CheckStatus::Passed),
            ("redis-wrong", CheckStatus::Failed),
            ("amqp-wrong", CheckStatus::Failed),
        ],
        "{results:#?}"
    );
    let json = serde_json::to_string(&results).unwrap();
    for secret in [
        "Pg-run-s3cret",
        &my.password,
        "My-wrong-s3cret",
        redis_pw,
        "Redis-wrong-s3cret",
        "Amqp-wrong-s3cret",
    ] {
        assert!(!json.contains(secret), "{secret} leaked: {json}");
    }
    assert!(json.contains("[redacted]"));
    // What failed says why, in the server's words.
    let reason = |id: &str| {
        results
            .iter()
            .find(|r| r.id == id)
            .unwrap()
            .reason
            .clone()
            .unwrap()
    };
    assert!(
        reason("mysql-wrong").contains("Access denied"),
        "{}",
        reason("mysql-wrong")
    );
    assert!(reason("redis-wrong").contains("authentication failed"));
    assert!(reason("pg-wrong-db").contains("does not exist"));
}
