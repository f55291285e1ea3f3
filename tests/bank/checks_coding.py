"""Correctness checks for the runnable answers of questions/coding.yaml."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Namespace = dict[str, Any]


def _check_bpe(ns: Namespace) -> None:
    train, encode, decode = ns["train_bpe"], ns["encode"], ns["decode"]
    # Sennrich et al.'s toy corpus: low x5, lower x2, newest x6, widest x3
    corpus = " ".join(["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3)
    merges = train(corpus, 10)
    assert merges[:3] == [("e", "s"), ("es", "t"), ("est", "</w>")], merges[:3]
    assert len(merges) == 10
    toks = encode("newest lowest", merges)
    assert "est</w>" in toks
    assert toks[-1] == "est</w>"
    # lossless round trip on seen and unseen words (whitespace normalized)
    for text in [corpus, "lowest widest newer", "xyz low"]:
        assert decode(encode(text, merges)) == " ".join(text.split())
    # no merges: characters plus the end-of-word marker
    assert encode("ab", []) == ["a", "b", "</w>"]
    # enough merges turn a frequent word into one token
    assert encode("newest", train(corpus, 50)) == ["newest</w>"]
    vocab = ns["build_vocab"](corpus, merges)
    assert len(set(vocab.values())) == len(vocab)
    assert all(t in vocab for t in encode(corpus, merges))
    # training stops when nothing is left to merge
    assert len(train("aa", 100)) == 2


def _check_bleu(ns: Namespace) -> None:
    bleu, corpus_bleu = ns["sentence_bleu"], ns["corpus_bleu"]
    s = "the quick brown fox jumps over the lazy dog".split()
    assert math.isclose(bleu(s, [s]), 1.0)
    assert bleu("a b c d".split(), ["e f g h".split()]) == 0.0
    # Papineni et al.: "the" x7 gets clipped unigram precision 2/7
    hyp = ["the"] * 7
    refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    assert math.isclose(bleu(hyp, refs, max_n=1), 2 / 7)
    # brevity penalty: exp(1 - 6/2) with perfect precisions
    assert math.isclose(bleu("the cat".split(), ["the cat is on the mat".split()], max_n=2),
                        math.exp(-2))
    # hand-computed 4-gram example: (5/6 * 3/5 * 2/4 * 1/3) ** (1/4)
    val = bleu("the cat sat on the mat".split(), ["the cat sat on a mat".split()])
    assert math.isclose(val, (1 / 12) ** 0.25)
    # a longer hypothesis has no brevity penalty
    assert math.isclose(bleu("a b c d e".split(), ["a b c d".split()], max_n=1), 4 / 5)
    # closest reference length is used
    assert math.isclose(bleu("a b".split(), ["a b".split(), "a b c d e f".split()], max_n=2), 1.0)
    # corpus BLEU pools counts: not the mean of sentence scores
    h1, r1 = "a b c d".split(), ["a b c d".split()]
    h2, r2 = "a b c d e f g h".split(), ["a b c d x f g h".split()]
    pooled = corpus_bleu([h1, h2], [r1, r2])
    mean = (bleu(h1, r1) + bleu(h2, r2)) / 2
    assert 0 < pooled < 1 and not math.isclose(pooled, mean)


def _check_sampling(ns: Namespace) -> None:
    sample, top_k, top_p = ns["sample"], ns["top_k_filter"], ns["top_p_filter"]
    rng = np.random.default_rng(123)
    logits = rng.normal(size=50) * 3
    top5 = set(np.argsort(-logits)[:5].tolist())
    draws = {sample(logits, rng, top_k=5) for _ in range(2000)}
    assert draws <= top5 and len(draws) >= 3
    assert int(np.isfinite(top_k(logits, 5)).sum()) == 5
    assert np.array_equal(top_k(logits, 0), logits)
    probs = np.array([0.5, 0.3, 0.15, 0.05])
    lg = np.log(probs)
    assert set(np.flatnonzero(np.isfinite(top_p(lg, 0.7)))) == {0, 1}
    assert set(np.flatnonzero(np.isfinite(top_p(lg, 0.9)))) == {0, 1, 2}
    assert set(np.flatnonzero(np.isfinite(top_p(lg, 0.01)))) == {0}
    got = {sample(lg, rng, top_p=0.7) for _ in range(1000)}
    assert got == {0, 1}
    assert {sample(lg, rng, top_p=0.9) for _ in range(2000)} == {0, 1, 2}
    assert sample(logits, rng, temperature=0) == int(np.argmax(logits))
    assert {sample(logits, rng, top_k=1) for _ in range(50)} == {int(np.argmax(logits))}
    # unfiltered sampling follows the distribution
    counts = np.bincount([sample(lg, rng) for _ in range(20000)], minlength=4) / 20000
    assert np.allclose(counts, probs, atol=0.02)
    # seeded generators reproduce the same draws
    a = [sample(logits, np.random.default_rng(7), top_p=0.9) for _ in range(3)]
    b = [sample(logits, np.random.default_rng(7), top_p=0.9) for _ in range(3)]
    assert a == b


def _toy_log_probs(prefix: tuple[int, ...]) -> np.ndarray:
    # vocab: 0 BOS, 1 A, 2 B, 3 EOS
    table = {
        (0,): [0.0, 0.55, 0.45, 0.0],
        (0, 1): [0.0, 0.4, 0.3, 0.3],
        (0, 2): [0.0, 0.05, 0.05, 0.9],
    }
    p = np.array(table.get(prefix, [0.0, 0.0, 0.0, 1.0])) + 1e-12
    return np.log(p / p.sum())


def _check_beam(ns: Namespace) -> None:
    beam = ns["beam_search"]
    seq, score = beam(_toy_log_probs, bos=0, eos=3, beam_width=2, max_len=5)
    assert seq == (0, 2, 3), seq
    assert math.isclose(score, math.log(0.45 * 0.9), rel_tol=1e-6)
    greedy, gscore = beam(_toy_log_probs, bos=0, eos=3, beam_width=1, max_len=5)
    assert greedy == (0, 1, 1, 3), greedy
    assert math.isclose(gscore, math.log(0.55 * 0.4), rel_tol=1e-6)
    # wider beams cannot do worse on this model
    seq4, score4 = beam(_toy_log_probs, bos=0, eos=3, beam_width=4, max_len=5)
    assert seq4 == (0, 2, 3) and score4 >= score - 1e-9

    # a model that never emits EOS: returns a max_len sequence
    def no_eos(prefix: tuple[int, ...]) -> np.ndarray:
        return np.log(np.array([1e-12, 0.7, 0.3 - 2e-12, 1e-12]))

    seq, _ = beam(no_eos, bos=0, eos=3, beam_width=2, max_len=4)
    assert seq == (0, 1, 1, 1, 1)

    # brute force over a random prefix-dependent model: a wide beam finds the optimum
    rng = np.random.default_rng(0)
    cache: dict[tuple[int, ...], np.ndarray] = {}

    def rand_model(prefix: tuple[int, ...]) -> np.ndarray:
        if prefix not in cache:
            x = rng.normal(size=3) * 2
            lp = x - np.log(np.exp(x).sum())
            cache[prefix] = np.concatenate([[-1e9], lp])  # BOS never generated
        return cache[prefix]

    max_len = 3
    best = -np.inf
    frontier = [((0,), 0.0)]
    for _ in range(max_len):
        nxt = []
        for seq, s in frontier:
            lp = rand_model(seq)
            for tok in (1, 2, 3):
                cand = (seq + (tok,), s + float(lp[tok]))
                if tok == 3:
                    best = max(best, cand[1])
                else:
                    nxt.append(cand)
        frontier = nxt
    best = max([best] + [s for _, s in frontier])
    _, s = beam(rand_model, bos=0, eos=3, beam_width=27, max_len=max_len)
    assert math.isclose(s, best, rel_tol=1e-9), (s, best)


def _check_rag(ns: Namespace) -> None:
    Retriever, build_prompt, chunk = ns["Retriever"], ns["build_prompt"], ns["chunk"]
    docs = [
        "To reset your password open settings, choose security and click reset password. "
        "A reset link is emailed to you.",
        "Our refund policy allows returns within 30 days of delivery for a full refund.",
        "The cafeteria serves lunch from noon until two pm on weekdays.",
        "Shipping to Canada takes five to seven business days with standard delivery.",
    ]
    r = Retriever(docs)
    hits = r.search("how do I reset my password", k=2)
    assert hits[0][1] == docs[0]
    assert hits[0][0] >= hits[1][0]
    assert r.search("refund within 30 days", k=1)[0][1] == docs[1]
    assert r.search("how long does shipping to Canada take", k=1)[0][1] == docs[3]
    score, text = r.search(docs[2], k=1)[0]
    assert text == docs[2] and math.isclose(score, 1.0, rel_tol=1e-9)
    all_scores = [s for s, _ in r.search("lunch", k=4)]
    assert all_scores == sorted(all_scores, reverse=True)
    assert all(-1e-9 <= s <= 1 + 1e-9 for s in all_scores)
    # chunking: overlapping windows cover every word
    words = [f"w{i}" for i in range(120)]
    chunks = chunk(" ".join(words), size=50, overlap=10)
    assert len(chunks) == 3
    assert chunks[0].split()[-10:] == chunks[1].split()[:10]
    covered = {w for c in chunks for w in c.split()}
    assert covered == set(words)
    assert chunk("short text", size=50, overlap=10) == ["short text"]
    prompt = build_prompt("How do I reset my password?", hits)
    assert "[1]" in prompt and "How do I reset my password?" in prompt and docs[0] in prompt


def _naive_causal_attention(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> np.ndarray:
    t, d = q.shape
    out = np.zeros_like(v)
    for i in range(t):
        s = np.array([q[i] @ k[j] / np.sqrt(d) for j in range(i + 1)])
        w = np.exp(s - s.max())
        w /= w.sum()
        out[i] = sum(w[j] * v[j] for j in range(i + 1))
    return out


def _check_attention(ns: Namespace) -> None:
    attention, mha = ns["attention"], ns["multi_head_attention"]
    rng = np.random.default_rng(0)
    t, d = 6, 8
    q, k, v = (rng.normal(size=(t, d)) for _ in range(3))
    out, w = attention(q, k, v, causal=True)
    assert np.allclose(w.sum(-1), 1.0)
    assert np.all(w[np.triu_indices(t, 1)] == 0.0)
    assert np.allclose(out[0], v[0])
    assert np.allclose(out, _naive_causal_attention(q, k, v))
    # future tokens do not influence the past
    k2, v2 = k.copy(), v.copy()
    k2[-1] += 5.0
    v2[-1] -= 3.0
    out2, _ = attention(q, k2, v2, causal=True)
    assert np.allclose(out2[:-1], out[:-1]) and not np.allclose(out2[-1], out[-1])
    # non-causal: plain softmax attention
    full, wf = attention(q, k, v, causal=False)
    s = q @ k.T / np.sqrt(d)
    ref = np.exp(s - s.max(-1, keepdims=True))
    ref /= ref.sum(-1, keepdims=True)
    assert np.allclose(wf, ref) and np.allclose(full, ref @ v)
    # fewer queries than keys: the last query sees everything
    o_last, w_last = attention(q[-1:], k, v, causal=True)
    assert np.allclose(o_last, out[-1:]) and np.all(w_last > 0)
    # large logits do not overflow
    big, wb = attention(q * 1e3, k * 1e3, v, causal=True)
    assert np.all(np.isfinite(big)) and np.allclose(wb.sum(-1), 1.0)
    # multi-head: shape, per-head causality, equivalence with manual heads
    x = rng.normal(size=(t, d))
    wq, wk, wv, wo = (rng.normal(size=(d, d)) / np.sqrt(d) for _ in range(4))
    y, wh = mha(x, wq, wk, wv, wo, n_heads=2)
    assert y.shape == (t, d) and wh.shape == (2, t, t)
    heads = []
    for h in range(2):
        sl = slice(h * 4, (h + 1) * 4)
        heads.append(_naive_causal_attention((x @ wq)[:, sl], (x @ wk)[:, sl], (x @ wv)[:, sl]))
    assert np.allclose(y, np.concatenate(heads, axis=1) @ wo)
    x2 = x.copy()
    x2[-1] += 1.0
    y2, _ = mha(x2, wq, wk, wv, wo, n_heads=2)
    assert np.allclose(y2[:-1], y[:-1])


def _check_grad_accum(ns: Namespace) -> None:
    full, accum, mse_grad, train = (ns["full_batch_grad"], ns["accumulated_grad"],
                                    ns["mse_grad"], ns["train"])
    rng = np.random.default_rng(0)
    n, d = 32, 5
    x = rng.normal(size=(n, d))
    true_w, true_b = rng.normal(size=d), 0.7
    y = x @ true_w + true_b + 0.01 * rng.normal(size=n)
    w, b = rng.normal(size=d), -0.3
    gw, gb = full(w, b, x, y)
    # numerical gradient check of the full-batch gradient
    eps = 1e-6
    loss = lambda w_, b_: float(np.mean((x @ w_ + b_ - y) ** 2))  # noqa: E731
    num = np.array([(loss(w + eps * e, b) - loss(w - eps * e, b)) / (2 * eps) for e in np.eye(d)])
    assert np.allclose(gw, num, atol=1e-5)
    assert math.isclose(gb, (loss(w, b + eps) - loss(w, b - eps)) / (2 * eps), abs_tol=1e-5)
    idx = np.arange(n)
    for parts in (np.split(idx, 4), [idx[:3], idx[3:20], idx[20:]], [idx]):
        aw, ab = accum(w, b, x, y, parts)
        assert np.allclose(aw, gw) and math.isclose(ab, gb, rel_tol=1e-9, abs_tol=1e-12)
    # the pitfall: averaging per-micro-batch means with unequal sizes is NOT the full gradient
    parts = [idx[:3], idx[3:]]
    naive = sum(mse_grad(w, b, x[p], y[p], len(p))[0] for p in parts) / len(parts)
    assert not np.allclose(naive, gw)
    # training with accumulation equals training with the big batch, and fits the data
    w1, b1 = train(x, y, micro=8, accum=4, steps=300)
    w2, b2 = train(x, y, micro=32, accum=1, steps=300)
    assert np.allclose(w1, w2) and math.isclose(b1, b2, rel_tol=1e-9, abs_tol=1e-12)
    assert np.allclose(w1, true_w, atol=0.05) and abs(b1 - true_b) < 0.05


def _check_kv_cache(ns: Namespace) -> None:
    attend, decode, KVCache = ns["attend"], ns["decode_incrementally"], ns["KVCache"]
    rng = np.random.default_rng(1)
    t, d, h = 7, 12, 3
    x = rng.normal(size=(t, d))
    params = tuple(rng.normal(size=(d, d)) / np.sqrt(d) for _ in range(4))
    full = attend(x, params, h)
    assert full.shape == (t, d)
    for prefill in (1, 3, t):
        assert np.allclose(decode(x, params, h, prefill=prefill), full)
    # cache grows one step at a time
    cache = KVCache(t, h, d // h)
    for i in range(t):
        attend(x[i:i + 1], params, h, cache)
        assert cache.len == i + 1
    wk = params[1]
    assert np.allclose(cache.k[:t], (x @ wk).reshape(t, h, d // h))
    # causality of the full pass: last token's change leaves the rest alone
    x2 = x.copy()
    x2[-1] += 1.0
    assert np.allclose(attend(x2, params, h)[:-1], full[:-1])
    # the first position attends only to itself: output = v0 @ wo
    wv, wo = params[2], params[3]
    assert np.allclose(full[0], (x[0] @ wv) @ wo)


def _check_decoder_block(ns: Namespace) -> None:
    block, init, ln = ns["decoder_block"], ns["init_params"], ns["layer_norm"]
    rng = np.random.default_rng(0)
    t, d, h = 5, 16, 4
    p = init(d, n_layers=2, seed=0)
    x = rng.normal(size=(t, d))
    y = block(x, p, h)
    assert y.shape == (t, d) and np.all(np.isfinite(y))
    assert not np.allclose(y, x)
    # causality
    x2 = x.copy()
    x2[-1] += 3.0
    y2 = block(x2, p, h)
    assert np.allclose(y2[:-1], y[:-1]) and not np.allclose(y2[-1], y[-1])
    # zero output projections: the block is the identity (pure residual path)
    z = dict(p)
    for key in ("w_o", "b_o", "w_down", "b_down"):
        z[key] = np.zeros_like(p[key])
    assert np.allclose(block(x, z, h), x)
    # layer norm normalizes each row
    n = ln(x * 10 + 3, np.ones(d), np.zeros(d))
    assert np.allclose(n.mean(-1), 0, atol=1e-9) and np.allclose(n.std(-1), 1, atol=1e-3)
    # deterministic init, GPT-2 style residual scaling
    assert np.array_equal(init(d, seed=1)["w_qkv"], init(d, seed=1)["w_qkv"])
    big = init(64, n_layers=8, seed=0)
    assert big["w_o"].std() < big["w_qkv"].std() / 3
    # reference: attention output with heads computed one by one
    hd = d // h
    a_in = ln(x, p["ln1_g"], p["ln1_b"])
    qkv = a_in @ p["w_qkv"] + p["b_qkv"]
    outs = []
    for i in range(h):
        q = qkv[:, i * hd:(i + 1) * hd]
        k = qkv[:, d + i * hd:d + (i + 1) * hd]
        v = qkv[:, 2 * d + i * hd:2 * d + (i + 1) * hd]
        outs.append(_naive_causal_attention(q, k, v))
    x_mid = x + np.concatenate(outs, axis=1) @ p["w_o"] + p["b_o"]
    hid = ln(x_mid, p["ln2_g"], p["ln2_b"]) @ p["w_up"] + p["b_up"]
    gelu = 0.5 * hid * (1 + np.tanh(np.sqrt(2 / np.pi) * (hid + 0.044715 * hid ** 3)))
    assert np.allclose(y, x_mid + gelu @ p["w_down"] + p["b_down"])


def _check_stability(ns: Namespace) -> None:
    gd, max_lr, sharpness = ns["gd_on_quadratic"], ns["max_stable_lr"], ns["sharpness"]
    eigs = [1.0, 10.0, 100.0]
    assert math.isclose(max_lr(eigs), 0.02)
    assert gd(eigs, 0.99 * max_lr(eigs)) < 0.05
    assert gd(eigs, 1.01 * max_lr(eigs)) > 1.0
    assert gd(eigs, 0.0198) < 0.05 and gd(eigs, 0.0202) > 1.0
    assert gd(eigs, 0.5 * max_lr(eigs), steps=500) < 0.01  # slowest mode: 0.99 ** 500
    rng = np.random.default_rng(0)
    a = rng.normal(size=(6, 6))
    hess = a @ a.T + np.eye(6)  # symmetric positive definite
    est = sharpness(lambda v: hess @ v, 6, iters=500)
    assert math.isclose(est, float(np.linalg.eigvalsh(hess).max()), rel_tol=1e-6)


CHECKS = {
    "coding-bpe-tokenizer": _check_bpe,
    "coding-bleu-score": _check_bleu,
    "coding-top-k-top-p-sampling": _check_sampling,
    "coding-beam-search": _check_beam,
    "coding-rag-retrieval-pipeline": _check_rag,
    "coding-attention-from-scratch": _check_attention,
    "coding-gradient-accumulation": _check_grad_accum,
    "coding-kv-cache": _check_kv_cache,
    "coding-transformer-decoder-block": _check_decoder_block,
    "coding-training-stability-analysis": _check_stability,
}
