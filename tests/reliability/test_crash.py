"""Crash and restart: a real quizbot process, SIGKILLed at random moments, must keep its
promises. Every answer the platform saw acknowledged is in the database; no round is posted
twice; every round past its deadline is revealed exactly once.

It drives both platforms as they really behave after a crash: Slack redelivers an event
until it is acknowledged; Discord redelivers nothing, so the bot must read the thread back
when it reconnects.

`make test` runs 30 kills per platform with a fixed seed; `make soak` runs hundreds
(QUIZBOT_CRASH_KILLS, QUIZBOT_CRASH_SEED).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE_BANK
from tests.e2e.discord_helpers import TOKEN as DISCORD_TOKEN
from tests.fakes.discord import CHANNEL_ID, OWNER_ID, FakeDiscord, fake_discord
from tests.fakes.slack import TEAM, FakeSlack, fake_slack

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("QUIZBOT_CRASH_KILLS", "30"))
SEED = int(os.environ.get("QUIZBOT_CRASH_SEED", "20261122"))
PEOPLE = [f"U{i}" for i in range(1, 7)]
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
WAIT = 60.0


class Platform:
    """What the harness needs from a platform: start its fake, know when the bot is
    connected, deliver answers the way the platform does, and read what people saw."""

    name = ""
    kill_after = (0.05, 0.5)

    def env(self) -> dict[str, str]:
        raise NotImplementedError

    def connections(self) -> int:
        raise NotImplementedError

    async def wait_for(self, condition: Any, seconds: float) -> None:
        raise NotImplementedError

    async def schedule(self) -> None:
        raise NotImplementedError

    def question(self, day: datetime) -> str | None:
        """The thread of the day's question, once people can reply in it."""
        raise NotImplementedError

    async def deliver(self, thread: str, answers: dict[str, tuple[str, str]],
                      acked: set[str]) -> None:
        raise NotImplementedError

    def acknowledged(self) -> set[str]:
        raise NotImplementedError

    def revealed(self, thread: str) -> bool:
        raise NotImplementedError

    def keys(self) -> Counter[str]:
        """How many times each post key was posted."""
        raise NotImplementedError


class SlackSide(Platform):
    name = "slack"
    kill_after = (0.05, 0.5)     # seconds after a connection: anywhere in the work

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        fake.add_user("UADMIN", "lead", admin=True)
        for u in PEOPLE:
            fake.add_user(u, u.lower())

    def env(self) -> dict[str, str]:
        return {"SLACK_BOT_TOKEN": "xoxb-crash", "SLACK_APP_TOKEN": "xapp-crash",
                "QUIZBOT_SLACK_API_BASE": f"{self.fake.base_url}/api/"}

    def connections(self) -> int:
        return self.fake.connections

    async def wait_for(self, condition: Any, seconds: float) -> None:
        await self.fake.wait_for(condition, seconds)

    async def schedule(self) -> None:
        await _quietly(self.fake.push("slash_commands", {
            "team_id": TEAM, "channel_id": "C1", "channel_name": "general",
            "user_id": "UADMIN", "command": "/quizadmin", "text": "schedule 09:00 UTC 2h",
            "api_app_id": "A1", "response_url": f"{self.fake.base_url}/response/1",
            "trigger_id": "t"}))
        await self.fake.wait_for(lambda: len(self.fake.responses) == 1, WAIT)

    def question(self, day: datetime) -> str | None:
        for m in self.fake.posted.get("C1", []):
            if not m.get("thread_ts") and f"for {day.date().isoformat()}" in str(m.get("text")):
                return str(m["ts"])
        return None

    async def deliver(self, thread: str, answers: dict[str, tuple[str, str]],
                      acked: set[str]) -> None:
        # Slack redelivers an event until it is acknowledged: so does the harness.
        for event_id, (user, ts) in answers.items():
            if ts in acked:
                continue
            await _quietly(self.fake.push("events_api", {
                "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                "event_id": event_id, "event_time": 1, "event": {
                    "type": "message", "channel": "C1", "user": user,
                    "text": f"subword tokens from a vocabulary ({event_id})",
                    "ts": ts, "thread_ts": thread}}))

    def acknowledged(self) -> set[str]:
        return {ts for _, ts, _ in self.fake.reactions}

    def revealed(self, thread: str) -> bool:
        return any(m.get("thread_ts") == thread and "Reveal" in str(m.get("text"))
                   for m in self.fake.posted.get("C1", []))

    def keys(self) -> Counter[str]:
        return Counter(next((b["block_id"].split(":", 1)[1] for b in m.get("blocks") or []
                             if b.get("block_id", "").startswith("quizbot_post:")), "")
                       for msgs in self.fake.posted.values() for m in msgs)


class DiscordSide(Platform):
    name = "discord"
    # discord.py waits 0.5 s for guilds before it is ready; kill before and after that
    kill_after = (0.05, 1.5)
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sent: set[str] = set()
        self.users = {u: 30 + i for i, u in enumerate(PEOPLE)}

    def env(self) -> dict[str, str]:
        return {"DISCORD_TOKEN": DISCORD_TOKEN, "QUIZBOT_DISCORD_API_BASE": self.fake.api,
                "QUIZBOT_DISCORD_GATEWAY_URL": self.fake.gateway}

    def connections(self) -> int:
        return self.fake.identifies

    async def wait_for(self, condition: Any, seconds: float) -> None:
        await self.fake.wait_for(condition, seconds)

    async def schedule(self) -> None:
        inter = await self.fake.command("schedule", [
            {"name": "command", "type": 3, "value": "set 09:00 UTC 2h"}], by=OWNER_ID)
        await self.fake.wait_for(lambda: bool(self.fake.replies_to(inter)), WAIT)

    def question(self, day: datetime) -> str | None:
        for m in self.fake.posts(CHANNEL_ID):
            title = (m["embeds"] or [{}])[0].get("title") or ""
            if title == f"Daily question for {day.date().isoformat()}" and \
                    int(m["id"]) in self.fake.threads:
                return str(m["id"])
        return None

    async def deliver(self, thread: str, answers: dict[str, tuple[str, str]],
                      acked: set[str]) -> None:
        # Discord delivers a message once, to whoever is connected, and never again: a bot
        # that was down must read the thread back.
        for _, (user, mid) in answers.items():
            if mid in self.sent:
                continue
            self.sent.add(mid)
            online = self.fake._ws is not None and not self.fake._ws.closed
            # the gateway may go away mid-send: the message is kept all the same
            with contextlib.suppress(Exception):
                await self.fake.say(int(thread), self.users[user], "subword tokens from a "
                                    f"vocabulary ({mid})", message_id=int(mid),
                                    deliver=online)

    def acknowledged(self) -> set[str]:
        return {str(mid) for _, mid, _ in self.fake.reactions}

    def revealed(self, thread: str) -> bool:
        return any((m["embeds"] or [{}])[0].get("title", "").startswith("Reveal")
                   for m in self.fake.posts(int(thread)))

    def keys(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for m in self.fake.messages.values():
            if m["author"]["id"] != "900":
                continue
            footers = [(e.get("footer") or {}).get("text", "") for e in m["embeds"] or []]
            out.update(f.rsplit(" · ", 1)[-1] for f in footers if "round:" in f)
        return out


class Bot:
    """The quizbot process under test; killed and restarted by the harness."""

    def __init__(self, tmp: Path, side: Platform) -> None:
        self.clock_file = tmp / "now.txt"
        self.db = tmp / "crash.db"
        self.database = str(self.db)    # what --db is given: a file, or a URL
        self.log = tmp / "bot.log"
        self.side = side
        self.proc: asyncio.subprocess.Process | None = None
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("QUIZBOT_", "DISCORD_", "SLACK_"))}
        self.env.update({
            **side.env(),
            "QUIZBOT_QUESTIONS_DIR": str(SAMPLE_BANK), "QUIZBOT_SWEEP_SECONDS": "0.05",
            "QUIZBOT_FAKE_TIME_FILE": str(self.clock_file), "PYTHONPATH": str(ROOT),
            "QUIZBOT_LOG_LEVEL": "INFO"})
        self.tmp = tmp

    def set_time(self, moment: datetime) -> None:
        tmp = self.clock_file.with_suffix(".tmp")
        tmp.write_text(moment.isoformat())
        tmp.replace(self.clock_file)

    async def start(self) -> None:
        seen = self.side.connections()
        with self.log.open("ab") as log:  # every run's log, for post-mortems
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--platform", self.side.name, "--db",
                self.database, cwd=self.tmp, env=self.env, stdout=log, stderr=log)
        await self.side.wait_for(lambda: self.side.connections() > seen, WAIT)

    async def kill(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    def diagnose(self) -> str:
        """What a failed wait needs for a post-mortem: round states and the log's tail."""
        with sqlite3.connect(self.db) as conn:
            rounds = conn.execute("SELECT id, local_date, state, deadline, thread_id,"
                                  " post_attempts FROM rounds ORDER BY id DESC LIMIT 3")
            state = "\n".join(map(str, rounds.fetchall()))
        log = self.log.read_text(errors="replace").splitlines()[-40:]
        alive = self.proc is not None and self.proc.returncode is None
        return (f"process alive: {alive}; clock file: {self.clock_file.read_text()}\n"
                f"rounds:\n{state}\nlog tail:\n" + "\n".join(log))

    async def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), WAIT)


async def _quietly(send: Any) -> None:
    """Deliver if a client is connected; a dead socket just drops it."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(send, 1)


@contextlib.asynccontextmanager
async def _platform(name: str) -> AsyncIterator[Platform]:
    if name == "slack":
        async with fake_slack() as slack:
            yield SlackSide(slack)
    else:
        async with fake_discord() as discord:
            yield DiscordSide(discord)


@pytest.mark.parametrize("platform", ["slack", "discord"])
async def test_sigkill_at_random_points_keeps_every_promise(tmp_path: Path,
                                                            platform: str) -> None:
    rng = random.Random(SEED)
    async with _platform(platform) as side:
        bot = Bot(tmp_path, side)
        bot.set_time(T0)
        await bot.start()
        await side.schedule()

        kills = 0
        done = asyncio.Event()

        async def killer() -> None:
            nonlocal kills
            while kills < KILLS and not done.is_set():
                await asyncio.sleep(rng.uniform(*side.kill_after))
                await bot.kill()
                kills += 1
                await bot.start()

        acked: set[str] = set()   # message ids of answers acknowledged
        killing = asyncio.create_task(killer())
        day = T0
        try:
            while not killing.done():
                bot.set_time(day.replace(hour=9, minute=1))
                await side.wait_for(lambda d=day: side.question(d) is not None, WAIT)
                thread = side.question(day)
                assert thread is not None
                answers = {f"{day.date()}-{u}": (u, f"19{day:%y%m%d}{i:02d}")
                           for i, u in enumerate(PEOPLE)}  # unique per day and person
                if platform == "slack":
                    answers = {e: (u, f"{m}.000001") for e, (u, m) in answers.items()}
                give_up = asyncio.get_running_loop().time() + WAIT
                while True:  # until each answer is acknowledged
                    seen = side.acknowledged()
                    missing = {e: v for e, v in answers.items() if v[1] not in seen}
                    if not missing:
                        break
                    assert asyncio.get_running_loop().time() < give_up, \
                        f"answers never acknowledged on {day.date()}: {sorted(missing)}\n" \
                        f"{bot.diagnose()}"
                    await side.deliver(thread, answers, seen)
                    await asyncio.sleep(0.2)
                acked.update(ts for _, ts in answers.values())
                bot.set_time(day.replace(hour=11, minute=1))  # past the 2-hour deadline
                try:
                    await side.wait_for(lambda t=thread: side.revealed(t), WAIT)
                except AssertionError:
                    raise AssertionError(f"no reveal for {day.date()}\n{bot.diagnose()}") from None
                day += timedelta(days=1)
        finally:
            done.set()
            await killing
        # Quiet period: no more kills; let everything due settle, then stop cleanly.
        bot.set_time(day.replace(hour=8))
        await asyncio.sleep(0.5)
        assert await bot.stop() == 0
        final = day.replace(hour=8)
        keys = side.keys()

    assert kills == KILLS
    with sqlite3.connect(bot.db) as conn:
        stored = {r[0] for r in conn.execute("SELECT message_id FROM answers")}
        rounds = conn.execute("SELECT id, local_date, state, deadline FROM rounds").fetchall()
    # 1. Every acknowledged answer is in the database.
    assert acked <= stored, f"acknowledged but lost: {acked - stored}"
    # 2. No round posted twice, and one round per local date.
    assert len({r[1] for r in rounds}) == len(rounds)
    twice = {k: n for k, n in keys.items() if n > 1 and k}
    assert not twice, f"posted more than once: {twice}"
    # 3. Every round past its deadline revealed, exactly once.
    for round_id, local_date, state, deadline in rounds:
        if datetime.fromisoformat(deadline.replace("Z", "+00:00")) <= final:
            assert state == "revealed", (local_date, state)
            assert keys[f"round:{round_id}:reveal"] == 1, local_date
            assert keys[f"round:{round_id}:question"] == 1, local_date
    print(json.dumps({"platform": platform, "kills": kills, "days": len(rounds),
                      "answers": len(acked)}))
