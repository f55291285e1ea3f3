"""When `quizbot run` may fall back to the console: only on a terminal, or when asked."""

from __future__ import annotations

import io

import pytest

from bot.__main__ import _nothing_to_run


class FakeStdin(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__("")
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(("choice", "platforms", "tty", "refused"), [
    ("auto", ["console"], False, True),     # docker run -d, a service: say what is missing
    ("auto", ["console"], True, False),     # a person at a terminal: the console
    ("console", ["console"], False, False),  # asked for: scripted input from the pipe
    ("auto", ["slack"], False, False),      # tokens found: no console involved
    ("auto", ["discord", "slack"], False, False),
])
def test_console_fallback_needs_a_terminal(monkeypatch: pytest.MonkeyPatch, choice: str,
                                           platforms: list[str], tty: bool,
                                           refused: bool) -> None:
    monkeypatch.setattr("sys.stdin", FakeStdin(tty))
    assert _nothing_to_run(choice, platforms) is refused
