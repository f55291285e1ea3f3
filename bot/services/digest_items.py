"""The digest's "open appeals and flags" section: what is waiting in the leads' review queue.

This is the one place the weekly digest counts appeals and flags. Their tables arrive with
migration 0013 (appeals and flags); until that lands there is nothing to count, the counter
below answers None and the digest leaves the section out. To wire it: count, in this
function, the team's members' appeals still open and the flags still open in the team's
workspace, and return ``OpenItems(appeals=..., flags=...)``; the digest shows them (see
``tests/unit/test_digest.py``, which runs the section with a counter of its own).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiosqlite

from bot.storage.repositories import TeamRow


@dataclass(frozen=True, slots=True)
class OpenItems:
    appeals: int
    flags: int


#: (connection, the team, its members' person ids) -> the counts, or None: nothing to count
OpenItemsCounter = Callable[[aiosqlite.Connection, TeamRow, list[int]],
                            Awaitable[OpenItems | None]]


async def count_open_items(conn: aiosqlite.Connection, team: TeamRow,
                           member_ids: list[int]) -> OpenItems | None:
    """Open appeals of the team's members and open flags in its workspace; None while
    quizbot has no appeals or flags (before migration 0013)."""
    return None
