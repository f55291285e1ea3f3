"""Appeals and flags as typed commands: /appeal and /flag for everyone; the queue and the
decisions (/appeals, /accept, /reject, /close) for the channel's leads."""

from __future__ import annotations

from bot.domain.parsing import InputError
from bot.services.commands.context import (
    CommandBase,
    CommandContext,
    CommandResult,
    whole_number,
)


class AppealCommands(CommandBase):
    async def _cmd_appeal(self, ctx: CommandContext, args: str) -> CommandResult:
        if not args:
            return CommandResult(await self.appeals.mine(ctx.actor))
        which, _, reason = args.partition(" ")
        return CommandResult(await self.appeals.appeal(ctx.actor, ctx.channel, reason,
                                                       result=which))

    async def _cmd_flag(self, ctx: CommandContext, args: str) -> CommandResult:
        question, _, note = args.partition(" ")
        if not question:
            raise InputError("Name the question and say what is wrong: /flag QUESTION NOTE.")
        return CommandResult(await self.appeals.flag(ctx.actor, ctx.channel, question, note))

    async def _cmd_appeals(self, ctx: CommandContext, args: str) -> CommandResult:
        if args:
            raise InputError(f"'{args.split()[0][:30]}' is unexpected: /appeals takes nothing.")
        return CommandResult(await self.appeals.queue(ctx.actor, ctx.channel))

    async def _cmd_accept(self, ctx: CommandContext, args: str) -> CommandResult:
        words = args.split()
        if len(words) < 3:
            raise InputError("Give the appeal, the points to add and a note: "
                             "/accept A-ID POINTS NOTE.")
        points = whole_number(words[1], "points")
        return CommandResult(await self.appeals.accept(ctx.actor, ctx.channel, words[0], points,
                                                       " ".join(words[2:])))

    async def _cmd_reject(self, ctx: CommandContext, args: str) -> CommandResult:
        ref, _, note = args.partition(" ")
        if not note.strip():
            raise InputError("Give the appeal and a note saying why: /reject A-ID NOTE.")
        return CommandResult(await self.appeals.reject(ctx.actor, ctx.channel, ref, note))

    async def _cmd_close(self, ctx: CommandContext, args: str) -> CommandResult:
        ref, _, note = args.partition(" ")
        if not note.strip():
            raise InputError("Give the flag and a note: /close F-ID NOTE.")
        return CommandResult(await self.appeals.close(ctx.actor, ctx.channel, ref, note))
