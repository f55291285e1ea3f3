"""/quiz interview through the services: three questions each followed by its follow-up,
then a summary; each answer reviews its card; it survives a restart, a form submitted twice
counts once, and a stale or stopped interview never blocks a new one."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.base import Message
from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.rounds import MAX_ANSWER_CHARS
from bot.services import render
from bot.services.commands import CommandContext
from tests.dbdump import dump, query
from tests.fakes.memory import CHANNEL, person

ALICE = CommandContext(person(), CHANNEL, "general")


def step_of(message: Message) -> tuple[int, int]:
    ids = render.parse_id_action(message.buttons[0].action, render.INTERVIEW_ACTION, 2)
    assert ids is not None
    return ids[0], ids[1]


def reviews(db: Settings) -> list[tuple[object, ...]]:
    return query(db, "SELECT question_id, source FROM review_logs ORDER BY id")


async def test_three_questions_with_follow_ups_then_a_summary(core: Core) -> None:
    db = core.settings
    first = (await core.commands.run(ALICE, "quiz", "interview sample")).message
    assert first.title == "Mock interview: question 1 of 3"
    titles, message = [first.title], first
    before = dump(db)
    for bad in ("", "x" * (MAX_ANSWER_CHARS + 1)):
        got = await core.commands.interviews.answer(ALICE.actor, bad)
        assert "empty" in got.title or "too long" in got.title
    assert dump(db) == before
    while message.buttons:
        text = "a follow-up" if message.title.startswith("Follow-up") else \
            "byte-pair encoding merges frequent pairs"
        message = await core.commands.interviews.answer(ALICE.actor, text)
        titles.append(message.title)
    # every question, each followed by its follow-up (the sample bank's softmax entry has
    # none: its question is followed by the next question)
    asked = [q for q in (core.bank.get(qid) for qid, _ in reviews(db)) if q is not None]
    expected = []
    for i, q in enumerate(asked, 1):
        expected.append(f"Mock interview: question {i} of 3")
        if q.follow_up:
            expected.append(f"Follow-up to question {i} of 3")
    assert titles == [*expected, "Mock interview: summary"]
    assert len(asked) == 3 and sum(1 for q in asked if q.follow_up) == 2
    summary = message.text()
    assert summary.count("covered:") == 3 and summary.count("follow-up: answered") == 2
    assert "Topics to review" in summary and "sample" in summary.split("Topics to review")[1]
    asked = reviews(db)
    assert len(asked) == 3 and {s for _, s in asked} == {"practice"}
    assert len({q for q, _ in asked}) == 3   # three different questions
    # a mock interview pays no points
    assert query(db, "SELECT COUNT(*) FROM score_events") == [(0,)]
    after = await core.commands.interviews.answer(ALICE.actor, "one more")
    assert after.title == "No mock interview is running"


async def test_a_form_submitted_twice_counts_once(core: Core) -> None:
    first = (await core.commands.run(ALICE, "quiz", "interview")).message
    interview, step = step_of(first)
    nxt = await core.commands.interviews.answer(ALICE.actor, "answer", interview_id=interview,
                                                step=step)
    assert nxt.title.startswith("Follow-up to question 1")
    before = dump(core.settings)
    again = await core.commands.interviews.answer(ALICE.actor, "answer", interview_id=interview,
                                                  step=step)
    assert again.title == "That one is already answered"
    assert dump(core.settings) == before
    bob = person("U2", "bob")
    theirs = await core.commands.interviews.answer(bob, "mine", interview_id=interview, step=1)
    assert theirs.title == "No mock interview is running"
    assert dump(core.settings) == before


async def test_interview_survives_a_restart(settings: Settings, clock: FixedClock,
                                            sample_bank: QuestionBank) -> None:
    core = await build(settings, clock=clock, bank=sample_bank)
    await core.commands.run(ALICE, "quiz", "interview sample")
    await core.commands.interviews.answer(ALICE.actor, "first answer")
    await core.close()
    core = await build(settings, clock=clock, bank=sample_bank)
    try:
        assert await core.commands.interviews.progress(ALICE.actor) == "interview 1/3"
        resumed = (await core.commands.run(ALICE, "quiz", "interview")).message
        assert resumed.title == "Your mock interview continues: Follow-up to question 1 of 3"
        nxt = await core.commands.interviews.answer(ALICE.actor, "the follow-up")
        assert nxt.title == "Mock interview: question 2 of 3"
    finally:
        await core.close()


async def test_stale_or_stopped_interview_never_blocks_a_new_one(core: Core,
                                                                 clock: FixedClock) -> None:
    first = (await core.commands.run(ALICE, "quiz", "interview")).message
    old, _ = step_of(first)
    clock.set(clock.now() + timedelta(hours=3))
    assert await core.commands.interviews.progress(ALICE.actor) is None
    fresh = (await core.commands.run(ALICE, "quiz", "interview")).message
    assert fresh.title == "Mock interview: question 1 of 3" and step_of(fresh)[0] != old
    stopped = (await core.commands.run(ALICE, "quiz", "interview stop")).message
    assert stopped.title == "Mock interview stopped"
    assert (await core.commands.run(ALICE, "quiz", "interview stop")).message.title == \
        "No mock interview is running"
    again = (await core.commands.run(ALICE, "quiz", "interview")).message
    assert again.title == "Mock interview: question 1 of 3"


async def test_unknown_topic_starts_nothing(core: Core) -> None:
    before = dump(core.settings)
    got = (await core.commands.run(ALICE, "quiz", "interview sampel")).message
    assert "I don't know the topic" in got.title and "sample" in got.text()
    assert dump(core.settings) == before
