"""Text commands, parsed once for every adapter that takes typed commands.

Adapters with native slash commands (Slack, Discord) call the same entry point with the
command name and its argument text, so the rules and the wording of replies live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.adapters.base import Actor, Message, Section, reply
from bot.bank import QuestionBank
from bot.clock import Clock
from bot.domain.parsing import (
    WEEKDAYS,
    InputError,
    parse_days,
    parse_duration,
    parse_time_of_day,
    parse_timezone,
)
from bot.domain.periods import Period
from bot.domain.subscriptions import ChannelRef
from bot.services.leaderboard import LeaderboardService
from bot.services.practice import PracticeQuestion, PracticeService
from bot.services.subscriptions import SubscriptionService, describe

HELP = {
    "help": "/help: this list",
    "quiz": "/quiz [topic]: a practice question just for you, answered right away",
    "topics": "/topics: the topics of the question bank",
    "leaderboard": "/leaderboard [week|month|all]: this channel's standings",
    "subscribe": "/subscribe HH:MM [Area/City] [window like 8h] [days like mon-fri]: "
                 "post a daily question here (leads)",
    "unsubscribe": "/unsubscribe: stop the daily question here (leads)",
    "schedule": "/schedule: when this channel's daily question is posted",
}
MAX_ARGS_CHARS = 200


@dataclass(frozen=True, slots=True)
class CommandResult:
    message: Message
    practice: PracticeQuestion | None = None


@dataclass(frozen=True, slots=True)
class CommandContext:
    actor: Actor
    channel: ChannelRef
    channel_name: str = ""


class Commands:
    def __init__(self, bank: QuestionBank, clock: Clock, practice: PracticeService,
                 leaderboard: LeaderboardService, subscriptions: SubscriptionService, *,
                 default_timezone: str = "UTC", default_window: timedelta = timedelta(hours=8),
                 extra_help: tuple[str, ...] = ()) -> None:
        self.bank, self.clock = bank, clock
        self.practice, self.leaderboard, self.subscriptions = practice, leaderboard, subscriptions
        self.default_timezone, self.default_window = default_timezone, default_window
        self.extra_help = extra_help

    async def run(self, ctx: CommandContext, name: str, args: str = "") -> CommandResult:
        name = name.strip().lstrip("/").lower()
        args = " ".join(args.split())
        if len(args) > MAX_ARGS_CHARS:
            return CommandResult(reply("That command is too long",
                                       f"Keep arguments under {MAX_ARGS_CHARS} characters."))
        handler = getattr(self, f"_cmd_{name}", None)
        if handler is None:
            return CommandResult(reply(f"Unknown command /{name[:30]}", self.help_text()))
        try:
            result: CommandResult = await handler(ctx, args)
        except InputError as exc:
            usage = HELP.get(name, "")
            return CommandResult(reply("I could not read that", f"{exc}\nUsage: {usage}"))
        return result

    def help_text(self) -> str:
        return "\n".join([*HELP.values(), *self.extra_help])

    async def _cmd_help(self, ctx: CommandContext, args: str) -> CommandResult:
        return CommandResult(reply("quizbot commands", self.help_text(),
                                   "Reply in a daily question's thread to answer it."))

    async def _cmd_topics(self, ctx: CommandContext, args: str) -> CommandResult:
        by_level: dict[str, list[str]] = {}
        for t in self.bank.topics.values():
            by_level.setdefault(t.level.value, []).append(
                f"{t.id} ({len(t.question_ids)}): {t.title}")
        sections = tuple(Section(level.capitalize(), "\n".join(sorted(items)))
                         for level, items in by_level.items())
        return CommandResult(Message(f"{len(self.bank)} questions in {len(self.bank.topics)} "
                                     "topics", sections, "Practise one with /quiz <topic>."))

    async def _cmd_quiz(self, ctx: CommandContext, args: str) -> CommandResult:
        started = await self.practice.start(ctx.actor, args)
        if isinstance(started, PracticeQuestion):
            return CommandResult(started.message, started)
        return CommandResult(started)

    async def _cmd_leaderboard(self, ctx: CommandContext, args: str) -> CommandResult:
        try:
            period = Period.parse(args) if args else Period.WEEK
        except ValueError:
            raise InputError(f"'{args}' is not a period; use week, month or all.") from None
        return CommandResult(await self.leaderboard.channel(ctx.channel, period, ctx.actor))

    async def _cmd_schedule(self, ctx: CommandContext, args: str) -> CommandResult:
        sub = await self.subscriptions.get(ctx.channel)
        if sub is None or not sub.active:
            return CommandResult(reply("No daily question here yet",
                                       "A lead can start one with " + HELP["subscribe"]))
        return CommandResult(describe(sub, self.clock.now()))

    async def _cmd_subscribe(self, ctx: CommandContext, args: str) -> CommandResult:
        words = args.split()
        if not words:
            raise InputError("Say when to post, like /subscribe 09:00 Europe/Paris 8h.")
        post_time = parse_time_of_day(words[0])
        tz, window = self.default_timezone, self.default_window
        days: tuple[str, ...] = WEEKDAYS
        existing = await self.subscriptions.get(ctx.channel)
        if existing:
            tz, window, days = existing.timezone, existing.window, existing.days
        for word in words[1:]:
            if "/" in word or word.upper() == "UTC":
                tz = parse_timezone(word)
            elif word[0].isdigit():
                window = parse_duration(word, minimum=timedelta(minutes=5),
                                        maximum=timedelta(hours=23))
            else:
                days = parse_days(word)
        saved = await self.subscriptions.subscribe(ctx.actor, ctx.channel, ctx.channel_name,
                                                   post_time=post_time, timezone=tz,
                                                   window=window, days=days)
        if isinstance(saved, Message):
            return CommandResult(saved)
        return CommandResult(describe(saved, self.clock.now()))

    async def _cmd_unsubscribe(self, ctx: CommandContext, args: str) -> CommandResult:
        return CommandResult(await self.subscriptions.unsubscribe(ctx.actor, ctx.channel))
