"""A fake OpenAI-compatible chat-completions server on an ephemeral 127.0.0.1 port."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes import serve


@dataclass
class FakeOpenAI:
    reply: Any = None             # dict -> JSON content; str -> raw content
    status: int = 200
    hang: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        self.headers.append(dict(request.headers))
        if self.hang:
            await self.release.wait()  # until the test ends: the client must time out
        if self.status != 200:
            return web.json_response({"error": {"message": "boom"}}, status=self.status)
        content = self.reply if isinstance(self.reply, str) else json.dumps(self.reply)
        return web.json_response({"choices": [{"message": {"role": "assistant",
                                                           "content": content}}]})


@asynccontextmanager
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", fake.handle)
    async with serve(app) as port:
        fake.base_url = f"http://127.0.0.1:{port}/v1"
        try:
            yield fake
        finally:
            fake.release.set()
