"""Issue 18, appeals and flags through the services: a person appeals their own revealed
result, the channel's leads see it in their queue, accept it with a correction row that
points at the original (totals move in the same transaction and agree with a rebuild) or
reject it (no points move); the person is told either way. Refusals change nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.app import Core
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.appeals import correction_problem, parse_ref
from bot.domain.parsing import InputError
from bot.domain.rounds import Round
from bot.domain.scoring import LEAD_AWARD_LIMIT, Award, Board, Reason
from bot.services.appeal_views import parse_appeal, parse_flag
from bot.services.commands import CommandContext
from bot.services.digest_items import OpenItems, count_open_items
from bot.storage.repositories import People, Scores, TeamRow
from tests.dbdump import dump, query
from tests.fakes.memory import CHANNEL, LEAD, MemoryPlatform, answer, person
from tests.unit.test_rounds import answered_round

ALICE = CommandContext(person(), CHANNEL, "general")
BOB = CommandContext(person("U2", "bob"), CHANNEL, "general")
LEAD_CTX = CommandContext(LEAD, CHANNEL, "general")
REASON = "I explained subword pieces, the grader missed it"


async def revealed(core: Core, clock: FixedClock) -> Round:
    rnd = await answered_round(core, clock)          # alice answered "an answer"
    clock.set(datetime(2026, 11, 22, 17, 30, tzinfo=UTC))
    await core.rounds.sweep()
    return rnd


async def say(core: Core, ctx: CommandContext, name: str, args: str = "") -> str:
    return (await core.commands.run(ctx, name, args)).message.text()


def ledger(db: Settings) -> list[tuple[object, ...]]:
    return query(db, "SELECT id, person_id, reason, points, corrects_id, board"
                 " FROM score_events ORDER BY id")


def totals(db: Settings) -> list[tuple[object, ...]]:
    return query(db, "SELECT * FROM score_totals ORDER BY 1, 2, 3, 4")


async def rebuilt(core: Core) -> list[tuple[object, ...]]:
    async with core.db.transaction() as conn:
        await Scores(conn, "UTC").rebuild_totals()
        return [tuple(r) for r in await conn.execute_fetchall(
            "SELECT * FROM score_totals ORDER BY 1, 2, 3, 4")]


async def test_an_accepted_appeal_is_one_correction_row_and_the_board_follows(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    rnd = await revealed(core, clock)
    db = core.settings
    assert "Appeal A1 sent" in await say(core, ALICE, "appeal", f"last {REASON}")
    assert "appealed this result already" in await say(core, ALICE, "appeal", f"last {REASON}")
    queue = await say(core, LEAD_CTX, "appeals")
    assert "A1 · alice · the daily question of 2026-11-22" in queue and REASON in queue
    before = ledger(db)
    board_before = await say(core, ALICE, "leaderboard", "all")

    reply = await say(core, LEAD_CTX, "accept", "A1 2 the subword point was there")
    assert "Appeal A1 accepted" in reply and "alice was told" in reply
    after = ledger(db)
    assert after[:-1] == before                 # the original rows stay as they were
    new = after[-1]
    original = next(r for r in before if r[2] in ("coverage", "participation")
                    and r[1] == new[1])
    assert new[2:5] == ("correction", 2, original[0]) and new[5] == "daily"
    assert totals(db) == await rebuilt(core)    # incremental == rebuilt
    board_after = await say(core, ALICE, "leaderboard", "all")
    old = int(board_before.split("alice: ")[1].split()[0])
    assert f"alice: {old + 2}" in board_after
    told = [m for uid, m in memory.told if uid == "U1"]
    assert len(told) == 1 and "Your appeal A1 was accepted" in told[0].text()
    assert "+2 points" in told[0].text()

    same = dump(db)
    assert "accepted already" in await say(core, LEAD_CTX, "accept", "A1 2 once more, again")
    assert "accepted already" in await say(core, LEAD_CTX, "reject", "A1 no, on second thought")
    assert dump(db) == same and len(memory.told) == 1
    assert "Nothing to review" in await say(core, LEAD_CTX, "appeals")
    assert "A1 · the daily question of 2026-11-22: accepted, +2" in await say(
        core, ALICE, "appeal")
    assert rnd.id == 1


async def test_a_rejected_appeal_changes_no_points_and_the_person_is_told(
        core: Core, clock: FixedClock, memory: MemoryPlatform) -> None:
    await revealed(core, clock)
    db = core.settings
    await say(core, ALICE, "appeal", f"2026-11-22 {REASON}")
    points, board = ledger(db), totals(db)
    reply = await say(core, LEAD_CTX, "reject", "A1 the answer names no subword at all")
    assert "Appeal A1 rejected" in reply
    assert ledger(db) == points and totals(db) == board
    told = memory.told[-1]
    assert told[0] == "U1" and "was rejected" in told[1].text()
    assert "names no subword" in told[1].text()


async def test_refusals_change_nothing(core: Core, clock: FixedClock) -> None:
    rnd = await answered_round(core, clock)            # open: not revealed yet
    db = core.settings
    before = dump(db)
    assert "No result of yours" in (await core.appeals.appeal(
        person(), CHANNEL, REASON, on=("daily", rnd.id))).text()
    assert "No result of yours" in await say(core, ALICE, "appeal", f"last {REASON}")
    assert dump(db) == before
    clock.set(datetime(2026, 11, 22, 17, 30, tzinfo=UTC))
    await core.rounds.sweep()
    before = dump(db)
    for args, expected in [("last", "Say why"), ("last short", "too short"),
                           (f"yesterday {REASON}", "not a result: say last")]:
        text = await say(core, ALICE, "appeal", args)
        assert "was not sent" in text and expected in text, text
    huge = await core.appeals.appeal(person(), CHANNEL, "why " * 400)
    assert "under 1,000 characters" in huge.text() and huge.refused
    assert "No result of yours" in await say(core, BOB, "appeal", f"last {REASON}")
    assert "No result of yours" in (await core.appeals.appeal(
        person("U2", "bob"), CHANNEL, REASON, on=("daily", rnd.id))).text()
    assert dump(db) == before
    assert "Appeal A1 sent" in await say(core, ALICE, "appeal", f"last {'x' * 190}")
    after_appeal = dump(db)
    for ctx, name, args in [(BOB, "appeals", ""), (BOB, "accept", "A1 2 good point there"),
                            (BOB, "reject", "A1 not convinced at all"),
                            (BOB, "close", "F1 fixed in the bank now")]:
        assert "Only this channel's leads" in await say(core, ctx, name, args)
    assert dump(db) == after_appeal


async def test_nobody_decides_their_own_appeal(core: Core, clock: FixedClock) -> None:
    sub_round = await answered_round(core, clock)
    assert sub_round.thread_id
    await core.rounds.record_answer(answer(sub_round.thread_id, "subword vocabulary",
                                           user="U0", name="lead"))
    clock.set(datetime(2026, 11, 22, 17, 30, tzinfo=UTC))
    await core.rounds.sweep()
    assert "Appeal A1 sent" in await say(core, LEAD_CTX, "appeal", f"last {REASON}")
    before = dump(core.settings)
    assert "cannot change your own points" in await say(core, LEAD_CTX, "accept",
                                                        "A1 1 i deserve it, truly")
    assert dump(core.settings) == before


async def test_corrections_stay_within_the_question_and_the_lead_limit(
        core: Core, clock: FixedClock) -> None:
    rnd = await revealed(core, clock)
    difficulty = core.bank.get(rnd.question_id).difficulty  # type: ignore[union-attr]
    await say(core, ALICE, "appeal", f"last {REASON}")
    before = dump(core.settings)
    for points in (0, -1, 2 * difficulty + 1):
        text = await say(core, LEAD_CTX, "accept", f"A1 {points} a fair point")
        assert "out of bounds" in text, text
    assert dump(core.settings) == before
    assert correction_problem(3, 2, 1) is not None and correction_problem(1, 2, 1)
    assert correction_problem(2, 0, 1) is None
    # a channel lead who is not an admin shares the per-round limit with /award
    carol = person("U3", "carol")
    async with core.db.transaction() as conn:
        me = await People(conn).upsert("memory", "T1", "U3", "carol", clock.now())
        alice = await People(conn).upsert("memory", "T1", "U1", "alice", clock.now())
        await Scores(conn).add(Award(alice.id, LEAD_AWARD_LIMIT, Reason.LEAD_AWARD, "x"),
                               board=Board.DAILY, subscription_id=rnd.subscription_id,
                               round_id=rnd.id, at=clock.now(), actor_id=me.id)
    assert "Channel lead appointed" in await say(core, LEAD_CTX, "channel", "lead carol")
    before = dump(core.settings)
    text = await say(core, CommandContext(carol, CHANNEL, "general"), "accept",
                     "A1 1 a fair point after all")
    assert "over a lead's limit" in text
    assert dump(core.settings) == before


async def test_a_practice_result_is_appealed_and_a_zero_result_gets_a_standalone_row(
        core: Core, memory: MemoryPlatform) -> None:
    started = await core.practice.start(person(), "sample")
    assert not isinstance(started, type(None)) and hasattr(started, "attempt_id")
    result = await core.practice.answer(person(), started.attempt_id, "no idea at all")
    actions = [b.action for b in result.buttons]
    assert f"appeal:practice:{started.attempt_id}" in actions
    assert f"flag:{started.question.id}" in actions
    assert "/appeal last REASON" in result.footer
    db = core.settings
    before = ledger(db)
    assert "No result of yours" in (await core.appeals.appeal(
        person("U2", "bob"), CHANNEL, REASON, on=("practice", started.attempt_id))).text()
    assert "Appeal A1 sent" in (await core.appeals.appeal(
        person(), CHANNEL, REASON, on=("practice", started.attempt_id))).text()
    assert "Appeal A1 accepted" in await say(core, LEAD_CTX, "accept", "A1 1 partly right")
    new = ledger(db)[len(before):]
    assert len(new) == 1 and new[0][2:] == ("correction", 1, None, "practice")
    assert totals(db) == await rebuilt(core)
    assert "alice: 1" in await say(core, ALICE, "leaderboard", "all practice")


async def test_flags_are_counted_once_listed_and_closed(core: Core, clock: FixedClock) -> None:
    await revealed(core, clock)
    note = "the reference answer predates byte-level BPE"
    assert "Flag F1 sent" in await say(core, BOB, "flag", f"last {note}")
    assert "flagged this question already" in await say(core, BOB, "flag", f"last {note}")
    assert "No question called 'nope'" in await say(core, BOB, "flag", f"nope {note}")
    queue = await say(core, LEAD_CTX, "appeals")
    assert "F1 · bob ·" in queue and note in queue
    assert "Flag F1 closed" in await say(core, LEAD_CTX, "close", "F1 updated the entry")
    assert "closed already" in await say(core, LEAD_CTX, "close", "F1 updated the entry")
    assert "Nothing to review" in await say(core, LEAD_CTX, "appeals")
    # a new flag gets a new id (PostgreSQL may skip the one a refused insert drew)
    assert re.search(r"Flag F[23] sent", await say(core, BOB, "flag", f"sample-softmax {note}"))


def test_ids_and_actions_parse_strictly() -> None:
    assert parse_ref("A12", "A") == parse_ref("#a12", "A") == parse_ref("12", "A") == 12
    for bad in ("F12", "A", "A1x", "A١٢", ""):
        with pytest.raises(InputError):
            parse_ref(bad, "A")
    assert parse_appeal("appeal:daily:7") == ("daily", 7)
    assert parse_appeal("appeal:team:7") is None and parse_appeal("appeal:daily:x") is None
    assert parse_flag("flag:sample-tokens") == "sample-tokens" and parse_flag("rate:x") is None


async def test_the_weekly_digest_counts_open_appeals_of_members_and_open_flags(
        core: Core, clock: FixedClock) -> None:
    await revealed(core, clock)
    assert "sent" in await say(core, ALICE, "appeal", f"last {REASON}")
    assert "Flag F1 sent" in await say(core, BOB, "flag", "last the answer is outdated now")
    async with core.db.transaction() as conn:
        ids = dict(await conn.execute_fetchall("SELECT user_id, id FROM people"))
        alice, bob = ids[person().user_id], ids["U2"]
        team = TeamRow(1, CHANNEL.platform, CHANNEL.workspace, "core", None)
        assert await count_open_items(conn, team, [alice, bob]) == OpenItems(1, 1)
        assert await count_open_items(conn, team, [bob]) == OpenItems(0, 1)
        other = TeamRow(2, CHANNEL.platform, "another-workspace", "core", None)
        assert await count_open_items(conn, other, [alice]) == OpenItems(0, 0)
    await say(core, LEAD_CTX, "reject", "A1 the grade stands")
    await say(core, LEAD_CTX, "close", "F1 updated the entry")
    async with core.db.transaction() as conn:
        assert await count_open_items(conn, team, [alice, bob]) == OpenItems(0, 0)
