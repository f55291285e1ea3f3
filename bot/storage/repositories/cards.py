"""Cards: each person's spaced-repetition card per question (FSRS state as JSON) and the
log of every review, unique per source so a retried reveal or answer reviews once."""

from __future__ import annotations

from datetime import datetime

from bot.storage.connection import Row
from bot.storage.db import fetch_all, fetch_one, from_db, to_db
from bot.storage.repositories.base import _Repo


class Cards(_Repo):
    async def get(self, person_id: int, question_id: str) -> str | None:
        """The card's stored FSRS state (JSON), or None for a question never reviewed."""
        row = await fetch_one(self.conn, "SELECT state FROM cards WHERE person_id=? AND"
                              " question_id=?", (person_id, question_id))
        return str(row[0]) if row else None

    async def save(self, person_id: int, question_id: str, state: str, due: datetime,
                   last_review: datetime | None) -> None:
        await self.conn.execute(
            "INSERT INTO cards (person_id, question_id, state, due, last_review)"
            " VALUES (?,?,?,?,?) ON CONFLICT (person_id, question_id) DO UPDATE SET"
            " state=excluded.state, due=excluded.due, last_review=excluded.last_review",
            (person_id, question_id, state, to_db(due),
             to_db(last_review) if last_review else None))

    async def log(self, person_id: int, question_id: str, rating: int, at: datetime,
                  source: str, source_id: int, *, coverage: int | None = None) -> bool:
        """Record a review (``coverage`` in thousandths; the rating is kept as ``graded``
        too, for calibration); False (and nothing written) when this source reviewed it
        before."""
        cur = await self.conn.execute(
            "INSERT INTO review_logs (person_id, question_id, rating, reviewed_at, source,"
            " source_id, coverage, graded) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (person_id, question_id, rating, to_db(at), source, source_id, coverage, rating))
        return cur.rowcount == 1

    async def due(self, person_id: int, by: datetime) -> list[Row]:
        """(question_id, due) of the person's cards due at ``by``, most overdue first."""
        return await fetch_all(self.conn, "SELECT question_id, due FROM cards WHERE"
                               " person_id=? AND due<=? ORDER BY due, question_id",
                               (person_id, to_db(by)))

    async def next_due(self, person_id: int) -> datetime | None:
        row = await fetch_one(self.conn, "SELECT MIN(due) FROM cards WHERE person_id=?",
                              (person_id,))
        return from_db(row[0]) if row and row[0] else None

    async def count_due(self, person_id: int, by: datetime) -> int:
        row = await fetch_one(self.conn, "SELECT COUNT(*) FROM cards WHERE person_id=? AND"
                              " due<=?", (person_id, to_db(by)))
        return int(row[0]) if row else 0

    async def ratings_since(self, person_id: int, since: datetime) -> list[int]:
        rows = await fetch_all(self.conn, "SELECT rating FROM review_logs WHERE person_id=?"
                               " AND reviewed_at>=?", (person_id, to_db(since)))
        return [int(r[0]) for r in rows]

    async def review(self, person_id: int, question_id: str, source: str,
                     source_id: int) -> Row | None:
        """The person's review log row for this source, or None."""
        return await fetch_one(self.conn, "SELECT id, rating FROM review_logs WHERE"
                               " person_id=? AND question_id=? AND source=? AND source_id=?",
                               (person_id, question_id, source, source_id))

    async def latest(self, person_id: int) -> Row | None:
        """(question_id, source, source_id, rating) of the person's most recent review."""
        return await fetch_one(self.conn, "SELECT question_id, source, source_id, rating FROM"
                               " review_logs WHERE person_id=? ORDER BY reviewed_at DESC,"
                               " id DESC LIMIT 1", (person_id,))

    async def of_source(self, person_id: int, source: str,
                        source_id: int) -> Row | None:
        """The same, for the person's review from one round or practice attempt."""
        return await fetch_one(self.conn, "SELECT question_id, source, source_id, rating FROM"
                               " review_logs WHERE person_id=? AND source=? AND source_id=?"
                               " ORDER BY id DESC LIMIT 1", (person_id, source, source_id))

    async def set_rating(self, log_id: int, rating: int) -> None:
        await self.conn.execute("UPDATE review_logs SET rating=? WHERE id=?", (rating, log_id))

    async def set_tapped(self, log_id: int, rating: int) -> None:
        """What the person tapped on this review (kept apart from ``rating`` for calibration)."""
        await self.conn.execute("UPDATE review_logs SET tapped=? WHERE id=?", (rating, log_id))

    async def taps(self, person_id: int, most: int) -> list[tuple[int, int]]:
        """(coverage in thousandths, tapped rating) of the person's latest ``most`` tapped
        reviews, oldest first."""
        rows = await fetch_all(self.conn, "SELECT coverage, tapped FROM review_logs WHERE"
                               " person_id=? AND tapped IS NOT NULL AND coverage IS NOT NULL"
                               " ORDER BY reviewed_at DESC, id DESC LIMIT ?", (person_id, most))
        return [(int(r[0]), int(r[1])) for r in reversed(rows)]

    async def history(self, person_id: int, question_id: str) -> list[tuple[int, datetime]]:
        """(rating, reviewed_at) of every review of the card, in the order they happened."""
        rows = await fetch_all(self.conn, "SELECT rating, reviewed_at FROM review_logs WHERE"
                               " person_id=? AND question_id=? ORDER BY reviewed_at, id",
                               (person_id, question_id))
        return [(int(r[0]), from_db(r[1])) for r in rows]
