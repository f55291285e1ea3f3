"""Follow-ups and /quiz interview on the real discord.py adapter against the fake Discord:
the follow-up of a thread answer arrives by direct message with a persistent button, the
button (clicked in the DM, where there is no server) opens a modal, the reply is stored
once and shown at the reveal; off; thread mode; the interview by buttons and modals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.rounds import Round
from bot.storage.repositories import Answers, Rounds
from tests.dbdump import dump
from tests.e2e.discord_helpers import DiscordEnv, discord_env
from tests.e2e.test_discord import CHANNEL, _filled, schedule_and_post
from tests.fakes.discord import CHANNEL_ID, OWNER_ID


async def latest_round(env: DiscordEnv) -> Round:
    sub = await env.core.subscriptions.get(CHANNEL)
    assert sub is not None
    async with env.core.db.reading() as conn:
        rnd = await Rounds(conn).latest(sub.id)
    assert rnd is not None
    return rnd


async def follow_up_thread(env: DiscordEnv, clock: FixedClock, mode: str = "") -> int:
    """The channel subscribed (follow-ups ``mode``) with an open daily question that has a
    follow-up (one without is revealed and the next day's posted)."""
    await schedule_and_post(env, clock)
    if mode:
        assert "Daily question for" in await env.run("schedule", f"followups {mode}",
                                                     by=OWNER_ID)
    sub = await env.core.subscriptions.get(CHANNEL)
    assert sub is not None
    for _ in range(3):
        rnd = await latest_round(env)
        question = env.core.bank.get(rnd.question_id)
        if question and question.follow_up and rnd.thread_id:
            return int(rnd.thread_id)
        clock.set(rnd.deadline + timedelta(minutes=1))
        await env.core.rounds.sweep()
        clock.set(rnd.opens_at + timedelta(days=1, minutes=5))
        await env.core.rounds.post_due(sub.id)
    raise AssertionError("no daily question with a follow-up came up")


def button(message: dict[str, Any], prefix: str) -> dict[str, Any]:
    return next(c for row in message["components"] for c in row["components"]
                if c.get("custom_id", "").startswith(prefix))


async def submit_modal(env: DiscordEnv, message: dict[str, Any], prefix: str, text: str,
                       **where: Any) -> dict[str, Any]:
    """Click the button, fill in the modal it opens and submit; returns the submission."""
    fake = env.fake
    click = await fake.interact(3, {"custom_id": button(message, prefix)["custom_id"],
                                    "component_type": 2}, message=message, **where)
    await fake.wait_for(lambda: fake.callback_for(click) is not None)
    modal = fake.callback_for(click)
    assert modal is not None and modal["body"]["type"] == 9
    data = modal["body"]["data"]
    submit = await fake.interact(5, {"custom_id": data["custom_id"],
                                     "components": _filled(data, text)}, **where)
    await fake.wait_for(lambda: bool(fake.replies_to(submit)))
    return submit


async def test_discord_follow_up_by_dm_button_modal_and_reveal(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await follow_up_thread(env, clock)
        await fake.say(thread, 21, "BPE merges frequent pairs of bytes.")
        await fake.wait_for(lambda: any(m["components"] for m in fake.messages.values()
                                        if int(m["channel_id"]) not in (thread, CHANNEL_ID)))
        dm = next(m for m in fake.messages.values()
                  if int(m["channel_id"]) not in (thread, CHANNEL_ID) and m["components"])
        assert "Follow-up question" in fake.text_of(dm)
        assert "/quiz followup YOUR ANSWER" in fake.text_of(dm)   # spelled for Discord
        where = {"dm": True, "channel_id": int(dm["channel_id"])}
        submit = await submit_modal(env, dm, "quizbot:followup:",
                                    "Every byte is in the base vocabulary.", **where)
        shown = fake.replies_to(submit)[-1]
        assert "Follow-up answer recorded" in fake.text_of(shown) and shown["flags"] & 64

        before = dump(settings.db.as_posix())
        other = await submit_modal(env, dm, "quizbot:followup:", "bob's words",
                                   dm=True, channel_id=int(dm["channel_id"]), by=22)
        assert "not yours" in fake.text_of(fake.replies_to(other)[-1])
        assert "No follow-up question is waiting" in await env.run(
            "quiz", "followup nothing was asked of me", option="topic", by=23)
        assert dump(settings.db.as_posix()) == before

        clock.set(clock.now() + timedelta(hours=9))
        await env.core.rounds.sweep()
        reveal = fake.text_of(fake.posts(thread)[-1])
        assert "follow-up: «Every byte is in the base vocabulary.»" in reveal


async def test_discord_follow_ups_off_then_in_the_thread(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await follow_up_thread(env, clock, "off")
        await fake.say(thread, 21, "my answer")
        await fake.wait_for(lambda: len(fake.reactions) == 1)
        assert "asked in the question's thread" in await env.run(
            "schedule", "followups thread", by=OWNER_ID)
        assert not fake.dms   # off: nothing was asked

        await fake.say(thread, 22, "my answer")
        await fake.wait_for(lambda: any("Follow-up for bob" in fake.text_of(m)
                                        for m in fake.posts(thread)))
        post = next(m for m in fake.posts(thread) if "Follow-up for bob" in fake.text_of(m))
        assert post["content"] == "<@22>"
        reply = await fake.say(thread, 22, "my follow-up reply")
        await fake.wait_for(lambda: (thread, int(reply["id"]), "✅") in fake.reactions)
        rnd = await latest_round(env)
        async with env.core.db.reading() as conn:
            texts = sorted(a.text for a in await Answers(conn).for_round(rnd.id))
        assert texts == ["my answer", "my answer"]    # the reply is not a second answer
        clock.set(clock.now() + timedelta(hours=9))
        await env.core.rounds.sweep()
        assert "follow-up: «my follow-up reply»" in fake.text_of(fake.posts(thread)[-1])


async def test_discord_mock_interview_by_buttons(settings: Settings, clock: FixedClock,
                                                 sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        inter = await fake.command("quiz", [{"name": "topic", "type": 3,
                                             "value": "interview sample"}])
        await fake.wait_for(lambda: bool(fake.replies_to(inter)))
        step = fake.replies_to(inter)[-1]
        assert "Mock interview: question 1 of 3" in fake.text_of(step)
        n = 0
        while "summary" not in fake.text_of(step) and n < 8:
            n += 1
            submit = await submit_modal(env, step, "quizbot:interview:",
                                        "byte-pair encoding merges pairs")
            step = fake.replies_to(submit)[-1]
        assert n == 5 and "Mock interview: summary" in fake.text_of(step)
        assert "Topics to review" in fake.text_of(step)
