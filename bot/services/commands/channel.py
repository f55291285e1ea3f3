"""A channel's daily question: its schedule, filters, leads, posting now, and points."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.base import Message, reply
from bot.domain.follow_ups import FollowUpMode
from bot.domain.parsing import (
    WEEKDAYS,
    InputError,
    parse_days,
    parse_duration,
    parse_time_of_day,
    parse_timezone,
)
from bot.domain.questions import Level
from bot.services.commands.context import (
    CommandBase,
    CommandContext,
    CommandResult,
    whole_number,
)
from bot.services.practice import resolve_topic, unknown_topic


class ChannelCommands(CommandBase):
    async def _cmd_schedule(self, ctx: CommandContext, args: str) -> CommandResult:
        sub = await self.subscriptions.get(ctx.channel)
        if sub is None or not sub.active:
            return CommandResult(reply("No daily question here yet",
                                       "A lead of this channel can start one with "
                                       "/subscribe HH:MM."))
        return CommandResult(await self.subscriptions.describe(sub))

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
        return CommandResult(await self.subscriptions.describe(saved))

    async def _cmd_post(self, ctx: CommandContext, args: str) -> CommandResult:
        if args:
            raise InputError(f"'{args.split()[0][:30]}' is unexpected: /post takes nothing.")
        return CommandResult(await self.subscriptions.post_today(ctx.actor, ctx.channel,
                                                                 self.rounds))

    async def _cmd_unsubscribe(self, ctx: CommandContext, args: str) -> CommandResult:
        return CommandResult(await self.subscriptions.unsubscribe(ctx.actor, ctx.channel))

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
        if what not in ("topics", "levels", "blind", "followups") or not value:
            raise InputError("Say what to set: topics, levels, blind or followups (or lead "
                             "PERSON).")
        if what == "followups":
            try:
                mode = FollowUpMode.parse(value)
            except ValueError as exc:
                raise InputError(str(exc)) from None
            saved = await self.subscriptions.configure(ctx.actor, ctx.channel, follow_ups=mode)
        elif what == "blind":
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
        return CommandResult(await self.subscriptions.describe(saved))

    async def _adjust(self, ctx: CommandContext, args: str, *, set_total: bool) -> CommandResult:
        words = args.split()
        if len(words) < 3:
            raise InputError("Give a person, a number of points and a reason.")
        points = whole_number(words[1], "points")
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
