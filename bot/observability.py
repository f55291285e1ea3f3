"""Prometheus metrics: their definitions, and the thin wrappers that feed them.

Imported only when the metrics endpoint is on (QUIZBOT_METRICS_PORT), so an ordinary start
never loads prometheus_client. Every metric lives on a private CollectorRegistry: two cores
in one process (tests) never share counters.

What is measured where, without touching the round service:

- platform calls go through ``Platforms``, which wraps each platform as it registers
  (``InstrumentedPlatform``): questions and reveals posted, answers acknowledged by outcome,
  acknowledgement latency, and platform errors by call and kind;
- the judge built by ``make_judge`` is wrapped (``InstrumentedJudge``);
- the scheduler reports each sweep's duration;
- what the database knows (rounds by state, answers stored, how late reveals came) is read
  when /metrics is scraped (``Metrics.refresh``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.adapters.base import (
    ChatPlatform,
    IncomingMessage,
    Message,
    MessageKind,
    PlatformError,
    Sent,
)
from bot.domain.grading import Grade
from bot.domain.questions import Question
from bot.domain.rounds import AnswerOutcome, RoundState
from bot.domain.subscriptions import ChannelRef
from bot.services.judging import Judge
from bot.storage.db import Database, fetch_all, from_db, to_db

ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
JUDGE_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
SWEEP_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
LAG_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 21600.0,
               86400.0)
#: the optional platform calls (FindsSent, StartsThreads, TellsPeople) whose errors count
OPTIONAL_CALLS = frozenset({"find_sent", "start_thread", "tell"})

Monotonic = Callable[[], float]
T = TypeVar("T")
EPOCH = "1970-01-01T00:00:00.000000Z"


class Metrics:
    """Every quizbot metric, on its own registry."""

    def __init__(self, *, monotonic: Monotonic = time.monotonic) -> None:
        self.monotonic = monotonic
        self.registry = r = CollectorRegistry(auto_describe=True)
        self.rounds_posted = Counter(
            "quizbot_rounds_posted", "Daily questions posted", ["platform"], registry=r)
        self.rounds_revealed = Counter(
            "quizbot_rounds_revealed", "Reveals posted", ["platform"], registry=r)
        self.answers = Counter(
            "quizbot_answers_stored", "Answers committed and acknowledged, by outcome",
            ["platform", "outcome"], registry=r)
        self.ack_latency = Histogram(
            "quizbot_ack_latency_seconds", "From receiving an answer to its acknowledgement "
            "returning (storing it included)", ["platform"], buckets=ACK_BUCKETS, registry=r)
        self.platform_errors = Counter(
            "quizbot_platform_errors", "Failed platform calls, by call and kind (retryable, "
            "permanent, unexpected)", ["platform", "call", "kind"], registry=r)
        self.judge_seconds = Histogram(
            "quizbot_judge_seconds", "Time a judge call took (grade: one answer; grade_all: "
            "a round's answers)", ["judge", "call"], buckets=JUDGE_BUCKETS, registry=r)
        self.judge_failures = Counter(
            "quizbot_judge_failures", "Judge failures (the rubric graded instead), by reason",
            ["judge", "reason"], registry=r)
        self.sweep_seconds = Histogram(
            "quizbot_sweep_duration_seconds", "How long a sweep took", buckets=SWEEP_BUCKETS,
            registry=r)
        self.sweep_failures = Counter(
            "quizbot_sweep_failures", "Sweeps that ended in an error", registry=r)
        self.last_sweep_age = Gauge(
            "quizbot_last_sweep_age_seconds", "Seconds since the last successful sweep "
            "(-1 before the first)", registry=r)
        self.reveal_lag = Histogram(
            "quizbot_reveal_lag_seconds", "How long after its deadline a round was revealed "
            "(rounds revealed since start-up)", buckets=LAG_BUCKETS, registry=r)
        self.rounds_in_db = Gauge(
            "quizbot_rounds_in_database", "Rounds in the database, by state", ["state"],
            registry=r)
        self.answers_in_db = Gauge(
            "quizbot_answers_in_database", "Answers in the database, on time or late",
            ["late"], registry=r)
        self.connected = Gauge(
            "quizbot_platform_connected", "1 when the platform's adapter is connected",
            ["platform"], registry=r)
        self._lag_since: str | None = None   # reveals at or after this moment are new
        self._lag_seen: set[int] = set()

    # -- feeding ---------------------------------------------------------------------------

    def platform(self, inner: ChatPlatform) -> ChatPlatform:
        return InstrumentedPlatform(inner, self)

    def judge(self, inner: Judge) -> Judge:
        return InstrumentedJudge(inner, self)

    def sweep_finished(self, seconds: float, ok: bool) -> None:
        self.sweep_seconds.observe(seconds)
        if not ok:
            self.sweep_failures.inc()

    def platform_error(self, platform: str, call: str, exc: BaseException) -> None:
        if isinstance(exc, PlatformError):
            kind = "retryable" if exc.retryable else "permanent"
        else:
            kind = "unexpected"
        self.platform_errors.labels(platform, call, kind).inc()

    # -- scraping --------------------------------------------------------------------------

    def reveals_since(self, moment: datetime) -> None:
        """Count reveal lag only for rounds revealed at or after ``moment`` (start-up)."""
        self._lag_since = to_db(moment)

    async def refresh(self, db: Database) -> None:
        """Read what the database knows into the gauges, and observe the reveal lag of
        rounds revealed since the last scrape."""
        async with db.reading() as conn:
            states = await fetch_all(conn, "SELECT state, COUNT(*) FROM rounds GROUP BY state")
            answers = await fetch_all(conn, "SELECT late, COUNT(*) FROM answers GROUP BY late")
            revealed = await fetch_all(
                conn, "SELECT id, deadline, revealed_at FROM rounds WHERE state = ? AND "
                "reveal_message_id IS NOT NULL AND revealed_at >= ? ORDER BY revealed_at",
                (RoundState.REVEALED.value, self._lag_since or EPOCH))
        by_state = {str(row[0]): int(row[1]) for row in states}
        for state in RoundState:
            self.rounds_in_db.labels(state.value).set(by_state.get(state.value, 0))
        by_late = {bool(row[0]): int(row[1]) for row in answers}
        for late in (False, True):
            self.answers_in_db.labels(str(late).lower()).set(by_late.get(late, 0))
        newest = self._lag_since
        for row in revealed:
            round_id, at = int(row[0]), str(row[2])
            if round_id in self._lag_seen:
                continue
            lag = (from_db(at) - from_db(str(row[1]))).total_seconds()
            self.reveal_lag.observe(max(0.0, lag))
            if newest is None or at > newest:
                newest, self._lag_seen = at, set()
            self._lag_seen.add(round_id)
        self._lag_since = newest

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class InstrumentedPlatform:
    """A registered platform, counted: every call the core makes passes through here.
    Optional calls (find_sent, start_thread, tell) exist only when the platform has them,
    as the core decides by ``getattr``; anything else is the platform's own attribute."""

    def __init__(self, inner: ChatPlatform, metrics: Metrics) -> None:
        self.inner = inner
        self.name = inner.name
        self._metrics = metrics

    async def send(self, channel: ChannelRef, message: Message, *,
                   thread_id: str | None = None) -> Sent:
        sent = await self._call("send", self.inner.send(channel, message, thread_id=thread_id))
        if message.kind is MessageKind.QUESTION:
            self._metrics.rounds_posted.labels(self.name).inc()
        elif message.kind is MessageKind.REVEAL:
            self._metrics.rounds_revealed.labels(self.name).inc()
        return sent

    async def acknowledge(self, message: IncomingMessage, outcome: AnswerOutcome) -> None:
        # called only after the answer's transaction committed: it is stored either way
        self._metrics.answers.labels(self.name, outcome.value).inc()
        await self._call("acknowledge", self.inner.acknowledge(message, outcome))
        self._metrics.ack_latency.labels(self.name).observe(
            max(0.0, self._metrics.monotonic() - message.received_at))

    async def _call(self, call: str, pending: Awaitable[T]) -> T:
        try:
            return await pending
        except Exception as exc:
            self._metrics.platform_error(self.name, call, exc)
            raise

    def __getattr__(self, attr: str) -> Any:
        if attr == "inner":   # not set yet (a copy being made): no recursion
            raise AttributeError(attr)
        value = getattr(self.inner, attr)
        if attr not in OPTIONAL_CALLS or not callable(value):
            return value

        async def counted(*args: Any, **kwargs: Any) -> Any:
            return await self._call(attr, value(*args, **kwargs))

        return counted


class InstrumentedJudge:
    """The configured judge, timed; its failures counted (an exception it raises, or, for
    the LLM judge, each answer it hands to the rubric)."""

    def __init__(self, inner: Judge, metrics: Metrics) -> None:
        self.inner = inner
        self.name = inner.name
        self._metrics = metrics
        if hasattr(inner, "on_failure"):
            inner.on_failure = self._failed

    def _failed(self, reason: str) -> None:
        self._metrics.judge_failures.labels(self.name, reason).inc()

    async def grade(self, question: Question, answer: str) -> Grade:
        return await self._timed("grade", lambda: self.inner.grade(question, answer))

    async def grade_all(self, question: Question, answers: Sequence[str], *,
                        label: str = "") -> list[Grade]:
        return await self._timed(
            "grade_all", lambda: self.inner.grade_all(question, answers, label=label))

    async def _timed(self, call: str, run: Callable[[], Awaitable[T]]) -> T:
        started = self._metrics.monotonic()
        try:
            return await run()
        except Exception as exc:
            self._failed(type(exc).__name__)
            raise
        finally:
            self._metrics.judge_seconds.labels(self.name, call).observe(
                self._metrics.monotonic() - started)
