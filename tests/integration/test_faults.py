"""Storage faults: locked past the busy timeout, disk full, read-only. The person gets a
polite reply, nothing is acknowledged or half-written, and work resumes once it clears."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.rounds import AnswerOutcome
from bot.domain.subscriptions import Subscription
from bot.services.commands import CommandContext
from tests.dbdump import dump
from tests.fakes.memory import CHANNEL, LEAD, MemoryPlatform, answer


async def _core(tmp_path: Path, bank: QuestionBank, busy_ms: int) -> tuple[Core, MemoryPlatform,
                                                                          FixedClock, str]:
    settings = Settings(db=tmp_path / "q.db", questions_dir=tmp_path, db_busy_timeout_ms=busy_ms,
                        _env_file=None)  # type: ignore[call-arg]
    clock = FixedClock(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
    core = await build(settings, clock=clock, bank=bank)
    memory = MemoryPlatform()
    core.platforms.register(memory)
    sub = await core.subscriptions.subscribe(LEAD, CHANNEL, "general",
                                             post_time=core.default_post_time, timezone="UTC",
                                             window=timedelta(hours=8))
    assert isinstance(sub, Subscription)
    rnd = await core.rounds.post_due(sub.id)
    assert rnd is not None and rnd.thread_id
    return core, memory, clock, rnd.thread_id


def _hold_write_lock(path: Path, seconds: float, ready: threading.Event) -> None:
    conn = sqlite3.connect(path, timeout=0)
    conn.execute("BEGIN IMMEDIATE")
    ready.set()
    threading.Event().wait(seconds)
    conn.rollback()
    conn.close()


async def test_locked_past_the_busy_timeout_fails_politely_then_recovers(
        tmp_path: Path, sample_bank: QuestionBank, caplog: pytest.LogCaptureFixture) -> None:
    core, memory, _, thread = await _core(tmp_path, sample_bank, busy_ms=50)
    try:
        ready = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(tmp_path / "q.db", 0.5, ready))
        holder.start()
        ready.wait()
        before = dump(str(tmp_path / "q.db"))
        with caplog.at_level(logging.ERROR):
            result = await core.rounds.record_answer(answer(thread, "an answer"))
        assert result.outcome is AnswerOutcome.FAILED and result.reply is not None
        assert "send it again" in result.reply.text() and memory.acks == []
        assert "locked" in caplog.text
        holder.join()
        assert dump(str(tmp_path / "q.db")) == before
        again = await core.rounds.record_answer(answer(thread, "an answer"))
        assert again.outcome is AnswerOutcome.RECORDED and len(memory.acks) == 1
    finally:
        await core.close()


async def test_a_briefly_held_lock_is_waited_for(tmp_path: Path,
                                                 sample_bank: QuestionBank) -> None:
    core, memory, _, thread = await _core(tmp_path, sample_bank, busy_ms=5000)
    try:
        ready = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(tmp_path / "q.db", 0.2, ready))
        holder.start()
        ready.wait()
        result = await core.rounds.record_answer(answer(thread, "an answer"))
        holder.join()
        assert result.outcome is AnswerOutcome.RECORDED and len(memory.acks) == 1
    finally:
        await core.close()


async def test_disk_full_fails_politely_and_keeps_nothing(tmp_path: Path,
                                                          sample_bank: QuestionBank) -> None:
    core, memory, _, thread = await _core(tmp_path, sample_bank, busy_ms=50)
    try:
        async with core.db.reading() as conn:
            pages = (await (await conn.execute("PRAGMA page_count")).fetchone())[0]
            await conn.execute(f"PRAGMA max_page_count = {pages}")
        # Fill what free space is left, one person's answer at a time, until the disk is full.
        for i in range(200):
            before, acks = dump(str(tmp_path / "q.db")), len(memory.acks)
            msg = answer(thread, f"{i} " + "x" * 3900, user=f"U{i}", name=f"p{i}")
            result = await core.rounds.record_answer(msg)
            if result.outcome is AnswerOutcome.FAILED:
                break
            assert result.outcome is AnswerOutcome.RECORDED
        assert result.outcome is AnswerOutcome.FAILED, "the disk never filled up"
        assert len(memory.acks) == acks and dump(str(tmp_path / "q.db")) == before
        async with core.db.reading() as conn:
            await conn.execute("PRAGMA max_page_count = 1073741823")
        again = await core.rounds.record_answer(msg)
        assert again.outcome is AnswerOutcome.RECORDED
    finally:
        await core.close()


async def test_read_only_database_refuses_writes_politely(tmp_path: Path,
                                                          sample_bank: QuestionBank) -> None:
    core, memory, clock, thread = await _core(tmp_path, sample_bank, busy_ms=50)
    try:
        async with core.db.reading() as conn:
            await conn.execute("PRAGMA query_only = 1")  # as if the file were read-only
        before = dump(str(tmp_path / "q.db"))
        result = await core.rounds.record_answer(answer(thread, "an answer"))
        assert result.outcome is AnswerOutcome.FAILED and memory.acks == []
        ctx = CommandContext(LEAD, CHANNEL, "general")
        reply = await core.commands.run(ctx, "subscribe", "10:00 Asia/Tokyo")
        assert "Something went wrong on my side" in reply.message.text()
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await core.scheduler.sweep_job()  # logs, does not raise; the reveal waits
        assert memory.reveals == []
        assert dump(str(tmp_path / "q.db")) == before
        async with core.db.reading() as conn:
            await conn.execute("PRAGMA query_only = 0")
        await core.scheduler.sweep_job()
        assert len(memory.reveals) == 1
    finally:
        await core.close()
        await asyncio.sleep(0)
