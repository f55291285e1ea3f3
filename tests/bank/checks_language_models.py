"""Checks for the code in questions/language-models.yaml answers."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np


def _check_ngram(ns: dict[str, Any]) -> None:
    train_bigram, bigram_prob = ns["train_bigram"], ns["bigram_prob"]
    hist, bi, vocab = train_bigram(["the cat sat", "the dog sat"])
    assert vocab == {"the", "cat", "dog", "sat", "</s>"}
    assert bigram_prob("the", "cat", hist, bi, vocab, k=0) == 0.5
    assert bigram_prob("<s>", "the", hist, bi, vocab, k=0) == 1.0
    assert bigram_prob("sat", "</s>", hist, bi, vocab, k=0) == 1.0
    assert bigram_prob("cat", "dog", hist, bi, vocab, k=0) == 0.0
    assert math.isclose(bigram_prob("cat", "dog", hist, bi, vocab), 1 / 6)
    # smoothed distributions over the possible next words sum to one
    for prev in ["<s>", "the", "cat", "dog", "sat"]:
        for k in (0.5, 1.0):
            total = sum(bigram_prob(prev, w, hist, bi, vocab, k=k) for w in vocab)
            assert math.isclose(total, 1.0), (prev, k, total)


def _joint(path: tuple[int, ...], pi: np.ndarray, A: np.ndarray, B: np.ndarray,
           obs: list[int]) -> float:
    """Brute-force joint probability P(states, observations) of one state path."""
    p = pi[path[0]] * B[path[0], obs[0]]
    for i in range(1, len(obs)):
        p *= A[path[i - 1], path[i]] * B[path[i], obs[i]]
    return float(p)


def _check_viterbi(ns: dict[str, Any]) -> None:
    viterbi = ns["viterbi"]
    pi = np.array([0.8, 0.2])
    A = np.array([[0.3, 0.7], [0.8, 0.2]])
    B = np.array([[0.6, 0.4], [0.5, 0.5]])
    assert viterbi([0, 1], pi, A, B) == [0, 1]

    rng = np.random.default_rng(0)
    for _ in range(20):
        n, m, t = 3, 4, 5
        pi = rng.dirichlet(np.ones(n))
        A = rng.dirichlet(np.ones(n), size=n)
        B = rng.dirichlet(np.ones(m), size=n)
        obs = list(rng.integers(0, m, size=t))

        scores = {path: _joint(path, pi, A, B, obs)
                  for path in itertools.product(range(n), repeat=t)}
        got = viterbi(obs, pi, A, B)
        assert math.isclose(scores[tuple(got)], max(scores.values()), rel_tol=1e-9), got


CHECKS = {
    "lm-ngram-models": _check_ngram,
    "lm-hidden-markov-models": _check_viterbi,
}
