"""Appeals of results and flags on reference answers: the leads' review queue, and the
results an appeal may name (a person's graded daily answer, or their practice attempt)."""

from __future__ import annotations

from datetime import date, datetime

from bot.domain.appeals import Appeal, AppealState, Flag
from bot.domain.rounds import RoundState
from bot.storage.connection import Row
from bot.storage.db import fetch_all, fetch_one, from_db, to_db
from bot.storage.repositories.base import _Repo

_APPEAL = ("SELECT a.*, p.display_name AS person_name, p.user_id AS user_id,"
           " r.local_date AS round_date FROM appeals a JOIN people p ON p.id = a.person_id"
           " LEFT JOIN rounds r ON a.source = 'daily' AND r.id = a.source_id")
_FLAG = ("SELECT f.*, p.display_name AS person_name FROM flags f"
         " JOIN people p ON p.id = f.person_id")


def _appeal(row: Row) -> Appeal:
    return Appeal(row["id"], row["person_id"], row["person_name"], row["user_id"],
                  row["source"], row["source_id"], row["question_id"], row["platform"],
                  row["workspace"], row["channel"], row["reason"], AppealState(row["state"]),
                  from_db(row["created_at"]), row["note"], row["points"], row["correction_id"],
                  date.fromisoformat(row["round_date"]) if row["round_date"] else None)


def _flag(row: Row) -> Flag:
    return Flag(row["id"], row["person_name"], row["question_id"], row["channel"], row["note"],
                row["state"] == "open", from_db(row["created_at"]), row["close_note"])


def _scope(table: str, platform: str, workspace: str,
           channel: str | None) -> tuple[str, tuple[str, ...]]:
    """A queue's rows: one channel's, or (channel None) the whole workspace's."""
    where = f"{table}.platform=? AND {table}.workspace=?"
    if channel is None:
        return where, (platform, workspace)
    return f"{where} AND {table}.channel=?", (platform, workspace, channel)


class Appeals(_Repo):
    async def create(self, person_id: int, source: str, source_id: int, question_id: str,
                     where: tuple[str, str, str], reason: str, now: datetime) -> int | None:
        """A new open appeal; None when the person already appealed this result."""
        row = await fetch_one(
            self.conn, "INSERT INTO appeals (person_id, source, source_id, question_id,"
            " platform, workspace, channel, reason, created_at) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT DO NOTHING RETURNING id",
            (person_id, source, source_id, question_id, *where, reason, to_db(now)))
        return int(row[0]) if row else None

    async def get(self, appeal_id: int) -> Appeal | None:
        row = await fetch_one(self.conn, f"{_APPEAL} WHERE a.id=?", (appeal_id,))
        return _appeal(row) if row else None

    async def of_result(self, person_id: int, source: str, source_id: int) -> Appeal | None:
        row = await fetch_one(self.conn, f"{_APPEAL} WHERE a.person_id=? AND a.source=? AND"
                              " a.source_id=?", (person_id, source, source_id))
        return _appeal(row) if row else None

    async def of_person(self, person_id: int, limit: int = 10) -> list[Appeal]:
        rows = await fetch_all(self.conn, f"{_APPEAL} WHERE a.person_id=? ORDER BY a.id DESC"
                               " LIMIT ?", (person_id, limit))
        return [_appeal(r) for r in rows]

    async def open_in(self, platform: str, workspace: str,
                      channel: str | None) -> list[Appeal]:
        """Open appeals of one channel (None: the whole workspace), oldest first."""
        where, params = _scope("a", platform, workspace, channel)
        rows = await fetch_all(self.conn, f"{_APPEAL} WHERE {where} AND a.state='open'"
                               " ORDER BY a.id", params)
        return [_appeal(r) for r in rows]

    async def open_of_people(self, platform: str, workspace: str,
                             person_ids: list[int]) -> int:
        """How many of these people's appeals in the workspace wait for a decision."""
        if not person_ids:
            return 0
        marks = ",".join("?" * len(person_ids))
        row = await fetch_one(self.conn, "SELECT count(*) FROM appeals WHERE platform=? AND"
                              f" workspace=? AND state='open' AND person_id IN ({marks})",
                              (platform, workspace, *person_ids))
        return int(row[0]) if row else 0

    async def decide(self, appeal_id: int, state: AppealState, by: int, now: datetime,
                     note: str, points: int = 0, correction_id: int | None = None) -> bool:
        """Record the decision; False when the appeal was decided already."""
        cur = await self.conn.execute(
            "UPDATE appeals SET state=?, decided_by=?, decided_at=?, note=?, points=?,"
            " correction_id=? WHERE id=? AND state='open'",
            (state.value, by, to_db(now), note, points, correction_id, appeal_id))
        return cur.rowcount == 1

    async def mark_told(self, appeal_id: int, now: datetime) -> None:
        await self.conn.execute("UPDATE appeals SET told_at=? WHERE id=?", (to_db(now),
                                                                          appeal_id))

    # -- the results an appeal names -------------------------------------------------------

    async def daily_result(self, round_id: int, person_id: int) -> Row | None:
        """The person's graded on-time answer in a revealed round, with its question and
        channel; None when there is none."""
        return await fetch_one(
            self.conn, "SELECT r.id AS round_id, r.question_id, r.revealed_at, s.platform,"
            " s.workspace, s.channel_id, s.id AS subscription_id FROM answers a JOIN rounds r"
            " ON r.id = a.round_id JOIN subscriptions s ON s.id = r.subscription_id"
            " WHERE a.round_id=? AND a.person_id=? AND a.late=0 AND a.score IS NOT NULL"
            " AND r.state=?", (round_id, person_id, RoundState.REVEALED.value))

    async def latest_daily(self, subscription_id: int, person_id: int,
                           on: date | None = None) -> Row | None:
        """The round id and reveal time of the person's latest graded result in the
        channel (or of the round of ``on``)."""
        day = " AND r.local_date=?" if on else ""
        return await fetch_one(
            self.conn, "SELECT r.id, r.revealed_at FROM answers a JOIN rounds r ON"
            " r.id = a.round_id WHERE r.subscription_id=? AND a.person_id=? AND a.late=0"
            f" AND a.score IS NOT NULL AND r.state=?{day} ORDER BY r.local_date DESC LIMIT 1",
            (subscription_id, person_id, RoundState.REVEALED.value,
             *((on.isoformat(),) if on else ())))

    async def latest_practice(self, person_id: int) -> Row | None:
        return await fetch_one(
            self.conn, "SELECT id, answered_at FROM practice_attempts WHERE person_id=? AND"
            " answered_at IS NOT NULL ORDER BY answered_at DESC, id DESC LIMIT 1", (person_id,))

    async def practice_result(self, attempt_id: int, person_id: int) -> Row | None:
        return await fetch_one(
            self.conn, "SELECT id, question_id, answered_at FROM practice_attempts WHERE id=?"
            " AND person_id=? AND answered_at IS NOT NULL", (attempt_id, person_id))

    async def paid_rows(self, appeal: Appeal) -> list[Row]:
        """The ledger rows the result earned, the original a correction points at first:
        a daily result's coverage row (else its participation row), then the rest; a
        practice result's one row (written with the attempt, in the same instant)."""
        if appeal.source == "daily":
            return await fetch_all(
                self.conn, "SELECT * FROM score_events WHERE round_id=? AND person_id=? ORDER"
                " BY CASE reason WHEN 'coverage' THEN 0 WHEN 'participation' THEN 1 ELSE 2"
                " END, id", (appeal.source_id, appeal.person_id))
        return await fetch_all(
            self.conn, "SELECT e.* FROM score_events e JOIN practice_attempts t ON t.id=?"
            " WHERE e.person_id = t.person_id AND e.board='practice' AND e.reason='practice'"
            " AND e.round_id IS NULL AND e.note = t.question_id AND e.created_at ="
            " t.answered_at ORDER BY e.id", (appeal.source_id,))


class Flags(_Repo):
    async def create(self, person_id: int, question_id: str, where: tuple[str, str, str],
                     note: str, now: datetime) -> int | None:
        """A new open flag; None when this person's flag on the question is still open."""
        row = await fetch_one(
            self.conn, "INSERT INTO flags (person_id, question_id, platform, workspace,"
            " channel, note, created_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"
            " RETURNING id", (person_id, question_id, *where, note, to_db(now)))
        return int(row[0]) if row else None

    async def open_of(self, person_id: int, question_id: str) -> Flag | None:
        row = await fetch_one(self.conn, f"{_FLAG} WHERE f.person_id=? AND f.question_id=?"
                              " AND f.state='open'", (person_id, question_id))
        return _flag(row) if row else None

    async def get(self, flag_id: int) -> Row | None:
        return await fetch_one(self.conn, "SELECT * FROM flags WHERE id=?", (flag_id,))

    async def open_in(self, platform: str, workspace: str, channel: str | None) -> list[Flag]:
        where, params = _scope("f", platform, workspace, channel)
        rows = await fetch_all(self.conn, f"{_FLAG} WHERE {where} AND f.state='open'"
                               " ORDER BY f.id", params)
        return [_flag(r) for r in rows]

    async def open_count(self, platform: str, workspace: str) -> int:
        """How many flags in the workspace are still open."""
        row = await fetch_one(self.conn, "SELECT count(*) FROM flags WHERE platform=? AND"
                              " workspace=? AND state='open'", (platform, workspace))
        return int(row[0]) if row else 0

    async def close(self, flag_id: int, by: int, now: datetime, note: str) -> bool:
        cur = await self.conn.execute(
            "UPDATE flags SET state='closed', closed_by=?, closed_at=?, close_note=? WHERE"
            " id=? AND state='open'", (by, to_db(now), note, flag_id))
        return cur.rowcount == 1

    async def listing(self, *, include_closed: bool = False) -> list[Flag]:
        """Every flag (open ones, unless ``include_closed``), by question then age: what
        the bank's maintainers read."""
        only_open = "" if include_closed else " WHERE f.state='open'"
        rows = await fetch_all(self.conn, f"{_FLAG}{only_open} ORDER BY f.question_id, f.id")
        return [_flag(r) for r in rows]
