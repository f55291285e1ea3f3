"""Issue 18: after a result the person overrides the rating with one word, and the card is
rescheduled as if that had been the rating all along."""

from __future__ import annotations

import io
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating

from bot.adapters.console import ConsoleAdapter
from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock, OffsetClock
from bot.config import Settings
from bot.domain.parsing import InputError
from bot.domain.reviews import Recall, override_rating
from bot.services.commands import CommandContext
from bot.services.render import RATE_HINT, parse_rate_action, rate_buttons
from bot.services.reviews import SCHEDULER, Override, override, record_review
from bot.storage.db import from_db
from bot.storage.repositories import People
from tests.dbdump import dump, query
from tests.fakes.memory import CHANNEL, MemoryPlatform, person
from tests.unit.test_reviews import ALICE, cards, logs
from tests.unit.test_rounds import answered_round

QID = "sample-tokens"


async def person_id(core: Core, user: str = "U1", name: str = "alice") -> int:
    async with core.db.transaction() as conn:
        return (await People(conn).upsert("memory", "T1", user, name, core.clock.now())).id


async def two_reviews(core: Core, clock: FixedClock) -> tuple[int, datetime, datetime]:
    """alice covers everything in practice attempt 1, then most of it three days later."""
    pid = await person_id(core)
    first, second = clock.now(), clock.now() + timedelta(days=3)
    async with core.db.transaction() as conn:
        await record_review(conn, pid, QID, 1.0, source="practice", source_id=1, at=first)
        await record_review(conn, pid, QID, 0.7, source="practice", source_id=2, at=second)
    return pid, first, second


@pytest.mark.parametrize(("word", "rating"), [
    ("knew", Recall.GOOD), ("KNEW", Recall.GOOD), ("partly", Recall.HARD),
    ("didnt", Recall.AGAIN), ("didn't", Recall.AGAIN), (" didn\u2019t ", Recall.AGAIN)])
def test_the_words_map_to_ratings(word: str, rating: Recall) -> None:
    assert override_rating(word) is rating


@pytest.mark.parametrize("word", ["", "maybe", "easy", "knew it"])
def test_an_unknown_word_is_a_polite_input_error(word: str) -> None:
    with pytest.raises(InputError, match="is not a rating; say knew"):
        override_rating(word)


async def test_an_override_reschedules_as_a_replay_would(core: Core,
                                                         clock: FixedClock) -> None:
    pid, first, second = await two_reviews(core, clock)
    before = from_db(str(cards(core)[0][3]))
    async with core.db.transaction() as conn:
        assert await override(conn, pid, QID, "practice", 1, Recall.AGAIN) is Override.CHANGED
    expected = Card(card_id=zlib.crc32(f"{pid}:{QID}".encode()), due=first)
    expected, _ = SCHEDULER.review_card(expected, Rating.Again, review_datetime=first)
    expected, _ = SCHEDULER.review_card(expected, Rating.Good, review_datetime=second)
    row = cards(core)[0]
    assert from_db(str(row[3])) == expected.due != before
    assert Card.from_json(str(row[2])).stability == expected.stability
    assert [r[2:] for r in logs(core)] == [(1, "practice", 1), (3, "practice", 2)]


async def test_the_same_override_twice_changes_nothing(core: Core,
                                                       clock: FixedClock) -> None:
    pid, _, _ = await two_reviews(core, clock)
    async with core.db.transaction() as conn:
        assert await override(conn, pid, QID, "practice", 2, Recall.HARD) is Override.CHANGED
    once = dump(core.settings)
    async with core.db.transaction() as conn:
        assert await override(conn, pid, QID, "practice", 2, Recall.HARD) is Override.SAME
    assert dump(core.settings) == once


async def test_nobody_else_overrides_a_review(core: Core, clock: FixedClock) -> None:
    pid, _, _ = await two_reviews(core, clock)
    bob = await person_id(core, "U2", "bob")
    before = dump(core.settings)
    async with core.db.transaction() as conn:
        assert await override(conn, bob, QID, "practice", 2, Recall.AGAIN) is Override.MISSING
        assert await override(conn, pid, QID, "daily", 2, Recall.AGAIN) is Override.MISSING
    bob_ctx = CommandContext(person("U2", "bob"), CHANNEL, "general")
    text = (await core.commands.run(bob_ctx, "quiz", "rate didnt")).message.text()
    assert "Nothing to rate yet" in text
    assert dump(core.settings) == before


async def test_quiz_rate_overrides_the_latest_review(core: Core, clock: FixedClock) -> None:
    await two_reviews(core, clock)
    bad = (await core.commands.run(ALICE, "quiz", "rate perhaps")).message.text()
    assert "I could not read that" in bad and "/quiz rate knew|partly|didnt" in bad
    done = (await core.commands.run(ALICE, "quiz", "rate partly")).message.text()
    assert "Rated: partly" in done
    assert [r[2:] for r in logs(core)] == [(4, "practice", 1), (2, "practice", 2)]
    again = (await core.commands.run(ALICE, "quiz", "rate partly")).message.text()
    assert "Already rated that way" in again
    # Discord sends the words as a /quiz topic, straight to the practice service
    routed = await core.practice.start(ALICE.actor, "rate didnt")
    assert not hasattr(routed, "attempt_id")
    assert [r[2:] for r in logs(core)] == [(4, "practice", 1), (1, "practice", 2)]


async def test_the_reveal_offers_the_override(core: Core, clock: FixedClock,
                                              memory: MemoryPlatform) -> None:
    rnd = await answered_round(core, clock)
    clock.set(datetime(2026, 11, 22, 18, 0, tzinfo=UTC))
    await core.rounds.sweep()
    assert RATE_HINT in memory.reveals[0].message.footer
    done = (await core.commands.run(ALICE, "quiz", "rate knew")).message.text()
    assert "Rated: knew" in done
    assert [r[2:] for r in logs(core)] == [(3, "daily", rnd.id)]


async def test_rating_through_the_console(settings: Settings, clock: FixedClock,
                                          sample_bank: QuestionBank) -> None:
    core = await build(settings, clock=clock, bank=sample_bank)
    out = io.StringIO()
    console = ConsoleAdapter(core.rounds, core.commands, OffsetClock(clock), user="lead",
                             stdin=io.StringIO(""), stdout=out)
    core.platforms.register(console)
    try:
        assert await console.handle_line("/quiz rate knew")
        assert "Nothing to rate yet" in out.getvalue()
        assert await console.handle_line("/quiz sample")
        assert await console.handle_line("Tokens are pieces of text the model reads.")
        assert RATE_HINT in out.getvalue()
        start = len(out.getvalue())
        assert await console.handle_line("/quiz rate knew")
        assert "Rated: knew" in out.getvalue()[start:]
        assert [r[0] for r in query(settings, "SELECT rating FROM review_logs")] == [3]
        start = len(out.getvalue())
        assert await console.handle_line("/quiz rate sometimes")
        assert "is not a rating" in out.getvalue()[start:]
    finally:
        await core.close()


@pytest.mark.parametrize("action", ["rate:weekly:1:knew", "rate:practice:x:knew",
                                    "answer:12", "rate:practice:1234567890123:knew"])
def test_a_stale_or_forged_rate_action_is_not_read(action: str) -> None:
    assert parse_rate_action(action) is None


def test_rate_buttons_round_trip() -> None:
    assert [parse_rate_action(b.action) for b in rate_buttons("daily", 7)] == [
        ("daily", 7, "knew"), ("daily", 7, "partly"), ("daily", 7, "didnt")]
