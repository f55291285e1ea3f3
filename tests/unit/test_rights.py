"""Who may do what: every command x every role through the core, the caps and the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.adapters.base import Actor
from bot.app import Core
from bot.clock import FixedClock
from bot.services.catalogue import CATALOGUE
from bot.services.commands import CommandContext, Commands
from bot.services.rights import MATRIX, Power
from tests.fakes.memory import CHANNEL, LEAD, person
from tests.rights_matrix import ALLOWED, Cast, build_scenario, cells, dump, walk

README = Path(__file__).parents[2] / "README.md"
CAST = {"admin": LEAD, "own-team lead": person("U4", "dana"),
        "other-team lead": person("U5", "erin"), "channel lead": person("U6", "frank"),
        "member": person("U3", "carol"), "bob": person("U2", "bob")}


def cast() -> Cast:
    return Cast(CAST, CHANNEL, lambda a: a.display_name)


async def run_as(core: Core, actor: Actor, command: str) -> str:
    name, _, args = command.partition(" ")
    ctx = CommandContext(actor, CHANNEL, "general", cast().resolve)
    return (await core.commands.run(ctx, name, args)).message.text()


@pytest.fixture
async def scene(core: Core, clock: FixedClock) -> Core:
    await build_scenario(core, cast(), clock)
    return core


@pytest.mark.sqlite_only   # each cell restores the scene with SQLite's online backup
async def test_every_command_for_every_role(scene: Core) -> None:
    async def run(role: str, key: str, args: str) -> str:
        name, _, action = key.partition(" ")
        return await run_as(scene, CAST[role], f"{name} {action} {args}".strip())

    assert await walk(scene.settings.db, cast(), run) == len(cells())


def test_the_matrix_names_every_command_and_action() -> None:
    commands = {n.removeprefix("_cmd_") for n in dir(Commands) if n.startswith("_cmd_")}
    core_keys = {c.key for c in CATALOGUE if c.group != "console"}
    assert {k.split()[0] for k in core_keys} == commands
    assert set(MATRIX) == core_keys


def test_readme_matrix_is_the_code_matrix() -> None:
    text = README.read_text()
    section = text[text.index("## Who may do what"):]
    section = section[:section.index("\n## ", 1)]
    rows = dict(re.findall(r"^\| `([^`]+)` \| ([^|]+?) \|", section, re.M))
    assert rows == {key: power.value for key, power in MATRIX.items()}
    assert set(ALLOWED) == set(Power)


async def test_nobody_changes_their_own_points(scene: Core) -> None:
    before = dump(scene.settings)
    for actor, name in [(LEAD, "lead"), (CAST["own-team lead"], "dana")]:
        # dana is a member of the team she leads; an admin is nobody's exception either
        await run_as(scene, LEAD, "team add backend dana")
        before = dump(scene.settings)
        for command in (f"award {name} 5 me", f"correct {name} 40 me"):
            assert "cannot change your own points" in await run_as(scene, actor, command)
        assert dump(scene.settings) == before


async def test_a_lead_moves_one_persons_round_by_fifty_in_all(scene: Core) -> None:
    dana = CAST["own-team lead"]
    assert "Points updated" in await run_as(scene, dana, "award bob 30 great follow-up")
    assert "Points updated" in await run_as(scene, dana, "award bob -15 too generous")
    before = dump(scene.settings)
    refused = await run_as(scene, dana, "award bob 10 one more")
    assert "over a lead's limit" in refused and "45 used, 5 left" in refused
    refused = await run_as(scene, dana, "correct bob 0 start again")  # a big delta counts too
    assert "over a lead's limit" in refused
    assert dump(scene.settings) == before
    assert "Points updated" in await run_as(scene, dana, "award bob 5 last one")
    # an admin is not capped by the lead's use
    assert "Points updated" in await run_as(scene, LEAD, "award bob 50 admin's call")


async def test_a_team_lead_cannot_touch_the_admins_points(scene: Core) -> None:
    before = dump(scene.settings)
    reply = await run_as(scene, CAST["own-team lead"], "correct lead 0 nope")
    assert "Only their team's leads" in reply
    assert dump(scene.settings) == before


async def test_an_admin_takes_back_what_was_given(scene: Core) -> None:
    frank, dana = CAST["channel lead"], CAST["own-team lead"]
    assert "Daily question" in await run_as(scene, frank, "subscribe 10:00")
    assert "no longer runs" in await run_as(scene, LEAD, "channel unlead frank")
    assert "Only this channel's leads" in await run_as(scene, frank, "subscribe 11:00")
    assert "no longer leads backend" in await run_as(scene, LEAD, "team unlead backend dana")
    assert "Only this team's leads" in await run_as(scene, dana, "team report backend")
    assert "does not lead" in await run_as(scene, LEAD, "team unlead backend dana")
