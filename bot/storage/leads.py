"""Who leads what: a channel's leads, and whether a lead leads a person's team.

Appointed team leads live with the teams (``Teams``); this holds the queries the rights
check asks, so the answer to "may they?" reads the database in one place."""

from __future__ import annotations

from datetime import datetime

from bot.domain.rounds import Person
from bot.domain.subscriptions import ChannelRef
from bot.storage.db import fetch_all, fetch_one, to_db
from bot.storage.repositories import _person, _Repo


class Leads(_Repo):
    async def leads_channel(self, person_id: int, channel: ChannelRef) -> bool:
        row = await fetch_one(self.conn, "SELECT 1 FROM channel_leads WHERE platform=? AND"
                              " workspace=? AND channel=? AND person_id=?",
                              (channel.platform, channel.workspace, channel.channel, person_id))
        return row is not None

    async def leads_team_of(self, lead_id: int, person_id: int) -> bool:
        """Does ``lead_id`` lead a team that ``person_id`` is a member of?"""
        row = await fetch_one(self.conn, "SELECT 1 FROM team_leads l JOIN team_members m ON"
                              " m.team_id = l.team_id WHERE l.person_id=? AND m.person_id=?"
                              " LIMIT 1", (lead_id, person_id))
        return row is not None

    async def give_channel(self, channel: ChannelRef, person_id: int, by: int | None,
                           now: datetime) -> bool:
        cur = await self.conn.execute(
            "INSERT INTO channel_leads (platform, workspace, channel, person_id, appointed_by,"
            " created_at) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (channel.platform, channel.workspace, channel.channel, person_id, by, to_db(now)))
        return cur.rowcount == 1

    async def take_channel(self, channel: ChannelRef, person_id: int) -> bool:
        cur = await self.conn.execute(
            "DELETE FROM channel_leads WHERE platform=? AND workspace=? AND channel=? AND"
            " person_id=?", (channel.platform, channel.workspace, channel.channel, person_id))
        return cur.rowcount == 1

    async def of_channel(self, channel: ChannelRef) -> list[Person]:
        rows = await fetch_all(self.conn, "SELECT p.* FROM channel_leads l JOIN people p ON"
                               " p.id = l.person_id WHERE l.platform=? AND l.workspace=? AND"
                               " l.channel=? ORDER BY p.display_name",
                               (channel.platform, channel.workspace, channel.channel))
        return [_person(r) for r in rows]

    async def take_team(self, team_id: int, person_id: int) -> bool:
        cur = await self.conn.execute("DELETE FROM team_leads WHERE team_id=? AND person_id=?",
                                      (team_id, person_id))
        return cur.rowcount == 1
