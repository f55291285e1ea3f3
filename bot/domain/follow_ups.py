"""Interviewer follow-ups, in plain words: how a channel asks them, what a follow-up is, and
how long one stays open for a reply.

A follow-up is the bank entry's ``follow_up`` question, asked once a person has answered
(a daily round, a practice question, a step of a mock interview). The reply is graded
loosely: a participation point, and the LLM judge's notes when that judge is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

#: what a follow-up follows: a daily round, a practice attempt, a mock interview's question
FollowUpSource = Literal["daily", "practice", "interview"]
#: a practice follow-up takes replies this long after it was asked (a daily one: until the
#: round's deadline)
PRACTICE_REPLY_WINDOW = timedelta(hours=24)
#: the participation point a first reply earns (daily and practice; not mock interviews)
FOLLOW_UP_POINTS = 1


class FollowUpMode(StrEnum):
    """How a channel asks the follow-up of its daily question."""

    PRIVATE = "private"   # ephemeral note, direct message or the console: only they see it
    THREAD = "thread"     # a reply in the question's thread, naming the person
    OFF = "off"

    @classmethod
    def parse(cls, word: str) -> FollowUpMode:
        try:
            return cls(word.strip().lower())
        except ValueError:
            raise ValueError(f"'{word[:30]}' is not a follow-up mode; use private, thread "
                             "or off.") from None


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One follow-up asked of one person, and their reply if they gave one."""

    id: int
    person_id: int
    source: FollowUpSource
    source_id: int
    question_id: str
    mode: str
    asked_at: datetime
    thread_id: str | None = None
    reply: str | None = None
    reply_message_id: str | None = None
    notes: str | None = None

    def practice_open_at(self, moment: datetime) -> bool:
        """A practice follow-up takes replies for a day after it was asked."""
        return moment - self.asked_at < PRACTICE_REPLY_WINDOW
