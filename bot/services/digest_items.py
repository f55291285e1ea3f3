"""The digest's "open appeals and flags" section: what is waiting in the leads' review queue.

This is the one place the weekly digest counts appeals and flags: the team's members'
appeals still open, and the flags still open in the team's workspace (a flag is about the
bank, not a person, so every team of the workspace hears of it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.storage.connection import Connection
from bot.storage.repositories import Appeals, Flags, TeamRow


@dataclass(frozen=True, slots=True)
class OpenItems:
    appeals: int
    flags: int


#: (connection, the team, its members' person ids) -> the counts, or None: nothing to count
OpenItemsCounter = Callable[[Connection, TeamRow, list[int]],
                            Awaitable[OpenItems | None]]


async def count_open_items(conn: Connection, team: TeamRow,
                           member_ids: list[int]) -> OpenItems | None:
    """Open appeals of the team's members and open flags in its workspace."""
    appeals = await Appeals(conn).open_of_people(team.platform, team.workspace, member_ids)
    flags = await Flags(conn).open_count(team.platform, team.workspace)
    return OpenItems(appeals=appeals, flags=flags)
