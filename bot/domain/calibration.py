"""Calibrating a person's review ratings from their one-tap overrides.

A graded answer earns its rating from the share of key points it covered, through three
thresholds (``THRESHOLDS``, in thousandths). People who tap "I knew it" on answers the rubric
rated Hard are graded too strictly for what they really know; people who tap "I didn't" on
answers it rated Good, too leniently. Calibration moves all three thresholds together by one
shift, toward where that person's taps put them:

- each tap says which band the answer's coverage belongs in ("didnt": Again, "partly": Hard,
  "knew": Good or better, since no tap says Easy); its *needed shift* is the smallest move
  of the thresholds that puts the coverage in that band (0 when it already is);
- the person's shift is the median of the needed shifts of their last ``RECENT_TAPS`` taps
  (a tap that agreed with the grade counts as 0), once they have ``MIN_TAPS`` taps, bounded
  by ``MAX_SHIFT`` either way.

A shift below zero lowers the thresholds (later answers rate higher), above zero raises
them. The needed shifts are measured against the default thresholds, never the calibrated
ones, so the shift is a function of the taps alone and cannot feed on itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median_low

from bot.domain.reviews import THRESHOLDS, Recall

MIN_TAPS = 3
RECENT_TAPS = 20
MAX_SHIFT = 150


def per_mille(coverage: float) -> int:
    """A coverage share (0..1) in whole thousandths."""
    return max(0, min(1000, round(coverage * 1000)))


def needed_shift(coverage: int, tapped: Recall) -> int:
    """The smallest move of the thresholds (thousandths) that puts ``coverage`` (thousandths)
    in the band the tap names; Good stands for "Good or better"."""
    again, hard, _ = THRESHOLDS
    # the tap's band is [lower + shift, upper + shift): solve lower + s <= c < upper + s
    lower = {Recall.AGAIN: None, Recall.HARD: again}.get(tapped, hard)
    upper = {Recall.AGAIN: again, Recall.HARD: hard}.get(tapped)
    least = coverage - upper + 1 if upper is not None else None   # s >= c - upper + 1
    most = coverage - lower if lower is not None else None        # s <= c - lower
    if least is not None and least > 0:
        return least
    if most is not None and most < 0:
        return most
    return 0


def calibration(taps: Sequence[tuple[int, Recall]]) -> int:
    """The person's threshold shift from their taps, oldest first, as (coverage in
    thousandths, tapped rating); 0 with fewer than ``MIN_TAPS``."""
    recent = taps[-RECENT_TAPS:]
    if len(recent) < MIN_TAPS:
        return 0
    shift = median_low([needed_shift(c, r) for c, r in recent])
    return max(-MAX_SHIFT, min(MAX_SHIFT, shift))


def describe(shift: int) -> str:
    """The shift in plain words, for /stats."""
    if shift == 0:
        return "your ratings follow the grade as it is"
    points = f"{abs(shift) / 10:g} percentage points"
    if shift < 0:
        return f"graded answers rate as if they covered {points} more (your taps said so)"
    return f"graded answers rate as if they covered {points} less (your taps said so)"
