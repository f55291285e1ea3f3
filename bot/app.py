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
from bot.services.judging import Judge, RubricJudge
from bot.services.leaderboard import LeaderboardService
from bot.services.practice import PracticeService
from bot.services.reports import ReportService
from bot.services.rounds import RoundService
from bot.services.subscriptions import SubscriptionService
from bot.services.teams import TeamService
from bot.storage.db import Database

log = logging.getLogger(__name__)

CONSOLE_HELP = ("/advance DURATION: console only, move the clock (e.g. /advance 9h) and run "
                "what fell due", "/as NAME: console only, switch who is typing")


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
    teams: TeamService
    reports: ReportService
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
    judge = make_judge(settings)
    rounds = RoundService(db, bank, platforms, clock, seed=settings.seed, judge=judge)
    scheduler = Scheduler(rounds)
    teams = TeamService(db, clock)
    subscriptions = SubscriptionService(db, clock, listener=scheduler.subscription_changed,
                                        is_lead=teams.is_lead)
    practice = PracticeService(db, bank, clock, judge=judge)
    leaderboard = LeaderboardService(db, clock, default_timezone=settings.timezone)
    reports = ReportService(db, bank, clock, teams, default_timezone=settings.timezone)
    commands = Commands(bank, clock, practice, leaderboard, subscriptions, rounds, teams,
                        reports, default_timezone=settings.timezone,
                        default_window=parse_duration(settings.window))
    return Core(settings, db, bank, clock, platforms, rounds, practice, leaderboard,
                subscriptions, teams, reports, commands, scheduler)


def make_judge(settings: Settings) -> Judge:
    """The rubric grader, or the LLM judge (with the rubric as fallback) when configured."""
    if settings.judge == "llm":
        from bot.services.llm_judge import LLMJudge

        return LLMJudge.from_settings(settings)
    return RubricJudge()


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
        core.commands.extra_help = CONSOLE_HELP
        core.platforms.register(console)
        await core.first_start(CHANNEL, CHANNEL_NAME, console.actor)
        await core.start()
        await console.run()
    finally:
        await core.close()
    return 0
