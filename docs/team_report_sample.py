"""Make docs/team-report.png: two weeks of a five-person team on the real question bank.

Run from the repository root: ``.venv/bin/python -m docs.team_report_sample``. Each person
answers with some of the day's key points (how many depends on the person and the day), so
the coverage varies the way it does in a real team; the clock is fixed, so the output is
the same every run.
"""

from __future__ import annotations

import asyncio
import io
import random
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.base import Actor
from bot.adapters.console import CHANNEL, CHANNEL_NAME, ConsoleAdapter
from bot.app import build
from bot.clock import FixedClock, OffsetClock
from bot.config import Settings
from bot.domain.periods import Period

TEAM = {"alice": 0.85, "bob": 0.6, "carol": 0.45, "dmitri": 0.7, "esther": 0.3}
OUT = Path(__file__).resolve().parent / "team-report.png"


async def main() -> None:
    rng = random.Random(17)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=Path(tmp) / "q.db", timezone="UTC", post_time="09:00",
                            window="8h", _env_file=None)
        clock = OffsetClock(FixedClock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC)))
        core = await build(settings, clock=clock)
        try:
            console = ConsoleAdapter(core.rounds, core.commands, clock, user="alice",
                                     stdout=io.StringIO())
            core.platforms.register(console)
            await core.first_start(CHANNEL, CHANNEL_NAME, console.actor)
            await console.handle_line("/team create backend")
            for name in TEAM:
                console.switch(name)
                await console.handle_line("/quiz")   # everyone becomes known to the bot
                await console.handle_line("pass")
            console.switch("alice")
            await console.handle_line(f"/team add backend {' '.join(TEAM)}")
            for day in range(12):
                thread = await core.rounds.open_thread(CHANNEL)
                async with core.db.reading() as conn:
                    cur = await conn.execute("SELECT question_id FROM rounds ORDER BY id DESC")
                    row = await cur.fetchone()
                question = core.bank.get(str(row[0])) if row else None
                if thread and question:
                    for name, skill in TEAM.items():
                        if rng.random() > 0.35 + skill * 0.6:
                            continue               # skipped today
                        points = [kp for kp in question.key_points if rng.random() < skill]
                        text = " ".join(kp.claim for kp in points) or "Not sure, sorry."
                        console.switch(name)
                        await console.answer(text)
                console.switch("alice")
                await console.advance("1d" if day else "25h")
            lead = Actor("console", "local", "alice", "alice", is_admin=True)
            report = await core.reports.team_report(lead, "backend", Period.MONTH)
        finally:
            await core.close()
    assert report.attachment is not None and isinstance(report.attachment[1], bytes)
    OUT.write_bytes(report.attachment[1])
    print(report.text())
    print(f"wrote {OUT} ({len(report.attachment[1])} bytes)")


if __name__ == "__main__":
    asyncio.run(main())
