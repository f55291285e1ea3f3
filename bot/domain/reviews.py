"""Spaced repetition, the pure part: how a grade becomes a review rating.

The ratings are FSRS's four (same numbers as ``fsrs.Rating``); the scheduling itself is the
``fsrs`` library's, used by ``bot.services.reviews``.
"""

from __future__ import annotations

from enum import IntEnum


class Recall(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


#: ratings that count as remembered for retention
REMEMBERED = (Recall.HARD, Recall.GOOD, Recall.EASY)


def rating_for(coverage: float) -> Recall:
    """The rating a graded answer earns from the share of key points it covered."""
    if coverage < 0.25:
        return Recall.AGAIN
    if coverage < 0.6:
        return Recall.HARD
    if coverage < 0.9:
        return Recall.GOOD
    return Recall.EASY


def retention(ratings: list[int]) -> float | None:
    """Share of reviews remembered (Hard, Good or Easy); None with no reviews."""
    if not ratings:
        return None
    return sum(1 for r in ratings if r in REMEMBERED) / len(ratings)
