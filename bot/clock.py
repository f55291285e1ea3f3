"""Time as a dependency: services ask a Clock, so tests and the console can move it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Protocol

log = logging.getLogger(__name__)


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


class FakeClockError(ValueError):
    """The fake clock's file is missing, unreadable or holds no instant."""


class FileClock:
    """Time read from a file holding an ISO-8601 instant with its UTC offset.

    For driving a real quizbot process in tests and demos (QUIZBOT_FAKE_TIME_FILE): the
    harness writes the file; the process never sleeps waiting for a deadline. The file must
    hold an instant when the clock is made: a missing or garbled one is a mistake in the
    set-up, and running on real time instead would let a test pass or fail for the wrong
    reason. Afterwards a read that fails (a writer that truncates before it writes) keeps
    the last instant read, with one warning, rather than jumping to real time."""

    SETTING = "QUIZBOT_FAKE_TIME_FILE"

    def __init__(self, path: str) -> None:
        self.path = path
        self._last = self._read()
        self._failing = False

    def now(self) -> datetime:
        try:
            self._last = self._read()
        except FakeClockError as exc:
            if not self._failing:
                log.warning("%s; the clock stays at %s", exc, self._last.isoformat())
            self._failing = True
        else:
            self._failing = False
        return self._last

    def _read(self) -> datetime:
        where = f"{self.SETTING} names {self.path}"
        try:
            with open(self.path, encoding="utf-8") as f:
                text = f.read().strip()
        except FileNotFoundError:
            raise FakeClockError(f"{where}, which does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise FakeClockError(f"{where}, which cannot be read ({reason})") from None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            shown = repr(text[:40]) if text else "nothing"
            raise FakeClockError(f"{where}, which holds {shown}, not an instant with its "
                                 "UTC offset such as 2026-03-03T08:00:00+00:00")
        return moment.astimezone(UTC)
