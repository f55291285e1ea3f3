"""Answers to rounds (with their grades), and stray replies: those that reached a thread
before its round was recorded, kept until the round can take them."""

from __future__ import annotations

import json
from datetime import date, datetime

from bot.domain.grading import Grade
from bot.domain.rounds import Answer, RoundState
from bot.domain.subscriptions import ChannelRef
from bot.storage.connection import Row
from bot.storage.db import fetch_all, fetch_one, from_db, to_db
from bot.storage.repositories.base import _person, _Repo, feedback_json, stored_grade


def _answer(row: Row) -> Answer:
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

    async def in_rounds(self, person_ids: list[int], round_ids: list[int]) -> list[Row]:
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

    async def take(self, channel: ChannelRef, thread_id: str) -> list[Row]:
        """The thread's kept replies, oldest first, removed from the table."""
        rows = await fetch_all(
            self.conn, "DELETE FROM stray_answers WHERE platform=? AND workspace=? AND"
            " channel_id=? AND thread_id=? RETURNING *",
            (channel.platform, channel.workspace, channel.channel, thread_id))
        return sorted(rows, key=lambda r: int(r["id"]))

    async def forget_before(self, moment: datetime) -> None:
        await self.conn.execute("DELETE FROM stray_answers WHERE received_at < ?",
                                (to_db(moment),))
