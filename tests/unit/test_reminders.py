"""Issue 18: an optional daily DM when reviews are due (off by default, per person,
/quiz remind on|off), once a day across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from tests.dbdump import dump
from tests.fakes.memory import MemoryPlatform
from tests.unit.test_rounds import answered_round
from tests.unit.test_teams import ALICE, run

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def reminders(memory: MemoryPlatform) -> list[tuple[str, str]]:
    return [(u, m.title) for u, m in memory.told if "due today" in m.title]


async def card_due_monday(core: Core, clock: FixedClock) -> None:
    """alice answers Sunday's question poorly: her card is due again on Monday."""
    await answered_round(core, clock)
    clock.set(datetime(2026, 11, 22, 17, 5, tzinfo=UTC))
    await core.rounds.sweep()


async def test_off_by_default(core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    await card_due_monday(core, clock)
    clock.set(MONDAY_9 + timedelta(hours=10))
    await core.scheduler.sweep()
    assert reminders(memory) == []


async def test_once_a_day_at_the_workspace_time_only_when_due(
        core: Core, clock: FixedClock, memory: MemoryPlatform, settings: Settings,
        sample_bank: QuestionBank) -> None:
    await card_due_monday(core, clock)
    reply = await run(core, ALICE, "quiz remind on")
    assert "Review reminders on" in reply
    await core.scheduler.sweep()          # Sunday evening: nothing due today
    clock.set(MONDAY_9 - timedelta(minutes=1))
    await core.scheduler.sweep()          # before the workspace's time
    assert reminders(memory) == []
    clock.set(MONDAY_9)
    await core.scheduler.sweep()
    await core.scheduler.sweep()
    assert reminders(memory) == [("U1", "1 review due today")]
    told = next(m for _, m in memory.told if "due today" in m.title).text()
    assert "/quiz review asks the most overdue one" in told and "/quiz remind off" in told
    again = await build(settings, clock=clock, bank=sample_bank)     # a restart, same day
    try:
        again.platforms.register(memory)
        clock.advance(timedelta(hours=5))
        await again.scheduler.sweep()
        assert len(reminders(memory)) == 1
        clock.set(MONDAY_9 + timedelta(days=1))   # Tuesday: the card is still due
        await again.scheduler.sweep()
        assert len(reminders(memory)) == 2
        assert "Review reminders off" in await run(again, ALICE, "quiz remind off")
        clock.set(MONDAY_9 + timedelta(days=2))
        await again.scheduler.sweep()
        assert len(reminders(memory)) == 2
    finally:
        await again.close()


async def test_nothing_due_sends_nothing(core: Core, clock: FixedClock,
                                         memory: MemoryPlatform) -> None:
    await run(core, ALICE, "quiz remind on")
    clock.set(MONDAY_9 + timedelta(hours=1))
    await core.scheduler.sweep()
    assert reminders(memory) == []


async def test_a_bad_word_changes_nothing(core: Core) -> None:
    await run(core, ALICE, "quiz remind on")
    before = dump(core.settings)
    assert "Say on or off: /quiz remind on|off." in await run(core, ALICE, "quiz remind soon")
    assert dump(core.settings) == before
