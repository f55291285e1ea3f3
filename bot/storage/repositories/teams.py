"""Teams: named groups of people in a workspace (optionally following a platform group),
their members, and their appointed leads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.rounds import Person
from bot.storage.connection import Row
from bot.storage.db import fetch_all, fetch_one, to_db
from bot.storage.repositories.base import _person, _Repo


@dataclass(frozen=True, slots=True)
class TeamRow:
    id: int
    platform: str
    workspace: str
    name: str
    group_id: str | None


def _team(row: Row) -> TeamRow:
    return TeamRow(row["id"], row["platform"], row["workspace"], row["name"], row["group_id"])


class Teams(_Repo):
    async def create(self, platform: str, workspace: str, name: str,
                     now: datetime) -> TeamRow | None:
        row = await fetch_one(
            self.conn, "INSERT INTO teams (platform, workspace, name, created_at) VALUES"
            " (?,?,?,?) ON CONFLICT DO NOTHING RETURNING id",
            (platform, workspace, name, to_db(now)))
        if row is None:
            return None
        return await self.get(int(row[0]))

    async def get(self, team_id: int) -> TeamRow | None:
        row = await fetch_one(self.conn, "SELECT * FROM teams WHERE id=?", (team_id,))
        return _team(row) if row else None

    async def named(self, platform: str, workspace: str, name: str) -> TeamRow | None:
        row = await fetch_one(self.conn, "SELECT * FROM teams WHERE platform=? AND workspace=?"
                              " AND name=?", (platform, workspace, name))
        return _team(row) if row else None

    async def all(self, platform: str, workspace: str) -> list[TeamRow]:
        rows = await fetch_all(self.conn, "SELECT * FROM teams WHERE platform=? AND workspace=?"
                               " ORDER BY name", (platform, workspace))
        return [_team(r) for r in rows]

    async def rename(self, team_id: int, name: str) -> bool:
        """False (nothing changed) when another team of the workspace has the name. Asked
        first rather than caught as a unique violation: on PostgreSQL a failed statement
        spoils the rest of its transaction."""
        taken = await fetch_one(
            self.conn, "SELECT 1 FROM teams t JOIN teams o ON o.platform = t.platform AND"
            " o.workspace = t.workspace AND o.id <> t.id WHERE t.id=? AND o.name=?",
            (team_id, name))
        if taken is not None:
            return False
        await self.conn.execute("UPDATE teams SET name=? WHERE id=?", (name, team_id))
        return True

    async def delete(self, team_id: int) -> None:
        await self.conn.execute("DELETE FROM teams WHERE id=?", (team_id,))

    async def set_group(self, team_id: int, group_id: str | None) -> None:
        await self.conn.execute("UPDATE teams SET group_id=? WHERE id=?", (group_id, team_id))
        if group_id is None:
            await self.conn.execute("DELETE FROM team_members WHERE team_id=? AND source='group'",
                                    (team_id,))

    async def add_member(self, team_id: int, person_id: int, source: str = "manual") -> bool:
        cur = await self.conn.execute(
            "INSERT INTO team_members (team_id, person_id, source) VALUES (?,?,?)"
            " ON CONFLICT DO NOTHING", (team_id, person_id, source))
        return cur.rowcount == 1

    async def remove_member(self, team_id: int, person_id: int) -> bool:
        cur = await self.conn.execute("DELETE FROM team_members WHERE team_id=? AND person_id=?",
                                      (team_id, person_id))
        return cur.rowcount == 1

    async def replace_group_members(self, team_id: int, person_ids: list[int]) -> None:
        """Membership that follows a platform group: group rows become exactly these."""
        await self.conn.execute("DELETE FROM team_members WHERE team_id=? AND source='group'",
                                (team_id,))
        for pid in person_ids:
            await self.add_member(team_id, pid, "group")

    async def members(self, team_id: int) -> list[Person]:
        rows = await fetch_all(self.conn, "SELECT p.* FROM team_members m JOIN people p ON"
                               " p.id = m.person_id WHERE m.team_id=? ORDER BY p.display_name",
                               (team_id,))
        return [_person(r) for r in rows]

    async def appoint(self, team_id: int, person_id: int, by: int | None,
                      now: datetime) -> bool:
        cur = await self.conn.execute(
            "INSERT INTO team_leads (team_id, person_id, appointed_by, created_at)"
            " VALUES (?,?,?,?) ON CONFLICT DO NOTHING", (team_id, person_id, by, to_db(now)))
        return cur.rowcount == 1

    async def leads(self, team_id: int) -> list[Person]:
        rows = await fetch_all(self.conn, "SELECT p.* FROM team_leads l JOIN people p ON"
                               " p.id = l.person_id WHERE l.team_id=? ORDER BY p.display_name",
                               (team_id,))
        return [_person(r) for r in rows]

    async def leads_team(self, person_id: int, team_id: int | None = None) -> bool:
        """Is the person an appointed lead (of this team, or of any team when None)?"""
        if team_id is None:
            row = await fetch_one(self.conn, "SELECT 1 FROM team_leads WHERE person_id=?"
                                  " LIMIT 1", (person_id,))
        else:
            row = await fetch_one(self.conn, "SELECT 1 FROM team_leads WHERE person_id=? AND"
                                  " team_id=?", (person_id, team_id))
        return row is not None
