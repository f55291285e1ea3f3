"""Checks for the runnable code in questions/research.yaml."""

from __future__ import annotations

from math import comb
from typing import Any

import numpy as np


def _check_flashattention(ns: dict[str, Any]) -> None:
    naive, tiled = ns["naive_attention"], ns["tiled_attention"]
    rng = np.random.default_rng(7)
    q, k, v = rng.normal(size=(5, 4)), rng.normal(size=(13, 4)), rng.normal(size=(13, 3))
    # reference computed independently of the answer's naive version
    s = q @ k.T / 2.0
    w = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    assert np.allclose(naive(q, k, v), w @ v)
    for block in (1, 2, 5, 13, 64):           # block sizes that do and do not divide n
        assert np.allclose(tiled(q, k, v, block=block), w @ v)
    # large logits must not overflow thanks to the running max
    big = tiled(q * 100, k * 100, v, block=4)
    assert np.all(np.isfinite(big)) and np.allclose(big, naive(q * 100, k * 100, v))


def _check_quantization(ns: dict[str, Any]) -> None:
    fake_quant, smooth, err = ns["fake_quant"], ns["smooth"], ns["w8a8_error"]
    x = np.array([-1.0, 0.5, 0.25, 1.0])
    assert np.allclose(fake_quant(x, bits=8), np.round(x * 127) / 127)
    assert np.allclose(fake_quant(np.array([-3.0, 1.4, 3.0]), bits=2), [-3.0, 0.0, 3.0])
    rng = np.random.default_rng(3)
    a = rng.normal(size=(32, 8))
    a[:, 1] *= 80
    w = rng.normal(size=(8, 6))
    a_s, w_s = smooth(a, w, alpha=0.5)
    assert np.allclose(a_s @ w_s, a @ w)
    # with alpha=0.5 the per-channel maxima of activations and weights are equalised
    assert np.allclose(np.abs(a_s).max(axis=0), np.abs(w_s).max(axis=1))
    assert err(a_s, w_s) < err(a, w) / 2


def _check_pass_at_k(ns: dict[str, Any]) -> None:
    f = ns["pass_at_k"]
    assert f(10, 0, 1) == 0.0
    assert f(10, 10, 5) == 1.0
    assert f(4, 2, 3) == 1.0                   # fewer than k failures: some draw must pass
    for n, c, k in [(10, 3, 1), (5, 2, 2), (200, 20, 10), (50, 7, 5)]:
        assert abs(f(n, c, k) - (1 - comb(n - c, k) / comb(n, k))) < 1e-12


CHECKS = {
    "research-flashattention-and-efficiency": _check_flashattention,
    "research-quantization-developments": _check_quantization,
    "research-tool-use-and-code-generation": _check_pass_at_k,
}
