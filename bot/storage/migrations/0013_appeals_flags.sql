-- Appeals and flags: the review queue of a channel's leads. Plain INTEGER and TEXT columns
-- and no SQLite-only functions, so the same script runs on PostgreSQL.

-- A person's appeal of one result: a daily round's graded answer (source 'daily', the round
-- id) or a practice attempt ('practice', the attempt id). One per person and result, decided
-- once: an accepted appeal names the correction row it wrote in the ledger.
CREATE TABLE appeals (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES people (id),
    source        TEXT NOT NULL CHECK (source IN ('daily', 'practice')),
    source_id     INTEGER NOT NULL,
    question_id   TEXT NOT NULL,
    platform      TEXT NOT NULL,
    workspace     TEXT NOT NULL,
    channel       TEXT NOT NULL,            -- whose leads review it
    reason        TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'open'
                  CHECK (state IN ('open', 'accepted', 'rejected')),
    created_at    TEXT NOT NULL,
    decided_by    INTEGER REFERENCES people (id),
    decided_at    TEXT,
    note          TEXT NOT NULL DEFAULT '',
    points        INTEGER NOT NULL DEFAULT 0,
    correction_id INTEGER REFERENCES score_events (id),
    told_at       TEXT,                     -- when the person was told the decision
    UNIQUE (person_id, source, source_id)
);
CREATE INDEX appeals_queue ON appeals (platform, workspace, channel, state);

-- Someone says a question's reference answer is wrong or outdated. A person has one open
-- flag per question; a lead closes it with a note.
CREATE TABLE flags (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people (id),
    question_id TEXT NOT NULL,
    platform    TEXT NOT NULL,
    workspace   TEXT NOT NULL,
    channel     TEXT NOT NULL,
    note        TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    created_at  TEXT NOT NULL,
    closed_by   INTEGER REFERENCES people (id),
    closed_at   TEXT,
    close_note  TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX flags_open_once ON flags (person_id, question_id) WHERE state = 'open';
CREATE INDEX flags_queue ON flags (platform, workspace, channel, state);
