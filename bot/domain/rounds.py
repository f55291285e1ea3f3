"""Rounds (one question, one channel, one local date) and the answers given to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class RoundState(StrEnum):
    POSTING = "posting"      # row exists, platform post not confirmed yet: retried, not redone
    OPEN = "open"            # posted, taking answers until the deadline
    REVEALING = "revealing"  # points committed, reveal post not confirmed yet
    REVEALED = "revealed"


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    subscription_id: int
    local_date: date
    question_id: str
    state: RoundState
    opens_at: datetime
    deadline: datetime
    message_id: str | None = None
    thread_id: str | None = None
    post_attempts: int = 0

    def accepts_answers_at(self, moment: datetime) -> bool:
        return self.state is RoundState.OPEN and moment < self.deadline


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    platform: str
    workspace: str
    user_id: str
    display_name: str


@dataclass(frozen=True, slots=True)
class Answer:
    id: int
    round_id: int
    person: Person
    text: str
    late: bool
    created_at: datetime
    updated_at: datetime


class AnswerOutcome(StrEnum):
    RECORDED = "recorded"    # first on-time answer
    REPLACED = "replaced"    # an edit or a second message before the deadline
    LATE = "late"            # kept, flagged, not scored
    DUPLICATE = "duplicate"  # an event already handled: nothing changed
    REJECTED = "rejected"    # bad input: nothing stored
    NO_ROUND = "no-round"    # not in a round's thread
    HELD = "held"            # reached a thread just posted, before its round was recorded:
    #                          kept, stored and acknowledged once the round lands
    FAILED = "failed"        # the database could not store it: nothing kept, not acknowledged


MAX_ANSWER_CHARS = 4000
