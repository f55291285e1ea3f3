"""Checks for the runnable code in questions/agents.yaml."""

from __future__ import annotations

import json
import math
from typing import Any


def _check_function_calling_implementation(ns: dict[str, Any]) -> None:
    run = ns["run_tool_call"]

    def content(arguments: str, name: str = "get_temperature") -> dict[str, Any]:
        msg = run({"id": "c9", "name": name, "arguments": arguments})
        assert msg["role"] == "tool" and msg["tool_call_id"] == "c9"
        return json.loads(msg["content"])

    assert content('{"city": "Paris"}') == {"result": 18.0}
    assert math.isclose(content('{"city": "Oslo", "unit": "f"}')["result"], 39.2)
    assert "missing required" in content("{}")["error"]
    assert "unknown argument" in content('{"city": "Paris", "zip": "75001"}')["error"]
    assert "one of" in content('{"city": "Paris", "unit": "k"}')["error"]
    assert "type" in content('{"city": 42}')["error"]
    assert "type" in content('{"city": true}')["error"]
    assert "not valid JSON" in content("{city: Paris")["error"]
    assert "JSON object" in content("[1, 2]")["error"]
    assert "unknown tool" in content("{}", name="delete_everything")["error"]
    # Exceptions inside the tool become error results instead of crashing the loop.
    assert content('{"city": "Atlantis"}')["error"].startswith("KeyError")
    assert ns["validate"]({"city": "x"}, ns["TOOLS"]["get_temperature"]["schema"]) is None


CHECKS = {"function-calling-implementation": _check_function_calling_implementation}
