-- Pre-aggregated leaderboard totals, kept in step with score_events in the same transaction.
-- scope: 'sub:<id>' (a channel) or 'ws:<platform>:<workspace>'; period: 'all',
-- 'w:<local Monday>' or 'm:<YYYY-MM>' in the scope's time zone. Rebuilt from the ledger when
-- missing or when the default time zone changes (see Scores.rebuild_totals).
CREATE TABLE score_totals (
    scope     TEXT COLLATE "C" NOT NULL,
    board     TEXT COLLATE "C" NOT NULL,
    period    TEXT COLLATE "C" NOT NULL,
    person_id INTEGER NOT NULL,
    points    INTEGER NOT NULL,
    PRIMARY KEY (scope, board, period, person_id)
);
CREATE INDEX score_totals_ranked ON score_totals (scope, board, period, points DESC);
