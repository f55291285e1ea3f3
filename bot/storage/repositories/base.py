"""What every repository shares: the ``_Repo`` base class, and the row helpers more than
one table needs (a person from a row, possibly joined under a prefix; a grade to and from
its JSON columns, as answers, practice attempts and judge verdicts store it)."""

from __future__ import annotations

import json

from bot.domain.grading import Grade, Mistake
from bot.domain.rounds import Person
from bot.storage.connection import Connection, Row


class _Repo:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn


def _person(row: Row, prefix: str = "") -> Person:
    return Person(row[f"{prefix}id"], row[f"{prefix}platform"], row[f"{prefix}workspace"],
                  row[f"{prefix}user_id"], row[f"{prefix}display_name"])


def feedback_json(grade: Grade) -> str:
    """The parts of a grade beyond covered/missed/score: evidence, mistakes, notes."""
    return json.dumps({
        "evidence": [list(pair) for pair in grade.evidence],
        "mistakes": [[m.claim, m.correction, m.quote, m.point] for m in grade.mistakes],
        "notes": list(grade.notes)})


def stored_grade(row: Row) -> Grade:
    """A grade as stored (the score is kept as the coverage; answers graded before
    feedback was stored have none)."""
    extra = json.loads(row["feedback"]) if row["feedback"] else {}
    return Grade(tuple(json.loads(row["covered"] or "[]")),
                 tuple(json.loads(row["missed"] or "[]")), float(row["score"]),
                 notes=tuple(extra.get("notes", ())),
                 evidence=tuple((label, quote) for label, quote in extra.get("evidence", ())),
                 mistakes=tuple(Mistake(*m) for m in extra.get("mistakes", ())))
