"""The console adapter's own rules: what the prompt says the next line answers, empty lines,
escape codes, /today, and how messages look on a terminal."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.base import Button, Message, Section
from bot.adapters.console import (
    CHANNEL,
    CHANNEL_NAME,
    ConsoleAdapter,
    clean_line,
    prompt_label,
    where,
)
from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock, OffsetClock
from bot.config import Settings
from bot.storage.db import fetch_all, fetch_one
from tests.conftest import SAMPLE_BANK

ROOT = Path(__file__).resolve().parents[2]


def test_prompt_names_what_the_next_line_answers() -> None:
    assert prompt_label("alice", "tokenization", daily_open=True) == \
        "alice (practice: tokenization)> "
    assert prompt_label("alice", "tokenization", daily_open=False) == \
        "alice (practice: tokenization)> "
    assert prompt_label("alice", None, daily_open=True) == "alice (daily)> "
    assert prompt_label("alice", None, daily_open=False) == "alice> "


def test_escape_codes_never_reach_an_answer() -> None:
    assert clean_line("my answer\x1b[A\x1b[D") == "my answer"
    assert clean_line("\x1bOAsubwords\x1b[1;5C\x07 and\tBPE\r") == "subwords and\tBPE"
    assert clean_line("\x1b]0;title\x07plain") == "plain"
    assert clean_line("ça va, «quoted» — fine") == "ça va, «quoted» — fine"


def test_there_are_no_threads_on_the_console() -> None:
    assert where(None) == "#practice"
    assert "thread" not in where("t1") and "reply to the daily question" in where("t1")


@pytest.fixture
async def session(settings: Settings, clock: FixedClock,
                  sample_bank: QuestionBank) -> AsyncIterator[tuple[Core, ConsoleAdapter,
                                                                    io.StringIO]]:
    core = await build(settings, clock=clock, bank=sample_bank)
    out = io.StringIO()
    console = ConsoleAdapter(core.rounds, core.commands, OffsetClock(clock), user="alice",
                             stdin=io.StringIO(""), stdout=out)
    core.platforms.register(console)
    await core.first_start(CHANNEL, CHANNEL_NAME, console.actor)
    try:
        yield core, console, out
    finally:
        await core.close()


async def test_an_empty_line_keeps_the_practice_question_pending(
        session: tuple[Core, ConsoleAdapter, io.StringIO]) -> None:
    core, console, out = session
    assert console.daily_open and console.prompt == "alice (daily)> "
    assert await console.handle_line("/quiz sample")
    assert console.practice_attempt is not None
    assert console.prompt == "alice (practice: sample)> "
    before = out.getvalue()
    for blank in ("", "   ", "\t", "\x1b[A"):
        assert await console.handle_line(blank)
    assert out.getvalue() == before                    # nothing said, nothing answered
    assert console.prompt == "alice (practice: sample)> "
    assert await console.handle_line("subwords from a fixed vocabulary built with BPE")
    assert "Reference answer" in out.getvalue()[len(before):]
    assert console.practice_attempt is None and console.prompt == "alice (daily)> "
    async with core.db.reading() as conn:
        row = await fetch_one(conn, "SELECT COUNT(*) FROM answers")
    assert row is not None and row[0] == 0             # the daily round got nothing


async def test_switching_person_drops_the_practice_label(
        session: tuple[Core, ConsoleAdapter, io.StringIO]) -> None:
    _, console, _ = session
    await console.handle_line("/quiz sample")
    await console.handle_line("/as bob")
    assert console.prompt == "bob (daily)> "


async def test_today_shows_the_open_question_again_and_says_when_none_is(
        session: tuple[Core, ConsoleAdapter, io.StringIO], clock: FixedClock) -> None:
    core, console, out = session
    posted = out.getvalue()
    title = next(line for line in posted.splitlines() if line.startswith("Daily question"))
    start = len(posted)
    assert await console.handle_line("/today")
    again = out.getvalue()[start:]
    assert "the open daily question, again" in again and title in again
    async with core.db.reading() as conn:
        states = [r[0] for r in await fetch_all(conn, "SELECT state FROM rounds")]
    assert states == ["open"]                          # read-only
    clock.advance(timedelta(hours=12))
    await core.rounds.sweep()
    assert not console.daily_open and console.prompt == "alice> "
    start = len(out.getvalue())
    await console.handle_line("/today")
    assert "No daily question is open" in out.getvalue()[start:]


def test_scripted_mode_never_imports_the_terminal_or_picture_libraries(tmp_path: Path) -> None:
    code = ("import sys\nfrom bot.__main__ import main\n"
            f"rc = main(['run', '--platform', 'console', '--db', {str(tmp_path / 'q.db')!r},"
            " '--as', 'x'])\n"
            "loaded = [m for m in sys.modules\n"
            "          if m.split('.')[0] in ('rich', 'prompt_toolkit', 'PIL')]\n"
            "print(rc, loaded)\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QUIZBOT_", "DISCORD_", "SLACK_"))}
    env["QUIZBOT_QUESTIONS_DIR"] = str(SAMPLE_BANK)
    res = subprocess.run([sys.executable, "-c", code], input="/help\n/today\n/quit\n",
                         text=True, capture_output=True, env=env, cwd=ROOT, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.rstrip().endswith("0 []"), res.stdout
    assert "/today: the open daily question again" in res.stdout and "/quit" in res.stdout


def test_terminal_rendering_shows_markdown_not_its_markers() -> None:
    from rich.console import Console

    from bot.adapters.console_tty import RichOutput, to_markdown

    buf = io.StringIO()
    out = RichOutput(Console(file=buf, width=80, color_system=None, force_terminal=False))
    out.show("#practice", Message(
        "**Reveal** for today",
        (Section("Reference answer", "A **token** is a *subword* piece: `tok <id>`.\n"
                 "1. alice: +3 pts\n2. bob: +1 pt\n\n```python\nprint(x ** 2)\n```"),
         Section("", "• first point\n• second point")),
        footer="Practise one with /quiz <topic>.", buttons=(Button("a:1", "Answer"),)))
    text = buf.getvalue()
    assert "Reveal for today" in text and "A token is a subword piece" in text
    assert "tok <id>" in text and "/quiz <topic>." in text
    assert "print(x ** 2)" in text                     # code keeps its stars
    assert "**" not in text.replace("x ** 2", "") and "*subword*" not in text
    assert "• first point\n• second point" in "\n".join(
        line.rstrip() for line in text.splitlines())   # one fact per line, kept
    assert "[ Answer ]" in text
    assert to_markdown("a\nb") == "a  \nb"
    assert to_markdown("```\n<x>\n```") == "```\n<x>\n```"
