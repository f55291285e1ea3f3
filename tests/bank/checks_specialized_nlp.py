"""Checks for the runnable code in questions/specialized-nlp.yaml."""

from __future__ import annotations

from typing import Any

import numpy as np


def _check_adaptive_softmax(ns: dict[str, Any]) -> None:
    f = ns["adaptive_softmax_probs"]
    softmax = ns["softmax"]
    rng = np.random.default_rng(1)
    d = 8
    w_head = rng.normal(size=(d, 3 + 2))
    tails = [(rng.normal(size=(d, 2)), rng.normal(size=(2, 4))),
             (rng.normal(size=(d, 1)), rng.normal(size=(1, 5)))]
    h = rng.normal(size=d)
    p = f(h, w_head, tails)
    assert p.shape == (3 + 4 + 5,)
    assert np.all(p >= 0) and abs(p.sum() - 1.0) < 1e-9
    head = softmax(h @ w_head)
    assert np.allclose(p[:3], head[:3])
    # a word in the second tail cluster: p(cluster 2) * p(word | cluster 2)
    inner = softmax((h @ tails[1][0]) @ tails[1][1])
    assert np.isclose(p[3 + 4 + 2], head[4] * inner[2])
    # each cluster's mass equals the head's probability of that cluster
    assert np.isclose(p[3:7].sum(), head[3]) and np.isclose(p[7:].sum(), head[4])
    # softmax is numerically stable for large logits
    assert np.allclose(softmax(np.array([1000.0, 1000.0])), [0.5, 0.5])


CHECKS = {"specnlp-adaptive-softmax": _check_adaptive_softmax}
