"""What filing and reviewing appeals share: the database, bank, clock, platforms and
rights, and telling a person something privately."""

from __future__ import annotations

import logging

from bot.adapters.base import Message, PlatformError, Platforms
from bot.bank import QuestionBank
from bot.clock import Clock
from bot.services.rights import Rights
from bot.storage.db import Database

log = logging.getLogger("bot.services.appeals")


class AppealsBase:
    def __init__(self, db: Database, bank: QuestionBank, clock: Clock, platforms: Platforms,
                 rights: Rights | None = None, *, totals_tz: str = "UTC") -> None:
        self.db, self.bank, self.clock, self.platforms = db, bank, clock, platforms
        self.rights = rights or Rights(db)
        self.totals_tz = totals_tz

    async def _tell(self, platform: str, workspace: str, user_id: str,
                    message: Message) -> str | None:
        """Send a direct message; None when it went out, else why not (logged)."""
        found = self.platforms.get(platform)
        tell = getattr(found, "tell", None)
        if tell is None:
            return f"{platform} is not connected"
        try:
            await tell(workspace, user_id, message)
        except PlatformError as exc:
            log.warning("could not tell a person about their appeal: %s", exc)
            return str(exc)
        return None
