"""Issue 18's loop end to end on each adapter: a person answers the daily question, the
reveal comes, they say "I didn't" under it (a tap on Slack and Discord, /quiz rate didnt on
the console), and /quiz review brings that card back the next day — not before — as a
review question whose answer is the card's second review."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.adapters.console import CHANNEL, CHANNEL_NAME, ConsoleAdapter
from bot.app import build
from bot.bank import QuestionBank
from bot.clock import FixedClock, OffsetClock
from bot.config import Settings
from bot.domain.questions import Question
from bot.storage.db import from_db
from tests.dbdump import query
from tests.e2e.discord_helpers import discord_env
from tests.e2e.slack_helpers import slack_env
from tests.e2e.test_discord import GOOD as DISCORD_GOOD
from tests.e2e.test_discord import _filled
from tests.e2e.test_discord import schedule_and_post as discord_post
from tests.e2e.test_slack import GOOD, schedule_and_post

DEADLINE = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)   # schedule_and_post: 09:00 + 8h


def daily_question(settings: Settings, bank: QuestionBank) -> Question:
    ((qid,),) = query(settings, "SELECT question_id FROM rounds")
    question = bank.get(str(qid))
    assert question is not None
    return question


def full_answer(question: Question, good: str = GOOD) -> str:
    """An answer covering the key points, so the graded rating is above "I didn't"."""
    return good if question.id == "sample-tokens" else question.answer


def reviews(settings: Settings) -> list[tuple[object, ...]]:
    return query(settings, "SELECT person_id, question_id, rating, source FROM review_logs"
                           " ORDER BY id")


def card(settings: Settings) -> tuple[str, datetime]:
    """The one card there is: (question id, when it is due)."""
    ((qid, due),) = query(settings, "SELECT question_id, due FROM cards")
    return str(qid), from_db(str(due))


def nothing_due_until(due: datetime) -> str:
    return f"Nothing is due for review; next review: {due.strftime('%Y-%m-%d %H:%M')} (UTC)"


def assert_second_review(settings: Settings, question: Question) -> None:
    """The review's answer is the card's second review, from practice, of the same card."""
    rows = reviews(settings)
    assert [r[1:2] + r[3:] for r in rows] == [(question.id, "daily"), (question.id, "practice")]
    assert rows[0][0] == rows[1][0] and rows[0][2] == 1   # the same person; "I didn't" kept
    assert len(query(settings, "SELECT 1 FROM cards")) == 1


async def test_review_loop_on_the_console(settings: Settings, clock: FixedClock,
                                          sample_bank: QuestionBank) -> None:
    shared = OffsetClock(clock)   # /advance moves the clock the core reads, as in `make run`
    core = await build(settings, clock=shared, bank=sample_bank)
    out = io.StringIO()
    console = ConsoleAdapter(core.rounds, core.commands, shared, user="alice",
                             stdin=io.StringIO(""), stdout=out)
    core.platforms.register(console)

    async def typed(*lines: str) -> str:
        start = len(out.getvalue())
        for line in lines:
            assert await console.handle_line(line)
        return out.getvalue()[start:]

    try:
        await core.first_start(CHANNEL, CHANNEL_NAME, console.actor)
        question = daily_question(settings, sample_bank)
        assert "✓ answer recorded" in await typed(full_answer(question))
        ((deadline,),) = query(settings, "SELECT deadline FROM rounds")
        shown = await typed("/advance 9h")
        assert "Reveal" in shown and query(settings, "SELECT state FROM rounds") == [
            ("revealed",)]
        assert int(str(reviews(settings)[0][2])) > 1     # graded above "I didn't"

        assert "Rated: didnt" in await typed("/quiz rate didnt")
        qid, due = card(settings)
        assert qid == question.id and due == from_db(str(deadline)) + timedelta(days=1)
        shown = await typed("/quiz review")
        assert nothing_due_until(due) in shown and question.prompt not in shown
        await typed(f"/advance {int((due - shared.now()).total_seconds()) // 60 - 1}m")
        assert nothing_due_until(due) in await typed("/quiz review")   # a minute early

        await typed("/advance 1m")
        shown = await typed("/quiz review")
        assert "Review question" in shown and question.prompt in shown
        assert console.practice_attempt is not None
        assert "Reference answer" in await typed(full_answer(question))
        assert_second_review(settings, question)
    finally:
        await core.close()


async def test_review_loop_on_slack(settings: Settings, clock: FixedClock,
                                    sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await schedule_and_post(env, clock)
        question = daily_question(settings, sample_bank)
        await env.reply(thread, full_answer(question), user="U1", ts="1800000000.000101")
        await fake.wait_for(lambda: len(fake.ok_calls("reactions.add")) == 1)
        clock.set(DEADLINE)
        await env.core.rounds.sweep()
        reveal = fake.ok_calls("chat.postMessage")[-1]
        assert reveal["thread_ts"] == thread and "Reveal" in json.dumps(reveal["blocks"])
        didnt = next(b for b in reveal["blocks"] if b["type"] == "actions")["elements"][2]
        assert didnt["action_id"] == "rate_didnt"
        assert int(str(reviews(settings)[0][2])) > 1

        notes = len(fake.ok_calls("chat.postEphemeral"))   # a follow-up may have been asked
        await env.interaction({"type": "block_actions", "user": {"id": "U1"},
                               "channel": {"id": "C1"}, "trigger_id": fake.issue_trigger("r1"),
                               "actions": [{**didnt, "type": "button", "block_id": "b",
                                            "action_ts": "1"}]})
        await fake.wait_for(lambda: len(fake.ok_calls("chat.postEphemeral")) == notes + 1)
        assert "Rated: didnt" in fake.ok_calls("chat.postEphemeral")[-1]["text"]
        qid, due = card(settings)
        assert qid == question.id and due == DEADLINE + timedelta(days=1)

        async def review_form() -> dict[str, Any]:
            forms = len(fake.ok_calls("views.update"))
            await env.command("/quiz", "review", user="U1")
            await fake.wait_for(lambda: len(fake.ok_calls("views.update")) == forms + 1)
            view: dict[str, Any] = fake.ok_calls("views.update")[-1]["view"]
            return view

        for now in (DEADLINE, due - timedelta(minutes=1)):
            clock.set(now)
            notice = await review_form()
            shown = json.dumps(notice)
            assert notice["callback_id"] == "quiz_notice" and "submit" not in notice
            assert "Nothing is due for review" in shown and question.prompt not in shown
            assert due.strftime("%Y-%m-%d %H:%M") in shown

        clock.set(due)
        form = await review_form()
        assert form["callback_id"] == "quiz_answer"
        assert question.prompt in json.dumps(form["blocks"])
        await env.interaction({"type": "view_submission", "user": {"id": "U1"},
                               "view": {**form, "id": "V9", "hash": "h9", "state": {
                                   "values": {"answer": {"text": {
                                       "type": "plain_text_input",
                                       "value": full_answer(question)}}}}}})
        await fake.wait_for(lambda: len(fake.ok_calls("chat.postEphemeral")) == notes + 2)
        assert "Reference answer" in json.dumps(fake.ok_calls("chat.postEphemeral")[-1])
        assert_second_review(settings, question)


async def test_review_loop_on_discord(settings: Settings, clock: FixedClock,
                                      sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await discord_post(env, clock)
        question = daily_question(settings, sample_bank)
        await fake.say(thread, 21, full_answer(question, DISCORD_GOOD))
        await fake.wait_for(lambda: len(fake.reactions) == 1)
        clock.set(DEADLINE)
        await env.core.rounds.sweep()
        reveal = fake.posts(thread)[-1]
        assert "Reveal" in fake.text_of(reveal)
        didnt = reveal["components"][0]["components"][2]
        assert didnt["label"] == "I didn't"
        assert int(str(reviews(settings)[0][2])) > 1

        tap = await fake.interact(3, {"custom_id": didnt["custom_id"], "component_type": 2},
                                  by=21, message=reveal)
        await fake.wait_for(lambda: bool(fake.replies_to(tap)))
        assert "Rated: didnt" in fake.text_of(fake.replies_to(tap)[-1])
        qid, due = card(settings)
        assert qid == question.id and due == DEADLINE + timedelta(days=1)

        for now in (DEADLINE, due - timedelta(minutes=1)):
            clock.set(now)
            shown = await env.run("quiz", "review", option="topic")
            assert "Nothing is due for review" in shown and question.prompt not in shown
            assert due.strftime("%Y-%m-%d %H:%M") in shown

        clock.set(due)
        inter = await fake.command("quiz", [{"name": "topic", "type": 3, "value": "review"}])
        await fake.wait_for(lambda: bool(fake.replies_to(inter)))
        asked = fake.replies_to(inter)[-1]
        assert "Review question" in fake.text_of(asked)
        assert question.prompt in fake.text_of(asked)
        button = asked["components"][0]["components"][0]
        click = await fake.interact(3, {"custom_id": button["custom_id"], "component_type": 2},
                                    message={**asked, "flags": 64})
        await fake.wait_for(lambda: fake.callback_for(click) is not None)
        modal = fake.callback_for(click)
        assert modal is not None
        submit = await fake.interact(5, {"custom_id": modal["body"]["data"]["custom_id"],
                                         "components": _filled(
                                             modal["body"]["data"],
                                             full_answer(question, DISCORD_GOOD))})
        await fake.wait_for(lambda: bool(fake.replies_to(submit)))
        assert "Reference answer" in fake.text_of(fake.replies_to(submit)[-1])
        assert_second_review(settings, question)
