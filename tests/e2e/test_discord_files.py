"""Exports and report pictures reach Discord as attachments on the private follow-up."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from tests.e2e.discord_helpers import DiscordEnv, discord_env
from tests.e2e.test_discord import GOOD, schedule_and_post
from tests.fakes.discord import OWNER_ID, fake_discord
from tests.unit.test_report_picture import check_png

EPHEMERAL = 1 << 6


async def play_a_day(env: DiscordEnv, clock: FixedClock) -> None:
    thread = await schedule_and_post(env, clock)
    await env.fake.say(thread, 21, GOOD)
    await env.fake.say(thread, 22, "no idea")
    await env.fake.wait_for(lambda: len(env.fake.reactions) == 2)
    clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    await env.core.rounds.sweep()
    await env.run("team", "create backend", by=OWNER_ID)
    assert "added to backend" in await env.run("team", "add backend <@21> <@22>", by=OWNER_ID)


async def attached(env: DiscordEnv, command: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run a /team command as the lead; the follow-up message and its one attachment."""
    inter = await env.fake.command("team", [{"name": "command", "type": 3, "value": command}],
                                   by=OWNER_ID)
    await env.fake.wait_for(lambda: bool(env.fake.replies_to(inter)))
    [message] = env.fake.replies_to(inter)
    assert message["flags"] & EPHEMERAL                      # only the lead sees it
    [attachment] = message["attachments"]
    return message, attachment


async def test_a_lead_gets_the_export_and_the_report_picture_as_attachments(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        await play_a_day(env, clock)
        message, csv_file = await attached(env, "export backend week")
        assert csv_file["filename"] == "quizbot-backend-week.csv"
        data = env.fake.files[int(csv_file["id"])]
        assert csv_file["size"] == len(data)
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
        async with env.core.db.reading() as conn:
            cur = await conn.execute("SELECT p.display_name, s.points, s.reason FROM "
                                     "score_events s JOIN people p ON p.id = s.person_id")
            ledger = {(str(r[0]), str(r[1]), str(r[2])) for r in await cur.fetchall()}
        assert {(r["person"], r["points"], r["reason"]) for r in rows} == ledger
        assert len(rows) == len(ledger) > 0
        assert "```" not in env.fake.text_of(message)          # not pasted any more

        message, png = await attached(env, "report backend week")
        assert "alice: 1/1 rounds" in env.fake.text_of(message)
        assert png["filename"] == "quizbot-backend-week-report.png"
        assert message["embeds"][-1]["image"]["url"] == \
            "attachment://quizbot-backend-week-report.png"
        check_png(env.fake.files[int(png["id"])])


async def test_a_file_over_the_upload_limit_is_not_sent_and_the_lead_is_told(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        await play_a_day(env, clock)
        env.fake.upload_limit = 200      # the interaction says so in attachment_size_limit
        text = await env.run("team", "export backend week", by=OWNER_ID)
        assert "`quizbot-backend-week.csv` is too large to attach here" in text
        assert "id,created_at,person" in text                  # the CSV, cut, inline
        assert all(not m["attachments"] for m in env.fake.messages.values())


async def test_the_fake_refuses_files_discord_would_refuse() -> None:
    async with fake_discord() as fake:
        url = f"{fake.api}/webhooks/900/tok1"

        async def post(payload: dict[str, Any], files: list[tuple[str, bytes]]) -> int:
            form = aiohttp.FormData(quote_fields=False)
            form.add_field("payload_json", json.dumps(payload))
            for i, (name, data) in enumerate(files):
                form.add_field(f"files[{i}]", data, filename=name,
                               content_type="application/octet-stream")
            async with aiohttp.ClientSession() as session, session.post(url, data=form) as r:
                return r.status

        ok = {"content": "x", "attachments": [{"id": 0, "filename": "a.csv"}]}
        assert await post(ok, [("a.csv", b"a,b\n")]) == 200
        assert await post({"content": "x", "attachments": [{"id": 1, "filename": "a.csv"}]},
                          [("a.csv", b"a")]) == 400            # id 1 names no files[1]
        assert await post({"content": "x"}, [("a.csv", b"a")]) == 400   # not listed
        fake.upload_limit = 10
        assert await post(ok, [("a.csv", b"x" * 11)]) == 413
        assert list(fake.files.values()) == [b"a,b\n"]
