"""Checks for the numpy snippets in questions/math.yaml."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _num_grad(f: Any, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of the scalar function f at x."""
    g = np.zeros_like(x)
    for idx in np.ndindex(*x.shape):
        old = x[idx]
        x[idx] = old + eps
        hi = f(x)
        x[idx] = old - eps
        lo = f(x)
        x[idx] = old
        g[idx] = (hi - lo) / (2 * eps)
    return g


def _check_softmax(ns: dict[str, Any]) -> None:
    sm = ns["masked_softmax"]
    p = sm([2.0, 1.0, 0.0])
    assert np.allclose(p, [0.66524096, 0.24472847, 0.09003057])
    rng = np.random.default_rng(0)
    s = rng.standard_normal((4, 6))
    p = sm(s)
    assert np.allclose(p.sum(axis=-1), 1.0) and (p > 0).all()
    assert np.allclose(sm(s + 123.0), p)  # shift invariance
    big = sm([1000.0, 1000.0])  # no overflow
    assert np.allclose(big, [0.5, 0.5])
    causal = np.tril(np.ones((4, 4), dtype=bool))
    pc = sm(s[:, :4], causal)
    assert np.allclose(np.triu(pc, k=1), 0.0)
    assert np.allclose(pc.sum(axis=-1), 1.0)
    assert np.isclose(pc[0, 0], 1.0)


def _check_dot_product(ns: dict[str, Any]) -> None:
    f = ns["score_std"]
    for d_k in (16, 128):
        raw, scaled = f(d_k)
        assert abs(raw / math.sqrt(d_k) - 1.0) < 0.05, (d_k, raw)
        assert abs(scaled - 1.0) < 0.05, (d_k, scaled)


def _loop_attention(Q: np.ndarray, K: np.ndarray, V: np.ndarray, causal: bool) -> np.ndarray:
    out = np.zeros((Q.shape[0], V.shape[1]))
    for i in range(Q.shape[0]):
        js = range(i + 1) if causal else range(K.shape[0])
        s = np.array([Q[i] @ K[j] / math.sqrt(Q.shape[1]) for j in js])
        w = np.exp(s - s.max())
        w /= w.sum()
        out[i] = sum(wj * V[j] for wj, j in zip(w, js, strict=True))
    return out


def _check_attention(ns: dict[str, Any]) -> None:
    attn = ns["attention"]
    rng = np.random.default_rng(1)
    Q, K, V = rng.standard_normal((5, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    for causal in (False, True):
        out, w = attn(Q, K, V, causal=causal)
        assert out.shape == (5, 3) and w.shape == (5, 5)
        assert np.allclose(w.sum(axis=-1), 1.0)
        assert np.allclose(out, _loop_attention(Q, K, V, causal))
    out, w = attn(Q, K, V, causal=True)
    assert np.allclose(out[0], V[0])
    assert np.allclose(np.triu(w, k=1), 0.0)
    # worked example from the answer
    _, w = attn(np.array([[1.0, 0.0]]), np.eye(2), np.eye(2))
    assert np.allclose(w[0], [0.67, 0.33], atol=0.005)


def _check_positional(ns: dict[str, Any]) -> None:
    pe_fn = ns["sinusoidal_pe"]
    d = 16
    pe = pe_fn(50, d)
    assert pe.shape == (50, d)
    assert np.allclose(pe[0, 0::2], 0.0) and np.allclose(pe[0, 1::2], 1.0)
    assert np.abs(pe).max() <= 1.0 + 1e-12
    assert len({tuple(np.round(r, 9)) for r in pe}) == 50  # distinct codes
    omega = 10000.0 ** (-2 * np.arange(d // 2) / d)
    k = 7
    for p in (0, 3, 20):
        for i in range(d // 2):
            a = k * omega[i]
            R = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
            assert np.allclose(R @ pe[p, 2 * i:2 * i + 2], pe[p + k, 2 * i:2 * i + 2])
    # dot products depend only on the distance
    assert np.isclose(pe[2] @ pe[9], pe[30] @ pe[37])
    assert np.isclose(pe[5] @ pe[12], np.cos(omega * 7).sum())


def _check_dropout(ns: dict[str, Any]) -> None:
    drop, back = ns["inverted_dropout"], ns["dropout_backward"]
    rng = np.random.default_rng(0)
    h = np.ones(200_000)
    out, mask = drop(h, 0.1, rng)
    assert abs((out == 0).mean() - 0.1) < 0.005
    assert abs(out.mean() - 1.0) < 0.01
    assert np.allclose(out[mask], 1.0 / 0.9)
    x = np.arange(6.0)
    same, m = drop(x, 0.5, rng, training=False)
    assert np.array_equal(same, x) and m.all()
    same, _ = drop(x, 0.0, rng)
    assert np.array_equal(same, x)
    _, mask = drop(x, 0.5, rng)
    g = back(np.ones(6), mask, 0.5)
    assert np.allclose(g, mask * 2.0)


def _check_attention_backward(ns: dict[str, Any]) -> None:
    f = ns["attention_backward"]
    rng = np.random.default_rng(2)
    Q, K, V = rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    G = rng.standard_normal((4, 2))
    out, dQ, dK, dV = f(Q, K, V, G)
    assert out.shape == (4, 2) and dQ.shape == Q.shape and dK.shape == K.shape and dV.shape == V.shape

    def loss(Qx: np.ndarray, Kx: np.ndarray, Vx: np.ndarray) -> float:
        return float((f(Qx, Kx, Vx, G)[0] * G).sum())

    assert np.allclose(dQ, _num_grad(lambda x: loss(x, K, V), Q.copy()), atol=1e-6)
    assert np.allclose(dK, _num_grad(lambda x: loss(Q, x, V), K.copy()), atol=1e-6)
    assert np.allclose(dV, _num_grad(lambda x: loss(Q, K, x), V.copy()), atol=1e-6)


def _check_embedding(ns: dict[str, Any]) -> None:
    f = ns["embedding_backward"]
    rng = np.random.default_rng(3)
    ids = np.array([2, 5, 2, 0, 2])
    gx = rng.standard_normal((5, 4))
    gE = f(ids, gx, 7)
    onehot = np.eye(7)[ids]
    assert gE.shape == (7, 4)
    assert np.allclose(gE, onehot.T @ gx)
    assert np.allclose(gE[2], gx[0] + gx[2] + gx[4])
    assert np.allclose(gE[[1, 3, 4, 6]], 0.0)


def _check_cross_entropy(ns: dict[str, Any]) -> None:
    f = ns["cross_entropy"]
    V = 1000
    loss, grad = f(np.zeros((3, V)), np.array([0, 5, 999]))
    assert np.isclose(loss, math.log(V))
    assert np.isclose(math.log(128_000), 11.76, atol=0.005)
    logits = np.log(np.array([[0.25, 0.25, 0.5]]))
    loss, _ = f(logits, np.array([0]))
    assert np.isclose(loss, math.log(4))
    rng = np.random.default_rng(4)
    z = rng.standard_normal((3, 5)) * 3
    t = np.array([1, 4, 0])
    loss, grad = f(z, t)
    assert np.allclose(grad.sum(axis=-1), 0.0)
    assert np.allclose(grad, _num_grad(lambda x: f(x, t)[0], z.copy()), atol=1e-6)
    loss, _ = f(np.array([[1000.0, -1000.0]]), np.array([1]))  # stable, no inf/nan
    assert np.isclose(loss, 2000.0)


def _check_jacobian(ns: dict[str, Any]) -> None:
    sm, jac, vjp = ns["softmax"], ns["softmax_jacobian"], ns["softmax_vjp"]
    rng = np.random.default_rng(5)
    x = rng.standard_normal(6)
    J = jac(x)
    num = np.stack([_num_grad(lambda v, i=i: sm(v)[i], x.copy()) for i in range(6)])
    assert np.allclose(J, num, atol=1e-6)
    assert np.allclose(J, J.T) and np.allclose(J.sum(axis=1), 0.0)
    g = rng.standard_normal(6)
    assert np.allclose(vjp(x, g), g @ J)


def _check_pca(ns: dict[str, Any]) -> None:
    pca = ns["pca"]
    rng = np.random.default_rng(6)
    n = 5000
    Z = rng.standard_normal((n, 3)) * np.array([5.0, 1.0, 0.1])
    theta = 0.6
    R = np.array([[math.cos(theta), -math.sin(theta), 0.0],
                  [math.sin(theta), math.cos(theta), 0.0],
                  [0.0, 0.0, 1.0]])
    X = Z @ R.T + np.array([10.0, -3.0, 2.0])
    proj, comps, ratio = pca(X, 1)
    assert proj.shape == (n, 1) and comps.shape == (3, 1)
    assert abs(abs(comps[:, 0] @ R[:, 0]) - 1.0) < 1e-3  # recovers the stretched axis
    assert abs(ratio - 25.0 / 26.01) < 0.01
    _, comps2, ratio2 = pca(X, 2)
    assert np.allclose(comps2.T @ comps2, np.eye(2))
    assert ratio2 > 0.999
    Xc = X - X.mean(axis=0)
    s = np.linalg.svd(Xc, compute_uv=False)
    assert np.isclose(proj[:, 0].var(ddof=1), s[0] ** 2 / (n - 1))


def _check_kl(ns: dict[str, Any]) -> None:
    kl = ns["kl_divergence"]
    assert abs(kl([0.5, 0.5], [0.9, 0.1]) - 0.5108) < 1e-4
    assert abs(kl([0.9, 0.1], [0.5, 0.5]) - 0.3681) < 1e-4
    assert kl([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0
    assert kl([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert np.isclose(kl([1.0, 0.0], [0.5, 0.5]), math.log(2))
    p, q = np.array([0.1, 0.6, 0.3]), np.array([0.3, 0.3, 0.4])
    ce = -(p * np.log(q)).sum()
    h = -(p * np.log(p)).sum()
    assert np.isclose(ce, h + kl(p, q))


CHECKS = {
    "math-softmax-in-attention": _check_softmax,
    "math-dot-product-in-self-attention": _check_dot_product,
    "math-attention-score-calculation": _check_attention,
    "math-positional-encoding-math": _check_positional,
    "math-dropout": _check_dropout,
    "math-gradients-through-attention": _check_attention_backward,
    "math-embedding-gradients": _check_embedding,
    "math-cross-entropy-language-modeling": _check_cross_entropy,
    "math-jacobian-in-backprop": _check_jacobian,
    "math-eigenvalues-pca": _check_pca,
    "math-kl-divergence": _check_kl,
}
