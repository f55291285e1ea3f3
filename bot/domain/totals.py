"""Keys of the pre-aggregated leaderboard totals: which scope and period a ledger row counts
toward. Pure functions, so the storage layer and the rebuild agree exactly."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.domain.periods import Period


def sub_scope(subscription_id: int) -> str:
    return f"sub:{subscription_id}"


def workspace_scope(platform: str, workspace: str) -> str:
    return f"ws:{platform}:{workspace}"


@lru_cache(maxsize=65536)
def _keys_for_quarter_hour(stamp: datetime, tz: str) -> tuple[str, str]:
    local = stamp.astimezone(ZoneInfo(tz))
    monday = local.date() - timedelta(days=local.weekday())
    return f"w:{monday.isoformat()}", f"m:{local.strftime('%Y-%m')}"


def period_keys(moment: datetime, tz: str) -> tuple[str, str, str]:
    """(all, week, month) keys of an instant in a time zone. Offsets change on quarter-hour
    boundaries, so keys are cached per quarter hour (fast rebuilds of large ledgers)."""
    quarter = moment.replace(minute=moment.minute - moment.minute % 15, second=0,
                             microsecond=0)
    week, month = _keys_for_quarter_hour(quarter, tz)
    return "all", week, month


def offset_spans(tz: str, first: datetime, last: datetime) -> list[tuple[str, str, str, int]]:
    """(tz, start, end, utc offset seconds) spans covering [first, last], in the ledger's
    timestamp format. Offsets change at most on quarter hours, which the walk samples."""
    zone = ZoneInfo(tz)
    step = timedelta(minutes=15)
    start = first.replace(minute=first.minute - first.minute % 15, second=0, microsecond=0)
    end = last + step
    spans: list[tuple[str, str, str, int]] = []
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    cursor, offset = start, start.astimezone(zone).utcoffset()
    span_start = datetime(1970, 1, 1, tzinfo=start.tzinfo)
    while cursor <= end:
        nxt = cursor + step
        # jump a day at a time while the offset holds, then walk the changing day finely
        day = cursor + timedelta(days=1)
        if day <= end and day.astimezone(zone).utcoffset() == offset:
            cursor = day
            continue
        if nxt.astimezone(zone).utcoffset() != offset:
            spans.append((tz, span_start.strftime(fmt), nxt.strftime(fmt),
                          int(offset.total_seconds()) if offset else 0))
            span_start, offset = nxt, nxt.astimezone(zone).utcoffset()
        cursor = nxt
    spans.append((tz, span_start.strftime(fmt), "9999-12-31T00:00:00.000000Z",
                   int(offset.total_seconds()) if offset else 0))
    return spans


def period_key(period: Period, moment: datetime, tz: str) -> str:
    keys = period_keys(moment, tz)
    return {Period.ALL: keys[0], Period.WEEK: keys[1], Period.MONTH: keys[2]}[period]
