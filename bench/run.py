"""`make bench`: quizbot's performance figures beside their targets, as JSON.

Writes bench/results.json and prints the same JSON. Every figure is measured in this run on
this machine; nothing is asserted (the targets are reported, met or missed).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.data import populate  # noqa: E402
from bench.engines import postgres_side  # noqa: E402
from bench.scale import main as scale_run  # noqa: E402
from bot.adapters.base import Actor, IncomingMessage, Message, Sent  # noqa: E402
from bot.app import Core, build, tune_garbage_collection  # noqa: E402
from bot.bank import load_bank  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.domain.grading import grade  # noqa: E402
from bot.domain.periods import Period  # noqa: E402
from bot.domain.rounds import AnswerOutcome  # noqa: E402
from bot.domain.subscriptions import ChannelRef  # noqa: E402
from bot.grading_eval import DEFAULT_SET, evaluate, load_set  # noqa: E402
from bot.services.judging import RubricJudge  # noqa: E402
from bot.services.leaderboard import BoardQuery, Scope  # noqa: E402
from bot.storage.repositories import TeamRow  # noqa: E402

TARGETS = {"ingest.ratio": ">= 0.5", "ingest.per_s": ">= 2000", "leaderboard.p95_ms": "<= 10",
           "grading.p95_ms": "<= 2", "grading.new_text.p95_ms": "<= 2",
           "fanout.ratio_to_bound": "<= 1.10",
           "ack.p99_ms": "<= 100", "startup.seconds": "<= 2", "startup.rss_mb": "<= 150"}
# The simulated scale run (bench/scale.py): within half again of the bound, nothing posted
# twice, nothing the platform refused.
TARGETS |= {f"scale.{p}.{figure}": target for p in ("slack", "discord")
            for figure, target in (("ratio_to_bound", "<= 1.5"), ("duplicates", "<= 0"),
                                   ("rejected_429", "<= 0"))}
# Grading quality, judged on the held-out half of the labelled set (tests/data/grading).
QUALITY = "grading_quality.held-out"
TARGETS |= {
    f"{QUALITY}.auc_correct_vs_wrong": ">= 0.85",
    f"{QUALITY}.auc_correct_vs_off_topic": ">= 0.95",
    **{f"{QUALITY}.mean_score.{p}": "<= 0.15" for p in ("keywords", "labels", "filler")},
    **{f"{QUALITY}.probe_beats_correct.{p}": "<= 0.10" for p in ("keywords", "labels", "filler")},
    **{f"{QUALITY}.mean_score.{p}": "<= 0.1" for p in ("idk", "prompt", "negated")},
    f"{QUALITY}.key_points.precision": ">= 0.9",
    f"{QUALITY}.key_points.recall": ">= 0.7",
}
NOON = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LEAD = Actor("bench", "T1", "LEAD", "lead", is_admin=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


class BenchPlatform:
    """A platform that answers at once, optionally under a request-rate limit."""

    name = "bench"

    def __init__(self, rate: float | None = None) -> None:
        self.rate, self.sent, self._next = rate, 0, 0.0
        self.acked: dict[str, float] = {}

    async def send(self, channel: ChannelRef, message: Message, *,
                   thread_id: str | None = None) -> Sent:
        if self.rate:  # the platform admits one request every 1/rate seconds
            now = time.perf_counter()
            wait = self._next - now
            if wait > 0:
                await asyncio.sleep(wait)
            self._next = max(now, self._next) + 1 / self.rate
        self.sent += 1
        return Sent(f"m{self.sent}", f"t{self.sent}")

    async def acknowledge(self, message: IncomingMessage, outcome: AnswerOutcome) -> None:
        self.acked[message.message_id] = time.perf_counter()


async def _core(db: Path | str, platform_: BenchPlatform, clock: FixedClock) -> Core:
    """A bot on a SQLite file, or on the PostgreSQL database a URL names."""
    url = db if isinstance(db, str) else None
    settings = Settings(db=Path(db) if url is None else Path("unused.db"),  # type: ignore[call-arg]
                        database_url=url, questions_dir=ROOT / "questions", _env_file=None)
    core = await build(settings, clock=clock)
    core.platforms.register(platform_)
    return core


async def _open_round(core: Core, clock: FixedClock) -> str:
    sub = await core.subscriptions.subscribe(LEAD, ChannelRef("bench", "T1", "C1"), "c",
                                             post_time=core.default_post_time, timezone="UTC",
                                             window=timedelta(hours=8))
    clock.set(NOON.replace(hour=9, minute=5))
    rnd = await core.rounds.post_due(sub.id)  # type: ignore[union-attr]
    assert rnd is not None and rnd.thread_id
    return rnd.thread_id


def _answer(i: int, thread: str) -> IncomingMessage:
    return IncomingMessage(Actor("bench", "T1", f"U{i}", f"user{i}"),
                           ChannelRef("bench", "T1", "C1"),
                           f"Answer {i}: tokens are subword pieces from a vocabulary.",
                           f"msg{i}", thread_id=thread, event_id=f"ev{i}")


async def bench_ingest(tmp: Path, n: int = 3000, url: str | None = None) -> dict[str, Any]:
    clock = FixedClock(NOON)
    core = await _core(url or tmp / "ingest.db", BenchPlatform(), clock)
    try:
        thread = await _open_round(core, clock)
        start = time.perf_counter()
        for i in range(n):
            await core.rounds.record_answer(_answer(i, thread))
        per_s = n / (time.perf_counter() - start)
    finally:
        await core.close()
    if url is not None:
        return {"per_s": round(per_s), "answers": n}
    conn = await aiosqlite.connect(tmp / "raw.db", isolation_level=None)
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = FULL")  # as durable as quizbot's commits
    await conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)")
    start = time.perf_counter()
    for i in range(n):
        await conn.execute("BEGIN IMMEDIATE")
        await conn.execute("INSERT INTO t (a, b) VALUES (?, ?)", (f"U{i}", "answer"))
        await conn.execute("COMMIT")
    raw = n / (time.perf_counter() - start)
    await conn.close()
    return {"per_s": round(per_s), "raw_per_s": round(raw), "ratio": round(per_s / raw, 3),
            "answers": n}


async def bench_leaderboard(db: Path | str, runs: int = 30) -> dict[str, Any]:
    core = await _core(db, BenchPlatform(), FixedClock(NOON))
    timings: dict[str, list[float]] = {}
    try:
        channel = ChannelRef("slack", "T1", "C1")
        team = TeamRow(1, "slack", "T1", "team1", None)
        for period in Period:
            for scope in ("channel", "team"):
                query = BoardQuery(Scope.CHANNEL, period) if scope == "channel" else \
                    BoardQuery(Scope.TEAM, period, team)
                key = f"{scope}.{period.value}"
                timings[key] = []
                for _ in range(runs):
                    start = time.perf_counter()
                    await core.leaderboard.show(query, channel, limit=10)
                    timings[key].append((time.perf_counter() - start) * 1000)
    finally:
        await core.close()
    all_ms = [t for ts in timings.values() for t in ts]
    return {"p50_ms": pct(all_ms, 0.5), "p95_ms": pct(all_ms, 0.95),
            "by_query_p95_ms": {k: pct(v, 0.95) for k, v in timings.items()}}


async def bench_grading_quality() -> dict[str, Any]:
    """`quizbot grading eval` for the rubric judge: every figure, no worst cases."""
    bank = load_bank(ROOT / "questions")
    report = await evaluate(bank, load_set(DEFAULT_SET, bank), RubricJudge().grade, "rubric")
    return report.figures


def check(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target with this run's figure and whether it was met."""
    out = {}
    for name, target in TARGETS.items():
        value: Any = results
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        op, bound = target.split()
        met = None if value is None else (value >= float(bound) if op == ">=" else
                                          value <= float(bound))
        out[name] = {"value": value, "target": target, "met": met}
    return out


def answers_of(question_answer: str, count: int, chars: int = 4000) -> list[str]:
    """``count`` different answers of about ``chars`` characters, each the reference answer's
    sentences shuffled and repeated: every one is new to the grader's cache of answers read,
    and none ends in a cut-off word the grader would take for a typo. Their words are not
    new to it (see new_answers)."""
    sentences = re.split(r"(?<=[.!?])\s+", question_answer)
    out = []
    for i in range(count):
        order = sentences[:]
        random.Random(i).shuffle(order)
        text = " ".join(order * (chars // len(question_answer) + 1))[:chars]
        out.append(text[:text.rfind(" ")])
    return out


def new_answers(answers: list[str], count: int, chars: int = 4000) -> list[str]:
    """``count`` answers of about ``chars`` characters, each sentences drawn from all of
    ``answers``: unlike answers_of, most of their word pairs and many of their words are
    new to the grader's word caches, as a person's are, and they hold the dashes and
    symbols the bank's answers use."""
    sentences = [s for answer in answers for s in re.split(r"(?<=[.!?])\s+", answer)]
    out = []
    for i in range(count):
        rng = random.Random(10_000 + i)
        picked: list[str] = []
        while sum(map(len, picked)) + len(picked) < chars:
            picked.append(rng.choice(sentences))
        text = " ".join(picked)[:chars]
        out.append(text[:text.rfind(" ")])
    return out


def bench_grading(runs: int = 500) -> dict[str, Any]:
    bank = load_bank(ROOT / "questions")
    question = max(bank, key=lambda q: len(q.key_points) * 1000 + len(q.answer))
    texts = answers_of(question.answer, runs)
    new_texts = new_answers([q.answer for q in bank], runs)
    grade(question, question.answer)  # warm the rubric and vocabulary caches, as a bot has
    tune_garbage_collection()  # and collect garbage as the bot does after start-up

    def timed(texts: list[str]) -> list[float]:
        ms = []
        for text in texts:
            start = time.perf_counter()
            grade(question, text)
            ms.append((time.perf_counter() - start) * 1000)
        return ms

    ms, new_ms = timed(texts), timed(new_texts)
    return {"p50_ms": pct(ms, 0.5), "p95_ms": pct(ms, 0.95),
            "chars": max(map(len, texts)), "key_points": len(question.key_points),
            "new_text": {"p50_ms": pct(new_ms, 0.5), "p95_ms": pct(new_ms, 0.95),
                         "chars": max(map(len, new_texts))}}


async def bench_fanout(tmp: Path, channels: int = 1000, rate: float = 200.0) -> dict[str, Any]:
    clock = FixedClock(NOON.replace(hour=8))
    platform_ = BenchPlatform(rate)
    core = await _core(tmp / "fanout.db", platform_, clock)
    try:
        for c in range(channels):
            await core.subscriptions.subscribe(LEAD, ChannelRef("bench", "T1", f"C{c}"), "c",
                                               post_time=core.default_post_time,
                                               timezone="UTC", window=timedelta(hours=8))
        clock.set(NOON.replace(hour=9))
        start = time.perf_counter()
        await core.rounds.sweep()
        elapsed = time.perf_counter() - start
    finally:
        await core.close()
    bound = channels / rate
    return {"seconds": round(elapsed, 3), "bound_seconds": bound, "channels": channels,
            "limit_per_s": rate, "posted": platform_.sent,
            "ratio_to_bound": round(elapsed / bound, 3)}


async def bench_ack(tmp: Path, burst: int = 1000, url: str | None = None) -> dict[str, Any]:
    clock = FixedClock(NOON)
    platform_ = BenchPlatform()
    core = await _core(url or tmp / "ack.db", platform_, clock)
    try:
        thread = await _open_round(core, clock)
        received: dict[str, float] = {}

        async def one(i: int) -> None:
            msg = _answer(i, thread)
            received[msg.message_id] = time.perf_counter()
            await core.rounds.record_answer(msg)

        await asyncio.gather(*(one(i) for i in range(burst)))
        ms = [(platform_.acked[m] - t) * 1000 for m, t in received.items()]
    finally:
        await core.close()
    return {"p50_ms": pct(ms, 0.5), "p99_ms": pct(ms, 0.99), "burst": burst}


STARTUP = """
import asyncio, json, sys, time
start = time.perf_counter()
sys.path.insert(0, {root!r})
from bot.app import build
from bot.clock import SystemClock
from bot.config import Settings

async def main():
    core = await build(Settings(db={db!r}, _env_file=None), clock=SystemClock())
    await core.start()
    ready = time.perf_counter() - start
    await core.close()
    await asyncio.sleep(0)
    # VmHWM: this process's own peak (ru_maxrss would include the parent's, from the fork)
    with open("/proc/self/status") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
    rss = hwm / 1024
    print(json.dumps({{"seconds": round(ready, 3), "rss_mb": round(rss, 1)}}))

asyncio.run(main())
"""


def bench_startup(db: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", STARTUP.format(root=str(ROOT), db=str(db))],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


async def main() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="quizbot-bench-") as tmpdir:
        tmp = Path(tmpdir)
        big = tmp / "big.db"
        core = await _core(big, BenchPlatform(), FixedClock(NOON))  # creates the schema
        await core.close()
        start = time.perf_counter()
        populate(big, people=50_000, score_rows=1_000_000)
        generated = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        core = await _core(big, BenchPlatform(), FixedClock(NOON))  # rebuilds the totals
        await core.close()
        rebuilt = round(time.perf_counter() - start, 1)
        results: dict[str, Any] = {
            "ingest": await bench_ingest(tmp),
            "leaderboard": {**await bench_leaderboard(big), "score_rows": 1_000_000,
                            "people": 50_000},
            "grading": bench_grading(),
            "grading_quality": await bench_grading_quality(),
            "fanout": await bench_fanout(tmp),
            "ack": await bench_ack(tmp),
            "startup": {**bench_startup(big), "score_rows": 1_000_000},
        }
        results["postgresql"] = await postgres_side(
            results, big, lambda url: bench_ingest(tmp, url=url),
            lambda url: bench_ack(tmp, url=url), bench_leaderboard)
    results["scale"] = await scale_run()
    results["targets"] = check(results)
    results["machine"] = {"cores": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()}
    results["when"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["data_generation_seconds"] = generated
    results["totals_rebuild_seconds_1m_rows"] = rebuilt
    return results


if __name__ == "__main__":
    report = asyncio.run(main())
    text = json.dumps(report, indent=2)
    (ROOT / "bench" / "results.json").write_text(text + "\n", encoding="utf-8")
    print(text)
