"""Follow-ups: the follow-up questions asked after answers, and the replies to them."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from bot.domain.follow_ups import FollowUp, FollowUpSource
from bot.storage.connection import Row
from bot.storage.db import fetch_all, fetch_one, from_db, to_db
from bot.storage.repositories.base import _Repo


def _follow_up(row: Row) -> FollowUp:
    return FollowUp(row["id"], row["person_id"], cast(FollowUpSource, row["source"]),
                    row["source_id"], row["question_id"], row["mode"], from_db(row["asked_at"]),
                    row["thread_id"], row["reply"], row["reply_message_id"], row["notes"])


class FollowUps(_Repo):
    async def claim(self, person_id: int, source: FollowUpSource, source_id: int,
                    question_id: str, mode: str, thread_id: str | None,
                    now: datetime) -> int | None:
        """Record that the follow-up is being asked; None when this source already asked
        it (a retried or replayed answer asks once)."""
        rows = await self.conn.execute_fetchall(
            "INSERT INTO follow_ups (person_id, source, source_id, question_id, mode,"
            " thread_id, asked_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING id",
            (person_id, source, source_id, question_id, mode, thread_id, to_db(now)))
        return int(next(iter(rows))[0]) if rows else None

    async def unclaim(self, follow_up_id: int) -> None:
        """The ask never reached the person: forget it (only while it has no reply)."""
        await self.conn.execute("DELETE FROM follow_ups WHERE id=? AND reply IS NULL",
                                (follow_up_id,))

    async def get(self, follow_up_id: int) -> FollowUp | None:
        row = await fetch_one(self.conn, "SELECT * FROM follow_ups WHERE id=?",
                              (follow_up_id,))
        return _follow_up(row) if row else None

    async def of_source(self, person_id: int, source: FollowUpSource,
                        source_id: int) -> FollowUp | None:
        row = await fetch_one(self.conn, "SELECT * FROM follow_ups WHERE person_id=? AND"
                              " source=? AND source_id=?", (person_id, source, source_id))
        return _follow_up(row) if row else None

    async def owner(self, follow_up_id: int) -> tuple[str, str] | None:
        """(platform, user id) of the person the follow-up was asked of."""
        row = await fetch_one(self.conn, "SELECT p.platform, p.user_id FROM follow_ups f"
                              " JOIN people p ON p.id = f.person_id WHERE f.id=?",
                              (follow_up_id,))
        return (row[0], row[1]) if row else None

    async def latest_asked(self, person_id: int, limit: int = 20) -> list[FollowUp]:
        """The person's recent daily and practice follow-ups, newest first (a mock
        interview's follow-ups are answered in the interview)."""
        rows = await fetch_all(self.conn, "SELECT * FROM follow_ups WHERE person_id=? AND"
                               " source <> 'interview' ORDER BY asked_at DESC, id DESC LIMIT ?",
                               (person_id, limit))
        return [_follow_up(r) for r in rows]

    async def any_in_thread(self, thread_id: str) -> bool:
        row = await fetch_one(self.conn, "SELECT 1 FROM follow_ups WHERE thread_id=? AND"
                              " mode='thread' LIMIT 1", (thread_id,))
        return row is not None

    async def in_thread(self, platform: str, workspace: str, user_id: str, thread_id: str,
                        message_id: str) -> FollowUp | None:
        """The person's follow-up asked in this thread that ``message_id`` may answer: one
        still waiting for a reply, or the one this very message answered. A message that is
        the person's daily answer never is."""
        row = await fetch_one(
            self.conn, "SELECT f.* FROM follow_ups f JOIN people p ON p.id = f.person_id"
            " WHERE f.thread_id=? AND f.mode='thread' AND f.source='daily' AND p.platform=?"
            " AND p.workspace=? AND p.user_id=? AND (f.reply IS NULL OR f.reply_message_id=?)"
            " AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.round_id = f.source_id AND"
            " a.person_id = f.person_id AND a.message_id = ?) ORDER BY f.id DESC LIMIT 1",
            (thread_id, platform, workspace, user_id, message_id, message_id))
        return _follow_up(row) if row else None

    async def set_reply(self, follow_up_id: int, text: str, message_id: str | None,
                        notes: str | None, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE follow_ups SET reply=?, reply_message_id=?, notes=?, replied_at=?"
            " WHERE id=?", (text, message_id, notes, to_db(now), follow_up_id))

    async def replies_for_round(self, round_id: int) -> dict[int, tuple[str, str | None]]:
        """person id -> (reply, judge's notes) of a daily round's answered follow-ups."""
        rows = await fetch_all(self.conn, "SELECT person_id, reply, notes FROM follow_ups"
                               " WHERE source='daily' AND source_id=? AND reply IS NOT NULL",
                               (round_id,))
        return {r[0]: (r[1], r[2]) for r in rows}
