"""Discord's follow-up and mock-interview forms: a persistent button under the question
(in an ephemeral reply or a direct message) opens a modal, whose answer goes to the core.

Buttons are ``DynamicItem``s, so they keep working after a restart; the custom id names
the follow-up (or the interview and its step), and the core checks it is the clicker's
own (by user id: a button in a direct message carries no server).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters.base import Actor, Message
from bot.services import render

if TYPE_CHECKING:
    from bot.adapters.discord import DiscordAdapter

PLATFORM = "discord"


def _actor(adapter: DiscordAdapter, interaction: discord.Interaction[Any]) -> Actor:
    return adapter.actor_of(interaction.user, interaction.guild)


class FollowUpButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                     template=r"quizbot:followup:(?P<id>[0-9]{1,12})"):
    """"Answer the follow-up": opens the follow-up's form."""

    def __init__(self, follow_up_id: int, label: str = "Answer the follow-up") -> None:
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.primary,
                                           custom_id=f"quizbot:followup:{follow_up_id}"))
        self.follow_up_id = follow_up_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str],
                             ) -> FollowUpButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(FollowUpModal(interaction.client.adapter,
                                                            self.follow_up_id))


class InterviewButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                      template=r"quizbot:interview:(?P<id>[0-9]{1,12}):(?P<step>[0-9]{1,2})"):
    """"Answer" under a mock interview's question or follow-up."""

    def __init__(self, interview_id: int, step: int) -> None:
        super().__init__(discord.ui.Button(
            label="Answer", style=discord.ButtonStyle.primary,
            custom_id=f"quizbot:interview:{interview_id}:{step}"))
        self.interview_id, self.step = interview_id, step

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str],
                             ) -> InterviewButton:
        return cls(int(match["id"]), int(match["step"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(InterviewModal(
            interaction.client.adapter, self.interview_id, self.step))


class _ReplyModal(discord.ui.Modal):
    answer: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Your answer", style=discord.TextStyle.paragraph, max_length=4000)


class FollowUpModal(_ReplyModal, title="Follow-up answer"):
    def __init__(self, adapter: DiscordAdapter, follow_up_id: int) -> None:
        super().__init__(custom_id=f"quizbot:followup-answer:{follow_up_id}")
        self.adapter, self.follow_up_id = adapter, follow_up_id

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        replied = await self.adapter.core.commands.follow_ups.reply(
            _actor(self.adapter, interaction), str(self.answer.value),
            follow_up_id=self.follow_up_id, event_id=f"interaction:{interaction.id}")
        await self.adapter.followup(interaction, replied.message)


class InterviewModal(_ReplyModal, title="Mock interview"):
    def __init__(self, adapter: DiscordAdapter, interview_id: int, step: int) -> None:
        super().__init__(custom_id=f"quizbot:interview-answer:{interview_id}:{step}")
        self.adapter, self.interview_id, self.step = adapter, interview_id, step

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        after = await self.adapter.core.commands.interviews.answer(
            _actor(self.adapter, interaction), str(self.answer.value),
            interview_id=self.interview_id, step=self.step)
        await self.adapter.followup(interaction, after, form_view(after))


def add_form_buttons(view: discord.ui.View, message: Message) -> bool:
    """Add the message's follow-up and interview buttons to ``view``; True if any."""
    added = False
    for b in message.buttons:
        if (ids := render.parse_id_action(b.action, render.FOLLOW_UP_ACTION)) is not None:
            view.add_item(FollowUpButton(ids[0], b.label))
            added = True
        elif (ids := render.parse_id_action(b.action, render.INTERVIEW_ACTION, 2)) is not None:
            view.add_item(InterviewButton(*ids))
            added = True
    return added


def form_view(message: Message) -> discord.ui.View | None:
    view = discord.ui.View(timeout=None)
    return view if add_form_buttons(view, message) else None
