"""Team commands: one word picks the action."""

from __future__ import annotations

from bot.adapters.base import reply
from bot.domain.parsing import (
    InputError,
)
from bot.domain.periods import Period
from bot.services.catalogue import help_text
from bot.services.commands.context import (
    CommandBase,
    CommandContext,
    CommandResult,
    period_word,
    whole_number,
)
from bot.services.teams import describe_team


class TeamCommands(CommandBase):
    async def _cmd_team(self, ctx: CommandContext, args: str) -> CommandResult:
        words = args.split()
        action = words.pop(0).lower() if words else "help"
        if action == "help":
            return CommandResult(reply("Team commands", help_text(ctx.actor.platform, "team"),
                                       "Team names are one word, like ml-platform."))
        if action == "list":
            return CommandResult(await self.teams.list(ctx.actor))
        if action == "digest" and self.digests is not None:   # the lead's own, not a team's
            if len(words) != 1:
                raise InputError("Say on or off: /team digest on|off.")
            return CommandResult(await self.digests.switch(ctx.actor, words[0]))
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
                    quiet = max(1, min(whole_number(word, "quiet days"), 365))
                else:
                    period = period_word(word)
            if action == "report":
                return CommandResult(await self.reports.team_report(a, name, period, quiet))
            return CommandResult(await self.reports.export_csv(a, name, period))
        raise InputError(f"Unknown team command '{action[:20]}'.")
