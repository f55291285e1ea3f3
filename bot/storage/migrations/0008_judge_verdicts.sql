-- The LLM judge's verdicts, by (model, question content, answer) hash: a reveal retried
-- after a crash, or the same answer judged again, does not pay for a second call.
CREATE TABLE judge_verdicts (
    key        TEXT PRIMARY KEY,
    covered    TEXT NOT NULL,
    missed     TEXT NOT NULL,
    score      REAL NOT NULL,
    feedback   TEXT NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
