"""Checks for the runnable code in questions/evaluation.yaml."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _check_perplexity(ns: dict[str, Any]) -> None:
    ppl = ns["perplexity"]
    assert math.isclose(ns["ppl"], 4.0)
    assert math.isclose(ppl(np.log(np.full(10, 1 / 50))), 50.0)  # uniform over V gives V
    assert math.isclose(ppl([0.0, 0.0]), 1.0)
    assert math.isclose(ppl([math.log(0.5), math.log(0.5)]), 2.0)
    bpb = ns["bits_per_byte"]
    assert math.isclose(bpb([math.log(0.5)] * 8, 8), 1.0)
    assert math.isclose(bpb([math.log(0.25)] * 2, 4), 1.0)


CHECKS = {"evaluation-perplexity": _check_perplexity}
