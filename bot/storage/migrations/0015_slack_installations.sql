-- Slack apps installed in many workspaces (OAuth): each workspace's bot token, and the
-- short-lived state values that tie an install's redirect to the browser that started it.
-- Portable SQL (plain INTEGER/TEXT columns): a PostgreSQL port runs the same files.

-- One row per workspace (or Enterprise Grid org: enterprise_id set, team_id ''); '' stands
-- for "none" so the key stays NOT NULL. Deleted when Slack says the app was uninstalled or
-- its bot token revoked; the workspace's history lives elsewhere and stays.
CREATE TABLE slack_installations (
    enterprise_id   TEXT NOT NULL,
    team_id         TEXT NOT NULL,
    app_id          TEXT,
    bot_token       TEXT NOT NULL,
    bot_id          TEXT,
    bot_user_id     TEXT,
    bot_scopes      TEXT NOT NULL,
    installer_id    TEXT,
    is_enterprise_install INTEGER NOT NULL CHECK (is_enterprise_install IN (0, 1)),
    installed_at    TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, team_id)
);

-- An OAuth state is issued by /slack/install and consumed once by /slack/oauth_redirect
-- before expires_at.
CREATE TABLE slack_oauth_states (
    state      TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
