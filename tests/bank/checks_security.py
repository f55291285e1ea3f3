"""Checks for the runnable code in questions/security.yaml."""

from __future__ import annotations

import math
from typing import Any


def _check_security_bias_measurement_mitigation(ns: dict[str, Any]) -> None:
    gap_fn, flip_fn = ns["demographic_parity_gap"], ns["counterfactual_flip_rate"]
    gap, rates = gap_fn([1, 1, 0, 1, 0, 0, 0, 1], ["a", "a", "a", "a", "b", "b", "b", "b"])
    assert math.isclose(gap, 0.5) and math.isclose(rates["a"], 0.75) and math.isclose(rates["b"], 0.25)
    gap, _ = gap_fn([1, 0, 1, 0], ["x", "x", "y", "y"])
    assert gap == 0
    templates = ["Should we hire {} for the engineer role?", "Approve the loan for {}?"]
    swaps = [("John", "Maria"), ("Ahmed", "Peter")]
    assert flip_fn(lambda prompt: True, templates, swaps) == 0
    biased = lambda prompt: "Maria" not in prompt      # noqa: E731 - rejects one name
    assert math.isclose(flip_fn(biased, templates, swaps), 0.5)


CHECKS = {
    "security-bias-measurement-mitigation": _check_security_bias_measurement_mitigation,
}
