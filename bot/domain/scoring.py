"""The points ledger's rules. Totals are sums of ScoreEvents, so each can be explained."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Board(StrEnum):
    DAILY = "daily"
    PRACTICE = "practice"


class Reason(StrEnum):
    PARTICIPATION = "participation"


PARTICIPATION_POINTS = 1


@dataclass(frozen=True, slots=True)
class Award:
    """Points a rule gives one person for one round, before they are written to the ledger."""

    person_id: int
    points: int
    reason: Reason
    note: str = ""


def round_awards(on_time_person_ids: list[int]) -> list[Award]:
    """Participation for every on-time answer; late answers earn nothing."""
    return [Award(pid, PARTICIPATION_POINTS, Reason.PARTICIPATION) for pid in on_time_person_ids]


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    person_id: int
    display_name: str
    points: int
