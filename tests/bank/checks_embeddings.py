"""Checks for the code in questions/embeddings.yaml answers."""

from __future__ import annotations

from typing import Any


def _check_benchmarking(ns: dict[str, Any]) -> None:
    recall_at_k, mrr = ns["recall_at_k"], ns["mrr"]
    ranked = [["d3", "d1", "d7"], ["d2", "d9", "d4"]]
    relevant = [{"d1"}, {"d5"}]
    assert recall_at_k(ranked, relevant, 1) == 0.0
    assert recall_at_k(ranked, relevant, 2) == 0.5
    assert mrr(ranked, relevant) == 0.25
    # two relevant ids, one found in the top 3 -> recall 0.5; first hit at rank 1 -> MRR 1
    assert recall_at_k([["a", "b", "c"]], [{"a", "z"}], 3) == 0.5
    assert mrr([["a", "b", "c"]], [{"a", "z"}]) == 1.0
    assert abs(mrr([["x", "y", "a"]], [{"a"}]) - 1 / 3) < 1e-12


CHECKS = {"embeddings-benchmarking-on-your-data": _check_benchmarking}
