"""Pure rules: parsing, schedule arithmetic (DST included), selection, periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.domain.parsing import (
    WEEKDAYS,
    InputError,
    parse_days,
    parse_duration,
    parse_time_of_day,
    parse_timezone,
)
from bot.domain.periods import Period, period_range
from bot.domain.selection import pick_question
from bot.domain.subscriptions import ChannelRef, Subscription


def sub(post: str = "09:00", tz: str = "UTC", window: str = "8h",
        days: tuple[str, ...] = WEEKDAYS) -> Subscription:
    return Subscription(1, ChannelRef("memory", "T1", "C1"), "general", parse_time_of_day(post),
                        days, tz, parse_duration(window))


class TestParsing:
    def test_times_of_day(self) -> None:
        assert parse_time_of_day("09:30") == time(9, 30)
        assert parse_time_of_day("7:05") == time(7, 5)
        for bad in ("24:00", "9", "09:60", "noon", ""):
            with pytest.raises(InputError, match="HH:MM"):
                parse_time_of_day(bad)

    def test_durations(self) -> None:
        assert parse_duration("8h") == timedelta(hours=8)
        assert parse_duration("1h30m") == timedelta(minutes=90)
        assert parse_duration("1d 2h") == timedelta(hours=26)
        for bad in ("", "8", "h", "8x", "-1h", "8h garbage"):
            with pytest.raises(InputError):
                parse_duration(bad)
        with pytest.raises(InputError, match="out of range"):
            parse_duration("30d")

    def test_days(self) -> None:
        assert parse_days("mon-fri") == WEEKDAYS[:5]
        assert parse_days("weekdays") == WEEKDAYS[:5]
        assert parse_days("fri-mon") == ("mon", "fri", "sat", "sun")
        assert parse_days("Monday,wed") == ("mon", "wed")
        with pytest.raises(InputError):
            parse_days("funday")

    def test_timezones(self) -> None:
        assert parse_timezone("Europe/Paris") == "Europe/Paris"
        assert parse_timezone("utc") == "UTC"
        with pytest.raises(InputError, match="Did you mean.*Europe/Paris"):
            parse_timezone("Paris")


class TestSchedule:
    def test_slot_in_local_time(self) -> None:
        s = sub("09:00", "Europe/Paris")
        slot = s.slot_on(date(2026, 11, 23))
        assert slot is not None
        assert slot.opens_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # CET = UTC+1
        assert slot.deadline == slot.opens_at + timedelta(hours=8)

    def test_days_filter_skips_weekend(self) -> None:
        s = sub(days=WEEKDAYS[:5])
        assert s.slot_on(date(2026, 11, 22)) is None  # a Sunday
        nxt = s.next_slot(datetime(2026, 11, 21, 12, 0, tzinfo=UTC))  # Saturday noon
        assert nxt is not None and nxt.local_date == date(2026, 11, 23)

    def test_due_slot_only_inside_the_window(self) -> None:
        s = sub("09:00", window="2h")
        assert s.due_slot(datetime(2026, 11, 23, 8, 59, tzinfo=UTC)) is None
        due = s.due_slot(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
        assert due is not None and due.local_date == date(2026, 11, 23)
        assert s.due_slot(datetime(2026, 11, 23, 11, 0, tzinfo=UTC)) is None

    def test_spring_forward_shifts_a_missing_local_time(self) -> None:
        s = sub("02:30", "America/New_York")
        slot = s.slot_on(date(2026, 3, 8))  # 02:30 does not exist that night
        assert slot is not None
        assert slot.opens_at == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # = 03:30 EDT
        assert s.local_date(slot.opens_at) == date(2026, 3, 8)

    def test_fall_back_gives_one_slot_per_local_date(self) -> None:
        s = sub("01:30", "America/New_York")
        slot = s.slot_on(date(2026, 11, 1))  # 01:30 happens twice that night
        assert slot is not None
        assert slot.opens_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # first, EDT
        # Seen from the second 01:30 the latest slot is still the same date: one round.
        later = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
        latest = s.latest_slot(later)
        assert latest is not None and latest.local_date == date(2026, 11, 1)


class TestSelection:
    def test_no_repeat_until_the_pool_is_exhausted(self) -> None:
        pool = ["a", "b", "c", "d"]
        asked: list[str] = []
        for day in range(4):
            q = pick_question(pool, asked, f"seed:{day}")
            assert q is not None and q not in asked
            asked.append(q)
        assert sorted(asked) == pool
        fifth = pick_question(pool, asked, "seed:4")
        assert fifth in pool  # a new cycle starts
        assert pick_question([], asked, "x") is None

    def test_deterministic_for_a_seed(self) -> None:
        pool = [f"q{i}" for i in range(50)]
        assert pick_question(pool, [], "s") == pick_question(pool, [], "s")
        picks = {pick_question(pool, [], f"s{i}") for i in range(20)}
        assert len(picks) > 5  # different seeds spread out

    def test_questions_outside_the_pool_do_not_count(self) -> None:
        assert pick_question(["a", "b"], ["a", "zzz", "zzz"], "s") == "b"


class TestPeriods:
    def test_week_starts_monday_local_midnight(self) -> None:
        # Sunday 23:30 UTC is already Monday 08:30 in Tokyo: a new week there.
        now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
        start, end = period_range(Period.WEEK, now, "Asia/Tokyo")
        assert start == datetime(2026, 11, 22, 15, 0, tzinfo=UTC)  # Mon 00:00 JST
        assert end - start == timedelta(days=7)
        start_utc, _ = period_range(Period.WEEK, now, "UTC")
        assert start_utc == datetime(2026, 11, 16, 0, 0, tzinfo=UTC)

    def test_month_across_dst_in_new_york(self) -> None:
        now = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
        start, end = period_range(Period.MONTH, now, "America/New_York")
        assert start == datetime(2026, 11, 1, 4, 0, tzinfo=UTC)   # EDT midnight
        assert end == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)     # EST midnight

    def test_parse(self) -> None:
        assert Period.parse("Monthly") is Period.MONTH
        assert Period.parse("all") is Period.ALL
        with pytest.raises(ValueError):
            Period.parse("year")


def test_counts_are_singular_for_one() -> None:
    from bot.domain.text import count

    assert [count(n, "point") for n in (0, 1, -1, 2)] == ["0 points", "1 point", "-1 point",
                                                          "2 points"]
