"""What a repository needs of a database connection, whichever engine is behind it.

Repositories and the services that hand them a connection name these types instead of a
driver's, so SQLite (aiosqlite) and PostgreSQL (asyncpg, wrapped in ``bot.storage.postgres``)
serve the same code. A row is read by position or by column name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol


class Row(Protocol):
    def __getitem__(self, key: int | str, /) -> Any: ...


class Cursor(Protocol):
    """What a statement run for its effect tells: how many rows it changed."""

    @property
    def rowcount(self) -> int: ...


class Connection(Protocol):
    async def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...

    async def execute_fetchall(self, sql: str,
                               parameters: Sequence[Any] = ..., /) -> Iterable[Row]: ...

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...


def dialect_of(conn: Connection) -> str:
    """"sqlite" or "postgresql": for the few statements that differ between engines.
    aiosqlite's connection has no ``dialect``; PostgreSQL's wrapper says so."""
    return str(getattr(conn, "dialect", "sqlite"))
