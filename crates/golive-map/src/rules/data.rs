//! Items about the services behind the deployment: databases, Redis,
//! RabbitMQ, mail, MongoDB, migrations and backups, reached with the URLs
//! in the env file.

use golive_core::expect::Expectation;

use super::{Candidate, Env, checkable, needs, one, s, score, table};
use crate::facts::{Facts, Place};
use crate::words::Words;

fn var(name: &str) -> String {
    cat!("${", name, "}")
}

/// Context only counts for terse items and for items with sub-items.
fn context_ok(f: &Facts<'_>, place: Place) -> bool {
    place == Place::Item || place == Place::Code || f.terse() || f.has_children
}

/// The words `database` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn database_topic() -> &'static Words {
    crate::words![
        "database",
        "databases",
        "postgres",
        "postgresql",
        "mysql",
        "mariadb",
        "db",
        "pg_isready",
        "psql",
        "cloud sql",
        "indexes",
        "index",
        "tables",
        "queries",
        "connection pool",
        "connection string"
    ]
}

pub fn database(f: &Facts<'_>, env: &Env) -> Option<Candidate> {
    let words = database_topic();
    let (word, place) = f.topic(words)?;
    if !context_ok(f, place) {
        return None;
    }
    // Credentials, backups and migrations have their own probes; "N+1
    // queries", "data validation" and "performance monitoring" are not a
    // database's answer.
    if f.has(crate::words![
        "backup",
        "optimized",
        "provisioned",
        "implemented",
        "monitor",
        "backups",
        "migration",
        "migrations",
        "password",
        "credentials",
        "n+1",
        "monitoring",
        "administrator",
        "schema finalized",
        "foreign key",
        "referential",
        "seeded",
        "audit",
        "validation",
        "retention",
        "recovery",
        "size"
    ])
    .is_some()
    {
        return None;
    }
    // "Database performance is acceptable" says nothing a probe measures,
    // unless it gives a number ("queries < 500ms").
    if f.has(crate::words!["performance", "slow queries", "query plans"])
        .is_some()
        && f.thresholds_on(&["time"]).is_empty()
    {
        return None;
    }
    let check_word = checkable(f).or_else(|| {
        f.has(crate::words![
            "verify",
            "exist",
            "created",
            "optimized",
            "acceptable",
            "databases",
            "start"
        ])
    });
    if check_word.is_none() && place == Place::Item && !f.terse() {
        return None;
    }
    let mysql = f.lower.contains("mysql")
        || f.lower.contains("mariadb")
        || (f.doc.database == "mysql" && !f.lower.contains("postgres"));
    let kind_name = if mysql { "mysql" } else { "postgres" };
    let url_var = if mysql {
        env.pick(&["DATABASE_URL", "MYSQL_URL", "DB_URL"])
    } else {
        env.pick(&[
            "DATABASE_URL",
            "POSTGRES_URL",
            "POSTGRESQL_URL",
            "PG_URL",
            "DB_URL",
        ])
    };
    let mut settings = table(&[("url", s(&var(&url_var)))]);
    let mut expect: Vec<Expectation> = Vec::new();
    let mut what = "connect and authenticate".to_string();
    if let Some(q) = f.queries.first() {
        settings.insert("query".into(), s(q));
        what = format!("run `{q}`");
        for t in f.thresholds_on(&["count"]) {
            if let Ok(e) = Expectation::parse(&t.source().replacen("count", "value", 1)) {
                expect.push(e);
            }
        }
    } else if f.has(crate::words!["index", "indexes"]).is_some() && !mysql {
        settings.insert("query".into(), s("SELECT count(*) FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"));
        let floor = f
            .thresholds_on(&["count"])
            .first()
            .map_or("value > 0".to_string(), |t| {
                t.source().replacen("count", "value", 1)
            });
        expect.push(Expectation::parse(&floor).expect("valid"));
        what = "count its indexes".into();
    } else if f.has(crate::words!["tables", "table"]).is_some() {
        let q = if mysql {
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
        } else {
            "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        };
        settings.insert("query".into(), s(q));
        expect.push(Expectation::parse("value > 0").expect("valid"));
        what = "count its tables".into();
    } else if f
        .has(crate::words![
            "connection pool",
            "connections stable",
            "max connections"
        ])
        .is_some()
    {
        expect.push(Expectation::parse("connections_pct < 80%").expect("valid"));
        what = "compare its connections with max_connections".into();
    }
    expect.extend(f.thresholds_on(&["time"]));
    if !expect.is_empty() {
        expect.insert(0, Expectation::parse("connected == true").expect("valid"));
    }
    Some(one(
        "database",
        kind_name,
        settings,
        expect,
        cat!(
            "`",
            word,
            "`",
            place.describe(),
            ": ",
            what,
            " with ${",
            url_var,
            "}"
        ),
        score(80, place),
    ))
}

/// The words `redis` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn redis_topic() -> &'static Words {
    crate::words![
        "redis",
        "redis-cli",
        "elasticache",
        "memorystore",
        "cache",
        "caching",
        "cache hit"
    ]
}

pub fn redis(f: &Facts<'_>, env: &Env) -> Option<Candidate> {
    let (word, place) = f.topic(redis_topic())?;
    if !context_ok(f, place) {
        return None;
    }
    // "Set REDIS_PASSWORD in .env" and "Generate if needed" are the env
    // file's business.
    if f.has(crate::words!["implemented", "provisioned", "installed"])
        .is_some()
    {
        return None;
    }
    if f.lower.contains("redis_")
        || f.has(crate::words![
            "in .env",
            "generate",
            "generated",
            "env file"
        ])
        .is_some()
    {
        return None;
    }
    if place != Place::Item && place != Place::Code && f.has(crate::words!["set", "add"]).is_some()
    {
        return None;
    }
    let url_var = env.pick(&["REDIS_URL", "REDIS_TLS_URL", "CACHE_URL"]);
    let mut settings = table(&[("url", s(&var(&url_var)))]);
    let mut what = vec!["connect"];
    if f.has(crate::words![
        "password",
        "auth",
        "requirepass",
        "authentication"
    ])
    .is_some()
    {
        settings.insert("require_auth".into(), toml::Value::Boolean(true));
        what.push("a password is required");
    }
    if f.has(crate::words![
        "persistence",
        "persistent",
        "aof",
        "rdb",
        "snapshot",
        "snapshots"
    ])
    .is_some()
    {
        settings.insert("require_persistence".into(), toml::Value::Boolean(true));
        what.push("persistence is on");
    }
    let mut expect = Vec::new();
    if f.has(crate::words!["hit rate", "hit ratio"]).is_some() {
        expect.push(Expectation::parse("ping == PONG").expect("valid"));
        let floor = f
            .thresholds_on(&["cache_hit_rate"])
            .first()
            .map_or("hit_rate > 0%".to_string(), |t| {
                t.source().replacen("cache_hit_rate", "hit_rate", 1)
            });
        expect.push(Expectation::parse(&floor).expect("valid"));
        what.push("its cache hit rate");
    }
    Some(one(
        "redis",
        "redis",
        settings,
        expect,
        format!(
            "`{word}`{}: {} with ${{{url_var}}}",
            place.describe(),
            what.join(", ")
        ),
        score(82, place),
    ))
}

/// The words `amqp` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn amqp_topic() -> &'static Words {
    crate::words![
        "rabbitmq",
        "amqp",
        "rabbitmq-diagnostics",
        "message broker",
        "queues visible"
    ]
}

pub fn amqp(f: &Facts<'_>, env: &Env) -> Option<Candidate> {
    let (word, place) = f.topic(amqp_topic())?;
    if !context_ok(f, place) {
        return None;
    }
    if f.has(crate::words!["password", "generate", "rabbitmq_"])
        .is_some()
        || f.lower.contains("rabbitmq_")
    {
        return None;
    }
    // Queues "visible" in the management UI are a person's look at it.
    if f.has(crate::words!["visible", "management ui", "dashboard"])
        .is_some()
    {
        return None;
    }
    // The management UI on :15672 is an HTTP page, not the broker.
    if f.lower.contains("15672") {
        return None;
    }
    let url_var = env.pick(&["RABBITMQ_URL", "AMQP_URL", "CLOUDAMQP_URL", "BROKER_URL"]);
    Some(one(
        "amqp",
        "amqp",
        table(&[("url", s(&var(&url_var)))]),
        Vec::new(),
        format!(
            "`{word}`{}: connect to the broker with ${{{url_var}}}",
            place.describe()
        ),
        score(82, place),
    ))
}

/// The words `smtp` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn smtp_topic() -> &'static Words {
    crate::words![
        "smtp",
        "email sending",
        "send email",
        "sending email",
        "emails",
        "email notifications",
        "mail server",
        "email delivery",
        "test email",
        "email works",
        "emails are sent",
        "email service"
    ]
}

pub fn smtp(f: &Facts<'_>, env: &Env) -> Option<Candidate> {
    let words = smtp_topic();
    let (word, place) = f.topic(words)?;
    if !context_ok(f, place) {
        return None;
    }
    // Credentials, providers and passwords are set by people in the env file.
    if f.has(crate::words![
        "choose",
        "credentials",
        "password",
        "smtp_host",
        "create",
        "provider"
    ])
    .is_some()
        || f.lower.contains("smtp_")
    {
        return None;
    }
    let host = env.pick(&["SMTP_HOST", "MAIL_HOST", "EMAIL_HOST"]);
    let mut settings = table(&[("host", s(&var(&host)))]);
    if let Some(port) = env.defined(&["SMTP_PORT", "MAIL_PORT", "EMAIL_PORT"]) {
        settings.insert("port".into(), s(&var(&port)));
    }
    if let Some(user) = env.defined(&["SMTP_USER", "SMTP_USERNAME", "MAIL_USERNAME", "EMAIL_USER"])
    {
        settings.insert("username".into(), s(&var(&user)));
    }
    if let Some(pass) = env.defined(&[
        "SMTP_PASSWORD",
        "SMTP_PASS",
        "MAIL_PASSWORD",
        "EMAIL_PASSWORD",
    ]) {
        settings.insert("password".into(), s(&var(&pass)));
    }
    Some(one(
        "smtp",
        "smtp",
        settings,
        Vec::new(),
        format!(
            "`{word}`{}: the mail server at ${{{host}}} must answer EHLO, offer STARTTLS and accept the login",
            place.describe()
        ),
        score(80, place),
    ))
}

/// The words `mongodb` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn mongodb_topic() -> &'static Words {
    crate::words!["mongodb", "mongo", "mongosh", "atlas"]
}

pub fn mongodb(f: &Facts<'_>, env: &Env) -> Option<Candidate> {
    let (word, place) = f.topic(mongodb_topic())?;
    if !context_ok(f, place)
        || f.has(crate::words!["password", "generate", "mongo_"])
            .is_some()
        || f.lower.contains("mongo_")
    {
        return None;
    }
    let url_var = env.pick(&["MONGODB_URI", "MONGODB_URL", "MONGO_URL", "MONGO_URI"]);
    Some(one(
        "mongodb",
        "mongodb",
        table(&[("url", s(&var(&url_var)))]),
        Vec::new(),
        format!(
            "`{word}`{}: ping the server with ${{{url_var}}}",
            place.describe()
        ),
        score(82, place),
    ))
}

/// The words `migrations` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn migrations_topic() -> &'static Words {
    crate::words![
        "migration",
        "migrations",
        "migrate",
        "prisma migrate",
        "schema_migrations",
        "migration history"
    ]
}

pub fn migrations(f: &Facts<'_>, env: &Env) -> Option<Candidate> {
    let words = migrations_topic();
    let (word, place) = f.topic(words)?;
    if !context_ok(f, place) {
        return None;
    }
    // Rolling migrations back is planned by people.
    if f.has(crate::words![
        "rollback",
        "roll back",
        "plan",
        "document",
        "documented"
    ])
    .is_some()
    {
        return None;
    }
    let url_var = env.pick(&["DATABASE_URL", "POSTGRES_URL", "DB_URL"]);
    Some(one(
        "migrations",
        "migrations",
        table(&[("url", s(&var(&url_var)))]),
        Vec::new(),
        format!(
            "`{word}`{}: every migration in --repo must be applied in ${{{url_var}}}",
            place.describe()
        ),
        score(83, place),
    ))
}

/// The words `backup` is about: an item with none of them, in its own
/// text or around it, gets no proposal from it (the registry skips it).
pub(super) fn backup_topic() -> &'static Words {
    crate::words!["backup", "backups", "pg_dump", "snapshot", "snapshots"]
}

pub fn backup(f: &Facts<'_>, env: &Env) -> Option<Candidate> {
    if !f.env_names.is_empty() {
        return None;
    }
    let (word, place) = f.topic(backup_topic())?;
    if !context_ok(f, place) {
        return None;
    }
    // Restores drilled by people, schedules on a calendar, strategies and
    // plans stay with people; cloud lifecycle rules with the cloud.
    if f.has(crate::words![
        "restore",
        "installed",
        "cli",
        "restore test",
        "restore tests",
        "restoration tested",
        "restoration",
        "drill",
        "strategy",
        "plan",
        "reviewed",
        "calendar",
        "scheduled",
        "schedule",
        "monthly",
        "retention",
        "lifecycle",
        "glacier",
        "s3 bucket",
        "encryption",
        "monitoring",
        "failures",
        "older than",
        "before migration",
        "variables"
    ])
    .is_some()
    {
        return None;
    }
    let path = env.pick(&["BACKUP_PATH", "BACKUP_DIR", "BACKUPS_DIR"]);
    let mut settings = table(&[("path", s(&cat!("${", path, "}/*"))), ("max_age", s("26h"))]);
    settings.insert("min_size".into(), s("1KB"));
    let why = cat!(
        "`",
        word,
        "`",
        place.describe(),
        ": the newest backup in ${",
        path,
        "} must be under 26 hours old and not empty"
    );
    if env.names.is_empty() || env.has(&path) {
        Some(one(
            "backup",
            "backup",
            settings,
            Vec::new(),
            why,
            score(80, place),
        ))
    } else {
        Some(needs(
            "backup",
            "backup",
            "where backups are: BACKUP_PATH in the env, or `path` in golive.toml",
            why,
            score(76, place),
        ))
    }
}
