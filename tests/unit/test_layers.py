"""The layers stay apart (adapters use the core through its port), and no service or storage
module grows past what a newcomer reads in one sitting."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).parents[2] / "bot"


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


@pytest.mark.parametrize("path", sorted((BOT / "adapters").glob("*.py")), ids=lambda p: p.name)
def test_no_adapter_imports_the_composition_root(path: Path) -> None:
    assert "bot.app" not in imported(path)


MAX_LINES = 350
SMALL = sorted(p for p in [*(BOT / "services").rglob("*.py"), *(BOT / "storage").rglob("*.py")])


@pytest.mark.parametrize("path", SMALL, ids=lambda p: str(p.relative_to(BOT)))
def test_no_service_or_storage_module_is_over_350_lines(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= MAX_LINES
