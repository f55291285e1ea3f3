"""Interviewer follow-ups through the services: asked once after a daily answer (privately,
in the thread, or not at all), replied to once or replaced, graded loosely (one point per
round, the LLM judge's notes when it is on), shown at the reveal; and after practice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.app import Core
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.rounds import MAX_ANSWER_CHARS, AnswerOutcome, Round
from bot.services.commands import CommandContext
from bot.services.follow_ups import FollowUpService
from bot.services.llm_judge import LLMJudge
from bot.services.practice import PracticeQuestion
from bot.storage.repositories import Answers
from tests.dbdump import dump, query
from tests.fakes.memory import CHANNEL, LEAD, MemoryPlatform, answer, person
from tests.fakes.openai import fake_openai
from tests.unit.test_rounds import subscribe

ALICE = CommandContext(person(), CHANNEL, "general")
BOB = CommandContext(person("U2", "bob"), CHANNEL, "general")


async def follow_up_round(core: Core, clock: FixedClock, mode: str = "private") -> Round:
    """The channel subscribed (follow-ups ``mode``) and the first daily question that has a
    follow-up posted (a question without one is revealed and the next day tried)."""
    sub = await subscribe(core)
    await core.commands.run(CommandContext(LEAD, CHANNEL, "general"), "channel",
                            f"followups {mode}")
    day = datetime(2026, 11, 22, 9, 5, tzinfo=UTC)
    while True:
        clock.set(day)
        rnd = await core.rounds.post_due(sub.id)
        assert rnd is not None and rnd.thread_id
        question = core.bank.get(rnd.question_id)
        if question and question.follow_up:
            return rnd
        clock.set(day + timedelta(hours=9))
        await core.rounds.sweep()
        day += timedelta(days=1)


def follow_up_points(db: Settings) -> list[tuple[object, ...]]:
    return query(db, "SELECT person_id, points, round_id FROM score_events WHERE"
                 " reason='follow-up' ORDER BY id")


def asked(memory: MemoryPlatform) -> list[str]:
    return [m.title for _, m in memory.told if m.title == "Follow-up question"]


async def test_a_question_without_follow_up_asks_nothing(core: Core, clock: FixedClock,
                                                         memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 5, tzinfo=UTC))
    rnd = await core.rounds.post_due(sub.id)
    assert rnd and rnd.thread_id and core.bank.get(rnd.question_id).follow_up is None  # type: ignore[union-attr]
    await core.rounds.record_answer(answer(rnd.thread_id, "softmax turns scores into odds"))
    assert asked(memory) == []


async def test_private_follow_up_asked_once_replied_replaced_and_revealed(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    rnd = await follow_up_round(core, clock)
    assert rnd.thread_id
    question = core.bank.get(rnd.question_id)
    assert question is not None and question.follow_up
    first = answer(rnd.thread_id, "my answer", message_id="a1", event_id="e1")
    assert (await core.rounds.record_answer(first)).outcome is AnswerOutcome.RECORDED
    (note,) = [m for _, m in memory.told if m.title == "Follow-up question"]
    assert question.follow_up in note.text() and "/followup" in note.footer
    assert note.buttons[0].action.startswith("followup:")
    # a replayed event and an edit of the answer ask nothing more
    await core.rounds.record_answer(first)
    edited = answer(rnd.thread_id, "my better answer", message_id="a1", event_id="e2")
    assert (await core.rounds.record_answer(edited)).outcome is AnswerOutcome.REPLACED
    assert len(asked(memory)) == 1

    db = core.settings
    before = dump(db)
    for bad, title in (("", "empty"), ("x" * (MAX_ANSWER_CHARS + 1), "too long")):
        got = await core.commands.run(ALICE, "followup", bad)
        assert title in got.message.title
    assert "No follow-up question is waiting" in (
        await core.commands.run(BOB, "followup", "my reply")).message.title
    assert dump(db) == before

    got = await core.commands.run(ALICE, "followup", "Bytes are the base vocabulary.")
    assert got.message.title == "Follow-up answer recorded"
    assert "+1 participation point" in got.message.text()
    got = await core.commands.run(ALICE, "followup", "Every byte is in the vocabulary.")
    assert got.message.title.startswith("Follow-up answer updated")
    assert [(p, r) for _, p, r in follow_up_points(db)] == [(1, rnd.id)]   # paid once

    clock.set(rnd.deadline + timedelta(minutes=1))
    before = dump(db)
    late = await core.commands.run(ALICE, "followup", "too late now")
    assert "No follow-up question is waiting" in late.message.title
    await core.rounds.sweep()
    reveal = memory.reveals[-1].message.text()
    assert "follow-up: «Every byte is in the vocabulary.»" in reveal
    assert question.follow_up in reveal
    assert [r for r in dump(db) if r[0] == "follow_ups"] == \
        [r for r in before if r[0] == "follow_ups"]


async def test_channel_set_to_off_asks_no_follow_up(core: Core, clock: FixedClock,
                                                    memory: MemoryPlatform) -> None:
    rnd = await follow_up_round(core, clock, "off")
    assert rnd.thread_id
    await core.rounds.record_answer(answer(rnd.thread_id, "my answer"))
    assert asked(memory) == [] and not [p for p in memory.posts if "Follow-up" in
                                        p.message.title]
    assert "Follow-ups: off" in (await core.commands.run(ALICE, "schedule")).message.text()


async def test_only_channel_leads_set_follow_ups(core: Core, clock: FixedClock) -> None:
    await subscribe(core)
    before = dump(core.settings)
    got = await core.commands.run(ALICE, "channel", "followups off")
    assert got.message.refused and dump(core.settings) == before
    bad = await core.commands.run(CommandContext(LEAD, CHANNEL, "general"), "channel",
                                  "followups loud")
    assert "not a follow-up mode" in bad.message.text()
    assert dump(core.settings) == before


async def test_thread_mode_next_reply_answers_the_follow_up(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    rnd = await follow_up_round(core, clock, "thread")
    assert rnd.thread_id
    await core.rounds.record_answer(answer(rnd.thread_id, "my answer", message_id="a1"))
    (post,) = [p for p in memory.posts if p.message.title == "Follow-up for alice"]
    assert post.thread_id == rnd.thread_id and post.message.mentions == ("U1",)
    assert asked(memory) == []
    reply = answer(rnd.thread_id, "my follow-up reply", message_id="r1", event_id="ev-r1")
    got = await core.rounds.record_answer(reply)
    assert got.outcome is AnswerOutcome.RECORDED
    assert ("r1", AnswerOutcome.RECORDED) in memory.acks
    assert (await core.rounds.record_answer(reply)).outcome is AnswerOutcome.DUPLICATE
    # editing the answer still edits the answer; editing the reply edits the reply
    edit = replace(answer(rnd.thread_id, "my edited answer", message_id="a1",
                          event_id="ev-a1b"), edited=True)
    assert (await core.rounds.record_answer(edit)).outcome is AnswerOutcome.REPLACED
    again = replace(edit, message_id="r1", text="my edited reply", event_id="ev-r1b")
    assert (await core.rounds.record_answer(again)).outcome is AnswerOutcome.REPLACED
    async with core.db.reading() as conn:
        (stored,) = await Answers(conn).for_round(rnd.id)
    assert stored.text == "my edited answer"   # the reply never became the answer
    # after the reply, a new thread reply is an answer again (and replaces it)
    newer = answer(rnd.thread_id, "my final answer", message_id="a2")
    assert (await core.rounds.record_answer(newer)).outcome is AnswerOutcome.REPLACED
    clock.set(rnd.deadline + timedelta(minutes=1))
    await core.rounds.sweep()
    reveal = memory.reveals[-1].message.text()
    assert "follow-up: «my edited reply»" in reveal
    assert len(follow_up_points(core.settings)) == 1


async def test_undeliverable_follow_up_is_forgotten(core: Core, clock: FixedClock,
                                                    memory: MemoryPlatform) -> None:
    rnd = await follow_up_round(core, clock)
    assert rnd.thread_id

    async def refuse(*_: object) -> None:
        from bot.adapters.base import PlatformError
        raise PlatformError("DMs closed", retryable=False)

    memory.tell = refuse  # type: ignore[method-assign]
    await core.rounds.record_answer(answer(rnd.thread_id, "my answer"))
    got = await core.commands.run(ALICE, "followup", "a reply to nothing")
    assert "No follow-up question is waiting" in got.message.title


async def test_practice_result_asks_the_follow_up(core: Core, clock: FixedClock) -> None:
    db = core.settings
    core.practice.rng.seed(7)   # the same practice questions every run
    for _ in range(10):
        started = await core.commands.run(ALICE, "quiz", "sample")
        practice = started.practice
        assert isinstance(practice, PracticeQuestion)
        if practice.question.follow_up:
            break
        await core.practice.answer(ALICE.actor, practice.attempt_id, "skip")
    result = await core.practice.answer(ALICE.actor, practice.attempt_id, "an answer")
    assert practice.question.follow_up and practice.question.follow_up in result.text()
    assert any(b.action.startswith("followup:") for b in result.buttons)
    got = await core.commands.run(ALICE, "followup", "a thoughtful follow-up answer")
    assert got.message.title == "Follow-up answer recorded"
    assert query(db, "SELECT board, points FROM score_events WHERE"
                 " reason='follow-up'") == [("practice", 1)]
    clock.set(clock.now() + timedelta(hours=25))
    before = dump(db)
    assert "No follow-up question is waiting" in (
        await core.commands.run(ALICE, "followup", "a day later")).message.title
    assert dump(db) == before


async def test_llm_judge_notes_on_a_follow_up_reply(core: Core, clock: FixedClock,
                                                    memory: MemoryPlatform) -> None:
    rnd = await follow_up_round(core, clock)
    assert rnd.thread_id
    async with fake_openai() as llm:
        llm.reply = {"notes": "Right about bytes; add that merges start from 256 symbols."}
        judge = LLMJudge(llm.base_url, "test-model", None, timeout=5)
        core.rounds.follow_ups.judge = core.commands.follow_ups.judge = judge
        await core.rounds.record_answer(answer(rnd.thread_id, "my answer"))
        got = await core.commands.run(ALICE, "followup", "Every byte is a token.")
        assert "Notes: Right about bytes" in got.message.text()
        assert "Every byte is a token." in llm.requests[-1]["messages"][1]["content"]
        llm.status = 500   # a failing judge gives no notes; the reply is still stored
        got = await core.commands.run(ALICE, "followup", "Bytes cover everything.")
        assert got.message.title.startswith("Follow-up answer updated")
        assert "Notes:" not in got.message.text()
    clock.set(rnd.deadline + timedelta(minutes=1))
    await core.rounds.sweep()
    reveal = memory.reveals[-1].message.text()
    assert "follow-up: «Bytes cover everything.»" in reveal
    assert "follow-up note" not in reveal


async def test_rubric_judge_gives_no_notes(core: Core) -> None:
    service = FollowUpService(core.db, core.bank, core.clock)
    question = next(q for q in core.bank if q.follow_up)
    assert await service.notes(question, "anything") is None


async def test_a_follow_up_button_is_only_its_owners(core: Core, clock: FixedClock,
                                                     memory: MemoryPlatform) -> None:
    rnd = await follow_up_round(core, clock)
    assert rnd.thread_id
    await core.rounds.record_answer(answer(rnd.thread_id, "my answer"))
    (note,) = [m for _, m in memory.told if m.title == "Follow-up question"]
    follow_up_id = int(note.buttons[0].action.split(":")[1])
    before = dump(core.settings)
    got = await core.commands.follow_ups.reply(BOB.actor, "mine now", follow_up_id=follow_up_id)
    assert got.outcome is AnswerOutcome.REJECTED and "not yours" in got.message.title
    assert dump(core.settings) == before
    # the owner, even from where the workspace is unknown (a Discord direct message)
    dm = type(ALICE.actor)("memory", "0", "U1", "alice")
    got = await core.commands.follow_ups.reply(dm, "from a DM", follow_up_id=follow_up_id,
                                               event_id="interaction:1")
    assert got.outcome is AnswerOutcome.RECORDED
    again = await core.commands.follow_ups.reply(dm, "from a DM", follow_up_id=follow_up_id,
                                                 event_id="interaction:1")
    assert again.outcome is AnswerOutcome.DUPLICATE
