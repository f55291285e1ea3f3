"""Repositories: every SQL statement quizbot runs, grouped by the domain object it serves.

A repository wraps the connection of the current unit of work; the service decides where
transactions begin and end (``async with db.transaction() as conn: Rounds(conn)...``).
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, time, timedelta
from typing import Any

import aiosqlite

from bot.domain.rounds import Answer, Person, Round, RoundState
from bot.domain.scoring import Award, Board, Standing
from bot.domain.subscriptions import ChannelRef, Subscription
from bot.storage.db import fetch_all, fetch_one, from_db, to_db


class _Repo:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn


def _person(row: sqlite3.Row, prefix: str = "") -> Person:
    return Person(row[f"{prefix}id"], row[f"{prefix}platform"], row[f"{prefix}workspace"],
                  row[f"{prefix}user_id"], row[f"{prefix}display_name"])


class People(_Repo):
    async def upsert(self, platform: str, workspace: str, user_id: str, display_name: str,
                     now: datetime) -> Person:
        """The person for a platform user, created on first sight; the name follows changes."""
        await self.conn.execute(
            "INSERT INTO people (platform, workspace, user_id, display_name, created_at)"
            " VALUES (?,?,?,?,?) ON CONFLICT (platform, workspace, user_id)"
            " DO UPDATE SET display_name = excluded.display_name"
            " WHERE people.display_name <> excluded.display_name",
            (platform, workspace, user_id, display_name, to_db(now)))
        person = await self.find(platform, workspace, user_id)
        assert person is not None
        return person

    async def find(self, platform: str, workspace: str, user_id: str) -> Person | None:
        row = await fetch_one(self.conn, "SELECT * FROM people WHERE platform=? AND workspace=?"
                              " AND user_id=?", (platform, workspace, user_id))
        return _person(row) if row else None

    async def get(self, person_id: int) -> Person | None:
        row = await fetch_one(self.conn, "SELECT * FROM people WHERE id=?", (person_id,))
        return _person(row) if row else None


def _subscription(row: sqlite3.Row) -> Subscription:
    hh, mm = row["post_time"].split(":")
    return Subscription(
        id=row["id"], channel=ChannelRef(row["platform"], row["workspace"], row["channel_id"]),
        channel_name=row["channel_name"], post_time=time(int(hh), int(mm)),
        days=tuple(d for d in row["days"].split(",") if d), timezone=row["timezone"],
        window=timedelta(minutes=row["window_minutes"]),
        topics=tuple(json.loads(row["topics"])), levels=tuple(json.loads(row["levels"])),
        blind=bool(row["blind"]), active=bool(row["active"]))


class Subscriptions(_Repo):
    async def save(self, sub: Subscription, now: datetime) -> Subscription:
        """Create or update the channel's subscription (one per channel)."""
        c = sub.channel
        await self.conn.execute(
            "INSERT INTO subscriptions (platform, workspace, channel_id, channel_name, post_time,"
            " days, timezone, window_minutes, topics, levels, blind, active, created_at,"
            " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (platform, workspace, channel_id) DO UPDATE SET"
            " channel_name=excluded.channel_name, post_time=excluded.post_time,"
            " days=excluded.days, timezone=excluded.timezone,"
            " window_minutes=excluded.window_minutes, topics=excluded.topics,"
            " levels=excluded.levels, blind=excluded.blind, active=excluded.active,"
            " updated_at=excluded.updated_at",
            (c.platform, c.workspace, c.channel, sub.channel_name,
             sub.post_time.strftime("%H:%M"), ",".join(sub.days), sub.timezone,
             int(sub.window.total_seconds() // 60), json.dumps(list(sub.topics)),
             json.dumps(list(sub.levels)), int(sub.blind), int(sub.active), to_db(now),
             to_db(now)))
        saved = await self.for_channel(c)
        assert saved is not None
        return saved

    async def get(self, sub_id: int) -> Subscription | None:
        row = await fetch_one(self.conn, "SELECT * FROM subscriptions WHERE id=?", (sub_id,))
        return _subscription(row) if row else None

    async def for_channel(self, channel: ChannelRef) -> Subscription | None:
        row = await fetch_one(
            self.conn, "SELECT * FROM subscriptions WHERE platform=? AND workspace=?"
            " AND channel_id=?", (channel.platform, channel.workspace, channel.channel))
        return _subscription(row) if row else None

    async def active(self, platforms: list[str] | None = None) -> list[Subscription]:
        rows = await fetch_all(self.conn, "SELECT * FROM subscriptions WHERE active=1 ORDER BY id")
        subs = [_subscription(r) for r in rows]
        return [s for s in subs if platforms is None or s.channel.platform in platforms]

    async def count(self) -> int:
        row = await fetch_one(self.conn, "SELECT COUNT(*) FROM subscriptions")
        return int(row[0]) if row else 0


def _round(row: sqlite3.Row) -> Round:
    return Round(
        id=row["id"], subscription_id=row["subscription_id"],
        local_date=date.fromisoformat(row["local_date"]), question_id=row["question_id"],
        state=RoundState(row["state"]), opens_at=from_db(row["opens_at"]),
        deadline=from_db(row["deadline"]), message_id=row["message_id"],
        thread_id=row["thread_id"])


class Rounds(_Repo):
    async def create(self, sub_id: int, local_date: date, question_id: str, opens_at: datetime,
                     deadline: datetime) -> Round | None:
        """Insert the round in state 'posting'; None if the (subscription, date) exists."""
        cur = await self.conn.execute(
            "INSERT INTO rounds (subscription_id, local_date, question_id, state, opens_at,"
            " deadline) VALUES (?,?,?,?,?,?) ON CONFLICT (subscription_id, local_date) DO NOTHING",
            (sub_id, local_date.isoformat(), question_id, RoundState.POSTING.value,
             to_db(opens_at), to_db(deadline)))
        if cur.rowcount == 0:
            return None
        return await self.get(int(cur.lastrowid or 0))

    async def get(self, round_id: int) -> Round | None:
        row = await fetch_one(self.conn, "SELECT * FROM rounds WHERE id=?", (round_id,))
        return _round(row) if row else None

    async def on_date(self, sub_id: int, local_date: date) -> Round | None:
        row = await fetch_one(self.conn, "SELECT * FROM rounds WHERE subscription_id=?"
                              " AND local_date=?", (sub_id, local_date.isoformat()))
        return _round(row) if row else None

    async def by_thread(self, sub_id: int, thread_id: str) -> Round | None:
        row = await fetch_one(self.conn, "SELECT * FROM rounds WHERE subscription_id=?"
                              " AND thread_id=?", (sub_id, thread_id))
        return _round(row) if row else None

    async def latest(self, sub_id: int) -> Round | None:
        row = await fetch_one(self.conn, "SELECT * FROM rounds WHERE subscription_id=?"
                              " ORDER BY local_date DESC LIMIT 1", (sub_id,))
        return _round(row) if row else None

    async def asked_question_ids(self, sub_id: int) -> list[str]:
        rows = await fetch_all(self.conn, "SELECT question_id FROM rounds WHERE subscription_id=?",
                               (sub_id,))
        return [r[0] for r in rows]

    async def mark_posted(self, round_id: int, message_id: str, thread_id: str,
                          now: datetime) -> None:
        await self.conn.execute(
            "UPDATE rounds SET state=?, message_id=?, thread_id=?, posted_at=?"
            " WHERE id=? AND state=?",
            (RoundState.OPEN.value, message_id, thread_id, to_db(now), round_id,
             RoundState.POSTING.value))

    async def count_post_attempt(self, round_id: int) -> None:
        await self.conn.execute("UPDATE rounds SET post_attempts = post_attempts + 1 WHERE id=?",
                                (round_id,))

    async def in_state(self, state: RoundState) -> list[Round]:
        rows = await fetch_all(self.conn, "SELECT * FROM rounds WHERE state=? ORDER BY id",
                               (state.value,))
        return [_round(r) for r in rows]

    async def past_deadline(self, now: datetime) -> list[Round]:
        rows = await fetch_all(self.conn, "SELECT * FROM rounds WHERE state=? AND deadline<=?"
                               " ORDER BY deadline", (RoundState.OPEN.value, to_db(now)))
        return [_round(r) for r in rows]

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


def _answer(row: sqlite3.Row) -> Answer:
    return Answer(row["id"], row["round_id"], _person(row, "p_"), row["text"], bool(row["late"]),
                  from_db(row["created_at"]), from_db(row["updated_at"]))


_ANSWER_SELECT = (
    "SELECT a.*, p.id AS p_id, p.platform AS p_platform, p.workspace AS p_workspace,"
    " p.user_id AS p_user_id, p.display_name AS p_display_name"
    " FROM answers a JOIN people p ON p.id = a.person_id")


class Answers(_Repo):
    async def get(self, round_id: int, person_id: int) -> Answer | None:
        row = await fetch_one(self.conn, f"{_ANSWER_SELECT} WHERE a.round_id=? AND a.person_id=?",
                              (round_id, person_id))
        return _answer(row) if row else None

    async def insert(self, round_id: int, person_id: int, text: str, message_id: str,
                     late: bool, now: datetime) -> None:
        await self.conn.execute(
            "INSERT INTO answers (round_id, person_id, text, message_id, late, created_at,"
            " updated_at) VALUES (?,?,?,?,?,?,?)",
            (round_id, person_id, text, message_id, int(late), to_db(now), to_db(now)))

    async def replace(self, answer_id: int, text: str, message_id: str, now: datetime) -> None:
        await self.conn.execute("UPDATE answers SET text=?, message_id=?, updated_at=? WHERE id=?",
                                (text, message_id, to_db(now), answer_id))

    async def for_round(self, round_id: int) -> list[Answer]:
        rows = await fetch_all(self.conn, f"{_ANSWER_SELECT} WHERE a.round_id=? ORDER BY a.id",
                               (round_id,))
        return [_answer(r) for r in rows]


class Events(_Repo):
    async def first_sight(self, platform: str, event_id: str, now: datetime) -> bool:
        """Remember an event id; False if it was seen before (a retry or a replay)."""
        cur = await self.conn.execute(
            "INSERT INTO seen_events (platform, event_id, seen_at) VALUES (?,?,?)"
            " ON CONFLICT DO NOTHING", (platform, event_id, to_db(now)))
        return cur.rowcount == 1


class Scores(_Repo):
    async def add(self, award: Award, *, board: Board, subscription_id: int | None,
                  round_id: int | None, at: datetime, actor_id: int | None = None) -> bool:
        """Write one ledger row; False if the rule already paid this (round, person, reason)."""
        cur = await self.conn.execute(
            "INSERT INTO score_events (person_id, subscription_id, round_id, board, points,"
            " reason, note, actor_id, created_at) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT DO NOTHING",
            (award.person_id, subscription_id, round_id, board.value, award.points,
             award.reason.value, award.note, actor_id, to_db(at)))
        return cur.rowcount == 1

    async def for_round(self, round_id: int) -> list[sqlite3.Row]:
        return await fetch_all(self.conn, "SELECT * FROM score_events WHERE round_id=?"
                               " ORDER BY id", (round_id,))

    async def standings(self, *, board: Board, start: datetime, end: datetime,
                        subscription_id: int | None = None, workspace: tuple[str, str] | None
                        = None, limit: int = 10) -> list[Standing]:
        """Ranked totals for a board over [start, end); ties share the lower rank number."""
        where, params = self._scope(board, start, end, subscription_id, workspace)
        rows = await fetch_all(
            self.conn,
            "SELECT p.id, p.display_name, SUM(s.points) AS total,"
            " RANK() OVER (ORDER BY SUM(s.points) DESC) AS rnk"
            f" FROM score_events s JOIN people p ON p.id = s.person_id WHERE {where}"
            " GROUP BY p.id HAVING total <> 0 ORDER BY total DESC, p.display_name LIMIT ?",
            (*params, limit))
        return [Standing(r["rnk"], r["id"], r["display_name"], r["total"]) for r in rows]

    async def standing_of(self, person_id: int, *, board: Board, start: datetime, end: datetime,
                          subscription_id: int | None = None,
                          workspace: tuple[str, str] | None = None) -> Standing | None:
        where, params = self._scope(board, start, end, subscription_id, workspace)
        row = await fetch_one(
            self.conn,
            "WITH totals AS (SELECT s.person_id, SUM(s.points) AS total FROM score_events s"
            f" JOIN people p ON p.id = s.person_id WHERE {where} GROUP BY s.person_id)"
            " SELECT t.total, p.display_name, (SELECT COUNT(*) FROM totals o"
            " WHERE o.total > t.total) + 1 AS rnk FROM totals t JOIN people p"
            " ON p.id = t.person_id WHERE t.person_id = ?", (*params, person_id))
        if row is None:
            return None
        return Standing(row["rnk"], person_id, row["display_name"], row["total"])

    @staticmethod
    def _scope(board: Board, start: datetime, end: datetime, subscription_id: int | None,
               workspace: tuple[str, str] | None) -> tuple[str, list[Any]]:
        where = ["s.board = ?", "s.created_at >= ?", "s.created_at < ?"]
        params: list[Any] = [board.value, to_db(start), to_db(end)]
        if subscription_id is not None:
            where.append("s.subscription_id = ?")
            params.append(subscription_id)
        if workspace is not None:
            where.append("p.platform = ? AND p.workspace = ?")
            params.extend(workspace)
        return " AND ".join(where), params


class Practice(_Repo):
    async def start(self, person_id: int, question_id: str, topic: str, now: datetime) -> int:
        cur = await self.conn.execute(
            "INSERT INTO practice_attempts (person_id, question_id, topic, asked_at)"
            " VALUES (?,?,?,?)", (person_id, question_id, topic, to_db(now)))
        return int(cur.lastrowid or 0)

    async def get(self, attempt_id: int) -> sqlite3.Row | None:
        return await fetch_one(self.conn, "SELECT * FROM practice_attempts WHERE id=?",
                               (attempt_id,))

    async def finish(self, attempt_id: int, answer: str, coverage: float | None,
                     now: datetime) -> bool:
        cur = await self.conn.execute(
            "UPDATE practice_attempts SET answer=?, coverage=?, answered_at=?"
            " WHERE id=? AND answered_at IS NULL", (answer, coverage, to_db(now), attempt_id))
        return cur.rowcount == 1

    async def recent_question_ids(self, person_id: int, limit: int = 50) -> list[str]:
        rows = await fetch_all(self.conn, "SELECT question_id FROM practice_attempts"
                               " WHERE person_id=? ORDER BY id DESC LIMIT ?", (person_id, limit))
        return [r[0] for r in rows]
