"""A restart is a new app instance on the same database file: nothing doubled, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.subscriptions import Subscription
from bot.storage.repositories import Answers, Scores
from tests.fakes.memory import CHANNEL, LEAD, MemoryPlatform, answer


async def test_restart_neither_doubles_a_post_nor_skips_a_reveal(
        settings: Settings, sample_bank: QuestionBank) -> None:
    clock = FixedClock(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    first_platform = MemoryPlatform()
    app = await build(settings, clock=clock, bank=sample_bank)
    app.platforms.register(first_platform)
    sub = await app.subscriptions.subscribe(LEAD, CHANNEL, "general",
                                            post_time=app.default_post_time, timezone="UTC",
                                            window=app.default_window)
    assert isinstance(sub, Subscription)
    await app.start()
    assert len(first_platform.questions) == 1
    thread = first_platform.questions[0].sent.thread_id
    await app.rounds.record_answer(answer(thread, "stored before the crash"))
    await app.close()

    # Back up at 12:00 (same window): the start-up sweep must not post again.
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    second_platform = MemoryPlatform()
    app = await build(settings, clock=clock, bank=sample_bank)
    app.platforms.register(second_platform)
    await app.start()
    assert second_platform.posts == []
    await app.close()

    # Down through the deadline (17:00); back at 20:00: the reveal is done at start-up, once.
    clock.set(datetime(2026, 11, 22, 20, 0, tzinfo=UTC))
    for _ in range(2):
        third_platform = MemoryPlatform()
        app = await build(settings, clock=clock, bank=sample_bank)
        app.platforms.register(third_platform)
        await app.start()
        async with app.db.reading() as conn:
            answers = await Answers(conn).for_round(1)
            ledger = await Scores(conn).for_round(1)
        await app.close()
        assert [a.text for a in answers] == ["stored before the crash"]
        assert len(ledger) == 1
        if _ == 0:
            assert len(third_platform.reveals) == 1
            assert third_platform.reveals[0].thread_id == thread
        else:
            assert third_platform.posts == []


async def test_rounds_of_a_platform_that_is_not_running_wait_for_it(
        settings: Settings, sample_bank: QuestionBank) -> None:
    clock = FixedClock(datetime(2026, 11, 22, 9, 30, tzinfo=UTC))
    app = await build(settings, clock=clock, bank=sample_bank)
    memory = MemoryPlatform()
    app.platforms.register(memory)
    await app.subscriptions.subscribe(LEAD, CHANNEL, "general", post_time=app.default_post_time,
                                      timezone="UTC", window=app.default_window)
    await app.close()
    other = MemoryPlatform(name="other")
    app = await build(settings, clock=clock, bank=sample_bank)
    app.platforms.register(other)  # the memory platform is not running this time
    await app.start()
    await app.close()
    assert other.posts == [] and memory.posts == []
