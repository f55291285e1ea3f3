"""The terminal adapter: one simulated channel, #practice, and one person typing.

It is the embedded default (no tokens needed) and the demo: ``/advance 9h`` moves the bot's
clock and runs whatever fell due, so a whole day's loop shows in seconds. With stdin not a
TTY it reads commands line by line and exits at end of input, which makes it scriptable,
and prints plain text. On a terminal (stdin and stdout both TTYs) it hands the session to
``bot.adapters.console_tty``: line editing and history, Markdown rendered for the terminal,
and a prompt that says what the next line answers. That module imports prompt_toolkit and
rich, so only an interactive session pays for them.
"""

from __future__ import annotations

import asyncio
import getpass
import re
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Protocol, TextIO

from bot.adapters.base import (
    Actor,
    IncomingMessage,
    Message,
    MessageKind,
    Section,
    Sent,
    attachment_data,
    reply,
)
from bot.clock import OffsetClock
from bot.domain.parsing import InputError, parse_duration
from bot.domain.rounds import AnswerOutcome, RoundState
from bot.domain.subscriptions import ChannelRef
from bot.services import appeal_views, render
from bot.services.commands import CommandContext, Commands
from bot.services.rounds import RoundService
from bot.storage.repositories import Rounds, Subscriptions

CHANNEL = ChannelRef("console", "local", "practice")
CHANNEL_NAME = "practice"
ACKS = {
    AnswerOutcome.RECORDED: "✓ answer recorded",
    AnswerOutcome.REPLACED: "✓ answer updated (your latest one counts)",
    AnswerOutcome.LATE: "✓ late answer kept (not scored)",
    AnswerOutcome.DUPLICATE: "✓ answer already recorded",
}
GOODBYE = "bye (the database is saved; `make run` picks up where you left off)"
GREETING = ("quizbot console, as {user}. Plain text answers what the prompt names: "
            "'{user} (daily)>' the daily question, '{user} (practice: TOPIC)>' your practice "
            "question. /help lists commands, /today shows the daily question again, "
            "/quit, Ctrl-D or Ctrl-C quits.")
#: terminal escape sequences (CSI, OSC, two-byte) and the other control characters: what an
#: arrow key or a paste can leave in a line read without line editing
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
                      r"|\x1b[NO].?|\x1b[@-_]?|[\x00-\x08\x0b-\x1f\x7f]")


def default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "you"


def render_text(message: Message) -> str:
    """A Message as plain terminal text (no Markdown markers)."""
    lines = [message.title] if message.title else []
    for section in message.sections:
        if section.heading:
            lines.append(f"[{section.heading}]")
        lines.extend(section.body.splitlines())
    for button in message.buttons:  # the text names the command (or plain line) to type
        if not button.action.startswith((render.RATE_ACTION, render.FOLLOW_UP_ACTION,
                                         render.INTERVIEW_ACTION, appeal_views.APPEAL_ACTION,
                                         appeal_views.FLAG_ACTION)):
            lines.append(f"<{button.label}>")
    if message.footer:
        lines.append(f"({message.footer})")
    if message.attachment:
        name, content = message.attachment
        if isinstance(content, str):
            lines.append(f"--- {name} ---\n{content.rstrip()}\n--- end of {name} ---")
        else:
            lines.append(f"--- {name}: {len(content)} bytes, not shown ---")
    return "\n".join(lines)


def exports_folder(db_path: str) -> Path:
    """``exports/`` next to the database file (in memory or on a server: the temp folder)."""
    if db_path == ":memory:" or db_path.startswith("file:") or "://" in db_path:
        return Path(tempfile.gettempdir()) / "quizbot-exports"
    return Path(db_path).resolve().parent / "exports"


def clean_line(line: str) -> str:
    """A typed line without terminal escape codes or control characters, so an arrow key
    pressed at a prompt without line editing is never stored as (part of) an answer."""
    return _ESCAPES.sub("", line)


def prompt_label(user: str, practice_topic: str | None, daily_open: bool,
                 interview: str | None = None) -> str:
    """The prompt, naming what a plain line answers: the pending practice question first
    (that is where the next line goes), then a running mock interview, else the open daily
    question, else nothing."""
    if practice_topic is not None:
        return f"{user} (practice: {practice_topic})> "
    if interview is not None:
        return f"{user} ({interview})> "
    if daily_open:
        return f"{user} (daily)> "
    return f"{user}> "


def where(thread_id: str | None) -> str:
    """The header of a post: the console has no threads, so a post made in a thread is a
    reply to the daily question."""
    return f"#{CHANNEL_NAME}" + (" · reply to the daily question" if thread_id else "")


class Output(Protocol):
    """How the console shows things: plain text (scripted) or rendered for a terminal."""

    def show(self, header: str, message: Message) -> None: ...

    def say(self, text: str) -> None: ...


class PlainOutput:
    """Plain, stable text: what scripts and the tests read."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def show(self, header: str, message: Message) -> None:
        self.say(f"\n--- {header} ---\n{render_text(message)}\n")

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)


class ConsoleAdapter:
    name = "console"

    def __init__(self, rounds: RoundService, commands: Commands, clock: OffsetClock, *,
                 user: str | None = None, stdin: TextIO | None = None,
                 stdout: TextIO | None = None, exports: Path | None = None,
                 sweep: Callable[[], Awaitable[None]] | None = None) -> None:
        self.rounds, self.commands, self.clock = rounds, commands, clock
        #: what /advance runs: the whole sweep (digests, reminders), or the rounds' alone
        self.sweep = sweep or rounds.sweep
        #: where exports and report pictures are written: next to the database
        self.exports = exports or exports_folder(rounds.db.path)
        self.user = (user or default_user()).strip() or "you"
        self.stdin = stdin or sys.stdin
        self.out = stdout or sys.stdout
        self.lead = self.user
        self.actor = self._actor(self.user)
        self.thread_id: str | None = None      # the open daily question's thread
        self.practice_attempt: int | None = None
        self.practice_topic: str | None = None
        self.daily_open = False
        self.interview: str | None = None   # "interview 2/3" while one is running
        self.tty = self.stdin.isatty() and self.out.isatty()
        self.output: Output
        if self.tty:
            from bot.adapters.console_tty import RichOutput

            self.output = RichOutput()
        else:
            self.output = PlainOutput(self.out)

    def _actor(self, name: str) -> Actor:
        """On the console a person's name is their id; the person started with --as is the
        workspace admin, anyone switched to with /as is a plain member."""
        return Actor("console", "local", name, name, is_admin=name == self.lead)

    async def _resolve(self, token: str) -> Actor | None:
        name = token.strip().lstrip("@")
        return self._actor(name) if name else None

    # -- ChatPlatform ----------------------------------------------------------------------

    async def send(self, channel: ChannelRef, message: Message, *,
                   thread_id: str | None = None) -> Sent:
        message_id = uuid.uuid4().hex[:12]
        self.output.show(f"{where(thread_id)} · quizbot", message)
        if message.kind is MessageKind.QUESTION:
            self.thread_id, self.daily_open = message_id, True
        elif message.kind is MessageKind.REVEAL:
            self.daily_open = False
        return Sent(message_id, thread_id or message_id)

    async def acknowledge(self, message: IncomingMessage, outcome: AnswerOutcome) -> None:
        self._print(ACKS.get(outcome, "✓"))

    async def tell(self, workspace: str, user_id: str, message: Message) -> None:
        if message.attachment is not None:   # a digest's picture: written under exports
            message = self._write_file(message)
        self.output.show(f"direct message to {user_id}", message)

    async def ask_privately(self, message: IncomingMessage, note: Message) -> None:
        """A note only the person who answered sees (a follow-up question)."""
        self.output.show(f"only {message.actor.display_name} can see this", note)

    # -- the session -----------------------------------------------------------------------

    def _print(self, text: str) -> None:
        self.output.say(text)

    def _private(self, message: Message) -> None:
        if message.attachment is not None:
            message = self._write_file(message)
        self.output.show("only you can see this", message)

    def _write_file(self, message: Message) -> Message:
        """Write the message's file (an export, a report picture) under ``exports`` and
        return the message naming its path; a later export of the same name replaces it."""
        file = attachment_data(message)
        assert file is not None
        name, data, _ = file
        path = self.exports / Path(name).name
        try:
            self.exports.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError as exc:
            note = f"Could not write {path}: {exc.strerror or exc}"
        else:
            note = f"Written to {path}"
        return replace(message, attachment=None,
                       sections=(*message.sections, Section("File", note)))

    @property
    def prompt(self) -> str:
        return prompt_label(self.user, self.practice_topic, self.daily_open, self.interview)

    async def refresh(self) -> None:
        """Read whether a daily question is open and an interview running, for the prompt
        (a restart, a reveal)."""
        self.daily_open = await self.rounds.open_thread(CHANNEL) is not None
        self.interview = await self.commands.interviews.progress(self.actor)

    async def run(self) -> None:
        """Read lines until end of input (or /quit)."""
        self.thread_id = await self.rounds.open_thread(CHANNEL)
        self.daily_open = self.thread_id is not None
        if self.tty:
            from bot.adapters.console_tty import run_tty

            await run_tty(self)
            return
        interactive = self.stdin.isatty()
        if interactive:
            self._print(GREETING.format(user=self.user))
        while True:
            if interactive:
                await self.refresh()
                self.out.write(self.prompt)
                self.out.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                return
            if not await self.handle_line(line.rstrip("\n")):
                return

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; False when the person asked to quit. An empty line does
        nothing: it never answers (or gives up) a pending practice question."""
        text = clean_line(line).strip()
        if not text:
            return True
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            if name.lower() == "advance":
                await self.advance(args)
            elif name.lower() in ("quit", "exit"):
                return False
            elif name.lower() == "as":
                self.switch(args)
            elif name.lower() == "today":
                await self.today()
            else:
                ctx = CommandContext(self.actor, CHANNEL, CHANNEL_NAME, self._resolve)
                result = await self.commands.run(ctx, name, args)
                if result.practice is not None:
                    self.practice_attempt = result.practice.attempt_id
                    self.practice_topic = result.practice.question.topic or "practice"
                self._private(result.message)
        elif self.practice_attempt is not None:
            attempt, self.practice_attempt, self.practice_topic = (
                self.practice_attempt, None, None)
            self._private(await self.commands.practice.answer(self.actor, attempt, text))
        elif await self.commands.interviews.progress(self.actor) is not None:
            self._private(await self.commands.interviews.answer(self.actor, text))
        else:
            await self.answer(text)
        self.interview = await self.commands.interviews.progress(self.actor)
        return True

    async def today(self) -> None:
        """Show the channel's open daily question again (read-only)."""
        async with self.rounds.db.reading() as conn:
            sub = await Subscriptions(conn).for_channel(CHANNEL)
            rnd = await Rounds(conn).latest(sub.id) if sub else None
        question = self.rounds.bank.get(rnd.question_id) if rnd else None
        if sub is None or rnd is None or rnd.state is not RoundState.OPEN or question is None:
            self.daily_open = False
            self._private(reply("No daily question is open",
                                "Try /schedule for the next one, /quiz for a practice "
                                "question, or /advance 1d to move the clock."))
            return
        self.daily_open = True
        self.output.show(f"#{CHANNEL_NAME} · the open daily question, again",
                         render.daily_question(question, rnd, sub))

    def switch(self, args: str) -> None:
        name = args.strip()
        if not name or len(name) > 40 or " " in name:
            self._private(reply("Usage: /as NAME", "Switch who is typing (console only)."))
            return
        self.user, self.actor = name, self._actor(name)
        self.practice_attempt = self.practice_topic = None
        self._print(f"(now typing as {name}{', admin' if self.actor.is_admin else ''})")

    async def answer(self, text: str) -> None:
        thread = self.thread_id or await self.rounds.open_thread(CHANNEL)
        message_id = uuid.uuid4().hex[:12]
        result = await self.rounds.record_answer(IncomingMessage(
            self.actor, CHANNEL, text, message_id, thread_id=thread, event_id=message_id))
        if result.outcome is AnswerOutcome.NO_ROUND:
            self._private(reply("No daily question is open right now",
                                "Try /quiz for a practice question, /schedule for the next "
                                "daily one, or /advance 1d to move the clock."))
        elif result.reply is not None:
            self._private(result.reply)

    async def advance(self, args: str) -> None:
        try:
            by = parse_duration(args or "1h", maximum=timedelta(days=31))
        except InputError as exc:
            self._private(reply("I could not read that", f"{exc}\nUsage: /advance 9h"))
            return
        self.clock.advance(by)
        self._print(f"(clock advanced by {args or '1h'}; now "
                    f"{self.clock.now().strftime('%a %d %b %H:%M UTC')})")
        await self.sweep()
