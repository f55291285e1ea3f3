"""The daily loop through the services, with a recording in-memory platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import Core
from bot.clock import FixedClock
from bot.domain.rounds import MAX_ANSWER_CHARS, AnswerOutcome, Round, RoundState
from bot.domain.subscriptions import Subscription
from bot.storage.repositories import Answers, Rounds, Scores
from tests.fakes.memory import CHANNEL, LEAD, MemoryPlatform, answer


async def subscribe(core: Core, **kw: object) -> Subscription:
    sub = await core.subscriptions.subscribe(
        LEAD, CHANNEL, "general", post_time=kw.get("post_time", core.default_post_time),  # type: ignore[arg-type]
        timezone=str(kw.get("timezone", "UTC")), window=kw.get("window", timedelta(hours=8)))  # type: ignore[arg-type]
    assert isinstance(sub, Subscription)
    return sub


async def answered_round(core: Core, clock: FixedClock) -> Round:
    """The channel subscribed, the day's round posted at 09:05, and alice's answer stored."""
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 5, tzinfo=UTC))
    rnd = await core.rounds.post_due(sub.id)
    assert rnd and rnd.thread_id
    await core.rounds.record_answer(answer(rnd.thread_id, "an answer"))
    return rnd


async def test_posts_once_at_the_scheduled_time(core: Core, clock: FixedClock,
                                                memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    assert await core.rounds.post_due(sub.id) is None  # 08:00: not yet
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    rnd = await core.rounds.post_due(sub.id)
    assert rnd is not None and rnd.state is RoundState.OPEN
    for _ in range(3):  # cron, sweeper, a second process: all harmless
        await core.rounds.post_due(sub.id)
        await core.rounds.sweep()
    assert len(memory.questions) == 1
    assert rnd.thread_id == memory.questions[0].sent.thread_id


async def test_answers_are_acknowledged_after_storage(core: Core, clock: FixedClock,
                                                      memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 5, tzinfo=UTC))
    rnd = await core.rounds.post_due(sub.id)
    assert rnd and rnd.thread_id
    res = await core.rounds.record_answer(answer(rnd.thread_id, "subword tokens", message_id="x1"))
    assert res.outcome is AnswerOutcome.RECORDED
    assert memory.acks == [("x1", AnswerOutcome.RECORDED)]
    async with core.db.reading() as conn:
        stored = await Answers(conn).for_round(rnd.id)
    assert [(a.person.display_name, a.text, a.late) for a in stored] == [
        ("alice", "subword tokens", False)]


async def test_edit_before_deadline_replaces_the_answer(core: Core, clock: FixedClock) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 5, tzinfo=UTC))
    rnd = await core.rounds.post_due(sub.id)
    assert rnd and rnd.thread_id
    await core.rounds.record_answer(answer(rnd.thread_id, "first", message_id="m1"))
    res = await core.rounds.record_answer(answer(rnd.thread_id, "second", message_id="m1"))
    assert res.outcome is AnswerOutcome.REPLACED
    async with core.db.reading() as conn:
        stored = await Answers(conn).for_round(rnd.id)
    assert [a.text for a in stored] == ["second"]


async def test_late_answers_are_kept_flagged_and_unscored(core: Core, clock: FixedClock,
                                                          memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 5, tzinfo=UTC))
    rnd = await core.rounds.post_due(sub.id)
    assert rnd and rnd.thread_id
    await core.rounds.record_answer(answer(rnd.thread_id, "on time", user="U1", name="alice"))
    clock.set(datetime(2026, 11, 22, 17, 0, tzinfo=UTC))  # exactly the deadline: closed
    late = await core.rounds.record_answer(answer(rnd.thread_id, "too late", user="U2",
                                                  name="bob"))
    assert late.outcome is AnswerOutcome.LATE and late.reply is not None
    again = await core.rounds.record_answer(answer(rnd.thread_id, "edit", user="U1",
                                                   name="alice"))
    assert again.outcome is AnswerOutcome.REJECTED  # alice's on-time answer stands
    await core.rounds.sweep()
    async with core.db.reading() as conn:
        stored = {a.person.display_name: a for a in await Answers(conn).for_round(rnd.id)}
        ledger = await Scores(conn).for_round(rnd.id)
    assert stored["bob"].late and not stored["alice"].late
    assert stored["alice"].text == "on time"
    assert [(r["person_id"], r["points"]) for r in ledger] == [(stored["alice"].person.id, 1)]
    reveal = memory.reveals[0].message.text()
    assert "alice: +1 pt" in reveal and "Late (kept, not scored)" in reveal and "bob" in reveal


async def test_bad_answers_change_nothing(core: Core, clock: FixedClock,
                                          memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 5, tzinfo=UTC))
    rnd = await core.rounds.post_due(sub.id)
    assert rnd and rnd.thread_id
    for text in ("", "   \n\t ", "x" * (MAX_ANSWER_CHARS + 1)):
        res = await core.rounds.record_answer(answer(rnd.thread_id, text))
        assert res.outcome is AnswerOutcome.REJECTED and res.reply is not None
    res = await core.rounds.record_answer(answer("not-a-thread", "hello"))
    assert res.outcome is AnswerOutcome.NO_ROUND
    async with core.db.reading() as conn:
        assert await Answers(conn).for_round(rnd.id) == []
    assert memory.acks == []


async def test_a_replayed_event_counts_once(core: Core, clock: FixedClock,
                                            memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 5, tzinfo=UTC))
    rnd = await core.rounds.post_due(sub.id)
    assert rnd and rnd.thread_id
    first = await core.rounds.record_answer(answer(rnd.thread_id, "v1", event_id="E1"))
    # The platform retries the same event later with (in theory) any content: ignored.
    replay = await core.rounds.record_answer(answer(rnd.thread_id, "v2", event_id="E1"))
    assert (first.outcome, replay.outcome) == (AnswerOutcome.RECORDED, AnswerOutcome.DUPLICATE)
    async with core.db.reading() as conn:
        assert [a.text for a in await Answers(conn).for_round(rnd.id)] == ["v1"]


async def test_reveal_happens_once_and_pays_once(core: Core, clock: FixedClock,
                                                 memory: MemoryPlatform) -> None:
    rnd = await answered_round(core, clock)
    clock.set(datetime(2026, 11, 22, 16, 59, tzinfo=UTC))
    assert await core.rounds.reveal_due() == []
    clock.set(datetime(2026, 11, 22, 17, 0, tzinfo=UTC))
    assert await core.rounds.reveal_due() == [rnd.id]
    assert await core.rounds.reveal_due() == []
    await core.rounds.sweep()
    assert len(memory.reveals) == 1
    assert memory.reveals[0].thread_id == rnd.thread_id
    async with core.db.reading() as conn:
        assert len(await Scores(conn).for_round(rnd.id)) == 1
        done = await Rounds(conn).get(rnd.id)
    assert done and done.state is RoundState.REVEALED


async def test_a_failed_post_is_retried_not_duplicated(core: Core, clock: FixedClock,
                                                       memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    memory.fail_next_sends = 1
    rnd = await core.rounds.post_due(sub.id)
    assert rnd is not None and rnd.state is RoundState.POSTING and memory.posts == []
    await core.rounds.sweep()
    await core.rounds.sweep()
    assert len(memory.questions) == 1
    async with core.db.reading() as conn:
        again = await Rounds(conn).get(rnd.id)
    assert again and again.state is RoundState.OPEN


async def test_a_failed_reveal_is_retried_and_pays_once(core: Core, clock: FixedClock,
                                                        memory: MemoryPlatform) -> None:
    rnd = await answered_round(core, clock)
    clock.set(datetime(2026, 11, 22, 18, 0, tzinfo=UTC))
    memory.fail_next_sends = 1
    assert await core.rounds.reveal_due() == []
    async with core.db.reading() as conn:
        stuck = await Rounds(conn).get(rnd.id)
    assert stuck and stuck.state is RoundState.REVEALING
    assert await core.rounds.reveal_due() == [rnd.id]
    assert len(memory.reveals) == 1
    async with core.db.reading() as conn:
        assert len(await Scores(conn).for_round(rnd.id)) == 1


async def test_questions_do_not_repeat_across_days(core: Core, clock: FixedClock,
                                                   memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    day = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    seen = []
    for i in range(len(core.bank)):
        clock.set(day + timedelta(days=i))
        rnd = await core.rounds.post_due(sub.id)
        assert rnd is not None
        seen.append(rnd.question_id)
    assert sorted(seen) == sorted(q.id for q in core.bank)


async def test_a_missed_post_is_made_while_its_window_is_open(core: Core, clock: FixedClock,
                                                              memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))  # down at 09:00, back at noon
    await core.rounds.sweep()
    assert len(memory.questions) == 1
    clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))  # down all of the next window
    await core.rounds.sweep()
    assert len(memory.questions) == 1  # that day's window closed: not posted late
    assert len(memory.reveals) == 1     # but the earlier round was revealed
    assert sub.id


async def test_a_post_delivered_before_a_failure_is_adopted_not_repeated(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    memory.deliver_then_fail = 1
    rnd = await core.rounds.post_due(sub.id)
    assert rnd is not None and rnd.state is RoundState.POSTING
    assert len(memory.questions) == 1          # it did go out
    await core.rounds.sweep()                  # the retry finds it instead of re-posting
    assert len(memory.questions) == 1
    async with core.db.reading() as conn:
        adopted = await Rounds(conn).get(rnd.id)
    assert adopted and adopted.state is RoundState.OPEN
    assert adopted.thread_id == memory.questions[0].sent.thread_id
    # the same for the reveal
    await core.rounds.record_answer(answer(adopted.thread_id or "", "x"))
    clock.set(datetime(2026, 11, 22, 17, 0, tzinfo=UTC))
    memory.deliver_then_fail = 1
    await core.rounds.sweep()
    await core.rounds.sweep()
    assert len(memory.reveals) == 1
    async with core.db.reading() as conn:
        done = await Rounds(conn).get(rnd.id)
    assert done and done.state is RoundState.REVEALED


async def test_a_post_that_went_out_before_a_long_outage_is_still_revealed(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    memory.deliver_then_fail = 1          # posted, then the process "died" before the commit
    rnd = await core.rounds.post_due(sub.id)
    assert rnd is not None and rnd.state is RoundState.POSTING and len(memory.questions) == 1
    clock.set(datetime(2026, 11, 22, 20, 0, tzinfo=UTC))  # back only after the deadline
    await core.rounds.sweep()
    assert len(memory.questions) == 1 and len(memory.reveals) == 1
    assert memory.reveals[0].thread_id == memory.questions[0].sent.thread_id


async def test_a_round_never_posted_before_its_deadline_is_dropped(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    memory.fail_next_sends = 1            # the post never reached the platform
    rnd = await core.rounds.post_due(sub.id)
    assert rnd is not None and memory.posts == []
    clock.set(datetime(2026, 11, 22, 20, 0, tzinfo=UTC))
    await core.rounds.sweep()
    assert memory.posts == []             # nobody saw it: nothing to reveal
    async with core.db.reading() as conn:
        dropped = await Rounds(conn).get(rnd.id)
    assert dropped and dropped.state is RoundState.REVEALED and dropped.thread_id is None


async def test_a_post_that_cannot_succeed_is_reported_to_the_lead_once(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    memory.fail_next_sends, memory.fail_permanently = 3, True  # e.g. the bot left the channel
    await core.rounds.post_due(sub.id)
    await core.rounds.sweep()
    await core.rounds.sweep()
    assert memory.posts == []
    assert [who for who, _ in memory.told] == [LEAD.user_id]  # told once, not every minute
    assert "can't post the daily question in #general" in memory.told[0][1].text()
    await core.rounds.sweep()                               # fixed: the retry posts once
    assert len(memory.questions) == 1


async def test_the_reveal_explains_each_grade_and_keeps_it_after_a_restart(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    await core.subscriptions.configure(LEAD, CHANNEL, topics=("sample",))
    clock.set(datetime(2026, 11, 22, 9, 5, tzinfo=UTC))
    rnd = await core.rounds.post_due(sub.id)
    assert rnd and rnd.thread_id
    question = core.bank.get(rnd.question_id)
    assert question is not None
    wrong = question.misconceptions[0]
    text = f"{question.answer} Also, {wrong.phrases[0]}."
    await core.rounds.record_answer(answer(rnd.thread_id, text))
    clock.set(datetime(2026, 11, 22, 17, 0, tzinfo=UTC))
    await core.rounds.sweep()
    shown = memory.reveals[0].message.text()
    assert "covered: " in shown and "«" in shown      # points with the words that earned them
    assert "missed: " in shown and wrong.correction in shown
    results = (await core.rounds.results(CHANNEL)).text()   # read back from the database
    assert wrong.correction in results and "«" in results


async def test_a_thread_that_cannot_be_opened_never_reposts_the_question(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    memory.fail_next_threads = 3           # e.g. 403: no permission to create threads
    await core.rounds.post_due(sub.id)
    for _ in range(3):
        await core.rounds.sweep()           # each sweep retries the thread, not the post
    assert len(memory.questions) == 1
    async with core.db.reading() as conn:
        rnd = await Rounds(conn).get(1)
    assert rnd is not None and rnd.state is RoundState.OPEN
    assert rnd.message_id == memory.questions[0].sent.message_id
    assert rnd.thread_id == rnd.message_id and memory.threads == [rnd.message_id]


async def test_a_round_whose_thread_never_opened_is_revealed_in_the_channel(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 0, tzinfo=UTC))
    memory.fail_next_threads = 100
    memory.fail_permanently = True
    await core.rounds.post_due(sub.id)
    clock.set(datetime(2026, 11, 22, 20, 0, tzinfo=UTC))
    await core.rounds.sweep()
    assert len(memory.questions) == 1 and len(memory.reveals) == 1
    assert memory.reveals[0].thread_id is None
    assert [user for user, _ in memory.told] == [LEAD.user_id]   # told once, not per sweep


async def test_after_the_clock_steps_back_a_revealed_round_takes_no_on_time_answer(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    sub = await subscribe(core)
    clock.set(datetime(2026, 11, 22, 9, 5, tzinfo=UTC))
    rnd = await core.rounds.post_due(sub.id)
    assert rnd and rnd.thread_id
    first = await core.rounds.record_answer(answer(rnd.thread_id, "on time", user="U1",
                                                   name="alice"))
    assert first.outcome is AnswerOutcome.RECORDED    # the open round is now cached
    clock.set(datetime(2026, 11, 22, 17, 0, tzinfo=UTC))
    await core.rounds.sweep()                          # graded, paid and revealed
    assert len(memory.reveals) == 1
    clock.set(datetime(2026, 11, 22, 16, 0, tzinfo=UTC))  # NTP steps the clock back
    res = await core.rounds.record_answer(answer(rnd.thread_id, "after the reveal",
                                                 user="U2", name="bob", message_id="b1"))
    assert res.outcome is AnswerOutcome.LATE           # as any answer after the reveal
    assert rnd.id not in {r.id for r in core.rounds._open_rounds.values()}  # stale entry gone
    assert ("b1", AnswerOutcome.RECORDED) not in memory.acks
    async with core.db.reading() as conn:
        stored = {a.person.display_name: a for a in await Answers(conn).for_round(rnd.id)}
        done = await Rounds(conn).get(rnd.id)
    assert done and done.state is RoundState.REVEALED
    assert stored["bob"].late and not stored["alice"].late
    again = await core.rounds.record_answer(answer(rnd.thread_id, "edit", user="U1",
                                                   name="alice"))
    assert again.outcome is AnswerOutcome.REJECTED     # alice's answer stands as graded


async def test_a_reaction_votes_in_the_round_of_the_answer_it_is_on(
        core: Core, clock: FixedClock) -> None:
    sub = await subscribe(core)
    day = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    for i, (user, name) in enumerate([("U1", "alice"), ("U2", "bob")]):
        clock.set(day + timedelta(days=i))
        rnd = await core.rounds.post_due(sub.id)
        assert rnd is not None and rnd.thread_id
        await core.rounds.record_answer(answer(rnd.thread_id, "Tokens are subword pieces.",
                                               user=user, name=name, message_id=f"m-{name}"))
        clock.set(day + timedelta(days=i, hours=9))
        await core.rounds.sweep()
    carol = answer("t", "", user="U3", name="carol").actor
    voted = await core.rounds.vote_for_message(carol, CHANNEL, "m-alice")  # day one's answer
    assert voted is not None and "+1 to alice for their answer on 2026-11-22" in voted.text()
