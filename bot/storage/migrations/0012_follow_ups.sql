-- Interviewer follow-ups: after an answer the bot asks the entry's follow_up question, and
-- keeps the person's reply. A follow-up is asked once per source (a daily round, a practice
-- attempt, a step of a mock interview): the UNIQUE key makes a retried ask a no-op.
-- Plain INTEGER/TEXT columns and standard SQL only (a PostgreSQL port reads these too).

-- How a channel asks follow-ups of its daily question: privately (the default), as a reply
-- in the question's thread, or not at all.
ALTER TABLE subscriptions ADD COLUMN follow_ups TEXT NOT NULL DEFAULT 'private'
    CHECK (follow_ups IN ('private', 'thread', 'off'));

CREATE TABLE follow_ups (
    id               INTEGER PRIMARY KEY,
    person_id        INTEGER NOT NULL REFERENCES people (id),
    source           TEXT NOT NULL CHECK (source IN ('daily', 'practice', 'interview')),
    source_id        INTEGER NOT NULL,
    question_id      TEXT NOT NULL,
    mode             TEXT NOT NULL CHECK (mode IN ('private', 'thread')),
    thread_id        TEXT,
    asked_at         TEXT NOT NULL,
    reply            TEXT,
    reply_message_id TEXT,
    replied_at       TEXT,
    notes            TEXT,
    UNIQUE (person_id, source, source_id)
);
CREATE INDEX follow_ups_person ON follow_ups (person_id, asked_at);
CREATE INDEX follow_ups_thread ON follow_ups (thread_id);

-- The follow-up's participation point is paid once per person and round, by the ledger.
CREATE UNIQUE INDEX score_events_follow_up ON score_events (round_id, person_id)
    WHERE round_id IS NOT NULL AND reason = 'follow-up';

-- A mock interview (/quiz interview): three questions, each followed by its follow-up.
-- attempts lists the practice attempts of its questions ("12,13,14"); step counts what is
-- answered (question 1, its follow-up, question 2, ...). An interview left alone goes stale
-- and a new one may start.
CREATE TABLE interviews (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people (id),
    topic        TEXT,
    attempts     TEXT NOT NULL,
    step         INTEGER NOT NULL DEFAULT 0,
    started_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    finished_at  TEXT,
    abandoned_at TEXT
);
CREATE INDEX interviews_person ON interviews (person_id, updated_at);
