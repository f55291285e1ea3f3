"""Commands everyone runs: help, topics, practice, boards, stats, results, votes."""

from __future__ import annotations

from datetime import date

from bot.adapters.base import Message, Section, reply
from bot.domain.parsing import (
    InputError,
)
from bot.domain.periods import Period
from bot.domain.questions import Level
from bot.services.catalogue import help_text
from bot.services.commands.context import (
    CommandBase,
    CommandContext,
    CommandResult,
    names_period,
)
from bot.services.leaderboard import BoardQuery, Scope
from bot.services.practice import PracticeQuestion

HELP_SECTIONS = (("play", "Everyone"), ("channel", "This channel's daily question"),
                 ("team", "Teams"), ("console", "Console only"))


class PlayCommands(CommandBase):
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
        order = [lv.value for lv in Level]  # entry level first, as the guides are
        sections = tuple(Section(level.capitalize(), "\n".join(sorted(by_level[level])))
                         for level in order if level in by_level)
        return CommandResult(Message(f"{len(self.bank)} questions in {len(self.bank.topics)} "
                                     "topics", sections, "Practise one with /quiz <topic>."))

    async def _cmd_quiz(self, ctx: CommandContext, args: str) -> CommandResult:
        word, _, rest = args.partition(" ")
        if word.lower() == "interview":
            return CommandResult(await self.interviews.start(ctx.actor, rest))
        started = await self.practice.start(ctx.actor, args)
        if isinstance(started, PracticeQuestion):
            return CommandResult(started.message, started)
        return CommandResult(started)

    async def _cmd_followup(self, ctx: CommandContext, args: str) -> CommandResult:
        """The typed reply to the latest open follow-up (the forms reply to one by id)."""
        replied = await self.follow_ups.reply(ctx.actor, args)
        return CommandResult(replied.message)

    async def _cmd_leaderboard(self, ctx: CommandContext, args: str) -> CommandResult:
        period, scope, team = Period.WEEK, Scope.CHANNEL, None
        seen_period = seen_scope = False
        words = args.split()
        while words:
            original = words.pop(0)
            word = original.lower()
            is_scope = word in ("channel", "workspace", "practice", "team")
            is_period = not is_scope and names_period(word)
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

    async def _cmd_vote(self, ctx: CommandContext, args: str) -> CommandResult:
        if not args:
            raise InputError("Say whose answer: /vote NAME.")
        author = await self._person(ctx, args.split()[0])
        return CommandResult(await self.rounds.vote(ctx.actor, ctx.channel, author))
