"""Checks for the runnable code in questions/pretraining.yaml."""

from __future__ import annotations

from typing import Any

import numpy as np


def _check_compute_math(ns: dict[str, Any]) -> None:
    flops, opt, days = ns["train_flops"], ns["chinchilla_optimal"], ns["train_days"]
    assert flops(175e9, 300e9) == 6 * 175e9 * 300e9            # GPT-3: ~3.15e23
    assert abs(flops(175e9, 300e9) - 3.15e23) / 3.15e23 < 1e-9
    n, d = opt(flops(70e9, 1.4e12))                             # Chinchilla is compute-optimal
    assert abs(n - 70e9) / 70e9 < 1e-9 and abs(d - 1.4e12) / 1.4e12 < 1e-9
    n2, d2 = opt(4 * flops(70e9, 1.4e12))                       # 4x compute -> 2x N and 2x D
    assert abs(n2 / n - 2) < 1e-9 and abs(d2 / d - 2) < 1e-9
    assert 60 < days(3.8e25, 16384, 989e12, 0.4) < 75
    assert abs(days(86400.0, 1, 1.0, 1.0) - 1.0) < 1e-12


def _check_optimizers(ns: dict[str, Any]) -> None:
    step = ns["adamw_step"]
    th, m, v = step(np.array([1.0, -2.0]), np.array([0.5, -4.0]), np.zeros(2), np.zeros(2),
                    t=1, lr=1e-3, wd=0.0)
    assert np.allclose(th, [0.999, -1.999], atol=1e-6)           # ~lr * sign(grad) on step 1
    assert np.allclose(m, [0.05, -0.4]) and np.allclose(v, [0.0125, 0.8])
    # decoupled weight decay: zero gradient still shrinks weights by lr * wd * theta
    th2, _, _ = step(np.array([2.0]), np.array([0.0]), np.zeros(1), np.zeros(1),
                     t=1, lr=0.1, wd=0.1)
    assert np.allclose(th2, [2.0 - 0.1 * 0.1 * 2.0])
    # two steps with constant gradient: bias correction keeps step ~lr
    p, m, v = np.array([0.0]), np.zeros(1), np.zeros(1)
    for t in (1, 2):
        p, m, v = step(p, np.array([3.0]), m, v, t=t, lr=0.01, wd=0.0)
    assert np.allclose(p, [-0.02], atol=1e-6)


CHECKS = {
    "pretraining-compute-math": _check_compute_math,
    "pretraining-optimizers": _check_optimizers,
}
