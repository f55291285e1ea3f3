"""Every row of every table, to prove a command changed nothing: of a SQLite file, or of
the PostgreSQL database a test's settings name."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.storage.db import is_postgres_url

Rows = list[tuple[object, ...]]


def dump(target: str | Path | Settings) -> Rows:
    where = target.database() if isinstance(target, Settings) else str(target)
    if is_postgres_url(where):
        return _dump_postgres(where)
    with sqlite3.connect(where) as conn:
        rows: Rows = []
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"
                                     " AND name NOT LIKE 'sqlite_%' ORDER BY name"):
            rows.extend((table, *r) for r in conn.execute(f"SELECT * FROM {table}"))
        return rows


def ledger(db: Path) -> list[tuple[int, str, int, int | None]]:
    """The score events of a SQLite file, oldest first: (id, reason, points, corrects_id)."""
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT id, reason, points, corrects_id FROM score_events"
                                 " ORDER BY id"))


def events_of(db: Path, user_id: str) -> set[int]:
    """The score events of one person (a reveal writes several people's in the order their
    answers happened to be stored)."""
    with sqlite3.connect(db) as conn:
        return {row[0] for row in conn.execute(
            "SELECT e.id FROM score_events e JOIN people p ON p.id = e.person_id"
            " WHERE p.user_id=?", (user_id,))}


def query(target: Settings, sql: str) -> Rows:
    """One read-only query's rows, whichever engine the settings name."""
    where = target.database()
    if is_postgres_url(where):
        return _in_thread(where, lambda conn: conn.fetch(sql))
    with sqlite3.connect(where) as conn:
        return [tuple(r) for r in conn.execute(sql)]


def _in_thread(url: str, work: Any) -> Rows:
    import asyncpg

    result: list[Rows] = []

    async def run() -> None:
        conn: Any = await asyncpg.connect(url)
        try:
            result.append([tuple(r) for r in await work(conn)])
        finally:
            await conn.close()

    worker = threading.Thread(target=asyncio.run, args=(run(),))
    worker.start()
    worker.join()
    return result[0]


def _dump_postgres(url: str) -> Rows:
    import asyncpg

    result: list[Rows] = []

    async def read() -> None:
        conn: Any = await asyncpg.connect(url)
        try:
            rows: Rows = []
            for (table,) in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    " ORDER BY tablename"):
                order = ", ".join(str(i + 1) for i in range(len(await conn.fetch(
                    "SELECT 1 FROM information_schema.columns WHERE table_name = $1", table))))
                rows.extend((table, *r) for r in await conn.fetch(
                    f'SELECT * FROM "{table}" ORDER BY {order}'))
            result.append(rows)
        finally:
            await conn.close()

    # Its own thread and loop: the caller may be a coroutine holding the test's loop.
    worker = threading.Thread(target=asyncio.run, args=(read(),))
    worker.start()
    worker.join()
    return result[0]
