"""Exports and report pictures reach Slack as real files, through the external upload flow."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from tests.e2e.slack_helpers import SlackEnv, slack_env
from tests.e2e.test_slack import GOOD, schedule_and_post
from tests.fakes.slack import fake_slack
from tests.unit.test_report_picture import check_png


async def ledger_rows(env: SlackEnv) -> set[tuple[str, str, str]]:
    """(person, points, reason) of every ledger row, read straight from the database."""
    async with env.core.db.reading() as conn:
        cur = await conn.execute("SELECT p.display_name, s.points, s.reason FROM score_events s"
                                 " JOIN people p ON p.id = s.person_id")
        return {(str(r[0]), str(r[1]), str(r[2])) for r in await cur.fetchall()}


async def play_a_day(env: SlackEnv, clock: FixedClock) -> None:
    """A round, answered by alice and bob, revealed; a team of the two."""
    thread = await schedule_and_post(env, clock)
    await env.reply(thread, GOOD, user="U1")
    await env.reply(thread, "no idea", user="U2")
    await env.fake.wait_for(lambda: len(env.fake.ok_calls("reactions.add")) == 2)
    clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    await env.core.rounds.sweep()
    await env.command("/quizteam", "create backend", user="UADMIN")
    await env.command("/quizteam", "add backend <@U1> <@U2>", user="UADMIN")
    await env.last_response(3)


async def test_a_lead_gets_the_export_and_the_report_picture_as_files_in_a_dm(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        await play_a_day(env, clock)
        await env.command("/quizteam", "export backend week", user="UADMIN")
        replied = await env.last_response(4)
        assert "`quizbot-backend-week.csv` is in your direct messages" in replied["text"]
        assert "```" not in replied["text"]                   # not pasted any more
        [export] = fake.shared()
        assert export.channel == "DUADMIN" and fake.ims["DUADMIN"] == "UADMIN"
        assert export.filename == "quizbot-backend-week.csv"
        assert "Ledger export: team backend" in export.initial_comment
        assert export.data is not None
        rows = list(csv.DictReader(io.StringIO(export.data.decode("utf-8"))))
        assert {(r["person"], r["points"], r["reason"]) for r in rows} == \
            await ledger_rows(env) and len(rows) == len(await ledger_rows(env)) > 0

        await env.command("/quizteam", "report backend week", user="UADMIN")
        report = await env.last_response(5)
        assert "alice: 1/1 rounds" in report["text"]
        assert "`quizbot-backend-week-report.png` is in your direct messages" in report["text"]
        picture = fake.shared()[-1]
        assert picture.channel == "DUADMIN" and picture.data is not None
        assert len(picture.data) == picture.length
        check_png(picture.data)
        assert [c.method for c in fake.calls[-3:]] == [
            "conversations.open", "files.getUploadURLExternal", "files.completeUploadExternal"]


async def test_without_the_files_scope_the_reply_says_so_and_keeps_the_csv_inline(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        await play_a_day(env, clock)
        env.fake.scopes.discard("files:write")   # an app installed before the new scope
        await env.command("/quizteam", "export backend week", user="UADMIN")
        replied = await env.last_response(4)
        assert "could not send `quizbot-backend-week.csv` as a file (missing_scope)" in \
            replied["text"]
        inline = str(replied["blocks"])   # the CSV, cut to fit, is still there
        assert "`quizbot-backend-week.csv`\\n```id,created_at,person" in inline
        assert env.fake.shared() == []


async def test_the_fake_refuses_an_upload_flow_slack_would_refuse() -> None:
    async with fake_slack() as fake:
        fake.add_user("U1", "alice")
        client = AsyncWebClient(token="xoxb-test", base_url=f"{fake.base_url}/api/")

        async def error(**kw: object) -> str:
            with pytest.raises(SlackApiError) as caught:
                await client.files_completeUploadExternal(**kw)  # type: ignore[arg-type]
            return str(caught.value.response["error"])

        dm = (await client.conversations_open(users="U1"))["channel"]["id"]
        assert await error(files=[{"id": "F404", "title": "x"}], channel_id=dm) == \
            "file_not_found"                                   # never issued
        issued = await client.files_getUploadURLExternal(filename="a.csv", length=5)
        file_id = str(issued["file_id"])
        assert await error(files=[{"id": file_id}], channel_id=dm) == "file_not_found"
        resp = await client._upload_file(url=str(issued["upload_url"]), data=b"abc",
                                         logger=client.logger, timeout=5, proxy=None,
                                         ssl=None)
        assert resp.status == 200
        assert await error(files=[{"id": file_id}], channel_id=dm) == "file_size_mismatch"
        await client._upload_file(url=str(issued["upload_url"]), data=b"abcde",
                                  logger=client.logger, timeout=5, proxy=None, ssl=None)
        assert await error(files=[{"id": file_id}]) == "invalid_channel"
        assert await error(files=[{"id": file_id}], channel_id="C9") == "not_in_channel"
        assert await error(files=[{"id": file_id}], channel_id="DU9") == "channel_not_found"
        done = await client.files_completeUploadExternal(files=[{"id": file_id}],
                                                         channel_id=dm)
        assert done["ok"] and fake.shared()[0].data == b"abcde"
        assert await error(files=[{"id": file_id}], channel_id=dm) == "file_not_found"
        with pytest.raises(SlackApiError) as caught:
            await client.files_getUploadURLExternal(filename="b.csv", length=0)
        assert caught.value.response["error"] == "invalid_arguments"
        empty = await client._upload_file(url=str(issued["upload_url"]).replace(
            file_id, "F999"), data=b"x", logger=client.logger, timeout=5, proxy=None, ssl=None)
        assert empty.status == 404
