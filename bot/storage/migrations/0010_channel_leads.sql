-- Leads an admin gave a channel to (/channel lead PERSON): they run that channel's daily
-- question. A channel may be given before it has a schedule, so this keys on the channel.
CREATE TABLE channel_leads (
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    channel      TEXT NOT NULL,
    person_id    INTEGER NOT NULL REFERENCES people (id),
    appointed_by INTEGER REFERENCES people (id),
    created_at   TEXT NOT NULL,
    PRIMARY KEY (platform, workspace, channel, person_id)
) WITHOUT ROWID;
