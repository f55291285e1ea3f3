"""Issue 18, appeals and flags on the real Slack adapter against the fake Slack: the reveal's
buttons open modals (views.open with the tap's trigger_id, validated as Slack does), the
submission files the appeal or flag, a workspace admin sees them with /quizadmin appeals,
accepts one (a ledger correction row pointing at the original; the leaderboard follows) and
rejects the other (no points move); each person gets a DM. Refusals change nothing."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from tests.dbdump import dump, events_of, ledger
from tests.e2e.slack_helpers import SlackEnv, slack_env
from tests.e2e.test_slack import GOOD, schedule_and_post
from tests.fakes.slack import check_view

REASON = "The grade missed that I explained subword pieces"


def tap(env: SlackEnv, button: dict[str, Any], user: str) -> dict[str, Any]:
    return {"type": "block_actions", "user": {"id": user}, "channel": {"id": "C1"},
            "trigger_id": env.fake.issue_trigger(f"t-{user}-{len(env.fake.calls)}"),
            "actions": [{**button, "type": "button", "block_id": "b", "action_ts": "1"}]}


def submission(view: dict[str, Any], user: str, text: str) -> dict[str, Any]:
    return {"type": "view_submission", "user": {"id": user}, "view": {
        **view, "id": f"V-{user}", "hash": "h1",
        "state": {"values": {"text": {"value": {"type": "plain_text_input", "value": text}}}}}}


def _replies(env: SlackEnv) -> list[dict[str, Any]]:
    """The private replies, less the follow-up questions asked after each answer."""
    return [c for c in env.fake.ok_calls("chat.postEphemeral")
            if not str(c.get("text", "")).startswith("*Follow-up question*")]


async def ephemeral(env: SlackEnv, count: int) -> str:
    await env.fake.wait_for(lambda: len(_replies(env)) >= count)
    return str(_replies(env)[count - 1]["text"])


async def command(env: SlackEnv, command: str, text: str, user: str) -> str:
    seen = len(env.fake.responses)
    await env.command(command, text, user=user)
    return str((await env.last_response(seen + 1))["text"])


async def test_slack_appeal_accept_reject_and_flag(settings: Settings, clock: FixedClock,
                                                   sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake, db = env.fake, settings.db
        thread = await schedule_and_post(env, clock)
        await env.reply(thread, "no idea, maybe words", user="U1", ts="1800000000.000101")
        await env.reply(thread, GOOD, user="U2", ts="1800000000.000102")
        await fake.wait_for(lambda: len(fake.ok_calls("reactions.add")) == 2)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        reveal = fake.ok_calls("chat.postMessage")[-1]
        rows = [b for b in reveal["blocks"] if b["type"] == "actions"]
        assert [e["action_id"] for e in rows[1]["elements"]] == ["appeal_open", "flag_open"]
        appeal_button, flag_button = rows[1]["elements"]
        assert "/quiz appeal 2026-11-23 REASON" in json.dumps(reveal["blocks"])

        # carol did not answer: no form opens, nothing changes
        before = dump(db.as_posix())
        await env.interaction(tap(env, appeal_button, "U3"))
        assert "No result of yours" in await ephemeral(env, 1)
        assert fake.ok_calls("views.open") == [] and dump(db.as_posix()) == before

        # alice and bob each tap, get the form, and send it; alice's form goes twice (a
        # retry): it counts once, and a second tap of hers opens no form
        sent = 1
        for user, times in (("U1", 2), ("U2", 1)):
            opened = len(fake.ok_calls("views.open"))
            await env.interaction(tap(env, appeal_button, user))
            await fake.wait_for(lambda n=opened: len(fake.ok_calls("views.open")) == n + 1)
            view = fake.ok_calls("views.open")[-1]["view"]
            assert view["callback_id"] == "appeal_submit" and check_view(view) == ""
            for i in range(times):
                await env.interaction(submission(view, user, REASON))
                sent += 1
                said = await ephemeral(env, sent)
                assert (" sent to the leads" if i == 0 else "appealed this result already") \
                    in said, said
        opened = len(fake.ok_calls("views.open"))
        await env.interaction(tap(env, appeal_button, "U1"))
        sent += 1
        assert "appealed this result already" in await ephemeral(env, sent)
        assert len(fake.ok_calls("views.open")) == opened
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM appeals").fetchone()[0] == 2

        # bob flags the reference answer through its form
        await env.interaction(tap(env, flag_button, "U2"))
        await fake.wait_for(lambda: fake.ok_calls("views.open")[-1]["view"]["callback_id"]
                            == "flag_submit")
        view = fake.ok_calls("views.open")[-1]["view"]
        assert check_view(view) == ""
        await env.interaction(submission(view, "U2", "The answer should mention byte-level BPE"))
        sent += 1
        assert "Flag F1 sent" in await ephemeral(env, sent)

        # a member cannot see or decide the queue
        before = dump(db.as_posix())
        assert "Only this channel's leads" in await command(env, "/quizadmin", "appeals", "U3")
        assert "Only this channel's leads" in await command(
            env, "/quizadmin", "accept A1 2 looks right to me", "U3")
        assert dump(db.as_posix()) == before

        queue = await command(env, "/quizadmin", "appeals", "UADMIN")
        assert "A1 · alice" in queue and "A2 · bob" in queue and "F1 · bob" in queue
        assert "/quizadmin accept" in queue

        board = await command(env, "/leaderboard", "all", "U1")
        alice_before = int(board.split("alice: ")[1].split()[0])
        before = ledger(db)
        said = await command(env, "/quizadmin", "accept A1 2 the subword point is there",
                             "UADMIN")
        assert "Appeal A1 accepted" in said and "alice was told" in said
        correction = ledger(db)[-1]
        original = next(r for r in before if r[1] in ("coverage", "participation")
                        and r[0] in events_of(db, "U1"))
        assert ledger(db)[:-1] == before and correction[1:] == ("correction", 2, original[0])
        assert f"alice: {alice_before + 2}" in await command(env, "/leaderboard", "all", "U1")
        dm = fake.posted["U1"][-1]
        assert "Your appeal A1 was accepted" in dm["text"]

        points = ledger(db)
        said = await command(env, "/quizadmin", "reject A2 full marks already, well done",
                             "UADMIN")
        assert "Appeal A2 rejected" in said and ledger(db) == points
        assert "Your appeal A2 was rejected" in fake.posted["U2"][-1]["text"]
        assert "Flag F1 closed" in await command(env, "/quizadmin",
                                                 "close F1 added byte-level BPE", "UADMIN")


async def test_a_used_or_expired_trigger_says_so_and_files_nothing(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await schedule_and_post(env, clock)
        await env.reply(thread, "no idea, maybe words", user="U1", ts="1800000000.000101")
        await fake.wait_for(lambda: len(fake.ok_calls("reactions.add")) == 1)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        reveal = fake.ok_calls("chat.postMessage")[-1]
        button = [b for b in reveal["blocks"] if b["type"] == "actions"][1]["elements"][0]
        once = tap(env, button, "U1")
        await env.interaction(once)
        await fake.wait_for(lambda: len(fake.ok_calls("views.open")) == 1)
        await env.interaction(once)      # the same trigger_id again: Slack refuses it
        assert "could not open the form in time" in await ephemeral(env, 1)
        fake.trigger_seconds = -1.0      # every trigger has expired by the time it is used
        await env.interaction(tap(env, button, "U1"))
        assert "could not open the form in time" in await ephemeral(env, 2)
        refused = [c for c in fake.all_calls("views.open") if not c.ok]
        assert len(refused) == 2 and len(fake.ok_calls("views.open")) == 1
        with sqlite3.connect(settings.db) as conn:
            assert conn.execute("SELECT COUNT(*) FROM appeals").fetchone()[0] == 0


def test_the_fake_refuses_views_slack_would_refuse() -> None:
    good: dict[str, Any] = {
        "type": "modal", "callback_id": "c", "title": {"type": "plain_text", "text": "Appeal"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [{"type": "input", "block_id": "text",
                    "label": {"type": "plain_text", "text": "Why"},
                    "element": {"type": "plain_text_input", "action_id": "value",
                                "min_length": 10, "max_length": 1000}}]}
    assert check_view(good) == ""
    element = good["blocks"][0]["element"]
    bad = [
        {**good, "title": {"type": "plain_text", "text": "x" * 25}},
        {**good, "title": {"type": "mrkdwn", "text": "Appeal"}},
        {**good, "submit": {"type": "plain_text", "text": "y" * 25}},
        {**good, "close": {"type": "plain_text", "text": ""}},
        {k: v for k, v in good.items() if k != "submit"},
        {**good, "callback_id": "c" * 256},
        {**good, "private_metadata": "m" * 3001},
        {**good, "blocks": [{**good["blocks"][0], "label": {"type": "plain_text", "text": ""}}]},
        {**good, "blocks": [{**good["blocks"][0], "element": {**element, "max_length": 3001}}]},
        {**good, "blocks": [{**good["blocks"][0], "element": {**element, "min_length": 2000,
                                                             "max_length": 1000}}]},
        {**good, "blocks": [{**good["blocks"][0], "element": {**element,
                                                             "action_id": "a" * 256}}]},
        {**good, "blocks": [good["blocks"][0], good["blocks"][0]]},     # repeated block_id
        {**good, "blocks": [{"type": "actions", "elements": [
            {"type": "button", "action_id": "x", "text": {"type": "plain_text", "text": "a"}},
            {"type": "button", "action_id": "x", "text": {"type": "plain_text", "text": "b"}},
        ]}]},
    ]
    for view in bad:
        assert check_view(view) != "", view
