"""The sharded gateway: the real AutoShardedClient against the fake Discord, which gives
each shard's connection only its own guilds (topics/gateway, "Sharding")."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from bot.adapters import discord as discord_adapter
from bot.adapters.base import Actor, ConfigError, Message
from bot.app import Core
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.subscriptions import ChannelRef
from bot.storage.repositories import Answers
from tests.e2e.discord_helpers import DiscordEnv, discord_env
from tests.fakes.discord import (
    CHANNEL_ID,
    GUILD_ID,
    OWNER_ID,
    FakeDiscord,
    fake_discord,
    shard_of,
)

GUILD_B, CHANNEL_B = (1 << 22) | GUILD_ID, 2100     # a guild created a little later
GOOD = ("A token is a subword piece from a fixed vocabulary. The vocabulary is learned with "
        "byte-pair encoding, which merges frequent pairs, so rare words split into pieces.")


async def two_guilds(fake: FakeDiscord, core: Core) -> None:
    """The bot is in two guilds and Discord recommends two shards, which may identify
    together; one connection may hold only one guild here, so an unsharded bot would be
    refused (4011)."""
    fake.guilds[GUILD_B] = CHANNEL_B
    fake.recommended_shards = 2
    fake.max_concurrency = 2
    fake.max_guilds_per_session = 1


async def post_daily_question(env: DiscordEnv, clock: FixedClock, channel: int) -> int:
    """Schedule the channel by slash command (an interaction on its guild's shard) and post
    its daily question; returns the question's thread."""
    text = await env.run("schedule", "set 09:00 UTC 8h", by=OWNER_ID, channel_id=channel)
    assert "Posts at 09:00 UTC" in text, text
    await env.run("schedule", "topics sample", by=OWNER_ID, channel_id=channel)
    ref = ChannelRef("discord", str(env.fake.guild_of(channel)), str(channel))
    sub = await env.core.subscriptions.get(ref)
    assert sub is not None
    clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
    rnd = await env.core.rounds.post_due(sub.id)
    assert rnd is not None and rnd.thread_id
    return int(rnd.thread_id)


@pytest.mark.parametrize("options", [{"shard_count": 2}, {"sharded": True}],
                         ids=["configured-count", "discords-recommendation"])
async def test_two_shards_each_carry_their_guild_to_the_core(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank,
        options: dict[str, Any]) -> None:
    assert (shard_of(GUILD_ID, 2), shard_of(GUILD_B, 2)) == (0, 1)
    async with discord_env(settings, clock, sample_bank, prepare=two_guilds,
                           **options) as env:
        fake = env.fake
        # two connections, each identified with its shard, each given only its guild
        assert sorted((s.shard, s.guilds) for s in fake.sessions) == [
            ((0, 2), [GUILD_ID]), ((1, 2), [GUILD_B])]
        assert fake.refused_identifies == 0
        assert any(c.path == "/gateway/bot" for c in fake.calls)   # limits (and count)
        assert {g.id for g in env.adapter.client.guilds} == {GUILD_ID, GUILD_B}

        threads = {g: await post_daily_question(env, clock, c) for g, c in fake.guilds.items()}
        assert {int(fake.threads[t]["guild_id"]) for t in threads.values()} == set(fake.guilds)
        first = await fake.say(threads[GUILD_ID], 21, GOOD)
        second = await fake.say(threads[GUILD_B], 22, GOOD)
        await fake.wait_for(lambda: len(fake.reactions) == 2)
        assert {(t, m) for t, m, _ in fake.reactions} == {
            (threads[GUILD_ID], int(first["id"])), (threads[GUILD_B], int(second["id"]))}

        by_shard = {s.shard: s.sent for s in fake.sessions}
        for shard in ((0, 2), (1, 2)):   # each answer came on its own guild's connection
            assert by_shard[shard].count("MESSAGE_CREATE") == 1
            assert by_shard[shard].count("INTERACTION_CREATE") == 2
        async with env.core.db.reading() as conn:
            answers = [await Answers(conn).for_round(r) for r in (1, 2)]
        assert sorted(a.person.display_name for rnd in answers for a in rnd) == ["alice", "bob"]


async def test_a_replica_holding_one_shard_gets_only_its_guild(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank, prepare=two_guilds,
                           shard_count=2, shard_ids=[1]) as env:
        fake = env.fake
        assert [(s.shard, s.guilds) for s in fake.sessions] == [((1, 2), [GUILD_B])]
        assert fake.session_for(GUILD_ID) is None   # another replica's shard 0 gets it
        thread = await post_daily_question(env, clock, CHANNEL_B)
        answer = await fake.say(thread, 21, GOOD)
        await fake.wait_for(lambda: (thread, int(answer["id"]), "✅") in fake.reactions)

        # the replica that runs the schedules posts in every guild, its shards' or not
        lead = Actor("discord", str(GUILD_ID), str(OWNER_ID), "lead", is_admin=True)
        ref = ChannelRef("discord", str(GUILD_ID), str(CHANNEL_ID))
        sub = await env.core.subscriptions.subscribe(
            lead, ref, "general", post_time=env.core.default_post_time, timezone="UTC",
            window=env.core.default_window)
        assert not isinstance(sub, Message), sub
        rnd = await env.core.rounds.post_due(sub.id)
        assert rnd is not None and rnd.thread_id and int(rnd.thread_id) in fake.threads
        assert fake.undelivered == ["THREAD_CREATE"]   # shard 0's connection is elsewhere


async def test_shards_of_one_rate_limit_key_identify_apart(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With max_concurrency 1, shard 1 waits its turn (the window scaled down to 0.3 s on
    both sides), so Discord never answers an identify with Invalid Session."""
    async def one_at_a_time(fake: FakeDiscord, core: Core) -> None:
        await two_guilds(fake, core)
        fake.max_concurrency, fake.identify_seconds = 1, 0.3

    monkeypatch.setattr(discord_adapter, "IDENTIFY_WINDOW", 0.3)
    async with discord_env(settings, clock, sample_bank, prepare=one_at_a_time,
                           shard_count=2) as env:
        assert sorted(s.shard for s in env.fake.sessions if s.shard) == [(0, 2), (1, 2)]
        assert env.fake.refused_identifies == 0


async def test_an_unsharded_bot_in_too_many_guilds_is_told_to_shard(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank, prepare=two_guilds,
                           wait_ready=False) as env:
        assert env.task is not None
        with pytest.raises(ConfigError) as exc:
            await asyncio.wait_for(env.task, 10)
    assert env.fake.closes == [4011]
    assert "QUIZBOT_DISCORD_SHARDED=true" in str(exc.value)


async def test_a_shard_beyond_the_count_is_refused_with_4010(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    # the settings refuse such ids; the adapter given them sends IDENTIFY shard [2, 2]
    async with discord_env(settings, clock, sample_bank, shard_count=2, shard_ids=[2],
                           wait_ready=False) as env:
        assert env.task is not None
        with pytest.raises(ConfigError) as exc:
            await asyncio.wait_for(env.task, 10)
    assert env.fake.closes == [4010] and env.fake.sessions == []
    assert "4010" in str(exc.value) and "QUIZBOT_DISCORD_SHARD_IDS" in str(exc.value)


async def test_the_fake_refuses_identify_shards_discord_would_refuse() -> None:
    async with fake_discord() as fake, aiohttp.ClientSession() as http:
        for shard in ([1, 1], [-1, 2], [0, 0], [0], "0,2", [0, True]):
            async with http.ws_connect(fake.gateway) as ws:
                hello = json.loads((await ws.receive()).data)
                assert hello["op"] == 10
                await ws.send_str(json.dumps({"op": 2, "d": {
                    "token": "t", "intents": 0, "properties": {}, "shard": shard}}))
                closed = await ws.receive()
                assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4010, shard
        assert fake.closes == [4010] * 6 and fake.sessions == []
        # without a shard, the one connection gets every guild, as before
        fake.guilds[GUILD_B] = CHANNEL_B
        async with http.ws_connect(fake.gateway) as ws:
            await ws.receive()
            await ws.send_str(json.dumps({"op": 2, "d": {"token": "t", "intents": 0,
                                                         "properties": {}}}))
            ready = json.loads((await ws.receive()).data)
            assert ready["t"] == "READY" and "shard" not in ready["d"]
            assert [g["id"] for g in ready["d"]["guilds"]] == [str(GUILD_ID), str(GUILD_B)]
        assert fake.sessions[0].guilds == [GUILD_ID, GUILD_B]
        assert fake.guild_of(CHANNEL_ID) == GUILD_ID
        # two shards of one rate-limit key identifying at once: the second must wait
        for shard, op in (([0, 2], 0), ([1, 2], 9)):
            async with http.ws_connect(fake.gateway) as ws:
                await ws.receive()
                await ws.send_str(json.dumps({"op": 2, "d": {
                    "token": "t", "intents": 0, "properties": {}, "shard": shard}}))
                assert json.loads((await ws.receive()).data)["op"] == op
        assert fake.refused_identifies == 1
