"""Every coding answer's code runs, and is checked by asserts kept here, not in the YAML.

Each ``checks_<topic>.py`` module beside this file holds ``CHECKS``: question id -> a
function taking the namespace the answer's code defined. A runnable coding answer without
a check fails the suite, so new coding entries cannot slip in unverified.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .loading import current_bank

Namespace = dict[str, Any]


def _all_checks() -> dict[str, Callable[[Namespace], None]]:
    checks: dict[str, Callable[[Namespace], None]] = {}
    here = Path(__file__).parent
    for mod in pkgutil.iter_modules([str(here)]):
        if mod.name.startswith("checks_"):
            module = importlib.import_module(f"{__package__}.{mod.name}")
            checks.update(module.CHECKS)
    return checks


CHECKS = _all_checks()
CODING = [q for q in current_bank() if q.code_blocks]


def run_answer_code(source: str) -> Namespace:
    namespace: Namespace = {"__name__": "answer"}
    exec(compile(source, "<answer>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("question", CODING, ids=lambda q: q.id)
def test_answer_code(question: Any) -> None:
    source = "\n".join(question.code_blocks)
    if question.code_requires:
        compile(source, f"<{question.id}>", "exec")  # syntax only; see code_requires
        return
    assert question.id in CHECKS, f"no check for coding answer {question.id} in tests/bank"
    CHECKS[question.id](run_answer_code(source))


def test_every_check_names_a_real_coding_answer() -> None:
    ids = {q.id for q in CODING}
    assert set(CHECKS) <= ids, f"checks for unknown entries: {set(CHECKS) - ids}"
