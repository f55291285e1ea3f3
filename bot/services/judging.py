"""Judges grade answers against a question. The rubric grader is the default; the LLM judge
can be plugged in and falls back to the rubric on any failure."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from bot.clock import Clock
from bot.domain.grading import Grade, grade
from bot.domain.questions import Question
from bot.storage.db import Database, StorageError
from bot.storage.repositories import Verdicts

log = logging.getLogger(__name__)


class Judge(Protocol):
    name: str

    async def grade(self, question: Question, answer: str) -> Grade: ...

    async def grade_all(self, question: Question, answers: Sequence[str], *,
                        label: str = "") -> list[Grade]:
        """A round's answers; a judge that calls out may do them concurrently."""
        ...


class RubricJudge:
    """Deterministic phrase matching (bot.domain.grading): fast, explainable, offline."""

    name = "rubric"

    async def grade(self, question: Question, answer: str) -> Grade:
        return grade(question, answer)

    async def grade_all(self, question: Question, answers: Sequence[str], *,
                        label: str = "") -> list[Grade]:
        return [grade(question, a) for a in answers]


class StoredVerdicts:
    """The LLM judge's verdict cache, in the database."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def get(self, key: str) -> Grade | None:
        try:
            async with self.db.reading() as conn:
                return await Verdicts(conn).get(key)
        except StorageError as exc:   # a cache: a miss costs a call, never a grade
            log.warning("judge cache unavailable (%s)", exc)
            return None

    async def put(self, key: str, grade: Grade) -> None:
        try:
            async with self.db.transaction() as conn:
                await Verdicts(conn).put(key, grade, self.clock.now())
        except StorageError as exc:
            log.warning("judge cache unavailable (%s)", exc)
