"""The permission matrix typed into the console adapter, as people type it (``/as NAME``
switches who is typing; the ``--as`` person is the workspace admin)."""

from __future__ import annotations

import io

from bot.adapters.base import Actor
from bot.adapters.console import CHANNEL, ConsoleAdapter
from bot.app import build
from bot.bank import QuestionBank
from bot.clock import FixedClock, OffsetClock
from bot.config import Settings
from bot.services.rights import MATRIX
from tests.rights_matrix import Cast, build_scenario, cells, walk

NAMES = {"admin": "lead", "own-team lead": "dana", "other-team lead": "erin",
         "channel lead": "frank", "member": "carol", "bob": "bob"}


async def test_console_matrix(settings: Settings, clock: FixedClock,
                              sample_bank: QuestionBank) -> None:
    core = await build(settings, clock=clock, bank=sample_bank)
    out = io.StringIO()
    console = ConsoleAdapter(core.rounds, core.commands, OffsetClock(clock), user="lead",
                             stdin=io.StringIO(""), stdout=out)
    core.platforms.register(console)
    try:
        cast = Cast({role: Actor("console", "local", name, name, is_admin=role == "admin")
                     for role, name in NAMES.items()}, CHANNEL, lambda a: a.display_name)
        await build_scenario(core, cast, clock)

        async def run(role: str, key: str, args: str) -> str:
            await console.handle_line(f"/as {NAMES[role]}")
            start = len(out.getvalue())
            assert await console.handle_line(f"/{key} {args}".strip())
            return out.getvalue()[start:]

        assert await walk(settings.db, cast, run) == len(cells(list(MATRIX)))
    finally:
        await core.close()
