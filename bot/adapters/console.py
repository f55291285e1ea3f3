"""The terminal adapter: one simulated channel, #practice, and one person typing.

It is the embedded default (no tokens needed) and the demo: ``/advance 9h`` moves the bot's
clock and runs whatever fell due, so a whole day's loop shows in seconds. With stdin not a
TTY it reads commands line by line and exits at end of input, which makes it scriptable.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
import uuid
from datetime import timedelta
from typing import TextIO

from bot.adapters.base import Actor, IncomingMessage, Message, MessageKind, Sent, reply
from bot.clock import OffsetClock
from bot.domain.parsing import InputError, parse_duration
from bot.domain.rounds import AnswerOutcome
from bot.domain.subscriptions import ChannelRef
from bot.services.commands import CommandContext, Commands
from bot.services.rounds import RoundService

CHANNEL = ChannelRef("console", "local", "practice")
CHANNEL_NAME = "practice"
ACKS = {
    AnswerOutcome.RECORDED: "✓ answer recorded",
    AnswerOutcome.REPLACED: "✓ answer updated (your latest one counts)",
    AnswerOutcome.LATE: "✓ late answer kept (not scored)",
    AnswerOutcome.DUPLICATE: "✓ answer already recorded",
}


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
    for button in message.buttons:
        lines.append(f"<{button.label}>")
    if message.footer:
        lines.append(f"({message.footer})")
    if message.attachment:
        name, content = message.attachment
        lines.append(f"--- {name} ---\n{content.rstrip()}\n--- end of {name} ---")
    return "\n".join(lines)


class ConsoleAdapter:
    name = "console"

    def __init__(self, rounds: RoundService, commands: Commands, clock: OffsetClock, *,
                 user: str | None = None, stdin: TextIO | None = None,
                 stdout: TextIO | None = None) -> None:
        self.rounds, self.commands, self.clock = rounds, commands, clock
        self.user = (user or default_user()).strip() or "you"
        self.stdin = stdin or sys.stdin
        self.out = stdout or sys.stdout
        self.lead = self.user
        self.actor = self._actor(self.user)
        self.thread_id: str | None = None      # the open daily question's thread
        self.practice_attempt: int | None = None

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
        where = f"#{CHANNEL_NAME}" + (" (thread)" if thread_id else "")
        self._print(f"\n--- {where} · quizbot ---\n{render_text(message)}\n")
        if message.kind is MessageKind.QUESTION:
            self.thread_id = message_id
        return Sent(message_id, thread_id or message_id)

    async def acknowledge(self, message: IncomingMessage, outcome: AnswerOutcome) -> None:
        self._print(ACKS.get(outcome, "✓"))

    async def tell(self, workspace: str, user_id: str, message: Message) -> None:
        self._print(f"\n--- direct message to {user_id} ---\n{render_text(message)}\n")

    # -- the session -----------------------------------------------------------------------

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _private(self, message: Message) -> None:
        self._print(f"\n--- only you can see this ---\n{render_text(message)}\n")

    async def run(self) -> None:
        """Read lines until end of input."""
        self.thread_id = await self.rounds.open_thread(CHANNEL)
        interactive = self.stdin.isatty()
        if interactive:
            self._print(f"quizbot console, as {self.user}. Type /help for commands, "
                        "plain text to answer. Ctrl-D quits.")
        while True:
            if interactive:
                self.out.write(f"{self.user}> ")
                self.out.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                return
            if not await self.handle_line(line.rstrip("\n")):
                return

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; False when the person asked to quit."""
        text = line.strip()
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            if name.lower() == "advance":
                await self.advance(args)
            elif name.lower() in ("quit", "exit"):
                return False
            elif name.lower() == "as":
                self.switch(args)
            else:
                ctx = CommandContext(self.actor, CHANNEL, CHANNEL_NAME, self._resolve)
                result = await self.commands.run(ctx, name, args)
                if result.practice is not None:
                    self.practice_attempt = result.practice.attempt_id
                self._private(result.message)
        elif self.practice_attempt is not None:
            attempt, self.practice_attempt = self.practice_attempt, None
            self._private(await self.commands.practice.answer(self.actor, attempt, text))
        elif text:
            await self.answer(text)
        return True

    def switch(self, args: str) -> None:
        name = args.strip()
        if not name or len(name) > 40 or " " in name:
            self._private(reply("Usage: /as NAME", "Switch who is typing (console only)."))
            return
        self.user, self.actor, self.practice_attempt = name, self._actor(name), None
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
        await self.rounds.sweep()
