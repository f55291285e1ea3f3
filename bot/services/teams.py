"""Teams and their leads.

Admins create, rename and delete teams and appoint their leads; a team's leads manage its
members. Who may do which is decided in ``bot.services.rights``; every refusal changes
nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.adapters.base import Actor, Message, Section, reply
from bot.clock import Clock
from bot.domain.parsing import InputError
from bot.domain.rounds import Person
from bot.domain.text import count
from bot.services.rights import Rights
from bot.storage.db import Database
from bot.storage.leads import Leads
from bot.storage.repositories import People, TeamRow, Teams

MAX_TEAM_NAME = 40


class GroupDirectory(Protocol):
    """Supplied by an adapter that knows platform groups (Discord roles, Slack user groups)."""

    async def group_members(self, workspace: str, group_id: str) -> list[Actor]: ...


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    name: str
    group_id: str | None
    members: tuple[Person, ...]
    leads: tuple[Person, ...]


_TEAM_NAME = re.compile(rf"\w[\w.-]{{0,{MAX_TEAM_NAME - 1}}}")
_MENTION = re.compile(r"^<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>$")


def check_team_name(name: str) -> str:
    name = name.strip()
    if not _TEAM_NAME.fullmatch(name):
        raise InputError(f"A team name is one word of up to {MAX_TEAM_NAME} letters, digits, "
                         "dots or dashes, like ml-platform.")
    return name


class TeamService:
    def __init__(self, db: Database, clock: Clock, rights: Rights | None = None) -> None:
        self.db, self.clock = db, clock
        self.rights = rights or Rights(db)
        self.directories: dict[str, GroupDirectory] = {}

    async def find_person(self, actor: Actor, token: str) -> Actor | None:
        """A person named in a command: a platform mention (<@U123>) or a known display name
        in the same workspace."""
        m = _MENTION.match(token.strip())
        async with self.db.reading() as conn:
            people = People(conn)
            if m:
                found = await people.find(actor.platform, actor.workspace, m.group(1))
                name = found.display_name if found else m.group(1)
                return Actor(actor.platform, actor.workspace, m.group(1), name)
            matches = await people.by_name(actor.platform, actor.workspace,
                                           token.strip().lstrip("@"))
        if len(matches) != 1:
            return None
        p = matches[0]
        return Actor(p.platform, p.workspace, p.user_id, p.display_name)

    async def find(self, actor: Actor, name: str) -> TeamRow | None:
        async with self.db.reading() as conn:
            return await Teams(conn).named(actor.platform, actor.workspace, name.strip())

    async def load(self, team: TeamRow) -> Team:
        await self.sync_group(team)
        async with self.db.reading() as conn:
            teams = Teams(conn)
            return Team(team.id, team.name, team.group_id, tuple(await teams.members(team.id)),
                        tuple(await teams.leads(team.id)))

    async def list(self, actor: Actor) -> Message:
        async with self.db.reading() as conn:
            rows = await Teams(conn).all(actor.platform, actor.workspace)
        if not rows:
            return reply("No teams yet", "An admin can create one with /team create NAME.")
        lines = []
        for row in rows:
            team = await self.load(row)
            follows = f", follows group {row.group_id}" if row.group_id else ""
            lines.append(f"{team.name}: {count(len(team.members), 'member')}{follows}; leads: "
                         + (", ".join(p.display_name for p in team.leads) or "admins only"))
        return reply("Teams", "\n".join(lines))

    async def create(self, actor: Actor, name: str) -> Message:
        name = check_team_name(name)
        if refused := await self.rights.admin(actor):
            return refused
        now = self.clock.now()
        async with self.db.transaction() as conn:
            team = await Teams(conn).create(actor.platform, actor.workspace, name, now)
            if team is None:
                return reply("That team exists", f"There is already a team called {name}.")
        return reply(f"Team {name} created",
                     f"Add people with /team add {name} PERSON... and give it a lead with "
                     f"/team lead {name} PERSON.")

    async def _guard(self, actor: Actor, name: str, *, admin: bool) -> TeamRow | Message:
        """The named team if ``actor`` may change it (admins; its leads unless ``admin``)."""
        if admin and (refused := await self.rights.admin(actor)):
            return refused
        team = await self.find(actor, name)
        if team is None:
            return reply(f"No team called {name[:40]}", "See /team list.")
        if not admin and (refused := await self.rights.team(actor, team)):
            return refused
        return team

    async def rename(self, actor: Actor, name: str, new_name: str) -> Message:
        new_name = check_team_name(new_name)
        team = await self._guard(actor, name, admin=True)
        if isinstance(team, Message):
            return team
        async with self.db.transaction() as conn:
            if not await Teams(conn).rename(team.id, new_name):
                return reply("That name is taken", f"There is already a team called {new_name}.")
        return reply("Team renamed", f"{team.name} is now {new_name}.")

    async def delete(self, actor: Actor, name: str) -> Message:
        team = await self._guard(actor, name, admin=True)
        if isinstance(team, Message):
            return team
        async with self.db.transaction() as conn:
            await Teams(conn).delete(team.id)
        return reply("Team deleted", f"{team.name} is gone; its members' points are kept.")

    async def change_members(self, actor: Actor, name: str, people: Sequence[Actor], *,
                             add: bool) -> Message:
        if not people:
            raise InputError("Name at least one person.")
        team = await self._guard(actor, name, admin=False)
        if isinstance(team, Message):
            return team
        now = self.clock.now()
        changed = []
        async with self.db.transaction() as conn:
            for p in people:
                person = await People(conn).upsert(p.platform, p.workspace, p.user_id,
                                                   p.display_name, now)
                done = (await Teams(conn).add_member(team.id, person.id) if add
                        else await Teams(conn).remove_member(team.id, person.id))
                if done:
                    changed.append(person.display_name)
        verb = "added to" if add else "removed from"
        if not changed:
            return reply("Nothing changed", "Everyone named was already " +
                         ("in" if add else "not in") + f" {team.name}.")
        return reply("Team updated", f"{', '.join(changed)} {verb} {team.name}.")

    async def appoint(self, actor: Actor, name: str, person: Actor) -> Message:
        team = await self._guard(actor, name, admin=True)
        if isinstance(team, Message):
            return team
        now = self.clock.now()
        async with self.db.transaction() as conn:
            me = await People(conn).upsert(actor.platform, actor.workspace, actor.user_id,
                                           actor.display_name, now)
            p = await People(conn).upsert(person.platform, person.workspace, person.user_id,
                                          person.display_name, now)
            await Teams(conn).appoint(team.id, p.id, me.id, now)
            await Teams(conn).add_member(team.id, p.id)
        return reply("Lead appointed", f"{p.display_name} now leads {team.name}.")

    async def unappoint(self, actor: Actor, name: str, person: Actor) -> Message:
        team = await self._guard(actor, name, admin=True)
        if isinstance(team, Message):
            return team
        async with self.db.transaction() as conn:
            p = await People(conn).find(person.platform, person.workspace, person.user_id)
            done = p is not None and await Leads(conn).take_team(team.id, p.id)
        if not done:
            return reply("Nothing changed", f"{person.display_name} does not lead {team.name}.")
        return reply("Lead removed", f"{person.display_name} no longer leads {team.name}; "
                     "they stay a member.")

    async def follow(self, actor: Actor, name: str, group_id: str | None) -> Message:
        team = await self._guard(actor, name, admin=True)
        if isinstance(team, Message):
            return team
        async with self.db.transaction() as conn:
            await Teams(conn).set_group(team.id, group_id)
        if group_id is None:
            return reply("Team no longer follows a group", "Manual members stay.")
        synced = await self.sync_group(TeamRow(team.id, team.platform, team.workspace,
                                               team.name, group_id))
        note = (f"{count(synced, 'member')} from the group so far." if synced is not None else
                "This platform does not list groups here; manual membership still works.")
        return reply("Team follows a group", f"{team.name} now follows {group_id}. {note}")

    async def sync_group(self, team: TeamRow) -> int | None:
        """Make group-sourced membership match the platform group now (None: no directory)."""
        directory = self.directories.get(team.platform)
        if team.group_id is None or directory is None:
            return None
        members = await directory.group_members(team.workspace, team.group_id)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            ids = [(await People(conn).upsert(m.platform, m.workspace, m.user_id,
                                              m.display_name, now)).id for m in members]
            await Teams(conn).replace_group_members(team.id, ids)
        return len(ids)


def describe_team(team: Team) -> Message:
    members = ", ".join(p.display_name for p in team.members) or "nobody yet"
    leads = ", ".join(p.display_name for p in team.leads) or "admins only"
    return Message(f"Team {team.name}", (Section("Members", members), Section("Leads", leads)))
