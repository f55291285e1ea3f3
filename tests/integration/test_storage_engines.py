"""Storage on both engines (a real SQLite file, a real throwaway PostgreSQL server): the
migration series, refusing a newer schema, backups, integrity checks, and `db copy`."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.scoring import Award, Board, Reason
from bot.storage import schema
from bot.storage.copy import CopyRefusedError, copy_database, creation_order
from bot.storage.db import Database, SchemaTooNewError, fetch_all, fetch_one, to_db
from bot.storage.postgres import redact, to_pg
from bot.storage.repositories import People, Scores
from tests import pg_server

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_a_new_database_reaches_the_latest_version_once(blank_database_url: str) -> None:
    db = await Database.open(blank_database_url)
    try:
        assert await db.schema_version() == schema.latest_version(db.dialect)
        assert await db.migrate() == []
        assert set(await db.tables()) == set(creation_order())
        assert await db.check_integrity() == []
        assert await db.check_writable() is None
    finally:
        await db.close()


async def test_refuses_a_database_from_a_newer_quizbot(blank_database_url: str) -> None:
    db = await Database.open(blank_database_url)
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO schema_version VALUES (?, 'future.sql', 'x')",
                           (schema.latest_version(db.dialect) + 1,))
    await db.close()
    with pytest.raises(SchemaTooNewError, match="only knows"):
        await Database.open(blank_database_url)
    with pytest.raises(SchemaTooNewError):
        await Database.open(blank_database_url, migrate=False)


async def test_a_failed_migration_leaves_nothing_behind(blank_database_url: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    db = await Database.open(blank_database_url, migrate=False)
    dialect = db.dialect
    await db.close()
    good = schema.migrations(dialect)
    broken = [*good, (good[-1][0] + 1, "9999_broken.sql",
                      "CREATE TABLE half (x INTEGER);\nTHIS IS NOT SQL;\n")]
    monkeypatch.setattr(schema, "migrations", lambda d: broken)
    monkeypatch.setattr(schema, "latest_version", lambda d: broken[-1][0])
    with pytest.raises(Exception, match="syntax error|near"):
        await Database.open(blank_database_url)
    monkeypatch.undo()
    db = await Database.open(blank_database_url, migrate=False)
    try:
        assert "half" not in await db.tables() and "rounds" in await db.tables()
        assert await db.schema_version() == good[-1][0]
    finally:
        await db.close()


async def _some_history(db: Database) -> None:
    """Two people, a ledger with a correction, and the totals kept in step."""
    async with db.transaction() as conn:
        alice = await People(conn).upsert("slack", "T1", "U1", "alice", NOW)
        bob = await People(conn).upsert("slack", "T1", "U2", "bob", NOW)
        scores = Scores(conn, "Europe/Berlin")
        for person, points in ((alice, 3), (bob, 2)):
            await scores.add(Award(person.id, points, Reason.PARTICIPATION), board=Board.DAILY,
                             subscription_id=None, round_id=None, at=NOW)
        await scores.add(Award(alice.id, 1, Reason.PRACTICE), board=Board.PRACTICE,
                         subscription_id=None, round_id=None, at=NOW)
        first = await fetch_one(conn, "SELECT id FROM score_events ORDER BY id")
        assert first is not None
        await scores.correct(int(first[0]), -1, "typo", bob.id, NOW)


async def test_backup_then_restore_holds_the_same_rows(blank_database_url: str, tmp_path: Path,
                                                       request: pytest.FixtureRequest) -> None:
    db = await Database.open(blank_database_url)
    try:
        await _some_history(db)
        dest = tmp_path / "backup"
        await db.backup(dest)
        assert dest.stat().st_size > 0
        with pytest.raises(Exception, match="exists"):
            await db.backup(dest)
        async with db.reading() as conn:
            before = [tuple(r) for r in await fetch_all(
                conn, "SELECT person_id, points, reason FROM score_events ORDER BY id")]
    finally:
        await db.close()
    if db.dialect == "sqlite":
        restored_url = str(dest)
    else:   # a custom-format pg_dump file: restore it into a new database
        pg: pg_server.PgServer = request.getfixturevalue("pg")
        name = pg.create()
        request.addfinalizer(lambda: pg.drop(name))
        await asyncio.to_thread(
            subprocess.run, [str(pg.bin / "pg_restore"), "--no-owner", "-d", pg.url(name),
                             str(dest)], check=True, capture_output=True)
        restored_url = pg.url(name)
    restored = await Database.open(restored_url)
    try:
        async with restored.reading() as conn:
            after = [tuple(r) for r in await fetch_all(
                conn, "SELECT person_id, points, reason FROM score_events ORDER BY id")]
        assert after == before and len(before) == 4
    finally:
        await restored.close()


async def _points(db: Database) -> list[tuple[object, ...]]:
    async with db.reading() as conn:
        return [tuple(r) for r in await fetch_all(
            conn, "SELECT scope, board, period, person_id, points FROM score_totals"
            " ORDER BY scope, board, period, person_id")]


async def test_copy_moves_everything_and_refuses_a_target_with_data(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    source = await Database.open(tmp_path / "old.db")
    pg: pg_server.PgServer = request.getfixturevalue("pg")
    name = pg.create()
    request.addfinalizer(lambda: pg.drop(name))
    target = await Database.open(pg.url(name))
    try:
        await _some_history(source)
        report = await copy_database(source, target)
        assert report.counts["people"] == 2 and report.counts["score_events"] == 4
        assert report.points["ledger points"] == [("daily", 4), ("practice", 1)]
        assert await _points(target) == await _points(source)
        # ids go on after the copied ones, and the copy is a working database
        async with target.transaction() as conn:
            carol = await People(conn).upsert("slack", "T1", "U3", "carol", NOW)
        assert carol.id == 3
        with pytest.raises(CopyRefusedError, match="already holds data"):
            await copy_database(source, target)
        again = await copy_database(source, target, replace=True)
        assert again.counts["people"] == 2
        # and back again, PostgreSQL to a new SQLite file
        back = await Database.open(tmp_path / "back.db")
        try:
            await copy_database(target, back)
            assert await _points(back) == await _points(source)
        finally:
            await back.close()
    finally:
        await source.close()
        await target.close()


async def test_copy_refuses_a_source_behind_the_latest_schema(tmp_path: Path) -> None:
    old = await Database.open(tmp_path / "old.db")
    async with old.transaction() as conn:
        await conn.execute("DELETE FROM schema_version WHERE version = ?",
                           (schema.latest_version(),))
    new = await Database.open(tmp_path / "new.db")
    try:
        with pytest.raises(CopyRefusedError, match="db migrate"):
            await copy_database(old, new)
    finally:
        await old.close()
        await new.close()


def test_placeholders_become_numbered_outside_quotes_and_comments() -> None:
    assert to_pg("SELECT '?', x FROM t WHERE a=? AND b IN (?,?) -- why?\n") == \
        "SELECT '?', x FROM t WHERE a=$1 AND b IN ($2,$3) -- why?\n"
    assert to_pg("SELECT 'it''s ?' WHERE c=?") == "SELECT 'it''s ?' WHERE c=$1"


def test_messages_never_show_the_password() -> None:
    assert redact("postgresql://bot:s3cret@db:5432/quizbot") == \
        "postgresql://bot:***@db:5432/quizbot"
    assert redact("postgresql://bot@db/quizbot") == "postgresql://bot@db/quizbot"


async def test_timestamps_compare_as_times_on_both(database_url: str) -> None:
    db = await Database.open(database_url)
    try:
        async with db.transaction() as conn:
            for i, name in enumerate(["b", "A", "a"]):
                await People(conn).upsert("slack", "T1", f"U{i}", name,
                                          NOW.replace(minute=i))
            rows = await fetch_all(conn, "SELECT display_name FROM people WHERE created_at"
                                   " > ? ORDER BY display_name", (to_db(NOW),))
        assert [r[0] for r in rows] == ["A", "a"]   # byte order, as SQLite sorts
    finally:
        await db.close()


def test_the_db_commands_on_postgresql(tmp_path: Path, pg: pg_server.PgServer,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    async def old_bot() -> None:
        db = await Database.open(tmp_path / "old.db")
        try:
            await _some_history(db)
        finally:
            await db.close()

    asyncio.run(old_bot())
    name = pg.create()
    try:
        url = pg.url(name)
        assert main(["db", "copy", "--from", f"sqlite:///{tmp_path}/old.db", "--to", url]) == 0
        out = capsys.readouterr().out
        assert "score_events" in out and "ledger points" in out and "daily 4" in out
        assert main(["db", "copy", "--from", str(tmp_path / "old.db"), "--to", url]) == 1
        assert "already holds data" in capsys.readouterr().err
        assert main(["db", "migrate", "--db", url]) == 0
        assert "up to date" in capsys.readouterr().out
        assert main(["db", "check", "--db", url]) == 0
        assert capsys.readouterr().out.strip().endswith(": ok")
        assert main(["db", "backup", str(tmp_path / "q.dump"), "--db", url]) == 0
        assert "with pg_dump" in capsys.readouterr().out
        assert (tmp_path / "q.dump").read_bytes()[:5] == b"PGDMP"
    finally:
        pg.drop(name)


def test_an_unreachable_server_is_one_line_without_the_password(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    url = f"postgresql://bot:s3cret@/nowhere?host={tmp_path}"   # no server on that socket
    assert main(["db", "migrate", "--db", url]) == 1
    err = capsys.readouterr().err
    assert "cannot open the PostgreSQL database" in err and "s3cret" not in err
    assert len(err.strip().splitlines()) == 1
