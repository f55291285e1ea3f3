"""APScheduler wiring: stable job ids, rescheduling on change, and the jobs' functions."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

from bot.app import Core
from bot.clock import FixedClock
from bot.domain.subscriptions import ChannelRef, Subscription
from bot.scheduling import Scheduler, cron_for, post_job_id
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


ELSEWHERE = ChannelRef("memory", "T1", "C2")


async def _with_unknown_zone(core: Core) -> tuple[Subscription, Subscription]:
    """Two subscriptions, the first with a zone written into the database directly."""
    subs = []
    for channel, name in ((ELSEWHERE, "mars"), (CHANNEL, "general")):
        sub = await core.subscriptions.subscribe(LEAD, channel, name,
                                                 post_time=core.default_post_time,
                                                 timezone="UTC", window=core.default_window)
        assert isinstance(sub, Subscription)
        subs.append(sub)
    async with core.db.transaction() as conn:
        await conn.execute("UPDATE subscriptions SET timezone='Mars/Olympus' WHERE id=?",
                           (subs[0].id,))
    return subs[0], subs[1]


async def test_an_unknown_zone_stops_its_own_channel_only(core: Core, clock: FixedClock,
                                                          memory: MemoryPlatform) -> None:
    bad, good = await _with_unknown_zone(core)
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    await core.start()                     # the start-up sweep, then the schedules
    try:
        assert [p.channel for p in memory.questions] == [CHANNEL]
        assert core.scheduler.job_ids() == [post_job_id(good.id), "sweeper"]
        stopped = await core.subscriptions.get(ELSEWHERE)
        assert stopped is not None and not stopped.active
        (notice,) = [p for p in memory.posts if p.channel == ELSEWHERE]
        assert notice.message.mentions == (LEAD.user_id,)
        assert "Mars/Olympus" in notice.message.text()
        assert "/subscribe HH:MM Area/City" in notice.message.text()
        clock.set(datetime(2026, 11, 22, 17, 0, tzinfo=UTC))
        await core.scheduler.sweep_job()
        await core.scheduler.post_job(bad.id)
        await core.rounds.sweep()
        assert [p.channel for p in memory.reveals] == [CHANNEL]
        assert len([p for p in memory.posts if p.channel == ELSEWHERE]) == 1  # told once
    finally:
        await core.close()


async def test_a_failed_notice_leaves_the_subscription_stopped(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    bad, good = await _with_unknown_zone(core)
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    memory.fail_next_sends = 1             # the notice (the first post) fails
    await core.scheduler.post_job(bad.id)
    stopped = await core.subscriptions.get(ELSEWHERE)
    assert stopped is not None and not stopped.active
    assert memory.posts == []
    # Handed a subscription whose zone cannot load, set-up schedules the others.
    scheduler = Scheduler(core.rounds)
    scheduler.start([replace(good, timezone="Mars/Olympus", id=99), good])
    assert scheduler.job_ids() == [post_job_id(good.id), "sweeper"]
    await scheduler.shutdown()
    await core.rounds.sweep()
    assert [p.channel for p in memory.questions] == [CHANNEL]
    assert [p for p in memory.posts if p.channel == ELSEWHERE] == []   # not retold
