"""Several replicas on one PostgreSQL database: exactly one runs the schedules and sweeps,
and when it dies a standby takes over at its next look, catching up on what fell due.
(Time is the injected clock's; each "look" is called directly rather than waited for.)"""

from __future__ import annotations

import select
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.parsing import WEEKDAYS, parse_time_of_day
from bot.domain.subscriptions import Subscription
from bot.storage.leadership import AdvisoryLeadership
from tests import pg_server
from tests.conftest import SAMPLE_BANK
from tests.fakes.memory import CHANNEL, LEAD, MemoryPlatform

Replica = Callable[[], Awaitable[tuple[Core, MemoryPlatform]]]


@pytest.fixture
async def replica(pg_shared: str, pg: pg_server.PgServer, tmp_path: Path, clock: FixedClock,
                  sample_bank: QuestionBank) -> AsyncIterator[Replica]:
    pg.empty(pg_shared)
    started: list[Core] = []

    async def start() -> tuple[Core, MemoryPlatform]:
        settings = Settings(db=tmp_path / "unused.db", database_url=pg_shared,  # type: ignore[call-arg]
                            questions_dir=SAMPLE_BANK, timezone="UTC", post_time="09:00",
                            window="8h", leader_poll_seconds=3600, _env_file=None)
        core = await build(settings, clock=clock, bank=sample_bank)
        memory = MemoryPlatform()
        core.platforms.register(memory)
        await core.start()
        started.append(core)
        return core, memory

    yield start
    for core in started:
        await core.close()


def _leader(core: Core) -> AdvisoryLeadership:
    assert core.follower is not None
    leadership = core.follower.leadership
    assert isinstance(leadership, AdvisoryLeadership)
    return leadership


async def test_one_leads_and_a_standby_takes_over_when_it_dies(
        replica: Replica, clock: FixedClock, pg: pg_server.PgServer) -> None:
    a, memory_a = await replica()
    b, memory_b = await replica()
    assert a.scheduler.running and not b.scheduler.running
    assert a.follower is not None and b.follower is not None
    assert not await b.follower.follow()          # asking again changes nothing
    await b.subscriptions.subscribe(LEAD, CHANNEL, "general", post_time=a.default_post_time,
                                    timezone="UTC", window=timedelta(hours=8), days=WEEKDAYS)
    clock.advance(timedelta(hours=1, minutes=5))    # 09:05: the round is due
    # The leader's session ends as a killed process's would: the server drops it.
    pid = _leader(a).backend_pid()
    pg.psql(f"SELECT pg_terminate_backend({pid}, 10000)")   # waits until it is gone
    assert await b.follower.follow()              # the next look takes over ...
    assert b.scheduler.running
    assert len(memory_b.questions) == 1            # ... and catches up on the due round
    assert not await a.follower.follow()          # the old leader, if alive, steps down
    assert not a.scheduler.running and memory_a.questions == []
    assert await b.follower.follow()              # and the new one keeps it
    await b.close()
    c, _ = await replica()                         # a clean stop hands over too
    assert c.scheduler.running


REPLICA = """
import asyncio, sys
from bot.storage.leadership import AdvisoryLeadership

async def main():
    lead, said = AdvisoryLeadership(sys.argv[1]), None
    while True:
        now = "leading" if await lead.hold() else "standby"
        if now != said:
            print(now, flush=True)
            said = now
        await asyncio.sleep(0.05)   # the poll interval of this test's replicas

asyncio.run(main())
"""


def _next_line(proc: subprocess.Popen[str], within: float = 30.0) -> str:
    """The process's next line of output (a failure if none comes within ``within``)."""
    ready, _, _ = select.select([proc.stdout], [], [], within)
    assert ready, "the replica said nothing"
    assert proc.stdout is not None
    return proc.stdout.readline().strip()


def test_two_processes_one_killed_the_other_takes_over(pg_shared: str) -> None:
    root = str(Path(__file__).resolve().parents[2])

    def spawn() -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-c", REPLICA, pg_shared], cwd=root,
                                stdout=subprocess.PIPE, text=True)

    first = spawn()
    second = None
    try:
        assert _next_line(first) == "leading"
        second = spawn()
        assert _next_line(second) == "standby"
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert _next_line(second) == "leading"
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


async def test_a_schedule_set_on_a_standby_reaches_the_leader_at_its_next_look(
        replica: Replica, clock: FixedClock) -> None:
    """Only the leader's cron jobs post, but a lead may set a schedule through any replica.
    At its next look the leader reschedules what changed (new, moved, stopped), and posts
    at once a schedule whose new time has just passed, without waiting for a sweep; the
    sweep and the looks after post nothing twice."""
    a, memory_a = await replica()
    b, memory_b = await replica()
    assert a.follower is not None and b.follower is not None
    job = f"post:{await _subscribe(b, clock, '09:00')}"
    assert job not in a.scheduler.job_ids()      # the leader does not know yet ...
    assert await a.follower.follow()
    assert job in a.scheduler.job_ids()          # ... until its next look
    assert _posts_at(a, job) == "09:00"

    await _subscribe(b, clock, "10:30")          # moved on the standby
    assert _posts_at(a, job) == "09:00"
    await a.follower.follow()
    assert _posts_at(a, job) == "10:30"

    clock.advance(timedelta(hours=2, minutes=31))  # 10:31: the cron job would have fired
    await _subscribe(b, clock, "10:30")          # set again just after its time
    assert memory_a.questions == []
    await a.follower.follow()
    assert len(memory_a.questions) == 1          # posted at the look, not a sweep later
    await a.scheduler.sweep()
    await a.follower.follow()
    await a.follower.follow()
    assert len(memory_a.questions) == 1 and memory_b.questions == []

    await b.subscriptions.unsubscribe(LEAD, CHANNEL)
    await a.follower.follow()
    assert job not in a.scheduler.job_ids()


async def _subscribe(core: Core, clock: FixedClock, at: str) -> int:
    sub = await core.subscriptions.subscribe(
        LEAD, CHANNEL, "general", post_time=parse_time_of_day(at), timezone="UTC",
        window=timedelta(hours=8), days=WEEKDAYS)
    assert isinstance(sub, Subscription)
    return sub.id


def _posts_at(core: Core, job_id: str) -> str:
    aps = core.scheduler._aps
    assert aps is not None
    found = aps.get_job(job_id)
    assert found is not None
    fields = {f.name: str(f) for f in found.trigger.fields}   # APScheduler runs on real
    return f"{int(fields['hour']):02d}:{int(fields['minute']):02d}"   # time, not the test's
