"""Property-based tests: arbitrary input never crashes, always gets a reply, and rejected
input leaves the database unchanged."""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.base import IncomingMessage
from bot.app import Core, build
from bot.bank import BankError, load_bank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.rounds import MAX_ANSWER_CHARS, AnswerOutcome
from bot.domain.subscriptions import Subscription
from bot.domain.text import defuse
from bot.services.catalogue import BY_KEY
from bot.services.commands import CommandContext
from tests.conftest import SAMPLE_BANK
from tests.dbdump import dump
from tests.fakes.memory import CHANNEL, LEAD, MemoryPlatform, person

T = TypeVar("T")
# derandomize: the same examples on every run, so CI is deterministic; database=None: no
# .hypothesis folder left behind.
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
# Unicode of every category, control characters and lone surrogates excluded by the codec.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
MASS = re.compile(r"@(everyone|here|channel)\b|<!(everyone|here|channel)|<@[!&]?\w+>",
                  re.IGNORECASE)


class World:
    """One core on a real SQLite file, driven from synchronous hypothesis tests."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.tmp = tempfile.TemporaryDirectory()
        self.db = Path(self.tmp.name) / "fuzz.db"
        self.clock = FixedClock(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        self.memory = MemoryPlatform()
        self.core: Core = self.run(self._build())
        self.thread = self.run(self._open_round())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coro)

    async def _build(self) -> Core:
        s = Settings(db=self.db, questions_dir=SAMPLE_BANK, _env_file=None)  # type: ignore[call-arg]
        core = await build(s, clock=self.clock, bank=load_bank(SAMPLE_BANK))
        core.platforms.register(self.memory)
        return core

    async def _open_round(self) -> str:
        sub = await self.core.subscriptions.subscribe(
            LEAD, CHANNEL, "general", post_time=self.core.default_post_time, timezone="UTC",
            window=timedelta(hours=8))
        assert isinstance(sub, Subscription)
        rnd = await self.core.rounds.post_due(sub.id)
        assert rnd is not None and rnd.thread_id
        return rnd.thread_id

    def close(self) -> None:
        self.run(self.core.close())
        self.runner.close()
        self.tmp.cleanup()


COMMANDS = [*{k.split()[0] for k in BY_KEY}, "nope", "", "TEAM", "quiz"]


@FUZZ
@given(name=st.sampled_from(COMMANDS) | TEXT, args=TEXT)
def test_any_command_text_gets_a_reply_and_non_leads_change_nothing(name: str,
                                                                    args: str) -> None:
    world = World()
    try:
        before = dump(str(world.db))
        ctx = CommandContext(person("U7", "mallory"), CHANNEL, "general")
        result = world.run(world.core.commands.run(ctx, name, args))
        assert result.message.title and result.message.text()
        if result.practice is None and name.strip().lstrip("/").lower() != "vote":
            assert dump(str(world.db)) == before
    finally:
        world.close()


@FUZZ
@given(text=TEXT | st.sampled_from(["", " \n\t", "x" * (MAX_ANSWER_CHARS + 1),
                                    "y" * 100_000, "\x00\x07\x1b[31m", "@everyone hi",
                                    "<!channel> <@U1> **bold** `code`"]),
       event=st.text(max_size=20))
def test_any_answer_is_stored_exactly_or_rejected_without_change(text: str,
                                                                 event: str) -> None:
    world = World()
    try:
        before = dump(str(world.db))
        msg = IncomingMessage(person(), CHANNEL, text, "m1", thread_id=world.thread,
                              event_id=event or None)
        result = world.run(world.core.rounds.record_answer(msg))
        stored = [r for r in dump(str(world.db)) if r[0] == "answers"]
        if not text.strip() or len(text.strip()) > MAX_ANSWER_CHARS:
            assert result.outcome is AnswerOutcome.REJECTED and result.reply is not None
            assert dump(str(world.db)) == before
        else:
            assert result.outcome is AnswerOutcome.RECORDED
            assert len(stored) == 1 and stored[0][4] == text.strip()
    finally:
        world.close()


@settings(derandomize=True, database=None)
@given(TEXT | st.from_regex(r"(@(everyone|here|channel)|<!(channel|here)>|<@!?[0-9]{3}>)",
                            fullmatch=True))
def test_defused_text_can_never_mention_anyone(text: str) -> None:
    assert not MASS.search(defuse(text))


YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20)


@FUZZ
@given(content=st.one_of(TEXT, YAML_VALUES.map(lambda v: yaml.safe_dump(v)),
                         st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_the_bank_loader_reports_instead_of_crashing(content: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "topic.yaml").write_text(content, encoding="utf-8")
        try:
            load_bank(Path(tmp))
        except BankError as exc:
            assert exc.problems and all(p.startswith("topic.yaml") for p in exc.problems)


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                       lambda inner: st.lists(inner, max_size=3) |
                       st.dictionaries(st.sampled_from(
                           ["type", "subtype", "user", "ts", "thread_ts", "text", "channel",
                            "message", "bot_id", "item", "reaction", "team_id", "event_id"]),
                           inner, max_size=6), max_leaves=15)


@FUZZ
@given(event=st.dictionaries(st.sampled_from(
    ["type", "subtype", "user", "ts", "thread_ts", "text", "channel", "message", "bot_id"]),
    JSONISH, max_size=8), body=st.dictionaries(st.sampled_from(["team_id", "event_id"]),
                                               JSONISH, max_size=2))
def test_malformed_slack_events_are_dropped_safely(event: dict[str, Any],
                                                   body: dict[str, Any]) -> None:
    from bot.adapters.slack import SlackAdapter

    world = World()
    try:
        adapter = SlackAdapter(world.core, bot_token="xoxb-fuzz", signing_secret="s",
                               api_base="http://127.0.0.1:9/api/")
        adapter._users[("T1", "U1")] = (float("inf"), person())  # no users.info call
        before = [r for r in dump(str(world.db)) if r[0] == "answers"]
        try:
            world.run(adapter._on_message(body, event))
        except (TypeError, AttributeError, KeyError, ValueError) as exc:
            raise AssertionError(f"malformed event crashed the handler: {exc!r}") from exc
        except Exception:  # network errors reaching the (absent) Slack API are fine here
            pass
        after = [r for r in dump(str(world.db)) if r[0] == "answers"]
        assert len(after) <= len(before) + 1
    finally:
        world.close()
