"""Time as a dependency: services ask a Clock, so tests and the console can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class OffsetClock:
    """Real time plus an offset that only grows: the console's ``/advance`` moves it."""

    def __init__(self, base: Clock | None = None) -> None:
        self._base = base or SystemClock()
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return self._base.now() + self.offset

    def advance(self, by: timedelta) -> None:
        if by < timedelta(0):
            raise ValueError("time only moves forward")
        self.offset += by


class FixedClock:
    """A clock that stands still until moved: for tests."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, by: timedelta) -> None:
        self.current += by

    def set(self, moment: datetime) -> None:
        self.current = moment


class FileClock:
    """Time read from a file holding an ISO-8601 instant (real time while it is absent).

    For driving a real quizbot process in tests and demos (QUIZBOT_FAKE_TIME_FILE): the
    harness writes the file; the process never sleeps waiting for a deadline."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._real = SystemClock()

    def now(self) -> datetime:
        try:
            with open(self.path, encoding="utf-8") as f:
                text = f.read().strip()
            return datetime.fromisoformat(text).astimezone(UTC) if text else self._real.now()
        except (OSError, ValueError):
            return self._real.now()
