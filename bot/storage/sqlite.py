"""SQLite through aiosqlite: PRAGMAs, the numbered migrations, serialised transactions,
integrity checks and the online backup."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import stat
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite

from bot.storage import schema
from bot.storage.connection import Connection
from bot.storage.db import (
    BUSY_TIMEOUT_MS,
    BackupRefusedError,
    Database,
    StorageError,
    UnusableDatabaseError,
    refuse_unfit_backup_file,
    to_db,
    unusable,
)


def split_statements(script: str) -> list[str]:
    """Split a migration into statements, so they run inside our own transaction
    (``executescript`` would commit first)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip() and not all(
            ln.strip().startswith("--") or not ln.strip() for ln in current.splitlines()):
        raise ValueError("migration ends with an incomplete statement")
    return statements




class SqliteDatabase(Database):
    """A SQLite file (or ``:memory:``), through one aiosqlite connection."""

    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        super().__init__(path)
        self.conn = conn

    @classmethod
    async def connect(cls, path: str, *, migrate: bool = True,
                      busy_timeout_ms: int = BUSY_TIMEOUT_MS,
                      read_only: bool = False) -> SqliteDatabase:
        if path != ":memory:" and not read_only:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        target = f"file:{path}?mode=ro" if read_only else path
        try:
            # Opened once without aiosqlite first: when aiosqlite's connect fails, its worker
            # thread may outlive the event loop and print a traceback of its own at exit.
            await asyncio.to_thread(_try_open, target, read_only)
            conn = await aiosqlite.connect(target, isolation_level=None, uri=read_only)
        except sqlite3.Error as exc:
            raise unusable(path, exc) or exc from exc
        conn.row_factory = aiosqlite.Row
        db = cls(conn, path)
        try:
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if not read_only:
                await db._open_for_writing()
            # FULL, not NORMAL: in WAL mode NORMAL survives a killed process but may lose the
            # last commits to an OS crash or power cut, and those commits were acknowledged.
            # FULL fsyncs the WAL at every commit; group commit keeps that to one per batch.
            await conn.execute("PRAGMA synchronous = FULL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await db.check_version()
            if migrate:
                await db.migrate()
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, sqlite3.Error) and (problem := unusable(path, exc)):
                raise problem from exc
            raise
        return db

    async def _open_for_writing(self) -> None:
        """WAL mode, and proof that this process can write: a read-only file or folder
        would otherwise surface only at the first answer, as a failed write."""
        cur = await self.conn.execute("PRAGMA journal_mode = WAL")
        row = await cur.fetchone()
        if self.path != ":memory:" and (row is None or str(row[0]).lower() != "wal"):
            raise UnusableDatabaseError(self.path, "cannot create its -wal file beside it",
                                        damaged=False)
        await self._probe_write()

    async def _probe_write(self) -> None:
        # BEGIN IMMEDIATE alone succeeds on a read-only file in WAL mode (its lock is in the
        # -shm file); a write, rolled back, meets SQLITE_READONLY.
        row = await (await self.conn.execute("PRAGMA user_version")).fetchone()
        await self.conn.execute("BEGIN IMMEDIATE")
        try:
            await self.conn.execute(f"PRAGMA user_version = {int(row[0]) if row else 0}")
        finally:
            if self.conn.in_transaction:
                await self.conn.execute("ROLLBACK")

    async def check_writable(self) -> str | None:
        """None when a write would succeed now (a write rolled back, under the lock, so it
        waits its turn like any unit of work); otherwise what SQLite said."""
        async with self.lock:
            try:
                await self._probe_write()
            except sqlite3.Error as exc:
                return str(exc) or type(exc).__name__
        return None

    async def close(self) -> None:
        await self.conn.close()

    async def schema_version(self) -> int:
        cur = await self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'")
        if await cur.fetchone() is None:
            return 0
        cur = await self.conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> list[int]:
        """Apply every pending migration, each in its own transaction; returns the versions."""
        await self.check_version()
        applied = []
        async with self.lock:
            await self.conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
            current = await self.schema_version()
            for version, name, sql in schema.migrations(self.dialect):
                if version <= current:
                    continue
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in split_statements(sql):
                        await self.conn.execute(statement)
                    await self.conn.execute(
                        "INSERT INTO schema_version (version, name, applied_at) VALUES (?,?,?)",
                        (version, name, to_db(datetime.now(UTC))))
                    await self.conn.execute("COMMIT")
                except BaseException:
                    await self.conn.execute("ROLLBACK")
                    raise
                applied.append(version)
        return applied

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """BEGIN IMMEDIATE .. COMMIT, ROLLBACK on any error; SQLite's operational failures
        (locked past the busy timeout, disk full, read-only file) become StorageError."""
        async with self.lock:
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StorageError(f"cannot start a write: {exc}") from exc
            try:
                yield self.conn
                await self.conn.execute("COMMIT")
            except BaseException as exc:
                if self.conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        await self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.OperationalError):
                    raise StorageError(str(exc)) from exc
                raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Connection]:
        async with self.lock:
            yield self.conn

    async def check_integrity(self, *, quick: bool = False) -> list[str]:
        """What ``PRAGMA integrity_check`` (or the faster ``quick_check``, which skips
        matching indexes to their tables) finds."""
        pragma = "quick_check" if quick else "integrity_check"
        async with self.lock:
            try:
                rows = await self.conn.execute_fetchall(f"PRAGMA {pragma}")
            except sqlite3.DatabaseError as exc:  # too damaged to walk
                return [str(exc)]
        found = [str(row[0]) for row in rows]
        return [] if found == ["ok"] else found

    async def backup(self, dest: str | Path, *, force: bool = False) -> None:
        """A consistent copy through SQLite's online backup API, safe while the bot runs.

        Refuses (BackupRefusedError, nothing written) the database itself or one of its
        files, an existing file unless ``force``, a folder that does not exist, and a
        source that fails ``quick_check``. The copy is written beside ``dest`` under a
        temporary name, fsynced, and renamed into place: ``dest`` is never half a copy."""
        if self.path == ":memory:":
            raise BackupRefusedError("an in-memory database has no file to back up")
        dest, source = Path(dest), Path(self.path)
        await asyncio.to_thread(_refuse_unfit_destination, source, dest, force)
        problems = await self.check_integrity(quick=True)
        if problems:
            raise BackupRefusedError(
                f"the database {self.path} is damaged ({problems[0]}); not backed up. "
                f"`quizbot db check --db {self.path}` tells what is wrong")
        fd, part = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        os.close(fd)
        try:
            os.chmod(part, stat.S_IMODE(os.stat(source).st_mode))
            async with self.lock:
                target = await aiosqlite.connect(part)
                try:
                    await self.conn.backup(target)
                finally:
                    await target.close()
            await asyncio.to_thread(_fsync_and_replace, Path(part), dest)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(part)
            raise

    async def tables(self) -> list[str]:
        async with self.lock:
            rows = await self.conn.execute_fetchall(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                " AND name <> 'schema_version' ORDER BY name")
        return [str(r[0]) for r in rows]

    async def columns(self, table: str) -> list[str]:
        async with self.lock:
            rows = await self.conn.execute_fetchall("SELECT name FROM pragma_table_info(?)"
                                                    " ORDER BY cid", (table,))
        return [str(r[0]) for r in rows]


def _try_open(target: str, uri: bool) -> None:
    sqlite3.connect(target, uri=uri).close()


def _refuse_unfit_destination(source: Path, dest: Path, force: bool) -> None:
    source = source.resolve()
    own_files = {source, *(Path(f"{source}{x}") for x in ("-wal", "-shm", "-journal"))}
    if dest.resolve() in own_files or (dest.exists() and os.path.samefile(dest, source)):
        raise BackupRefusedError(f"{dest} is the database {source} or one of its files; "
                                 "give another file")
    refuse_unfit_backup_file(dest, force)
    for suffix in ("-wal", "-journal"):
        if Path(f"{dest}{suffix}").exists():
            raise BackupRefusedError(
                f"{dest}{suffix} exists: {dest} is open or was not closed cleanly, and "
                "SQLite would apply that file to the copy; remove it first")


def _fsync_and_replace(part: Path, dest: Path) -> None:
    with open(part, "rb") as f:
        os.fsync(f.fileno())
    os.replace(part, dest)
    folder = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)



