"""Checks for the runnable code in questions/preference-alignment.yaml."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def _check_rlhf_implementation(ns: dict[str, Any]) -> None:
    shaped = ns["shaped_rewards"]
    r = shaped(1.5, [-1.0, -2.0, -0.5], [-1.2, -2.0, -0.9], beta=0.1)
    assert np.allclose(r, [-0.02, 0.0, 1.5 - 0.04])
    # The summed penalty is -beta times the sampled KL estimate.
    r0 = shaped(0.0, [-1.0, -3.0], [-2.0, -1.0], beta=0.5)
    assert math.isclose(float(np.sum(r0)), -0.5 * ((-1.0 + 2.0) + (-3.0 + 1.0)))
    ctl = ns["AdaptiveKLController"](beta=0.1, target_kl=6.0, horizon=100)
    assert math.isclose(ctl.update(12.0, 10), 0.1 * (1 + 0.2 * 10 / 100))  # clipped at +20%
    ctl = ns["AdaptiveKLController"](beta=0.1, target_kl=6.0, horizon=100)
    assert ctl.update(3.0, 10) < 0.1  # KL below target lowers beta
    ctl = ns["AdaptiveKLController"](beta=0.1, target_kl=6.0, horizon=100)
    assert math.isclose(ctl.update(6.0, 10), 0.1)


def _check_dpo_loss(ns: dict[str, Any]) -> None:
    f = ns["dpo_loss"]
    loss, acc = f([-5.0], [-7.0], [-5.0], [-7.0])
    assert math.isclose(loss, math.log(2)) and acc == 0.0
    loss, acc = f([-1.0, -1.0], [-50.0, -50.0], [-10.0, -10.0], [-10.0, -10.0], beta=1.0)
    assert loss < 1e-6 and acc == 1.0
    loss, acc = f([-12.0], [-8.0], [-10.0], [-10.0], beta=0.5)
    assert math.isclose(loss, math.log1p(math.exp(2.0))) and acc == 0.0
    # Extreme margins stay finite.
    loss, _ = f([-1000.0], [0.0], [0.0], [-1000.0], beta=1.0)
    assert math.isfinite(loss) and math.isclose(loss, 2000.0)


def _check_grpo(ns: dict[str, Any]) -> None:
    adv = ns["group_advantages"]([1, 0, 0, 1])
    assert np.allclose(adv, [1, -1, -1, 1], atol=1e-4)
    assert np.allclose(ns["group_advantages"]([1, 1, 1]), 0.0)
    a = ns["group_advantages"]([0.0, 2.0, 4.0])
    assert math.isclose(float(a.mean()), 0.0, abs_tol=1e-9) and a[2] > a[1] > a[0]
    s = ns["clipped_surrogate"]
    # Ratio 2 with positive advantage is clipped to 1.2; with negative advantage it is not.
    out = s([math.log(2.0), math.log(2.0)], [0.0, 0.0], [1.0, -1.0], clip=0.2)
    assert np.allclose(out, [1.2, -2.0])
    out = s([0.0], [0.0], [0.5])
    assert np.allclose(out, [0.5])


CHECKS = {
    "rlhf-implementation-and-tuning": _check_rlhf_implementation,
    "dpo-loss-derivation": _check_dpo_loss,
    "grpo-group-relative-policy-optimization": _check_grpo,
}
