"""APScheduler wiring: stable job ids, rescheduling on change, and the jobs' functions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.app import Core
from bot.clock import FixedClock
from bot.domain.subscriptions import Subscription
from bot.scheduling import cron_for, post_job_id
from tests.fakes.memory import CHANNEL, LEAD, MemoryPlatform


async def test_one_cron_job_per_subscription_plus_the_sweeper(core: Core) -> None:
    await core.start()
    try:
        assert core.scheduler.job_ids() == ["sweeper"]
        res = await core.commands.run(_lead(), "subscribe", "09:00 Europe/Paris")
        assert "09:00 Europe/Paris" in res.message.text()
        sub = await core.subscriptions.get(CHANNEL)
        assert sub is not None
        assert core.scheduler.job_ids() == [post_job_id(sub.id), "sweeper"]
        await core.commands.run(_lead(), "subscribe", "10:00")  # replace_existing
        assert core.scheduler.job_ids() == [post_job_id(sub.id), "sweeper"]
        await core.commands.run(_lead(), "unsubscribe")
        assert core.scheduler.job_ids() == ["sweeper"]
    finally:
        await core.close()
        await asyncio.sleep(0)


def test_cron_trigger_fires_at_local_time_across_dst() -> None:
    from datetime import time, timedelta

    from bot.domain.parsing import WEEKDAYS

    sub = Subscription(1, CHANNEL, "g", time(9, 0), WEEKDAYS[:5], "Europe/Paris",
                       timedelta(hours=8))
    trigger = cron_for(sub)
    # Friday 27 March 2026 09:00 CET, then Monday 30 March 09:00 CEST (after the switch).
    fri = trigger.get_next_fire_time(None, datetime(2026, 3, 27, 0, 0, tzinfo=UTC))
    mon = trigger.get_next_fire_time(None, datetime(2026, 3, 28, 0, 0, tzinfo=UTC))
    assert fri.astimezone(UTC) == datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    assert mon.astimezone(UTC) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


async def test_job_functions_are_idempotent(core: Core, clock: FixedClock,
                                            memory: MemoryPlatform) -> None:
    sub = await core.subscriptions.subscribe(LEAD, CHANNEL, "g", post_time=core.default_post_time,
                                             timezone="UTC", window=core.default_window)
    assert isinstance(sub, Subscription)
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    await core.scheduler.post_job(sub.id)
    await core.scheduler.post_job(sub.id)    # fall-back night: the cron fires twice
    await core.scheduler.sweep_job()
    assert len(memory.questions) == 1
    clock.set(datetime(2026, 11, 22, 17, 0, tzinfo=UTC))
    await core.scheduler.sweep_job()
    await core.scheduler.sweep_job()
    assert len(memory.reveals) == 1


def _lead():  # type: ignore[no-untyped-def]
    from bot.services.commands import CommandContext

    return CommandContext(LEAD, CHANNEL, "general")
