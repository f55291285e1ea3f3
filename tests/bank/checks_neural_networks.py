"""Checks for the code in questions/neural-networks.yaml answers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _check_initialization(ns: dict[str, Any]) -> None:
    final_std = ns["final_std"]
    small, he, large = final_std(1.0), final_std(2 ** 0.5), final_std(2.0)
    assert small < 1e-4, small
    assert 0.1 < he < 10, he
    assert large > 1e4, large


def _check_word2vec(ns: dict[str, Any]) -> None:
    sgns_step, sigmoid = ns["sgns_step"], ns["sigmoid"]
    rng = np.random.default_rng(1)
    w_in = (rng.random((10, 8)) - 0.5) / 8
    w_out = np.zeros((10, 8))
    # with zero output vectors every score is sigmoid(0) = 0.5
    loss = sgns_step(w_in, w_out, center=1, context=2, negatives=[5, 7])
    assert math.isclose(loss, 3 * math.log(2), rel_tol=1e-9)

    # compare the update with a numerical gradient of the loss
    w_in = rng.standard_normal((6, 4)) * 0.3
    w_out = rng.standard_normal((6, 4)) * 0.3

    def loss_of(wi: np.ndarray, wo: np.ndarray) -> float:
        v = wi[0]
        return float(-np.log(sigmoid(wo[1] @ v)) - np.log(sigmoid(-wo[3] @ v))
                     - np.log(sigmoid(-wo[3] @ v)))

    eps, lr = 1e-6, 1e-3
    grad_in = np.zeros(4)
    for j in range(4):
        plus, minus = w_in.copy(), w_in.copy()
        plus[0, j] += eps
        minus[0, j] -= eps
        grad_in[j] = (loss_of(plus, w_out) - loss_of(minus, w_out)) / (2 * eps)
    grad_out3 = np.zeros(4)
    for j in range(4):
        plus, minus = w_out.copy(), w_out.copy()
        plus[3, j] += eps
        minus[3, j] -= eps
        grad_out3[j] = (loss_of(w_in, plus) - loss_of(w_in, minus)) / (2 * eps)
    before_in, before_out = w_in.copy(), w_out.copy()
    ref = loss_of(w_in, w_out)
    got = sgns_step(w_in, w_out, center=0, context=1, negatives=[3, 3], lr=lr)
    assert math.isclose(got, ref, rel_tol=1e-9)
    assert np.allclose(before_in[0] - w_in[0], lr * grad_in, atol=1e-8)
    # the repeated negative id 3 must receive both updates
    assert np.allclose(before_out[3] - w_out[3], lr * grad_out3, atol=1e-8)

    # training on one pair repeatedly makes the true pair more likely
    w_in = (rng.random((10, 8)) - 0.5) / 8
    w_out = np.zeros((10, 8))
    losses = [sgns_step(w_in, w_out, 1, 2, [5, 7], lr=0.1) for _ in range(50)]
    assert losses[-1] < losses[0]
    assert sigmoid(w_out[2] @ w_in[1]) > 0.5 > sigmoid(w_out[5] @ w_in[1])


CHECKS = {
    "nn-initialization-schemes": _check_initialization,
    "nn-word2vec-training": _check_word2vec,
}
