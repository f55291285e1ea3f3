"""How many daily posts go out at once, and how fast.

At a busy minute every channel is due together: one cron job per subscription fires, or a
leader's catch-up sweep finds them all due. Posting them one after another makes the last
wait for every round trip before it (10,000 posts at 50 ms each: over eight minutes);
starting them all at once queues thousands of posts on the one database connection before
the first is sent and meets the platform's limits with a burst. The gate is between:

- at most ``concurrency`` posts in flight in this process (QUIZBOT_POST_CONCURRENCY):
  their round trips overlap while the database still does one unit of work at a time;
- never two for one channel: a sweep retrying a round waits for the post of it that is
  going out (and then finds it posted);
- each platform's ``PostPace``: a post waits its turn before taking a slot, so one big
  workspace, or a platform paced bot-wide, never holds the slots the others need; and a
  bot-wide pace is kept again in the slot from the last post that really started, so
  however long a post waited for the slot it does not start in a burst with the others.

Whether anything is left to post is looked at under the channel's lock alone
(``holding``), before a turn and a slot (``sending``) are taken for it.

The pace is real time (the platform's), not the bot's clock, which tests may freeze.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from bot.adapters.base import ChatPlatform, PostPace
from bot.domain.subscriptions import ChannelRef

DEFAULT_CONCURRENCY = 64


class _ChannelLock:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0


class PostGate:
    def __init__(self, concurrency: int = DEFAULT_CONCURRENCY, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._channels: dict[ChannelRef, _ChannelLock] = {}
        #: when the next post may start, by pace key (a platform, or a platform's workspace):
        #: as booked by those waiting for a slot, and as held to by those in one
        self._next: dict[tuple[str, ...], float] = {}
        self._started: dict[tuple[str, ...], float] = {}
        self._monotonic, self._sleep = monotonic, sleep

    @contextlib.asynccontextmanager
    async def posting(self, platform: ChatPlatform | None,
                      channel: ChannelRef) -> AsyncIterator[None]:
        """Hold one post's place: its channel's (``holding``), then its turn and a slot
        (``sending``)."""
        async with self.holding(channel), self.sending(platform, channel):
            yield

    @contextlib.asynccontextmanager
    async def holding(self, channel: ChannelRef) -> AsyncIterator[bool]:
        """The channel's own place, alone: inside it a caller looks whether anything is
        left to post (another post of the channel may just have made it) before taking a
        turn and a slot it would not use. Gives whether it waited for another post of the
        channel: when it did not, what the caller read just before is still current."""
        entry = self._channels.get(channel)
        if entry is None:
            entry = self._channels[channel] = _ChannelLock()
        entry.users += 1
        try:
            waited = entry.lock.locked()
            async with entry.lock:
                yield waited
        finally:
            entry.users -= 1
            if entry.users == 0:   # forgotten when idle: no lock kept per channel ever seen
                del self._channels[channel]

    @contextlib.asynccontextmanager
    async def sending(self, platform: ChatPlatform | None,
                      channel: ChannelRef) -> AsyncIterator[None]:
        """Inside ``holding``: the post's turn under the platform's pace, waited for before
        taking a slot (so posts waiting for their pace hold no slot another platform or
        workspace could use), then a slot. A pace for the whole bot (Discord's, whose
        excess requests count towards a ban) is kept once more in the slot, from when the
        last post really started: posts whose turns passed while they waited for a slot
        start no faster than the pace, not all at once. A workspace's is not: its posts
        would hold slots while they wait (thousands of workspaces at one minute), and
        Slack grants "generous burst behavior" per workspace."""
        pace: PostPace | None = getattr(platform, "post_pace", None)
        if pace is None:
            async with self._slots:
                yield
            return
        key = (channel.platform, channel.workspace) if pace.per == "workspace" else \
            (channel.platform,)
        await self._wait(self._next, key, pace)
        async with self._slots:
            if pace.per == "bot":
                await self._wait(self._started, key, pace)
            yield

    def queued(self, channel: ChannelRef) -> int:
        """Posts of the channel in flight or waiting for it (at most one is in flight)."""
        entry = self._channels.get(channel)
        return entry.users if entry is not None else 0

    async def _wait(self, booked: dict[tuple[str, ...], float], key: tuple[str, ...],
                    pace: PostPace) -> None:
        """Book the next start under ``key`` in ``booked`` and wait for it: starts under
        one key are ``requests / per_second`` apart."""
        now = self._monotonic()
        start = max(now, booked.get(key, now))
        booked[key] = start + pace.requests / pace.per_second
        if start > now:
            await self._sleep(start - now)
