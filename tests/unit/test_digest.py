"""Issue 18, section 4: once a week, at the channel's time, each lead gets a private digest
per team; exactly once per week per lead and team, across restarts and retried sweeps."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.digest import covered_week, digest_due, movers, ranks, week_of
from bot.services.digest import DigestService
from bot.services.digest_items import OpenItems
from bot.services.nudges import WorkspaceTime
from bot.storage.digests import Claims, TeamWeek
from bot.storage.repositories import People, TeamRow
from tests.dbdump import dump
from tests.fakes.memory import LEAD, MemoryPlatform
from tests.unit.test_rounds import answered_round
from tests.unit.test_teams import ALICE, BOB, CAROL, meet, run

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_a_digest_falls_due_on_the_channels_first_day_at_its_time() -> None:
    nine = time(9, 0)
    assert digest_due(MONDAY_9, nine, "UTC") == MONDAY_9
    assert digest_due(MONDAY_9 - timedelta(minutes=1), nine, "UTC") == \
        MONDAY_9 - timedelta(days=7)
    assert digest_due(MONDAY_9 + timedelta(days=6), nine, "UTC") == MONDAY_9
    # a channel posting Tuesday to Thursday sends it on Tuesday
    assert digest_due(MONDAY_9 + timedelta(days=2), nine, "UTC", ("tue", "wed", "thu")) == \
        MONDAY_9 + timedelta(days=1)
    # 09:00 in Tokyo is midnight UTC
    assert digest_due(MONDAY_9, nine, "Asia/Tokyo") == datetime(2026, 11, 23, 0, 0, tzinfo=UTC)


def test_it_covers_the_week_before() -> None:
    week = covered_week(MONDAY_9, "UTC")
    assert week.label == "2026-W47" and week.monday.isoformat() == "2026-11-16"
    assert (week.start, week.end) == (datetime(2026, 11, 16, tzinfo=UTC),
                                      datetime(2026, 11, 23, tzinfo=UTC))
    assert week_of(week.monday, "UTC") == week


def test_movers_are_rank_or_point_changes_biggest_first() -> None:
    assert ranks({"a": 5, "b": 5, "c": 1, "d": 0}) == {"a": 1, "b": 1, "c": 3}
    moved = movers({"alice": 10, "bob": 3, "carol": 0}, {"alice": 2, "bob": 3, "carol": 4})
    assert [(m.name, m.was, m.rank, m.change) for m in moved] == [
        ("alice", 3, 1, 8), ("carol", 1, None, -4)]      # bob: #2 with 3 points both weeks
    assert movers({"a": 1}, {"a": 1}) == []


async def team_with_a_week(core: Core, clock: FixedClock) -> None:
    """backend: alice and bob, led by carol; on Sunday 22 November alice answers the daily
    question (poorly: her card is due again on Monday) and bob says nothing."""
    await meet(core, BOB, CAROL)
    await answered_round(core, clock)
    await run(core, LEAD, "team create backend")
    assert "alice, bob added" in await run(core, LEAD, "team add backend alice bob")
    await run(core, LEAD, "team lead backend carol")
    await run(core, LEAD, "team remove backend carol")     # she leads; she does not play
    clock.set(datetime(2026, 11, 22, 17, 5, tzinfo=UTC))
    await core.rounds.sweep()


def digests(memory: MemoryPlatform) -> list[str]:
    return [m.title for user, m in memory.told if m.title.startswith("Weekly digest")]


async def test_the_digest_says_what_a_lead_needs(core: Core, clock: FixedClock,
                                                 memory: MemoryPlatform) -> None:
    await team_with_a_week(core, clock)
    clock.set(MONDAY_9)
    await core.scheduler.sweep()
    [(user, message)] = [(u, m) for u, m in memory.told if m.title.startswith("Weekly")]
    assert user == "U3" and message.title == "Weekly digest: team backend, week of 16 Nov 2026"
    text = message.text()
    assert "1 of 2 members answered: 1 daily answer in 1 round, 0 practice answers." in text
    assert "Nothing from: bob." in text
    assert "alice: new at #1" in text
    assert "sample: 0% average coverage" in text
    assert "1 card due today across 1 of 2 members." in text
    assert "Open appeals and flags" not in text       # none wait: the section is left out
    assert "/team digest off" in message.footer
    assert message.attachment is not None and message.attachment[0].endswith("-report.png")
    assert isinstance(message.attachment[1], bytes) and message.attachment[1][:4] == b"\x89PNG"


async def test_open_appeals_and_flags_show_once_something_counts_them(
        core: Core, clock: FixedClock) -> None:
    await team_with_a_week(core, clock)

    async def counter(conn: object, team: TeamRow, ids: list[int]) -> OpenItems:
        assert team.name == "backend" and len(ids) == 2
        return OpenItems(appeals=2, flags=1)

    service = DigestService(core.db, core.bank, clock, core.platforms, core.teams,
                            core.reports, WorkspaceTime(time(9), "UTC"), open_items=counter)
    async with core.db.reading() as conn:
        team, lead, _ = (await TeamWeek(conn).leads())[0]
    week = covered_week(MONDAY_9, "UTC")
    message = await service.digest(team, lead, week, MONDAY_9, "UTC")
    assert "2 appeals and 1 flag wait for review." in message.text()


async def test_exactly_one_digest_a_week_across_sweeps_and_a_restart(
        core: Core, clock: FixedClock, memory: MemoryPlatform, settings: Settings,
        sample_bank: QuestionBank) -> None:
    await team_with_a_week(core, clock)
    clock.set(MONDAY_9 - timedelta(minutes=1))
    await core.scheduler.sweep()
    assert digests(memory) == []
    clock.set(MONDAY_9)
    for _ in range(3):                  # the cron-like sweeper, a retry, a second trigger
        await core.scheduler.sweep()
    assert len(digests(memory)) == 1
    before = dump(settings)
    await core.scheduler.sweep()        # finding it sent, a sweep writes nothing
    assert dump(settings) == before
    again = await build(settings, clock=clock, bank=sample_bank)   # a restart
    try:
        again.platforms.register(memory)
        await again.scheduler.sweep()
        assert len(digests(memory)) == 1
        for _ in range(7 * 24):         # a week, hour by hour
            clock.advance(timedelta(hours=1))
            await again.scheduler.sweep()
        assert digests(memory) == ["Weekly digest: team backend, week of 16 Nov 2026",
                                   "Weekly digest: team backend, week of 23 Nov 2026"]
    finally:
        await again.close()


async def test_one_missed_while_down_is_sent_once_and_none_from_weeks_ago(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    await team_with_a_week(core, clock)
    clock.set(MONDAY_9 + timedelta(days=2))       # down from Monday morning to Wednesday
    await core.scheduler.sweep()
    assert digests(memory) == ["Weekly digest: team backend, week of 16 Nov 2026"]
    clock.set(MONDAY_9 + timedelta(days=23))      # down three weeks
    await core.scheduler.sweep()
    await core.scheduler.sweep()
    assert digests(memory)[1:] == ["Weekly digest: team backend, week of 07 Dec 2026"]


async def test_the_off_switch_is_per_lead(core: Core, clock: FixedClock,
                                          memory: MemoryPlatform) -> None:
    await team_with_a_week(core, clock)
    assert "Weekly digest off" in await run(core, CAROL, "team digest off")
    assert "Say on or off" in await run(core, CAROL, "team digest maybe")
    clock.set(MONDAY_9)
    await core.scheduler.sweep()
    assert digests(memory) == []
    reply = await run(core, CAROL, "team digest on")
    assert "Weekly digest on" in reply and "backend" in reply
    await core.scheduler.sweep()                 # this week's, now that it is on again
    assert len(digests(memory)) == 1
    assert "no team yet" in await run(core, ALICE, "team digest on")


async def test_a_lead_appointed_after_it_fell_due_waits_for_next_week(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    await team_with_a_week(core, clock)
    await run(core, CAROL, "team digest off")
    clock.set(MONDAY_9 + timedelta(days=1))
    await run(core, LEAD, "team lead backend bob")
    await core.scheduler.sweep()
    assert digests(memory) == []
    clock.set(MONDAY_9 + timedelta(days=7))
    await core.scheduler.sweep()
    assert [u for u, m in memory.told if m.title.startswith("Weekly")] == ["U2"]


async def test_a_failed_send_is_retried_and_a_refused_one_is_not(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    await team_with_a_week(core, clock)
    clock.set(MONDAY_9)
    memory.fail_next_tells = 1                    # a passing failure: the next sweep sends
    await core.scheduler.sweep()
    assert digests(memory) == []
    await core.scheduler.sweep()
    assert len(digests(memory)) == 1
    memory.fail_next_tells, memory.fail_permanently = 1, True
    clock.set(MONDAY_9 + timedelta(days=7))       # refused for good: kept, never retried
    for _ in range(3):
        await core.scheduler.sweep()
    assert len(digests(memory)) == 1
    async with core.db.reading() as conn:
        carol = await People(conn).find("memory", "T1", "U3")
        assert carol is not None
        claims = await Claims(conn).digests(carol.id)
    assert [(week, sent) for _, week, sent in claims] == [("2026-W47", True),
                                                         ("2026-W48", False)]
