"""Correctness checks for the runnable answers of questions/challenges.yaml."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Namespace = dict[str, Any]


def _quantize_nf4(w: np.ndarray, nf4: np.ndarray, blocksize: int = 64, blocksize2: int = 256):
    """A bitsandbytes-style NF4 quantizer with double quantization, for testing only."""
    flat = w.reshape(-1).astype(np.float32)
    blocks = flat.reshape(-1, blocksize)
    absmax = np.abs(blocks).max(axis=1)
    codes = np.abs(blocks[..., None] / absmax[:, None, None] - nf4).argmin(-1).reshape(-1)
    packed = ((codes[0::2] << 4) | codes[1::2]).astype(np.uint8)  # first element: high nibble
    offset = np.float32(absmax.mean())
    centered = absmax - offset
    code2 = np.linspace(-1, 1, 256).astype(np.float32)  # stand-in for the dynamic map
    groups = np.pad(centered, (0, (-centered.size) % blocksize2)).reshape(-1, blocksize2)
    absmax2 = np.abs(groups).max(axis=1).astype(np.float32)
    scaled = centered / np.repeat(absmax2, blocksize2)[:centered.size]
    absmax_q = np.abs(scaled[:, None] - code2).argmin(-1).astype(np.uint8)
    return packed, absmax_q, code2, absmax2, offset, codes


def _check_nf4(ns: Namespace) -> None:
    deq, nf4 = ns["dequantize_nf4"], ns["NF4"]
    assert nf4.shape == (16,) and nf4[0] == -1.0 and nf4[7] == 0.0 and nf4[15] == 1.0
    assert np.all(np.diff(nf4) > 0)
    # nibble order: byte 0x0F -> [code 0, code 15] = [-scale, +scale]
    one = deq(np.array([0x0F] * 32, dtype=np.uint8), np.array([255], dtype=np.uint8),
              np.linspace(-1, 1, 256).astype(np.float32), np.array([2.0], dtype=np.float32),
              np.float32(1.0), (64,), dtype=np.float32)
    assert np.allclose(one[0::2], -3.0) and np.allclose(one[1::2], 3.0)
    rng = np.random.default_rng(0)
    shape = (128, 320)  # 40960 weights = 640 blocks of 64 = 2.5 groups of 256 absmax values
    w = rng.normal(0, 0.02, size=shape).astype(np.float32)
    packed, absmax_q, code2, absmax2, offset, codes = _quantize_nf4(w, nf4)
    out = deq(packed, absmax_q, code2, absmax2, offset, shape)
    assert out.shape == shape and out.dtype == np.float16
    # exact reconstruction from the independently computed pieces
    absmax_rec = code2[absmax_q] * np.repeat(absmax2, 256)[:absmax_q.size] + offset
    expected = (nf4[codes] * np.repeat(absmax_rec, 64)).reshape(shape)
    assert np.allclose(out.astype(np.float32), expected, rtol=1e-3, atol=1e-6)
    # close to the original weights: 4-bit error is bounded by the block scale
    err = np.abs(out.astype(np.float32) - w).reshape(-1, 64).max(axis=1)
    scale = np.abs(w).reshape(-1, 64).max(axis=1)
    assert np.all(err <= 0.2 * scale + 1e-4)
    assert np.corrcoef(out.reshape(-1).astype(np.float32), w.reshape(-1))[0, 1] > 0.98
    out32 = deq(packed, absmax_q, code2, absmax2, offset, shape, dtype=np.float32)
    assert out32.dtype == np.float32


def _full_reference(h: np.ndarray, w: np.ndarray, y: np.ndarray):
    z = h @ w
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    n = len(y)
    loss = -logp[np.arange(n), y].mean()
    g = np.exp(logp)
    g[np.arange(n), y] -= 1.0
    g /= n
    return loss, g @ w.T, h.T @ g


def _check_chunked_ce(ns: Namespace) -> None:
    f = ns["chunked_linear_cross_entropy"]
    rng = np.random.default_rng(0)
    n, d, v = 37, 8, 50
    h = rng.normal(size=(n, d))
    w = rng.normal(size=(d, v)) / np.sqrt(d)
    y = rng.integers(0, v, size=n)
    ref_loss, ref_dh, ref_dw = _full_reference(h, w, y)
    for chunk in (1, 5, 16, 37, 100):
        loss, dh, dw = f(h, w, y, chunk=chunk)
        assert math.isclose(loss, ref_loss, rel_tol=1e-10)
        assert np.allclose(dh, ref_dh) and np.allclose(dw, ref_dw)
    # finite-difference check of the gradients
    eps = 1e-6
    for i, j in [(0, 0), (5, 3), (36, 7)]:
        hp, hm = h.copy(), h.copy()
        hp[i, j] += eps
        hm[i, j] -= eps
        num = (f(hp, w, y)[0] - f(hm, w, y)[0]) / (2 * eps)
        assert math.isclose(num, ref_dh[i, j], rel_tol=1e-4, abs_tol=1e-8)
    for i, j in [(0, 0), (7, 49), (3, int(y[0]))]:
        wp, wm = w.copy(), w.copy()
        wp[i, j] += eps
        wm[i, j] -= eps
        num = (f(h, wp, y)[0] - f(h, wm, y)[0]) / (2 * eps)
        assert math.isclose(num, ref_dw[i, j], rel_tol=1e-4, abs_tol=1e-8)
    # uniform logits: loss = log V
    loss, _, _ = f(np.zeros((4, d)), w, y[:4], chunk=3)
    assert math.isclose(loss, math.log(v), rel_tol=1e-12)
    # large logits stay finite
    loss, dh, _ = f(h * 1e3, w, y, chunk=8)
    assert math.isfinite(loss) and np.all(np.isfinite(dh))


CHECKS = {
    "challenge-nf4-dequantization-triton": _check_nf4,
    "challenge-memory-efficient-backprop": _check_chunked_ce,
}
