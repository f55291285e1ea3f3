"""What the weekly digest and the daily review reminder keep: each person's switch, the
claims that make each send happen once, and the team figures a digest reads.

A claim is a row inserted before the message goes out, keyed by what it covers (lead, team
and week; person and local date), so a restart or a second sweep finds it and sends
nothing; ``sent_at`` records that the platform took it."""

from __future__ import annotations

from datetime import datetime

from bot.domain.rounds import Person
from bot.storage.db import fetch_all, fetch_one, from_db, to_db
from bot.storage.repositories import TeamRow, _person, _Repo


class _Switch(_Repo):
    """A person's on/off for one kind of private message; subclasses name the table."""

    table = ""

    async def get(self, person_id: int) -> bool | None:
        """The person's choice, or None when they never made one."""
        row = await fetch_one(self.conn, f"SELECT enabled FROM {self.table} WHERE person_id=?",
                              (person_id,))
        return bool(row[0]) if row else None

    async def set(self, person_id: int, enabled: bool, now: datetime) -> None:
        await self.conn.execute(
            f"INSERT INTO {self.table} (person_id, enabled, updated_at) VALUES (?,?,?)"
            " ON CONFLICT (person_id) DO UPDATE SET enabled=excluded.enabled,"
            " updated_at=excluded.updated_at", (person_id, int(enabled), to_db(now)))

    async def enabled(self) -> list[Person]:
        rows = await fetch_all(self.conn, f"SELECT p.* FROM {self.table} s JOIN people p ON"
                               " p.id = s.person_id WHERE s.enabled=1 ORDER BY p.id")
        return [_person(r) for r in rows]


class DigestSwitch(_Switch):
    """A lead's /team digest on|off (no row: on)."""

    table = "digest_settings"


class ReminderSwitch(_Switch):
    """A person's /quiz remind on|off (no row: off)."""

    table = "review_reminders"


class Claims(_Repo):
    async def claim_digest(self, person_id: int, team_id: int, week: str,
                           now: datetime) -> bool:
        """True for the one caller that may send this lead this team's digest of ``week``."""
        cur = await self.conn.execute(
            "INSERT INTO digests_sent (person_id, team_id, week, claimed_at) VALUES (?,?,?,?)"
            " ON CONFLICT DO NOTHING", (person_id, team_id, week, to_db(now)))
        return cur.rowcount == 1

    async def has_digest(self, person_id: int, team_id: int, week: str) -> bool:
        row = await fetch_one(self.conn, "SELECT 1 FROM digests_sent WHERE person_id=? AND"
                              " team_id=? AND week=?", (person_id, team_id, week))
        return row is not None

    async def digest_sent(self, person_id: int, team_id: int, week: str,
                          now: datetime) -> None:
        await self.conn.execute("UPDATE digests_sent SET sent_at=? WHERE person_id=? AND"
                                " team_id=? AND week=?", (to_db(now), person_id, team_id, week))

    async def release_digest(self, person_id: int, team_id: int, week: str) -> None:
        """Give a claim back after a send that failed and may succeed later."""
        await self.conn.execute("DELETE FROM digests_sent WHERE person_id=? AND team_id=? AND"
                                " week=? AND sent_at IS NULL", (person_id, team_id, week))

    async def digests(self, person_id: int) -> list[tuple[int, str, bool]]:
        """(team id, week, sent) of every digest claimed for the lead."""
        rows = await fetch_all(self.conn, "SELECT team_id, week, sent_at FROM digests_sent"
                               " WHERE person_id=? ORDER BY week, team_id", (person_id,))
        return [(int(r[0]), str(r[1]), r[2] is not None) for r in rows]

    async def claim_reminder(self, person_id: int, local_date: str, due: int,
                             now: datetime) -> bool:
        cur = await self.conn.execute(
            "INSERT INTO reminders_sent (person_id, local_date, due, claimed_at)"
            " VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
            (person_id, local_date, due, to_db(now)))
        return cur.rowcount == 1

    async def has_reminder(self, person_id: int, local_date: str) -> bool:
        row = await fetch_one(self.conn, "SELECT 1 FROM reminders_sent WHERE person_id=? AND"
                              " local_date=?", (person_id, local_date))
        return row is not None

    async def reminder_sent(self, person_id: int, local_date: str, now: datetime) -> None:
        await self.conn.execute("UPDATE reminders_sent SET sent_at=? WHERE person_id=? AND"
                                " local_date=?", (to_db(now), person_id, local_date))

    async def release_reminder(self, person_id: int, local_date: str) -> None:
        await self.conn.execute("DELETE FROM reminders_sent WHERE person_id=? AND"
                                " local_date=? AND sent_at IS NULL", (person_id, local_date))


class TeamWeek(_Repo):
    """The figures of a team's week that the digest reads, for its members' ids."""

    async def leads(self) -> list[tuple[TeamRow, Person, datetime]]:
        """Every (team, appointed lead, when appointed)."""
        rows = await fetch_all(
            self.conn, "SELECT t.id AS team_id, t.platform AS t_platform, t.workspace AS"
            " t_workspace, t.name AS t_name, t.group_id, l.created_at AS appointed, p.*"
            " FROM team_leads l JOIN teams t ON t.id = l.team_id JOIN people p ON"
            " p.id = l.person_id ORDER BY t.id, p.id")
        return [(TeamRow(r["team_id"], r["t_platform"], r["t_workspace"], r["t_name"],
                         r["group_id"]), _person(r), from_db(r["appointed"])) for r in rows]

    async def daily_points(self, person_ids: list[int], start: datetime,
                           end: datetime) -> dict[int, int]:
        if not person_ids:
            return {}
        marks = ",".join("?" * len(person_ids))
        rows = await fetch_all(
            self.conn, "SELECT person_id, SUM(points) FROM score_events WHERE board='daily'"
            f" AND person_id IN ({marks}) AND created_at >= ? AND created_at < ?"
            " GROUP BY person_id", (*person_ids, to_db(start), to_db(end)))
        return {int(r[0]): int(r[1]) for r in rows}

    async def practice(self, person_ids: list[int], start: datetime,
                       end: datetime) -> list[tuple[int, str, float | None]]:
        """(person id, topic, coverage) of practice answers given in [start, end)."""
        if not person_ids:
            return []
        marks = ",".join("?" * len(person_ids))
        rows = await fetch_all(
            self.conn, "SELECT person_id, topic, coverage FROM practice_attempts WHERE"
            f" person_id IN ({marks}) AND answered_at >= ? AND answered_at < ?",
            (*person_ids, to_db(start), to_db(end)))
        return [(int(r[0]), str(r[1]), None if r[2] is None else float(r[2])) for r in rows]

    async def reviews_due(self, person_ids: list[int], by: datetime) -> tuple[int, int]:
        """(cards due at ``by``, members with any due) across the people."""
        if not person_ids:
            return 0, 0
        marks = ",".join("?" * len(person_ids))
        row = await fetch_one(
            self.conn, "SELECT COUNT(*), COUNT(DISTINCT person_id) FROM cards WHERE"
            f" person_id IN ({marks}) AND due <= ?", (*person_ids, to_db(by)))
        return (int(row[0]), int(row[1])) if row else (0, 0)
