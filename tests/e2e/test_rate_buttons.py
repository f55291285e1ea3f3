"""Issue 18 on the real adapters: the practice result carries "I knew it / Partly / I didn't"
buttons (Slack Block Kit, Discord persistent components); a tap overrides that review's
rating, only the person's own, and /quiz rate works as a typed command."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from tests.dbdump import dump
from tests.e2e.discord_helpers import discord_env
from tests.e2e.slack_helpers import slack_env
from tests.e2e.test_discord import GOOD as DISCORD_GOOD
from tests.e2e.test_discord import _filled
from tests.e2e.test_discord import schedule_and_post as discord_post
from tests.e2e.test_slack import GOOD, schedule_and_post


def ratings(db: Path) -> list[int]:
    with sqlite3.connect(db) as conn:
        return [int(r[0]) for r in conn.execute("SELECT rating FROM review_logs ORDER BY id")]


async def test_slack_rate_buttons_and_command(settings: Settings, clock: FixedClock,
                                              sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        await env.command("/quiz", "sample", user="U1")
        await fake.wait_for(lambda: len(fake.ok_calls("views.update")) == 1)
        view = fake.ok_calls("views.update")[0]["view"]
        question = next(q for q in sample_bank if q.prompt[:30] in json.dumps(view["blocks"]))
        text = GOOD if question.id == "sample-tokens" else question.answer
        await env.interaction({"type": "view_submission", "user": {"id": "U1"},
                               "view": {**view, "id": "V1", "hash": "h1", "state": {
                                   "values": {"answer": {"text": {"type": "plain_text_input",
                                                                  "value": text}}}}}})
        await fake.wait_for(lambda: len(fake.ok_calls("chat.postEphemeral")) == 1)
        result = fake.ok_calls("chat.postEphemeral")[0]
        assert "How well did you know it? /quiz rate knew|partly|didnt" in json.dumps(
            result["blocks"])
        buttons = next(b for b in result["blocks"] if b["type"] == "actions")["elements"]
        # the rate taps, then "Answer the follow-up" when the entry has one
        assert [b["action_id"] for b in buttons] == ["rate_knew", "rate_partly", "rate_didnt"] \
            + (["followup_answer"] if question.follow_up else [])
        attempt = buttons[0]["value"].split(":")[1]
        assert buttons[2]["value"] == f"practice:{attempt}:didnt"
        graded = ratings(settings.db)
        assert graded[0] > 2   # a full answer: Good or Easy

        def tap(button: dict[str, Any], user: str) -> dict[str, Any]:
            return {"type": "block_actions", "user": {"id": user}, "channel": {"id": "C1"},
                    "trigger_id": fake.issue_trigger(f"t-{user}"),
                    "actions": [{**button, "type": "button", "block_id": "b", "action_ts": "1"}]}

        before = dump(settings.db.as_posix())
        await env.interaction(tap(buttons[2], "U2"))    # not bob's result
        await fake.wait_for(lambda: len(fake.ok_calls("chat.postEphemeral")) == 2)
        assert "not a result of yours" in fake.ok_calls("chat.postEphemeral")[1]["text"]
        assert dump(settings.db.as_posix()) == before and ratings(settings.db) == graded

        await env.interaction(tap(buttons[2], "U1"))
        await fake.wait_for(lambda: len(fake.ok_calls("chat.postEphemeral")) == 3)
        assert "Rated: didnt" in fake.ok_calls("chat.postEphemeral")[2]["text"]
        assert ratings(settings.db) == [1]

        seen = len(fake.responses)
        await env.command("/quiz", "rate partly", user="U1")   # a private reply, no form
        assert "Rated: partly" in (await env.last_response(seen + 1))["text"]
        assert len(fake.ok_calls("views.update")) == 1
        assert ratings(settings.db) == [2]


async def test_discord_rate_buttons_and_topic(settings: Settings, clock: FixedClock,
                                              sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        inter = await fake.command("quiz", [{"name": "topic", "type": 3, "value": "sample"}])
        await fake.wait_for(lambda: bool(fake.replies_to(inter)))
        shown = fake.replies_to(inter)[-1]
        button = shown["components"][0]["components"][0]
        click = await fake.interact(3, {"custom_id": button["custom_id"], "component_type": 2},
                                    message={**shown, "flags": 64})
        await fake.wait_for(lambda: fake.callback_for(click) is not None)
        modal = fake.callback_for(click)
        assert modal is not None
        question = next(q for q in sample_bank if q.prompt[:30] in fake.text_of(shown))
        text = GOOD if question.id == "sample-tokens" else question.answer
        submit = await fake.interact(5, {"custom_id": modal["body"]["data"]["custom_id"],
                                         "components": _filled(modal["body"]["data"], text)})
        await fake.wait_for(lambda: bool(fake.replies_to(submit)))
        result = fake.replies_to(submit)[-1]
        assert "/quiz rate knew|partly|didnt" in fake.text_of(result)
        taps = result["components"][0]["components"]
        assert [t["label"] for t in taps] == ["I knew it", "Partly", "I didn't"] + (
            ["Answer the follow-up"] if question.follow_up else [])
        assert taps[2]["custom_id"].startswith("quizbot:rate:practice:")
        assert taps[2]["custom_id"].endswith(":didnt")

        assert ratings(settings.db)[0] > 2
        before = dump(settings.db.as_posix())
        other = await fake.interact(3, {"custom_id": taps[2]["custom_id"], "component_type": 2},
                                    by=22, message={**result, "flags": 64})
        await fake.wait_for(lambda: bool(fake.replies_to(other)))
        assert "not a result of yours" in fake.text_of(fake.replies_to(other)[-1])
        assert dump(settings.db.as_posix()) == before

        mine = await fake.interact(3, {"custom_id": taps[2]["custom_id"], "component_type": 2},
                                   message={**result, "flags": 64})
        await fake.wait_for(lambda: bool(fake.replies_to(mine)))
        assert "Rated: didnt" in fake.text_of(fake.replies_to(mine)[-1])
        assert ratings(settings.db) == [1]

        # /quiz with the topic "rate knew" is the override, not a topic
        assert "Rated: knew" in await env.run("quiz", "rate knew", option="topic")
        assert ratings(settings.db) == [3]


async def test_slack_reveal_taps_rate_the_tappers_own_answer(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await schedule_and_post(env, clock)
        await env.reply(thread, "no idea", user="U1", ts="1800000000.000101")
        await fake.wait_for(lambda: len(fake.ok_calls("reactions.add")) == 1)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        reveal = fake.ok_calls("chat.postMessage")[-1]
        taps = next(b for b in reveal["blocks"] if b["type"] == "actions")["elements"]
        assert [t["action_id"] for t in taps] == ["rate_knew", "rate_partly", "rate_didnt"]
        assert taps[0]["value"].startswith("daily:")
        before = dump(settings.db.as_posix())
        sent = len(fake.ok_calls("chat.postEphemeral"))
        for user in ("U2", "U1"):    # U2 did not answer: nothing of theirs to rate
            await env.interaction({"type": "block_actions", "user": {"id": user},
                                   "channel": {"id": "C1"}, "trigger_id": fake.issue_trigger(
                                       f"r-{user}"), "actions": [
                                       {**taps[0], "type": "button", "block_id": "b",
                                        "action_ts": "1"}]})
            sent += 1
            await fake.wait_for(lambda n=sent: len(fake.ok_calls("chat.postEphemeral")) == n)
            if user == "U2":
                assert dump(settings.db.as_posix()) == before
        texts = [c["text"] for c in fake.ok_calls("chat.postEphemeral")[-2:]]
        assert "not a result of yours" in texts[0] and "Rated: knew" in texts[1]
        assert ratings(settings.db) == [3]


def card_due(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return [(str(r[0]), str(r[1])) for r in conn.execute(
            "SELECT question_id, due FROM cards ORDER BY person_id, question_id")]


async def test_discord_reveal_taps_rate_the_tappers_own_answer(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    """The daily reveal carries the three taps as persistent components; alice's tap
    reschedules her card (its due date moves), a tap by someone who did not answer changes
    nothing, and tapping the same rating again changes nothing more."""
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await discord_post(env, clock)
        await fake.say(thread, 21, DISCORD_GOOD)
        await fake.wait_for(lambda: len(fake.reactions) == 1)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        reveal = fake.posts(thread)[-1]
        assert "Reveal" in fake.text_of(reveal)
        taps = reveal["components"][0]["components"]
        assert [t["label"] for t in taps] == ["I knew it", "Partly", "I didn't"]
        assert all(t["custom_id"].startswith("quizbot:rate:daily:") for t in taps)
        graded, due_before = ratings(settings.db), card_due(settings.db)
        assert graded[0] > 2 and len(due_before) == 1

        before = dump(settings.db.as_posix())
        other = await fake.interact(3, {"custom_id": taps[2]["custom_id"],
                                        "component_type": 2}, by=22, message=reveal)
        await fake.wait_for(lambda: bool(fake.replies_to(other)))
        assert "not a result of yours" in fake.text_of(fake.replies_to(other)[-1])
        assert dump(settings.db.as_posix()) == before

        mine = await fake.interact(3, {"custom_id": taps[2]["custom_id"],
                                       "component_type": 2}, by=21, message=reveal)
        await fake.wait_for(lambda: bool(fake.replies_to(mine)))
        assert "Rated: didnt" in fake.text_of(fake.replies_to(mine)[-1])
        assert ratings(settings.db) == [1]
        due_after = card_due(settings.db)
        assert due_after[0][0] == due_before[0][0] and due_after[0][1] < due_before[0][1]

        again = await fake.interact(3, {"custom_id": taps[2]["custom_id"],
                                        "component_type": 2}, by=21, message=reveal)
        await fake.wait_for(lambda: bool(fake.replies_to(again)))
        assert "Already rated that way" in fake.text_of(fake.replies_to(again)[-1])
        assert card_due(settings.db) == due_after
