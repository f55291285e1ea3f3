"""Events: the platform event ids already handled, so a redelivered event is dropped."""

from __future__ import annotations

from datetime import datetime

from bot.storage.db import fetch_one, to_db
from bot.storage.repositories.base import _Repo


class Events(_Repo):
    async def first_sight_many(self, platform_events: list[tuple[str, str]],
                               now: datetime) -> set[tuple[str, str]]:
        """Remember many (platform, event id) at once; returns those never seen before."""
        if not platform_events:
            return set()
        values = ",".join("(?,?,?)" for _ in platform_events)
        params = [x for pe in platform_events for x in (*pe, to_db(now))]
        rows = await self.conn.execute_fetchall(
            f"INSERT INTO seen_events (platform, event_id, seen_at) VALUES {values}"
            " ON CONFLICT DO NOTHING RETURNING platform, event_id", params)
        return {(r[0], r[1]) for r in rows}

    async def seen(self, platform: str, event_id: str) -> bool:
        row = await fetch_one(self.conn, "SELECT 1 FROM seen_events WHERE platform=? AND"
                              " event_id=?", (platform, event_id))
        return row is not None
