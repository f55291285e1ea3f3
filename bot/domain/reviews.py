"""Spaced repetition, the pure part: how a grade becomes a review rating.

The ratings are FSRS's four (same numbers as ``fsrs.Rating``); the scheduling itself is the
``fsrs`` library's, used by ``bot.services.reviews``.
"""

from __future__ import annotations

from enum import IntEnum

from bot.domain.parsing import InputError


class Recall(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


#: ratings that count as remembered for retention
REMEMBERED = (Recall.HARD, Recall.GOOD, Recall.EASY)


#: the coverage thresholds, in thousandths of the key points: Again below 250, Hard below
#: 600, Good below 900, else Easy (``bot.domain.calibration`` moves them per person)
THRESHOLDS = (250, 600, 900)


def rating_for(coverage: float, shift: int = 0) -> Recall:
    """The rating a graded answer earns from the share of key points it covered, with the
    thresholds moved by ``shift`` thousandths (a person's calibration; 0 by default)."""
    again, hard, good = (t + shift for t in THRESHOLDS)
    if coverage < again / 1000:
        return Recall.AGAIN
    if coverage < hard / 1000:
        return Recall.HARD
    if coverage < good / 1000:
        return Recall.GOOD
    return Recall.EASY


#: the one-tap override after a reveal or a practice result (``/quiz rate WORD``). "I knew
#: it" is Good, not Easy: the person remembered, but saying so after seeing the reference
#: answer is weaker evidence than a full answer, and Easy would stretch the interval most;
#: "partly" is Hard (remembered with effort) and "I didn't" is Again (forgotten).
OVERRIDES: dict[str, Recall] = {"knew": Recall.GOOD, "partly": Recall.HARD,
                                "didnt": Recall.AGAIN}
OVERRIDE_WORDS = "|".join(OVERRIDES)


def override_rating(word: str) -> Recall:
    """The rating a ``/quiz rate`` word stands for ("didn't" reads as "didnt")."""
    key = word.strip().lower().replace("'", "").replace("\u2019", "")
    if key not in OVERRIDES:
        shown = word.strip()[:30] or "nothing"
        raise InputError(f"'{shown}' is not a rating; say knew (I knew it), partly, or "
                         "didnt (I didn't).")
    return OVERRIDES[key]


def retention(ratings: list[int]) -> float | None:
    """Share of reviews remembered (Hard, Good or Easy); None with no reviews."""
    if not ratings:
        return None
    return sum(1 for r in ratings if r in REMEMBERED) / len(ratings)
