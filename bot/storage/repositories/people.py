"""People: the platform users quizbot has seen, one row per (platform, workspace, user)."""

from __future__ import annotations

from datetime import datetime

from bot.domain.rounds import Person
from bot.storage.db import fetch_all, fetch_one, to_db
from bot.storage.repositories.base import _person, _Repo


class People(_Repo):
    async def upsert(self, platform: str, workspace: str, user_id: str, display_name: str,
                     now: datetime) -> Person:
        """The person for a platform user, created on first sight; the name follows changes."""
        row = await fetch_one(
            self.conn,
            "INSERT INTO people (platform, workspace, user_id, display_name, created_at)"
            " VALUES (?,?,?,?,?) ON CONFLICT (platform, workspace, user_id)"
            " DO UPDATE SET display_name = excluded.display_name RETURNING *",
            (platform, workspace, user_id, display_name, to_db(now)))
        assert row is not None
        return _person(row)

    async def upsert_many(self, people: list[tuple[str, str, str, str]],
                          now: datetime) -> dict[tuple[str, str, str], Person]:
        """upsert() for many (platform, workspace, user_id, display_name) in one statement."""
        unique = {(p[0], p[1], p[2]): p for p in people}
        if not unique:
            return {}
        values = ",".join("(?,?,?,?,?)" for _ in unique)
        params = [x for p in unique.values() for x in (*p, to_db(now))]
        rows = await fetch_all(
            self.conn, "INSERT INTO people (platform, workspace, user_id, display_name,"
            f" created_at) VALUES {values} ON CONFLICT (platform, workspace, user_id)"
            " DO UPDATE SET display_name = excluded.display_name RETURNING *", params)
        return {(r["platform"], r["workspace"], r["user_id"]): _person(r) for r in rows}

    async def find(self, platform: str, workspace: str, user_id: str) -> Person | None:
        row = await fetch_one(self.conn, "SELECT * FROM people WHERE platform=? AND workspace=?"
                              " AND user_id=?", (platform, workspace, user_id))
        return _person(row) if row else None

    async def by_name(self, platform: str, workspace: str, name: str) -> list[Person]:
        rows = await fetch_all(self.conn, "SELECT * FROM people WHERE platform=? AND workspace=?"
                               " AND lower(display_name) = lower(?) ORDER BY id",
                               (platform, workspace, name))
        return [_person(r) for r in rows]

    async def get(self, person_id: int) -> Person | None:
        row = await fetch_one(self.conn, "SELECT * FROM people WHERE id=?", (person_id,))
        return _person(row) if row else None
