"""Leaderboard periods (week, month, all time) as UTC ranges in a channel's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL = "all"

    @classmethod
    def parse(cls, text: str) -> Period:
        t = text.strip().lower()
        aliases = {"weekly": "week", "monthly": "month", "all-time": "all", "alltime": "all",
                   "ever": "all", "w": "week", "m": "month", "a": "all"}
        return cls(aliases.get(t, t))


def period_range(period: Period, now: datetime, tz: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the period containing ``now`` in local time ``tz``.
    Weeks start on Monday at local midnight; months on the 1st at local midnight."""
    if period is Period.ALL:
        return EPOCH, FAR_FUTURE
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    if period is Period.WEEK:
        first = local.date() - timedelta(days=local.weekday())
        after = first + timedelta(days=7)
    else:
        first = local.date().replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(after, time(0), tzinfo=zone).astimezone(UTC)
    return start, end
