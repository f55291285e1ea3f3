"""A normal, non-editable `pip install .` into a fresh venv outside the checkout: the
installed quizbot finds the question bank it ships (bot/questions) with no
QUIZBOT_QUESTIONS_DIR, and plays a scripted console round.

One venv for the whole module. pip fetches the dependencies from PyPI, or from its cache
after the first run, so this is the suite's slowest test (marked slow; it runs in
`make test`, `pytest -m 'not slow'` leaves it out)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.bank import load_bank

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["pyproject.toml", "setup.py", "README.md", "LICENSE", "bot", "questions"]
SESSION = "My answer about tokens and subwords\n/advance 12h\n/leaderboard all\n"

pytestmark = pytest.mark.slow


def clean_env(**extra: str) -> dict[str, str]:
    """No settings, no tokens, and nothing that would import this checkout's bot."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QUIZBOT_", "DISCORD_", "SLACK_", "PYTHON", "VIRTUAL_ENV",
                                "PIP_"))}
    return env | {"PIP_DISABLE_PIP_VERSION_CHECK": "1"} | extra


def test_pip_install_ships_the_bank_and_plays_a_round(tmp_path: Path) -> None:
    src = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    started = time.monotonic()
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                          str(src)], capture_output=True, text=True, env=clean_env(),
                         cwd=tmp_path, timeout=1200)
    assert pip.returncode == 0, pip.stderr[-4000:]
    print(f"pip install took {time.monotonic() - started:.0f}s")

    away = tmp_path / "elsewhere"  # neither the checkout nor the copy
    away.mkdir()

    def quizbot(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(venv / "bin" / "quizbot"), *args], input=stdin, text=True,
                              capture_output=True, env=clean_env(**env), cwd=away,
                              timeout=120)

    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import bot.bank as b; print(b.__file__); print(b.DEFAULT_DIR)"],
                           capture_output=True, text=True, env=clean_env(), cwd=away,
                           timeout=60, check=True).stdout.split()
    assert all(Path(p).is_relative_to(venv) for p in where), where
    assert Path(where[1]).name == "questions" and Path(where[1]).parent.name == "bot"

    bank = load_bank(ROOT / "questions")
    stats = quizbot("questions", "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    got = json.loads(stats.stdout)
    assert (got["questions"], got["topics"]) == (len(bank), len(bank.topics))
    assert quizbot("questions", "validate").returncode == 0

    clock = tmp_path / "now"
    clock.write_text("2026-03-03T08:00:00+00:00")  # a Tuesday morning, UTC
    db = tmp_path / "q.db"
    res = quizbot("run", "--platform", "console", "--db", str(db), "--as", "alice",
                  stdin=SESSION, QUIZBOT_FAKE_TIME_FILE=str(clock))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert out.index("Daily question for") < out.index("✓ answer recorded") \
        < out.index("Reveal: daily question") < out.index("1. alice:")

    refused = quizbot("run", "--db", str(tmp_path / "other.db"))  # no tokens, no terminal
    assert refused.returncode == 2 and "--platform console" in refused.stderr
