"""What every part of ``RoundService`` shares: its state and the helpers all parts use.

``RoundsBase`` holds the database, bank, platforms, clock, judge and the answer writer's
queue and open-round cache; the use cases (posting, answers, reveal, votes, sweeps) are
mixins over it. The helpers here are the ones more than one part needs: whether a
subscription's platform runs, a sweep step isolated from the others, and finding a post an
interrupted attempt made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from bot.adapters.base import ChatPlatform, IncomingMessage, PlatformError, Platforms, Sent
from bot.bank import QuestionBank
from bot.clock import Clock
from bot.domain.rounds import AnswerOutcome, Round
from bot.domain.subscriptions import ChannelRef, Subscription
from bot.services.follow_ups import FollowUpService
from bot.services.judging import Judge, RubricJudge
from bot.services.rounds.gate import DEFAULT_CONCURRENCY, PostGate
from bot.storage.db import Database
from bot.storage.repositories import Subscriptions

if TYPE_CHECKING:
    from bot.services.rounds.answers import AnswerResult

# One logger for the package, under the name the single module had, so log lines (whose
# format shows the logger's name) read as they did before the split.
log = logging.getLogger("bot.services.rounds")

T = TypeVar("T")


class RoundsBase:
    def __init__(self, db: Database, bank: QuestionBank, platforms: Platforms, clock: Clock,
                 *, seed: str = "quizbot", judge: Judge | None = None,
                 totals_tz: str = "UTC", follow_ups: FollowUpService | None = None,
                 post_concurrency: int = DEFAULT_CONCURRENCY) -> None:
        self.db, self.bank, self.platforms, self.clock, self.seed = (
            db, bank, platforms, clock, seed)
        #: how many daily posts are in flight at once, one per channel, at each platform's
        #: pace (bot.services.rounds.gate)
        self.gate = PostGate(post_concurrency)
        self.totals_tz = totals_tz
        self.judge: Judge = judge or RubricJudge()
        self.follow_ups = follow_ups or FollowUpService(db, bank, clock, judge=self.judge,
                                                        totals_tz=totals_tz)
        self._pending: list[tuple[IncomingMessage, str,
                                  asyncio.Future[AnswerOutcome | AnswerResult]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._open_rounds: dict[tuple[object, ...], Round] = {}
        #: whether a thread has follow-ups asked in it (thread mode), read once per thread:
        #: every other thread's replies go straight to the answer writer
        self._thread_follow_ups: dict[str, bool] = {}
        self._thread_checks: dict[str, asyncio.Future[bool]] = {}
        #: follow-ups claimed with answers being stored, by id() of the answer's message
        self._to_ask: dict[int, Any] = {}

    def _running(self, sub: Subscription) -> bool:
        """Its platform runs here and nothing paused it: a paused subscription's posts,
        reveals and reminders wait (untouched) until it resumes, rather than failing."""
        return sub.paused is None and self.platforms.get(sub.channel.platform) is not None

    def _holding(self, sub: Subscription) -> contextlib.AbstractAsyncContextManager[bool]:
        """The channel's place at the gate: around looking whether a round is to be posted
        and posting it."""
        return self.gate.holding(sub.channel)

    def _sending(self, sub: Subscription) -> contextlib.AbstractAsyncContextManager[None]:
        """Inside ``_holding``: the post's turn and slot, once there is something to post."""
        return self.gate.sending(self.platforms.get(sub.channel.platform), sub.channel)

    async def _each(self, items: Sequence[T], work: Callable[[T], Awaitable[None]]) -> None:
        """``work`` on every item, as many at once as posts may be in flight, by a few
        workers rather than a task per item. ``work`` isolates its own failures."""
        pending = iter(items)

        async def worker() -> None:
            for item in pending:
                await work(item)

        await asyncio.gather(*(worker() for _ in range(min(len(items),
                                                            self.gate.concurrency))))

    @contextlib.asynccontextmanager
    async def _isolated(self, step: str, subscription_id: int,
                        round_id: int | None = None) -> AsyncIterator[None]:
        """One subscription's (or round's) step in a sweep or job: a failure is logged in
        one line and the caller goes on with the others."""
        try:
            yield
        except Exception as exc:
            channel = "?"
            with contextlib.suppress(Exception):
                async with self.db.reading() as conn:
                    found = await Subscriptions(conn).get(subscription_id)
                channel = _where(found.channel) if found else "?"
            of_round = f" round {round_id}" if round_id is not None else ""
            log.error("%s failed for subscription %s (channel %s)%s: %s: %s", step,
                      subscription_id, channel, of_round, type(exc).__name__, exc)

    @staticmethod
    async def _find_sent(platform: ChatPlatform, channel: ChannelRef, key: str,
                         thread_id: str | None = None) -> Sent | None:
        """The post an earlier, interrupted attempt made, if the platform can tell."""
        finder = getattr(platform, "find_sent", None)
        if finder is None:
            return None
        try:
            found: Sent | None = await finder(channel, key, thread_id)
        except PlatformError as exc:
            log.warning("looking up an earlier post failed (%s); posting again", exc)
            return None
        if found is not None:
            log.info("adopting the post an interrupted attempt made (%s)", key)
        return found


def _where(channel: ChannelRef) -> str:
    return f"{channel.platform}:{channel.workspace}/{channel.channel}"
