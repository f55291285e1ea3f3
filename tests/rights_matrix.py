"""The permission matrix as a scenario every adapter's tests walk.

One workspace, one channel with a revealed round that bob answered (and appealed, A1;
he flagged a question too, F1), two teams, and five
people, one per role. Each cell runs one command as one role: an allowed cell must not be
refused; a refused cell must be refused with the database exactly as it was. After an
allowed cell the database is put back, so every cell starts from the same state.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.base import Actor, IncomingMessage
from bot.app import Core
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.subscriptions import ChannelRef
from bot.services.catalogue import CATALOGUE, GROUPS, named_commands
from bot.services.commands import CommandContext
from bot.services.rights import (
    ADMINS_ONLY,
    MATRIX,
    NOT_CHANNEL_LEAD,
    NOT_MEMBERS_LEAD,
    NOT_TEAM_LEAD,
    OWN_POINTS,
    Power,
)
from tests.dbdump import dump as dump_rows

ROLES = ("admin", "own-team lead", "other-team lead", "channel lead", "member")
ALLOWED: dict[Power, set[str]] = {
    Power.EVERYONE: set(ROLES),
    Power.TEAM_LEAD: {"admin", "own-team lead"},
    Power.MEMBERS_LEAD: {"admin", "own-team lead"},
    Power.CHANNEL_LEAD: {"admin", "channel lead"},
    Power.ADMIN: {"admin"},
}
#: the arguments each matrix row is run with; {role} is that person's mention on the platform
#: (spaces and dashes in a role read as underscores)
ARGS: dict[str, str] = {
    "help": "", "topics": "", "quiz": "sample", "quiz review": "", "quiz rate": "knew",
    "quiz remind": "on", "team digest": "off",
    "quiz interview": "sample", "followup": "because the vocabulary is bytes",
    "leaderboard": "all",
    "stats": "", "results": "", "schedule": "", "vote": "{bob}",
    "appeal": "last the grader missed my point on subwords",
    "flag": "sample-tokens the reference answer is out of date",
    "appeals": "", "accept": "A1 2 the point was there", "reject": "A1 the answer misses it",
    "close": "F1 the entry was updated",
    "team list": "", "team show": "backend",
    "team add": "backend {member}", "team remove": "backend {bob}",
    "team report": "backend", "team export": "backend",
    "award": "{bob} 5 a clear answer", "correct": "{bob} 3 recounted",
    "subscribe": "10:00 Asia/Tokyo", "unsubscribe": "", "post": "",
    "channel topics": "all", "channel levels": "all", "channel blind": "on",
    "channel followups": "thread",
    "team create": "rogue", "team rename": "backend platform", "team delete": "backend",
    "team lead": "backend {member}", "team unlead": "backend {own_team_lead}",
    "team follow": "backend G1", "team unfollow": "backend",
    "channel lead": "{member}", "channel unlead": "{channel_lead}",
}
REFUSALS = tuple(m.title for m in (ADMINS_ONLY, NOT_TEAM_LEAD, NOT_CHANNEL_LEAD,
                                   NOT_MEMBERS_LEAD, OWN_POINTS))
FAILURES = ("I could not read that", "Something went wrong", "Unknown command")
LEAD_COMMANDS = [k for k, power in MATRIX.items() if power is not Power.EVERYONE]


def cells(keys: list[str] | None = None) -> list[tuple[str, str]]:
    return [(key, role) for key in (keys or list(MATRIX)) for role in ROLES]


@dataclass
class Cast:
    """The scenario's people as one platform knows them (role -> actor; "bob" too)."""

    actors: dict[str, Actor]
    channel: ChannelRef
    mention: Callable[[Actor], str]

    def args(self, key: str) -> str:
        return ARGS[key].format(**{k.replace("-", "_").replace(" ", "_"): self.mention(a)
                                   for k, a in self.actors.items()})

    async def resolve(self, token: str) -> Actor | None:
        return next((a for a in self.actors.values() if self.mention(a) == token), None)


async def build_scenario(core: Core, cast: Cast, clock: FixedClock, *,
                         answer_id: str = "990001") -> None:
    """Set the scene through the core as the admin would, then reveal bob's round."""
    admin = CommandContext(cast.actors["admin"], cast.channel, "general", cast.resolve)
    m = {role: cast.mention(a) for role, a in cast.actors.items()}
    for p in cast.actors.values():   # everyone has taken part once (names are known)
        await core.practice.start(p, "sample")
    clock.set(datetime(2026, 11, 22, 8, 0, tzinfo=UTC))
    for name, args in [("subscribe", "09:00 UTC"), ("team", "create backend"),
                       ("team", "create frontend"), ("team", f"add backend {m['bob']}"),
                       ("team", f"lead backend {m['own-team lead']}"),
                       ("team", f"lead frontend {m['other-team lead']}"),
                       ("channel", f"lead {m['channel lead']}")]:
        result = await core.commands.run(admin, name, args)
        assert not result.message.refused and "could not" not in result.message.title, \
            (name, args, result.message.text())
    sub = await core.subscriptions.get(cast.channel)
    assert sub is not None
    clock.set(datetime(2026, 11, 22, 9, 5, tzinfo=UTC))
    rnd = await core.rounds.post_due(sub.id)
    assert rnd is not None and rnd.thread_id
    bob = cast.actors["bob"]
    stored = await core.rounds.record_answer(IncomingMessage(
        bob, cast.channel, "Attention weighs every token against every other token.",
        answer_id, thread_id=rnd.thread_id, event_id="ev-bob-1"))
    assert stored.outcome.value == "recorded", stored
    clock.set(datetime(2026, 11, 22, 17, 30, tzinfo=UTC))
    await core.rounds.sweep()
    bob_ctx = CommandContext(bob, cast.channel, "general", cast.resolve)
    for name, args in [("appeal", "last the grader missed my point on attention"),
                       ("flag", "sample-softmax the answer skips log-softmax entirely")]:
        result = await core.commands.run(bob_ctx, name, args)   # A1 and F1, to decide
        assert " sent" in result.message.title, result.message.text()


def dump(where: Path | Settings) -> list[tuple[object, ...]]:
    return dump_rows(where)


def copy_db(source: Path, target: Path) -> None:
    """SQLite's online backup, so the live connection sees the restored pages."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


Runner = Callable[[str, str, str], Awaitable[str]]


async def walk(db: Path, cast: Cast, run: Runner, keys: list[str] | None = None) -> int:
    """Run every cell; returns how many ran. ``run(role, key, args)`` gives the reply."""
    saved = db.with_name("scenario.db")
    copy_db(db, saved)
    ran = 0
    for key, role in cells(keys):
        before = dump(db)
        text = await run(role, key, cast.args(key))
        ran += 1
        refused = any(title in text for title in REFUSALS)
        if role in ALLOWED[MATRIX[key]]:
            assert not refused, f"{role} was refused {key}: {text}"
            assert not any(f in text for f in FAILURES), f"{role} {key}: {text}"
            copy_db(saved, db)
        else:
            assert refused, f"{role} may not {key}, yet got: {text}"
            assert dump(db) == before, f"{role} {key} was refused but changed the database"
    return ran


def unknown_commands(text: str, platform: str) -> set[str]:
    """Commands named in ``text`` that ``platform`` does not have."""
    spellings = {s for c in CATALOGUE if (s := c.spelling(platform))}
    spellings |= set(GROUPS.get(platform, {}).values())
    standalone = {s for s in spellings if " " not in s}
    prefixes = {s.split()[0] for s in spellings}
    bad = set()
    for token in named_commands(text):
        first = token.split()[0]
        if token in spellings or first in standalone or (token == first and first in prefixes):
            continue
        bad.add(token)
    return bad
