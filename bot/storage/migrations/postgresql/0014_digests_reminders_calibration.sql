-- Weekly digests for team leads, daily review reminders, and the calibration of ratings.
-- Portable SQL (plain INTEGER/TEXT columns): a PostgreSQL port runs the same files.

-- A lead's off switch for the weekly digest; no row means on (leads get it by default).
CREATE TABLE digest_settings (
    person_id  INTEGER PRIMARY KEY REFERENCES people (id),
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    updated_at TEXT COLLATE "C" NOT NULL
);

-- One row per (lead, team, week covered), inserted before the digest is sent, so a restart
-- or a second sweep never sends it twice. sent_at stays NULL until the platform took it.
CREATE TABLE digests_sent (
    person_id  INTEGER NOT NULL REFERENCES people (id),
    team_id    INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    week       TEXT COLLATE "C" NOT NULL,
    claimed_at TEXT COLLATE "C" NOT NULL,
    sent_at    TEXT COLLATE "C",
    PRIMARY KEY (person_id, team_id, week)
);

-- /quiz remind on|off; no row means off.
CREATE TABLE review_reminders (
    person_id  INTEGER PRIMARY KEY REFERENCES people (id),
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    updated_at TEXT COLLATE "C" NOT NULL
);

-- One row per (person, local date) a reminder was claimed for: once a day, across restarts.
CREATE TABLE reminders_sent (
    person_id  INTEGER NOT NULL REFERENCES people (id),
    local_date TEXT COLLATE "C" NOT NULL,
    due        INTEGER NOT NULL,
    claimed_at TEXT COLLATE "C" NOT NULL,
    sent_at    TEXT COLLATE "C",
    PRIMARY KEY (person_id, local_date)
);

-- Calibration: what the grade said and what the person tapped, next to the rating in use.
-- coverage is the share of key points covered, in thousandths; graded is the rating the
-- review was first given (before any override); tapped is the person's one-tap rating (NULL
-- until they tap). Reviews logged before this migration have NULLs and are not used.
ALTER TABLE review_logs ADD COLUMN coverage INTEGER;
ALTER TABLE review_logs ADD COLUMN graded INTEGER;
ALTER TABLE review_logs ADD COLUMN tapped INTEGER;
