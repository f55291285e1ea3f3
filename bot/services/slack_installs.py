"""Where a Slack app installed in many workspaces keeps each workspace's bot token and its
OAuth states: quizbot's own database, so every replica sees an install at once. The Slack
adapter wraps this in Bolt's installation-store and state-store interfaces.

Removing the app from a workspace (its token deleted) pauses that workspace's daily
questions in the same transaction, so they stop quietly rather than failing at every sweep
for want of a token; installing it again resumes them. Their history is never touched."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.domain.subscriptions import UNINSTALLED, Subscription
from bot.storage.db import Database, to_db
from bot.storage.repositories import Subscriptions
from bot.storage.repositories.slack_installs import SlackInstalls, StoredInstall

STATE_SECONDS = 600   # Bolt's default: the person has ten minutes to approve the install
PLATFORM = "slack"


@dataclass(frozen=True)
class Change:
    """What an install or an uninstall did to the workspace's schedules."""

    #: the subscriptions paused (uninstall) or resumed (install)
    subscriptions: tuple[Subscription, ...] = ()

    @property
    def daily_questions(self) -> int:
        """How many of them post (a lead's stopped one is paused and resumed, still
        stopped)."""
        return sum(1 for s in self.subscriptions if s.active)


class SlackInstallations:
    def __init__(self, db: Database, clock: Clock, *, state_seconds: int = STATE_SECONDS,
                 listeners: Sequence[Callable[[Subscription], None]] = ()) -> None:
        """``listeners`` are told of each subscription paused or resumed (the scheduler,
        which drops or adds its cron job): SubscriptionService's own."""
        self.db, self.clock, self.state_seconds = db, clock, state_seconds
        self.listeners = listeners

    async def save(self, install: StoredInstall) -> Change:
        """Store the workspace's token; what an uninstall paused there resumes."""
        async with self.db.transaction() as conn:
            await SlackInstalls(conn).save(install)
            resumed = await Subscriptions(conn).resume_workspace(
                PLATFORM, install.team_id, UNINSTALLED, self.clock.now()) \
                if install.team_id else []
        return self._told(resumed)

    async def find(self, enterprise_id: str | None, team_id: str | None) -> StoredInstall | None:
        async with self.db.reading() as conn:
            return await SlackInstalls(conn).find(enterprise_id or "", team_id or "")

    async def delete(self, enterprise_id: str | None, team_id: str | None) -> Change | None:
        """Forget a workspace's token (uninstalled or revoked) and pause its schedules; its
        quiz history stays. None when there was no token to forget (Slack sends both
        app_uninstalled and tokens_revoked for one removal)."""
        async with self.db.transaction() as conn:
            if not await SlackInstalls(conn).delete(enterprise_id or "", team_id or ""):
                return None
            paused = await Subscriptions(conn).pause_workspace(
                PLATFORM, team_id, UNINSTALLED, self.clock.now()) if team_id else []
        return self._told(paused)

    def _told(self, changed: list[Subscription]) -> Change:
        for sub in changed:
            for listener in self.listeners:
                listener(sub)
        return Change(tuple(changed))

    def now(self) -> str:
        return to_db(self.clock.now())

    async def issue_state(self) -> str:
        state = secrets.token_urlsafe(24)
        expires = to_db(self.clock.now() + timedelta(seconds=self.state_seconds))
        async with self.db.transaction() as conn:
            await SlackInstalls(conn).issue_state(state, expires, self.now())
        return state

    async def consume_state(self, state: str) -> bool:
        async with self.db.transaction() as conn:
            return await SlackInstalls(conn).consume_state(state, self.now())
