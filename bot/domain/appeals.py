"""Appeals and flags in plain words: what a reason must be, which ids name them, and how far
an accepted appeal may move a result's points.

An appeal says "my answer deserved more than the grade gave it". Accepting it adds the points
the grader missed: at least 1, and no more than the coverage points the question could still
pay that result (2 x difficulty in all), so an appeal never pays more than a perfect answer
would have. Rejecting it changes no points. A flag says "the reference answer is wrong or
outdated"; it changes no points either and goes to whoever maintains the bank.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.domain.parsing import InputError
from bot.domain.scoring import COVERAGE_POINTS_PER_DIFFICULTY

#: the longest reason or note kept (the forms stop there too)
MAX_REASON_CHARS = 1000
#: the shortest reason that says something ("wrong" alone does not tell a lead why)
MIN_REASON_CHARS = 10


class AppealState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Appeal:
    id: int
    person_id: int
    person_name: str
    user_id: str
    source: str            # "daily" (a round) or "practice" (an attempt)
    source_id: int
    question_id: str
    platform: str
    workspace: str
    channel: str
    reason: str
    state: AppealState
    created_at: datetime
    note: str = ""
    points: int = 0
    correction_id: int | None = None
    round_date: date | None = None

    @property
    def ref(self) -> str:
        return f"A{self.id}"


@dataclass(frozen=True, slots=True)
class Flag:
    id: int
    person_name: str
    question_id: str
    channel: str
    note: str
    open: bool
    created_at: datetime
    close_note: str = ""

    @property
    def ref(self) -> str:
        return f"F{self.id}"


def check_reason(text: str, what: str = "reason") -> str:
    """The reason, tidied; InputError when it is empty, too short to say why, or huge."""
    reason = " ".join(text.split())
    if not reason:
        raise InputError(f"Say why in a sentence: the {what} is what the leads read.")
    if len(reason) < MIN_REASON_CHARS:
        raise InputError(f"That {what} is too short to act on; say what the grade (or the "
                         f"answer) got wrong in at least {MIN_REASON_CHARS} characters.")
    if len(reason) > MAX_REASON_CHARS:
        raise InputError(f"Keep the {what} under {MAX_REASON_CHARS:,} characters "
                         f"(it has {len(reason):,}).")
    return reason


_REF = re.compile(r"#?([AF]?)(\d{1,12})", re.IGNORECASE)


def parse_ref(word: str, kind: str) -> int:
    """The number of an appeal (``kind`` "A": A12, #A12 or 12) or a flag ("F": F3)."""
    m = _REF.fullmatch(word.strip())
    if m is None or (m.group(1) and m.group(1).upper() != kind) or not word.isascii():
        name = "an appeal, like A12" if kind == "A" else "a flag, like F3"
        raise InputError(f"'{word[:30]}' does not name {name} (see the queue for ids).")
    return int(m.group(2))


def most_points(difficulty: int) -> int:
    """The coverage points a perfect answer to a question of this difficulty earns."""
    return COVERAGE_POINTS_PER_DIFFICULTY * difficulty


def correction_problem(points: int, paid: int, difficulty: int) -> str | None:
    """Why an accepted appeal may not add ``points`` to a result whose grade paid ``paid``
    coverage points, or None when it may."""
    room = most_points(difficulty) - paid
    if room <= 0:
        return ("That result already has every coverage point the question pays; reject "
                "the appeal with a note instead.")
    if not 1 <= points <= room:
        return (f"An accepted appeal adds between 1 and {room} point{'s' if room != 1 else ''}"
                f" here: the question pays at most {most_points(difficulty)} for coverage "
                f"and this result got {paid}.")
    return None
