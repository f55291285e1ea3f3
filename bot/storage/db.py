"""The database: what every engine's connection offers the services, and which one to open.

``Database.open`` takes a file path or ``sqlite:///PATH`` (SQLite, ``bot.storage.sqlite``)
or a ``postgresql://`` URL (PostgreSQL, ``bot.storage.postgres``). Either way one
connection serves the process and statements of two coroutines must not interleave inside
one transaction, so every unit of work holds ``Database.lock`` for its whole duration
(``async with db.transaction()`` or ``async with db.reading()``).
"""

from __future__ import annotations

import asyncio
import sqlite3
from abc import ABC, abstractmethod
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from bot.storage import schema
from bot.storage.connection import Connection, Row
from bot.storage.leadership import Leadership, SoleLeadership
from bot.storage.schema import latest_version, migrations

__all__ = ["latest_version", "migrations"]  # re-exported: callers read them from here

BUSY_TIMEOUT_MS = 5000


class StorageError(RuntimeError):
    """The database could not do a unit of work (locked too long, disk full, read-only).
    Nothing of the unit was kept; the caller tells the person and does not acknowledge."""


class UnreachableDatabaseError(RuntimeError):
    """The database server could not be reached or refused the login. One line, naming
    the database without its password."""


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer quizbot; opening it could corrupt its data."""


# SQLite's primary result codes (the low byte of an extended code).
SQLITE_PERM, SQLITE_READONLY, SQLITE_CORRUPT, SQLITE_CANTOPEN, SQLITE_NOTADB = 3, 8, 11, 14, 26


class UnusableDatabaseError(RuntimeError):
    """The database file cannot be used as it is: damaged, or not writable by this process.
    The message is one line naming the file and what to do."""

    def __init__(self, path: str, reason: str, *, damaged: bool) -> None:
        self.path, self.reason, self.damaged = path, reason, damaged
        if damaged:
            advice = (f"restore it from a backup; `quizbot db check --db {path}` tells what "
                      "is wrong")
            super().__init__(f"the database {path} is damaged ({reason}): {advice}")
        else:
            advice = ("make the file and its folder writable by the user quizbot runs as, "
                      "or point --db at another file")
            super().__init__(f"the database {path} cannot be written ({reason}): {advice}")


def unusable(path: str, exc: sqlite3.Error) -> UnusableDatabaseError | None:
    """What ``exc`` says about the file itself, if it says it is damaged or unwritable."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return UnusableDatabaseError(path, str(exc), damaged=True)
    if code in (SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN):
        return UnusableDatabaseError(path, str(exc), damaged=False)
    return None


class BackupRefusedError(RuntimeError):
    """``Database.backup`` did not write: the destination or the source is unfit. One line."""


def refuse_unfit_backup_file(dest: Path, force: bool) -> None:
    """The checks every engine's backup makes of its destination file."""
    if not dest.parent.is_dir():
        raise BackupRefusedError(f"the folder {dest.parent} does not exist; create it first")
    if dest.is_dir():
        raise BackupRefusedError(f"{dest} is a folder; give the backup's file name")
    if dest.exists() and not force:
        raise BackupRefusedError(f"{dest} exists; pass --force to replace it")


def to_db(moment: datetime) -> str:
    """A UTC timestamp as fixed-width text, so SQL text comparison is time comparison."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; pass an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_url(target: str | Path) -> bool:
    return str(target).startswith(POSTGRES_SCHEMES)


def sqlite_path(target: str | Path) -> str:
    """The file a SQLite target names: a path as given, or ``sqlite:///PATH`` as
    SQLAlchemy spells it (``sqlite:///data/q.db`` relative, ``sqlite:////srv/q.db``
    absolute, ``sqlite://`` in memory)."""
    text = str(target)
    if text.startswith("sqlite://"):
        rest = text.removeprefix("sqlite://")
        return rest.removeprefix("/") if rest else ":memory:"
    return text


class Database(ABC):
    """An open quizbot database. Create with ``await Database.open(target)``; each engine
    (``bot.storage.sqlite``, ``bot.storage.postgres``) implements the abstract methods."""

    dialect: ClassVar[str]

    def __init__(self, path: str) -> None:
        self.path = path   # what messages name: the file, or the URL without its password
        self.lock = asyncio.Lock()

    @classmethod
    async def open(cls, target: str | Path, *, migrate: bool = True,
                   busy_timeout_ms: int = BUSY_TIMEOUT_MS, read_only: bool = False) -> Database:
        if is_postgres_url(target):
            from bot.storage.postgres import PostgresDatabase

            return await PostgresDatabase.connect(str(target), migrate=migrate,
                                                  read_only=read_only)
        from bot.storage.sqlite import SqliteDatabase

        return await SqliteDatabase.connect(sqlite_path(target), migrate=migrate,
                                            busy_timeout_ms=busy_timeout_ms,
                                            read_only=read_only)

    @abstractmethod
    async def close(self) -> None:
        ...

    @abstractmethod
    async def schema_version(self) -> int:
        ...

    async def check_version(self) -> None:
        have, know = await self.schema_version(), schema.latest_version(self.dialect)
        if have > know:
            raise SchemaTooNewError(
                f"the database {self.path} has schema version {have}, but this quizbot only "
                f"knows versions up to {know}. Upgrade quizbot, or point --db at another file.")

    @abstractmethod
    async def migrate(self) -> list[int]:
        """Apply every pending migration, each in its own transaction; returns the versions."""
        ...

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Connection]:
        """A write transaction: committed when the block ends, rolled back on any error.
        The engine's operational failures (locked too long, disk full, read-only, the
        server gone) surface as StorageError with nothing of the unit kept."""
        ...

    @abstractmethod
    def reading(self) -> AbstractAsyncContextManager[Connection]:
        """Exclusive use of the connection for reads (no other unit of work interleaves)."""
        ...

    @abstractmethod
    async def check_writable(self) -> str | None:
        """None when a write would succeed now; otherwise what the engine said."""
        ...

    @abstractmethod
    async def check_integrity(self, *, quick: bool = False) -> list[str]:
        """The damage the engine finds; empty when the database is sound."""
        ...

    @abstractmethod
    async def backup(self, dest: str | Path, *, force: bool = False) -> None:
        """A consistent copy in ``dest``, safe while the bot runs (BackupRefusedError,
        nothing written, when ``dest`` or the database is unfit)."""
        ...

    def leadership(self) -> Leadership:
        """How this process learns whether it runs the schedules (one process per SQLite
        file: it always does)."""
        return SoleLeadership()

    @abstractmethod
    async def columns(self, table: str) -> list[str]:
        """The table's column names, in order (``quizbot db copy`` moves them all)."""
        ...

    @abstractmethod
    async def tables(self) -> list[str]:
        """The names of quizbot's tables (not the schema_version bookkeeping)."""
        ...


async def fetch_all(conn: Connection, sql: str, params: Any = ()) -> list[Row]:
    # One trip: on SQLite to aiosqlite's thread (execute + fetchall would be two).
    return list(await conn.execute_fetchall(sql, params))


async def fetch_one(conn: Connection, sql: str, params: Any = ()) -> Row | None:
    rows = await conn.execute_fetchall(sql, params)
    return next(iter(rows), None)
