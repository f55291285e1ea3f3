"""Commands as people type them: help, topics, practice, leaderboards, subscribing."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from bot.app import Core, build
from bot.bank import load_bank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.questions import Level
from bot.services.commands import CommandContext
from bot.services.practice import resolve_topic
from tests.dbdump import dump
from tests.fakes.memory import CHANNEL, LEAD, MemoryPlatform, answer, person

ALICE = CommandContext(person(), CHANNEL, "general")
LEAD_CTX = CommandContext(LEAD, CHANNEL, "general")




async def test_help_lists_commands(core: Core) -> None:
    res = await core.commands.run(ALICE, "help")
    text = res.message.text()
    for cmd in ("/quiz", "/leaderboard", "/subscribe", "/topics"):
        assert cmd in text


async def test_unknown_command_gets_help(core: Core) -> None:
    res = await core.commands.run(ALICE, "frobnicate", "x")
    assert "Unknown command /frobnicate" in res.message.text()
    assert "/help lists them all" in res.message.text()


async def test_topics_lists_the_bank(core: Core) -> None:
    text = (await core.commands.run(ALICE, "topics")).message.text()
    assert "sample (3): Sample topic" in text


async def test_quiz_with_a_known_topic_then_answer(core: Core) -> None:
    res = await core.commands.run(ALICE, "quiz", "sample")
    assert res.practice is not None
    shown = res.practice.question
    reveal = await core.practice.answer(ALICE.actor, res.practice.attempt_id, "my answer")
    assert shown.prompt in reveal.text() and shown.key_points[0].label in reveal.text()
    again = await core.practice.answer(ALICE.actor, res.practice.attempt_id, "twice")
    assert "already answered" in again.text()


async def test_quiz_does_not_repeat_recent_questions(core: Core) -> None:
    seen = set()
    for _ in range(3):
        res = await core.commands.run(ALICE, "quiz", "Sample topic")
        assert res.practice is not None
        seen.add(res.practice.question.id)
    assert len(seen) == 3


async def test_quiz_with_an_unknown_topic_suggests(core: Core) -> None:
    res = await core.commands.run(ALICE, "quiz", "sampel")
    assert res.practice is None
    assert "Did you mean: sample" in res.message.text()
    assert resolve_topic(core.bank, "zzzzzzqqq") == (None, [])


async def test_someone_elses_practice_attempt_is_refused(core: Core) -> None:
    res = await core.commands.run(ALICE, "quiz", "sample")
    assert res.practice is not None
    other = await core.practice.answer(person("U9", "mallory"), res.practice.attempt_id, "hi")
    assert "No practice question is waiting" in other.text()


async def test_subscribe_parses_time_zone_window_and_days(core: Core, clock: FixedClock) -> None:
    res = await core.commands.run(LEAD_CTX, "subscribe", "07:45 Europe/Paris 2h mon-fri")
    text = res.message.text()
    assert "07:45 Europe/Paris, Monday to Friday" in text and "2h" in text
    sub = await core.subscriptions.get(CHANNEL)
    assert sub is not None
    assert (sub.post_time, sub.timezone, sub.window) == (time(7, 45), "Europe/Paris",
                                                         timedelta(hours=2))
    assert f"post:{sub.id}" not in core.scheduler.job_ids()  # scheduler not started here


async def test_bad_subscribe_input_is_explained(core: Core) -> None:
    for args, expected in [("", "Say when"), ("25:00", "HH:MM"), ("09:00 Mars/Base", "IANA"),
                           ("09:00 30h", "out of range"), ("09:00 someday", "list of days")]:
        text = (await core.commands.run(LEAD_CTX, "subscribe", args)).message.text()
        assert expected in text, (args, text)
    assert await core.subscriptions.get(CHANNEL) is None


async def test_non_lead_cannot_subscribe_and_nothing_changes(core: Core) -> None:
    await core.commands.run(LEAD_CTX, "subscribe", "09:00")
    before = dump(core.settings)
    for cmd, args in [("subscribe", "10:00 Asia/Tokyo"), ("unsubscribe", "")]:
        res = await core.commands.run(ALICE, cmd, args)
        assert res.message.refused and "Only this channel's leads" in res.message.text()
    assert dump(core.settings) == before


async def test_leaderboard_periods(core: Core, clock: FixedClock,
                                   memory: MemoryPlatform) -> None:
    await core.commands.run(LEAD_CTX, "subscribe", "09:00 UTC 8h")
    sub = await core.subscriptions.get(CHANNEL)
    assert sub is not None
    # Answer on Sunday 22 Nov (week of 16 Nov) and on Monday 23 Nov (next week).
    for day, who in [(22, ("U1", "alice")), (23, ("U2", "bob")), (23, ("U1", "alice"))]:
        clock.set(datetime(2026, 11, day, 9, 30, tzinfo=UTC))
        rnd = await core.rounds.post_due(sub.id)
        assert rnd and rnd.thread_id
        await core.rounds.record_answer(answer(rnd.thread_id, "x", user=who[0], name=who[1]))
    clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=UTC))
    await core.rounds.sweep()
    # "x" covers nothing: 1 participation point per round, +1 streak for alice's second day.
    week = (await core.commands.run(ALICE, "leaderboard", "week")).message.text()
    assert "1. alice: 2" in week and "2. bob: 1" in week
    alltime = (await core.commands.run(ALICE, "leaderboard", "all")).message.text()
    assert "1. alice: 3" in alltime and "2. bob: 1" in alltime
    bad = (await core.commands.run(ALICE, "leaderboard", "fortnight")).message.text()
    assert "not a period" in bad


async def test_leaderboard_without_subscription(core: Core) -> None:
    text = (await core.commands.run(ALICE, "leaderboard")).message.text()
    assert "no daily question yet" in text


async def test_a_lead_posts_todays_question_when_the_schedule_came_late(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    clock.set(datetime(2026, 11, 22, 20, 0, tzinfo=UTC))  # after today's 09:00 + 8h window
    await core.commands.run(LEAD_CTX, "subscribe", "09:00 UTC")
    assert not memory.questions
    posted = await core.commands.run(LEAD_CTX, "post")
    assert "Today's question is posted" in posted.message.text() and len(memory.questions) == 1
    again = await core.commands.run(LEAD_CTX, "post")
    assert "already out" in again.message.text() and len(memory.questions) == 1
    assert "unexpected" in (await core.commands.run(LEAD_CTX, "post", "now")).message.text()


async def test_errors_blame_the_word_that_is_wrong(core: Core) -> None:
    text = (await core.commands.run(ALICE, "leaderboard", "all channel extra")).message.text()
    assert "'extra' is not a period" in text and "or a board" in text
    text = (await core.commands.run(ALICE, "leaderboard", "all week")).message.text()
    assert "'week' is unexpected" in text
    text = (await core.commands.run(ALICE, "leaderboard", "workspace practice")).message.text()
    assert "'practice' is unexpected" in text


async def test_time_zones_in_any_case_and_only_close_suggestions(core: Core) -> None:
    saved = await core.commands.run(LEAD_CTX, "subscribe", "09:00 europe/paris")
    assert "Europe/Paris" in saved.message.text()
    far = (await core.commands.run(LEAD_CTX, "subscribe", "09:00 Mars/Olympus")).message
    assert "Did you mean" not in far.text()
    near = (await core.commands.run(LEAD_CTX, "subscribe", "09:00 Europe/Pariss")).message
    assert "Did you mean Europe/Paris?" in near.text()


def test_did_you_mean_lists_only_close_topics(core: Core) -> None:
    assert resolve_topic(core.bank, "smple") == (None, ["sample"])
    assert resolve_topic(core.bank, "kubernetes") == (None, [])


async def test_topics_are_listed_from_entry_level_up(settings: Settings, clock: FixedClock) -> None:
    bank = load_bank(Path(__file__).parents[2] / "questions")
    core = await build(settings, clock=clock, bank=bank)
    try:
        text = (await core.commands.run(ALICE, "topics")).message.text()
    finally:
        await core.close()
    headings = [lv.value.capitalize() for lv in Level if any(
        t.level is lv for t in bank.topics.values())]
    positions = [text.index(f"*{h}*") for h in headings]
    assert len(headings) > 1 and positions == sorted(positions)


async def test_the_schedule_names_tomorrow_once_todays_question_is_out(
        core: Core, clock: FixedClock) -> None:
    clock.set(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))   # a Monday, before 09:00
    await core.commands.run(LEAD_CTX, "subscribe", "09:00 UTC")
    assert "Next post: Mon 23 Nov 09:00" in (await core.commands.run(ALICE, "schedule")
                                              ).message.text()
    await core.commands.run(LEAD_CTX, "post")
    shown = (await core.commands.run(ALICE, "schedule")).message.text()
    assert "Next post: Tue 24 Nov 09:00" in shown
