"""The simulated scale run: many channels in many workspaces due at the same minute, posted
by two quizbot replicas on one PostgreSQL database, against a simulated platform that
enforces each platform's documented rate limits and answers after a set round trip.

    python bench/scale.py [--channels N --workspaces M --platform slack|discord|both]

prints JSON (``make bench`` runs it as its ``scale`` section). Without PostgreSQL it says
how to get it and measures nothing. With SCALE_PROFILE=PATH the leading replica writes its
cProfile statistics to PATH.REPLICA when it stops.

What one run does: bulk-insert N subscriptions (M workspaces, N/M channels each) due at the
same minute (setup, not timed, but reported); start two replica processes, the first of
which leads (it holds the advisory lock: only it runs the schedules and sweeps) while the
second stands by; let the minute come; wait until every round is posted; read each
process's peak memory (VmHWM in /proc/PID/status); stop both and gather what each one's
simulated platform saw: the posts per channel (a channel posted twice, across both
replicas, is a duplicate), the requests refused with a 429, and when the last post landed.

The trigger is either ``cron`` (the normal day: the leader is up at the due minute and its
per-subscription cron jobs fire; real time, so the run waits for the next whole minute) or
``sweep`` (the catch-up a leader makes at start-up or on taking over, and the per-minute
safety net: a fake clock, QUIZBOT_FAKE_TIME_FILE, is moved onto the due minute while
the sweeper runs every second).

Each replica's simulated platform declares the real adapter's pace (``post_pace``, taken
from SlackAdapter or DiscordAdapter, which the replica imports as a real one does), so the
core paces its posts as in production and the platform checks that pace against the
documented limits. It runs inside each replica and sees only that replica's requests; the
limits are the platform's, across replicas, which is right only while one replica posts
(the run reports each replica's posts, so a standby that posted shows). It REJECTS a
request over a limit (the retryable PlatformError the real adapters raise for a 429) rather
than queueing it, so a sender that goes too fast is seen. The real adapters would retry a
429 themselves (slack_sdk's AsyncRateLimitErrorRetryHandler, discord.py's rate limiter);
this one does not, so each 429 here is a request the platform would have refused.

Limits, as documented:

- Slack, https://api.slack.com/docs/rate-limits: limits apply "per API method per app per
  workspace"; the Special Tier: "chat.postMessage generally allows posting one message per
  second per channel, while also maintaining a workspace-wide limit", and "Posting
  messages: 1 per second. Short bursts >1 allowed." chat.postMessage's own page: "It will
  generally allow an app to post 1 message per second to a specific channel. There are
  limits governing your app's relationship with the entire workspace above that, limiting
  posting to several hundred messages per minute. Generous burst behavior is also
  granted." "Several hundred" is taken as 200 a minute (SLACK_WORKSPACE_POSTS, an
  assumption). conversations.history (what ``find_sent`` calls before retrying a post) is
  Tier 3, "50+ per minute".
- Discord, discord-api-docs docs/topics/rate-limits.md, "Global Rate Limit": "All bots can
  make up to 50 requests per second to our API", plus per-route limits that the docs do not
  list ("should not be hard coded"; libraries learn them from the X-RateLimit headers).
  Message create is commonly 5 per 5 seconds per channel (e.g. Javacord's wiki, "Send
  Messages 5 / 5s per channel"); thread create and history are given the same here, an
  assumption. The same page: "10,000 [invalid requests, 401/403/429] per 10 minutes" gets
  the IP banned by Cloudflare. A daily post on Discord is two requests: the message, then
  the thread opened on it (bot/adapters/discord.py, send and start_thread).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import signal
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
sys.path.insert(0, str(ROOT))

from bot.adapters.base import IncomingMessage, Message, PlatformError, Sent  # noqa: E402
from bot.domain.parsing import WEEKDAYS  # noqa: E402
from bot.domain.rounds import AnswerOutcome  # noqa: E402
from bot.domain.subscriptions import ChannelRef  # noqa: E402
from bot.storage.db import to_db  # noqa: E402
from tests import pg_server  # noqa: E402

T = TypeVar("T")

# Slack (see the module's docstring)
SLACK_CHANNEL_POSTS = (3, 3.0)       # 1 per second per channel, short bursts (of 3) allowed
SLACK_WORKSPACE_POSTS = (200, 60.0)  # "several hundred messages per minute": 200 ASSUMED
SLACK_HISTORY = (50, 60.0)           # conversations.history, Tier 3: 50+ per minute
# Discord
DISCORD_GLOBAL = (50, 1.0)           # 50 requests per second per bot token
DISCORD_PER_CHANNEL = (5, 5.0)       # message create; thread create and history assumed alike
DISCORD_INVALID_BAN = 10_000         # 401/403/429 per 10 minutes before a Cloudflare ban
REQUESTS_PER_POST = {"slack": 1, "discord": 2}
WINDOW_MINUTES = 480
POLL = 0.5                           # seconds between the harness's looks at the database


class Window:
    """At most ``count`` requests in any ``seconds``-long span: a sliding window, stricter
    than a bucket that resets at fixed times, so a sender that passes it passes those."""

    __slots__ = ("count", "seconds", "times")

    def __init__(self, count: int, seconds: float) -> None:
        self.count, self.seconds = count, seconds
        self.times: deque[float] = deque()

    def room(self, now: float) -> bool:
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()
        return len(self.times) < self.count


class Windows:
    """One window per key (a channel, a workspace), made on first use."""

    def __init__(self, limit: tuple[int, float]) -> None:
        self.limit = limit
        self.by_key: dict[str, Window] = {}

    def __getitem__(self, key: str) -> Window:
        found = self.by_key.get(key)
        if found is None:
            found = self.by_key[key] = Window(*self.limit)
        return found


class SimulatedPlatform:
    """The platform's side and the adapter's in one: each call is a request that reaches
    the platform after half the round trip, is admitted or refused there against every
    limit it falls under, and answers after the other half."""

    def __init__(self, name: str, latency: float, replica: str, *,
                 now: Callable[[], float] = time.monotonic) -> None:
        self.name, self.latency, self.replica, self.now = name, latency, replica, now
        self.requests = 0
        self.rejected: Counter[str] = Counter()
        self.posts: Counter[str] = Counter()      # daily questions posted, by channel
        self.threads: Counter[str] = Counter()
        self.first: float | None = None           # wall time of the first and last daily-post
        self.last: float | None = None            # request admitted
        self._sent: dict[tuple[str, str], Sent] = {}
        self._ids = itertools.count(1)
        self.post_pace: Any = None   # the real adapter's (see replica())

    def limits(self, call: str, channel: ChannelRef) -> list[Window]:
        raise NotImplementedError

    async def _call(self, call: str, channel: ChannelRef, effect: Callable[[], T]) -> T:
        await asyncio.sleep(self.latency / 2)
        now = self.now()
        self.requests += 1
        windows = self.limits(call, channel)
        admitted = all(w.room(now) for w in windows)
        if admitted:
            for w in windows:
                w.times.append(now)
            result = effect()
        else:
            self.rejected[call] += 1
        await asyncio.sleep(self.latency / 2)
        if not admitted:
            raise PlatformError(f"{call}: 429 rate limited", retryable=True)
        return result

    def _posted(self) -> None:
        now = time.time()
        self.first = now if self.first is None else self.first
        self.last = now

    def _new_id(self) -> str:
        return f"{self.replica}.{next(self._ids)}"

    async def send(self, channel: ChannelRef, message: Message, *,
                   thread_id: str | None = None) -> Sent:
        def post() -> Sent:
            sent = Sent(self._new_id(), thread_id or "")
            sent = Sent(sent.message_id, thread_id or sent.message_id)
            if message.key:
                self._sent[(channel.channel, message.key)] = sent
            if message.key.endswith(":question"):
                self.posts[channel.channel] += 1
                self._posted()
            return sent

        return await self._call("post", channel, post)

    async def find_sent(self, channel: ChannelRef, key: str,
                        thread_id: str | None = None) -> Sent | None:
        return await self._call("history", channel, lambda: self._sent.get((channel.channel,
                                                                              key)))

    async def acknowledge(self, message: IncomingMessage, outcome: AnswerOutcome) -> None:
        return None

    def stats(self) -> dict[str, Any]:
        return {"requests": self.requests, "rejected": dict(self.rejected),
                "posts": dict(self.posts), "threads": dict(self.threads),
                "first": self.first, "last": self.last}


class SimulatedSlack(SimulatedPlatform):
    def __init__(self, latency: float, replica: str, *,
                 now: Callable[[], float] = time.monotonic) -> None:
        super().__init__("slack", latency, replica, now=now)
        self.channel_posts = Windows(SLACK_CHANNEL_POSTS)
        self.workspace_posts = Windows(SLACK_WORKSPACE_POSTS)
        self.history = Windows(SLACK_HISTORY)

    def limits(self, call: str, channel: ChannelRef) -> list[Window]:
        if call == "post":
            return [self.workspace_posts[channel.workspace], self.channel_posts[channel.channel]]
        return [self.history[channel.workspace]]


class SimulatedDiscord(SimulatedPlatform):
    def __init__(self, latency: float, replica: str, *,
                 now: Callable[[], float] = time.monotonic) -> None:
        super().__init__("discord", latency, replica, now=now)
        self.global_ = Window(*DISCORD_GLOBAL)
        self.routes = {call: Windows(DISCORD_PER_CHANNEL) for call in ("post", "thread",
                                                                        "history")}

    def limits(self, call: str, channel: ChannelRef) -> list[Window]:
        return [self.global_, self.routes[call][channel.channel]]

    async def start_thread(self, channel: ChannelRef, sent: Sent, name: str) -> str:
        def open_thread() -> str:
            self.threads[channel.channel] += 1
            self._posted()
            return sent.message_id   # a thread opened on a message shares its id

        return await self._call("thread", channel, open_thread)


# -- one replica (a child process) -------------------------------------------------------

async def replica(args: argparse.Namespace) -> None:
    """A quizbot process as `quizbot run` builds it, with the simulated platform for its
    adapter; writes what that platform saw to ``--out`` when SIGTERM stops it."""
    from bot.app import build
    from bot.clock import FileClock, SystemClock
    from bot.config import Settings
    from bot.logs import configure

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    configure(settings)
    clock = FileClock(settings.fake_time_file) if settings.fake_time_file else SystemClock()
    core = await build(settings, clock=clock)
    sim_class = SimulatedSlack if args.platform == "slack" else SimulatedDiscord
    sim = sim_class(args.latency_ms / 1000, args.replica)
    sim.post_pace = adapter_pace(args.platform)
    core.platforms.register(sim)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    profile = os.environ.get("SCALE_PROFILE")   # where the leader's cProfile goes
    profiler = None
    if profile:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    led = False
    try:
        await core.start()
        led = bool(getattr(core.follower.leadership if core.follower else None, "leading",
                           False))
        _write(args.ready, {"led": led, "at": time.time()})
        await stop.wait()
        out = sim.stats()
        out["led"] = led
    finally:
        await core.close()
        if profiler is not None:
            profiler.disable()
            if led:
                profiler.dump_stats(f"{profile}.{args.replica}")
    _write(args.out, out)


def adapter_pace(platform: str) -> Any:
    """The pace the real adapter declares (None before adapters declared one)."""
    if platform == "slack":
        from bot.adapters.slack import SlackAdapter as Adapter
    else:
        from bot.adapters.discord import DiscordAdapter as Adapter  # type: ignore[assignment]
    return getattr(Adapter, "post_pace", None)


def _write(path: str, figures: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(figures), encoding="utf-8")


# -- the harness -------------------------------------------------------------------------

def memory_mb(pid: int) -> dict[str, float]:
    """The process's peak and current resident memory, from the kernel's own count, and
    the CPU time it has used."""
    fields = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                fields[key] = round(int(value.split()[0]) / 1024, 1)
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:   # utime, stime: fields 14, 15
        ticks = sum(int(v) for v in f.read().rsplit(")", 1)[1].split()[11:13])
    return {"hwm_mb": fields.get("VmHWM", 0.0), "rss_mb": fields.get("VmRSS", 0.0),
            "cpu_seconds": round(ticks / os.sysconf("SC_CLK_TCK"), 1)}


def next_minute(after: datetime) -> datetime:
    return after.replace(second=0, microsecond=0) + timedelta(minutes=1)


async def insert_subscriptions(url: str, platform: str, channels: int, workspaces: int,
                               post_time: str) -> None:
    """N subscriptions in one statement batch, as the services would store them."""
    from bot.storage.db import Database

    db = await Database.open(url)    # migrates the new database
    await db.close()
    import asyncpg

    now = to_db(datetime.now(UTC))
    rows = []
    for c in range(channels):
        w = c % workspaces
        workspace = f"T{w:05d}" if platform == "slack" else str(900_000_000_000_000_000 + w)
        channel = f"C{c:06d}" if platform == "slack" else str(800_000_000_000_000_000 + c)
        rows.append((platform, workspace, channel, f"quiz-{c}", post_time,
                     ",".join(WEEKDAYS), "UTC", WINDOW_MINUTES, now, now))
    conn = await asyncpg.connect(url)
    try:
        await conn.executemany(
            "INSERT INTO subscriptions (platform, workspace, channel_id, channel_name,"
            " post_time, days, timezone, window_minutes, created_at, updated_at)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)", rows)
    finally:
        await conn.close()


def bounds(platform: str, channels: int, workspaces: int, latency: float,
           concurrency: int) -> dict[str, Any]:
    """The least time the platform's limits allow for posting every channel once, and the
    least quizbot's own limit on requests in flight allows; the run is measured against
    the larger."""
    per_post = REQUESTS_PER_POST[platform]
    own = math.ceil(channels / concurrency) * per_post * latency
    if platform == "slack":
        per_workspace = math.ceil(channels / workspaces)
        count, seconds = SLACK_WORKSPACE_POSTS
        over = max(0, per_workspace - count)
        rate_bound = over * seconds / count + latency
        why = (f"Slack: limits are per workspace and the workspaces are independent; each "
               f"channel gets one post (1 per second per channel allows it at once) and "
               f"each workspace {per_workspace} (under its assumed {count} per "
               f"{seconds:.0f} s), so the limits allow every post in one round trip "
               f"({latency:g} s). What binds is quizbot's own cap of {concurrency} posts in "
               f"flight: {channels} posts x {latency:g} s / {concurrency}")
    else:
        count, seconds = DISCORD_GLOBAL
        rate_bound = channels * per_post * seconds / count
        why = (f"Discord: {per_post} requests per post (message, thread) under the global "
               f"{count} requests per {seconds:g} s of one bot token: {channels} x "
               f"{per_post} / {count}; the per-channel limit does not bind (one post per "
               f"channel). quizbot's cap of {concurrency} in flight would allow "
               f"{own:.1f} s")
    bound = max(rate_bound, own)
    out = {"bound_seconds": round(bound, 2), "rate_limit_bound_seconds": round(rate_bound, 2),
           "concurrency_bound_seconds": round(own, 2), "bound": why}
    pace = adapter_pace(platform)
    if pace is not None:   # what quizbot's own pacing allows, below the platform's limits
        keys = workspaces if pace.per == "workspace" else 1
        per_key = math.ceil(channels / keys)
        out["pace_bound_seconds"] = round(per_key * pace.requests / pace.per_second, 2)
    return out


class Replica:
    def __init__(self, name: str, tmp: Path, env: dict[str, str], args: list[str]) -> None:
        self.name, self.env, self.args = name, env, args
        self.ready, self.out = tmp / f"{name}.ready", tmp / f"{name}.json"
        self.log = tmp / f"{name}.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, within: float) -> dict[str, Any]:
        with self.log.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, str(SCRIPT), "--replica", self.name,
                "--ready", str(self.ready), "--out", str(self.out), *self.args,
                env=self.env, cwd=ROOT, stdout=log, stderr=log)
        give_up = time.monotonic() + within
        while not self.ready.exists():
            if self.proc.returncode is not None or time.monotonic() > give_up:
                raise RuntimeError(f"replica {self.name} did not start:\n{self.tail()}")
            await asyncio.sleep(0.05)   # waiting for a process to come up
        ready: dict[str, Any] = json.loads(self.ready.read_text())
        return ready

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    async def stop(self) -> dict[str, Any]:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(self.proc.wait(), 120)
        if not self.out.exists():
            raise RuntimeError(f"replica {self.name} wrote no figures:\n{self.tail()}")
        out: dict[str, Any] = json.loads(self.out.read_text())
        return out

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()


async def run_one(server: pg_server.PgServer, tmp: Path, platform: str, channels: int,
                  workspaces: int, *, latency: float, concurrency: int, trigger: str,
                  lead: float, within: float, note: str = "") -> dict[str, Any]:
    import asyncpg

    url = server.url(server.create())
    started = time.perf_counter()
    if trigger == "cron":   # the next whole minute far enough ahead for both to start
        due = next_minute(datetime.now(UTC) + timedelta(seconds=lead))
    else:                   # a fake minute; real cron jobs for it will not fire meanwhile
        due = next_minute(datetime.now(UTC) + timedelta(hours=12))
    await insert_subscriptions(url, platform, channels, workspaces, f"{due:%H:%M}")
    setup = time.perf_counter() - started

    clock_file = tmp / f"{platform}-now.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIZBOT_", "DISCORD_",
                                                                    "SLACK_"))}
    env.update({"QUIZBOT_DATABASE_URL": url, "QUIZBOT_QUESTIONS_DIR": str(ROOT / "questions"),
                "QUIZBOT_LOG_LEVEL": "WARNING", "QUIZBOT_LEADER_POLL_SECONDS": "1",
                "QUIZBOT_POST_CONCURRENCY": str(concurrency), "PYTHONPATH": str(ROOT)})
    if trigger == "sweep":
        clock_file.write_text((due - timedelta(minutes=1)).isoformat())
        env.update({"QUIZBOT_FAKE_TIME_FILE": str(clock_file), "QUIZBOT_SWEEP_SECONDS": "1"})
    args = ["--platform", platform, "--latency-ms", str(latency * 1000)]
    replicas = [Replica(f"{platform}-r{i}", tmp, env, args) for i in (1, 2)]
    conn = await asyncpg.connect(url)
    try:
        starting = time.perf_counter()
        ready = [await r.start(within) for r in replicas]   # the first to start leads
        ready_seconds = time.perf_counter() - starting
        in_time = ready[-1]["at"] < due.timestamp()
        if trigger == "cron":
            waited = max(0.0, due.timestamp() - time.time())
            await asyncio.sleep(waited)   # the real minute the cron jobs fire at
        else:
            waited = 0.0
            tmp_file = clock_file.with_suffix(".tmp")
            tmp_file.write_text(due.isoformat())
            tmp_file.replace(clock_file)
        due_at = due.timestamp() if trigger == "cron" else time.time()
        give_up = time.monotonic() + within
        posted = 0
        while time.monotonic() < give_up:
            posted = int(await conn.fetchval(
                "SELECT count(*) FROM rounds WHERE state <> 'posting'"))
            if posted >= channels:
                break
            await asyncio.sleep(POLL)
        complete = posted >= channels
        await asyncio.sleep(2.0)   # any post still in flight lands (and shows if doubled)
        rounds = int(await conn.fetchval("SELECT count(*) FROM rounds"))
        memory = [memory_mb(r.proc.pid) for r in replicas if r.proc is not None]
        seen = [await r.stop() for r in replicas]
    finally:
        await conn.close()
        for r in replicas:
            r.kill()
        server.drop(url.split("/")[3].split("?")[0])

    per_channel: Counter[str] = Counter()
    for s in seen:
        per_channel.update(s["posts"])
    lasts = [s["last"] for s in seen if s["last"] is not None]
    firsts = [s["first"] for s in seen if s["first"] is not None]
    rejected: Counter[str] = Counter()
    for s in seen:
        rejected.update(s["rejected"])
    seconds = (max(lasts) - due_at) if lasts else None
    out: dict[str, Any] = {
        "channels": channels, "workspaces": workspaces, "trigger": trigger,
        "latency_ms": latency * 1000, "post_concurrency": concurrency,
        "setup_seconds": round(setup, 2), "replicas_ready_seconds": round(ready_seconds, 2),
        "ready_before_due": in_time, "waited_for_due_seconds": round(waited, 1),
        "complete": complete, "rounds": rounds, "rounds_posted": posted,
        "posted": len(per_channel),
        "duplicates": sum(n - 1 for n in per_channel.values() if n > 1),
        "rejected_429": sum(rejected.values()), "rejected_by_call": dict(rejected),
        "requests": sum(s["requests"] for s in seen),
        "first_post_seconds": round(min(firsts) - due_at, 2) if firsts else None,
        "seconds": round(seconds, 2) if seconds is not None else None,
        **bounds(platform, channels, workspaces, latency, concurrency),
        "replicas": [{"name": r.name, "led": s["led"], "posted": sum(s["posts"].values()),
                      "requests": s["requests"], **m}
                     for r, s, m in zip(replicas, seen, memory, strict=True)],
    }
    if note:
        out["note"] = note
    if seconds is not None:
        out["ratio_to_bound"] = round(seconds / out["bound_seconds"], 2)
        out["ratio_to_rate_limit_bound"] = round(seconds / out["rate_limit_bound_seconds"], 2)
    leaders = [r for r in out["replicas"] if r["led"]]
    standbys = [r for r in out["replicas"] if not r["led"]]
    out["leader_hwm_mb"] = leaders[0]["hwm_mb"] if leaders else None
    out["standby_hwm_mb"] = standbys[0]["hwm_mb"] if standbys else None
    if platform == "discord":
        out["invalid_request_ban_threshold_per_10_min"] = DISCORD_INVALID_BAN
    return out


async def main(channels: int = 10_000, workspaces: int = 1_000, *,
               platforms: tuple[str, ...] = ("slack", "discord"), discord_scale: float = 0.1,
               latency_ms: float = 50.0, concurrency: int = 16, trigger: str = "cron",
               lead: float = 30.0, within: float = 1200.0) -> dict[str, Any]:
    found = pg_server.find_bin()
    if found is None:
        return {"skipped": pg_server.MISSING}
    # durable, as a production server is: every commit waits for its WAL fsync
    server = pg_server.PgServer(found, durable=True).start()
    out: dict[str, Any] = {"server": found.parent.name, "replicas": 2,
                           "note": "two replica processes, one throwaway local PostgreSQL "
                                   "(durable, Unix socket), a simulated platform per replica"}
    try:
        with tempfile.TemporaryDirectory(prefix="quizbot-scale-") as tmpdir:
            for platform in platforms:
                n, m, note = channels, workspaces, ""
                if platform == "discord" and discord_scale != 1:
                    n, m = max(1, round(channels * discord_scale)), \
                        max(1, round(workspaces * discord_scale))
                    note = (f"scaled down to {discord_scale:g} of {channels} channels: the "
                            f"full run's bound alone is "
                            f"{channels * REQUESTS_PER_POST['discord'] / DISCORD_GLOBAL[0]:.0f}"
                            " s; compare ratio_to_bound")
                out[platform] = await run_one(
                    server, Path(tmpdir), platform, n, m, latency=latency_ms / 1000,
                    concurrency=concurrency, trigger=trigger, lead=lead, within=within,
                    note=note)
    finally:
        server.stop()
    return out


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--channels", type=int, default=10_000)
    p.add_argument("--workspaces", type=int, default=1_000)
    p.add_argument("--platform", choices=("slack", "discord", "both"), default="both")
    p.add_argument("--discord-scale", type=float, default=0.1,
                   help="the Discord run's share of the channels and workspaces (its bound "
                        "is 2 requests per post at 50 per second)")
    p.add_argument("--latency-ms", type=float, default=50.0, help="round trip per request")
    p.add_argument("--concurrency", type=int, default=64,
                   help="QUIZBOT_POST_CONCURRENCY given to the replicas")
    p.add_argument("--trigger", choices=("cron", "sweep"), default="cron")
    p.add_argument("--lead", type=float, default=30.0,
                   help="cron: seconds at least between setup and the due minute")
    p.add_argument("--timeout", type=float, default=1200.0,
                   help="seconds to wait for every round to be posted")
    p.add_argument("--replica", help=argparse.SUPPRESS)
    p.add_argument("--ready", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    return p.parse_args(argv)


if __name__ == "__main__":
    ns = parse(sys.argv[1:])
    if ns.replica:
        asyncio.run(replica(ns))
    else:
        chosen = ("slack", "discord") if ns.platform == "both" else (ns.platform,)
        report = asyncio.run(main(ns.channels, ns.workspaces, platforms=chosen,
                                  discord_scale=ns.discord_scale, latency_ms=ns.latency_ms,
                                  concurrency=ns.concurrency, trigger=ns.trigger,
                                  lead=ns.lead, within=ns.timeout))
        print(json.dumps(report, indent=2))
