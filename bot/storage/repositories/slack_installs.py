"""Slack installations (one bot token per workspace) and OAuth states, for a Slack app that
many workspaces install. '' stands for "no enterprise" or "no team" so keys stay NOT NULL."""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.db import fetch_all, fetch_one
from bot.storage.repositories.base import _Repo


@dataclass(frozen=True)
class StoredInstall:
    enterprise_id: str
    team_id: str
    app_id: str | None
    bot_token: str
    bot_id: str | None
    bot_user_id: str | None
    bot_scopes: str
    installer_id: str | None
    is_enterprise_install: bool
    installed_at: str

    def __repr__(self) -> str:  # the token never reaches a log line through a repr
        return f"StoredInstall(team_id={self.team_id!r}, enterprise_id={self.enterprise_id!r})"


COLUMNS = ("enterprise_id, team_id, app_id, bot_token, bot_id, bot_user_id, bot_scopes, "
           "installer_id, is_enterprise_install, installed_at")


class SlackInstalls(_Repo):
    async def save(self, i: StoredInstall) -> None:
        """A reinstall (new scopes, a new token) replaces the workspace's row."""
        await self.conn.execute(
            f"INSERT INTO slack_installations ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (enterprise_id, team_id) DO UPDATE SET app_id=excluded.app_id, "
            "bot_token=excluded.bot_token, bot_id=excluded.bot_id, "
            "bot_user_id=excluded.bot_user_id, bot_scopes=excluded.bot_scopes, "
            "installer_id=excluded.installer_id, "
            "is_enterprise_install=excluded.is_enterprise_install, "
            "installed_at=excluded.installed_at",
            (i.enterprise_id, i.team_id, i.app_id, i.bot_token, i.bot_id, i.bot_user_id,
             i.bot_scopes, i.installer_id, int(i.is_enterprise_install), i.installed_at))

    async def find(self, enterprise_id: str, team_id: str) -> StoredInstall | None:
        row = await fetch_one(self.conn, f"SELECT {COLUMNS} FROM slack_installations "
                              "WHERE enterprise_id=? AND team_id=?", (enterprise_id, team_id))
        if row is None:
            return None
        return StoredInstall(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                             bool(row[8]), row[9])

    async def delete(self, enterprise_id: str, team_id: str) -> bool:
        cur = await self.conn.execute("DELETE FROM slack_installations WHERE enterprise_id=? "
                                      "AND team_id=?", (enterprise_id, team_id))
        return cur.rowcount > 0

    async def issue_state(self, state: str, expires_at: str, now: str) -> None:
        await self.conn.execute("DELETE FROM slack_oauth_states WHERE expires_at <= ?", (now,))
        await self.conn.execute("INSERT INTO slack_oauth_states (state, expires_at) "
                                "VALUES (?,?)", (state, expires_at))

    async def consume_state(self, state: str, now: str) -> bool:
        """True once for a state issued and not expired; a second use finds nothing."""
        rows = await fetch_all(self.conn, "DELETE FROM slack_oauth_states WHERE state=? "
                               "RETURNING expires_at", (state,))
        return bool(rows) and str(rows[0][0]) > now
