"""Spaced repetition: grades become FSRS reviews once per source, and /quiz review asks the
most overdue card as the clock moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.reviews import Recall, rating_for, retention
from bot.services.commands import CommandContext
from bot.services.reviews import record_review
from bot.storage.db import from_db
from bot.storage.repositories import People
from tests.dbdump import dump, query
from tests.fakes.memory import CHANNEL, MemoryPlatform, person
from tests.unit.test_rounds import answered_round

ALICE = CommandContext(person(), CHANNEL, "general")


@pytest.mark.parametrize(("coverage", "rating"), [
    (0.0, Recall.AGAIN), (0.2499, Recall.AGAIN), (0.25, Recall.HARD), (0.5999, Recall.HARD),
    (0.6, Recall.GOOD), (0.8999, Recall.GOOD), (0.9, Recall.EASY), (1.0, Recall.EASY)])
def test_the_rating_comes_from_the_covered_share(coverage: float, rating: Recall) -> None:
    assert rating_for(coverage) is rating


def test_retention_is_the_share_remembered() -> None:
    assert retention([]) is None
    assert retention([1, 2, 3, 4]) == 0.75


async def alice_id(core: Core) -> int:
    async with core.db.transaction() as conn:
        return (await People(conn).upsert("memory", "T1", "U1", "alice",
                                          core.clock.now())).id


def cards(core: Core) -> list[tuple[object, ...]]:
    return query(core.settings, "SELECT * FROM cards ORDER BY person_id, question_id")


def logs(core: Core) -> list[tuple[object, ...]]:
    return query(core.settings, "SELECT person_id, question_id, rating, source, source_id"
                                " FROM review_logs ORDER BY id")


async def test_a_review_recorded_twice_for_one_source_changes_nothing(
        core: Core, clock: FixedClock) -> None:
    pid = await alice_id(core)
    async with core.db.transaction() as conn:
        assert await record_review(conn, pid, "sample-tokens", 0.7, source="practice",
                                   source_id=1, at=clock.now())
    before = dump(core.settings)
    clock.advance(timedelta(days=3))
    async with core.db.transaction() as conn:
        assert not await record_review(conn, pid, "sample-tokens", 0.0, source="practice",
                                       source_id=1, at=clock.now())
    assert dump(core.settings) == before
    async with core.db.transaction() as conn:  # another source is another review
        assert await record_review(conn, pid, "sample-tokens", 0.0, source="daily",
                                   source_id=1, at=clock.now())
    assert [r[2:] for r in logs(core)] == [(3, "practice", 1), (1, "daily", 1)]


async def test_a_restart_moves_no_due_date(core: Core, clock: FixedClock, settings: Settings,
                                           sample_bank: QuestionBank) -> None:
    pid = await alice_id(core)
    async with core.db.transaction() as conn:
        await record_review(conn, pid, "sample-tokens", 1.0, source="practice", source_id=1,
                            at=clock.now())
    before = cards(core)
    assert from_db(str(before[0][3])) > clock.now() + timedelta(days=1)
    await core.close()
    clock.advance(timedelta(days=2))
    again = await build(settings, clock=clock, bank=sample_bank)
    try:
        again.platforms.register(MemoryPlatform())
        await again.rounds.sweep()
        assert cards(again) == before
    finally:
        await again.close()


async def test_a_retried_reveal_reviews_each_answer_once(core: Core, clock: FixedClock,
                                                         memory: MemoryPlatform) -> None:
    rnd = await answered_round(core, clock)
    clock.set(datetime(2026, 11, 22, 18, 0, tzinfo=UTC))
    memory.fail_next_sends = 1
    assert await core.rounds.reveal_due() == []     # graded and stored, the post failed
    assert len(logs(core)) == 1
    first = cards(core)
    clock.advance(timedelta(hours=1))
    assert await core.rounds.reveal_due() == [rnd.id]
    await core.rounds.reveal(rnd.id)
    await core.rounds.sweep()
    await core.rounds.sweep()
    assert len(memory.reveals) == 1
    assert logs(core) == [(first[0][0], rnd.question_id, 1, "daily", rnd.id)]
    assert cards(core) == first
    assert from_db(str(first[0][4])) == rnd.deadline   # reviewed at the round's deadline


async def test_a_practice_answer_reviews_its_card_once(core: Core) -> None:
    res = await core.commands.run(ALICE, "quiz", "sample")
    assert res.practice is not None
    await core.practice.answer(ALICE.actor, res.practice.attempt_id, "my answer")
    await core.practice.answer(ALICE.actor, res.practice.attempt_id, "my answer again")
    assert [r[1:] for r in logs(core)] == [
        (res.practice.question.id, 1, "practice", res.practice.attempt_id)]


async def test_quiz_review_asks_the_most_overdue_card(core: Core, clock: FixedClock) -> None:
    none = (await core.commands.run(ALICE, "quiz", "review")).message.text()
    assert "No cards yet: answer a daily or practice question first" in none
    pid = await alice_id(core)
    start = clock.now()
    async with core.db.transaction() as conn:
        for n, (qid, coverage) in enumerate([("sample-tokens", 1.0), ("sample-softmax", 0.7),
                                             ("sample-overfitting", 0.0)]):
            await record_review(conn, pid, qid, coverage, source="daily", source_id=100 + n,
                                at=start + timedelta(minutes=n))
    dues = {str(r[1]): from_db(str(r[3])) for r in cards(core)}
    order = sorted(dues, key=lambda q: dues[q])
    assert order == ["sample-overfitting", "sample-softmax", "sample-tokens"]
    nothing = (await core.commands.run(ALICE, "quiz", "review")).message.text()
    assert "Nothing is due for review; next review: " in nothing
    assert dues[order[0]].strftime("%Y-%m-%d %H:%M") in nothing

    clock.set(dues[order[0]])
    res = await core.commands.run(ALICE, "quiz", "review")
    assert res.practice is not None and res.practice.question.id == order[0]
    assert res.message.title == "Review question"

    clock.set(dues["sample-tokens"] + timedelta(days=1))   # all three due: the oldest first
    res = await core.commands.run(ALICE, "quiz", "review")
    assert res.practice is not None and res.practice.question.id == order[0]
    await core.practice.answer(ALICE.actor, res.practice.attempt_id,
                               res.practice.question.answer)   # reviewed: not due now
    res = await core.commands.run(ALICE, "quiz")                 # no topic: a due card first
    assert res.practice is not None and res.practice.question.id == order[1]
    assert res.message.title == "Review question"


async def test_stats_show_reviews_due_and_retention(core: Core, clock: FixedClock) -> None:
    pid = await alice_id(core)
    async with core.db.transaction() as conn:
        await record_review(conn, pid, "sample-tokens", 0.0, source="practice", source_id=1,
                            at=clock.now() - timedelta(days=40))   # outside the 30 days
        await record_review(conn, pid, "sample-softmax", 0.0, source="practice", source_id=2,
                            at=clock.now() - timedelta(hours=20))
        await record_review(conn, pid, "sample-overfitting", 0.95, source="practice",
                            source_id=3, at=clock.now())
    text = (await core.commands.run(ALICE, "stats")).message.text()
    assert "Reviews due today: 2" in text        # tokens (overdue) and softmax (due at 12:00)
    assert "Retention (last 30 days): 50%" in text
