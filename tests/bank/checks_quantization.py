"""Checks for the runnable code in questions/quantization.yaml."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _check_quantization_memory_and_cost(ns: dict[str, Any]) -> None:
    quant, dequant = ns["quantize_int8"], ns["dequantize"]
    w = np.array([[1.0, -2.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0], [127.0, -63.5, 1.0, 2.0]],
                 dtype=np.float32)
    q, s = quant(w)
    assert q.dtype == np.int8 and q.shape == w.shape
    assert np.all(np.abs(q) <= 127)
    assert q[0, 1] == -127 and q[2, 0] == 127          # row maximum maps to +-127
    assert np.all(q[1] == 0)                             # all-zero row does not divide by zero
    err = np.abs(dequant(q, s) - w)
    assert np.all(err <= s / 2 + 1e-6)                  # error at most half a step
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 512)).astype(np.float32)
    q, s = quant(x)
    rel = np.linalg.norm(dequant(q, s) - x) / np.linalg.norm(x)
    assert rel < 0.02


def _check_quantization_knowledge_distillation(ns: dict[str, Any]) -> None:
    kd, softmax = ns["kd_loss"], ns["softmax"]
    z = [2.0, 1.0, -1.0]
    # identical logits: only the CE part remains
    assert math.isclose(kd(z, z, 0, alpha=1.0), 0.0, abs_tol=1e-12)
    ce = -math.log(softmax(z)[0])
    assert math.isclose(kd(z, z, 0, alpha=0.0), ce, rel_tol=1e-9)
    assert math.isclose(kd(z, z, 0, alpha=0.5), 0.5 * ce, rel_tol=1e-9)
    # a student far from the teacher pays a positive KL
    assert kd([0.0, 0.0, 5.0], z, 0, alpha=1.0) > 0.5
    assert np.isclose(softmax([1.0, 2.0, 3.0]).sum(), 1.0)
    assert softmax([1.0, 2.0], T=100.0)[0] > softmax([1.0, 2.0], T=1.0)[0]


CHECKS = {
    "quantization-memory-and-cost": _check_quantization_memory_and_cost,
    "quantization-knowledge-distillation": _check_quantization_knowledge_distillation,
}
