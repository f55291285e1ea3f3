"""Follow-ups and /quiz interview on the real Slack adapter against the fake Slack: the
follow-up arrives as an ephemeral note in the thread with a button, the button opens a
modal (views.open with the click's trigger_id, checked as Slack checks views), the reply
is stored once and shown at the reveal; off; thread mode; the interview by buttons."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest

from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.rounds import Round
from bot.domain.subscriptions import ChannelRef
from bot.storage.repositories import Answers, Rounds
from tests.dbdump import dump
from tests.e2e.slack_helpers import SlackEnv, slack_env
from tests.e2e.test_slack import schedule_and_post
from tests.fakes.slack import TEAM, check_view

CHANNEL = ChannelRef("slack", TEAM, "C1")


async def follow_up_thread(env: SlackEnv, clock: FixedClock, mode: str = "") -> str:
    """C1 subscribed (follow-ups ``mode``) with an open daily question that has a
    follow-up (one without is revealed and the next day's posted)."""
    await schedule_and_post(env, clock)
    if mode:
        seen = len(env.fake.responses)
        await env.command("/quizadmin", f"followups {mode}", user="UADMIN")
        assert "Daily question for" in (await env.last_response(seen + 1))["text"]
    sub = await env.core.subscriptions.get(CHANNEL)
    assert sub is not None
    for _ in range(3):
        rnd = await latest_round(env)
        question = env.core.bank.get(rnd.question_id)
        if question and question.follow_up and rnd.thread_id:
            return str(rnd.thread_id)
        clock.set(rnd.deadline + timedelta(minutes=1))
        await env.core.rounds.sweep()
        clock.set(rnd.opens_at + timedelta(days=1, minutes=5))
        await env.core.rounds.post_due(sub.id)
    raise AssertionError("no daily question with a follow-up came up")


async def latest_round(env: SlackEnv) -> Round:
    sub = await env.core.subscriptions.get(CHANNEL)
    assert sub is not None
    async with env.core.db.reading() as conn:
        rnd = await Rounds(conn).latest(sub.id)
    assert rnd is not None
    return rnd


def ephemerals(env: SlackEnv, text: str) -> list[dict[str, Any]]:
    return [c for c in env.fake.ok_calls("chat.postEphemeral") if text in str(c.get("text"))]


def click(env: SlackEnv, button: dict[str, Any], user: str = "U1") -> dict[str, Any]:
    return {"type": "block_actions", "user": {"id": user}, "channel": {"id": "C1"},
            "container": {"type": "message", "is_ephemeral": True},
            "trigger_id": env.fake.issue_trigger(f"t-{user}-{button['value']}"),
            "actions": [{**button, "type": "button", "block_id": "b", "action_ts": "1"}]}


def submitted(view: dict[str, Any], text: str, view_id: str, user: str = "U1") -> dict[str, Any]:
    return {"type": "view_submission", "user": {"id": user},
            "view": {**view, "id": view_id, "hash": f"h-{view_id}", "state": {"values": {
                "answer": {"text": {"type": "plain_text_input", "value": text}}}}}}


def button_of(call: dict[str, Any], action_id: str) -> dict[str, Any]:
    actions = next(b for b in call["blocks"] if b["type"] == "actions")["elements"]
    return next(b for b in actions if b["action_id"] == action_id)


async def test_slack_follow_up_asked_answered_by_form_and_revealed(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await follow_up_thread(env, clock)
        await env.reply(thread, "BPE merges frequent pairs of bytes.", user="U1")
        await fake.wait_for(lambda: bool(ephemerals(env, "Follow-up question")))
        (note,) = ephemerals(env, "Follow-up question")
        assert note["user"] == "U1" and note["thread_ts"] == thread and note["channel"] == "C1"
        assert "/quiz followup YOUR ANSWER" in note["text"]   # spelled for Slack
        button = button_of(note, "followup_answer")

        await env.interaction(click(env, button))
        await fake.wait_for(lambda: len(fake.ok_calls("views.open")) == 1)
        view = fake.ok_calls("views.open")[0]["view"]
        assert view["callback_id"] == "followup_answer" and view["submit"]
        await env.interaction(submitted(view, "Every byte is in the base vocabulary.", "V9"))
        await fake.wait_for(lambda: bool(ephemerals(env, "Follow-up answer recorded")))
        before = dump(settings.db.as_posix())
        await env.interaction(submitted(view, "Every byte is in the base vocabulary.", "V9"))
        await fake.wait_for(lambda: bool(ephemerals(env, "already recorded")))
        assert dump(settings.db.as_posix()) == before    # a resubmitted form counts once

        seen = len(fake.responses)
        await env.command("/quiz", "followup a reply with nothing asked", user="U2")
        assert "No follow-up question is waiting" in (await env.last_response(seen + 1))["text"]
        assert dump(settings.db.as_posix()) == before

        clock.set(clock.now() + timedelta(hours=9))
        await env.core.rounds.sweep()
        reveal = fake.ok_calls("chat.postMessage")[-1]
        assert "follow-up: «Every byte is in the base vocabulary.»" in json.dumps(
            reveal["blocks"], ensure_ascii=False)


async def test_a_follow_up_nobody_can_be_shown_is_one_warning_and_the_answer_stays(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank,
        caplog: pytest.LogCaptureFixture) -> None:
    """Slack refuses the ephemeral note and then the DM (the person left the channel, the
    app lost its way to them): the answer is kept, and the failure is one warning naming
    both of Slack's errors, not a traceback of a crash."""
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await follow_up_thread(env, clock)
        caplog.set_level(logging.INFO)
        caplog.clear()
        fake.fail("chat.postEphemeral", 200, error="user_not_in_channel")
        fake.fail("chat.postMessage", 200, error="channel_not_found")
        await env.reply(thread, "BPE merges frequent pairs of bytes.", user="U1")

        def warned() -> list[str]:
            return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        await fake.wait_for(lambda: bool(warned()))
        assert len(warned()) == 1 and "could not ask the follow-up" in warned()[0] and \
            "ephemeral: user_not_in_channel, then DM: channel_not_found" in warned()[0], \
            warned()
        rnd = await latest_round(env)
        async with env.core.db.reading() as conn:
            assert [a.text for a in await Answers(conn).for_round(rnd.id)] == [
                "BPE merges frequent pairs of bytes."]
        assert not ephemerals(env, "Follow-up question")


async def test_slack_follow_ups_off_then_in_the_thread(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await follow_up_thread(env, clock, "off")
        await env.reply(thread, "my answer", user="U1", ts="1800000000.000001")
        await fake.wait_for(lambda: len(fake.ok_calls("reactions.add")) == 1)
        seen = len(fake.responses)
        await env.command("/quizadmin", "followups thread", user="UADMIN")
        assert "asked in the question's thread" in (await env.last_response(seen + 1))["text"]
        assert not ephemerals(env, "Follow-up")    # off: nothing was asked

        await env.reply(thread, "my answer", user="U2", ts="1800000000.000002")
        await fake.wait_for(lambda: any("Follow-up for bob" in str(c.get("text"))
                                        for c in fake.ok_calls("chat.postMessage")))
        post = next(c for c in fake.ok_calls("chat.postMessage")
                    if "Follow-up for bob" in str(c.get("text")))
        assert post["thread_ts"] == thread and "<@U2>" in json.dumps(post["blocks"])
        await env.reply(thread, "my follow-up reply", user="U2", ts="1800000000.000003")
        await fake.wait_for(lambda: bool(ephemerals(env, "Follow-up answer recorded")))
        assert ("C1", "1800000000.000003", "white_check_mark") in fake.reactions
        rnd = await latest_round(env)
        async with env.core.db.reading() as conn:
            texts = sorted(a.text for a in await Answers(conn).for_round(rnd.id))
        assert texts == ["my answer", "my answer"]   # the reply is not a second answer
        clock.set(clock.now() + timedelta(hours=9))
        await env.core.rounds.sweep()
        reveal = json.dumps(fake.ok_calls("chat.postMessage")[-1]["blocks"], ensure_ascii=False)
        assert "follow-up: «my follow-up reply»" in reveal


async def test_slack_mock_interview_by_buttons(settings: Settings, clock: FixedClock,
                                               sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        await env.command("/quiz", "interview sample", user="U1")
        first = await env.last_response(1)
        assert "Mock interview: question 1 of 3" in first["text"]
        assert not fake.ok_calls("views.open") and not fake.ok_calls("views.update")
        step, n = first, 0
        while "summary" not in str(step.get("text")) and n < 8:
            n += 1
            await env.interaction(click(env, button_of(step, "interview_answer")))
            await fake.wait_for(lambda k=n: len(fake.ok_calls("views.open")) == k)
            view = fake.ok_calls("views.open")[-1]["view"]
            assert view["callback_id"] == "interview_answer"
            shown = len(fake.ok_calls("chat.postEphemeral"))
            await env.interaction(submitted(view, "byte-pair encoding merges pairs", f"V{n}"))
            await fake.wait_for(lambda s=shown: len(fake.ok_calls("chat.postEphemeral")) > s)
            step = fake.ok_calls("chat.postEphemeral")[-1]
        assert n == 5 and "Mock interview: summary" in step["text"]
        assert "Topics to review" in json.dumps(step["blocks"])


def test_the_fake_refuses_the_views_slack_refuses() -> None:
    """The forms above pass the same checks Slack makes (reference/views/modal-views)."""
    text_input = {"type": "input", "block_id": "answer",
                  "label": {"type": "plain_text", "text": "Your answer"},
                  "element": {"type": "plain_text_input", "action_id": "text",
                              "max_length": 3000}}
    good = {"type": "modal", "title": {"type": "plain_text", "text": "Follow-up answer"},
            "submit": {"type": "plain_text", "text": "Submit"}, "blocks": [text_input]}
    assert check_view(good) == ""
    assert "submit is required" in check_view({k: v for k, v in good.items() if k != "submit"})
    assert "submit must be" in check_view({**good, "submit": {"type": "plain_text",
                                                              "text": "x" * 25}})
    assert "private_metadata" in check_view({**good, "private_metadata": "x" * 3001})
    assert "max_length" in check_view({**good, "blocks": [
        {**text_input, "element": {**text_input["element"], "max_length": 4000}}]})
    assert "input label" in check_view({**good, "blocks": [
        {k: v for k, v in text_input.items() if k != "label"}]})
    assert "needs an element" in check_view({**good, "blocks": [
        {k: v for k, v in text_input.items() if k != "element"}]})
    assert "title" in check_view({**good, "title": {"type": "plain_text", "text": "x" * 25}})
