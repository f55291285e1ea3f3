"""Every points rule, through the services, as rows of the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.adapters.base import MessageKind
from bot.app import Core
from bot.clock import FixedClock
from bot.domain.parsing import WEEKDAYS
from bot.domain.rounds import Round
from bot.domain.scoring import Entry, coverage_points, round_awards, streak_bonus
from bot.domain.subscriptions import Subscription
from bot.storage.repositories import Scores
from tests.fakes.memory import CHANNEL, LEAD, MemoryPlatform, answer, person

GOOD = ("A token is a subword piece from a fixed vocabulary. The vocabulary is learned with "
        "byte-pair encoding, which merges frequent pairs, so rare words split into pieces.")


async def setup(core: Core, days: tuple[str, ...] = WEEKDAYS) -> Subscription:
    sub = await core.subscriptions.subscribe(LEAD, CHANNEL, "general",
                                             post_time=core.default_post_time, timezone="UTC",
                                             window=timedelta(hours=8), days=days)
    assert isinstance(sub, Subscription)
    # Only the tokens question, so the test knows what a good answer is.
    got = await core.subscriptions.configure(LEAD, CHANNEL, topics=("sample",))
    assert isinstance(got, Subscription)
    return sub


async def open_round(core: Core, clock: FixedClock, day: int) -> Round:
    clock.set(datetime(2026, 11, day, 9, 5, tzinfo=UTC))
    sub = await core.subscriptions.get(CHANNEL)
    assert sub is not None
    rnd = await core.rounds.post_due(sub.id)
    assert rnd is not None and rnd.thread_id
    return rnd


async def ledger(core: Core, round_id: int) -> list[tuple[str, str, int]]:
    async with core.db.reading() as conn:
        rows = await Scores(conn).for_round(round_id)
    names = {"U1": "alice", "U2": "bob", "U3": "carol"}
    async with core.db.reading() as conn:
        from bot.storage.repositories import People
        out = []
        for r in rows:
            p = await People(conn).get(r["person_id"])
            assert p is not None
            out.append((names.get(p.user_id, p.user_id), r["reason"], r["points"]))
    return out


def test_rules_in_isolation() -> None:
    assert coverage_points(1.0, 5) == 10 and coverage_points(0.5, 2) == 2
    assert coverage_points(0.0, 5) == 0 and coverage_points(1.7, 1) == 2
    assert [streak_bonus(n) for n in (0, 1, 2, 3, 6, 20)] == [0, 0, 1, 2, 5, 5]
    awards = round_awards([Entry(1, 1.0, 3), Entry(2, 0.0, 1)], difficulty=1)
    assert [(a.person_id, a.reason.value, a.points) for a in awards] == [
        (1, "participation", 1), (1, "coverage", 2), (1, "streak", 2), (2, "participation", 1)]


async def test_participation_and_coverage_scaled_by_difficulty(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    await setup(core)
    rnd = await open_round(core, clock, 23)
    question = core.bank.get(rnd.question_id)
    assert question is not None
    text = GOOD if question.id == "sample-tokens" else question.answer
    await core.rounds.record_answer(answer(rnd.thread_id or "", text, user="U1", name="alice"))
    await core.rounds.record_answer(answer(rnd.thread_id or "", "no idea, sorry", user="U2",
                                           name="bob"))
    clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    await core.rounds.sweep()
    full = 2 * question.difficulty
    assert sorted(await ledger(core, rnd.id)) == sorted([
        ("alice", "participation", 1), ("alice", "coverage", full), ("bob", "participation", 1)])
    reveal = memory.reveals[0].message.text()
    assert f"1. alice: +{full + 1} pts, covered {len(question.key_points)}/" in reveal
    assert "2. bob: +1 pt, covered 0/" in reveal and "missed:" in reveal


async def test_late_answers_earn_nothing(core: Core, clock: FixedClock) -> None:
    await setup(core)
    rnd = await open_round(core, clock, 23)
    clock.set(datetime(2026, 11, 23, 17, 30, tzinfo=UTC))
    await core.rounds.record_answer(answer(rnd.thread_id or "", GOOD))
    await core.rounds.sweep()
    assert await ledger(core, rnd.id) == []


async def test_streak_counts_scheduled_days_only(core: Core, clock: FixedClock) -> None:
    await setup(core, days=WEEKDAYS[:5])  # no rounds at the weekend
    rounds = []
    for day in (19, 20, 23, 24):  # Thu, Fri, (weekend), Mon, Tue
        rnd = await open_round(core, clock, day)
        await core.rounds.record_answer(answer(rnd.thread_id or "", "x"))
        clock.set(datetime(2026, 11, day, 17, 0, tzinfo=UTC))
        await core.rounds.sweep()
        rounds.append(rnd)
    streaks = [[p for who, why, p in await ledger(core, r.id) if why == "streak"]
               for r in rounds]
    assert streaks == [[], [1], [2], [3]]  # the weekend did not break it


async def test_a_missed_round_breaks_the_streak(core: Core, clock: FixedClock) -> None:
    await setup(core)
    for day, answers in ((20, True), (21, False), (22, True)):
        rnd = await open_round(core, clock, day)
        if answers:
            await core.rounds.record_answer(answer(rnd.thread_id or "", "x"))
        clock.set(datetime(2026, 11, day, 17, 0, tzinfo=UTC))
        await core.rounds.sweep()
    assert [why for _, why, _ in await ledger(core, rnd.id)] == ["participation"]


async def test_reminder_an_hour_before_to_people_whose_streak_would_break(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    await setup(core)
    first = await open_round(core, clock, 22)
    for user, name in (("U1", "alice"), ("U2", "bob")):
        await core.rounds.record_answer(answer(first.thread_id or "", "x", user=user, name=name))
    clock.set(datetime(2026, 11, 22, 17, 0, tzinfo=UTC))
    await core.rounds.sweep()
    second = await open_round(core, clock, 23)
    await core.rounds.record_answer(answer(second.thread_id or "", "x", user="U1", name="alice"))
    clock.set(datetime(2026, 11, 23, 15, 59, tzinfo=UTC))
    await core.rounds.sweep()
    assert memory.of_kind(MessageKind.NOTICE) == []
    clock.set(datetime(2026, 11, 23, 16, 0, tzinfo=UTC))
    await core.rounds.sweep()
    await core.rounds.sweep()
    notices = memory.of_kind(MessageKind.NOTICE)
    assert len(notices) == 1 and notices[0].thread_id == second.thread_id
    assert notices[0].message.mentions == ("U2",) and "bob" in notices[0].message.text()


async def test_peer_votes_capped_and_never_for_yourself(core: Core, clock: FixedClock) -> None:
    await setup(core)
    rnd = await open_round(core, clock, 23)
    voters = [(f"V{i}", f"voter{i}") for i in range(7)]
    for user, name in [("U1", "alice"), ("U2", "bob"), *voters]:
        await core.rounds.record_answer(answer(rnd.thread_id or "", "x", user=user, name=name))
    clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    await core.rounds.sweep()
    alice, bob = person("U1", "alice"), person("U2", "bob")
    assert "own answer" in (await core.rounds.vote(alice, CHANNEL, alice)).text()
    assert "Vote counted" in (await core.rounds.vote(alice, CHANNEL, bob)).text()
    assert "before" in (await core.rounds.vote(alice, CHANNEL, bob)).text()
    results = [(await core.rounds.vote(person(u, n), CHANNEL, bob)).text() for u, n in voters]
    assert sum("Vote counted" in r for r in results) == 4  # 5 vote points per author at most
    assert "most vote points" in results[-1]
    votes = [p for who, why, p in await ledger(core, rnd.id) if who == "bob" and
             why == "peer-vote"]
    assert votes == [1] * 5
    nobody = await core.rounds.vote(alice, CHANNEL, person("U9", "ghost"))
    assert "No answer to vote for" in nobody.text()


async def test_three_votes_per_voter_per_round(core: Core, clock: FixedClock) -> None:
    await setup(core)
    rnd = await open_round(core, clock, 23)
    authors = [(f"A{i}", f"author{i}") for i in range(4)]
    for user, name in [("U1", "alice"), *authors]:
        await core.rounds.record_answer(answer(rnd.thread_id or "", "x", user=user, name=name))
    clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    await core.rounds.sweep()
    alice = person("U1", "alice")
    results = [(await core.rounds.vote(alice, CHANNEL, person(u, n))).text() for u, n in authors]
    assert ["Vote counted" in r for r in results] == [True, True, True, False]
    assert "used your 3 votes" in results[-1]


async def test_lead_award_and_correction_keep_the_original(core: Core,
                                                           clock: FixedClock) -> None:
    await setup(core)
    rnd = await open_round(core, clock, 23)
    await core.rounds.record_answer(answer(rnd.thread_id or "", GOOD, user="U1", name="alice"))
    clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
    await core.rounds.sweep()
    before = await ledger(core, rnd.id)
    msg = await core.rounds.adjust(LEAD, CHANNEL, person(), 3, "great follow-up", set_total=False)
    assert "now" in msg.text()
    total_before = sum(p for *_, p in before) + 3
    msg = await core.rounds.adjust(LEAD, CHANNEL, person(), 2, "appeal: partial credit",
                                   set_total=True)
    assert "corrected to 2" in msg.text()
    after = await ledger(core, rnd.id)
    assert after[: len(before)] == before  # originals untouched
    assert ("alice", "lead-award", 3) in after
    assert ("alice", "correction", 2 - total_before) in after
    assert sum(p for who, _, p in after if who == "alice") == 2
    async with core.db.reading() as conn:
        rows = await Scores(conn).for_round(rnd.id)
    correction = next(r for r in rows if r["reason"] == "correction")
    assert correction["corrects_id"] is not None and correction["note"] == "appeal: partial credit"
    assert "need a reason" in (await core.rounds.adjust(LEAD, CHANNEL, person(), 1, " ",
                                                        set_total=False)).text()


async def test_practice_points_are_on_their_own_board(core: Core) -> None:
    alice = person()
    started = await core.practice.start(alice, "sample")
    from bot.services.practice import PracticeQuestion
    assert isinstance(started, PracticeQuestion)
    q = started.question
    text = GOOD if q.id == "sample-tokens" else q.answer
    result = (await core.practice.answer(alice, started.attempt_id, text)).text()
    expected = 2 * q.difficulty
    assert f"+{expected} practice points" in result and "Reference answer" in result
    daily = await core.commands.run(_ctx(alice), "leaderboard", "all workspace")
    practice = await core.commands.run(_ctx(alice), "leaderboard", "practice all")
    assert "alice" not in daily.message.text()
    assert f"1. alice: {expected}" in practice.message.text()


def _ctx(actor):  # type: ignore[no-untyped-def]
    from bot.services.commands import CommandContext

    return CommandContext(actor, CHANNEL, "general")


async def test_leaderboard_totals_always_equal_the_ledger(core: Core, clock: FixedClock) -> None:
    await setup(core)
    for day in (22, 23, 24):
        rnd = await open_round(core, clock, day)
        for user, name in (("U1", "alice"), ("U2", "bob")):
            await core.rounds.record_answer(answer(rnd.thread_id or "", GOOD, user=user,
                                                   name=name))
        clock.set(datetime(2026, 11, day, 17, 0, tzinfo=UTC))
        await core.rounds.sweep()
    await core.rounds.vote(person("U2", "bob"), CHANNEL, person())
    await core.rounds.adjust(LEAD, CHANNEL, person(), 4, "bonus", set_total=False)
    await core.rounds.adjust(LEAD, CHANNEL, person("U2", "bob"), 1, "appeal", set_total=True)
    started = await core.practice.start(person(), "sample")
    from bot.services.practice import PracticeQuestion
    assert isinstance(started, PracticeQuestion)
    await core.practice.answer(person(), started.attempt_id, started.question.answer)

    async def snapshot() -> list[tuple[object, ...]]:
        async with core.db.reading() as conn:
            rows = await conn.execute_fetchall("SELECT * FROM score_totals ORDER BY 1, 2, 3, 4")
        return [tuple(r) for r in rows]

    kept = await snapshot()
    assert kept  # something was counted
    async with core.db.transaction() as conn:
        await Scores(conn, "UTC").rebuild_totals()
    assert await snapshot() == kept
