"""Start and stop the schedules as this replica gains and loses the leadership.

Each look (``follow``) asks the database whether this process leads. Gaining it: catch up
on whatever fell due (a sweep), then start the cron jobs and the sweeper. Losing it: stop
them. A standby looks every ``leader_poll_seconds``, so it takes over within that long of
the leader's lock being released; every job is idempotent, so a moment of overlap at the
hand-over does nothing twice.

A lead may change a channel's schedule through any replica, but only the leader's cron
jobs post it. So at each look the leader also compares every subscription's ``updated_at``
with the last look's and reschedules those that changed, then runs their post at once
(idempotent: nothing if not due or already posted), for a new time that has just passed.
A schedule set on a standby therefore reaches the leader within ``leader_poll_seconds``,
instead of at its next sweep (up to ``sweep_seconds``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.domain.subscriptions import Subscription
from bot.scheduling import Scheduler
from bot.storage.leadership import Leadership

log = logging.getLogger(__name__)

Stamps = dict[int, str]
#: given the stamps seen at the last look (None: there was none), the stamps now and the
#: subscriptions changed since
Changes = Callable[[Stamps | None], Awaitable[tuple[Stamps, list[Subscription]]]]


class Follower:
    def __init__(self, leadership: Leadership, scheduler: Scheduler,
                 subscriptions: Callable[[], Awaitable[list[Subscription]]],
                 poll_seconds: float, changes: Changes | None = None) -> None:
        self.leadership, self.scheduler = leadership, scheduler
        self.subscriptions, self.poll_seconds = subscriptions, poll_seconds
        self.changes = changes
        self._seen: Stamps = {}
        self._task: asyncio.Task[None] | None = None

    async def follow(self) -> bool:
        """One look; True while this replica leads."""
        leading = await self.leadership.hold()
        if leading and not self.scheduler.running:
            if self.changes is not None:   # before the load: a change in between is seen
                self._seen, _ = await self.changes(None)   # again at the next look
            await self.scheduler.sweep()
            self.scheduler.start(await self.subscriptions())
        elif leading:
            try:
                await self._pick_up_changes()
            except Exception:
                log.exception("reading the schedules other replicas changed failed; the "
                              "next look retries (the sweep posts what is due meanwhile)")
        elif self.scheduler.running:
            await self.scheduler.shutdown()
        return leading

    async def _pick_up_changes(self) -> None:
        """Reschedule what another replica changed since the last look, and post it now if
        it is due (its new time may have passed before this look)."""
        if self.changes is None:
            return
        self._seen, changed = await self.changes(self._seen)
        for sub in changed:
            self.scheduler.reschedule(sub)
        for sub in changed:
            if sub.scheduled:
                await self.scheduler.post_job(sub.id)

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
