"""Storage on real SQLite files: PRAGMAs, migrations, refusing newer schemas, backups."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage.db import (
    Database,
    SchemaTooNewError,
    UnusableDatabaseError,
    latest_version,
)
from bot.storage.sqlite import split_statements


async def test_open_sets_pragmas_and_migrates(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "q.db")
    try:
        async with db.reading() as conn:
            mode = await (await conn.execute("PRAGMA journal_mode")).fetchone()
            fks = await (await conn.execute("PRAGMA foreign_keys")).fetchone()
            busy = await (await conn.execute("PRAGMA busy_timeout")).fetchone()
        assert mode is not None and mode[0] == "wal"
        assert fks is not None and fks[0] == 1
        assert busy is not None and busy[0] >= 1000
        assert await db.schema_version() == latest_version()
        assert await db.migrate() == []  # idempotent
    finally:
        await db.close()


FULL = 2  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


async def test_commits_are_fsynced_before_they_are_acknowledged(tmp_path: Path) -> None:
    # WAL with synchronous=NORMAL survives a killed process, not an OS crash or power cut:
    # the last commits may be in the OS cache only, after their answers were acknowledged.
    # FULL fsyncs the WAL at every commit. (Power loss itself is not simulated.)
    db = await Database.open(tmp_path / "q.db")
    try:
        async with db.reading() as conn:
            sync = await (await conn.execute("PRAGMA synchronous")).fetchone()
        assert sync is not None and sync[0] == FULL
    finally:
        await db.close()


async def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "q.db")
    try:
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO answers (round_id, person_id, text, created_at,"
                                   " updated_at) VALUES (999, 999, 'x', 'a', 'b')")
    finally:
        await db.close()


async def test_refuses_a_database_from_a_newer_quizbot(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    db = await Database.open(path)
    await db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (?, 'future.sql', 'x')",
                     (latest_version() + 1,))
    with pytest.raises(SchemaTooNewError, match="newer|only knows"):
        await Database.open(path)


async def test_a_failed_migration_leaves_nothing_behind(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.storage import schema

    good = schema.migrations()
    broken = [*good, (latest_version() + 1, "9999_broken.sql",
                      "CREATE TABLE half (x INTEGER);\nTHIS IS NOT SQL;\n")]
    monkeypatch.setattr(schema, "migrations", lambda dialect: broken)
    monkeypatch.setattr(schema, "latest_version", lambda dialect: broken[-1][0])
    with pytest.raises(sqlite3.OperationalError):
        await Database.open(tmp_path / "q.db")
    with sqlite3.connect(tmp_path / "q.db") as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        version = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
    assert "half" not in tables and "rounds" in tables
    assert version == good[-1][0]


def test_split_statements_handles_comments_and_semicolons_in_strings() -> None:
    script = "-- c\nCREATE TABLE a (x TEXT DEFAULT ';');\n\nINSERT INTO a VALUES ('a;b');\n"
    assert split_statements(script) == ["-- c\nCREATE TABLE a (x TEXT DEFAULT ';');",
                                        "INSERT INTO a VALUES ('a;b');"]
    with pytest.raises(ValueError):
        split_statements("CREATE TABLE b (x")


async def test_online_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "q.db")
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO people (platform, workspace, user_id, display_name,"
                               " created_at) VALUES ('console','local','u','alice','t')")
        await db.backup(tmp_path / "copy.db")
    finally:
        await db.close()
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("SELECT display_name FROM people").fetchall() == [("alice",)]


async def test_opening_names_a_damaged_file_and_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    path.write_bytes(b"not a database, only text\n" * 300)
    with pytest.raises(UnusableDatabaseError, match="file is not a database") as raised:
        await Database.open(path)
    assert raised.value.damaged and "restore it from a backup" in str(raised.value)
    assert "\n" not in str(raised.value)
