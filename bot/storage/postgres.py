"""PostgreSQL through asyncpg: the same repositories' SQL, the numbered migrations of
``migrations/postgresql/``, serialised transactions, and backups by ``pg_dump``.

The repositories write SQLite's ``?`` placeholders; ``PgConnection`` rewrites them to
``$1, $2, ...`` once per statement text (cached) and otherwise passes the SQL through, so
both engines run one copy of every query. Timestamps stay fixed-width UTC text and text
columns use the "C" collation, so comparisons and orderings are SQLite's byte order.

asyncpg is imported only when a ``postgresql://`` URL is opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.storage import schema
from bot.storage.db import (
    BackupRefusedError,
    Database,
    StorageError,
    UnreachableDatabaseError,
    refuse_unfit_backup_file,
    to_db,
)
from bot.storage.leadership import AdvisoryLeadership

# Any fixed number: migrations of two processes starting at once take turns.
MIGRATION_LOCK = 0x71756962  # "quib"
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|--[^\n]*|\?")


@lru_cache(maxsize=4096)
def to_pg(sql: str) -> str:
    """SQLite's ``?`` placeholders as PostgreSQL's ``$n`` (not inside quotes or comments)."""
    count = 0

    def number(m: re.Match[str]) -> str:
        nonlocal count
        if m.group(0) != "?":
            return m.group(0)
        count += 1
        return f"${count}"

    return _TOKENS.sub(number, sql)


def redact(url: str) -> str:
    """The URL as messages may show it: the password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def _without_password(url: str) -> tuple[str, str | None]:
    parts = urlsplit(url)
    if parts.password is None:
        return url, None
    host = parts.netloc.rsplit("@", 1)[-1]
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}")), parts.password


class PgResult:
    """What asyncpg's status line ("UPDATE 2", "INSERT 0 1") says a statement changed."""

    __slots__ = ("rowcount",)

    def __init__(self, status: str) -> None:
        last = status.rsplit(" ", 1)[-1]
        self.rowcount = int(last) if last.isdigit() else -1


class PgConnection:
    """An asyncpg connection with the ``Connection`` protocol the repositories use."""

    dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        self.raw = conn

    async def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> PgResult:
        return PgResult(await self.raw.execute(to_pg(sql), *parameters))

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any] = (), /) -> list[Any]:
        return list(await self.raw.fetch(to_pg(sql), *parameters))

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> None:
        await self.raw.executemany(to_pg(sql), list(parameters))


def _operational() -> tuple[type[BaseException], ...]:
    """asyncpg's failures of the server or the link, not of the statement: a unit of work
    meeting one keeps nothing and is reported as StorageError."""
    import asyncpg
    from asyncpg import exceptions as e

    return (OSError, TimeoutError, asyncpg.InterfaceError, e.PostgresConnectionError,
            e.InsufficientResourcesError, e.OperatorInterventionError,
            e.ReadOnlySQLTransactionError, e.LockNotAvailableError, e.SerializationError,
            e.DeadlockDetectedError)


class PostgresDatabase(Database):
    """A PostgreSQL database, through one asyncpg connection (re-opened if it drops)."""

    dialect = "postgresql"

    def __init__(self, url: str, conn: Any, *, read_only: bool) -> None:
        super().__init__(redact(url))
        self.url, self.read_only = url, read_only
        self.conn = PgConnection(conn)
        self._operational = _operational()

    @classmethod
    async def connect(cls, url: str, *, migrate: bool = True,
                      read_only: bool = False) -> PostgresDatabase:
        db = cls(url, await _connect(url, read_only), read_only=read_only)
        try:
            await db.check_version()
            if migrate:
                await db.migrate()
        except BaseException:
            await db.close()
            raise
        return db

    async def _live(self) -> PgConnection:
        """The connection, opened again if the server or the link dropped it."""
        if self.conn.raw.is_closed():
            self.conn = PgConnection(await _connect(self.url, self.read_only))
        return self.conn

    async def close(self) -> None:
        if not self.conn.raw.is_closed():
            await self.conn.raw.close()

    async def schema_version(self) -> int:
        raw = self.conn.raw
        if await raw.fetchval("SELECT to_regclass('schema_version')") is None:
            return 0
        return int(await raw.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version"))

    async def migrate(self) -> list[int]:
        await self.check_version()
        applied = []
        async with self.lock:
            raw = (await self._live()).raw
            await raw.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await raw.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
                    " name TEXT NOT NULL, applied_at TEXT NOT NULL)")
                await self.check_version()   # another process may have gone further meanwhile
                current = await self.schema_version()
                for version, name, sql in schema.migrations(self.dialect):
                    if version <= current:
                        continue
                    async with raw.transaction():
                        await raw.execute(sql)
                        await raw.execute("INSERT INTO schema_version (version, name, applied_at)"
                                          " VALUES ($1, $2, $3)",
                                          version, name, to_db(datetime.now(UTC)))
                    applied.append(version)
            finally:
                await raw.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PgConnection]:
        async with self.lock:
            try:
                conn = await self._live()
                tx = conn.raw.transaction()
                await tx.start()
            except self._operational as exc:
                raise StorageError(f"cannot start a write: {exc}") from exc
            try:
                yield conn
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    await tx.rollback()
                if isinstance(exc, self._operational):
                    raise StorageError(str(exc)) from exc
                raise
            try:
                await tx.commit()
            except self._operational as exc:
                raise StorageError(str(exc)) from exc

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[PgConnection]:
        async with self.lock:
            yield await self._live()

    async def check_writable(self) -> str | None:
        """A write the server refuses in a read-only transaction or on a standby, rolled
        back, under the lock."""
        async with self.lock:
            try:
                raw = (await self._live()).raw
                async with raw.transaction():
                    await raw.execute("UPDATE schema_version SET name = name WHERE false")
                    raise _RollBack
            except _RollBack:
                return None
            except Exception as exc:
                return str(exc) or type(exc).__name__

    async def check_integrity(self, *, quick: bool = False) -> list[str]:
        """Every table read through (with data checksums on, the server checks each page
        it reads); ``quick`` only asks the server to answer."""
        problems = []
        async with self.lock:
            raw = (await self._live()).raw
            names = [] if quick else await self._table_names(raw)
            for table in names:
                try:
                    await raw.fetchval(f'SELECT count(*) FROM "{table}"')
                except Exception as exc:
                    problems.append(f"{table}: {exc}")
            if quick:
                await raw.fetchval("SELECT 1")
        return problems

    async def backup(self, dest: str | Path, *, force: bool = False) -> None:
        """``pg_dump --format=custom`` into a temporary file beside ``dest``, fsynced and
        renamed into place; restore with ``pg_restore --clean --dbname URL DEST``."""
        dest = Path(dest)
        exe = shutil.which("pg_dump")
        if exe is None:
            raise BackupRefusedError("pg_dump is not on PATH: a PostgreSQL backup delegates to"
                                     " it; install PostgreSQL's client tools")
        refuse_unfit_backup_file(dest, force)
        url, password = _without_password(self.url)
        env = {**os.environ, **({"PGPASSWORD": password} if password else {})}
        fd, part = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        os.close(fd)
        try:
            proc = await asyncio.create_subprocess_exec(
                exe, "--format=custom", "--no-owner", f"--file={part}", f"--dbname={url}",
                env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
            _, err = await proc.communicate()
            if proc.returncode != 0:
                said = err.decode(errors="replace").strip().splitlines() or ["no message"]
                raise BackupRefusedError(f"pg_dump failed on {self.path}: {said[-1]}")
            from bot.storage.sqlite import _fsync_and_replace

            await asyncio.to_thread(_fsync_and_replace, Path(part), dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(part)
            raise

    async def _table_names(self, raw: Any) -> list[str]:
        rows = await raw.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema ="
            " current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_version'"
            " ORDER BY table_name")
        return [str(r[0]) for r in rows]

    async def tables(self) -> list[str]:
        async with self.lock:
            return await self._table_names((await self._live()).raw)

    async def columns(self, table: str) -> list[str]:
        return [name for name, _ in await self.column_types(table)]

    async def column_types(self, table: str) -> list[tuple[str, str]]:
        """(name, SQL type) of the table's columns, in order."""
        async with self.lock:
            rows = await (await self._live()).raw.fetch(
                "SELECT column_name, data_type FROM information_schema.columns WHERE"
                " table_schema = current_schema() AND table_name = $1 ORDER BY"
                " ordinal_position", table)
        return [(str(r[0]), str(r[1])) for r in rows]

    def leadership(self) -> AdvisoryLeadership:
        """Replicas share the database: the one holding the advisory lock leads."""
        return AdvisoryLeadership(self.url)

    async def analyze(self) -> None:
        """Fresh planner statistics after a bulk load (as after pg_restore): without them
        the first queries on a copied ledger pick scans instead of the indexes."""
        async with self.lock:
            await (await self._live()).raw.execute("ANALYZE")

    async def reset_ids(self, table: str) -> None:
        """After rows were copied in with their ids: new rows continue after the largest."""
        async with self.lock:
            await (await self._live()).raw.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" COALESCE((SELECT MAX(id) FROM \"{table}\"), 0) + 1, false)")


class _RollBack(Exception):
    pass


async def _connect(url: str, read_only: bool) -> Any:
    import asyncpg

    settings = {"default_transaction_read_only": "on"} if read_only else {}
    try:
        return await asyncpg.connect(url, server_settings=settings or None,
                                     statement_cache_size=1024)
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise UnreachableDatabaseError(
            f"cannot open the PostgreSQL database {redact(url)}: {exc}") from exc
