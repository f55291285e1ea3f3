"""Running the real Discord adapter against the fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import discord
import yarl

from bot.adapters.discord import DiscordAdapter
from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from tests.fakes.discord import CHANNEL_ID, FakeDiscord, fake_discord

TOKEN = "OTAw.fake.discord-token-secret"  # base64("900") is the application id


@dataclass
class DiscordEnv:
    fake: FakeDiscord
    core: Core
    adapter: DiscordAdapter
    task: asyncio.Task[None] | None = None

    async def run(self, name: str, text: str = "", *, by: int = 21,
                  option: str = "command", channel_id: int = CHANNEL_ID) -> str:
        """Invoke a slash command with one string option; returns what the person saw."""
        options = [{"name": option, "type": 3, "value": text}] if text else []
        inter = await self.fake.command(name, options, by=by, channel_id=channel_id)
        await self.fake.wait_for(lambda: bool(self.fake.replies_to(inter)))
        return "\n".join(self.fake.text_of(m) for m in self.fake.replies_to(inter))


@asynccontextmanager
async def discord_env(settings: Settings, clock: FixedClock, bank: QuestionBank, *,
                      members_intent: bool = False, message_content: bool = True,
                      prepare: Callable[[FakeDiscord, Core], Awaitable[None]] | None = None,
                      wait_ready: bool = True, **options: Any) -> AsyncIterator[DiscordEnv]:
    """The real adapter on a fresh core, connected to a fake Discord. ``prepare`` runs
    before the adapter starts (to set the fake's rules or the core's state); ``options``
    go to the adapter (sharding)."""
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async with fake_discord() as fake:
        core = await build(settings, clock=clock, bank=bank)
        adapter = DiscordAdapter(core, token=TOKEN, api_base=fake.api, gateway_url=fake.gateway,
                                 members_intent=members_intent,
                                 message_content=message_content, **options)
        if prepare is not None:
            await prepare(fake, core)
        env = DiscordEnv(fake, core, adapter)
        env.task = asyncio.create_task(adapter.run())
        try:
            if wait_ready:
                await asyncio.wait_for(adapter.ready.wait(), 10)
            yield env
        finally:
            await adapter.stop()
            await asyncio.wait_for(asyncio.gather(env.task, return_exceptions=True), 10)
            await core.close()
            discord.http.Route.BASE = base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(str(gateway))


def option(name: str, value: Any, kind: int = 3, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, "value": value, **extra}
