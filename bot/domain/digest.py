"""The weekly digest for team leads, the pure part: when it falls due, which week it
covers, and who moved on the team's board.

A digest falls due once a week, on the first weekday the workspace's channel posts, at its
posting time in its time zone, and covers the Monday-to-Sunday week before. Only the latest
due digest is ever sent: one missed while the bot was down goes out when it is back, one
from weeks ago never does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.parsing import WEEKDAYS


@dataclass(frozen=True, slots=True)
class Week:
    """A Monday-to-Sunday week in a time zone: its ISO label ("2026-W47") and UTC range."""

    label: str
    start: datetime
    end: datetime
    monday: date


def week_of(day: date, timezone: str) -> Week:
    monday = day - timedelta(days=day.weekday())
    zone = ZoneInfo(timezone)
    start = datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone).astimezone(UTC)
    year, number, _ = monday.isocalendar()
    return Week(f"{year}-W{number:02d}", start, end, monday)


def digest_due(now: datetime, post_time: time, timezone: str,
               days: Sequence[str] = WEEKDAYS) -> datetime:
    """The latest moment at or before ``now`` a digest fell due: the first of ``days`` in
    the week, at ``post_time`` local."""
    zone = ZoneInfo(timezone)
    first = min((WEEKDAYS.index(d) for d in days if d in WEEKDAYS), default=0)
    local = now.astimezone(zone).date()
    monday = local - timedelta(days=local.weekday())
    for back in (0, 7):
        due = datetime.combine(monday + timedelta(days=first - back), post_time,
                               tzinfo=zone).astimezone(UTC)
        if due <= now:
            return due
    raise AssertionError("a digest falls due every week")   # pragma: no cover


def covered_week(due: datetime, timezone: str) -> Week:
    """The week a digest due at ``due`` covers: the one before the week it falls due in."""
    local = due.astimezone(ZoneInfo(timezone)).date()
    return week_of(local - timedelta(days=7), timezone)


@dataclass(frozen=True, slots=True)
class Mover:
    name: str
    rank: int | None        # this week's rank among those with points; None: no points
    was: int | None         # last week's
    points: int
    change: int             # points this week minus last week


def ranks(points: Mapping[str, int]) -> dict[str, int]:
    """1 for the most points; equal points share a rank (1, 2, 2, 4); nobody without points."""
    ordered = sorted((p for p in points.values() if p > 0), reverse=True)
    return {name: ordered.index(p) + 1 for name, p in points.items() if p > 0}


def movers(this_week: Mapping[str, int], last_week: Mapping[str, int],
           most: int = 5) -> list[Mover]:
    """Members whose rank or points changed, the biggest moves first."""
    now_rank, then_rank = ranks(this_week), ranks(last_week)
    moved = []
    for name in sorted(set(this_week) | set(last_week)):
        points, before = this_week.get(name, 0), last_week.get(name, 0)
        rank, was = now_rank.get(name), then_rank.get(name)
        if rank != was or points != before:
            moved.append(Mover(name, rank, was, points, points - before))
    moved.sort(key=lambda m: (-abs(m.change), m.name))
    return moved[:most]


def describe_mover(m: Mover) -> str:
    place = (f"#{m.was} → #{m.rank}" if m.was and m.rank else
             f"new at #{m.rank}" if m.rank else f"off the board (was #{m.was})")
    return f"{m.name}: {place}, {m.points} points ({m.change:+d} on the week before)"
