-- Leads an admin gave a channel to (/channel lead PERSON): they run that channel's daily
-- question. A channel may be given before it has a schedule, so this keys on the channel.
CREATE TABLE channel_leads (
    platform     TEXT COLLATE "C" NOT NULL,
    workspace    TEXT COLLATE "C" NOT NULL,
    channel      TEXT COLLATE "C" NOT NULL,
    person_id    INTEGER NOT NULL REFERENCES people (id),
    appointed_by INTEGER REFERENCES people (id),
    created_at   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (platform, workspace, channel, person_id)
);
