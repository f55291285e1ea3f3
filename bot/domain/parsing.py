"""Parsing what people type: times of day, durations, weekdays, time zones.

Every parser raises ``InputError`` with a message fit to show the person as it is.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from functools import cache
from zoneinfo import available_timezones

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(r"(\d+)\s*([dhm])")


class InputError(ValueError):
    """Bad input from a person; the message says what is wrong and how to fix it."""


def parse_time_of_day(text: str) -> time:
    m = re.fullmatch(r"([01]?\d|2[0-3])[:.h]([0-5]\d)", text.strip())
    if not m:
        raise InputError(f"'{text}' is not a time of day; use 24-hour HH:MM, like 09:30.")
    return time(int(m.group(1)), int(m.group(2)))


def parse_duration(text: str, *, minimum: timedelta = timedelta(minutes=1),
                   maximum: timedelta = timedelta(days=7)) -> timedelta:
    """'8h', '90m', '1d 2h', '1h30m' -> timedelta."""
    compact = text.strip().lower().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or not parts or "".join(n + u for n, u in parts) != compact:
        raise InputError(f"'{text}' is not a duration; use forms like 8h, 90m or 1d2h.")
    unit = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
    total = sum((int(n) * unit[u] for n, u in parts), timedelta(0))
    if not minimum <= total <= maximum:
        raise InputError(f"'{text}' is out of range: between {_fmt(minimum)} and "
                         f"{_fmt(maximum)}, please.")
    return total


def _fmt(d: timedelta) -> str:
    minutes = int(d.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    out = (f"{days}d" if days else "") + (f"{hours}h" if hours else "") + \
        (f"{mins}m" if mins else "")
    return out or "0m"


format_duration = _fmt


def parse_days(text: str) -> tuple[str, ...]:
    """'mon-fri', 'weekdays', 'daily', 'mon,wed,fri' -> ordered weekday names."""
    t = text.strip().lower()
    if t in ("daily", "every", "all", "everyday"):
        return WEEKDAYS
    if t in ("weekdays", "workdays"):
        return WEEKDAYS[:5]
    if t == "weekends":
        return WEEKDAYS[5:]
    chosen: set[str] = set()
    for part in t.split(","):
        part = part.strip()[:3] if "-" not in part else part.strip()
        if "-" in part:
            a, b = (p.strip()[:3] for p in part.split("-", 1))
            if a not in WEEKDAYS or b not in WEEKDAYS:
                raise InputError(f"'{text}' is not a list of days; try mon-fri or mon,wed,fri.")
            i, j = WEEKDAYS.index(a), WEEKDAYS.index(b)
            span = range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)]
            chosen.update(WEEKDAYS[k] for k in span)
        elif part in WEEKDAYS:
            chosen.add(part)
        else:
            raise InputError(f"'{text}' is not a list of days; try mon-fri or mon,wed,fri.")
    return tuple(d for d in WEEKDAYS if d in chosen)


def parse_timezone(text: str) -> str:
    """An IANA zone in any case ("europe/paris" is Europe/Paris), or an InputError that
    suggests only close names."""
    name = text.strip()
    if name.upper() == "UTC":
        return "UTC"
    known = _zones_by_lower()
    if name.lower() in known:
        return known[name.lower()]
    from rapidfuzz import fuzz, process

    close = [known[z] for z, _, _ in process.extract(name.lower(), list(known),
                                                      scorer=fuzz.ratio, limit=3,
                                                      score_cutoff=80)]
    city = name.lower().replace(" ", "_")
    same_city = [z for z in known.values() if z.lower().rsplit("/", 1)[-1] == city]
    close = list(dict.fromkeys([*same_city, *close]))[:3]
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise InputError(f"'{name[:40]}' is not an IANA time zone like Europe/Paris.{hint}")


@cache
def _zones_by_lower() -> dict[str, str]:
    return {z.lower(): z for z in available_timezones() if "/" in z or z == "UTC"}
