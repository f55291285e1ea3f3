"""Spaced repetition: every graded answer reviews the person's card for that question, and
FSRS (the ``fsrs`` library; about 20 ms to import, so imported here directly) schedules it.

The use cases, in the caller's unit of work so the review commits with the grade: record a
review (once per source: a daily round or a practice attempt), override its rating (the
person's one tap after the result), and find what is due. Cards
are only read from the database, so a restart moves no due date.

The scheduler has no learning steps: quizbot asks at most a few questions a day, so every
interval is whole days (an "Again" comes back the next day), and no fuzz, so the schedule is
a function of the reviews alone.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Literal, cast
from zoneinfo import ZoneInfo

from fsrs import Card, Rating, Scheduler

from bot.domain.calibration import RECENT_TAPS, calibration, per_mille
from bot.domain.reviews import Recall, rating_for, retention
from bot.storage.connection import Connection
from bot.storage.repositories import Cards

Source = Literal["daily", "practice"]
RETENTION_DAYS = 30
SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)


async def record_review(conn: Connection, person_id: int, question_id: str,
                        coverage: float, *, source: Source, source_id: int,
                        at: datetime) -> bool:
    """Review the card with the rating ``coverage`` earns by the person's calibrated
    thresholds; False when this source (round or practice attempt) already reviewed it, and
    then nothing changes."""
    at = at.astimezone(UTC)
    cards = Cards(conn)
    rating = rating_for(coverage, await person_shift(conn, person_id))
    if not await cards.log(person_id, question_id, int(rating), at, source, source_id,
                           coverage=per_mille(coverage)):
        return False
    stored = await cards.get(person_id, question_id)
    card = Card.from_json(stored) if stored else _new_card(person_id, question_id, at)
    card, _ = SCHEDULER.review_card(card, Rating(int(rating)), review_datetime=at)
    await cards.save(person_id, question_id, card.to_json(), card.due, card.last_review)
    return True


async def person_shift(conn: Connection, person_id: int) -> int:
    """The person's calibration (see ``bot.domain.calibration``), from their latest taps."""
    taps = await Cards(conn).taps(person_id, RECENT_TAPS)
    return calibration([(c, Recall(r)) for c, r in taps])


def _new_card(person_id: int, question_id: str, at: datetime) -> Card:
    return Card(card_id=zlib.crc32(f"{person_id}:{question_id}".encode()), due=at)


class Override(StrEnum):
    MISSING = "missing"      # the person has no such review: nothing changed
    SAME = "same"            # it already had this rating: nothing changed
    CHANGED = "changed"


async def override(conn: Connection, person_id: int, question_id: str,
                   source: Source, source_id: int, rating: Recall) -> Override:
    """Replace the rating of the person's review from this source, and reschedule the card
    by replaying all their reviews of the question in order, so the card is what it would
    be had ``rating`` been given then. Only the person's own review is found (another
    person's id finds nothing), and the same override twice changes nothing."""
    cards = Cards(conn)
    row = await cards.review(person_id, question_id, source, source_id)
    if row is None:
        return Override.MISSING
    await cards.set_tapped(int(row["id"]), int(rating))   # a tap that agrees calibrates too
    if int(row["rating"]) == int(rating):
        return Override.SAME
    await cards.set_rating(int(row["id"]), int(rating))
    history = await cards.history(person_id, question_id)
    card = _new_card(person_id, question_id, history[0][1])
    for given, at in history:
        card, _ = SCHEDULER.review_card(card, Rating(given), review_datetime=at)
    await cards.save(person_id, question_id, card.to_json(), card.due, card.last_review)
    return Override.CHANGED


@dataclass(frozen=True, slots=True)
class Rated:
    question_id: str
    source: Source
    outcome: Override


async def override_latest(conn: Connection, person_id: int, rating: Recall,
                          on: tuple[Source, int] | None = None) -> Rated | None:
    """Override the person's most recent review, or their review from the source ``on``
    (a button under one result); None when they have no such review."""
    cards = Cards(conn)
    row = await (cards.latest(person_id) if on is None else cards.of_source(person_id, *on))
    if row is None:
        return None
    source = cast(Source, row["source"])
    outcome = await override(conn, person_id, row["question_id"], source,
                             int(row["source_id"]), rating)
    return Rated(row["question_id"], source, outcome)


async def due_questions(conn: Connection, person_id: int,
                        now: datetime) -> list[str]:
    """Question ids of the person's cards due now, most overdue first."""
    return [row["question_id"] for row in await Cards(conn).due(person_id, now)]


async def next_review(conn: Connection, person_id: int) -> datetime | None:
    """When the person's next card falls due; None when they have no cards."""
    return await Cards(conn).next_due(person_id)


async def summary(conn: Connection, person_id: int, now: datetime,
                  timezone: str) -> tuple[int, float | None]:
    """(cards due by the end of today in ``timezone``, retention over the last 30 days)."""
    tz = ZoneInfo(timezone)
    end_of_day = datetime.combine(now.astimezone(tz).date() + timedelta(1), time(), tz)
    cards = Cards(conn)
    due = await cards.count_due(person_id, end_of_day - timedelta(microseconds=1))
    ratings = await cards.ratings_since(person_id, now - timedelta(days=RETENTION_DAYS))
    return due, retention(ratings)
