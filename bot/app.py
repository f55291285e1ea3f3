"""The composition root: builds the database, services, scheduler and adapters, and runs them.

Nothing else in quizbot constructs services; tests build the same graph with ``build()``
and their own clock and platform fakes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import time, timedelta

from bot.adapters.base import Actor, Platforms
from bot.bank import QuestionBank, load_bank
from bot.clock import Clock, OffsetClock
from bot.config import Settings
from bot.domain.parsing import WEEKDAYS, parse_duration, parse_time_of_day
from bot.domain.subscriptions import ChannelRef, Subscription
from bot.scheduling import Scheduler
from bot.services.commands import Commands
from bot.services.leaderboard import LeaderboardService
from bot.services.practice import PracticeService
from bot.services.rounds import RoundService
from bot.services.subscriptions import SubscriptionService
from bot.storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class Core:
    """Everything platform-neutral, wired together: what adapters are given."""

    settings: Settings
    db: Database
    bank: QuestionBank
    clock: Clock
    platforms: Platforms
    rounds: RoundService
    practice: PracticeService
    leaderboard: LeaderboardService
    subscriptions: SubscriptionService
    commands: Commands
    scheduler: Scheduler

    @property
    def default_post_time(self) -> time:
        return parse_time_of_day(self.settings.post_time)

    @property
    def default_window(self) -> timedelta:
        return parse_duration(self.settings.window)

    async def start(self) -> None:
        """Catch up on whatever fell due while the bot was down, then start the schedules."""
        await self.rounds.sweep()
        self.scheduler.start(await self.subscriptions.active(self.platforms.names()))

    async def close(self) -> None:
        self.scheduler.shutdown()
        await self.db.close()

    async def first_start(self, channel: ChannelRef, channel_name: str, actor: Actor) -> None:
        """On an empty database, subscribe ``channel`` and post its first round at once."""
        if await self.subscriptions.count() > 0:
            return
        sub = await self.subscriptions.subscribe(
            actor, channel, channel_name, post_time=self.default_post_time,
            timezone=self.settings.timezone, window=self.default_window, days=WEEKDAYS)
        if isinstance(sub, Subscription):
            await self.rounds.post_now(sub.id)


async def build(settings: Settings, *, clock: Clock, bank: QuestionBank | None = None) -> Core:
    bank = bank if bank is not None else load_bank(settings.questions_dir)
    db = await Database.open(settings.db)
    platforms = Platforms()
    rounds = RoundService(db, bank, platforms, clock, seed=settings.seed)
    scheduler = Scheduler(rounds)
    subscriptions = SubscriptionService(db, clock, listener=scheduler.subscription_changed)
    practice = PracticeService(db, bank, clock)
    leaderboard = LeaderboardService(db, clock, default_timezone=settings.timezone)
    commands = Commands(bank, clock, practice, leaderboard, subscriptions,
                        default_timezone=settings.timezone,
                        default_window=parse_duration(settings.window))
    return Core(settings, db, bank, clock, platforms, rounds, practice, leaderboard,
                subscriptions, commands, scheduler)


async def run(settings: Settings, platforms: list[str], *, user: str | None = None) -> int:
    """Run the chosen adapters until they stop; returns the process exit code."""
    from bot.adapters.console import CHANNEL, CHANNEL_NAME, ConsoleAdapter

    unsupported = [p for p in platforms if p not in ("console",)]
    if unsupported:
        print(f"quizbot: the {', '.join(unsupported)} adapter is not implemented yet; "
              "run with --platform console (the default without tokens).")
        return 2
    clock = OffsetClock()
    core = await build(settings, clock=clock)
    try:
        console = ConsoleAdapter(core.rounds, core.commands, clock, user=user)
        core.platforms.register(console)
        await core.first_start(CHANNEL, CHANNEL_NAME, console.actor)
        await core.start()
        await console.run()
    finally:
        await core.close()
    return 0
