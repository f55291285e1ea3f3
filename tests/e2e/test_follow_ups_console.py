"""Follow-ups and /quiz interview on the console adapter, typed line by line as a person
would: daily answer -> follow-up asked -> /followup -> the reveal shows it; off; thread
mode; bad input; and a whole mock interview with its prompt."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import AsyncIterator

import pytest

from bot.adapters.console import CHANNEL, CHANNEL_NAME, ConsoleAdapter
from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock, OffsetClock
from bot.config import Settings
from bot.domain.rounds import MAX_ANSWER_CHARS
from tests.dbdump import dump

Session = tuple[Core, ConsoleAdapter, io.StringIO]


@pytest.fixture
async def session(settings: Settings, clock: FixedClock,
                  sample_bank: QuestionBank) -> AsyncIterator[Session]:
    shared = OffsetClock(clock)   # /advance moves the clock the core reads, as in `make run`
    core = await build(settings, clock=shared, bank=sample_bank)
    out = io.StringIO()
    console = ConsoleAdapter(core.rounds, core.commands, shared, user="alice",
                             stdin=io.StringIO(""), stdout=out)
    core.platforms.register(console)
    await core.first_start(CHANNEL, CHANNEL_NAME, console.actor)
    try:
        yield core, console, out
    finally:
        await core.close()


def open_question(core: Core) -> str | None:
    with sqlite3.connect(core.settings.db) as conn:
        row = conn.execute("SELECT question_id FROM rounds WHERE state='open'").fetchone()
    return row[0] if row else None


async def type_lines(console: ConsoleAdapter, out: io.StringIO, *lines: str) -> str:
    """Type the lines; returns what was printed meanwhile."""
    start = len(out.getvalue())
    for line in lines:
        assert await console.handle_line(line)
    return out.getvalue()[start:]


async def until_follow_up(core: Core, console: ConsoleAdapter, out: io.StringIO) -> str:
    """Move the clock on until the open daily question is one with a follow-up."""
    for _ in range(16):
        qid = open_question(core)
        question = core.bank.get(qid) if qid else None
        if question is not None and question.follow_up:
            return question.follow_up
        await type_lines(console, out, "/advance 6h")
    raise AssertionError("no daily question with a follow-up came up")


async def test_answer_follow_up_reply_reveal_on_the_console(session: Session) -> None:
    core, console, out = session
    follow_up = await until_follow_up(core, console, out)
    shown = await type_lines(console, out, "BPE merges frequent byte pairs into tokens.")
    assert "✓ answer recorded" in shown
    assert "--- only alice can see this ---\nFollow-up question" in shown
    assert follow_up in shown and "/followup YOUR ANSWER" in shown
    assert "<Answer the follow-up>" not in shown   # the console types, it has no buttons

    db = core.settings.db.as_posix()
    before = dump(db)
    shown = await type_lines(console, out, "/followup", "/followup " + "x" * (MAX_ANSWER_CHARS + 1),
                             "/as bob", "/followup a reply with nothing asked", "/as alice")
    assert "That follow-up answer is empty" in shown
    assert "That follow-up answer is too long" in shown
    assert "No follow-up question is waiting for you" in shown
    assert [r for r in dump(db) if r[0] != "people"] == [r for r in before if r[0] != "people"]

    shown = await type_lines(console, out, "/followup Every byte is a base symbol.")
    assert "Follow-up answer recorded" in shown and "+1 participation point" in shown
    shown = await type_lines(console, out, "/advance 9h")
    assert "[Follow-up]" in shown and follow_up in shown
    assert "follow-up: «Every byte is a base symbol.»" in shown


async def test_follow_ups_off_and_in_the_thread_on_the_console(session: Session) -> None:
    core, console, out = session
    shown = await type_lines(console, out, "/channel followups off")
    assert "Follow-ups: off." in shown
    await until_follow_up(core, console, out)
    shown = await type_lines(console, out, "my answer")
    assert "✓ answer recorded" in shown and "Follow-up" not in shown

    await type_lines(console, out, "/channel followups thread", "/advance 12h")
    follow_up = await until_follow_up(core, console, out)
    shown = await type_lines(console, out, "my answer about tokens")
    assert "reply to the daily question · quizbot ---\nFollow-up for alice" in shown
    assert follow_up in shown
    shown = await type_lines(console, out, "my reply to the follow-up")
    assert "Follow-up answer recorded" in shown and "answer updated" not in shown
    shown = await type_lines(console, out, "my newer answer")   # an answer again
    assert "✓ answer updated" in shown
    shown = await type_lines(console, out, "/advance 9h")
    assert "follow-up: «my reply to the follow-up»" in shown


async def test_mock_interview_on_the_console(session: Session) -> None:
    core, console, out = session
    shown = await type_lines(console, out, "/quiz interview sample")
    assert "Mock interview: question 1 of 3" in shown
    assert "Type your answer as a plain line." in shown
    assert console.prompt == "alice (interview 1/3)> "
    seen = 0
    while "Mock interview: summary" not in shown and seen < 8:
        shown = await type_lines(console, out, "byte-pair encoding merges frequent pairs")
        seen += 1
    assert "Mock interview: summary" in shown and "[Topics to review]" in shown
    assert seen == 5   # three answers and the two follow-ups the sample bank has
    assert console.prompt in ("alice (daily)> ", "alice> ")
    with sqlite3.connect(core.settings.db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM review_logs WHERE source='practice'"
                            ).fetchone() == (3,)
    # with no interview running, a plain line answers the daily question again
    shown = await type_lines(console, out, "a daily answer")
    assert "✓ answer recorded" in shown
