"""Repositories: every SQL statement quizbot runs, grouped by the domain object it serves.

A repository wraps the connection of the current unit of work; the service decides where
transactions begin and end (``async with db.transaction() as conn: Rounds(conn)...``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import aiosqlite

from bot.domain.grading import Grade, Mistake
from bot.domain.rounds import Answer, Person, Round, RoundState
from bot.domain.scoring import Award, Board, Standing
from bot.domain.subscriptions import ChannelRef, Subscription
from bot.domain.totals import offset_spans, period_keys, sub_scope, workspace_scope
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
        row = await fetch_one(
            self.conn,
            "INSERT INTO people (platform, workspace, user_id, display_name, created_at)"
            " VALUES (?,?,?,?,?) ON CONFLICT (platform, workspace, user_id)"
            " DO UPDATE SET display_name = excluded.display_name RETURNING *",
            (platform, workspace, user_id, display_name, to_db(now)))
        assert row is not None
        return _person(row)

    async def upsert_many(self, people: list[tuple[str, str, str, str]],
                          now: datetime) -> dict[tuple[str, str, str], Person]:
        """upsert() for many (platform, workspace, user_id, display_name) in one statement."""
        unique = {(p[0], p[1], p[2]): p for p in people}
        if not unique:
            return {}
        values = ",".join("(?,?,?,?,?)" for _ in unique)
        params = [x for p in unique.values() for x in (*p, to_db(now))]
        rows = await fetch_all(
            self.conn, "INSERT INTO people (platform, workspace, user_id, display_name,"
            f" created_at) VALUES {values} ON CONFLICT (platform, workspace, user_id)"
            " DO UPDATE SET display_name = excluded.display_name RETURNING *", params)
        return {(r["platform"], r["workspace"], r["user_id"]): _person(r) for r in rows}

    async def find(self, platform: str, workspace: str, user_id: str) -> Person | None:
        row = await fetch_one(self.conn, "SELECT * FROM people WHERE platform=? AND workspace=?"
                              " AND user_id=?", (platform, workspace, user_id))
        return _person(row) if row else None

    async def by_name(self, platform: str, workspace: str, name: str) -> list[Person]:
        rows = await fetch_all(self.conn, "SELECT * FROM people WHERE platform=? AND workspace=?"
                               " AND display_name = ? COLLATE NOCASE ORDER BY id",
                               (platform, workspace, name))
        return [_person(r) for r in rows]

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

    async def set_configured_by(self, sub_id: int, person_id: int) -> None:
        await self.conn.execute("UPDATE subscriptions SET configured_by=? WHERE id=?",
                                (person_id, sub_id))

    async def configured_by(self, sub_id: int) -> Person | None:
        row = await fetch_one(self.conn, "SELECT p.* FROM subscriptions s JOIN people p ON"
                              " p.id = s.configured_by WHERE s.id=?", (sub_id,))
        return _person(row) if row else None

    async def count(self) -> int:
        row = await fetch_one(self.conn, "SELECT COUNT(*) FROM subscriptions")
        return int(row[0]) if row else 0


def _round(row: sqlite3.Row) -> Round:
    return Round(
        id=row["id"], subscription_id=row["subscription_id"],
        local_date=date.fromisoformat(row["local_date"]), question_id=row["question_id"],
        state=RoundState(row["state"]), opens_at=from_db(row["opens_at"]),
        deadline=from_db(row["deadline"]), message_id=row["message_id"],
        thread_id=row["thread_id"], post_attempts=row["post_attempts"])


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
                          now: datetime) -> None:
        await self.conn.execute(
            "UPDATE rounds SET state=?, message_id=?, thread_id=?, posted_at=?"
            " WHERE id=? AND state=?",
            (RoundState.OPEN.value, message_id, thread_id, to_db(now), round_id,
             RoundState.POSTING.value))

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


def _answer(row: sqlite3.Row) -> Answer:
    return Answer(row["id"], row["round_id"], _person(row, "p_"), row["text"], bool(row["late"]),
                  from_db(row["created_at"]), from_db(row["updated_at"]))


_ANSWER_COLUMNS = (
    "a.*, p.id AS p_id, p.platform AS p_platform, p.workspace AS p_workspace,"
    " p.user_id AS p_user_id, p.display_name AS p_display_name")
_ANSWER_FROM = " FROM answers a JOIN people p ON p.id = a.person_id"
_ANSWER_SELECT = f"SELECT {_ANSWER_COLUMNS}{_ANSWER_FROM}"


class Answers(_Repo):
    async def get(self, round_id: int, person_id: int) -> Answer | None:
        row = await fetch_one(self.conn, f"{_ANSWER_SELECT} WHERE a.round_id=? AND a.person_id=?",
                              (round_id, person_id))
        return _answer(row) if row else None

    async def insert_on_time_many(self, rows: list[tuple[int, int, str, str]],
                                  now: datetime) -> set[tuple[int, int]]:
        """Insert many new on-time answers (round, person, text, message id) in one
        statement; returns the (round, person) pairs that were new."""
        if not rows:
            return set()
        values = ",".join("(?,?,?,?,0,?,?)" for _ in rows)
        params = [x for r in rows for x in (*r, to_db(now), to_db(now))]
        inserted = await fetch_all(
            self.conn, "INSERT INTO answers (round_id, person_id, text, message_id, late,"
            f" created_at, updated_at) VALUES {values} ON CONFLICT (round_id, person_id)"
            " DO NOTHING RETURNING round_id, person_id", params)
        return {(r[0], r[1]) for r in inserted}

    async def put_on_time(self, round_id: int, person_id: int, text: str, message_id: str,
                          now: datetime) -> bool | None:
        """Insert or replace the person's on-time answer in one statement. True: new;
        False: replaced; None: they already have a late answer (left alone)."""
        inserted = await fetch_one(
            self.conn,
            "INSERT INTO answers (round_id, person_id, text, message_id, late, created_at,"
            " updated_at) VALUES (?,?,?,?,0,?,?) ON CONFLICT (round_id, person_id) DO NOTHING"
            " RETURNING id", (round_id, person_id, text, message_id, to_db(now), to_db(now)))
        if inserted is not None:
            return True
        replaced = await fetch_one(
            self.conn, "UPDATE answers SET text=?, message_id=?, updated_at=? WHERE round_id=?"
            " AND person_id=? AND late=0 RETURNING id",
            (text, message_id, to_db(now), round_id, person_id))
        return False if replaced is not None else None

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

    async def by_message(self, platform: str, message_id: str) -> tuple[Answer, RoundState] | None:
        row = await fetch_one(
            self.conn, f"SELECT r.state AS round_state, {_ANSWER_COLUMNS}{_ANSWER_FROM}"
            " JOIN rounds r ON r.id = a.round_id WHERE a.message_id = ? AND p.platform = ?",
            (message_id, platform))
        return (_answer(row), RoundState(row["round_state"])) if row else None

    async def withdraw(self, platform: str, workspace: str, message_id: str,
                       now: datetime) -> bool:
        """Delete the on-time answer posted as ``message_id`` if its round is still open."""
        rows = await self.conn.execute_fetchall(
            "DELETE FROM answers WHERE message_id=? AND late=0 AND person_id IN (SELECT id"
            " FROM people WHERE platform=? AND workspace=?) AND round_id IN (SELECT id FROM"
            " rounds WHERE state=? AND deadline > ?) RETURNING id",
            (message_id, platform, workspace, RoundState.OPEN.value, to_db(now)))
        return bool(rows)

    async def set_grade(self, answer_id: int, grade: Grade) -> None:
        """Store the grade once; a retried reveal keeps the first grade."""
        await self.conn.execute(
            "UPDATE answers SET covered=?, missed=?, score=?, feedback=? WHERE id=?"
            " AND score IS NULL", (json.dumps(list(grade.covered)),
                                   json.dumps(list(grade.missed)), grade.score,
                                   feedback_json(grade), answer_id))

    async def grades(self, round_id: int) -> dict[int, Grade]:
        """person id -> grade of the round's graded answers."""
        rows = await fetch_all(self.conn, "SELECT person_id, covered, missed, score, feedback"
                               " FROM answers WHERE round_id=? AND score IS NOT NULL",
                               (round_id,))
        return {r["person_id"]: stored_grade(r) for r in rows}

    async def streak_history(self, subscription_id: int, person_id: int, before: date,
                             limit: int = 366) -> list[bool]:
        """Whether the person answered each earlier posted round on time, newest first."""
        rows = await fetch_all(
            self.conn,
            "SELECT EXISTS (SELECT 1 FROM answers a WHERE a.round_id = r.id AND a.person_id = ?"
            " AND a.late = 0) FROM rounds r WHERE r.subscription_id = ? AND r.local_date < ?"
            " AND r.message_id IS NOT NULL ORDER BY r.local_date DESC LIMIT ?",
            (person_id, subscription_id, before.isoformat(), limit))
        return [bool(r[0]) for r in rows]

    async def graded_by_person(self, person_id: int) -> list[tuple[str, float]]:
        """(question id, score) of every graded daily answer the person gave."""
        rows = await fetch_all(self.conn, "SELECT r.question_id, a.score FROM answers a JOIN"
                               " rounds r ON r.id = a.round_id WHERE a.person_id=? AND"
                               " a.score IS NOT NULL", (person_id,))
        return [(r[0], float(r[1])) for r in rows]

    async def in_rounds(self, person_ids: list[int], round_ids: list[int]) -> list[sqlite3.Row]:
        """person_id, round_id, question_id, late, score of the people's answers in rounds."""
        if not person_ids or not round_ids:
            return []
        pm, rm = ",".join("?" * len(person_ids)), ",".join("?" * len(round_ids))
        return await fetch_all(
            self.conn, "SELECT a.person_id, a.round_id, r.question_id, a.late, a.score FROM"
            f" answers a JOIN rounds r ON r.id = a.round_id WHERE a.person_id IN ({pm})"
            f" AND a.round_id IN ({rm})", (*person_ids, *round_ids))

    async def last_answer_at(self, person_ids: list[int]) -> dict[int, datetime]:
        if not person_ids:
            return {}
        marks = ",".join("?" * len(person_ids))
        rows = await fetch_all(self.conn, "SELECT person_id, MAX(created_at) FROM answers"
                               f" WHERE person_id IN ({marks}) GROUP BY person_id", person_ids)
        return {r[0]: from_db(r[1]) for r in rows}


class Events(_Repo):
    async def first_sight_many(self, platform_events: list[tuple[str, str]],
                               now: datetime) -> set[tuple[str, str]]:
        """Remember many (platform, event id) at once; returns those never seen before."""
        if not platform_events:
            return set()
        values = ",".join("(?,?,?)" for _ in platform_events)
        params = [x for pe in platform_events for x in (*pe, to_db(now))]
        rows = await self.conn.execute_fetchall(
            f"INSERT INTO seen_events (platform, event_id, seen_at) VALUES {values}"
            " ON CONFLICT DO NOTHING RETURNING platform, event_id", params)
        return {(r[0], r[1]) for r in rows}

    async def seen(self, platform: str, event_id: str) -> bool:
        row = await fetch_one(self.conn, "SELECT 1 FROM seen_events WHERE platform=? AND"
                              " event_id=?", (platform, event_id))
        return row is not None


class Strays(_Repo):
    """Replies that reached a thread before its round was recorded (see migration 0009)."""

    async def keep(self, channel: ChannelRef, thread_id: str, message_id: str,
                   author: tuple[str, str, bool], text: str, event_id: str | None,
                   edited: bool, now: datetime) -> None:
        """Keep a reply; ``author`` is (user id, display name, is admin)."""
        await self.conn.execute(
            "INSERT INTO stray_answers (platform, workspace, channel_id, thread_id, message_id,"
            " user_id, display_name, is_admin, text, event_id, edited, received_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            (channel.platform, channel.workspace, channel.channel, thread_id, message_id,
             author[0], author[1], int(author[2]), text, event_id, int(edited), to_db(now)))

    async def take(self, channel: ChannelRef, thread_id: str) -> list[sqlite3.Row]:
        """The thread's kept replies, oldest first, removed from the table."""
        rows = await fetch_all(
            self.conn, "DELETE FROM stray_answers WHERE platform=? AND workspace=? AND"
            " channel_id=? AND thread_id=? RETURNING *",
            (channel.platform, channel.workspace, channel.channel, thread_id))
        return sorted(rows, key=lambda r: int(r["id"]))

    async def forget_before(self, moment: datetime) -> None:
        await self.conn.execute("DELETE FROM stray_answers WHERE received_at < ?",
                                (to_db(moment),))


class Scores(_Repo):
    """The ledger, and the leaderboard totals kept in step with it. Workspace-wide totals
    use ``totals_tz`` for their weeks and months; channel totals use the channel's zone."""

    def __init__(self, conn: aiosqlite.Connection, totals_tz: str = "UTC") -> None:
        super().__init__(conn)
        self.totals_tz = totals_tz

    async def add(self, award: Award, *, board: Board, subscription_id: int | None,
                  round_id: int | None, at: datetime, actor_id: int | None = None) -> bool:
        """Write one ledger row; False if the rule already paid this (round, person, reason)."""
        rows = await self.conn.execute_fetchall(
            "INSERT INTO score_events (person_id, subscription_id, round_id, board, points,"
            " reason, note, actor_id, created_at) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT DO NOTHING RETURNING 1",
            (award.person_id, subscription_id, round_id, board.value, award.points,
             award.reason.value, award.note, actor_id, to_db(at)))
        if not rows:
            return False
        await self._count(award.person_id, subscription_id, board.value, award.points, at)
        return True

    async def _count(self, person_id: int, subscription_id: int | None, board: str,
                     points: int, at: datetime) -> None:
        """Add points to every total the ledger row counts toward (same transaction)."""
        row = await fetch_one(
            self.conn, "SELECT p.platform, p.workspace, s.timezone FROM people p LEFT JOIN"
            " subscriptions s ON s.id = ? WHERE p.id = ?", (subscription_id, person_id))
        if row is None:
            return
        targets = [(workspace_scope(row[0], row[1]), self.totals_tz)]
        if subscription_id is not None and row[2]:
            targets.append((sub_scope(subscription_id), row[2]))
        await self.conn.executemany(
            "INSERT INTO score_totals (scope, board, period, person_id, points)"
            " VALUES (?,?,?,?,?) ON CONFLICT (scope, board, period, person_id)"
            " DO UPDATE SET points = points + excluded.points",
            [(scope, board, key, person_id, points)
             for scope, tz in targets for key in period_keys(at, tz)])

    async def rebuild_totals(self) -> int:
        """Recompute every total from the ledger (first use, or the default zone changed).

        Done in SQL so a large ledger costs no Python memory: a temp table lists, for every
        zone in use, the UTC spans over which its offset is constant; each ledger row takes
        its local time from its span, and weeks (from Monday) and months group by that."""
        await self.conn.execute("DELETE FROM score_totals")
        span = await fetch_one(self.conn, "SELECT MIN(created_at), MAX(created_at), COUNT(*)"
                                          " FROM score_events")
        if span is None or not span[2]:
            return 0
        zones = {self.totals_tz} | {r[0] for r in await fetch_all(
            self.conn, "SELECT DISTINCT timezone FROM subscriptions")}
        await self.conn.execute("DROP TABLE IF EXISTS temp.tz_spans")
        await self.conn.execute("CREATE TEMP TABLE tz_spans (tz TEXT, start TEXT, end TEXT,"
                                " offset_s INTEGER)")
        first, last = from_db(span[0]), from_db(span[1])
        await self.conn.executemany("INSERT INTO temp.tz_spans VALUES (?,?,?,?)",
                                    [row for tz in zones for row in offset_spans(tz, first,
                                                                                 last)])
        local = "datetime(substr(e.created_at, 1, 19), o.offset_s || ' seconds')"
        spans = "JOIN temp.tz_spans o ON o.tz = {tz} AND e.created_at >= o.start" \
                " AND e.created_at < o.end"
        await self.conn.execute(f"""
            INSERT INTO score_totals (scope, board, period, person_id, points)
            SELECT scope, board, CASE k.kind WHEN 'all' THEN 'all'
                     WHEN 'w' THEN 'w:' || date(lt, '-' || ((strftime('%w', lt) + 6) % 7)
                                                || ' days')
                     ELSE 'm:' || strftime('%Y-%m', lt) END AS period,
                   person_id, SUM(points)
            FROM (SELECT 'ws:' || p.platform || ':' || p.workspace AS scope, e.board,
                         e.person_id, e.points, {local} AS lt
                  FROM score_events e JOIN people p ON p.id = e.person_id
                  {spans.format(tz='?')}
                  UNION ALL
                  SELECT 'sub:' || e.subscription_id, e.board, e.person_id, e.points, {local}
                  FROM score_events e JOIN subscriptions s ON s.id = e.subscription_id
                  {spans.format(tz='s.timezone')})
            CROSS JOIN (SELECT 'all' AS kind UNION ALL SELECT 'w' UNION ALL SELECT 'm') k
            GROUP BY scope, board, period, person_id""", (self.totals_tz,))
        await self.conn.execute("DROP TABLE temp.tz_spans")
        return int(span[2])

    async def top(self, *, scope: str, board: Board, period: str, limit: int = 10,
                  team_id: int | None = None) -> list[Standing]:
        """The leaders of a board from the totals (ties share the lower rank number)."""
        if team_id is None:
            rows = await fetch_all(
                self.conn, "SELECT t.person_id, t.points, p.display_name FROM score_totals t"
                " JOIN people p ON p.id = t.person_id WHERE t.scope=? AND t.board=?"
                " AND t.period=? AND t.points <> 0 ORDER BY t.points DESC, p.display_name"
                " LIMIT ?", (scope, board.value, period, limit))
        else:
            # Walk the (small) team and look each member's total up by primary key; CROSS
            # JOIN fixes that order (the planner would otherwise scan the whole scope).
            rows = await fetch_all(
                self.conn, "SELECT t.person_id, t.points, p.display_name FROM team_members m"
                " CROSS JOIN score_totals t ON t.scope=? AND t.board=? AND t.period=?"
                " AND t.person_id = m.person_id JOIN people p ON p.id = t.person_id"
                " WHERE m.team_id=? AND t.points <> 0 ORDER BY t.points DESC,"
                " p.display_name LIMIT ?", (scope, board.value, period, team_id, limit))
        out: list[Standing] = []
        for i, r in enumerate(rows):
            rank = out[-1].rank if out and out[-1].points == r["points"] else i + 1
            out.append(Standing(rank, r["person_id"], r["display_name"], r["points"]))
        return out

    async def rank_of(self, person_id: int, *, scope: str, board: Board, period: str,
                      team_id: int | None = None) -> Standing | None:
        mine = await fetch_one(
            self.conn, "SELECT t.points, p.display_name FROM score_totals t JOIN people p"
            " ON p.id = t.person_id WHERE t.scope=? AND t.board=? AND t.period=?"
            " AND t.person_id=?", (scope, board.value, period, person_id))
        if mine is None or mine[0] == 0:
            return None
        if team_id is None:
            above = await fetch_one(
                self.conn, "SELECT COUNT(*) FROM score_totals WHERE scope=? AND board=? AND"
                " period=? AND points > ?", (scope, board.value, period, mine[0]))
        else:
            above = await fetch_one(
                self.conn, "SELECT COUNT(*) FROM team_members m CROSS JOIN score_totals t"
                " ON t.scope=? AND t.board=? AND t.period=? AND t.person_id = m.person_id"
                " WHERE m.team_id=? AND t.points > ?",
                (scope, board.value, period, team_id, mine[0]))
        assert above is not None
        return Standing(int(above[0]) + 1, person_id, mine[1], mine[0])

    async def for_round(self, round_id: int) -> list[sqlite3.Row]:
        return await fetch_all(self.conn, "SELECT * FROM score_events WHERE round_id=?"
                               " ORDER BY id", (round_id,))

    async def correct(self, original_id: int, delta: int, note: str, actor_id: int,
                      at: datetime) -> int:
        """A correction row pointing at the row it corrects; the original stays."""
        row = await fetch_one(
            self.conn,
            "INSERT INTO score_events (person_id, subscription_id, round_id, board, points,"
            " reason, note, actor_id, corrects_id, created_at) SELECT person_id,"
            " subscription_id, round_id, board, ?, 'correction', ?, ?, id, ? FROM score_events"
            " WHERE id=? RETURNING id, person_id, subscription_id, board",
            (delta, note, actor_id, to_db(at), original_id))
        if row is None:
            return 0
        await self._count(row["person_id"], row["subscription_id"], row["board"], delta, at)
        return int(row["id"])

    async def votes_by(self, round_id: int, voter_id: int) -> int:
        row = await fetch_one(self.conn, "SELECT COUNT(*) FROM votes WHERE round_id=? AND"
                              " voter_id=?", (round_id, voter_id))
        return int(row[0]) if row else 0

    async def vote_points_to(self, round_id: int, person_id: int) -> int:
        row = await fetch_one(self.conn, "SELECT COALESCE(SUM(points), 0) FROM score_events"
                              " WHERE round_id=? AND person_id=? AND reason='peer-vote'",
                              (round_id, person_id))
        return int(row[0]) if row else 0

    async def record_vote(self, round_id: int, voter_id: int, answer_id: int,
                          at: datetime) -> bool:
        cur = await self.conn.execute(
            "INSERT INTO votes (round_id, voter_id, answer_id, created_at) VALUES (?,?,?,?)"
            " ON CONFLICT DO NOTHING", (round_id, voter_id, answer_id, to_db(at)))
        return cur.rowcount == 1

    async def ledger(self, *, person_ids: list[int], start: datetime,
                     end: datetime) -> list[sqlite3.Row]:
        """The rows behind a report, for CSV export."""
        if not person_ids:
            return []
        marks = ",".join("?" * len(person_ids))
        return await fetch_all(
            self.conn,
            "SELECT s.id, s.created_at, p.display_name AS person, s.board, s.points, s.reason,"
            " s.note, r.local_date AS round_date, r.question_id, s.corrects_id,"
            " a.display_name AS by_person FROM score_events s JOIN people p ON p.id=s.person_id"
            " LEFT JOIN rounds r ON r.id = s.round_id LEFT JOIN people a ON a.id = s.actor_id"
            f" WHERE s.person_id IN ({marks}) AND s.created_at >= ? AND s.created_at < ?"
            " ORDER BY s.created_at, s.id", (*person_ids, to_db(start), to_db(end)))

    async def totals(self, person_id: int) -> dict[str, int]:
        rows = await fetch_all(self.conn, "SELECT board, SUM(points) FROM score_events WHERE"
                               " person_id=? GROUP BY board", (person_id,))
        return {r[0]: int(r[1]) for r in rows}

def feedback_json(grade: Grade) -> str:
    """The parts of a grade beyond covered/missed/score: evidence, mistakes, notes."""
    return json.dumps({
        "evidence": [list(pair) for pair in grade.evidence],
        "mistakes": [[m.claim, m.correction, m.quote, m.point] for m in grade.mistakes],
        "notes": list(grade.notes)})


def stored_grade(row: sqlite3.Row) -> Grade:
    """A grade as stored (the score is kept as the coverage; answers graded before
    feedback was stored have none)."""
    extra = json.loads(row["feedback"]) if row["feedback"] else {}
    return Grade(tuple(json.loads(row["covered"] or "[]")),
                 tuple(json.loads(row["missed"] or "[]")), float(row["score"]),
                 notes=tuple(extra.get("notes", ())),
                 evidence=tuple((label, quote) for label, quote in extra.get("evidence", ())),
                 mistakes=tuple(Mistake(*m) for m in extra.get("mistakes", ())))


class Verdicts(_Repo):
    """The LLM judge's remembered verdicts."""

    async def get(self, key: str) -> Grade | None:
        row = await fetch_one(self.conn, "SELECT covered, missed, score, feedback FROM"
                              " judge_verdicts WHERE key=?", (key,))
        return stored_grade(row) if row else None

    async def put(self, key: str, grade: Grade, now: datetime) -> None:
        await self.conn.execute(
            "INSERT OR IGNORE INTO judge_verdicts (key, covered, missed, score, feedback,"
            " created_at) VALUES (?,?,?,?,?,?)",
            (key, json.dumps(list(grade.covered)), json.dumps(list(grade.missed)),
             grade.score, feedback_json(grade), to_db(now)))


class Practice(_Repo):
    async def start(self, person_id: int, question_id: str, topic: str, now: datetime) -> int:
        cur = await self.conn.execute(
            "INSERT INTO practice_attempts (person_id, question_id, topic, asked_at)"
            " VALUES (?,?,?,?)", (person_id, question_id, topic, to_db(now)))
        return int(cur.lastrowid or 0)

    async def get(self, attempt_id: int) -> sqlite3.Row | None:
        return await fetch_one(self.conn, "SELECT * FROM practice_attempts WHERE id=?",
                               (attempt_id,))

    async def finish(self, attempt_id: int, answer: str, grade: Grade | None,
                     now: datetime) -> bool:
        cur = await self.conn.execute(
            "UPDATE practice_attempts SET answer=?, coverage=?, answered_at=?, covered=?,"
            " missed=?, feedback=? WHERE id=? AND answered_at IS NULL",
            (answer, grade.score if grade else None, to_db(now),
             json.dumps(list(grade.covered) if grade else []),
             json.dumps(list(grade.missed) if grade else []),
             feedback_json(grade) if grade else None, attempt_id))
        return cur.rowcount == 1

    async def graded_by_person(self, person_id: int) -> list[tuple[str, float]]:
        """(topic, coverage score) of every answered practice question."""
        rows = await fetch_all(self.conn, "SELECT topic, coverage FROM practice_attempts WHERE"
                               " person_id=? AND coverage IS NOT NULL", (person_id,))
        return [(r[0], float(r[1])) for r in rows]

    async def recent_question_ids(self, person_id: int, limit: int = 50) -> list[str]:
        rows = await fetch_all(self.conn, "SELECT question_id FROM practice_attempts"
                               " WHERE person_id=? ORDER BY id DESC LIMIT ?", (person_id, limit))
        return [r[0] for r in rows]


@dataclass(frozen=True, slots=True)
class TeamRow:
    id: int
    platform: str
    workspace: str
    name: str
    group_id: str | None


def _team(row: sqlite3.Row) -> TeamRow:
    return TeamRow(row["id"], row["platform"], row["workspace"], row["name"], row["group_id"])


class Teams(_Repo):
    async def create(self, platform: str, workspace: str, name: str,
                     now: datetime) -> TeamRow | None:
        cur = await self.conn.execute(
            "INSERT INTO teams (platform, workspace, name, created_at) VALUES (?,?,?,?)"
            " ON CONFLICT DO NOTHING", (platform, workspace, name, to_db(now)))
        if cur.rowcount == 0:
            return None
        return await self.get(int(cur.lastrowid or 0))

    async def get(self, team_id: int) -> TeamRow | None:
        row = await fetch_one(self.conn, "SELECT * FROM teams WHERE id=?", (team_id,))
        return _team(row) if row else None

    async def named(self, platform: str, workspace: str, name: str) -> TeamRow | None:
        row = await fetch_one(self.conn, "SELECT * FROM teams WHERE platform=? AND workspace=?"
                              " AND name=?", (platform, workspace, name))
        return _team(row) if row else None

    async def all(self, platform: str, workspace: str) -> list[TeamRow]:
        rows = await fetch_all(self.conn, "SELECT * FROM teams WHERE platform=? AND workspace=?"
                               " ORDER BY name", (platform, workspace))
        return [_team(r) for r in rows]

    async def rename(self, team_id: int, name: str) -> bool:
        try:
            await self.conn.execute("UPDATE teams SET name=? WHERE id=?", (name, team_id))
        except sqlite3.IntegrityError:
            return False
        return True

    async def delete(self, team_id: int) -> None:
        await self.conn.execute("DELETE FROM teams WHERE id=?", (team_id,))

    async def set_group(self, team_id: int, group_id: str | None) -> None:
        await self.conn.execute("UPDATE teams SET group_id=? WHERE id=?", (group_id, team_id))
        if group_id is None:
            await self.conn.execute("DELETE FROM team_members WHERE team_id=? AND source='group'",
                                    (team_id,))

    async def add_member(self, team_id: int, person_id: int, source: str = "manual") -> bool:
        cur = await self.conn.execute(
            "INSERT INTO team_members (team_id, person_id, source) VALUES (?,?,?)"
            " ON CONFLICT DO NOTHING", (team_id, person_id, source))
        return cur.rowcount == 1

    async def remove_member(self, team_id: int, person_id: int) -> bool:
        cur = await self.conn.execute("DELETE FROM team_members WHERE team_id=? AND person_id=?",
                                      (team_id, person_id))
        return cur.rowcount == 1

    async def replace_group_members(self, team_id: int, person_ids: list[int]) -> None:
        """Membership that follows a platform group: group rows become exactly these."""
        await self.conn.execute("DELETE FROM team_members WHERE team_id=? AND source='group'",
                                (team_id,))
        for pid in person_ids:
            await self.add_member(team_id, pid, "group")

    async def members(self, team_id: int) -> list[Person]:
        rows = await fetch_all(self.conn, "SELECT p.* FROM team_members m JOIN people p ON"
                               " p.id = m.person_id WHERE m.team_id=? ORDER BY p.display_name",
                               (team_id,))
        return [_person(r) for r in rows]

    async def appoint(self, team_id: int, person_id: int, by: int | None,
                      now: datetime) -> bool:
        cur = await self.conn.execute(
            "INSERT INTO team_leads (team_id, person_id, appointed_by, created_at)"
            " VALUES (?,?,?,?) ON CONFLICT DO NOTHING", (team_id, person_id, by, to_db(now)))
        return cur.rowcount == 1

    async def leads(self, team_id: int) -> list[Person]:
        rows = await fetch_all(self.conn, "SELECT p.* FROM team_leads l JOIN people p ON"
                               " p.id = l.person_id WHERE l.team_id=? ORDER BY p.display_name",
                               (team_id,))
        return [_person(r) for r in rows]

    async def leads_team(self, person_id: int, team_id: int | None = None) -> bool:
        """Is the person an appointed lead (of this team, or of any team when None)?"""
        if team_id is None:
            row = await fetch_one(self.conn, "SELECT 1 FROM team_leads WHERE person_id=?"
                                  " LIMIT 1", (person_id,))
        else:
            row = await fetch_one(self.conn, "SELECT 1 FROM team_leads WHERE person_id=? AND"
                                  " team_id=?", (person_id, team_id))
        return row is not None


class Meta(_Repo):
    async def get(self, key: str) -> str | None:
        row = await fetch_one(self.conn, "SELECT value FROM meta WHERE key=?", (key,))
        return str(row[0]) if row else None

    async def set(self, key: str, value: str) -> None:
        await self.conn.execute("INSERT INTO meta (key, value) VALUES (?,?) ON CONFLICT (key)"
                                " DO UPDATE SET value=excluded.value", (key, value))
