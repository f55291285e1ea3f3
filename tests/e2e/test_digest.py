"""Issue 18, "digest delivered once per week across a restart": the weekly digest of a
team reaches its lead privately on the console, Slack and Discord, with the team report's
picture, once per week."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.console import CHANNEL, CHANNEL_NAME, ConsoleAdapter
from bot.app import build
from bot.bank import QuestionBank
from bot.clock import FixedClock, OffsetClock
from bot.config import Settings
from tests.e2e.discord_helpers import discord_env
from tests.e2e.slack_helpers import slack_env
from tests.e2e.test_discord import GOOD as DISCORD_GOOD
from tests.e2e.test_discord import schedule_and_post as discord_post
from tests.e2e.test_slack import GOOD, schedule_and_post
from tests.fakes.discord import OWNER_ID

#: the Monday after the week the tests' round is in, at the channel's 09:00
NEXT_MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TITLE = "Weekly digest: team backend, week of 23 Nov 2026"


async def test_console_digest_once_a_week_across_a_restart(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank,
        tmp_path: Path) -> None:
    """On the console the digest is a direct message printed in the session, its picture
    written under exports; /advance runs the sweep that sends it."""
    script = ["/team create backend", "/as bob", "/stats", "/as lead",
              "/team add backend bob", "/team lead backend lead", "/team remove backend lead",
              "/as bob", GOOD, "/advance 8h", "/advance 7d"]
    out = io.StringIO()
    console_clock = OffsetClock(clock)
    clock.set(datetime(2026, 11, 23, 9, 1, tzinfo=UTC))     # just after Monday's 09:00
    core = await build(settings, clock=console_clock, bank=sample_bank)
    try:
        console = ConsoleAdapter(core.rounds, core.commands, console_clock, user="lead",
                                 stdin=io.StringIO("\n".join(script) + "\n"), stdout=out,
                                 exports=tmp_path / "exports", sweep=core.scheduler.sweep)
        core.platforms.register(console)
        await core.first_start(CHANNEL, CHANNEL_NAME, console.actor)
        await console.run()
        await core.scheduler.sweep()               # the minute sweeper, again
    finally:
        await core.close()
    text = out.getvalue()
    assert text.count(TITLE) == 1, text
    digest = text[text.index("direct message to lead"):]
    assert "1 of 1 member answered" in digest and "bob: new at #1" in digest
    assert "Written to" in digest and (tmp_path / "exports").is_dir()
    assert any(p.name.endswith("-report.png") for p in (tmp_path / "exports").iterdir())

    out2 = io.StringIO()                            # a restart, the same week
    again = await build(settings, clock=console_clock, bank=sample_bank)
    try:
        console = ConsoleAdapter(again.rounds, again.commands, console_clock, user="lead",
                                 stdin=io.StringIO("/advance 1h\n"), stdout=out2,
                                 exports=tmp_path / "exports", sweep=again.scheduler.sweep)
        again.platforms.register(console)
        await again.start()
        await console.run()
    finally:
        await again.close()
    assert TITLE not in out2.getvalue()


async def test_slack_digest_in_the_leads_dm_with_the_picture(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await schedule_and_post(env, clock)
        await env.reply(thread, GOOD, user="U1")
        await fake.wait_for(lambda: len(fake.ok_calls("reactions.add")) == 1)
        await env.command("/quizteam", "create backend", user="UADMIN")
        await env.command("/quizteam", "add backend <@U1> <@U3>", user="UADMIN")
        await env.command("/quizteam", "lead backend <@U2>", user="UADMIN")
        await env.last_response(4)
        clock.set(datetime(2026, 11, 23, 17, 5, tzinfo=UTC))
        await env.core.scheduler.sweep()
        clock.set(NEXT_MONDAY)
        for _ in range(2):
            await env.core.scheduler.sweep()
        dms = [c for c in fake.ok_calls("chat.postMessage") if c["channel"] == "U2"]
        assert len([d for d in dms if TITLE in d["text"]]) == 1, dms
        blocks = str(dms[-1]["blocks"])
        assert "Nothing from: alice" not in blocks and "2 of 3 members" not in blocks
        assert "1 of 3 members answered" in blocks and "/quizteam digest off" in blocks
        [picture] = fake.shared()
        assert picture.channel == "DU2" and picture.filename.endswith("-report.png")
        assert picture.data is not None and picture.data[:4] == b"\x89PNG"
        assert picture.initial_comment == TITLE

        await env.command("/quizteam", "digest off", user="U2")
        assert "Weekly digest off" in (await env.last_response(5))["text"]
        clock.set(NEXT_MONDAY + timedelta(days=7))
        await env.core.scheduler.sweep()
        assert len([c for c in fake.ok_calls("chat.postMessage") if c["channel"] == "U2"]) == 1


async def test_discord_digest_by_dm_with_the_picture_attached(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await discord_post(env, clock)
        await fake.say(thread, 21, DISCORD_GOOD)
        await fake.wait_for(lambda: len(fake.reactions) == 1)
        assert "Team backend created" in await env.run("team", "create backend", by=OWNER_ID)
        await env.run("team", "add backend <@21> <@23>", by=OWNER_ID)
        assert "now leads backend" in await env.run("team", "lead backend <@22>", by=OWNER_ID)
        clock.set(datetime(2026, 11, 23, 17, 5, tzinfo=UTC))
        await env.core.scheduler.sweep()
        clock.set(NEXT_MONDAY)
        for _ in range(2):
            await env.core.scheduler.sweep()
        digests = [m for cid, uid in fake.dm_channels.items() for m in fake.posts(cid)
                   if uid == 22 and TITLE in fake.text_of(m)]
        assert len(digests) == 1
        [digest] = digests
        [attached] = digest["attachments"]
        assert attached["filename"].endswith("-report.png")
        assert fake.files[int(attached["id"])][:4] == b"\x89PNG"
        assert digest["embeds"][-1]["image"]["url"] == f"attachment://{attached['filename']}"
        assert "1 of 3 members answered" in fake.text_of(digest)
        assert "/team digest off" in fake.text_of(digest)
