"""Where a Slack app installed in many workspaces keeps each workspace's bot token and its
OAuth states: quizbot's own database, so every replica sees an install at once. The Slack
adapter wraps this in Bolt's installation-store and state-store interfaces."""

from __future__ import annotations

import secrets
from datetime import timedelta

from bot.clock import Clock
from bot.storage.db import Database, to_db
from bot.storage.repositories.slack_installs import SlackInstalls, StoredInstall

STATE_SECONDS = 600   # Bolt's default: the person has ten minutes to approve the install


class SlackInstallations:
    def __init__(self, db: Database, clock: Clock, *, state_seconds: int = STATE_SECONDS) -> None:
        self.db, self.clock, self.state_seconds = db, clock, state_seconds

    async def save(self, install: StoredInstall) -> None:
        async with self.db.transaction() as conn:
            await SlackInstalls(conn).save(install)

    async def find(self, enterprise_id: str | None, team_id: str | None) -> StoredInstall | None:
        async with self.db.reading() as conn:
            return await SlackInstalls(conn).find(enterprise_id or "", team_id or "")

    async def delete(self, enterprise_id: str | None, team_id: str | None) -> bool:
        """Forget a workspace's token (uninstalled or revoked); its quiz history stays."""
        async with self.db.transaction() as conn:
            return await SlackInstalls(conn).delete(enterprise_id or "", team_id or "")

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
