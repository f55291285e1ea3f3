"""A card's FSRS state survives the database exactly: whatever state fsrs can be in, saving it
and reading it back gives the same Card (and the due/last_review columns the same moments),
so a restart never changes what the scheduler does next."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from fsrs import Card, Rating, State
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.services.reviews import SCHEDULER
from bot.storage.db import from_db
from bot.storage.repositories import Cards, People
from tests.dbdump import query

# the same examples on every run, and no .hypothesis folder left behind
EXAMPLES = settings(max_examples=80, deadline=None, derandomize=True, database=None)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                         timezone(timedelta(hours=-8))])
MOMENTS = st.builds(lambda d, tz: d.replace(tzinfo=UTC).astimezone(tz),
                    st.datetimes(datetime(2020, 1, 1), datetime(2100, 1, 1)), ZONES)
# fsrs keeps stability at or above 0.001 and difficulty in [1, 10]; its from_dict reads a
# stability of 0.0 as None, a state a scheduled card never has
STABILITY = st.floats(min_value=0.001, max_value=1e6, allow_nan=False, allow_infinity=False)
DIFFICULTY = st.floats(min_value=1.0, max_value=10.0, allow_nan=False)


@st.composite
def cards(draw: st.DrawFn) -> Card:
    state = draw(st.sampled_from(list(State)))
    step = None if state is State.Review else draw(st.integers(0, 10))
    new = state is State.Learning and draw(st.booleans())   # never reviewed yet
    return Card(card_id=draw(st.integers(1, 2**32 - 1)), state=state, step=step,
                stability=None if new else draw(STABILITY),
                difficulty=None if new else draw(DIFFICULTY), due=draw(MOMENTS),
                last_review=None if new else draw(MOMENTS))


def test_any_card_state_round_trips_through_the_cards_table(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    runner = asyncio.Runner()
    core = runner.run(build(settings, clock=clock, bank=sample_bank))

    async def alice() -> int:
        async with core.db.transaction() as conn:
            return (await People(conn).upsert("memory", "T1", "U1", "alice",
                                              clock.now())).id

    async def save_and_get(pid: int, card: Card) -> str | None:
        async with core.db.transaction() as conn:
            await Cards(conn).save(pid, "sample-tokens", card.to_json(), card.due,
                                   card.last_review)
        async with core.db.reading() as conn:
            return await Cards(conn).get(pid, "sample-tokens")

    pid = runner.run(alice())

    @EXAMPLES
    @given(card=cards(), rating=st.sampled_from(list(Rating)),
           later=st.timedeltas(timedelta(0), timedelta(days=400)))
    def round_trips(card: Card, rating: Rating, later: timedelta) -> None:
        stored = runner.run(save_and_get(pid, card))
        assert stored is not None
        loaded = Card.from_json(stored)
        assert loaded == card
        ((due, last),) = query(settings, "SELECT due, last_review FROM cards")
        assert from_db(str(due)) == card.due
        assert (from_db(str(last)) if last else None) == card.last_review
        # and the scheduler takes it on exactly where it left off
        at = (max(card.due, card.last_review or card.due) + later).astimezone(UTC)
        assert SCHEDULER.review_card(loaded, rating, review_datetime=at) == \
            SCHEDULER.review_card(card, rating, review_datetime=at)

    try:
        round_trips()
    finally:
        runner.run(core.close())
        runner.close()
