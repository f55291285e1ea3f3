-- Replies that arrived in a thread the bot had posted but not yet recorded (the moment
-- between the platform's reply and our commit): kept until the round lands, then stored
-- as answers and acknowledged, so nothing sent in a question's thread is lost.
CREATE TABLE stray_answers (
    id           INTEGER PRIMARY KEY,
    platform     TEXT NOT NULL,
    workspace    TEXT NOT NULL,
    channel_id   TEXT NOT NULL,
    thread_id    TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    display_name TEXT NOT NULL,
    is_admin     INTEGER NOT NULL DEFAULT 0,
    text         TEXT NOT NULL,
    event_id     TEXT,
    edited       INTEGER NOT NULL DEFAULT 0,
    received_at  TEXT NOT NULL,
    UNIQUE (platform, workspace, message_id, edited, event_id)
);
CREATE INDEX stray_answers_by_thread ON stray_answers (platform, workspace, channel_id, thread_id);
