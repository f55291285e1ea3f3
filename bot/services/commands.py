"""Text commands, parsed once for every adapter that takes typed commands.

Adapters with native slash commands (Slack, Discord) call the same entry point with the
command name and its argument text, so the rules and the wording of replies live here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta

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
from bot.domain.questions import Level
from bot.domain.subscriptions import ChannelRef
from bot.services.catalogue import BY_KEY, help_text, spell, usage
from bot.services.leaderboard import BoardQuery, LeaderboardService, Scope
from bot.services.practice import PracticeQuestion, PracticeService, resolve_topic, unknown_topic
from bot.services.reports import ReportService
from bot.services.requests import RequestLedger
from bot.services.rounds import RoundService
from bot.services.subscriptions import SubscriptionService, describe
from bot.services.teams import TeamService, describe_team
from bot.storage.db import StorageError

log = logging.getLogger(__name__)


def _period(word: str) -> Period:
    try:
        return Period.parse(word)
    except ValueError:
        raise InputError(f"'{word[:30]}' is not a period; use week, month or all.") from None


def _is_period(word: str) -> bool:
    try:
        Period.parse(word)
    except ValueError:
        return False
    return True


def _whole_number(word: str, what: str) -> int:
    """A signed whole number in ASCII digits (``int`` also takes other scripts' digits and
    ``str.isdigit`` takes superscripts ``int`` refuses; neither belongs in a command)."""
    digits = word.removeprefix("-").removeprefix("+") if word[:1] in "+-" else word
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 9:
        raise InputError(f"'{word[:30]}' is not a whole number of {what}.")
    return int(word)

MAX_ARGS_CHARS = 200
#: commands whose effect must happen once per request (votes, points, schedules, teams)
CHANGES_STATE = frozenset({"vote", "subscribe", "unsubscribe", "post", "channel", "team",
                           "award", "correct"})
HELP_SECTIONS = (("play", "Everyone"), ("channel", "This channel's daily question"),
                 ("team", "Teams"), ("console", "Console only"))


@dataclass(frozen=True, slots=True)
class CommandResult:
    message: Message
    practice: PracticeQuestion | None = None


Resolver = Callable[[str], Awaitable[Actor | None]]


@dataclass(frozen=True, slots=True)
class CommandContext:
    actor: Actor
    channel: ChannelRef
    channel_name: str = ""
    #: the adapter's way to turn a word of a command into a person (mention syntax, a name);
    #: None falls back to known display names in the workspace
    resolve: Resolver | None = None
    #: the platform's id of this request (Slack trigger_id): a repeat of it changes nothing
    request_id: str | None = None


class Commands:
    def __init__(self, bank: QuestionBank, clock: Clock, practice: PracticeService,
                 leaderboard: LeaderboardService, subscriptions: SubscriptionService,
                 rounds: RoundService, teams: TeamService, reports: ReportService, *,
                 default_timezone: str = "UTC", default_window: timedelta = timedelta(hours=8),
                 requests: RequestLedger | None = None) -> None:
        self.bank, self.clock = bank, clock
        self.practice, self.leaderboard, self.subscriptions = practice, leaderboard, subscriptions
        self.rounds, self.teams, self.reports = rounds, teams, reports
        self.default_timezone, self.default_window = default_timezone, default_window
        self.requests = requests

    async def run(self, ctx: CommandContext, name: str, args: str = "") -> CommandResult:
        name = name.strip().lstrip("/").lower()
        args = " ".join(args.split())
        if len(args) > MAX_ARGS_CHARS:
            return CommandResult(reply("That command is too long",
                                       f"Keep arguments under {MAX_ARGS_CHARS} characters."))
        handler = getattr(self, f"_cmd_{name}", None)
        if handler is None:
            return CommandResult(reply(f"Unknown command /{name[:30]}",
                                       f"{spell('help', ctx.actor.platform)} lists them all."))
        ledger = self.requests if ctx.request_id and name in CHANGES_STATE else None
        platform, request = ctx.actor.platform, ctx.request_id or ""
        try:
            if ledger is not None and not await ledger.begin(platform, request):
                return CommandResult(reply("That request already ran",
                                           "The platform sent it again; nothing changed."))
            result: CommandResult = await handler(ctx, args)
            if ledger is not None:
                # A refusal changed nothing: remembering it would change the database.
                await ledger.end(platform, request, done=not result.message.refused)
        except InputError as exc:
            if ledger is not None:
                await ledger.end(platform, request, done=False)
            return CommandResult(reply("I could not read that", f"{exc}\nUsage: "
                                       f"{self.usage(ctx.actor.platform, name, args)}"))
        except StorageError as exc:
            log.error("/%s failed in storage: %s", name, exc)
            if ledger is not None:
                await ledger.end(platform, request, done=False)
            return CommandResult(reply("Something went wrong on my side",
                                       "Nothing was changed. Please try again in a minute."))
        except Exception:
            # A bug, not bad input: the person still gets an answer, the log the traceback.
            log.exception("/%s failed", name)
            if ledger is not None:
                await ledger.end(platform, request, done=False)
            return CommandResult(reply("Something went wrong on my side",
                                       "It is logged for the bot's operator. Please try "
                                       "again later."))
        return result

    @staticmethod
    def usage(platform: str, name: str, args: str) -> str:
        """The usage line of the command (or /team or /channel action) that was run."""
        action = args.split(" ", 1)[0].lower()
        key = f"{name} {action}" if f"{name} {action}" in BY_KEY else name
        if key in BY_KEY:
            return usage(key, platform)
        return help_text(platform, "team" if name == "team" else "channel")

    async def _cmd_help(self, ctx: CommandContext, args: str) -> CommandResult:
        platform = ctx.actor.platform
        sections = tuple(Section(title, text) for group, title in HELP_SECTIONS
                         if (text := help_text(platform, group)))
        footer = ("Type plain text to answer the open daily question."
                  if platform == "console" else
                  "Reply in a daily question's thread to answer it.")
        return CommandResult(Message("quizbot commands", sections, footer))

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
        period, scope, team = Period.WEEK, Scope.CHANNEL, None
        seen_period = seen_scope = False
        words = args.split()
        while words:
            original = words.pop(0)
            word = original.lower()
            is_scope = word in ("channel", "workspace", "practice", "team")
            is_period = not is_scope and _is_period(word)
            if (is_scope and seen_scope) or (is_period and seen_period):
                raise InputError(f"'{original[:30]}' is unexpected: give one period and one "
                                 "board at most.")
            if not (is_scope or is_period):
                raise InputError(f"'{original[:30]}' is not a period (week, month, all) or a "
                                 "board (channel, workspace, practice, team NAME).")
            if is_period:
                period, seen_period = Period.parse(word), True
                continue
            seen_scope = True
            if word == "team":
                if not words:
                    raise InputError("Name the team: /leaderboard team NAME.")
                name = words.pop(0)
                team = await self.teams.find(ctx.actor, name)
                if team is None:
                    return CommandResult(reply(f"No team called {name[:40]}", "See /team list."))
                scope = Scope.TEAM
            else:
                scope = Scope(word)
        query = BoardQuery(scope, period, team)
        return CommandResult(await self.leaderboard.show(query, ctx.channel, ctx.actor))

    async def _cmd_stats(self, ctx: CommandContext, args: str) -> CommandResult:
        return CommandResult(await self.reports.stats(ctx.actor))

    async def _cmd_results(self, ctx: CommandContext, args: str) -> CommandResult:
        day = None
        if args:
            try:
                day = date.fromisoformat(args.strip())
            except ValueError:
                raise InputError(f"'{args}' is not a date; use YYYY-MM-DD.") from None
        return CommandResult(await self.rounds.results(ctx.channel, day))

    async def _person(self, ctx: CommandContext, token: str) -> Actor:
        found = await ctx.resolve(token) if ctx.resolve else None
        found = found or await self.teams.find_person(ctx.actor, token)
        if found is None:
            raise InputError(f"I don't know anyone called '{token[:40]}' here yet.")
        return found

    async def _cmd_vote(self, ctx: CommandContext, args: str) -> CommandResult:
        if not args:
            raise InputError("Say whose answer: /vote NAME.")
        author = await self._person(ctx, args.split()[0])
        return CommandResult(await self.rounds.vote(ctx.actor, ctx.channel, author))

    async def _adjust(self, ctx: CommandContext, args: str, *, set_total: bool) -> CommandResult:
        words = args.split()
        if len(words) < 3:
            raise InputError("Give a person, a number of points and a reason.")
        points = _whole_number(words[1], "points")
        person = await self._person(ctx, words[0])
        if refused := await self.teams.rights.points_of(ctx.actor, person):
            return CommandResult(refused)
        message = await self.rounds.adjust(ctx.actor, ctx.channel, person, points,
                                           " ".join(words[2:]), set_total=set_total)
        return CommandResult(message)

    async def _cmd_award(self, ctx: CommandContext, args: str) -> CommandResult:
        return await self._adjust(ctx, args, set_total=False)

    async def _cmd_correct(self, ctx: CommandContext, args: str) -> CommandResult:
        return await self._adjust(ctx, args, set_total=True)

    async def _cmd_channel(self, ctx: CommandContext, args: str) -> CommandResult:
        what, _, value = args.partition(" ")
        value = value.strip()
        what = what.lower()
        if what in ("lead", "unlead"):
            if len(value.split()) != 1:
                raise InputError(f"Name one person: /channel {what} PERSON.")
            person = await self._person(ctx, value)
            return CommandResult(await self.subscriptions.give(ctx.actor, ctx.channel, person,
                                                               to=what == "lead"))
        if what not in ("topics", "levels", "blind") or not value:
            raise InputError("Say what to set: topics, levels or blind (or lead PERSON).")
        if what == "blind":
            if value.lower() not in ("on", "off"):
                raise InputError("Blind mode is on or off.")
            saved = await self.subscriptions.configure(ctx.actor, ctx.channel,
                                                       blind=value.lower() == "on")
        else:
            items = () if value.lower() == "all" else tuple(
                v.strip().lower() for v in value.split(",") if v.strip())
            known = set(self.bank.topics) if what == "topics" else {lv.value for lv in Level}
            unknown = [v for v in items if v not in known]
            if unknown:
                hint = ""
                if what == "topics":
                    hint = " " + unknown_topic(unknown[0], resolve_topic(self.bank, unknown[0])[1]
                                               ).text().split("\n\n", 1)[-1]
                raise InputError(f"Unknown {what}: {', '.join(unknown)}.{hint}")
            if items and not self.bank.filtered(
                    items if what == "topics" else (), items if what == "levels" else ()):
                raise InputError(f"No question matches those {what}.")
            if what == "topics":
                saved = await self.subscriptions.configure(ctx.actor, ctx.channel, topics=items)
            else:
                saved = await self.subscriptions.configure(ctx.actor, ctx.channel, levels=items)
        if isinstance(saved, Message):
            return CommandResult(saved)
        return CommandResult(describe(saved, self.clock.now()))

    async def _cmd_team(self, ctx: CommandContext, args: str) -> CommandResult:
        words = args.split()
        action = words.pop(0).lower() if words else "help"
        if action == "help":
            return CommandResult(reply("Team commands", help_text(ctx.actor.platform, "team"),
                                       "Team names are one word, like ml-platform."))
        if action == "list":
            return CommandResult(await self.teams.list(ctx.actor))
        if not words:
            raise InputError(f"Name the team: /team {action} NAME.")
        name, rest = words[0], words[1:]
        if rest and action in ("show", "create", "delete", "unfollow"):
            raise InputError("Team names are one word, like ml-platform; "
                             f"'{' '.join(words)[:60]}' has more.")
        t, a = self.teams, ctx.actor
        if action == "show":
            row = await t.find(a, name)
            if row is None:
                return CommandResult(reply(f"No team called {name[:40]}", "See /team list."))
            return CommandResult(describe_team(await t.load(row)))
        if action == "create":
            return CommandResult(await t.create(a, name))
        if action == "rename":
            if not rest:
                raise InputError("Give the new name: /team rename NAME NEW.")
            return CommandResult(await t.rename(a, name, rest[0]))
        if action == "delete":
            return CommandResult(await t.delete(a, name))
        if action in ("add", "remove"):
            people = [await self._person(ctx, w) for w in rest]
            return CommandResult(await t.change_members(a, name, people, add=action == "add"))
        if action in ("lead", "unlead"):
            if len(rest) != 1:
                raise InputError(f"Name one person: /team {action} NAME PERSON.")
            person = await self._person(ctx, rest[0])
            if action == "lead":
                return CommandResult(await t.appoint(a, name, person))
            return CommandResult(await t.unappoint(a, name, person))
        if action == "follow":
            if len(rest) != 1:
                raise InputError("Name the group: /team follow NAME GROUP.")
            return CommandResult(await t.follow(a, name, rest[0]))
        if action == "unfollow":
            return CommandResult(await t.follow(a, name, None))
        if action in ("report", "export"):
            period, quiet = Period.WEEK, 7
            for word in rest:
                if word[:1] in "0123456789":
                    quiet = max(1, min(_whole_number(word, "quiet days"), 365))
                else:
                    period = _period(word)
            if action == "report":
                return CommandResult(await self.reports.team_report(a, name, period, quiet))
            return CommandResult(await self.reports.export_csv(a, name, period))
        raise InputError(f"Unknown team command '{action[:20]}'.")

    async def _cmd_schedule(self, ctx: CommandContext, args: str) -> CommandResult:
        sub = await self.subscriptions.get(ctx.channel)
        if sub is None or not sub.active:
            return CommandResult(reply("No daily question here yet",
                                       "A lead of this channel can start one with "
                                       "/subscribe HH:MM."))
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

    async def _cmd_post(self, ctx: CommandContext, args: str) -> CommandResult:
        if args:
            raise InputError(f"'{args.split()[0][:30]}' is unexpected: /post takes nothing.")
        return CommandResult(await self.subscriptions.post_today(ctx.actor, ctx.channel,
                                                                 self.rounds))

    async def _cmd_unsubscribe(self, ctx: CommandContext, args: str) -> CommandResult:
        return CommandResult(await self.subscriptions.unsubscribe(ctx.actor, ctx.channel))
