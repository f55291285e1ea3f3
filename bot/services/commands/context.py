"""The shapes every command handler shares: what it was asked in, what it answers, and
the services it reaches (``CommandBase``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.adapters.base import Actor, Message
from bot.bank import QuestionBank
from bot.clock import Clock
from bot.domain.parsing import (
    InputError,
)
from bot.domain.periods import Period
from bot.domain.subscriptions import ChannelRef
from bot.services.appeals import AppealService
from bot.services.digest import DigestService
from bot.services.interview import InterviewService
from bot.services.leaderboard import LeaderboardService
from bot.services.practice import PracticeQuestion, PracticeService
from bot.services.reports import ReportService
from bot.services.requests import RequestLedger
from bot.services.rounds import RoundService
from bot.services.subscriptions import SubscriptionService
from bot.services.teams import TeamService


def period_word(word: str) -> Period:
    try:
        return Period.parse(word)
    except ValueError:
        raise InputError(f"'{word[:30]}' is not a period; use week, month or all.") from None


def names_period(word: str) -> bool:
    try:
        Period.parse(word)
    except ValueError:
        return False
    return True


def whole_number(word: str, what: str) -> int:
    """A signed whole number in ASCII digits (``int`` also takes other scripts' digits and
    ``str.isdigit`` takes superscripts ``int`` refuses; neither belongs in a command)."""
    digits = word.removeprefix("-").removeprefix("+") if word[:1] in "+-" else word
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 9:
        raise InputError(f"'{word[:30]}' is not a whole number of {what}.")
    return int(word)


@dataclass(frozen=True, slots=True)
class CommandResult:
    message: Message
    practice: PracticeQuestion | None = None


Resolver = Callable[[str], Awaitable[Actor | None]]


@dataclass(frozen=True, slots=True)
class CommandContext:
    actor: Actor
    channel: ChannelRef
    channel_name: str = ""
    #: the adapter's way to turn a word of a command into a person (mention syntax, a name);
    #: None falls back to known display names in the workspace
    resolve: Resolver | None = None
    #: the platform's id of this request (Slack trigger_id): a repeat of it changes nothing
    request_id: str | None = None


class CommandBase:
    """The services the command handlers call, and how a word becomes a person."""

    def __init__(self, bank: QuestionBank, clock: Clock, practice: PracticeService,
                 leaderboard: LeaderboardService, subscriptions: SubscriptionService,
                 rounds: RoundService, teams: TeamService, reports: ReportService, *,
                 default_timezone: str = "UTC", default_window: timedelta = timedelta(hours=8),
                 requests: RequestLedger | None = None, appeals: AppealService,
                 digests: DigestService | None = None,
                 interviews: InterviewService | None = None) -> None:
        self.bank, self.clock = bank, clock
        self.practice, self.leaderboard, self.subscriptions = practice, leaderboard, subscriptions
        self.rounds, self.teams, self.reports = rounds, teams, reports
        self.default_timezone, self.default_window = default_timezone, default_window
        self.requests = requests
        self.appeals = appeals
        self.digests = digests
        self.follow_ups = practice.follow_ups
        self.interviews = interviews or InterviewService(practice.db, bank, clock, practice,
                                                         practice.follow_ups)

    async def _person(self, ctx: CommandContext, token: str) -> Actor:
        found = await ctx.resolve(token) if ctx.resolve else None
        found = found or await self.teams.find_person(ctx.actor, token)
        if found is None:
            raise InputError(f"I don't know anyone called '{token[:40]}' here yet.")
        return found
