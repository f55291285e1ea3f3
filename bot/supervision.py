"""Keeping each platform adapter running on its own: one failing never stops the others.

An adapter that raises is built afresh and started again after a pause that doubles up to a
minute; one that raises ConfigError (a revoked token, an intent the developer portal does
not grant) is not restarted, since trying again cannot help, and its reason is logged once.
Stopping (SIGTERM, SIGINT) asks every adapter to stop and waits a bounded time for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Protocol

from bot.adapters.base import ConfigError

log = logging.getLogger(__name__)

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 60.0
STOP_GRACE = 4.0     # seconds an adapter gets to stop before it is cancelled


class Adapter(Protocol):
    name: str

    async def run(self) -> None: ...

    async def stop(self) -> None: ...


async def supervise(name: str, build: Callable[[], Adapter], stop: asyncio.Event, *,
                    first_pause: float = FIRST_PAUSE) -> str | None:
    """Run the adapter ``build`` makes until ``stop`` is set; restart it after a failure.
    Returns the ConfigError message that ended it, or None when it was asked to stop."""
    pause = first_pause
    while not stop.is_set():
        adapter = build()
        running = asyncio.ensure_future(adapter.run())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait([running, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not running.done():
            await _stop(adapter, running)
            return None
        error = running.exception()
        if isinstance(error, ConfigError):
            log.error("the %s adapter stopped: %s", name, error)
            return str(error)
        if error is None:
            log.warning("the %s adapter ended by itself; starting it again in %.0fs", name,
                        pause)
        else:
            log.error("the %s adapter failed (%s: %s); starting it again in %.0fs", name,
                      type(error).__name__, error, pause)
        with contextlib.suppress(Exception):
            await adapter.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), pause)
        pause = min(pause * 2, LONGEST_PAUSE)
    return None


async def _stop(adapter: Adapter, running: asyncio.Future[None]) -> None:
    try:
        await asyncio.wait_for(adapter.stop(), STOP_GRACE)
        await asyncio.wait_for(asyncio.shield(running), STOP_GRACE)
    except (TimeoutError, Exception) as exc:  # a stuck or failing stop must not hang exit
        log.warning("the %s adapter did not stop cleanly (%s); cancelling it", adapter.name,
                    type(exc).__name__)
        running.cancel()
        with contextlib.suppress(BaseException):
            await running
