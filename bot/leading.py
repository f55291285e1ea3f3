"""Start and stop the schedules as this replica gains and loses the leadership.

Each look (``follow``) asks the database whether this process leads. Gaining it: catch up
on whatever fell due (a sweep), then start the cron jobs and the sweeper. Losing it: stop
them. A standby looks every ``leader_poll_seconds``, so it takes over within that long of
the leader's lock being released; every job is idempotent, so a moment of overlap at the
hand-over does nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.domain.subscriptions import Subscription
from bot.scheduling import Scheduler
from bot.storage.leadership import Leadership

log = logging.getLogger(__name__)


class Follower:
    def __init__(self, leadership: Leadership, scheduler: Scheduler,
                 subscriptions: Callable[[], Awaitable[list[Subscription]]],
                 poll_seconds: float) -> None:
        self.leadership, self.scheduler = leadership, scheduler
        self.subscriptions, self.poll_seconds = subscriptions, poll_seconds
        self._task: asyncio.Task[None] | None = None

    async def follow(self) -> bool:
        """One look; True while this replica leads."""
        leading = await self.leadership.hold()
        if leading and not self.scheduler.running:
            await self.scheduler.sweep()
            self.scheduler.start(await self.subscriptions())
        elif not leading and self.scheduler.running:
            await self.scheduler.shutdown()
        return leading

    async def start(self, *, standby: bool) -> None:
        """The first look now; with ``standby`` (replicas can exist), look again forever."""
        await self.follow()
        if standby:
            self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                await self.follow()
            except Exception:
                log.exception("checking the leadership failed; trying again")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.scheduler.shutdown()
        await self.leadership.release()
