"""Every command's arguments, as anyone might type them: the words a command expects mixed
with arbitrary Unicode (superscript and other scripts' digits, marks, controls of direction).
Whoever runs it, it gets a reply and no command fails with a bug."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.base import Actor
from bot.services.commands import CommandContext
from bot.services.rights import MATRIX
from tests.fakes.memory import CHANNEL
from tests.fuzz.test_fuzz import FUZZ, World
from tests.rights_matrix import ROLES, Cast, build_scenario
from tests.unit.test_rights import CAST

#: words the commands read, and near misses of them
EXPECTED = ["backend", "frontend", "nosuch", "week", "month", "all", "WEEK", "7", "0", "-3",
            "+5", "365", "99999999999", "09:00", "9:5", "25:00", "UTC", "Europe/Paris",
            "europe/paris", "Mars/Olympus", "8h", "30m", "0h", "mon-fri", "sat", "funday",
            "on", "off", "sample", "intern", "bob", "carol", "lead", "@bob", "<@U2>", "<@>",
            "G1", "2026-11-22", "2026-02-30", "team", "channel", "workspace", "practice",
            "topics", "levels", "blind", "lead", "unlead", "a,b", ",", "-", "²", "³h", "٣",
            "１２", "१०:००", "１２:００", "1e3", "½", "Ⅻ", "⁵⁰"]
WORD = st.sampled_from(EXPECTED) | st.text(
    st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)
ARGS = st.lists(WORD, max_size=6).map(" ".join)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    w = World()
    w.run(build_scenario(w.core, Cast(CAST, CHANNEL, lambda a: a.display_name), w.clock))
    yield w
    w.close()


def reply_to(world: World, actor: Actor, key: str, args: str) -> str:
    name, _, action = key.partition(" ")
    ctx = CommandContext(actor, CHANNEL, "general")
    result = world.run(world.core.commands.run(ctx, name, f"{action} {args}".strip()))
    return result.message.text()


@FUZZ
@given(key=st.sampled_from(sorted(MATRIX)), args=ARGS, role=st.sampled_from(ROLES))
def test_every_command_reads_any_arguments(world: World, key: str, args: str,
                                           role: str) -> None:
    text = reply_to(world, CAST[role], key, args)
    assert text.strip() and "Something went wrong" not in text, (key, args, text)


@pytest.mark.parametrize("args", ["backend ²", "backend week ²", "backend ٣", "backend １２"])
def test_a_number_in_another_script_is_refused_politely(world: World, args: str) -> None:
    text = reply_to(world, CAST["admin"], "team report", args)
    assert "I could not read that" in text
