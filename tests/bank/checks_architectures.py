"""Checks for the runnable code in questions/architectures.yaml."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _check_extending_context(ns: dict[str, Any]) -> None:
    f = ns["rope_inv_freq"](128)
    assert f.shape == (64,) and math.isclose(f[0], 1.0)
    assert math.isclose(f[1], 10_000.0 ** (-2 / 128))
    assert np.all(np.diff(f) < 0)
    base = ns["ntk_scaled_base"](10_000.0, 8, 128)
    assert math.isclose(base, 10_000.0 * 8 ** (128 / 126))
    g = ns["rope_inv_freq"](128, base)
    # NTK scaling keeps the highest frequency and divides the lowest one by exactly the scale.
    assert math.isclose(g[0], 1.0)
    assert math.isclose(f[-1] / g[-1], 8.0, rel_tol=1e-9)
    assert np.allclose(ns["pi"], f / 8)


CHECKS = {"extending-context-length": _check_extending_context}
