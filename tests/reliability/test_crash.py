"""Crash and restart: a real quizbot process, SIGKILLed at random moments, must keep its
promises. Every answer the platform saw acknowledged is in the database; no round is posted
twice; every round past its deadline is revealed exactly once.

`make test` runs 30 kills with a fixed seed; `make soak` runs hundreds
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import SAMPLE_BANK
from tests.fakes.slack import TEAM, FakeSlack, fake_slack

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("QUIZBOT_CRASH_KILLS", "30"))
SEED = int(os.environ.get("QUIZBOT_CRASH_SEED", "20261122"))
PEOPLE = [f"U{i}" for i in range(1, 7)]
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
WAIT = 60.0


class Bot:
    """The quizbot process under test; killed and restarted by the harness."""

    def __init__(self, tmp: Path, fake: FakeSlack) -> None:
        self.clock_file = tmp / "now.txt"
        self.db = tmp / "crash.db"
        self.fake = fake
        self.proc: asyncio.subprocess.Process | None = None
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("QUIZBOT_", "DISCORD_", "SLACK_"))}
        self.env.update({
            "SLACK_BOT_TOKEN": "xoxb-crash", "SLACK_APP_TOKEN": "xapp-crash",
            "QUIZBOT_SLACK_API_BASE": f"{fake.base_url}/api/",
            "QUIZBOT_QUESTIONS_DIR": str(SAMPLE_BANK), "QUIZBOT_SWEEP_SECONDS": "0.05",
            "QUIZBOT_FAKE_TIME_FILE": str(self.clock_file), "PYTHONPATH": str(ROOT),
            "QUIZBOT_LOG_LEVEL": "INFO"})
        self.tmp = tmp

    def set_time(self, moment: datetime) -> None:
        tmp = self.clock_file.with_suffix(".tmp")
        tmp.write_text(moment.isoformat())
        tmp.replace(self.clock_file)

    async def start(self) -> None:
        seen = self.fake.connections
        with (self.tmp / "bot.log").open("ab") as log:  # every run's log, for post-mortems
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--platform", "slack", "--db",
                str(self.db), cwd=self.tmp, env=self.env, stdout=log, stderr=log)
        await self.fake.wait_for(lambda: self.fake.connections > seen, WAIT)

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
        log = (self.tmp / "bot.log").read_text(errors="replace").splitlines()[-40:]
        alive = self.proc is not None and self.proc.returncode is None
        return (f"process alive: {alive}; clock file: {self.clock_file.read_text()}\n"
                f"rounds:\n{state}\nlog tail:\n" + "\n".join(log))

    async def stop(self) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), WAIT)


def _keys(fake: FakeSlack) -> Counter[str]:
    return Counter(((m.get("metadata") or {}).get("event_payload") or {}).get("key", "")
                   for msgs in fake.posted.values() for m in msgs)


def _question_ts(fake: FakeSlack, day: datetime) -> str | None:
    for m in fake.posted.get("C1", []):
        if not m.get("thread_ts") and f"for {day.date().isoformat()}" in str(m.get("text")):
            return str(m["ts"])
    return None


async def _push(fake: FakeSlack, kind: str, payload: dict[str, object]) -> None:
    """Deliver an envelope if a client is connected; a dead socket just drops it (Slack
    would retry, and so does the harness)."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(fake.push(kind, payload), 1)


async def test_sigkill_at_random_points_keeps_every_promise(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    async with fake_slack() as fake:
        fake.add_user("UADMIN", "lead", admin=True)
        for u in PEOPLE:
            fake.add_user(u, u.lower())
        bot = Bot(tmp_path, fake)
        bot.set_time(T0)
        await bot.start()
        await _push(fake, "slash_commands", {
            "team_id": TEAM, "channel_id": "C1", "channel_name": "general",
            "user_id": "UADMIN", "command": "/quizadmin", "text": "schedule 09:00 UTC 2h",
            "api_app_id": "A1", "response_url": f"{fake.base_url}/response/1",
            "trigger_id": "t"})
        await fake.wait_for(lambda: len(fake.responses) == 1, WAIT)

        kills = 0
        done = asyncio.Event()

        async def killer() -> None:
            nonlocal kills
            while kills < KILLS and not done.is_set():
                await asyncio.sleep(rng.uniform(0.05, 0.5))
                await bot.kill()
                kills += 1
                await bot.start()

        acked: dict[str, str] = {}   # message ts -> event id, for answers acknowledged
        killing = asyncio.create_task(killer())
        day = T0
        try:
            while not killing.done():
                bot.set_time(day.replace(hour=9, minute=1))
                await fake.wait_for(lambda d=day: _question_ts(fake, d) is not None, WAIT)
                thread = _question_ts(fake, day)
                assert thread is not None
                answers = {f"{day.date()}-{u}": (u, f"19{day:%y%m%d}{i:02d}.000001")
                           for i, u in enumerate(PEOPLE)}  # unique per day and person
                give_up = asyncio.get_running_loop().time() + WAIT
                while True:  # deliver until each answer is acknowledged, like Slack retrying
                    reacted = {ts for _, ts, _ in fake.reactions}
                    missing = {e: v for e, v in answers.items() if v[1] not in reacted}
                    if not missing:
                        break
                    assert asyncio.get_running_loop().time() < give_up, \
                        f"answers never acknowledged on {day.date()}: {sorted(missing)}; " \
                        f"posts so far: {dict(_keys(fake))}"
                    for event_id, (user, ts) in missing.items():
                        await _push(fake, "events_api", {
                            "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                            "event_id": event_id, "event_time": 1, "event": {
                                "type": "message", "channel": "C1", "user": user,
                                "text": f"subword tokens from a vocabulary ({event_id})",
                                "ts": ts, "thread_ts": thread}})
                    await asyncio.sleep(0.2)
                acked.update({ts: e for e, (_, ts) in answers.items()})
                bot.set_time(day.replace(hour=11, minute=1))  # past the 2-hour deadline
                try:
                    await fake.wait_for(
                        lambda t=thread: any(m.get("thread_ts") == t and "Reveal" in str(
                            m.get("text")) for m in fake.posted.get("C1", [])), WAIT)
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

    assert kills == KILLS
    with sqlite3.connect(bot.db) as conn:
        stored = {r[0] for r in conn.execute("SELECT message_id FROM answers")}
        rounds = conn.execute("SELECT id, local_date, state, deadline FROM rounds").fetchall()
    # 1. Every acknowledged answer is in the database.
    assert set(acked) <= stored, f"acknowledged but lost: {set(acked) - stored}"
    # 2. No round posted twice, and one round per local date.
    keys = _keys(fake)
    assert len({r[1] for r in rounds}) == len(rounds)
    twice = {k: n for k, n in keys.items() if n > 1}
    assert not twice, f"posted more than once: {twice}"
    # 3. Every round past its deadline revealed, exactly once.
    for round_id, local_date, state, deadline in rounds:
        if datetime.fromisoformat(deadline.replace("Z", "+00:00")) <= final:
            assert state == "revealed", (local_date, state)
            assert keys[f"round:{round_id}:reveal"] == 1, local_date
            assert keys[f"round:{round_id}:question"] == 1, local_date
    print(json.dumps({"kills": kills, "days": len(rounds), "answers": len(acked)}))
