"""/healthz and /metrics, scraped over 127.0.0.1 while the day's loop runs on the memory
platform; time moves only through the injected clock."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.adapters.base import ConfigError, IncomingMessage, Message, MessageKind, PlatformError
from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.grading import Grade
from bot.domain.questions import Question
from bot.domain.rounds import AnswerOutcome
from bot.domain.subscriptions import ChannelRef, Subscription
from bot.observability import Metrics
from tests.conftest import SAMPLE_BANK
from tests.fakes.memory import CHANNEL, LEAD, MemoryPlatform, answer

ROOT = Path(__file__).resolve().parents[2]
SWEEP = 60.0


@dataclass
class Running:
    core: Core
    memory: MemoryPlatform
    clock: FixedClock
    base: str
    http: aiohttp.ClientSession

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(self.base + path) as resp:
            return resp.status, await resp.text()

    async def healthz(self) -> tuple[int, dict[str, Any]]:
        status, body = await self.get("/healthz")
        return status, json.loads(body)

    async def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        status, body = await self.get("/metrics")
        assert status == 200
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(body) for s in family.samples}


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str,
          **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(db=tmp_path / "q.db", questions_dir=SAMPLE_BANK, metrics_port=0,
                    sweep_seconds=SWEEP, _env_file=None, **extra)  # type: ignore[call-arg]


@pytest.fixture
async def running(tmp_path: Path, sample_bank: QuestionBank) -> AsyncIterator[Running]:
    clock = FixedClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))   # a Monday
    core = await build(_settings(tmp_path), clock=clock, bank=sample_bank)
    memory = MemoryPlatform()
    core.platforms.register(memory)
    assert core.health is not None
    port = await core.health.serve("127.0.0.1", 0)
    await core.start()   # the start-up sweep, then the real scheduler (minute sweeps)
    try:
        async with aiohttp.ClientSession() as http:
            yield Running(core, memory, clock, f"http://127.0.0.1:{port}", http)
    finally:
        await core.close()


async def _subscribe(core: Core) -> Subscription:
    sub = await core.subscriptions.subscribe(LEAD, CHANNEL, "general",
                                             post_time=core.default_post_time,
                                             timezone="UTC", window=timedelta(hours=8))
    assert isinstance(sub, Subscription)
    return sub


async def test_counters_move_as_the_day_runs(running: Running) -> None:
    core, clock = running.core, running.clock
    before = await running.metrics()
    assert value(before, "quizbot_rounds_posted_total", platform="memory") == 0
    sweeps_before = value(before, "quizbot_sweep_duration_seconds_count")
    assert sweeps_before >= 1   # the start-up sweep

    await _subscribe(core)
    clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
    await core.scheduler.sweep()                  # posts the 09:00 round
    thread = running.memory.questions[0].sent.thread_id
    outcome = await core.rounds.record_answer(answer(thread, "Retrieval grounds the answer "
                                                             "in documents."))
    assert outcome.outcome is AnswerOutcome.RECORDED
    clock.set(datetime(2026, 11, 23, 17, 1, 30, tzinfo=UTC))   # 90 s past the deadline
    await core.scheduler.sweep()                  # reveals it
    assert len(running.memory.reveals) == 1

    after = await running.metrics()
    assert value(after, "quizbot_rounds_posted_total", platform="memory") == 1
    assert value(after, "quizbot_rounds_revealed_total", platform="memory") == 1
    assert value(after, "quizbot_answers_stored_total", platform="memory",
                 outcome="recorded") == 1
    assert value(after, "quizbot_ack_latency_seconds_count", platform="memory") == 1
    assert value(after, "quizbot_reveal_lag_seconds_count") == 1
    assert value(after, "quizbot_reveal_lag_seconds_sum") == pytest.approx(90.0)
    assert value(after, "quizbot_sweep_duration_seconds_count") == sweeps_before + 2
    assert value(after, "quizbot_judge_seconds_count", judge="rubric", call="grade_all") == 1
    assert value(after, "quizbot_rounds_in_database", state="revealed") == 1
    assert value(after, "quizbot_rounds_in_database", state="open") == 0
    assert value(after, "quizbot_answers_in_database", late="false") == 1
    assert value(after, "quizbot_platform_connected", platform="memory") == 1
    assert value(after, "quizbot_last_sweep_age_seconds") == 0

    again = await running.metrics()   # a reveal is observed once, however often scraped
    assert value(again, "quizbot_reveal_lag_seconds_count") == 1


async def test_platform_errors_are_counted_by_call_and_kind(running: Running) -> None:
    core, clock, memory = running.core, running.clock, running.memory
    sub = await _subscribe(core)
    clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
    memory.fail_next_sends = 1
    assert (await core.rounds.post_due(sub.id)) is not None
    memory.fail_next_threads = 1
    await core.scheduler.sweep()   # the retry posts, its thread fails once
    samples = await running.metrics()
    assert value(samples, "quizbot_platform_errors_total", platform="memory", call="send",
                 kind="retryable") == 1
    assert value(samples, "quizbot_platform_errors_total", platform="memory",
                 call="start_thread", kind="retryable") == 1
    assert value(samples, "quizbot_rounds_posted_total", platform="memory") == 1


async def test_healthz_fails_when_sweeps_stop_and_recovers(running: Running) -> None:
    status, body = await running.healthz()
    assert status == 200
    assert body == {"ok": True, "database": "writable", "adapters": {"memory": True},
                    "last_sweep_age_seconds": 0.0}
    running.clock.advance(timedelta(seconds=3 * SWEEP))
    assert (await running.healthz())[0] == 200   # at the threshold: still fine
    running.clock.advance(timedelta(seconds=1))
    status, body = await running.healthz()
    assert status == 503 and body["ok"] is False
    assert body["last_sweep_age_seconds"] == 3 * SWEEP + 1
    await running.core.scheduler.sweep()
    assert (await running.healthz())[0] == 200


async def test_healthz_fails_when_the_database_takes_no_writes(running: Running) -> None:
    await running.core.db.conn.execute("PRAGMA query_only = ON")
    status, body = await running.healthz()
    assert status == 503 and body["ok"] is False
    assert "readonly" in body["database"]
    await running.core.db.conn.execute("PRAGMA query_only = OFF")
    status, body = await running.healthz()
    assert status == 200 and body["database"] == "writable"


async def test_healthz_reports_an_adapter_not_connected(running: Running) -> None:
    running.core.platforms.set_ready("memory", False)
    status, body = await running.healthz()
    assert status == 200 and body["adapters"] == {"memory": False}   # the supervisor's job
    samples = await running.metrics()
    assert value(samples, "quizbot_platform_connected", platform="memory") == 0


async def test_no_sweep_yet_is_healthy_only_within_start_up_grace(
        tmp_path: Path, sample_bank: QuestionBank) -> None:
    clock = FixedClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    core = await build(_settings(tmp_path), clock=clock, bank=sample_bank)
    try:
        assert core.health is not None
        ok, body = await core.health.status()
        assert ok and body["last_sweep_age_seconds"] is None and body["adapters"] == {}
        clock.advance(timedelta(seconds=3 * SWEEP + 1))
        ok, _ = await core.health.status()
        assert not ok
    finally:
        await core.close()


async def test_a_port_in_use_is_a_config_error(tmp_path: Path,
                                               sample_bank: QuestionBank) -> None:
    clock = FixedClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    core = await build(_settings(tmp_path), clock=clock, bank=sample_bank)
    taken = socket.socket()
    try:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert core.health is not None
        with pytest.raises(ConfigError, match="QUIZBOT_METRICS_PORT"):
            await core.health.serve("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()
        await core.close()


async def test_metrics_are_off_by_default(
        tmp_path: Path, sample_bank: QuestionBank) -> None:
    settings = Settings(db=tmp_path / "q.db", _env_file=None)  # type: ignore[call-arg]
    assert settings.metrics_port is None and settings.metrics_host == "127.0.0.1"
    core = await build(settings, clock=FixedClock(datetime(2026, 11, 23, tzinfo=UTC)),
                       bank=sample_bank)
    try:
        assert core.health is None and core.platforms.wrap is None
    finally:
        await core.close()


def test_start_up_does_not_import_prometheus() -> None:
    code = ("import sys, bot.app, bot.__main__; "
            "assert 'prometheus_client' not in sys.modules, 'imported'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


# -- the wrappers alone -----------------------------------------------------------------------


class _Ticking:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class _Bare:
    """A platform with only the two required calls."""

    name = "bare"

    async def send(self, channel: ChannelRef, message: Any, *,
                   thread_id: str | None = None) -> Any:
        raise PlatformError("not in channel", retryable=False)

    async def acknowledge(self, message: IncomingMessage, outcome: AnswerOutcome) -> None:
        return None


async def test_ack_latency_runs_from_receipt_to_the_acknowledgement() -> None:
    ticks = _Ticking(100.25)
    metrics = Metrics(monotonic=ticks)
    platform = metrics.platform(_Bare())
    msg = answer("t1", "text")
    msg = IncomingMessage(msg.actor, msg.channel, msg.text, msg.message_id,
                          thread_id="t1", received_at=100.0)
    await platform.acknowledge(msg, AnswerOutcome.LATE)
    reg = metrics.registry
    assert reg.get_sample_value("quizbot_ack_latency_seconds_sum", {"platform": "bare"}) == 0.25
    assert reg.get_sample_value("quizbot_answers_stored_total",
                                {"platform": "bare", "outcome": "late"}) == 1
    with pytest.raises(PlatformError):
        await platform.send(CHANNEL, Message("hello", kind=MessageKind.QUESTION))
    assert reg.get_sample_value("quizbot_platform_errors_total", {
        "platform": "bare", "call": "send", "kind": "permanent"}) == 1
    # optional calls the platform lacks stay absent: the core decides by getattr
    assert getattr(platform, "start_thread", None) is None
    assert getattr(platform, "find_sent", None) is None


class _Flaky:
    name = "flaky"

    def __init__(self) -> None:
        self.on_failure: Any = None

    async def grade(self, question: Question, answer: str) -> Grade:
        raise TimeoutError

    async def grade_all(self, question: Question, answers: Any, *,
                        label: str = "") -> list[Grade]:
        self.on_failure("ClientError")   # an LLM judge falling back for one answer
        return []


async def test_judge_latency_and_failures(sample_bank: QuestionBank) -> None:
    ticks = _Ticking(5.0)
    metrics = Metrics(monotonic=ticks)
    judge = metrics.judge(_Flaky())
    question = next(iter(sample_bank))
    with pytest.raises(TimeoutError):
        await judge.grade(question, "x")
    assert await judge.grade_all(question, ["x"]) == []
    reg = metrics.registry
    assert reg.get_sample_value("quizbot_judge_failures_total",
                                {"judge": "flaky", "reason": "TimeoutError"}) == 1
    assert reg.get_sample_value("quizbot_judge_failures_total",
                                {"judge": "flaky", "reason": "ClientError"}) == 1
    assert reg.get_sample_value("quizbot_judge_seconds_count",
                                {"judge": "flaky", "call": "grade"}) == 1
