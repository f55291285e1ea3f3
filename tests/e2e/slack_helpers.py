"""Driving the real Slack adapter over HTTP: signed events, commands and interactions."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack import SlackAdapter
from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from tests.fakes.slack import TEAM, FakeSlack, fake_slack

SECRET = "test-signing-secret"
_ids = itertools.count(1)


@dataclass
class SlackEnv:
    fake: FakeSlack
    core: Core
    adapter: SlackAdapter
    url: str

    async def post(self, body: str, content_type: str, *, secret: str = SECRET,
                   retry: int | None = None, age: int = 0) -> int:
        ts = str(int(time.time()) - age)
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": SignatureVerifier(secret).generate_signature(
                       timestamp=ts, body=body)}
        if retry is not None:
            headers["X-Slack-Retry-Num"] = str(retry)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        async with aiohttp.ClientSession() as session, session.post(
                self.url, data=body.encode(), headers=headers) as resp:
            return resp.status

    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    **kw: Any) -> int:
        body = json.dumps({"token": "legacy", "team_id": TEAM, "api_app_id": "A1",
                           "type": "event_callback", "event": event,
                           "event_id": event_id or f"Ev{next(_ids)}",
                           "event_time": int(time.time())})
        return await self.post(body, "application/json", **kw)

    async def command(self, command: str, text: str = "", *, user: str = "U1",
                      channel: str = "C1", **kw: Any) -> int:
        return await self.post(self.command_body(command, text, user=user, channel=channel),
                               "application/x-www-form-urlencoded", **kw)

    def command_body(self, command: str, text: str = "", *, user: str = "U1",
                     channel: str = "C1") -> str:
        """A slash command's form body, as Slack sends it (with a fresh trigger_id)."""
        n = next(_ids)
        return urlencode({"token": "legacy", "team_id": TEAM, "team_domain": "test",
                          "channel_id": channel, "channel_name": "general", "user_id": user,
                          "user_name": user.lower(), "command": command, "text": text,
                          "api_app_id": "A1", "response_url": f"{self.fake.base_url}/response/{n}",
                          "trigger_id": self.fake.issue_trigger(f"trig-{n}")})

    async def interaction(self, payload: dict[str, Any], **kw: Any) -> int:
        payload = {"team": {"id": TEAM, "domain": "test"}, "api_app_id": "A1",
                   "token": "legacy", **payload}
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    async def reply(self, thread_ts: str, text: str, *, user: str = "U1",
                    ts: str | None = None, **kw: Any) -> int:
        ts = ts or f"1800000000.{next(_ids):06d}"
        return await self.event({"type": "message", "channel": "C1", "user": user,
                                 "text": text, "ts": ts, "thread_ts": thread_ts,
                                 "channel_type": "channel"}, **kw)

    async def last_response(self, count: int) -> dict[str, Any]:
        await self.fake.wait_for(lambda: len(self.fake.responses) >= count)
        return self.fake.responses[count - 1]


@asynccontextmanager
async def slack_env(settings: Settings, clock: FixedClock, bank: QuestionBank, *,
                    socket_mode: bool = False) -> AsyncIterator[SlackEnv]:
    async with fake_slack() as fake:
        fake.add_user("UADMIN", "lead", admin=True)
        fake.add_user("U1", "alice")
        fake.add_user("U2", "bob")
        fake.add_user("U3", "carol")
        core = await build(settings, clock=clock, bank=bank)
        adapter = SlackAdapter(core, bot_token="xoxb-test-token",
                               app_token="xapp-test-token" if socket_mode else None,
                               signing_secret=SECRET, api_base=f"{fake.base_url}/api/",
                               host="127.0.0.1", port=0, timeout=1)
        task = asyncio.create_task(adapter.run())
        try:
            if socket_mode:
                await asyncio.wait_for(fake.socket_connected.wait(), 5)
            else:
                await fake.wait_for(lambda: adapter.bound_port is not None)
            url = f"http://127.0.0.1:{adapter.bound_port}/slack/events"
            yield SlackEnv(fake, core, adapter, url)
        finally:
            await adapter.stop()
            await asyncio.wait_for(task, 5)
            await core.close()
