"""Text commands, parsed once for every adapter that takes typed commands.

Adapters with native slash commands (Slack, Discord) call the same entry point with the
command name and its argument text, so the rules and the wording of replies live here.
Each group of commands is a module (play, channel, team, appeals); ``Commands`` runs them.
"""

from __future__ import annotations

import logging

from bot.adapters.base import reply
from bot.domain.parsing import InputError
from bot.services.catalogue import BY_KEY, help_text, spell, usage
from bot.services.commands.appeals import AppealCommands
from bot.services.commands.channel import ChannelCommands
from bot.services.commands.context import CommandContext, CommandResult, Resolver
from bot.services.commands.play import PlayCommands
from bot.services.commands.team import TeamCommands
from bot.storage.db import StorageError

__all__ = ["CommandContext", "CommandResult", "Commands", "Resolver"]

log = logging.getLogger(__name__)

MAX_ARGS_CHARS = 200
#: commands whose effect must happen once per request (votes, points, schedules, teams)
CHANGES_STATE = frozenset({"vote", "subscribe", "unsubscribe", "post", "channel", "team",
                           "award", "correct", "appeal", "flag", "accept", "reject",
                           "close", "followup"})
#: commands whose argument is free text as long as an answer (a follow-up reply)
LONG_ARGS = frozenset({"followup"})


class Commands(PlayCommands, ChannelCommands, TeamCommands, AppealCommands):
    async def run(self, ctx: CommandContext, name: str, args: str = "") -> CommandResult:
        name = name.strip().lstrip("/").lower()
        long_text = name in LONG_ARGS
        args = args.strip() if long_text else " ".join(args.split())
        if len(args) > MAX_ARGS_CHARS and not long_text:
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
