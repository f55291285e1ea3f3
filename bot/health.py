"""The health and metrics endpoint: /healthz and /metrics, served by aiohttp in the bot's
own process when QUIZBOT_METRICS_PORT is set (off by default; imported only then).

/healthz answers 200 while the bot can do its job: the database takes a write and the
sweeper (the safety net that posts, reveals and retries) ran recently. An adapter that is
reconnecting does not fail it: the supervisor restarts adapters; restarting the whole
container for a platform outage would not help. Its state is reported all the same.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST

from bot.adapters.base import ConfigError, Platforms
from bot.clock import Clock
from bot.observability import Metrics
from bot.storage.db import Database

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

#: the sweeper counts as stalled after missing this many of its runs
STALE_SWEEPS = 3


class Health:
    """What /healthz reports, the metrics /metrics serves, and the server for both."""

    def __init__(self, db: Database, platforms: Platforms, clock: Clock, *,
                 sweep_seconds: float, metrics: Metrics | None = None) -> None:
        self.db, self.platforms, self.clock = db, platforms, clock
        self.metrics = metrics or Metrics()
        self.started_at = clock.now()
        #: a sweep older than this (or none this long after start-up) is a stalled sweeper
        self.stale_after = timedelta(seconds=STALE_SWEEPS * sweep_seconds)
        self.last_sweep_at: datetime | None = None
        self.metrics.reveals_since(self.started_at)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def sweep_finished(self, seconds: float, ok: bool) -> None:
        """The scheduler's report of each sweep."""
        self.metrics.sweep_finished(seconds, ok)
        if ok:
            self.last_sweep_at = self.clock.now()

    def last_sweep_age(self) -> float | None:
        if self.last_sweep_at is None:
            return None
        return (self.clock.now() - self.last_sweep_at).total_seconds()

    async def status(self) -> tuple[bool, dict[str, object]]:
        """(healthy, the /healthz body)."""
        try:
            problem = await self.db.check_writable()
        except Exception as exc:   # a closed connection, say: unhealthy, never a 500
            problem = f"{type(exc).__name__}: {exc}"
        age = self.last_sweep_age()
        if age is None:   # none yet: fine within start-up grace
            sweeping = self.clock.now() - self.started_at <= self.stale_after
        else:
            sweeping = age <= self.stale_after.total_seconds()
        ok = problem is None and sweeping
        return ok, {
            "ok": ok,
            "database": "writable" if problem is None else problem,
            "adapters": {n: self.platforms.is_ready(n) for n in self.platforms.names()},
            "last_sweep_age_seconds": age,
        }

    async def scrape(self) -> bytes:
        """The Prometheus text exposition, with the database's counts read now."""
        try:
            await self.metrics.refresh(self.db)
        except Exception as exc:   # the other metrics still say something useful
            log.warning("metrics: could not read the database (%s: %s)",
                        type(exc).__name__, exc)
        for name in self.platforms.names():
            self.metrics.connected.labels(name).set(int(self.platforms.is_ready(name)))
        age = self.last_sweep_age()
        self.metrics.last_sweep_age.set(-1 if age is None else age)
        return self.metrics.exposition()

    # -- the server ------------------------------------------------------------------------

    async def serve(self, host: str, port: int) -> int:
        """Listen on host:port (0: a free port); returns the port. ConfigError when the
        address cannot be used."""
        from aiohttp import web

        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigError(f"cannot serve /healthz and /metrics on {host}:{port} "
                              f"({exc.strerror or exc}); set QUIZBOT_METRICS_PORT to a free "
                              "port") from None
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("health and metrics on http://%s:%d/healthz and /metrics", host, self.port)
        return self.port

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, request: web.Request) -> web.Response:
        from aiohttp import web

        ok, body = await self.status()
        return web.json_response(body, status=200 if ok else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        from aiohttp import web

        return web.Response(body=await self.scrape(),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})
