"""Two replicas, one PostgreSQL database, one fake Slack: the crash harness of
test_crash.py with two real quizbot processes, one of them SIGKILLed at random moments and
restarted. The fake Slack gives each event to one of the open Socket Mode connections, as
Slack does, and the harness redelivers what was not acknowledged, so an answer sent to a
replica that died is retried, perhaps on the other one.

Besides test_crash's promises (every acknowledged answer stored, no post twice, every round
past its deadline revealed once), two about replicas: one replica at a time posts (each
process's posts, as the fake saw them, never interleave with another's), and when the
leader is killed the survivor takes the leadership by itself, before the killed one is
restarted, within a bound of the leader poll interval.

`make test` runs a third of QUIZBOT_CRASH_KILLS (10 kills); `make soak` a third of 300.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.storage.leadership import LEADER_LOCK
from tests import pg_server
from tests.fakes.slack import fake_slack
from tests.reliability.test_crash import KILLS, PEOPLE, SEED, T0, WAIT, Bot, SlackSide

REPLICA_KILLS = max(1, KILLS // 3)
POLL = 0.2              # QUIZBOT_LEADER_POLL_SECONDS of both replicas
TAKEOVER_BOUND = 10.0   # seconds: the poll interval, plus a start-up's catch-up on a busy box


class Replica(Bot):
    """One of the two processes. Each life calls Slack through its own path and names its
    database session, so the fake and the server can tell who did what."""

    def __init__(self, tmp: Path, side: SlackSide, name: str, url: str,
                 clock_file: Path) -> None:
        tmp.mkdir()
        super().__init__(tmp, side)
        self.name, self.url, self.lives = name, url, 0
        self.clock_file, self.log = clock_file, tmp / f"{name}.log"
        self.env["QUIZBOT_LEADER_POLL_SECONDS"] = str(POLL)
        self.env["QUIZBOT_FAKE_TIME_FILE"] = str(clock_file)   # one clock for both

    @property
    def life(self) -> str:
        return f"{self.name}-{self.lives}"

    async def start(self) -> None:
        self.lives += 1
        self.database = f"{self.url}&application_name={self.life}"
        assert isinstance(self.side, SlackSide)
        self.env["QUIZBOT_SLACK_API_BASE"] = f"{self.side.fake.base_url}/via/{self.life}/api/"
        await super().start()


async def _leader(conn: Any) -> str | None:
    """The life whose session holds the leader lock (pg_try_advisory_lock(bigint) puts the
    key's low 32 bits in objid), if any does."""
    name = await conn.fetchval(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1"
        " AND l.objsubid = 1", LEADER_LOCK)
    return str(name) if name else None


@contextlib.asynccontextmanager
async def _database(pg: pg_server.PgServer) -> AsyncIterator[tuple[str, Any]]:
    """A new database for the replicas (they migrate it), and the harness's own session."""
    import asyncpg

    name = pg.create()
    url = pg.url(name)
    conn = await asyncpg.connect(url)
    try:
        yield url, conn
    finally:
        await conn.close()
        pg.drop(name)


def _diagnose(replicas: list[Replica], pg: pg_server.PgServer, url: str) -> str:
    dbname = url.split("/")[3].split("?")[0]
    rounds = pg.psql("SELECT id, local_date, state, deadline, thread_id, post_attempts FROM"
                     " rounds ORDER BY id DESC LIMIT 3", dbname=dbname, tuples=True,
                     check=False).stdout
    subs = pg.psql("SELECT id, active, post_time, days FROM subscriptions", dbname=dbname,
                   tuples=True, check=False).stdout
    side = replicas[0].side
    said = [str(r.get("text"))[:200] for r in side.fake.responses] \
        if isinstance(side, SlackSide) else []
    out = [f"clock file: {replicas[0].clock_file.read_text()}\nrounds:\n{rounds}\n"
           f"subscriptions:\n{subs}\nresponses: {said}"]
    for r in replicas:
        alive = r.proc is not None and r.proc.returncode is None
        tail = r.log.read_text(errors="replace").splitlines()[-25:]
        out.append(f"{r.life} alive: {alive}; log tail:\n" + "\n".join(tail))
    return "\n".join(out)


def _posting_spans(side: SlackSide) -> dict[str, tuple[int, int]]:
    """For each life, the first and last of its keyed posts (questions, reveals) in the
    order the fake received all posts."""
    spans: dict[str, tuple[int, int]] = {}
    posts = [c for c in side.fake.calls if c.method == "chat.postMessage" and c.ok]
    for i, call in enumerate(posts):
        blocks = call.params.get("blocks") or []
        if any(str(b.get("block_id", "")).startswith("quizbot_post:") for b in blocks):
            first, _ = spans.get(call.client, (i, i))
            spans[call.client] = (first, i)
    return spans


async def test_two_replicas_one_sigkilled_at_random_points_keep_every_promise(
        tmp_path: Path, pg: pg_server.PgServer) -> None:
    rng = random.Random(SEED)
    loop = asyncio.get_running_loop()
    async with fake_slack() as fake, _database(pg) as (url, conn):
        fake.spread = random.Random(SEED + 1)
        side = SlackSide(fake)
        clock = tmp_path / "now.txt"
        replicas = [Replica(tmp_path / n, side, n, url, clock) for n in ("r1", "r2")]
        replicas[0].set_time(T0)
        for r in replicas:
            await r.start()
        await side.schedule()

        kills, takeovers = 0, []
        done = asyncio.Event()

        async def killer() -> None:
            nonlocal kills
            while kills < REPLICA_KILLS and not done.is_set():
                await asyncio.sleep(rng.uniform(*side.kill_after))
                victim = rng.choice(replicas)
                other = replicas[1 - replicas.index(victim)]
                led = await _leader(conn) == victim.life
                killed_at = loop.time()
                await victim.kill()
                kills += 1
                if led:   # the survivor takes over by itself, the killed one still down
                    while await _leader(conn) != other.life:
                        assert loop.time() - killed_at < TAKEOVER_BOUND, \
                            f"{other.life} did not take over from {victim.life}\n" \
                            f"{_diagnose(replicas, pg, url)}"
                        await asyncio.sleep(0.01)
                    takeovers.append(loop.time() - killed_at)
                await victim.start()

        acked: set[str] = set()
        killing = asyncio.create_task(killer())
        day, failed = T0, True
        try:
            while not killing.done():
                replicas[0].set_time(day.replace(hour=9, minute=1))
                try:
                    await side.wait_for(lambda d=day: side.question(d) is not None, WAIT)
                except AssertionError:
                    raise AssertionError(f"no question for {day.date()}\n"
                                         f"{_diagnose(replicas, pg, url)}") from None
                thread = side.question(day)
                assert thread is not None
                answers = {f"{day.date()}-{u}": (u, f"19{day:%y%m%d}{i:02d}.000001")
                           for i, u in enumerate(PEOPLE)}
                give_up = loop.time() + WAIT
                while True:   # until each answer is acknowledged
                    seen = side.acknowledged()
                    missing = sorted(e for e, v in answers.items() if v[1] not in seen)
                    if not missing:
                        break
                    assert loop.time() < give_up, f"answers never acknowledged on " \
                        f"{day.date()}: {missing}\n{_diagnose(replicas, pg, url)}"
                    await side.deliver(thread, answers, seen)
                    await asyncio.sleep(0.2)
                acked.update(ts for _, ts in answers.values())
                replicas[0].set_time(day.replace(hour=11, minute=1))   # past the deadline
                try:
                    await side.wait_for(lambda t=thread: side.revealed(t), WAIT)
                except AssertionError:
                    raise AssertionError(f"no reveal for {day.date()}\n"
                                         f"{_diagnose(replicas, pg, url)}") from None
                day += timedelta(days=1)
            failed = False
        finally:
            done.set()
            await killing
            for r in replicas if failed else []:   # not left running after a failure
                await r.kill()
        final = day.replace(hour=8)
        replicas[0].set_time(final)
        await asyncio.sleep(0.5)
        for r in replicas:
            assert await r.stop() == 0, r.life
        stored = {r["message_id"] for r in await conn.fetch("SELECT message_id FROM answers")}
        rounds = await conn.fetch("SELECT id, local_date, state, deadline FROM rounds")
        keys = side.keys()
        spans = _posting_spans(side)
        answered_by = {c.client.split("-")[0] for c in fake.calls
                       if c.method == "reactions.add" and c.ok}

    assert kills == REPLICA_KILLS
    # 1. Every acknowledged answer is in the database.
    assert acked <= stored, f"acknowledged but lost: {acked - stored}"
    # 2. No round posted twice, and one round per local date.
    assert len({r["local_date"] for r in rounds}) == len(rounds)
    twice = {k: n for k, n in keys.items() if n > 1 and k}
    assert not twice, f"posted more than once: {twice}"
    # 3. Every round past its deadline revealed, exactly once.
    for r in rounds:
        deadline = r["deadline"]
        if isinstance(deadline, str):
            deadline = datetime.fromisoformat(deadline.replace("Z", "+00:00"))
        if deadline <= final:
            assert r["state"] == "revealed", (r["local_date"], r["state"])
            assert keys[f"round:{r['id']}:reveal"] == 1, r["local_date"]
            assert keys[f"round:{r['id']}:question"] == 1, r["local_date"]
    # 4. One replica at a time posted: no two lives' posts interleave.
    ordered = sorted(spans.values())
    overlaps = [(a, b) for a, b in itertools.pairwise(ordered) if b[0] <= a[1]]
    assert not overlaps, f"two replicas posting at once: {spans}"
    assert len(spans) > 1, f"the posts never changed hands: {spans}"
    # 5. Events were spread: both replicas took answers.
    assert answered_by == {"r1", "r2"}, answered_by
    print(json.dumps({"replicas": 2, "kills": kills, "leader_kills": len(takeovers),
                      "days": len(rounds), "answers": len(acked),
                      "slowest_takeover_s": round(max(takeovers, default=0), 3)}))
