-- Threads are archived when voting closes; small key/value facts (e.g. the hash of the
-- Discord command definitions last synced).
ALTER TABLE rounds ADD COLUMN archived_at TEXT COLLATE "C";

CREATE TABLE meta (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);
