"""``quizbot db copy``: move a bot's data from one database to another (SQLite to
PostgreSQL, or back), all of it or nothing, and prove it arrived.

Tables are copied in the order the migrations create them, so a row's foreign keys exist
before it; every column of the source must exist in the target (same schema version). The
copy is one transaction on the target; afterwards the row count of every table and the
points of the ledger and of the leaderboard totals are compared, source against target.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.storage import schema
from bot.storage.db import Database, fetch_all, fetch_one

_CREATE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", re.IGNORECASE)
#: the checks beyond row counts: points per board in the ledger and in the totals
POINT_CHECKS = {
    "ledger points": "SELECT board, SUM(points) FROM score_events GROUP BY board ORDER BY board",
    "total points": "SELECT board, SUM(points) FROM score_totals GROUP BY board ORDER BY board",
}


class CopyRefusedError(RuntimeError):
    """Nothing was copied: the databases are unfit for it. One line saying why."""


class CopyMismatchError(RuntimeError):
    """The copy finished but the target does not match the source (should never happen)."""


@dataclass
class CopyReport:
    counts: dict[str, int] = field(default_factory=dict)
    points: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"  {table:<20} {n:>9} rows" for table, n in self.counts.items()]
        for name, by_board in self.points.items():
            shown = ", ".join(f"{board} {points}" for board, points in by_board) or "none"
            out.append(f"  {name:<20} {shown}")
        return out


def creation_order() -> list[str]:
    """Every table, in the order the (SQLite) migration series first creates it."""
    order: list[str] = []
    for _, _, sql in schema.migrations("sqlite"):
        order += [t for t in _CREATE.findall(sql) if t not in order]
    return order


async def copy_database(source: Database, target: Database, *,
                        replace: bool = False) -> CopyReport:
    """Copy every row of ``source`` into ``target``; refuses a target that holds data
    unless ``replace`` (then its rows are deleted first, in the same transaction)."""
    if (source.dialect, source.path) == (target.dialect, target.path):
        raise CopyRefusedError("the source and the target are the same database")
    have, want = await source.schema_version(), schema.latest_version(source.dialect)
    if have != want:
        raise CopyRefusedError(f"{source.path} has schema version {have}, not {want}: run "
                               f"`quizbot db migrate --db {source.path}` first")
    tables = await source.tables()
    order = [t for t in creation_order() if t in tables]
    unknown = sorted(set(tables) - set(order))
    if unknown:
        raise CopyRefusedError(f"{source.path} has tables quizbot does not know: "
                               f"{', '.join(unknown)}")
    plan = await _plan(source, target, order)
    held = await _counts(target, order)
    if any(held.values()) and not replace:
        busy = ", ".join(f"{t} ({n})" for t, n in held.items() if n)
        raise CopyRefusedError(f"{target.path} already holds data in {busy}; pass --replace "
                               "to delete it and copy over it")
    async with target.transaction() as out:
        for table in reversed(order):
            if held[table]:
                await out.execute(f"DELETE FROM {table}")
        for table in order:
            columns, convert = plan[table]
            async with source.reading() as conn:
                rows = await fetch_all(conn, f"SELECT {', '.join(columns)} FROM {table}"
                                       + (" ORDER BY id" if "id" in columns else ""))
            if rows:
                marks = ",".join("?" * len(columns))
                await out.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    [[c(row[i]) for i, c in enumerate(convert)] for row in rows])
    reset = getattr(target, "reset_ids", None)
    for table in order:
        if reset is not None and "id" in plan[table][0]:
            await reset(table)
    analyze = getattr(target, "analyze", None)
    if analyze is not None:
        await analyze()
    return await _verify(source, target, order)


async def _plan(source: Database, target: Database,
                order: list[str]) -> dict[str, tuple[list[str], list[Callable[[Any], Any]]]]:
    """Per table: the columns to copy, and how each value becomes the target's type."""
    plan = {}
    for table in order:
        columns = await source.columns(table)
        types = dict(await _types(target, table))
        missing = [c for c in columns if c not in types]
        if missing:
            raise CopyRefusedError(f"{target.path} has no column {table}.{missing[0]}: "
                                   "is it at the same schema version?")
        plan[table] = (columns, [_converter(types[c]) for c in columns])
    return plan


async def _types(db: Database, table: str) -> list[tuple[str, str]]:
    column_types = getattr(db, "column_types", None)
    if column_types is not None:
        found: list[tuple[str, str]] = await column_types(table)
        return found
    return [(name, "") for name in await db.columns(table)]


def _converter(sql_type: str) -> Callable[[Any], Any]:
    """PostgreSQL's driver wants each value in its column's own type (SQLite keeps what
    it is given, so a REAL column may hold 1 rather than 1.0)."""
    kind: Callable[[Any], Any] | None = {"integer": int, "bigint": int, "smallint": int,
                                         "double precision": float, "real": float,
                                         "text": str}.get(sql_type)
    if kind is None:
        return lambda v: v
    return lambda v: None if v is None else kind(v)


async def _counts(db: Database, order: list[str]) -> dict[str, int]:
    counts = {}
    async with db.reading() as conn:
        for table in order:
            row = await fetch_one(conn, f"SELECT COUNT(*) FROM {table}")
            counts[table] = int(row[0]) if row else 0
    return counts


async def _points(db: Database) -> dict[str, list[tuple[str, int]]]:
    async with db.reading() as conn:
        return {name: [(str(r[0]), int(r[1])) for r in await fetch_all(conn, sql)]
                for name, sql in POINT_CHECKS.items()}


async def _verify(source: Database, target: Database, order: list[str]) -> CopyReport:
    report = CopyReport(await _counts(source, order), await _points(source))
    arrived = CopyReport(await _counts(target, order), await _points(target))
    if arrived != report:
        differ = [t for t in order if report.counts[t] != arrived.counts[t]]
        differ += [n for n in POINT_CHECKS if report.points[n] != arrived.points[n]]
        raise CopyMismatchError(f"the copy in {target.path} differs from {source.path} in: "
                                f"{', '.join(differ)}")
    return report
