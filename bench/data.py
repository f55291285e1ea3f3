"""Generated data for the benchmarks: a realistic-shaped database of any size, fast."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage.db import to_db

TEAMS, TEAM_SIZE = 200, 25


def populate(path: Path, *, people: int, score_rows: int, channels: int = 100,
             seed: int = 7) -> None:
    """`people` people, `channels` subscriptions, `score_rows` ledger rows spread over a year,
    and TEAMS teams of TEAM_SIZE. Written with plain sqlite3 executemany (one transaction)."""
    rng = random.Random(seed)
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    conn = sqlite3.connect(path)
    try:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO people (id, platform, workspace, user_id, display_name, created_at)"
            " VALUES (?, 'slack', 'T1', ?, ?, ?)",
            ((i, f"U{i}", f"person{i}", to_db(now)) for i in range(1, people + 1)))
        conn.executemany(
            "INSERT INTO subscriptions (id, platform, workspace, channel_id, channel_name,"
            " post_time, days, timezone, window_minutes, created_at, updated_at)"
            " VALUES (?, 'slack', 'T1', ?, ?, '09:00', 'mon,tue,wed,thu,fri,sat,sun',"
            " 'Europe/Paris', 480, ?, ?)",
            ((c, f"C{c}", f"chan{c}", to_db(now), to_db(now)) for c in range(1, channels + 1)))
        reasons = ("participation", "coverage", "streak", "peer-vote")

        def rows():  # type: ignore[no-untyped-def]
            for _ in range(score_rows):
                at = now - timedelta(seconds=rng.randrange(365 * 86400))
                yield (rng.randrange(1, people + 1), rng.randrange(1, channels + 1),
                       rng.choice(reasons), rng.randrange(1, 11), to_db(at))

        conn.executemany(
            "INSERT INTO score_events (person_id, subscription_id, board, points, reason,"
            " created_at) VALUES (?, ?, 'daily', ?, ?, ?)",
            ((p, s, pts, r, at) for p, s, r, pts, at in rows()))
        conn.executemany("INSERT INTO teams (id, platform, workspace, name, created_at)"
                         " VALUES (?, 'slack', 'T1', ?, ?)",
                         ((t, f"team{t}", to_db(now)) for t in range(1, TEAMS + 1)))
        conn.executemany("INSERT INTO team_members (team_id, person_id) VALUES (?, ?)",
                         ((t, (t - 1) * TEAM_SIZE + k + 1) for t in range(1, TEAMS + 1)
                          for k in range(TEAM_SIZE)))
        # Rows were written behind the ledger's back: have the next start rebuild the totals.
        conn.execute("DELETE FROM meta WHERE key = 'totals.timezone'")
        conn.execute("COMMIT")
    finally:
        conn.close()
