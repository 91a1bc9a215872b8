-- golive watch: the hours after launch. One row per watch, one per round
-- (each item up or down and its latency, never the full evidence: a day of
-- rounds stays small), each trigger's latest state, and what the watch did
-- (trigger fired, notification, rollback, verification).

CREATE TABLE watches (
    id               BIGSERIAL PRIMARY KEY,
    -- What is watched (the checklist or config, absolute): a restarted
    -- watch of the same key resumes this one.
    watch_key        TEXT    NOT NULL,
    source           TEXT    NOT NULL,
    started_at       TEXT    NOT NULL,
    started_ms       BIGINT  NOT NULL,
    ended_at         TEXT,
    rounds           BIGINT  NOT NULL DEFAULT 0,
    last_ms          BIGINT,
    -- Set before the rollback command runs: at most once per watch, even
    -- across a crash.
    rollback_claimed BIGINT  NOT NULL DEFAULT 0,
    -- Each item's latency at the GO run (JSON), for latency triggers.
    baseline         TEXT    NOT NULL
);
CREATE INDEX watches_by_key ON watches (watch_key, id);

CREATE TABLE watch_rounds (
    watch_id BIGINT  NOT NULL REFERENCES watches (id),
    round    BIGINT  NOT NULL,
    at_ms    BIGINT  NOT NULL,
    samples  TEXT    NOT NULL,
    PRIMARY KEY (watch_id, round)
);

CREATE TABLE watch_triggers (
    watch_id BIGINT  NOT NULL REFERENCES watches (id),
    name     TEXT    NOT NULL,
    state    TEXT    NOT NULL,
    since_ms BIGINT,
    detail   TEXT    NOT NULL,
    PRIMARY KEY (watch_id, name)
);

CREATE TABLE watch_actions (
    id           BIGSERIAL PRIMARY KEY,
    watch_id     BIGINT  NOT NULL REFERENCES watches (id),
    round        BIGINT  NOT NULL,
    at           TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    trigger_name TEXT,
    ok           BIGINT  NOT NULL,
    detail       TEXT    NOT NULL
);
CREATE INDEX watch_actions_by_watch ON watch_actions (watch_id, id);
