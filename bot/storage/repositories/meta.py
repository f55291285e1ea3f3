"""Meta: small key/value facts kept across restarts (the zone the leaderboard totals were
built for, what an adapter last registered)."""

from __future__ import annotations

from bot.storage.db import fetch_one
from bot.storage.repositories.base import _Repo


class Meta(_Repo):
    async def get(self, key: str) -> str | None:
        row = await fetch_one(self.conn, "SELECT value FROM meta WHERE key=?", (key,))
        return str(row[0]) if row else None

    async def set(self, key: str, value: str) -> None:
        await self.conn.execute("INSERT INTO meta (key, value) VALUES (?,?) ON CONFLICT (key)"
                                " DO UPDATE SET value=excluded.value", (key, value))
