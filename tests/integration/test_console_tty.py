"""The console as a person uses it: `quizbot run` in a pseudo-terminal, keys typed into it.

The child gets the pty as its controlling terminal (so Ctrl-C is what a real one sends), a
fixed clock file, the sample bank and no platform tokens, so it binds and calls nothing.
Every step waits for the output it expects, with a generous deadline; nothing sleeps."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_BANK

ROOT = Path(__file__).resolve().parents[2]
STEP = 20.0  # seconds per step: a slow, busy 2-core machine starts Python slowly
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[@-_]|[\r\x07]")
# Make the pty the child's controlling terminal, then become quizbot.
TAKE_TTY = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
            "os.execv(sys.executable, [sys.executable, '-m', 'bot', *sys.argv[1:]])")


class Pty:
    def __init__(self, proc: subprocess.Popen[bytes], master: int) -> None:
        self.proc, self.master = proc, master
        self.raw = b""
        self.seen = 0  # how much of the (cleaned) output earlier steps consumed

    @property
    def text(self) -> str:
        return ANSI.sub("", self.raw.decode("utf-8", "replace"))

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        self.raw += chunk
        return bool(chunk)

    def expect(self, pattern: str) -> str:
        """Wait for ``pattern`` in the output after what earlier steps consumed."""
        deadline = time.monotonic() + STEP
        regex = re.compile(pattern)
        while True:
            found = regex.search(self.text, self.seen)
            if found:
                self.seen = found.end()
                return found.group(0)
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"no {pattern!r} within {STEP}s; output after the last "
                                     f"step:\n{self.text[self.seen:]}")

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait_exit(self) -> int:
        deadline = time.monotonic() + STEP
        while self.proc.poll() is None and time.monotonic() < deadline:
            if not self._read(deadline - time.monotonic()):
                break  # terminal closed: the process is ending
        return self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Pty]:
    clock = tmp_path / "now"
    clock.write_text("2026-03-03T08:00:00+00:00")  # a Tuesday morning
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QUIZBOT_", "DISCORD_", "SLACK_"))}
    env.update(QUIZBOT_FAKE_TIME_FILE=str(clock), QUIZBOT_QUESTIONS_DIR=str(SAMPLE_BANK),
               TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1", COLUMNS="100", LINES="40")
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-c", TAKE_TTY, "run", "--platform", "console",
         "--db", str(tmp_path / "q.db"), "--as", "alice"],
        stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True)
    os.close(slave)
    pty = Pty(proc, master)
    try:
        yield pty
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=STEP)
        os.close(master)


def test_practice_then_daily_then_ctrl_c(console: Pty) -> None:
    console.expect(r"Daily question for 2026-03-03")
    console.expect(r"/quit, Ctrl-D or Ctrl-C quits")  # the greeting, which names the prompts
    console.expect(r"alice \(daily\)>")
    console.send("/quiz sample\r")
    console.expect(r"Practice question")
    console.expect(r"alice \(practice: sample\)>")
    console.send("\r")                               # an empty line: still pending
    console.expect(r"alice \(practice: sample\)>")
    console.send("subwords from a fixed vocabulary built with BPE\r")
    answered = console.expect(r"Reference answer|That answer is empty|answer recorded")
    assert answered == "Reference answer"
    console.expect(r"alice \(daily\)>")
    assert "**" not in console.text                  # Markdown rendered, not shown raw
    console.send("\x03")                             # Ctrl-C
    console.expect(r"bye")
    assert console.wait_exit() in (0, 130)
    assert "Traceback" not in console.text


def test_ctrl_d_quits_at_once(console: Pty) -> None:
    console.expect(r"Ctrl-C quits")                  # the greeting, which names the prompts
    console.expect(r"alice \(daily\)>")
    console.send("\x04")
    console.expect(r"bye")
    assert console.wait_exit() == 0
    assert "Traceback" not in console.text
