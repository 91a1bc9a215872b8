-- golive's store, SQLite flavour. Times are RFC 3339 in UTC; JSON is text.

-- What a run read: its items as the checklist states them, the policy, the
-- config's waivers and the checklist's sign-off roles. Shared by every run
-- of the same checklist, keyed by a hash of its content.
CREATE TABLE plans (
    digest TEXT PRIMARY KEY,
    body   TEXT NOT NULL
);

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at  TEXT    NOT NULL,
    duration_ms INTEGER NOT NULL,
    source      TEXT    NOT NULL,
    checklist   TEXT,
    golive      TEXT    NOT NULL,
    partial     INTEGER NOT NULL,
    outcome     TEXT    NOT NULL,
    digest      TEXT    NOT NULL,
    summary     TEXT    NOT NULL,
    plan        TEXT    NOT NULL REFERENCES plans (digest),
    results     TEXT    NOT NULL
);
CREATE INDEX runs_by_completeness ON runs (partial, id);

CREATE TABLE marks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    item        TEXT NOT NULL,
    state       TEXT NOT NULL,
    by_name     TEXT NOT NULL,
    note        TEXT,
    at          TEXT NOT NULL,
    valid_until TEXT
);
CREATE INDEX marks_by_item ON marks (item, id);

CREATE TABLE waivers (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    item    TEXT NOT NULL,
    reason  TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at      TEXT NOT NULL,
    until   TEXT
);
CREATE INDEX waivers_by_item ON waivers (item, id);

CREATE TABLE signoffs (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    role    TEXT    NOT NULL,
    by_name TEXT    NOT NULL,
    at      TEXT    NOT NULL,
    run_id  INTEGER NOT NULL REFERENCES runs (id),
    digest  TEXT    NOT NULL
);

-- Append-only: every write above adds one entry in the same transaction,
-- chained to the previous entry by hash.
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    record      TEXT NOT NULL,
    record_hash TEXT NOT NULL,
    prev        TEXT NOT NULL,
    hash        TEXT NOT NULL
);
