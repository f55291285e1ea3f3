"""Leaderboard totals: kept incrementally and rebuilt in SQL, they must agree exactly,
across DST changes in two different zones."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.domain.scoring import Award, Board, Reason
from bot.domain.totals import offset_spans
from bot.storage.db import Database, to_db
from bot.storage.repositories import People, Scores, Subscriptions
from tests.unit.test_domain import sub as make_sub


async def test_incremental_totals_equal_a_rebuild_across_dst(database_url: str) -> None:
    db = await Database.open(database_url)
    rng = random.Random(5)
    try:
        async with db.transaction() as conn:
            now = datetime(2026, 1, 1, tzinfo=UTC)
            s = await Subscriptions(conn).save(make_sub(tz="America/New_York"), now)
            people = [await People(conn).upsert("memory", "T1", f"U{i}", f"p{i}", now)
                      for i in range(5)]
            scores = Scores(conn, "Europe/Paris")
            edges = [datetime(2026, 3, 8, 6, 59, tzinfo=UTC), datetime(2026, 3, 8, 7, 0,
                     tzinfo=UTC), datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
                     datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
                     datetime(2026, 10, 25, 0, 59, tzinfo=UTC),
                     datetime(2026, 11, 1, 5, 59, tzinfo=UTC),
                     datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
                     datetime(2026, 11, 29, 23, 30, tzinfo=UTC)]  # Monday in Paris already
            moments = edges + [now + timedelta(minutes=rng.randrange(365 * 1440))
                               for _ in range(300)]
            for at in moments:
                p = rng.choice(people)
                await scores.add(Award(p.id, rng.randrange(1, 9), Reason.PEER_VOTE),
                                 board=rng.choice([Board.DAILY, Board.PRACTICE]),
                                 subscription_id=rng.choice([s.id, None]), round_id=None,
                                 at=at)
            # corrections (accepted appeals, lead corrections) count like any row, at the
            # time of the decision: pointing at an original, or standing alone
            for i, at in enumerate(moments[::30]):
                p = rng.choice(people)
                if i % 2:
                    assert await scores.correct(rng.randrange(1, 300), rng.randrange(-3, 4),
                                                "appeal", p.id, at)
                else:
                    await scores.standalone_correction(
                        Award(p.id, rng.randrange(1, 5), Reason.CORRECTION, "appeal"),
                        board=Board.PRACTICE, actor_id=p.id, at=at)
        async with db.reading() as conn:
            kept = [tuple(r) for r in await conn.execute_fetchall(
                "SELECT * FROM score_totals ORDER BY 1, 2, 3, 4")]
        async with db.transaction() as conn:
            assert await Scores(conn, "Europe/Paris").rebuild_totals() == \
                len(moments) + len(moments[::30])
            rebuilt = [tuple(r) for r in await conn.execute_fetchall(
                "SELECT * FROM score_totals ORDER BY 1, 2, 3, 4")]
        assert rebuilt == kept
        periods = {r[2] for r in kept}
        assert "w:2026-11-30" in periods and "m:2026-03" in periods
    finally:
        await db.close()


def test_offset_spans_find_each_change() -> None:
    spans = offset_spans("America/New_York", datetime(2026, 1, 1, tzinfo=UTC),
                         datetime(2026, 12, 31, tzinfo=UTC))
    assert [s[3] for s in spans] == [-18000, -14400, -18000]
    assert spans[1][1] == to_db(datetime(2026, 3, 8, 7, 0, tzinfo=UTC))
    assert spans[2][1] == to_db(datetime(2026, 11, 1, 6, 0, tzinfo=UTC))
    assert [s[3] for s in offset_spans("UTC", datetime(2026, 1, 1, tzinfo=UTC),
                                       datetime(2026, 12, 31, tzinfo=UTC))] == [0]
