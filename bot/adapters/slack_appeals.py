"""Slack forms for appeals and flags: the "Appeal my result" and "Flag the answer" buttons
under a reveal or practice result open a modal (views.open with the tap's trigger_id, which
lives 3 seconds and opens one view); its submission goes to the core.

Before a form opens, the tapper's right to appeal is checked (their own revealed result,
not appealed yet), so nobody writes a reason only to be refused. The form's limits are the
core's: a reason of 10 to 1,000 characters.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from slack_sdk.errors import SlackApiError

from bot.adapters.base import Message, reply
from bot.domain.appeals import MAX_REASON_CHARS, MIN_REASON_CHARS
from bot.domain.subscriptions import ChannelRef
from bot.services import appeal_views

if TYPE_CHECKING:
    from bot.adapters.slack import SlackAdapter

log = logging.getLogger("bot.adapters.slack")

APPEAL_BUTTON, FLAG_BUTTON = "appeal_open", "flag_open"
APPEAL_FORM, FLAG_FORM = "appeal_submit", "flag_submit"
#: the button's action_id for a core action ("appeal:daily:12" -> appeal_open), if any
BUTTONS = {appeal_views.APPEAL_ACTION: APPEAL_BUTTON, appeal_views.FLAG_ACTION: FLAG_BUTTON}


def button_id(action: str) -> str | None:
    return next((bid for prefix, bid in BUTTONS.items() if action.startswith(prefix)), None)


def form(callback_id: str, title: str, intro: str, label: str, submit: str,
         meta: dict[str, str]) -> dict[str, Any]:
    """A modal with one text input (block ``text``, action ``value``)."""
    return {"type": "modal", "callback_id": callback_id, "private_metadata": json.dumps(meta),
            "title": {"type": "plain_text", "text": title},
            "submit": {"type": "plain_text", "text": submit},
            "close": {"type": "plain_text", "text": "Cancel"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": intro}},
                       {"type": "input", "block_id": "text",
                        "label": {"type": "plain_text", "text": label},
                        "element": {"type": "plain_text_input", "action_id": "value",
                                    "multiline": True, "min_length": MIN_REASON_CHARS,
                                    "max_length": MAX_REASON_CHARS}}]}


class AppealForms:
    def __init__(self, adapter: SlackAdapter) -> None:
        self.adapter = adapter
        app = adapter.app
        app.action(APPEAL_BUTTON)(self.on_appeal_button)
        app.action(FLAG_BUTTON)(self.on_flag_button)
        app.view(APPEAL_FORM)(self.on_appeal_submit)
        app.view(FLAG_FORM)(self.on_flag_submit)

    @staticmethod
    def _where(body: dict[str, Any]) -> tuple[str, str, str, str]:
        from bot.adapters.slack import _team_of

        action = (body.get("actions") or [{}])[0]
        user = str((body.get("user") or {}).get("id", ""))
        channel = str((body.get("channel") or {}).get("id", "")) or user
        return _team_of(body), user, channel, str(action.get("value", ""))

    async def _open(self, body: dict[str, Any], view: dict[str, Any], channel: str,
                    user: str) -> None:
        try:
            await self.adapter.client.views_open(trigger_id=str(body.get("trigger_id", "")),
                                                 view=view)
        except SlackApiError as exc:
            from bot.adapters.slack import slack_error

            log.warning("views.open failed: %s", slack_error(exc))
            await self._tell(channel, user, reply("I could not open the form in time",
                                                  "Please tap the button again."))

    async def _tell(self, channel: str, user: str, message: Message) -> None:
        await self.adapter._ephemeral(channel, user, message)

    async def on_appeal_button(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        team, user, channel, value = self._where(body)
        on = appeal_views.parse_appeal(f"{appeal_views.APPEAL_ACTION}{value}")
        if on is None:
            await self._tell(channel, user, reply("That button is out of date",
                                                  "Nothing was changed."))
            return
        me = await self.adapter.actor(team, user)
        problem = await self.adapter.core.appeals.check_appeal(
            me, ChannelRef("slack", team, channel), on)
        if problem is not None:
            await self._tell(channel, user, problem)
            return
        await self._open(body, form(
            APPEAL_FORM, "Appeal your result", "Say what the grade missed. The channel's "
            "leads read it, and you are told what they decide.", "Why the grade is wrong",
            "Send appeal", {"on": value, "channel": channel}), channel, user)

    async def on_flag_button(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        _, user, channel, value = self._where(body)
        question = appeal_views.parse_flag(f"{appeal_views.FLAG_ACTION}{value}")
        if question is None:
            await self._tell(channel, user, reply("That button is out of date",
                                                  "Nothing was changed."))
            return
        await self._open(body, form(
            FLAG_FORM, "Flag the answer", f"Is the reference answer of `{question}` wrong or "
            "outdated? Say what, for the leads and the bank's maintainers.",
            "What is wrong or outdated", "Send flag", {"question": question,
                                                        "channel": channel}), channel, user)

    async def _submitted(self, body: dict[str, Any],
                         view: dict[str, Any]) -> tuple[dict[str, str], str, str, str]:
        from bot.adapters.slack import _team_of

        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        values = (view.get("state") or {}).get("values") or {}
        text = str(((values.get("text") or {}).get("value") or {}).get("value") or "")
        user = str((body.get("user") or {}).get("id", ""))
        meta = {str(k): str(v) for k, v in meta.items()} if isinstance(meta, dict) else {}
        return meta, text, _team_of(body), user

    async def on_appeal_submit(self, ack: Any, body: dict[str, Any],
                               view: dict[str, Any]) -> None:
        await ack()
        meta, text, team, user = await self._submitted(body, view)
        channel = meta.get("channel") or user
        on = appeal_views.parse_appeal(f"{appeal_views.APPEAL_ACTION}{meta.get('on', '')}")
        if on is None:
            await self._tell(channel, user, reply("That form is out of date",
                                                  "Nothing was changed."))
            return
        me = await self.adapter.actor(team, user)
        result = await self.adapter.core.appeals.appeal(me, ChannelRef("slack", team, channel),
                                                        text, on=on)
        await self._tell(channel, user, result)

    async def on_flag_submit(self, ack: Any, body: dict[str, Any],
                             view: dict[str, Any]) -> None:
        await ack()
        meta, text, team, user = await self._submitted(body, view)
        channel = meta.get("channel") or user
        me = await self.adapter.actor(team, user)
        result = await self.adapter.core.appeals.flag(me, ChannelRef("slack", team, channel),
                                                      meta.get("question", ""), text)
        await self._tell(channel, user, result)
