"""Judges grade an answer against a question. The rubric grader is the default; another
judge (an LLM) can be plugged in and always falls back to the rubric on any failure."""

from __future__ import annotations

from typing import Protocol

from bot.domain.grading import Grade, grade
from bot.domain.questions import Question


class Judge(Protocol):
    name: str

    async def grade(self, question: Question, answer: str) -> Grade: ...


class RubricJudge:
    """Deterministic phrase matching (bot.domain.grading): fast, explainable, offline."""

    name = "rubric"

    async def grade(self, question: Question, answer: str) -> Grade:
        return grade(question, answer)
