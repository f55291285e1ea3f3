-- quizbot schema, version 1. Every timestamp is UTC ISO-8601 text with microseconds, so
-- text order is time order.
CREATE TABLE people (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (platform, workspace, user_id)
);

CREATE TABLE subscriptions (
    id             INTEGER PRIMARY KEY,
    platform       TEXT NOT NULL,
    workspace      TEXT NOT NULL,
    channel_id     TEXT NOT NULL,
    channel_name   TEXT NOT NULL DEFAULT '',
    post_time      TEXT NOT NULL,            -- HH:MM local
    days           TEXT NOT NULL,            -- e.g. "mon,tue,wed,thu,fri"
    timezone       TEXT NOT NULL,            -- IANA name
    window_minutes INTEGER NOT NULL CHECK (window_minutes > 0),
    topics         TEXT NOT NULL DEFAULT '[]',  -- JSON list; empty = all
    levels         TEXT NOT NULL DEFAULT '[]',  -- JSON list; empty = all
    blind          INTEGER NOT NULL DEFAULT 0,
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (platform, workspace, channel_id)
);

CREATE TABLE rounds (
    id                INTEGER PRIMARY KEY,
    subscription_id   INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
    local_date        TEXT NOT NULL,
    question_id       TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('posting', 'open', 'revealing', 'revealed')),
    opens_at          TEXT NOT NULL,
    deadline          TEXT NOT NULL,
    message_id        TEXT,
    thread_id         TEXT,
    posted_at         TEXT,
    revealed_at       TEXT,
    reveal_message_id TEXT,
    post_attempts     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (subscription_id, local_date)
);
CREATE INDEX rounds_by_state ON rounds (state, deadline);
CREATE INDEX rounds_by_thread ON rounds (thread_id);

CREATE TABLE answers (
    id         INTEGER PRIMARY KEY,
    round_id   INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people (id),
    text       TEXT NOT NULL,
    message_id TEXT,
    late       INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (round_id, person_id)
);

-- Platform event ids already handled, so retried or replayed events change nothing.
CREATE TABLE seen_events (
    platform TEXT NOT NULL,
    event_id TEXT NOT NULL,
    seen_at  TEXT NOT NULL,
    PRIMARY KEY (platform, event_id)
) WITHOUT ROWID;

-- The points ledger: every total is a sum of these rows, so it can be explained.
CREATE TABLE score_events (
    id              INTEGER PRIMARY KEY,
    person_id       INTEGER NOT NULL REFERENCES people (id),
    subscription_id INTEGER REFERENCES subscriptions (id) ON DELETE SET NULL,
    round_id        INTEGER REFERENCES rounds (id) ON DELETE SET NULL,
    board           TEXT NOT NULL CHECK (board IN ('daily', 'practice')),
    points          INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    actor_id        INTEGER REFERENCES people (id),
    corrects_id     INTEGER REFERENCES score_events (id),
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX score_events_once_per_round
    ON score_events (round_id, person_id, reason)
    WHERE round_id IS NOT NULL AND corrects_id IS NULL AND reason <> 'lead-award';
CREATE INDEX score_events_by_subscription ON score_events (subscription_id, board, created_at);
CREATE INDEX score_events_by_person ON score_events (person_id, board, created_at);

CREATE TABLE practice_attempts (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people (id),
    question_id TEXT NOT NULL,
    topic       TEXT NOT NULL,
    asked_at    TEXT NOT NULL,
    answered_at TEXT,
    answer      TEXT,
    coverage    REAL
);
CREATE INDEX practice_by_person ON practice_attempts (person_id, asked_at);
