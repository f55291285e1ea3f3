"""Arbitrary arguments through the real Slack and Discord command paths: every lead command,
spelled as the platform spells it, with words drawn (from a fixed seed) from what commands
expect and from all of Unicode. Each gets a reply, and none fails with a bug."""

from __future__ import annotations

import random

from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from tests.e2e.discord_helpers import discord_env
from tests.e2e.slack_helpers import slack_env
from tests.e2e.test_rights import KEYS, discord_cast, slack_cast, spelled
from tests.fakes.discord import OWNER_ID
from tests.fuzz.test_command_args import EXPECTED
from tests.rights_matrix import build_scenario

SAMPLES = 40
#: code points that trip parsers: superscripts, other scripts' digits, fullwidth forms,
#: combining marks, direction controls, zero-width space, emoji, CJK
TRICKY = [*"²³¹⁵½Ⅻ٣۴߅१௫๓１２：", "\u0301", "\u202e", "\u200b", "😀", "字", "\t"]


def words(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(0, 5)):
        if rng.random() < 0.6:
            out.append(rng.choice(EXPECTED))
        else:
            out.append("".join(rng.choice(TRICKY) if rng.random() < 0.5 else
                               chr(rng.randint(0x21, 0x2FFF)) for _ in range(rng.randint(1, 6))))
    return " ".join(out)


def samples() -> list[tuple[str, str]]:
    rng = random.Random(15)
    return [(rng.choice(KEYS), words(rng)) for _ in range(SAMPLES)]


async def test_slack_commands_read_any_arguments(settings: Settings, clock: FixedClock,
                                                 sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        await build_scenario(env.core, slack_cast(env.fake), clock)
        for key, args in samples():
            for user in ("UADMIN", "U4", "U3"):  # an admin, a team lead, a member
                command, text = spelled(key, args, "slack")
                seen = len(env.fake.responses)
                await env.command(command, text, user=user)
                said = str((await env.last_response(seen + 1))["text"])
                assert said.strip() and "Something went wrong" not in said, (command, text)


async def test_discord_commands_read_any_arguments(settings: Settings, clock: FixedClock,
                                                   sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        await build_scenario(env.core, discord_cast(), clock)
        for key, args in samples():
            for user in (OWNER_ID, 24, 23):  # an admin, a team lead, a member
                command, text = spelled(key, args, "discord")
                said = await env.run(command.lstrip("/"), text, by=user)
                assert said.strip() and "Something went wrong" not in said, (command, text)
