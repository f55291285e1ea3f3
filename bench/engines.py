"""The same figures on PostgreSQL, beside SQLite's: ingest, ack under a burst, and the
leaderboard on the same million-row ledger (copied over with ``db copy``'s code).

A throwaway server is started as the tests start theirs; without PostgreSQL installed the
section says how to get it and the SQLite figures stand alone."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.storage.copy import copy_database
from bot.storage.db import Database
from tests import pg_server

Bench = Callable[[str], Awaitable[dict[str, Any]]]
#: figure -> (section, key): the ratio is PostgreSQL's figure over SQLite's
COMPARED = {"ingest.per_s": ("ingest", "per_s"), "ack.p50_ms": ("ack", "p50_ms"),
            "ack.p99_ms": ("ack", "p99_ms"), "leaderboard.p50_ms": ("leaderboard", "p50_ms"),
            "leaderboard.p95_ms": ("leaderboard", "p95_ms")}


async def postgres_side(sqlite: dict[str, Any], big: Path, ingest: Bench, ack: Bench,
                        leaderboard: Callable[[str], Awaitable[dict[str, Any]]]
                        ) -> dict[str, Any]:
    found = pg_server.find_bin()
    if found is None:
        return {"skipped": pg_server.MISSING}
    # durable, as SQLite's synchronous=FULL is: every commit waits for its WAL fsync
    server = pg_server.PgServer(found, durable=True).start()
    try:
        out: dict[str, Any] = {"server": str(found.parent.name),
                               "note": "throwaway local server, default durability, Unix socket"}
        out["ingest"] = await ingest(server.url(server.create()))
        out["ack"] = await ack(server.url(server.create()))
        url = server.url(server.create())
        source, target = await Database.open(big), await Database.open(url)
        start = time.perf_counter()
        try:
            await copy_database(source, target)
        finally:
            await source.close()
            await target.close()
        out["copy_seconds_1m_rows"] = round(time.perf_counter() - start, 1)
        out["leaderboard"] = await leaderboard(url)
    finally:
        server.stop()
    out["ratio_to_sqlite"] = {
        name: round(out[a][b] / sqlite[a][b], 2) for name, (a, b) in COMPARED.items()
        if sqlite.get(a, {}).get(b)}
    return out
