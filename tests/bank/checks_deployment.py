"""Checks for the runnable code in questions/deployment.yaml."""

from __future__ import annotations

import math
from typing import Any


def _check_deployment_cost_estimation(ns: dict[str, Any]) -> None:
    api, hosted, per_m = (ns["api_monthly_cost"], ns["self_hosted_monthly_cost"],
                          ns["usd_per_million_tokens"])
    assert math.isclose(api(1_000_000, 1500, 300, 0.15, 0.60), 405.0)
    assert math.isclose(api(1_000_000, 1500, 300, 2.50, 10.0), 6750.0)
    assert api(0, 1500, 300, 2.50, 10.0) == 0
    assert math.isclose(hosted(2, 2.50), 3650.0)
    assert math.isclose(hosted(1, 2.0, hours=100, fixed_usd=50.0), 250.0)
    assert math.isclose(per_m(2.50, 1000), 2.50 / 3.6e6 * 1e6)
    assert round(per_m(2.50, 1000), 2) == 0.69
    assert math.isclose(per_m(2.50, 1000, utilisation=0.3), per_m(2.50, 1000) / 0.3)


def _check_deployment_rate_limiting(ns: dict[str, Any]) -> None:
    bucket_cls = ns["TokenBucket"]
    b = bucket_cls(capacity=1000, refill_per_s=100, now=0.0)
    assert b.try_take(800, now=0.0)
    assert not b.try_take(300, now=0.0)               # only 200 left
    assert math.isclose(b.retry_after(300, now=0.0), 1.0)
    assert b.try_take(300, now=1.0)                   # refilled 100/s
    assert not b.try_take(1, now=1.0)
    b.refund(250)                                     # response used fewer tokens
    assert b.try_take(250, now=1.0)
    assert b.try_take(1000, now=100.0)                # refill capped at capacity
    assert not b.try_take(1, now=100.0)
    b.refund(10_000)
    assert math.isclose(b.tokens, 1000.0)             # refund capped too
    assert b.retry_after(500, now=100.0) == 0.0


CHECKS = {
    "deployment-cost-estimation": _check_deployment_cost_estimation,
    "deployment-rate-limiting": _check_deployment_rate_limiting,
}
