"""Fake platforms for the tests; every one listens only on an ephemeral 127.0.0.1 port."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp import web


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[int]:
    """Serve ``app`` on 127.0.0.1 at a free port; yields the port, stops on exit."""
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None and server.sockets  # type: ignore[attr-defined]
    try:
        yield int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]
    finally:
        await runner.cleanup()


async def wait_until(changed: asyncio.Event, condition: Callable[[], bool], seconds: float,
                     who: str) -> None:
    """Wait for the bot's asynchronous work to reach a fake (real I/O, not a deadline): woken
    by every call the fake records, and every 20 ms for state outside the fake."""
    try:
        async with asyncio.timeout(seconds):
            while not condition():
                changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), 0.02)
    except TimeoutError:
        raise AssertionError(f"the fake {who} did not see the expected calls") from None
