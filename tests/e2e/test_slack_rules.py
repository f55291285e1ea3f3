"""Slack's own rules, enforced by the fake, against the real slack-bolt adapter: the
defects a real Slack shows and a lenient fake hides."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime

import pytest

from bot.adapters.base import ConfigError
from bot.adapters.slack import SlackAdapter
from bot.app import build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.storage.repositories import Answers, Scores
from tests.e2e.slack_helpers import SlackEnv, slack_env
from tests.e2e.test_discord_rules import _hold_write_lock
from tests.e2e.test_slack import CHANNEL, GOOD, schedule_and_post, scheduled
from tests.fakes.slack import fake_slack


async def answers_of(env: SlackEnv) -> dict[str, str]:
    async with env.core.db.reading() as conn:
        return {a.person.display_name: a.text for a in await Answers(conn).for_round(1)}


async def settle(env: SlackEnv, expect: dict[str, str]) -> None:
    for _ in range(150):
        if await answers_of(env) == expect:
            return
        await asyncio.sleep(0.02)
    assert await answers_of(env) == expect


async def test_a_reply_with_a_file_is_an_answer(settings: Settings, clock: FixedClock,
                                                sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        thread = await schedule_and_post(env, clock)
        await env.event({"type": "message", "subtype": "file_share", "channel": "C1",
                         "user": "U1", "text": GOOD, "ts": "1800000000.000101",
                         "thread_ts": thread, "files": [{"id": "F1", "name": "diagram.png"}]})
        await env.fake.wait_for(lambda: len(env.fake.ok_calls("reactions.add")) == 1)
        assert await answers_of(env) == {"alice": GOOD}


async def test_an_unfurl_is_not_an_edit(settings: Settings, clock: FixedClock,
                                        sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        thread = await schedule_and_post(env, clock)
        await env.reply(thread, GOOD, user="U1", ts="1800000000.000201")
        await env.fake.wait_for(lambda: len(env.fake.ok_calls("reactions.add")) == 1)
        await env.event({"type": "message", "subtype": "message_changed", "channel": "C1",
                         "message": {"type": "message", "user": "U1", "text": GOOD,
                                     "ts": "1800000000.000201", "thread_ts": thread,
                                     "attachments": [{"from_url": "https://x"}]},
                         "previous_message": {"user": "U1", "text": GOOD,
                                              "ts": "1800000000.000201"}})
        await asyncio.sleep(0.2)
        assert not any(r["name"] == "pencil2" for r in env.fake.ok_calls("reactions.add"))


async def test_deleting_an_answer_before_the_deadline_withdraws_it(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        thread = await schedule_and_post(env, clock)
        await env.reply(thread, GOOD, user="U1", ts="1800000000.000301")
        await env.reply(thread, GOOD, user="U2", ts="1800000000.000302")
        await env.fake.wait_for(lambda: len(env.fake.ok_calls("reactions.add")) == 2)
        await env.event({"type": "message", "subtype": "message_deleted", "channel": "C1",
                         "deleted_ts": "1800000000.000301", "ts": "1800000000.000399",
                         "previous_message": {"user": "U1", "text": GOOD,
                                              "ts": "1800000000.000301",
                                              "thread_ts": thread}})
        await settle(env, {"bob": GOOD})


async def test_quiz_opens_its_form_before_a_slow_database(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        env.fake.trigger_seconds = 0.3              # a real 3 s, scaled down
        release = _hold_write_lock(settings, 0.8)
        await env.command("/quiz", "sample", user="U1")
        await env.fake.wait_for(lambda: bool(env.fake.ok_calls("views.update")), seconds=10)
        release.join()
        assert [c.ok for c in env.fake.all_calls("views.open")] == [True]
        form = env.fake.ok_calls("views.update")[-1]["view"]
        assert form["callback_id"] == "quiz_answer"
        assert any(b["type"] == "input" for b in form["blocks"])


async def test_reminder_mentions_are_in_the_blocks(settings: Settings, clock: FixedClock,
                                                   sample_bank: QuestionBank) -> None:
    from bot.adapters.base import Message, MessageKind, Section

    async with slack_env(settings, clock, sample_bank) as env:
        note = Message("One hour left", (Section("", "alice: answer today's question"),),
                       kind=MessageKind.NOTICE, mentions=("U1",))
        await env.adapter.send(CHANNEL, note, thread_id="1700000000.000001")
        sent = env.fake.ok_calls("chat.postMessage")[-1]
        assert "<@U1>" in json.dumps(sent["blocks"])


async def test_rejected_requests_log_one_line_and_no_body(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank,
        caplog: pytest.LogCaptureFixture) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        big = "x" * 200_000
        with caplog.at_level(logging.DEBUG):
            assert await env.reply("1.1", big, secret="wrong-secret") == 401
            status = await env.post("{not json at all" + big, "application/json",
                                    secret="wrong-secret")
            assert status == 401
            status = await env.post("{not json" + big, "application/json")   # signed, bad
            assert status == 400
        assert big not in caplog.text
        assert "Traceback" not in caplog.text
        rejected = [r for r in caplog.records if "rejected" in r.getMessage()]
        assert len(rejected) == 3 and all(len(r.getMessage()) < 200 for r in rejected)


async def test_a_replayed_slash_command_runs_once(settings: Settings, clock: FixedClock,
                                                  sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        thread = await schedule_and_post(env, clock)
        await env.reply(thread, GOOD, user="U1")
        await env.fake.wait_for(lambda: len(env.fake.ok_calls("reactions.add")) == 1)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        body = env.command_body("/quizadmin", "award <@U1> 5 great answer", user="UADMIN")
        for _ in range(3):                           # the same signed request, replayed
            assert await env.post(body, "application/x-www-form-urlencoded") == 200
        await env.fake.wait_for(lambda: len(env.fake.responses) >= 4)
        async with env.core.db.reading() as conn:
            awards = [r for r in await Scores(conn).for_round(1)
                      if r["reason"] == "lead-award"]
        assert len(awards) == 1
        assert any("already" in r["text"] for r in env.fake.responses[-2:])


async def test_posts_are_found_by_their_block_id_without_metadata(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        fake.metadata_visible = False
        sub = await scheduled(env)
        fake.fail("chat.postMessage", -1, delay=2.0)  # delivered, reply too late
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        await env.core.rounds.post_due(sub.id)
        await env.core.rounds.sweep()
        assert len([m for m in fake.posted["C1"] if not m.get("thread_ts")]) == 1


async def test_an_answer_before_the_post_is_recorded_is_not_lost(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        sub = await scheduled(env)
        fake.fail("chat.postMessage", -1, delay=2.0)  # the post is out, we have no ts yet
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        await env.core.rounds.post_due(sub.id)
        thread = fake.posted["C1"][0]["ts"]
        await env.reply(thread, GOOD, user="U1")     # someone is quick
        await asyncio.sleep(0.2)
        await env.core.rounds.sweep()                  # the post is adopted: so is the answer
        await settle(env, {"alice": GOOD})
        await fake.wait_for(lambda: len(fake.ok_calls("reactions.add")) == 1)


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
async def test_a_revoked_app_token_is_fatal_with_one_clear_message(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank, error: str,
        caplog: pytest.LogCaptureFixture) -> None:
    async with fake_slack() as fake:
        fake.revoked["xapp-revoked"] = error
        core = await build(settings, clock=clock, bank=sample_bank)
        adapter = SlackAdapter(core, bot_token="xoxb-test-token", app_token="xapp-revoked",
                               api_base=f"{fake.base_url}/api/", timeout=1)
        try:
            with pytest.raises(ConfigError) as exc, caplog.at_level(logging.INFO):
                await asyncio.wait_for(adapter.run(), 5)
        finally:
            await core.close()
    assert error in str(exc.value) and "SLACK_APP_TOKEN" in str(exc.value)
    assert "xapp-revoked" not in str(exc.value) + caplog.text
    assert len(fake.all_calls("apps.connections.open")) == 1


async def test_stop_cancels_a_socket_mode_connect_that_cannot_succeed(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with fake_slack() as fake:
        fake.socket_refused = True                   # the WebSocket handshake never works
        core = await build(settings, clock=clock, bank=sample_bank)
        adapter = SlackAdapter(core, bot_token="xoxb-test-token", app_token="xapp-ok",
                               api_base=f"{fake.base_url}/api/", timeout=1)
        task = asyncio.create_task(adapter.run())
        await fake.wait_for(lambda: bool(fake.all_calls("apps.connections.open")))
        await asyncio.sleep(0.1)
        await adapter.stop()
        await asyncio.wait_for(task, 2)
        await core.close()


def test_empty_tokens_mean_unset(tmp_path: object) -> None:
    s = Settings(slack_bot_token="xoxb-1", slack_app_token="", slack_signing_secret="",
                 discord_token="", _env_file=None)  # type: ignore[arg-type,call-arg]
    assert s.slack_app_token is None and s.slack_signing_secret is None
    assert s.discord_token is None and s.platforms() == ["slack"]
