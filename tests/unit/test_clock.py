"""The file clock that drives a real quizbot process in tests and demos: a file that is
missing or holds no instant is refused when the clock is made (never real time instead),
and a read that fails later keeps the last instant."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.clock import FakeClockError, FileClock
from bot.config import Settings


@pytest.mark.parametrize(("content", "said"), [
    (None, "which does not exist"),
    ("", "which holds nothing, not an instant"),
    ("next tuesday", "which holds 'next tuesday', not an instant"),
    ("2026-03-03T08:00:00", "not an instant with its UTC offset"),   # whose local time?
    (b"\xff\xfe\x00garbage", "which cannot be read"),
])
def test_a_missing_or_garbled_file_is_refused_naming_the_setting(
        tmp_path: Path, content: str | bytes | None, said: str) -> None:
    path = tmp_path / "now"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(FakeClockError) as err:
        FileClock(str(path))
    assert str(err.value).startswith(f"QUIZBOT_FAKE_TIME_FILE names {path}, ")
    assert said in str(err.value)


def test_a_folder_is_not_a_clock_file(tmp_path: Path) -> None:
    with pytest.raises(FakeClockError, match="cannot be read"):
        FileClock(str(tmp_path))


def test_the_clock_follows_the_file_and_keeps_the_last_instant_when_a_read_fails(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "now"
    path.write_text("2026-03-03T09:00:00+01:00\n")
    clock = FileClock(str(path))
    assert clock.now() == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    path.write_text("2026-03-03T10:30:00+00:00")
    assert clock.now() == datetime(2026, 3, 3, 10, 30, tzinfo=UTC)
    path.write_text("")   # a writer that truncates first, caught in between
    with caplog.at_level(logging.WARNING, logger="bot.clock"):
        assert clock.now() == clock.now() == datetime(2026, 3, 3, 10, 30, tzinfo=UTC)
    assert len(caplog.records) == 1 and "stays at 2026-03-03T10:30:00" in caplog.text
    path.unlink()
    assert clock.now() == datetime(2026, 3, 3, 10, 30, tzinfo=UTC)
    path.write_text("2026-03-04T08:00:00+00:00")
    assert clock.now() == datetime(2026, 3, 4, 8, 0, tzinfo=UTC)


def test_the_setting_is_checked_when_settings_load(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(ValidationError) as err:
        Settings(fake_time_file=str(missing), _env_file=None)  # type: ignore[call-arg]
    assert "QUIZBOT_FAKE_TIME_FILE names" in str(err.value)
    assert Settings(fake_time_file="", _env_file=None).fake_time_file is None  # type: ignore[call-arg]
