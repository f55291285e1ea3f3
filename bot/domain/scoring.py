"""The points ledger's rules. Totals are sums of ScoreEvents, so each can be explained.

Daily round, per on-time answer: 1 participation point, plus coverage points = round(score x
2 x difficulty) (so up to 10 on a difficulty-5 question), plus a streak bonus of +1 per
consecutive scheduled round answered before this one (capped at +5). Late answers earn
nothing. After the reveal each person may give up to 3 peer votes per round (not to
themselves), worth 1 point each to the author, at most 5 vote points per author per round.
Leads may award points or correct a total; corrections are new rows pointing at the original.
Practice answers earn practice points (coverage points only) on their own board.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Board(StrEnum):
    DAILY = "daily"
    PRACTICE = "practice"


class Reason(StrEnum):
    PARTICIPATION = "participation"
    COVERAGE = "coverage"
    STREAK = "streak"
    PEER_VOTE = "peer-vote"
    LEAD_AWARD = "lead-award"
    CORRECTION = "correction"
    PRACTICE = "practice"
    FOLLOW_UP = "follow-up"


PARTICIPATION_POINTS = 1
COVERAGE_POINTS_PER_DIFFICULTY = 2
STREAK_BONUS_CAP = 5
VOTES_PER_VOTER_PER_ROUND = 3
VOTE_POINTS_CAP_PER_AUTHOR = 5
LEAD_AWARD_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Award:
    """Points a rule gives one person, before they are written to the ledger."""

    person_id: int
    points: int
    reason: Reason
    note: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One on-time answer at reveal time."""

    person_id: int
    score: float          # grade score 0..1
    streak: int           # consecutive rounds answered, this one included


def coverage_points(score: float, difficulty: int) -> int:
    return round(max(0.0, min(1.0, score)) * COVERAGE_POINTS_PER_DIFFICULTY * difficulty)


def streak_bonus(streak: int) -> int:
    return max(0, min(streak - 1, STREAK_BONUS_CAP))


def streak_length(answered_newest_first: Sequence[bool]) -> int:
    """How many rounds in a row were answered, counting back from the newest."""
    n = 0
    for answered in answered_newest_first:
        if not answered:
            break
        n += 1
    return n


def round_awards(entries: Sequence[Entry], difficulty: int) -> list[Award]:
    """Every rule-paid award for a round's on-time answers."""
    awards = []
    for e in entries:
        awards.append(Award(e.person_id, PARTICIPATION_POINTS, Reason.PARTICIPATION))
        pts = coverage_points(e.score, difficulty)
        if pts:
            awards.append(Award(e.person_id, pts, Reason.COVERAGE,
                                f"{round(e.score * 100)}% of the key points"))
        bonus = streak_bonus(e.streak)
        if bonus:
            awards.append(Award(e.person_id, bonus, Reason.STREAK, f"{e.streak}-round streak"))
    return awards


def vote_allowed(*, voter_id: int, author_id: int, votes_by_voter: int,
                 points_to_author: int) -> str | None:
    """None when the vote counts, else the reason it does not (shown to the voter)."""
    if voter_id == author_id:
        return "You can't vote for your own answer."
    if votes_by_voter >= VOTES_PER_VOTER_PER_ROUND:
        return f"You have used your {VOTES_PER_VOTER_PER_ROUND} votes for this round."
    if points_to_author >= VOTE_POINTS_CAP_PER_AUTHOR:
        return "That answer already has the most vote points a round allows; thanks anyway."
    return None


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    person_id: int
    display_name: str
    points: int
