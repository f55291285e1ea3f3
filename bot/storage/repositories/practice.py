"""Practice: private practice questions a person asked for, and how they answered them."""

from __future__ import annotations

import json
from datetime import datetime

from bot.domain.grading import Grade
from bot.storage.connection import Row
from bot.storage.db import fetch_all, fetch_one, to_db
from bot.storage.repositories.base import _Repo, feedback_json


class Practice(_Repo):
    async def start(self, person_id: int, question_id: str, topic: str, now: datetime) -> int:
        row = await fetch_one(
            self.conn, "INSERT INTO practice_attempts (person_id, question_id, topic, asked_at)"
            " VALUES (?,?,?,?) RETURNING id", (person_id, question_id, topic, to_db(now)))
        assert row is not None
        return int(row[0])

    async def get(self, attempt_id: int) -> Row | None:
        return await fetch_one(self.conn, "SELECT * FROM practice_attempts WHERE id=?",
                               (attempt_id,))

    async def finish(self, attempt_id: int, answer: str, grade: Grade | None,
                     now: datetime) -> bool:
        cur = await self.conn.execute(
            "UPDATE practice_attempts SET answer=?, coverage=?, answered_at=?, covered=?,"
            " missed=?, feedback=? WHERE id=? AND answered_at IS NULL",
            (answer, grade.score if grade else None, to_db(now),
             json.dumps(list(grade.covered) if grade else []),
             json.dumps(list(grade.missed) if grade else []),
             feedback_json(grade) if grade else None, attempt_id))
        return cur.rowcount == 1

    async def graded_by_person(self, person_id: int) -> list[tuple[str, float]]:
        """(topic, coverage score) of every answered practice question."""
        rows = await fetch_all(self.conn, "SELECT topic, coverage FROM practice_attempts WHERE"
                               " person_id=? AND coverage IS NOT NULL", (person_id,))
        return [(r[0], float(r[1])) for r in rows]

    async def recent_question_ids(self, person_id: int, limit: int = 50) -> list[str]:
        rows = await fetch_all(self.conn, "SELECT question_id FROM practice_attempts"
                               " WHERE person_id=? ORDER BY id DESC LIMIT ?", (person_id, limit))
        return [r[0] for r in rows]
