"""The permission matrix through the real Slack and Discord adapters: every lead command,
spelled as each platform spells it, run by an admin, a lead of the team, a lead of another
team, a channel lead and a member (see tests/rights_matrix.py)."""

from __future__ import annotations

import json

from bot.adapters.base import Actor
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.subscriptions import ChannelRef
from bot.services.catalogue import spell
from tests.e2e.discord_helpers import discord_env
from tests.e2e.slack_helpers import slack_env
from tests.fakes.discord import CHANNEL_ID, GUILD_ID, OWNER_ID
from tests.fakes.slack import TEAM, FakeSlack
from tests.rights_matrix import (
    LEAD_COMMANDS,
    Cast,
    build_scenario,
    cells,
    dump,
    unknown_commands,
    walk,
)

#: lead commands, and what everyone may read on the same platform commands
KEYS = [*LEAD_COMMANDS, "schedule", "results", "team list", "team show"]
SLACK_USERS = {"admin": ("UADMIN", "lead"), "own-team lead": ("U4", "dana"),
               "other-team lead": ("U5", "erin"), "channel lead": ("U6", "frank"),
               "member": ("U3", "carol"), "bob": ("U2", "bob")}
DISCORD_IDS = {"admin": OWNER_ID, "own-team lead": 24, "other-team lead": 25,
               "channel lead": 26, "member": 23, "bob": 22}


def slack_cast(fake: FakeSlack) -> Cast:
    for uid, name in SLACK_USERS.values():
        if uid not in fake.users:
            fake.add_user(uid, name)
    return Cast({role: Actor("slack", TEAM, uid, name, is_admin=role == "admin")
                 for role, (uid, name) in SLACK_USERS.items()},
                ChannelRef("slack", TEAM, "C1"), lambda a: f"<@{a.user_id}>")


def discord_cast() -> Cast:
    return Cast({role: Actor("discord", str(GUILD_ID), str(uid), f"user{uid}",
                             is_admin=role == "admin") for role, uid in DISCORD_IDS.items()},
                ChannelRef("discord", str(GUILD_ID), str(CHANNEL_ID)),
                lambda a: f"<@{a.user_id}>")


def spelled(key: str, args: str, platform: str) -> tuple[str, str]:
    """The platform's slash command and its text for a catalogue command."""
    command, _, word = spell(key, platform).partition(" ")
    return command, f"{word} {args}".strip()


async def test_slack_matrix(settings: Settings, clock: FixedClock,
                            sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        cast = slack_cast(env.fake)
        await build_scenario(env.core, cast, clock)
        users = SLACK_USERS

        async def run(role: str, key: str, args: str) -> str:
            command, text = spelled(key, args, "slack")
            seen = len(env.fake.responses)
            await env.command(command, text, user=users[role][0])
            return str((await env.last_response(seen + 1))["text"])

        assert await walk(settings.db, cast, run, KEYS) == len(cells(KEYS))
        for command, text in (("/quiz", "help"), ("/quizteam", ""), ("/quizadmin", "")):
            seen = len(env.fake.responses)
            await env.command(command, text, user="U3")   # help, as a member asks for it
            await env.last_response(seen + 1)
        said = json.dumps([env.fake.responses, env.fake.posted])
        assert "/quizadmin post" in said and "/quiz vote" in said
        assert unknown_commands(said, "slack") == set()


async def test_discord_matrix(settings: Settings, clock: FixedClock,
                              sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        cast, ids = discord_cast(), DISCORD_IDS
        await build_scenario(env.core, cast, clock)

        async def run(role: str, key: str, args: str) -> str:
            command, text = spelled(key, args, "discord")
            return await env.run(command.lstrip("/"), text, by=ids[role])

        assert await walk(settings.db, cast, run, KEYS) == len(cells(KEYS))
        for command, text in (("help", ""), ("team", "help"), ("schedule", "frobnicate")):
            await env.run(command, text, by=23)
        said = json.dumps([env.fake.messages, env.fake.followups, env.fake.callbacks])
        assert "/schedule post" in said and "/vote" in said
        assert unknown_commands(said, "discord") == set()


async def test_a_demoted_slack_admin_loses_rights_within_seconds(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        now = [1000.0]
        env.adapter.monotonic = lambda: now[0]
        env.fake.add_user("U7", "gina", admin=True)
        await env.command("/quizteam", "create first", user="U7")
        assert "Team first created" in (await env.last_response(1))["text"]
        env.fake.users["U7"]["is_admin"] = False      # demoted in Slack's admin settings
        now[0] += 6
        before = dump(settings.db.as_posix())
        await env.command("/quizteam", "create second", user="U7")
        assert "Only a workspace admin" in (await env.last_response(2))["text"]
        assert dump(settings.db.as_posix()) == before
