-- Spaced repetition (FSRS): one card per person and question, and every review of it.
-- state is the fsrs Card as JSON (Card.to_json); due and last_review repeat its dates in the
-- fixed-width UTC text the rest of the schema uses, so "what is due" is an index range.
CREATE TABLE cards (
    person_id   INTEGER NOT NULL REFERENCES people (id),
    question_id TEXT NOT NULL,
    state       TEXT NOT NULL,
    due         TEXT NOT NULL,
    last_review TEXT,
    PRIMARY KEY (person_id, question_id)
) WITHOUT ROWID;
CREATE INDEX cards_due ON cards (person_id, due);

-- One row per review. The source (a daily round, or a practice attempt) is unique per card,
-- so a reveal retried after a crash, or a practice answer graded twice, reviews once.
CREATE TABLE review_logs (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people (id),
    question_id TEXT NOT NULL,
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    reviewed_at TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('daily', 'practice')),
    source_id   INTEGER NOT NULL,
    UNIQUE (person_id, question_id, source, source_id)
);
CREATE INDEX review_logs_person ON review_logs (person_id, reviewed_at);
