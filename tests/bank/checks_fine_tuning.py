"""Checks for the runnable code in questions/fine-tuning.yaml."""

from __future__ import annotations

from typing import Any

import numpy as np


def _check_gradient_checkpointing(ns: dict[str, Any]) -> None:
    full, ckpt = ns["grads_full"], ns["grads_checkpointed"]
    rng = np.random.default_rng(1)
    Ws = [rng.normal(scale=0.4, size=(6, 6)) for _ in range(9)]
    x = rng.normal(size=6)
    g_full, n_full = full(Ws, x)
    assert n_full == 10
    # finite-difference check of one weight of the reference gradient
    eps, (i, r, c) = 1e-6, (4, 2, 3)

    def loss(ws: list[np.ndarray]) -> float:
        h = x
        for W in ws:
            h = np.tanh(W @ h)
        return float(h.sum())

    Wp = [W.copy() for W in Ws]
    Wp[i][r, c] += eps
    assert abs((loss(Wp) - loss(Ws)) / eps - g_full[i][r, c]) < 1e-4
    for every in (1, 2, 3, 4, 9):
        g, peak = ckpt(Ws, x, every)
        assert all(np.allclose(a, b) for a, b in zip(g_full, g, strict=True))
        assert peak <= n_full
    _, peak3 = ckpt(Ws, x, 3)          # 3 checkpoints + 3 recomputed outputs
    assert peak3 == 6 < n_full


CHECKS = {"fine-tuning-gradient-checkpointing": _check_gradient_checkpointing}
