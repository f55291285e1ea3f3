"""How many daily posts go out at once, and how fast.

At a busy minute every channel is due together: one cron job per subscription fires, or a
leader's catch-up sweep finds them all due. Posting them one after another makes the last
wait for every round trip before it (10,000 posts at 50 ms each: over eight minutes);
starting them all at once queues thousands of posts on the one database connection before
the first is sent and meets the platform's limits with a burst. The gate is between:

- at most ``concurrency`` posts in flight in this process (QUIZBOT_POST_CONCURRENCY):
  their round trips overlap while the database still does one unit of work at a time;
- never two for one channel: a sweep retrying a round waits for the post of it that is
  going out (and then finds it posted), and Slack allows one message a second a channel;
- each platform's ``PostPace``: posts of a workspace wait their turn before taking a slot,
  so one big workspace never holds the slots the others need; posts paced bot-wide wait
  their turn inside the slot, so however long they waited for it they start no faster
  than the pace.

The pace is real time (the platform's), not the bot's clock, which tests may freeze.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from bot.adapters.base import ChatPlatform, PostPace
from bot.domain.subscriptions import ChannelRef

DEFAULT_CONCURRENCY = 16


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
        #: when the next post may start, by pace key (a platform, or a platform's workspace)
        self._next: dict[tuple[str, ...], float] = {}
        self._monotonic, self._sleep = monotonic, sleep

    @contextlib.asynccontextmanager
    async def posting(self, platform: ChatPlatform | None,
                      channel: ChannelRef) -> AsyncIterator[None]:
        """Hold one post's place: its channel's, its turn under the platform's pace, and
        one of the slots."""
        pace: PostPace | None = getattr(platform, "post_pace", None)
        async with self._channel(channel):
            if pace is not None and pace.per == "workspace":
                await self._turn((channel.platform, channel.workspace), pace)
            async with self._slots:
                if pace is not None and pace.per == "bot":
                    await self._turn((channel.platform,), pace)
                yield

    def queued(self, channel: ChannelRef) -> int:
        """Posts of the channel in flight or waiting for it (at most one is in flight)."""
        entry = self._channels.get(channel)
        return entry.users if entry is not None else 0

    @contextlib.asynccontextmanager
    async def _channel(self, channel: ChannelRef) -> AsyncIterator[None]:
        entry = self._channels.get(channel)
        if entry is None:
            entry = self._channels[channel] = _ChannelLock()
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:   # forgotten when idle: no lock kept per channel ever seen
                del self._channels[channel]

    async def _turn(self, key: tuple[str, ...], pace: PostPace) -> None:
        """Wait for this post's turn: posts under one key start ``requests / per_second``
        apart."""
        now = self._monotonic()
        start = max(now, self._next.get(key, now))
        self._next[key] = start + pace.requests / pace.per_second
        if start > now:
            await self._sleep(start - now)
