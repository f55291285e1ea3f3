"""Teams, leads, the permission matrix, reports, exports and practice that remembers."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime

from bot.adapters.base import Actor
from bot.app import Core
from bot.clock import FixedClock
from bot.domain.periods import Period
from bot.domain.subscriptions import Subscription
from bot.services.commands import CommandContext
from tests.fakes.memory import CHANNEL, LEAD, MemoryPlatform, answer, person

ALICE, BOB, CAROL = person("U1", "alice"), person("U2", "bob"), person("U3", "carol")


def ctx(actor: Actor) -> CommandContext:
    return CommandContext(actor, CHANNEL, "general")


async def run(core: Core, actor: Actor, command: str) -> str:
    name, _, args = command.partition(" ")
    return (await core.commands.run(ctx(actor), name, args)).message.text()


async def meet(core: Core, *people: Actor) -> None:
    """People become known to the bot the way they do in real use: by taking part."""
    for p in people:
        await core.practice.start(p, "sample")


async def test_team_lifecycle_by_an_admin(core: Core) -> None:
    await meet(core, BOB, CAROL)
    assert "Team backend created" in await run(core, LEAD, "team create backend")
    assert "That team exists" in await run(core, LEAD, "team create BACKEND")
    assert "bob, carol added to backend" in await run(core, LEAD, "team add backend bob carol")
    assert "already in" in await run(core, LEAD, "team add backend bob")
    assert "anyone called 'dave'" in await run(core, LEAD, "team add backend dave")
    shown = await run(core, LEAD, "team show backend")
    assert "bob, carol" in shown and "admins only" in shown  # creating it appoints nobody
    assert "backend is now platform" in await run(core, LEAD, "team rename backend platform")
    assert "carol removed from platform" in await run(core, LEAD, "team remove platform carol")
    listing = await run(core, LEAD, "team list")
    assert "platform: 1 member; leads: admins only" in listing
    assert "one word" in await run(core, LEAD, "team create two words")
    assert "Team deleted" in await run(core, LEAD, "team delete platform")
    assert "No teams yet" in await run(core, LEAD, "team list")


async def test_appointed_leads_manage_their_own_team_only(core: Core) -> None:
    await meet(core, BOB, CAROL)
    await run(core, LEAD, "team create backend")
    await run(core, LEAD, "team create frontend")
    assert "bob now leads backend" in await run(core, LEAD, "team lead backend bob")
    assert "carol added to backend" in await run(core, BOB, "team add backend carol")
    assert "Only this team's leads" in await run(core, BOB, "team add frontend carol")
    assert "Only a workspace admin" in await run(core, BOB, "team create mobile")
    assert "Only a workspace admin" in await run(core, CAROL, "team create rogue")


class FakeDirectory:
    def __init__(self) -> None:
        self.groups: dict[str, list[Actor]] = {}

    async def group_members(self, workspace: str, group_id: str) -> list[Actor]:
        return self.groups.get(group_id, [])


async def test_a_team_can_follow_a_platform_group(core: Core) -> None:
    directory = FakeDirectory()
    core.teams.directories["memory"] = directory
    directory.groups["S-ML"] = [BOB, CAROL]
    await run(core, LEAD, "team create ml")
    reply = await run(core, LEAD, "team follow ml S-ML")
    assert "2 members from the group" in reply
    directory.groups["S-ML"] = [CAROL]  # bob left the group on the platform
    shown = await run(core, LEAD, "team show ml")
    assert "carol" in shown and "bob" not in shown
    await run(core, LEAD, "team unfollow ml")
    assert "carol" not in (await run(core, LEAD, "team show ml")).split("Leads")[0]


async def play_week(core: Core, clock: FixedClock, memory: MemoryPlatform) -> Subscription:
    await meet(core, ALICE, BOB, CAROL)
    await run(core, LEAD, "subscribe 09:00 America/New_York 8h")
    await run(core, LEAD, "team create backend")
    await run(core, LEAD, "team add backend alice bob carol")
    sub = await core.subscriptions.get(CHANNEL)
    assert sub is not None
    good = core.bank.get("sample-overfitting")
    assert good is not None
    for day in (16, 17, 18):  # Mon-Wed; 09:00 New York is 14:00 UTC
        clock.set(datetime(2026, 11, day, 14, 5, tzinfo=UTC))
        rnd = await core.rounds.post_due(sub.id)
        assert rnd and rnd.thread_id
        q = core.bank.get(rnd.question_id)
        assert q is not None
        await core.rounds.record_answer(answer(rnd.thread_id, q.answer, user="U1", name="alice"))
        if day == 16:
            await core.rounds.record_answer(answer(rnd.thread_id, "no idea", user="U2",
                                                   name="bob"))
        clock.set(datetime(2026, 11, day, 22, 0, tzinfo=UTC))
        await core.rounds.sweep()
    return sub


async def test_team_report_and_csv_export(core: Core, clock: FixedClock,
                                          memory: MemoryPlatform) -> None:
    await play_week(core, clock, memory)
    clock.set(datetime(2026, 11, 19, 12, 0, tzinfo=UTC))  # Thursday of the same week
    report = await run(core, LEAD, "team report backend week 2")
    assert "alice: 3/3 rounds (100%)" in report
    assert "bob: 1/3 rounds (33%)" in report
    assert "carol: 0/3 rounds (0%)" in report
    assert "Strongest:" in report and "Weakest:" in report
    quiet = report.split("Quiet for 2 days or more")[1]
    assert "bob" in quiet and "carol" in quiet and "alice" not in quiet
    exported = await core.commands.run(ctx(LEAD), "team", "export backend week")
    assert exported.message.attachment is not None
    name, content = exported.message.attachment
    rows = list(csv.DictReader(io.StringIO(content)))
    assert name.endswith(".csv") and rows
    assert {r["person"] for r in rows} == {"alice", "bob"}
    assert sum(int(r["points"]) for r in rows if r["person"] == "bob") == 1
    board = await run(core, LEAD, "leaderboard team backend week")
    assert board.index("alice") < board.index("bob")


async def test_csv_export_defuses_formulas(core: Core, clock: FixedClock,
                                           memory: MemoryPlatform) -> None:
    await play_week(core, clock, memory)
    await run(core, LEAD, "award alice 1 =HYPERLINK(\"x\")")
    exported = await core.commands.run(ctx(LEAD), "team", "export backend all")
    assert exported.message.attachment is not None
    assert "'=HYPERLINK" in exported.message.attachment[1]


async def test_leaderboard_week_follows_the_channel_time_zone(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    await play_week(core, clock, memory)
    # Sunday 22 Nov 23:30 New York is Monday 04:30 UTC: still the same local week.
    clock.set(datetime(2026, 11, 23, 4, 30, tzinfo=UTC))
    assert "alice" in await run(core, ALICE, "leaderboard week")
    clock.set(datetime(2026, 11, 23, 5, 0, tzinfo=UTC))  # Monday 00:00 New York
    assert "No points yet" in await run(core, ALICE, "leaderboard week")
    assert "alice" in await run(core, ALICE, "leaderboard month")


async def test_own_rank_is_shown_below_the_top(core: Core, clock: FixedClock,
                                              memory: MemoryPlatform) -> None:
    await play_week(core, clock, memory)
    text = (await core.leaderboard.channel(CHANNEL, Period.ALL, BOB, limit=1)).text()
    assert "1. alice" in text and "You: rank 2" in text


async def test_stats_show_streak_points_and_topics(core: Core, clock: FixedClock,
                                                   memory: MemoryPlatform) -> None:
    await play_week(core, clock, memory)
    stats = await run(core, ALICE, "stats")
    assert "#general: 3" in stats and "daily" in stats and "sample" in stats
    assert "No stats yet" in await run(core, person("U8", "newbie"), "stats")


async def test_quiz_without_topic_picks_from_the_weakest(core: Core) -> None:
    history = [("sample", 0.1)] + [(t, 0.9) for t in core.bank.topics if t != "sample"]
    core.practice.rng = random.Random(1)
    assert {core.practice.weakest_topic(history) for _ in range(20)} <= set(core.bank.topics)
    # With several topics the weak one is always among the candidates.
    core.bank.topics.update({f"t{i}": core.bank.topics["sample"] for i in range(5)})
    try:
        strong = [(f"t{i}", 1.0) for i in range(5)]
        picks = {core.practice.weakest_topic([("sample", 0.1), *strong]) for _ in range(30)}
        assert "sample" in picks and picks <= {"sample", "t0", "t1", "t2", "t3", "t4"}
        ranked_last = {core.practice.weakest_topic([("sample", 0.0), ("t0", 0.05), *strong[1:]])
                       for _ in range(40)}
        assert {"sample", "t0"} <= ranked_last
    finally:
        for i in range(5):
            core.bank.topics.pop(f"t{i}")


async def test_quiz_with_no_topic_starts_from_history(core: Core) -> None:
    started = await core.commands.run(ctx(ALICE), "quiz", "")
    assert started.practice is not None
