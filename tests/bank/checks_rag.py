"""Checks for the runnable code in questions/rag.yaml."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _check_choosing_similarity_metric(ns: dict[str, Any]) -> None:
    rank = ns["rank"]
    docs = [[1.0, 0.0], [10.0, 10.0], [0.5, 0.6]]
    assert list(rank([1, 1], docs, "dot")) == [1, 2, 0]
    assert list(rank([1, 1], docs, "cosine")) == [1, 2, 0]
    assert list(rank([1, 1], docs, "l2")) == [2, 0, 1]
    # On unit vectors the three metrics give the same ranking.
    rng = np.random.default_rng(0)
    unit = ns["normalize"](rng.normal(size=(50, 8)))
    q = ns["normalize"](rng.normal(size=8))
    orders = [list(rank(q, unit, m)) for m in ("dot", "cosine", "l2")]
    assert orders[0] == orders[1] == orders[2]
    try:
        rank([1, 1], docs, "manhattan")
    except ValueError:
        pass
    else:
        raise AssertionError("unknown metric must raise")


def _check_rag_merging_results_rrf(ns: dict[str, Any]) -> None:
    rrf = ns["reciprocal_rank_fusion"]
    fused = rrf([["d3", "d1", "d7"], ["d1", "d9", "d3"]])
    assert [d for d, _ in fused] == ["d1", "d3", "d9", "d7"]
    assert math.isclose(dict(fused)["d1"], 1 / 62 + 1 / 61)
    # A duplicate inside one list counts once; weights scale contributions.
    assert math.isclose(dict(rrf([["a", "a", "b"]], k=0))["a"], 1.0)
    weighted = rrf([["a"], ["b"]], weights=[2.0, 1.0])
    assert [d for d, _ in weighted] == ["a", "b"]
    assert rrf([]) == []
    mm = ns["min_max"]({"x": 2.0, "y": 4.0, "z": 3.0})
    assert mm == {"x": 0.0, "y": 1.0, "z": 0.5}
    assert ns["min_max"]({"x": 5.0}) == {"x": 1.0}


def _check_contextual_precision_recall(ns: dict[str, Any]) -> None:
    cp, cr = ns["context_precision"], ns["context_recall"]
    assert math.isclose(cp([1, 0, 1]), (1 + 2 / 3) / 2)
    assert math.isclose(cp([0, 1, 1]), (1 / 2 + 2 / 3) / 2)
    assert cp([1, 1, 0, 0]) == 1.0
    assert cp([0, 0, 0]) == 0.0
    assert cp([]) == 0.0
    assert cr([1, 1, 1, 0]) == 0.75
    assert cr([]) == 0.0


CHECKS = {
    "choosing-similarity-metric": _check_choosing_similarity_metric,
    "rag-merging-results-rrf": _check_rag_merging_results_rrf,
    "contextual-precision-recall": _check_contextual_precision_recall,
}
