"""Checks for the runnable code in questions/post-training-datasets.yaml."""

from __future__ import annotations

from typing import Any


def _check_infra_estimation(ns: dict[str, Any]) -> None:
    mem, hours = ns["train_state_gb"], ns["train_hours"]
    assert abs(mem(7e9) - 112.0) < 1e-9                       # 16 bytes/param
    assert abs(mem(70e9) - 1120.0) < 1e-6
    assert abs(mem(7e9, "lora") - 14.0) < 1e-9                # frozen BF16 base
    assert abs(mem(7e9, "lora", 40e6) - 14.64) < 1e-9         # + 16 bytes per adapter param
    q65 = mem(65e9, "qlora")
    assert 33.0 < q65 < 34.0 and q65 < 48                     # QLoRA: 65B fits a 48 GB GPU
    assert mem(7e9, "qlora") < mem(7e9, "lora") < mem(7e9)
    assert abs(hours(7e9, 150e6) - 4.42) < 0.01
    assert abs(hours(7e9, 150e6, n_gpus=8) * 8 - hours(7e9, 150e6)) < 1e-9


CHECKS = {"post-training-infra-estimation": _check_infra_estimation}
