"""Many channels due at one minute: posted several at once, never two for one channel,
at each platform's pace, one channel's failure stopping no other."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from bot.adapters.base import Message, MessageKind, PostPace, Sent
from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.rounds import RoundState
from bot.domain.subscriptions import ChannelRef, Subscription
from bot.services.rounds.gate import PostGate
from bot.services.rounds.sweeps import interleaved
from bot.storage.repositories import Rounds
from tests.fakes.memory import LEAD, MemoryPlatform

NINE = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SETTLE = 10.0   # seconds a wait may take before the test fails instead of hanging


@dataclass
class HeldPlatform(MemoryPlatform):
    """Each question's send waits until the test releases it; counts what is in flight."""

    release: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: Counter[ChannelRef] = field(default_factory=Counter)
    most: int = 0
    most_in_a_channel: int = 0
    reached: dict[int, asyncio.Event] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    lookups: int = 0

    def when_in_flight(self, n: int) -> asyncio.Event:
        return self.reached.setdefault(n, asyncio.Event())

    async def send(self, channel: ChannelRef, message: Message, *,
                   thread_id: str | None = None) -> Sent:
        if message.kind is not MessageKind.QUESTION:
            return await super().send(channel, message, thread_id=thread_id)
        if channel.channel in self.broken:
            raise RuntimeError("a bug in one channel's post")
        self.in_flight[channel] += 1
        total = sum(self.in_flight.values())
        self.most = max(self.most, total)
        self.most_in_a_channel = max(self.most_in_a_channel, self.in_flight[channel])
        self.when_in_flight(total).set()
        try:
            await self.release.wait()
            return await super().send(channel, message, thread_id=thread_id)
        finally:
            self.in_flight[channel] -= 1

    async def find_sent(self, channel: ChannelRef, key: str,
                        thread_id: str | None = None) -> Sent | None:
        self.lookups += 1
        return await super().find_sent(channel, key, thread_id)


async def until(condition: Callable[[], bool]) -> None:
    """Wait for a state another task reaches through the database's thread: there is no
    event to wait on, so look again each millisecond (bounded, to fail rather than hang)."""
    async with asyncio.timeout(SETTLE):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.001)


async def subscribe_channels(core: Core, count: int, platform: str = "memory",
                             workspace: str = "T1") -> list[Subscription]:
    subs = []
    for c in range(count):
        sub = await core.subscriptions.subscribe(
            LEAD, ChannelRef(platform, workspace, f"C{c}"), f"c{c}",
            post_time=core.default_post_time, timezone="UTC", window=timedelta(hours=8))
        assert isinstance(sub, Subscription)
        subs.append(sub)
    return subs


async def held_core(core: Core, concurrency: int) -> HeldPlatform:
    held = HeldPlatform()
    core.platforms.register(held)   # replaces the plain memory platform of the fixture
    core.rounds.gate = PostGate(concurrency)
    return held


async def test_the_setting_sets_how_many_posts_are_in_flight(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    core = await build(settings.model_copy(update={"post_concurrency": 3}), clock=clock,
                       bank=sample_bank)
    try:
        assert core.rounds.gate.concurrency == 3
    finally:
        await core.close()


async def test_a_sweep_posts_as_many_at_once_as_allowed_and_no_more(
        core: Core, clock: FixedClock) -> None:
    held = await held_core(core, concurrency=4)
    await subscribe_channels(core, 10)
    clock.set(NINE)
    sweep = asyncio.create_task(core.rounds.sweep())
    await asyncio.wait_for(held.when_in_flight(4).wait(), SETTLE)
    held.release.set()
    await asyncio.wait_for(sweep, SETTLE)
    assert held.most == 4
    assert sorted(p.channel.channel for p in held.questions) == sorted(f"C{c}" for c in
                                                                       range(10))
    async with core.db.reading() as conn:
        assert len(await Rounds(conn).in_state(RoundState.OPEN)) == 10


async def test_cron_jobs_firing_together_share_the_same_bound(
        core: Core, clock: FixedClock) -> None:
    held = await held_core(core, concurrency=3)
    subs = await subscribe_channels(core, 8)
    clock.set(NINE)
    jobs = [asyncio.create_task(core.rounds.post_due(s.id)) for s in subs]
    await asyncio.wait_for(held.when_in_flight(3).wait(), SETTLE)
    held.release.set()
    await asyncio.wait_for(asyncio.gather(*jobs), SETTLE)
    assert held.most == 3
    assert len(held.questions) == 8


async def test_a_sweep_waits_for_a_channels_post_in_flight_instead_of_posting_it_again(
        core: Core, clock: FixedClock) -> None:
    """The cron job's post is going out when the sweeper starts: the round is in 'posting'
    and the platform has not got the message yet, so a retry would post it twice."""
    held = await held_core(core, concurrency=16)
    [sub] = await subscribe_channels(core, 1)
    clock.set(NINE)
    cron = asyncio.create_task(core.rounds.post_due(sub.id))
    await asyncio.wait_for(held.when_in_flight(1).wait(), SETTLE)
    sweep = asyncio.create_task(core.rounds.sweep())
    # the sweep's retry waits for the channel (or, were it not held back, looks for the
    # post and sends it again)
    await until(lambda: core.rounds.gate.queued(sub.channel) == 2 or held.lookups > 0)
    held.release.set()
    await asyncio.wait_for(asyncio.gather(cron, sweep), SETTLE)
    assert len(held.questions) == 1
    assert held.most_in_a_channel == 1


async def test_one_channels_failure_stops_no_other_post(core: Core, clock: FixedClock) -> None:
    held = await held_core(core, concurrency=4)
    held.broken = {"C2"}
    held.release.set()
    await subscribe_channels(core, 6)
    clock.set(NINE)
    await core.rounds.sweep()
    assert sorted(p.channel.channel for p in held.questions) == ["C0", "C1", "C3", "C4", "C5"]
    held.broken = set()
    await core.rounds.sweep()     # the next sweep retries the round left in 'posting'
    assert sorted(p.channel.channel for p in held.questions) == [f"C{c}" for c in range(6)]


# -- the pace, with time the test moves ---------------------------------------------------

class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self._waiting: list[tuple[float, asyncio.Future[None]]] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((self.now + seconds, done))
        await done

    async def advance(self, seconds: float) -> None:
        self.now += seconds
        for at, done in list(self._waiting):
            if at <= self.now + 1e-9:
                self._waiting.remove((at, done))
                done.set_result(None)
        for _ in range(20):
            await asyncio.sleep(0)


@dataclass
class Paced:
    name: str
    post_pace: PostPace


async def start_posts(gate: PostGate, platform: Paced, channels: list[ChannelRef],
                      started: list[tuple[str, float]], time: FakeTime,
                      hold: asyncio.Event) -> list[asyncio.Task[None]]:
    async def one(channel: ChannelRef) -> None:
        async with gate.posting(platform, channel):   # type: ignore[arg-type]
            started.append((channel.channel, time.now))
            await hold.wait()

    tasks = [asyncio.create_task(one(c)) for c in channels]
    for _ in range(20):
        await asyncio.sleep(0)
    return tasks


async def test_posts_paced_bot_wide_start_requests_per_second_apart() -> None:
    time = FakeTime()
    gate = PostGate(8, monotonic=time.monotonic, sleep=time.sleep)
    discordish = Paced("d", PostPace(40.0, "bot", requests=2))   # a post every 50 ms
    started: list[tuple[str, float]] = []
    hold = asyncio.Event()
    hold.set()
    tasks = await start_posts(gate, discordish, [ChannelRef("d", f"G{i}", f"C{i}")
                                                 for i in range(4)], started, time, hold)
    for _ in range(4):
        await time.advance(0.05)
    await asyncio.gather(*tasks)
    assert [round(at, 6) for _, at in started] == [0.0, 0.05, 0.1, 0.15]


async def test_a_workspaces_pace_does_not_hold_the_slots_other_workspaces_need() -> None:
    time = FakeTime()
    gate = PostGate(1, monotonic=time.monotonic, sleep=time.sleep)
    slackish = Paced("s", PostPace(2.0, "workspace"))   # a workspace's posts 0.5 s apart
    started: list[tuple[str, float]] = []
    hold = asyncio.Event()
    hold.set()
    channels = [ChannelRef("s", "T1", "A1"), ChannelRef("s", "T1", "A2"),
                ChannelRef("s", "T2", "B1")]
    tasks = await start_posts(gate, slackish, channels, started, time, hold)
    assert started == [("A1", 0.0), ("B1", 0.0)]   # B1 did not wait behind T1's turn
    await time.advance(0.5)
    await asyncio.gather(*tasks)
    assert started[-1] == ("A2", 0.5)


async def test_one_post_per_channel_at_a_time_and_the_lock_is_forgotten_after() -> None:
    gate = PostGate(4)
    channel = ChannelRef("m", "T1", "C1")
    order: list[str] = []
    hold = asyncio.Event()

    async def one(name: str) -> None:
        async with gate.posting(None, channel):
            order.append(f"{name} in")
            await hold.wait()
            order.append(f"{name} out")

    tasks = [asyncio.create_task(one(n)) for n in ("a", "b")]
    for _ in range(20):
        await asyncio.sleep(0)
    assert order == ["a in"]
    hold.set()
    await asyncio.gather(*tasks)
    assert order == ["a in", "a out", "b in", "b out"]
    assert gate._channels == {}


def test_interleaving_takes_each_workspace_in_turn() -> None:
    def sub(i: int, ws: str) -> Subscription:
        return Subscription(i, ChannelRef("slack", ws, f"C{i}"), "", NINE.time(), ("sun",),
                            "UTC", timedelta(hours=8))

    subs = [sub(1, "T1"), sub(2, "T1"), sub(3, "T1"), sub(4, "T2"), sub(5, "T3"),
            sub(6, "T3")]
    assert [s.id for s in interleaved(subs)] == [1, 4, 5, 2, 6, 3]


async def test_posts_waiting_their_pace_hold_no_slot_and_start_no_faster_after() -> None:
    """Discord's long queue at its pace does not keep a Slack workspace's posts from the
    slots, and those, whatever they waited, keep their own pace instead of a burst."""
    time = FakeTime()
    gate = PostGate(2, monotonic=time.monotonic, sleep=time.sleep)
    discordish = Paced("d", PostPace(20.0, "bot"))        # a post every 50 ms
    slackish = Paced("s", PostPace(10.0, "workspace"))    # a workspace's every 100 ms
    started: list[tuple[str, float]] = []
    hold = asyncio.Event()
    hold.set()
    tasks = await start_posts(gate, discordish, [ChannelRef("d", "G1", f"D{i}")
                                                 for i in range(40)], started, time, hold)
    tasks += await start_posts(gate, slackish, [ChannelRef("s", "T1", f"S{i}")
                                                for i in range(5)], started, time, hold)
    for _ in range(60):
        await time.advance(0.05)
    await asyncio.gather(*tasks)
    for prefix, gap in (("S", 0.1), ("D", 0.05)):
        starts = [at for name, at in started if name.startswith(prefix)]
        assert all(b - a >= gap - 1e-9 for a, b in pairwise(starts)), (prefix, starts)
    assert [at for name, at in started if name == "S0"] == [0.0]   # no wait behind Discord
    assert len(started) == 45


async def test_a_retry_that_finds_the_round_posted_takes_no_turn_at_the_pace(
        core: Core, clock: FixedClock) -> None:
    """The sweep meets a round the cron job is posting: it waits for the channel, then
    finds it posted and leaves without taking a turn (time is frozen here: a turn taken
    after the cron job's would wait for ever, and the test fails on its timeout)."""
    time = FakeTime()
    held = await held_core(core, concurrency=16)
    held.post_pace = PostPace(1.0, "bot")  # type: ignore[attr-defined]
    core.rounds.gate = PostGate(16, monotonic=time.monotonic, sleep=time.sleep)
    [sub] = await subscribe_channels(core, 1)
    clock.set(NINE)
    cron = asyncio.create_task(core.rounds.post_due(sub.id))
    await asyncio.wait_for(held.when_in_flight(1).wait(), SETTLE)
    sweep = asyncio.create_task(core.rounds.sweep())
    await until(lambda: core.rounds.gate.queued(sub.channel) == 2)
    held.release.set()
    await asyncio.wait_for(asyncio.gather(cron, sweep), SETTLE)
    assert len(held.questions) == 1


async def test_a_post_that_waited_at_the_gate_past_its_deadline_is_not_posted(
        core: Core, clock: FixedClock, caplog: pytest.LogCaptureFixture) -> None:
    held = await held_core(core, concurrency=1)
    first, second = await subscribe_channels(core, 2)
    clock.set(NINE)
    posting = asyncio.create_task(core.rounds.post_due(first.id))
    await asyncio.wait_for(held.when_in_flight(1).wait(), SETTLE)
    waiting = asyncio.create_task(core.rounds.post_due(second.id))   # for the one slot
    await until(lambda: core.rounds.gate.queued(second.channel) == 1)
    for _ in range(20):
        await asyncio.sleep(0)
    clock.set(NINE + timedelta(hours=8, minutes=1))    # its window (8 h) closed meanwhile
    held.release.set()
    done = await asyncio.wait_for(asyncio.gather(posting, waiting), SETTLE)
    assert done[1] is None
    assert [p.channel.channel for p in held.questions] == ["C0"]
    async with core.db.reading() as conn:
        assert await Rounds(conn).latest(second.id) is None
    assert "waited at the gate past its deadline" in caplog.text
