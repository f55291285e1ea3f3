"""Checks for the runnable code in questions/reasoning.yaml."""

from __future__ import annotations

import math
from typing import Any


def _check_self_consistency(ns: dict[str, Any]) -> None:
    ex = ns["extract_answer"]
    assert ex("so the total is 1,250. Answer: 1,250.") == 1250
    assert ex("Answer: -3") == -3
    assert ex("Answer: 2.5") == 2.5
    assert ex("no number here") is None
    assert ex("first 3 then 9") == 9
    sc = ns["self_consistency"]
    answer, share = sc(ns["samples"])
    assert answer == 14 and math.isclose(share, 2 / 3)
    answer, share = sc(["Answer: 5", "nothing", "Answer: 5", "Answer: 6"])
    assert answer == 5 and math.isclose(share, 2 / 3)
    assert sc(["no answer"]) == (None, 0.0)


CHECKS = {"reasoning-self-consistency-decoding": _check_self_consistency}
