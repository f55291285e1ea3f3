"""Requests that must take effect once: a platform may deliver the same command twice (a
replayed signed request, a client retry), and an award paid twice is a wrong leaderboard."""

from __future__ import annotations

from bot.clock import Clock
from bot.storage.db import Database
from bot.storage.repositories import Events


class RequestLedger:
    """Remembers the ids of requests that ran (Slack's trigger_id), in the table of platform
    event ids. A request is held in memory while it runs, so a replay arriving meanwhile
    waits its turn and is refused; it is written down only once it has done something, so
    a refused or failed request leaves the database as it was."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock
        self._running: set[tuple[str, str]] = set()

    @staticmethod
    def _key(platform: str, request_id: str) -> tuple[str, str]:
        return platform, f"request:{request_id}"

    async def begin(self, platform: str, request_id: str) -> bool:
        """False if this request ran before or is running now."""
        key = self._key(platform, request_id)
        if key in self._running:
            return False
        async with self.db.reading() as conn:
            if await Events(conn).seen(*key):
                return False
        self._running.add(key)
        return True

    async def end(self, platform: str, request_id: str, *, done: bool) -> None:
        """The request finished; ``done`` if it took effect (then a replay is refused)."""
        key = self._key(platform, request_id)
        try:
            if done:
                async with self.db.transaction() as conn:
                    await Events(conn).first_sight_many([key], self.clock.now())
        finally:
            self._running.discard(key)
