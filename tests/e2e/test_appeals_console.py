"""Issue 18, appeals and flags typed into the console adapter: answer, reveal, /appeal, the
lead's /appeals queue, /accept (a correction row pointing at the original; the leaderboard
follows), /reject (no points move), each person told ("direct message to ..."), a flag
listed in the queue and by `quizbot questions flags`, and `questions stats` naming the
entries reviewed longest ago. Refusals change nothing."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import timedelta

from bot.adapters.console import CHANNEL, CHANNEL_NAME, ConsoleAdapter
from bot.app import build
from bot.bank import QuestionBank
from bot.clock import FixedClock, OffsetClock
from bot.config import Settings
from tests.dbdump import dump
from tests.integration.test_cli import quizbot

REASON = "the grade missed that I explained subword pieces"


def ledger(settings: Settings) -> list[tuple[int, str, int, int | None]]:
    with sqlite3.connect(settings.db) as conn:
        return list(conn.execute("SELECT id, reason, points, corrects_id FROM score_events"
                                 " ORDER BY id"))


async def test_console_appeals_flags_and_the_cli(settings: Settings, clock: FixedClock,
                                                 sample_bank: QuestionBank) -> None:
    clock_ = OffsetClock(clock)
    core = await build(settings, clock=clock_, bank=sample_bank)
    out = io.StringIO()
    console = ConsoleAdapter(core.rounds, core.commands, clock_, user="lead",
                             stdin=io.StringIO(""), stdout=out)
    core.platforms.register(console)

    async def type_(line: str) -> str:
        start = len(out.getvalue())
        assert await console.handle_line(line)
        return out.getvalue()[start:]

    try:
        await core.first_start(CHANNEL, CHANNEL_NAME, console.actor)
        await type_("/as alice")
        await type_("no idea, maybe words")
        await type_("/as bob")
        await type_("A token is a subword piece from a fixed vocabulary learned by BPE.")
        reveal = await type_("/advance 9h")
        assert "Reveal" in reveal and "Grade wrong? /appeal " in reveal
        assert "<Appeal my result>" not in reveal         # no buttons on the console

        await type_("/as carol")                            # carol did not answer
        before = dump(settings.db.as_posix())
        assert "No result of yours" in await type_(f"/appeal last {REASON}")
        assert "Only this channel's leads" in await type_("/appeals")
        assert "Only this channel's leads" in await type_("/accept A1 2 fine by me, really")
        assert dump(settings.db.as_posix()) == before

        await type_("/as alice")
        assert "Appeal A1 sent" in await type_(f"/appeal last {REASON}")
        assert "appealed this result already" in await type_(f"/appeal last {REASON}")
        assert "too short" in await type_("/appeal last unfair")
        await type_("/as bob")
        assert "Appeal A2 sent" in await type_(f"/appeal last {REASON}")
        assert "Flag F1 sent" in await type_("/flag last the answer predates byte-level BPE")

        await type_("/as lead")
        queue = await type_("/appeals")
        assert "A1 · alice" in queue and "A2 · bob" in queue and "F1 · bob" in queue
        board = await type_("/leaderboard all")
        alice = int(board.split("alice: ")[1].split()[0])
        points = ledger(settings)
        said = await type_("/accept A1 2 the subword point is there")
        assert "Appeal A1 accepted" in said and "alice was told" in said
        assert "direct message to alice" in said and "Your appeal A1 was accepted" in said
        original = next(r for r in points if r[1] in ("coverage", "participation"))
        assert ledger(settings)[:-1] == points
        assert ledger(settings)[-1][1:] == ("correction", 2, original[0])
        assert f"alice: {alice + 2}" in await type_("/leaderboard all")

        points = ledger(settings)
        said = await type_("/reject A2 full marks already, well done")
        assert "Appeal A2 rejected" in said and "direct message to bob" in said
        assert ledger(settings) == points
        await type_("/as bob")
        assert "A2 · the daily question of" in await type_("/appeal")
    finally:
        await core.close()

    listed = quizbot("questions", "flags", "--db", str(settings.db))
    assert listed.returncode == 0, listed.stderr
    assert "1 open flag(s) on 1 question(s)" in listed.stdout
    assert "F1" in listed.stdout and "predates byte-level BPE" in listed.stdout
    data = json.loads(quizbot("questions", "flags", "--db", str(settings.db), "--json").stdout)
    assert [(f["id"], f["by"], f["open"]) for f in data["flags"]] == [("F1", "bob", True)]
    assert data["flags"][0]["topic"] == "sample"
    stats = quizbot("questions", "stats")
    assert "never reviewed: 1\n  sample-overfitting" in stats.stdout
    assert stats.stdout.index("2025-06-01  sample-softmax") < stats.stdout.index(
        "2026-01-15  sample-tokens")
    missing = quizbot("questions", "flags", "--db", str(settings.db.with_name("none.db")))
    assert missing.returncode == 1 and "no database file" in missing.stderr
    assert clock_.now() - clock.now() == timedelta(hours=9)
