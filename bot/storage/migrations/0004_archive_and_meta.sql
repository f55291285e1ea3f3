-- Threads are archived when voting closes; small key/value facts (e.g. the hash of the
-- Discord command definitions last synced).
ALTER TABLE rounds ADD COLUMN archived_at TEXT;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
