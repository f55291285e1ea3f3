"""The console on a terminal: line editing, history and Markdown rendered for the terminal.

Imported only when stdin and stdout are TTYs (``ConsoleAdapter`` decides), so scripted runs
and every other adapter never load prompt_toolkit or rich.

- ``PromptSession`` gives arrow keys, in-memory history (up/down) and Ctrl-R reverse search;
  the prompt names what a plain line answers (see ``console.prompt_label``) and is redrawn
  when a post (a reveal at the deadline) changes that.
- Output printed while the prompt waits (the scheduler posting a reveal) goes through
  ``patch_stdout``, so it lands above the prompt instead of through it.
- Ctrl-C and Ctrl-D at the prompt end the session at once with a goodbye line; the caller
  closes the database. A Ctrl-C while a command runs cancels it the same way (exit 130).
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.patch_stdout import patch_stdout
from rich.console import Console
from rich.markdown import Markdown
from rich.text import Text

from bot.adapters.base import Message

if TYPE_CHECKING:
    from bot.adapters.console import ConsoleAdapter

_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")


def _escape_html(line: str) -> str:
    """``<`` escaped outside code spans: Markdown would take ``/quiz <topic>`` for an HTML
    tag and drop it."""
    out, at = [], 0
    for span in _CODE_SPAN.finditer(line):
        out.append(line[at:span.start()].replace("<", "\\<"))
        out.append(span.group(0))
        at = span.end()
    out.append(line[at:].replace("<", "\\<"))
    return "".join(out)


def to_markdown(body: str) -> str:
    """Markdown that shows the body as meant: bot messages put one fact per line (results,
    key points), which Markdown would run together into a paragraph, so each line end
    becomes a hard break; ``<`` is literal. Lines inside fenced code are left alone."""
    out: list[str] = []
    fenced = False
    lines = body.split("\n")
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            out.append(line)
            continue
        if fenced:
            out.append(line)
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        line = _escape_html(line)
        if line.strip() and following.strip() and not _FENCE.match(following):
            line = line.rstrip() + "  "   # a Markdown hard line break
        out.append(line)
    return "\n".join(out)


class RichOutput:
    """Messages rendered for a terminal: Markdown (bold, italics, code, lists) via rich.

    The rich Console writes to whatever ``sys.stdout`` is at print time, so under
    ``patch_stdout`` its output is drawn above the prompt."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(force_terminal=True, highlight=False)

    def show(self, header: str, message: Message) -> None:
        c = self.console
        c.print()
        c.print(Text(f"── {header} ──", style="dim"))
        if message.title:
            c.print(Markdown(f"**{to_markdown(message.title)}**"))
        for section in message.sections:
            if section.heading:
                c.print(Text(section.heading, style="bold cyan"))
            if section.body.strip():
                c.print(Markdown(to_markdown(section.body)))
        for button in message.buttons:
            c.print(Text(f"[ {button.label} ]", style="reverse"))
        if message.footer:
            c.print(Markdown(to_markdown(message.footer), style="italic dim"))
        if message.attachment:
            name, content = message.attachment
            c.print(Text(f"── {name} ──", style="dim"))
            c.print(Text(content.rstrip() if isinstance(content, str) else
                         f"({len(content)} bytes, not shown)"))
            c.print(Text(f"── end of {name} ──", style="dim"))
        c.print()

    def say(self, text: str) -> None:
        self.console.print(Text(text))


async def run_tty(adapter: ConsoleAdapter) -> None:
    """The interactive session: prompt, handle, repeat until /quit, Ctrl-D or Ctrl-C."""
    from bot.adapters.console import GOODBYE, GREETING

    session: PromptSession[str] = PromptSession(history=InMemoryHistory())
    with patch_stdout(raw=True):
        adapter.output.say(GREETING.format(user=adapter.user))
        try:
            while True:
                await adapter.refresh()
                try:
                    # Ctrl-C is a key here (raw mode): prompt_toolkit raises
                    # KeyboardInterrupt. Its own SIGINT handler stays off so asyncio's
                    # (which cancels this task) still covers a Ctrl-C during a command.
                    line = await session.prompt_async(lambda: adapter.prompt,
                                                      handle_sigint=False)
                except (KeyboardInterrupt, EOFError):
                    break
                if not await adapter.handle_line(line):
                    break
        except asyncio.CancelledError:
            adapter.output.say(GOODBYE)
            raise
        adapter.output.say(GOODBYE)
