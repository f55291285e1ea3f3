"""A fake OpenAI-compatible chat-completions server on an ephemeral 127.0.0.1 port.

Like the real endpoints it can refuse ``json_schema`` output (``schema_supported=False``
answers 400 naming ``response_format``, as older vLLM/Ollama builds do), reports token
usage, and can play a gullible model (``gullible=True``: an answer that tells it to give
full marks gets every point, quoting the answer's own words)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes import serve

FENCE = re.compile(r"={12}\n(.*)\n={12}", re.DOTALL)
OBEYED = re.compile(r"(?i)ignore|full marks|full score|grader|judge|rubric|100|perfect")


def candidate_answer(request: dict[str, Any]) -> str:
    """The answer as the judge sent it, between its fences."""
    m = FENCE.search(request["messages"][1]["content"])
    return m.group(1) if m else ""


@dataclass
class FakeOpenAI:
    reply: Any = None             # dict -> JSON content; str -> raw content; callable(req)
    status: int = 200
    hang: bool = False
    schema_supported: bool = True
    gullible: bool = False
    usage: dict[str, int] = field(default_factory=lambda: {"prompt_tokens": 500,
                                                           "completion_tokens": 60})
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def _gullible_reply(self, request: dict[str, Any]) -> dict[str, Any] | None:
        answer = candidate_answer(request).replace("[removed: text addressed to the grader]", "")
        sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", answer) if s.strip()]
        obeyed = [s for s in sentences if OBEYED.search(s)]
        if not obeyed:
            return None
        n = request["messages"][1]["content"].split("Key points:\n")[1] \
            .split("\n\n")[0].count("\n") + 1
        quotes = sentences or obeyed
        return {"points": [{"index": i, "covered": True, "quote": quotes[i % len(quotes)]}
                           for i in range(n)], "misconceptions": [], "feedback": "Full marks."}

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if self.hang:
            await self.release.wait()  # until the test ends: the client must time out
        if self.status != 200:
            return web.json_response({"error": {"message": "boom"}}, status=self.status)
        if body.get("response_format", {}).get("type") == "json_schema" \
                and not self.schema_supported:
            return web.json_response({"error": {"message": "response_format type "
                                                "json_schema is not supported"}}, status=400)
        reply = self.reply(body) if callable(self.reply) else self.reply
        if self.gullible:
            reply = self._gullible_reply(body) or reply
        content = reply if isinstance(reply, str) else json.dumps(reply)
        return web.json_response({"choices": [{"message": {"role": "assistant",
                                                           "content": content}}],
                                  "usage": self.usage})


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
