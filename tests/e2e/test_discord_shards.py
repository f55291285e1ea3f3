"""The sharded gateway: the real AutoShardedClient against the fake Discord, which gives
each shard's connection only its own guilds (topics/gateway, "Sharding")."""

from __future__ import annotations

import json

import aiohttp

from tests.fakes.discord import (
    CHANNEL_ID,
    GUILD_ID,
    fake_discord,
)

GUILD_B, CHANNEL_B = (1 << 22) | GUILD_ID, 2100     # a guild created a little later
GOOD = ("A token is a subword piece from a fixed vocabulary. The vocabulary is learned with "
        "byte-pair encoding, which merges frequent pairs, so rare words split into pieces.")


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
