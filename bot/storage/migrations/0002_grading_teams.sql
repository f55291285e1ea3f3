-- Grading results, streak reminders, peer votes, teams and appointed leads.

-- Peer votes and lead awards may be many per (round, person); rule-paid reasons stay unique.
DROP INDEX score_events_once_per_round;
CREATE UNIQUE INDEX score_events_once_per_round
    ON score_events (round_id, person_id, reason)
    WHERE round_id IS NOT NULL AND reason IN ('participation', 'coverage', 'streak');

ALTER TABLE answers ADD COLUMN covered TEXT;   -- JSON list of key point labels, at reveal
ALTER TABLE answers ADD COLUMN missed TEXT;
ALTER TABLE answers ADD COLUMN score REAL;     -- 0..1 after the prose factor
CREATE INDEX answers_by_person ON answers (person_id, created_at);

ALTER TABLE rounds ADD COLUMN reminded_at TEXT;

ALTER TABLE practice_attempts ADD COLUMN covered TEXT;
ALTER TABLE practice_attempts ADD COLUMN missed TEXT;

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    platform   TEXT NOT NULL,
    workspace  TEXT NOT NULL,
    name       TEXT NOT NULL COLLATE NOCASE,
    group_id   TEXT,                  -- a Discord role or Slack user group it follows
    created_at TEXT NOT NULL,
    UNIQUE (platform, workspace, name)
);

CREATE TABLE team_members (
    team_id   INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id),
    source    TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'group')),
    PRIMARY KEY (team_id, person_id)
) WITHOUT ROWID;

CREATE TABLE team_leads (
    team_id      INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    person_id    INTEGER NOT NULL REFERENCES people (id),
    appointed_by INTEGER REFERENCES people (id),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (team_id, person_id)
) WITHOUT ROWID;

CREATE TABLE votes (
    id         INTEGER PRIMARY KEY,
    round_id   INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
    voter_id   INTEGER NOT NULL REFERENCES people (id),
    answer_id  INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    UNIQUE (voter_id, answer_id)
);
