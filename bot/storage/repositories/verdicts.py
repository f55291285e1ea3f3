"""Verdicts: the LLM judge's remembered grades, keyed by what was judged."""

from __future__ import annotations

import json
from datetime import datetime

from bot.domain.grading import Grade
from bot.storage.db import fetch_one, to_db
from bot.storage.repositories.base import _Repo, feedback_json, stored_grade


class Verdicts(_Repo):
    """The LLM judge's remembered verdicts."""

    async def get(self, key: str) -> Grade | None:
        row = await fetch_one(self.conn, "SELECT covered, missed, score, feedback FROM"
                              " judge_verdicts WHERE key=?", (key,))
        return stored_grade(row) if row else None

    async def put(self, key: str, grade: Grade, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO judge_verdicts (key, covered, missed, score, feedback,"
            " created_at) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (key, json.dumps(list(grade.covered)), json.dumps(list(grade.missed)),
             grade.score, feedback_json(grade), to_db(now)))
