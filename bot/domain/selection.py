"""Choosing the next daily question for a channel.

Rule: among the channel's filtered pool, only questions asked the fewest times so far are
eligible, so nothing repeats until the whole pool has been used; ties are broken by a
seeded RNG so a run is reproducible.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence


def pick_question(pool: Sequence[str], asked: Iterable[str], seed: str) -> str | None:
    """Pick a question id from ``pool`` given the ids already asked (with repeats)."""
    if not pool:
        return None
    counts = Counter(q for q in asked if q in set(pool))
    fewest = min(counts.get(q, 0) for q in pool)
    eligible = sorted(q for q in pool if counts.get(q, 0) == fewest)
    return random.Random(seed).choice(eligible)
