"""Rounds: one posted question per subscription and local date, and its life from posting
through reveal to archiving."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.domain.rounds import Round, RoundState
from bot.domain.subscriptions import ChannelRef
from bot.storage.connection import Row
from bot.storage.db import fetch_all, fetch_one, from_db, to_db
from bot.storage.repositories.base import _Repo


def _round(row: Row) -> Round:
    return Round(
        id=row["id"], subscription_id=row["subscription_id"],
        local_date=date.fromisoformat(row["local_date"]), question_id=row["question_id"],
        state=RoundState(row["state"]), opens_at=from_db(row["opens_at"]),
        deadline=from_db(row["deadline"]), message_id=row["message_id"],
        thread_id=row["thread_id"], post_attempts=row["post_attempts"])


class Rounds(_Repo):
    async def create(self, sub_id: int, local_date: date, question_id: str, opens_at: datetime,
                     deadline: datetime) -> Round | None:
        """Insert the round in state 'posting' with its first attempt to post counted (the
        post follows at once); None if the (subscription, date) exists."""
        row = await fetch_one(
            self.conn,
            "INSERT INTO rounds (subscription_id, local_date, question_id, state, opens_at,"
            " deadline, post_attempts) VALUES (?,?,?,?,?,?,1)"
            " ON CONFLICT (subscription_id, local_date) DO NOTHING"
            " RETURNING *", (sub_id, local_date.isoformat(), question_id,
                             RoundState.POSTING.value, to_db(opens_at), to_db(deadline)))
        return _round(row) if row else None

    async def get(self, round_id: int) -> Round | None:
        row = await fetch_one(self.conn, "SELECT * FROM rounds WHERE id=?", (round_id,))
        return _round(row) if row else None

    async def on_date(self, sub_id: int, local_date: date) -> Round | None:
        row = await fetch_one(self.conn, "SELECT * FROM rounds WHERE subscription_id=?"
                              " AND local_date=?", (sub_id, local_date.isoformat()))
        return _round(row) if row else None

    async def subscription_of_thread(self, platform: str, workspace: str,
                                     thread_id: str) -> int | None:
        row = await fetch_one(
            self.conn, "SELECT r.subscription_id FROM rounds r JOIN subscriptions s ON"
            " s.id = r.subscription_id WHERE r.thread_id=? AND s.platform=? AND s.workspace=?"
            " LIMIT 1", (thread_id, platform, workspace))
        return int(row[0]) if row else None

    async def posting_in(self, channel: ChannelRef, now: datetime) -> Round | None:
        """The channel's round whose post is going out now (inserted, not yet recorded)."""
        row = await fetch_one(
            self.conn, "SELECT r.* FROM rounds r JOIN subscriptions s ON s.id = r.subscription_id"
            " WHERE s.platform=? AND s.workspace=? AND s.channel_id=? AND r.state=?"
            " AND r.deadline > ? ORDER BY r.id DESC LIMIT 1",
            (channel.platform, channel.workspace, channel.channel, RoundState.POSTING.value,
             to_db(now)))
        return _round(row) if row else None

    async def in_channel_thread(self, channel: ChannelRef,
                                thread_id: str) -> tuple[int, Round] | None:
        """(subscription id, round) for a thread of a subscribed channel, in one query."""
        row = await fetch_one(
            self.conn, "SELECT r.* FROM rounds r JOIN subscriptions s ON s.id = r.subscription_id"
            " WHERE s.platform=? AND s.workspace=? AND s.channel_id=? AND r.thread_id=?",
            (channel.platform, channel.workspace, channel.channel, thread_id))
        return (row["subscription_id"], _round(row)) if row else None

    async def latest(self, sub_id: int) -> Round | None:
        row = await fetch_one(self.conn, "SELECT * FROM rounds WHERE subscription_id=?"
                              " ORDER BY local_date DESC LIMIT 1", (sub_id,))
        return _round(row) if row else None

    async def asked_question_ids(self, sub_id: int) -> list[str]:
        rows = await fetch_all(self.conn, "SELECT question_id FROM rounds WHERE subscription_id=?",
                               (sub_id,))
        return [r[0] for r in rows]

    async def mark_sent(self, round_id: int, message_id: str) -> None:
        """The question is out (its message id known) though its thread may not be yet: a
        retry opens the thread, never posts again."""
        await self.conn.execute("UPDATE rounds SET message_id=? WHERE id=? AND state=?",
                                (message_id, round_id, RoundState.POSTING.value))

    async def mark_posted(self, round_id: int, message_id: str, thread_id: str | None,
                          now: datetime) -> Round | None:
        """The round open, its post recorded; None when it was not in 'posting'."""
        row = await fetch_one(
            self.conn, "UPDATE rounds SET state=?, message_id=?, thread_id=?, posted_at=?"
            " WHERE id=? AND state=? RETURNING *",
            (RoundState.OPEN.value, message_id, thread_id, to_db(now), round_id,
             RoundState.POSTING.value))
        return _round(row) if row else None

    async def count_post_attempt(self, round_id: int) -> int:
        """Count one more attempt to post; returns how many attempts came before this one."""
        rows = await self.conn.execute_fetchall(
            "UPDATE rounds SET post_attempts = post_attempts + 1 WHERE id=?"
            " RETURNING post_attempts", (round_id,))
        return int(next(iter(rows))[0]) - 1

    async def states(self, round_ids: list[int]) -> dict[int, RoundState]:
        """The current state of each of the rounds, in one query."""
        if not round_ids:
            return {}
        marks = ",".join("?" for _ in round_ids)
        rows = await fetch_all(self.conn, f"SELECT id, state FROM rounds WHERE id IN ({marks})",
                               round_ids)
        return {r[0]: RoundState(r[1]) for r in rows}

    async def in_state(self, state: RoundState) -> list[Round]:
        rows = await fetch_all(self.conn, "SELECT * FROM rounds WHERE state=? ORDER BY id",
                               (state.value,))
        return [_round(r) for r in rows]

    async def past_deadline(self, now: datetime) -> list[Round]:
        rows = await fetch_all(self.conn, "SELECT * FROM rounds WHERE state=? AND deadline<=?"
                               " ORDER BY deadline", (RoundState.OPEN.value, to_db(now)))
        return [_round(r) for r in rows]

    async def needing_reminder(self, now: datetime, ahead: timedelta) -> list[Round]:
        rows = await fetch_all(
            self.conn, "SELECT * FROM rounds WHERE state=? AND reminded_at IS NULL"
            " AND deadline > ? AND deadline <= ? ORDER BY id",
            (RoundState.OPEN.value, to_db(now), to_db(now + ahead)))
        return [_round(r) for r in rows]

    async def mark_lead_told(self, round_id: int, now: datetime) -> bool:
        """True the first time only: a lead hears about a failing post once per round."""
        rows = await self.conn.execute_fetchall(
            "UPDATE rounds SET lead_told_at=? WHERE id=? AND lead_told_at IS NULL RETURNING 1",
            (to_db(now), round_id))
        return bool(rows)

    async def mark_reminded(self, round_id: int, now: datetime) -> bool:
        cur = await self.conn.execute("UPDATE rounds SET reminded_at=? WHERE id=? AND"
                                      " reminded_at IS NULL", (to_db(now), round_id))
        return cur.rowcount == 1

    async def before(self, sub_id: int, local_date: date) -> Round | None:
        """The subscription's posted round just before ``local_date``."""
        row = await fetch_one(self.conn, "SELECT * FROM rounds WHERE subscription_id=? AND"
                              " local_date < ? AND message_id IS NOT NULL ORDER BY local_date"
                              " DESC LIMIT 1", (sub_id, local_date.isoformat()))
        return _round(row) if row else None

    async def latest_revealed(self, sub_id: int) -> Round | None:
        row = await fetch_one(self.conn, "SELECT * FROM rounds WHERE subscription_id=? AND"
                              " state=? AND message_id IS NOT NULL ORDER BY local_date DESC"
                              " LIMIT 1", (sub_id, RoundState.REVEALED.value))
        return _round(row) if row else None

    async def posted_between(self, platform: str, workspace: str, start: datetime,
                             end: datetime) -> list[Round]:
        rows = await fetch_all(
            self.conn, "SELECT r.* FROM rounds r JOIN subscriptions s ON s.id = r.subscription_id"
            " WHERE s.platform=? AND s.workspace=? AND r.message_id IS NOT NULL"
            " AND r.opens_at >= ? AND r.opens_at < ? ORDER BY r.opens_at",
            (platform, workspace, to_db(start), to_db(end)))
        return [_round(r) for r in rows]

    async def voting_closed(self, closed_before: datetime) -> list[Round]:
        """Revealed rounds whose voting window ended and whose thread is still open."""
        rows = await fetch_all(
            self.conn, "SELECT * FROM rounds WHERE state=? AND archived_at IS NULL AND"
            " revealed_at IS NOT NULL AND revealed_at <= ? AND thread_id IS NOT NULL",
            (RoundState.REVEALED.value, to_db(closed_before)))
        return [_round(r) for r in rows]

    async def mark_archived(self, round_id: int, now: datetime) -> None:
        await self.conn.execute("UPDATE rounds SET archived_at=? WHERE id=?",
                                (to_db(now), round_id))

    async def claim_for_reveal(self, round_id: int) -> bool:
        """open -> revealing, exactly once: True only for the caller that moved it."""
        cur = await self.conn.execute("UPDATE rounds SET state=? WHERE id=? AND state=?",
                                      (RoundState.REVEALING.value, round_id,
                                       RoundState.OPEN.value))
        return cur.rowcount == 1

    async def expire_unposted(self, round_id: int, now: datetime) -> None:
        """A round never posted before its deadline: close it, there is nothing to reveal."""
        await self.conn.execute("UPDATE rounds SET state=?, revealed_at=? WHERE id=? AND state=?",
                                (RoundState.REVEALED.value, to_db(now), round_id,
                                 RoundState.POSTING.value))

    async def mark_revealed(self, round_id: int, message_id: str, now: datetime) -> None:
        await self.conn.execute(
            "UPDATE rounds SET state=?, revealed_at=?, reveal_message_id=? WHERE id=? AND state=?",
            (RoundState.REVEALED.value, to_db(now), message_id, round_id,
             RoundState.REVEALING.value))
