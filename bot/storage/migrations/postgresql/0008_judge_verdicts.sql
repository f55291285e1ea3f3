-- The LLM judge's verdicts, by (model, question content, answer) hash: a reveal retried
-- after a crash, or the same answer judged again, does not pay for a second call.
CREATE TABLE judge_verdicts (
    key        TEXT COLLATE "C" PRIMARY KEY,
    covered    TEXT COLLATE "C" NOT NULL,
    missed     TEXT COLLATE "C" NOT NULL,
    score      DOUBLE PRECISION NOT NULL,
    feedback   TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
