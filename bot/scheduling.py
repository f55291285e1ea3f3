"""APScheduler wiring: one cron job per subscription plus a sweeper every minute.

Jobs carry only ids and call idempotent service methods, so a duplicate or late firing
(DST fall-back, a missed run, a restart) changes nothing. The sweeper is the safety net:
whatever a cron job missed, the next sweep does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.domain.subscriptions import Subscription
from bot.services.rounds import RoundService

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60
MISFIRE_GRACE_SECONDS = 3600
JOB_GRACE = 3.0        # seconds a running job may take to finish at shutdown


def post_job_id(subscription_id: int) -> str:
    return f"post:{subscription_id}"


def cron_for(sub: Subscription) -> CronTrigger:
    return CronTrigger(day_of_week=",".join(sub.days), hour=sub.post_time.hour,
                       minute=sub.post_time.minute, timezone=sub.tz)


#: told each sweep's duration in seconds and whether it finished without an error
SweepObserver = Callable[[float, bool], None]
#: more work each sweep does after the rounds' (the weekly digest, review reminders)
SweepJob = Callable[[], Awaitable[object]]


class Scheduler:
    def __init__(self, rounds: RoundService, *, sweep_seconds: float = SWEEP_SECONDS,
                 on_sweep: SweepObserver | None = None, also: Sequence[SweepJob] = ()) -> None:
        self.rounds = rounds
        self.also = tuple(also)
        self.sweep_seconds = sweep_seconds
        self.on_sweep = on_sweep
        self._aps: AsyncIOScheduler | None = None
        self._jobs: set[asyncio.Task[object]] = set()

    @property
    def running(self) -> bool:
        return self._aps is not None

    def start(self, subscriptions: list[Subscription]) -> None:
        """Start inside the running event loop (APScheduler binds to it)."""
        self._aps = AsyncIOScheduler(timezone=UTC)
        self._aps.add_job(self.sweep_job, "interval", seconds=self.sweep_seconds, id="sweeper",
                          replace_existing=True, coalesce=True, max_instances=1,
                          misfire_grace_time=max(1, int(self.sweep_seconds)))
        for sub in subscriptions:
            self.reschedule(sub)
        self._aps.start()

    def reschedule(self, sub: Subscription) -> None:
        """``subscription_changed``, for one of many: a subscription that cannot be
        scheduled is logged and must not stop the others."""
        try:
            self.subscription_changed(sub)
        except Exception as exc:
            c = sub.channel
            log.error("scheduling subscription %s (channel %s:%s/%s) failed: %s: %s",
                      sub.id, c.platform, c.workspace, c.channel, type(exc).__name__, exc)

    def subscription_changed(self, sub: Subscription) -> None:
        """(Re)schedule or drop the subscription's cron job; safe to call before start()."""
        if self._aps is None:
            return
        job_id = post_job_id(sub.id)
        if not sub.scheduled:
            if self._aps.get_job(job_id):
                self._aps.remove_job(job_id)
            return
        self._aps.add_job(self.post_job, cron_for(sub), args=[sub.id], id=job_id,
                          replace_existing=True, coalesce=True, max_instances=1,
                          misfire_grace_time=MISFIRE_GRACE_SECONDS)

    def sweep_now(self) -> None:
        """Run the sweeper at once (a platform just became ready: what fell due while it
        was connecting is posted now, not at the next minute)."""
        if self._aps is not None:
            self._aps.modify_job("sweeper", next_run_time=datetime.now(UTC))

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self._aps.get_jobs()) if self._aps else []

    async def post_job(self, subscription_id: int) -> None:
        with self._running_job():
            try:
                await self.rounds.post_due(subscription_id)
            except Exception:
                log.exception("daily post for subscription %s failed", subscription_id)

    async def sweep_job(self) -> None:
        with self._running_job():
            try:
                await self.sweep()
            except Exception:
                log.exception("sweep failed; the next one retries")

    async def sweep(self) -> None:
        """One sweep (the start-up catch-up or the sweeper's), timed for ``on_sweep``."""
        started, ok = time.perf_counter(), False
        try:
            await self.rounds.sweep()
            ok = True
            for job in self.also:   # each isolated: a failing one stops neither the others
                try:                # nor the next sweep
                    await job()
                except Exception:
                    ok = False
                    log.exception("a sweep job failed; the next sweep retries")
        finally:
            if self.on_sweep is not None:
                self.on_sweep(time.perf_counter() - started, ok)

    @contextlib.contextmanager
    def _running_job(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._jobs.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._jobs.discard(task)

    async def shutdown(self) -> None:
        """Stop scheduling and let a job that is running finish (a sweep is short), so the
        database is not closed under it; one that overruns is cancelled quietly."""
        if self._aps is None:
            return
        self._aps.pause()   # APScheduler's shutdown cancels running jobs: let them end first
        if self._jobs:
            await asyncio.wait(set(self._jobs), timeout=JOB_GRACE)
        self._aps.shutdown(wait=False)
        self._aps = None
