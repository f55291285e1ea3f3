"""Which replica leads: runs the schedules and sweeps. Every replica serves commands and
answers; only one posts and reveals, so two never race to do a job twice.

SQLite serves one process, which always leads. On PostgreSQL the leader holds a
session-level advisory lock on a connection of its own: the server releases it when that
session ends, so a killed leader's lock goes as soon as the server sees its socket close
(at once for a dead process; for a lost host, after TCP keepalive gives up), and a standby
that asks again then takes it."""

from __future__ import annotations

import contextlib
import logging
from typing import Any, Protocol

log = logging.getLogger(__name__)

LEADER_LOCK = 0x71756963  # any fixed number, distinct from the migrations' lock


class Leadership(Protocol):
    async def hold(self) -> bool:
        """Lead if nobody does; True while this process leads."""
        ...

    async def release(self) -> None: ...


class SoleLeadership:
    """One process per SQLite file: it leads."""

    async def hold(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class AdvisoryLeadership:
    """PostgreSQL's ``pg_try_advisory_lock`` on a connection kept for it alone."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.leading = False
        self._conn: Any = None

    async def hold(self) -> bool:
        from bot.storage.postgres import _connect

        try:
            if self._conn is None or self._conn.is_closed():
                self.leading = False
                self._conn = await _connect(self.url, False)
            if self.leading:   # still ours while the session is alive
                await self._conn.fetchval("SELECT 1")
            else:
                self.leading = bool(await self._conn.fetchval(
                    "SELECT pg_try_advisory_lock($1)", LEADER_LOCK))
        except Exception as exc:
            if self.leading:
                log.warning("lost leadership (%s: %s); stopping the schedules",
                            type(exc).__name__, exc)
            self.leading = False
            await self.release()
        return self.leading

    async def release(self) -> None:
        conn, self._conn, self.leading = self._conn, None, False
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await conn.close()   # ends the session: the lock goes with it

    def backend_pid(self) -> int | None:
        """The server process of the lock's session (tests end it to kill a leader)."""
        return None if self._conn is None else int(self._conn.get_server_pid())
