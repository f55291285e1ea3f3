-- Who set a channel's schedule (told when posting there keeps failing), and whether they
-- were told for a round already.
ALTER TABLE subscriptions ADD COLUMN configured_by INTEGER REFERENCES people (id);
ALTER TABLE rounds ADD COLUMN lead_told_at TEXT COLLATE "C";
