"""Interviews: a person's mock interviews (/quiz interview) and how far each has got."""

from __future__ import annotations

from datetime import datetime

from bot.storage.connection import Row
from bot.storage.db import fetch_one, to_db
from bot.storage.repositories.base import _Repo


class Interviews(_Repo):
    async def start(self, person_id: int, topic: str | None, attempts: list[int],
                    now: datetime) -> int:
        row = await fetch_one(
            self.conn,
            "INSERT INTO interviews (person_id, topic, attempts, step, started_at, updated_at)"
            " VALUES (?,?,?,0,?,?) RETURNING id",
            (person_id, topic, ",".join(str(a) for a in attempts), to_db(now), to_db(now)))
        assert row is not None   # an INSERT ... RETURNING returns its row
        return int(row[0])

    async def get(self, interview_id: int) -> Row | None:
        return await fetch_one(self.conn, "SELECT * FROM interviews WHERE id=?",
                               (interview_id,))

    async def running(self, person_id: int) -> Row | None:
        """The person's interview that is neither finished nor abandoned, if any."""
        return await fetch_one(self.conn, "SELECT * FROM interviews WHERE person_id=? AND"
                               " finished_at IS NULL AND abandoned_at IS NULL"
                               " ORDER BY id DESC LIMIT 1", (person_id,))

    async def advance(self, interview_id: int, step: int, now: datetime, *, by: int = 1,
                      finished: bool) -> bool:
        """Move on from ``step`` (by two past a question without a follow-up); False when
        another reply already did (a double-submitted form moves it once)."""
        cur = await self.conn.execute(
            "UPDATE interviews SET step=step+?, updated_at=?, finished_at=? WHERE id=? AND"
            " step=? AND finished_at IS NULL AND abandoned_at IS NULL",
            (by, to_db(now), to_db(now) if finished else None, interview_id, step))
        return cur.rowcount == 1

    async def abandon(self, interview_id: int, now: datetime) -> None:
        await self.conn.execute("UPDATE interviews SET abandoned_at=? WHERE id=? AND"
                                " finished_at IS NULL", (to_db(now), interview_id))
