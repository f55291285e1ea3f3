"""Discord buttons, forms and commands for appeals and flags.

"Appeal my result" and "Flag the answer" sit in their own row under a reveal or practice
result, as persistent components (DynamicItems), so they keep working after a restart. A tap
checks first that the tapper may appeal (their own revealed result, not appealed yet) and
then answers with the form (interaction response type 9); a refusal is a private reply
instead. The form's limits are the core's: 10 to 1,000 characters.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.adapters.base import Message
from bot.domain.appeals import MAX_REASON_CHARS, MIN_REASON_CHARS
from bot.services import appeal_views
from bot.services.appeal_views import Source

if TYPE_CHECKING:
    from bot.adapters.discord import DiscordAdapter

ROW = 1   # under the rating taps (row 0)


class AppealButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=r"quizbot:appeal:(?P<source>daily|practice):(?P<id>[0-9]{1,12})"):
    """"Appeal my result": the tapper's own result in that round or attempt."""

    def __init__(self, source: Source, source_id: int) -> None:
        super().__init__(discord.ui.Button(label="Appeal my result", row=ROW,
                                           style=discord.ButtonStyle.secondary,
                                           custom_id=f"quizbot:appeal:{source}:{source_id}"))
        self.source, self.source_id = source, source_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str],
                             ) -> AppealButton:
        parsed = appeal_views.parse_appeal(f"appeal:{match['source']}:{match['id']}")
        assert parsed is not None   # the template admits only what parses
        return cls(*parsed)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        adapter: DiscordAdapter = interaction.client.adapter
        ctx = adapter.context(interaction)
        on = (self.source, self.source_id)
        problem = await adapter.core.appeals.check_appeal(ctx.actor, ctx.channel, on)
        if problem is not None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await adapter.followup(interaction, problem)
            return
        await interaction.response.send_modal(AppealModal(adapter, self.source, self.source_id))


class FlagButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"quizbot:flag:(?P<question>[a-z0-9-]{1,80})"):
    """"Flag the answer": the question's reference answer is wrong or outdated."""

    def __init__(self, question_id: str) -> None:
        super().__init__(discord.ui.Button(label="Flag the answer", row=ROW,
                                           style=discord.ButtonStyle.secondary,
                                           custom_id=f"quizbot:flag:{question_id}"))
        self.question_id = question_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str],
                             ) -> FlagButton:
        return cls(str(match["question"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        adapter: DiscordAdapter = interaction.client.adapter
        await interaction.response.send_modal(FlagModal(adapter, self.question_id))


def _text(label: str) -> discord.ui.TextInput[Any]:
    return discord.ui.TextInput(label=label, style=discord.TextStyle.paragraph,
                                min_length=MIN_REASON_CHARS, max_length=MAX_REASON_CHARS)


class AppealModal(discord.ui.Modal, title="Appeal your result"):
    reason: discord.ui.TextInput[Any] = _text("Why the grade is wrong")

    def __init__(self, adapter: DiscordAdapter, source: Source, source_id: int) -> None:
        super().__init__(custom_id=f"quizbot:appeal-form:{source}:{source_id}")
        self.adapter, self.on = adapter, (source, source_id)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        ctx = self.adapter.context(interaction)
        result = await self.adapter.core.appeals.appeal(ctx.actor, ctx.channel,
                                                        str(self.reason.value), on=self.on)
        await self.adapter.followup(interaction, result)


class FlagModal(discord.ui.Modal, title="Flag the reference answer"):
    note: discord.ui.TextInput[Any] = _text("What is wrong or outdated")

    def __init__(self, adapter: DiscordAdapter, question_id: str) -> None:
        super().__init__(custom_id=f"quizbot:flag-form:{question_id}")
        self.adapter, self.question_id = adapter, question_id

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        ctx = self.adapter.context(interaction)
        result = await self.adapter.core.appeals.flag(ctx.actor, ctx.channel,
                                                      self.question_id, str(self.note.value))
        await self.adapter.followup(interaction, result)


#: registered with the client so taps on old messages still reach the core
DYNAMIC = (AppealButton, FlagButton)


def add_buttons(view: discord.ui.View, message: Message) -> None:
    """The message's appeal and flag buttons, in their row of ``view``."""
    for b in message.buttons:
        if (on := appeal_views.parse_appeal(b.action)) is not None:
            view.add_item(AppealButton(*on))
        elif (question := appeal_views.parse_flag(b.action)) is not None:
            view.add_item(FlagButton(question))


def build_commands(adapter: DiscordAdapter) -> None:
    """/appeal and /flag on the adapter's tree (the queue is /schedule appeals)."""
    tree = adapter.client.tree

    @tree.command(name="appeal", description="Ask the leads to look at your grade again")
    @app_commands.describe(result="last (default) or a round's date, YYYY-MM-DD",
                           reason="what the grade missed (leave both empty: your appeals)")
    async def appeal(interaction: discord.Interaction[Any], result: str = "",
                     reason: str = "") -> None:
        words = f"{result or 'last'} {reason}" if reason else result
        await adapter.run_command(interaction, "appeal", words.strip())

    @tree.command(name="flag", description="Say a question's reference answer is wrong or "
                                           "outdated")
    @app_commands.describe(question="the question's id (in the reveal's footer) or last",
                           note="what is wrong or outdated")
    async def flag(interaction: discord.Interaction[Any], question: str, note: str) -> None:
        await adapter.run_command(interaction, "flag", f"{question} {note}")
