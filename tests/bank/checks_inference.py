"""Checks for the runnable code in questions/inference.yaml."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _check_inference_temperature(ns: dict[str, Any]) -> None:
    f, entropy = ns["softmax_with_temperature"], ns["entropy"]
    logits = [2.0, 1.0, 0.5, -1.0]
    p1 = f(logits, 1.0)
    e = np.exp(np.array(logits))
    assert np.allclose(p1, e / e.sum())
    cold, hot = f(logits, 0.2), f(logits, 5.0)
    for p in (cold, hot):
        assert math.isclose(p.sum(), 1.0)
        assert list(np.argsort(p)) == list(np.argsort(p1))     # ranking unchanged
    assert cold[0] > p1[0] > hot[0]
    assert entropy(cold) < entropy(p1) < entropy(hot) < math.log(4) + 1e-9
    assert f([1000.0, 0.0], 0.01)[0] == 1.0                      # no overflow, greedy limit


def _check_inference_stopping_criteria(ns: dict[str, Any]) -> None:
    f = ns["stream_with_stops"]
    parts = list(f(["Hel", "lo\nUs", "er: hi"], ["\nUser:"]))
    assert "".join(parts) == "Hello"
    for p in parts:                                  # nothing of the stop string leaked
        assert "\n" not in p
    assert "".join(f(["abc", "def"], ["###"])) == "abcdef"
    assert "".join(f(["ab#", "#", "#cd"], ["###"])) == "ab"
    assert "".join(f(["###x"], ["###"])) == ""
    assert "".join(f(["a", "b", "STOP", "c"], ["END", "STOP"])) == "ab"
    # a character-by-character stream never emits a prefix of the stop string early
    emitted = "".join(f(list("answer: 42\n###\nmore"), ["\n###"]))
    assert emitted == "answer: 42"


def _check_inference_top_k_vs_top_p(ns: dict[str, Any]) -> None:
    top_k, top_p = ns["top_k_filter"], ns["top_p_filter"]
    probs = [0.5, 0.3, 0.1, 0.05, 0.05]
    assert np.allclose(top_k(probs, 2), [0.625, 0.375, 0, 0, 0])
    assert np.count_nonzero(top_p(probs, 0.85)) == 3
    assert np.allclose(top_p(probs, 0.85), np.array([0.5, 0.3, 0.1, 0, 0]) / 0.9)
    assert np.count_nonzero(top_p(probs, 0.5)) == 1
    assert np.count_nonzero(top_p(probs, 0.51)) == 2
    assert np.allclose(top_p(probs, 1.0), probs)
    shuffled = [0.05, 0.3, 0.05, 0.5, 0.1]
    assert np.allclose(top_k(shuffled, 1), [0, 0, 0, 1, 0])
    assert np.count_nonzero(top_p([0.95, 0.03, 0.02], 0.9)) == 1     # adapts when confident
    assert np.count_nonzero(top_p([0.25] * 4, 0.9)) == 4             # widens when flat


def _check_inference_speculative_decoding(ns: dict[str, Any]) -> None:
    exp_tokens, emitted = ns["expected_tokens_per_pass"], ns["emitted_distribution"]
    assert math.isclose(exp_tokens(0.8, 4), 3.3616, rel_tol=1e-9)
    assert exp_tokens(0.0, 4) == 1
    assert exp_tokens(1, 4) == 5
    rng = np.random.default_rng(0)
    for _ in range(20):
        p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
        assert np.allclose(emitted(p, q), p)
    p = np.array([0.6, 0.3, 0.1])
    assert np.allclose(emitted(p, p), p)


def _check_inference_kv_cache_size(ns: dict[str, Any]) -> None:
    f = ns["kv_cache_bytes"]
    assert f(32, 8, 128, 1) == 128 * 1024
    assert f(32, 8, 128, 8192) == 2**30
    assert f(32, 8, 128, 8192, batch=32) == 32 * 2**30
    assert f(32, 32, 128, 8192) == 4 * 2**30                     # no GQA
    assert f(80, 8, 128, 1) == 320 * 1024                        # Llama-3-70B
    assert f(80, 8, 128, 131072) == 40 * 2**30
    assert f(32, 8, 128, 8192, bytes_per_elem=1) == 2**29        # FP8 halves it


def _check_inference_kv_cache_implementation(ns: dict[str, Any]) -> None:
    cache_cls, step, full = ns["KVCache"], ns["decode_step"], ns["full_causal_attention"]
    rng = np.random.default_rng(0)
    d, t = 8, 6
    X = rng.normal(size=(t, d))
    Wq, Wk, Wv = (rng.normal(size=(d, d)) for _ in range(3))
    cache = cache_cls(max_len=16, d=d)
    incremental = np.stack([step(X[i], Wq, Wk, Wv, cache) for i in range(t)])
    assert cache.n == t
    assert np.allclose(incremental, full(X, Wq, Wk, Wv))
    assert np.allclose(full(X[:1], Wq, Wk, Wv), X[:1] @ Wv)      # first token attends to itself


def _check_inference_continuous_batching(ns: dict[str, Any]) -> None:
    static, cont = ns["static_steps"], ns["continuous_steps"]
    assert static([100, 10, 100, 10], 2) == 200
    assert cont([100, 10, 100, 10], 2) == 110
    assert static([5, 5, 5], 4) == 5 and cont([5, 5, 5], 4) == 5
    assert cont([3, 3, 3], 1) == 9 == static([3, 3, 3], 1)
    lengths = [50, 7, 33, 2, 90, 12, 12, 60]
    for slots in (1, 2, 3, 4):
        assert cont(lengths, slots) <= static(lengths, slots)
        assert cont(lengths, slots) >= max(lengths)


def _check_inference_constrained_decoding(ns: dict[str, Any]) -> None:
    allowed, decode, eos = ns["allowed_tokens"], ns["constrained_greedy"], ns["EOS"]
    vocab = [eos, "pos", "neg", "neu", "itive", "ative", "tral", "x", "!", "no", "ne"]
    choices = ["positive", "negative", "neutral", "no", "none"]
    idx = {t: i for i, t in enumerate(vocab)}
    assert set(allowed("", vocab, choices)) == {idx["pos"], idx["neg"], idx["neu"], idx["no"]}
    assert set(allowed("no", vocab, choices)) == {idx["ne"], idx[eos]}
    assert set(allowed("neu", vocab, choices)) == {idx["tral"]}

    def prefers(order):
        def logits_fn(_prefix: str) -> list[float]:
            return [float(len(order) - order.index(t)) if t in order else 0.0 for t in vocab]
        return logits_fn

    # the unconstrained favourites ("x", "!") are invalid; output must still be a choice
    assert decode(prefers(["x", "!", "neg", "ative", eos]), vocab, choices) == "negative"
    assert decode(prefers(["x", eos, "no", "ne"]), vocab, choices) == "no"
    assert decode(prefers(["x", "ne", "no", eos]), vocab, choices) == "none"
    for order in (["x"], ["!", "tral", "neu"], [eos]):
        assert decode(prefers(order), vocab, choices) in choices


CHECKS = {
    "inference-temperature": _check_inference_temperature,
    "inference-stopping-criteria": _check_inference_stopping_criteria,
    "inference-top-k-vs-top-p": _check_inference_top_k_vs_top_p,
    "inference-speculative-decoding": _check_inference_speculative_decoding,
    "inference-kv-cache-size": _check_inference_kv_cache_size,
    "inference-kv-cache-implementation": _check_inference_kv_cache_implementation,
    "inference-continuous-batching": _check_inference_continuous_batching,
    "inference-constrained-decoding": _check_inference_constrained_decoding,
}
