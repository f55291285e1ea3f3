"""What an adapter may use of the core: the services, never the composition root.

Adapters are handed something with this shape (``bot.app.Core`` has it); they do not import
``bot.app``, so the root that builds them and what it builds are not tied in a circle, and
an adapter cannot reach the scheduler, the settings or the database behind the services.
"""

from __future__ import annotations

from typing import Protocol

from bot.adapters.base import Platforms
from bot.bank import QuestionBank
from bot.clock import Clock
from bot.services.appeals import AppealService
from bot.services.commands import Commands
from bot.services.leaderboard import LeaderboardService
from bot.services.practice import PracticeService
from bot.services.reports import ReportService
from bot.services.rounds import RoundService
from bot.services.subscriptions import SubscriptionService
from bot.services.teams import TeamService
from bot.storage.db import Database
from bot.storage.repositories import Meta


class Notes:
    """Small facts an adapter keeps across restarts (which command tree Discord has)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        async with self.db.reading() as conn:
            return await Meta(conn).get(key)

    async def set(self, key: str, value: str) -> None:
        async with self.db.transaction() as conn:
            await Meta(conn).set(key, value)


class CoreServices(Protocol):
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
    notes: Notes
    appeals: AppealService
