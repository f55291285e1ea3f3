"""The command catalogue: every command named anywhere exists where it is named, help lists
exactly the platform's commands, and the README's table is the catalogue's."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.adapters.base import Actor
from bot.app import Core
from bot.domain.subscriptions import ChannelRef
from bot.services.catalogue import (
    CATALOGUE,
    PLATFORMS,
    named_commands,
    route,
    spell,
    spelled_text,
)
from bot.services.commands import CommandContext
from tests.rights_matrix import unknown_commands

ROOT = Path(__file__).parents[2]
#: which platform's spelling each source file's strings are written in
SOURCES = {**{p: "console" for p in (ROOT / "bot" / "services").glob("*.py")
              if p.name != "catalogue.py"},
           **{p: "console" for p in (ROOT / "bot" / "domain").rglob("*.py")},
           ROOT / "bot" / "adapters" / "console.py": "console",
           ROOT / "bot" / "adapters" / "slack.py": "slack",
           ROOT / "bot" / "adapters" / "discord.py": "discord"}


def strings(path: Path) -> list[str]:
    """The string literals people may read (docstrings are for programmers)."""
    tree = ast.parse(path.read_text())
    docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in docs]


@pytest.mark.parametrize("path", sorted(SOURCES), ids=lambda p: p.name)
def test_every_command_the_code_names_exists(path: Path) -> None:
    platform = SOURCES[path]
    named = {t for s in strings(path) for t in unknown_commands(s, platform)}
    assert named == set(), f"{path.name} names commands {platform} does not have"


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_help_lists_exactly_the_platforms_commands(core: Core, platform: str) -> None:
    actor = Actor(platform, "T1", "U9", "zoe")
    ctx = CommandContext(actor, ChannelRef(platform, "T1", "C1"))
    text = (await core.commands.run(ctx, "help")).message.text()
    listed = {t.split(" [")[0] for t in re.findall(r"^(/[a-z]+(?: [a-z]+)?)", text, re.M)}
    assert listed == {s for c in CATALOGUE if (s := c.spelling(platform))}


@pytest.mark.parametrize("platform", ["slack", "discord"])
def test_every_console_spelling_has_a_platform_spelling(platform: str) -> None:
    for c in CATALOGUE:
        if c.group == "console":
            assert c.spelling(platform) is None
            continue
        text = f"Try {c.console} now."
        spelt = spelled_text(text, platform)
        assert spelt == f"Try {spell(c.key, platform)} now."
        assert spelled_text(spelt, platform) == spelt        # spelling twice changes nothing
        command, _, word = spell(c.key, platform).partition(" ")
        name, _, action = c.key.partition(" ")
        assert route(platform, command, f"{word} x".strip()) == (name, f"{action} x".strip())


def test_paths_and_zones_are_not_commands() -> None:
    text = "Europe/Paris, https://x.test/vote, a/b, </team>, /teams-ish"
    assert named_commands(spelled_text(text, "slack")) == []


def test_readme_command_table_is_the_catalogue() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Commands"):]
    section = section[:section.index("\n## ", 1)]
    rows = re.findall(r"^\| (.+?) \| (.+?) \| (.+?) \| (.+?) \|$", section, re.M)[2:]

    def cell(c_spelling: str | None, args: str) -> str:
        return f"`{c_spelling} {args}`".replace(" `", "`") if c_spelling else "-"

    expected = [(c.help, cell(c.console, c.args), cell(c.slack, c.args),
                 cell(c.discord, c.args)) for c in CATALOGUE]
    assert [tuple(col.replace("\\|", "|") for col in row) for row in rows] == expected
