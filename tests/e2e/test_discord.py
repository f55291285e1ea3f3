"""The real discord.py client end to end against a fake Discord on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.subscriptions import ChannelRef
from bot.storage.repositories import Answers
from tests.e2e.discord_helpers import DiscordEnv, discord_env
from tests.fakes.discord import CHANNEL_ID, GUILD_ID, OWNER_ID

CHANNEL = ChannelRef("discord", str(GUILD_ID), str(CHANNEL_ID))
GOOD = ("A token is a subword piece from a fixed vocabulary. The vocabulary is learned with "
        "byte-pair encoding, which merges frequent pairs, so rare words split into pieces.")


async def schedule_and_post(env: DiscordEnv, clock: FixedClock, extra: str = "") -> int:
    text = await env.run("schedule", f"set 09:00 UTC 8h {extra}".strip(), by=OWNER_ID)
    assert "Posts at 09:00 UTC" in text, text
    await env.run("schedule", "topics sample", by=OWNER_ID)
    sub = await env.core.subscriptions.get(CHANNEL)
    assert sub is not None
    clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
    rnd = await env.core.rounds.post_due(sub.id)
    assert rnd is not None and rnd.thread_id
    return int(rnd.thread_id)


async def test_daily_post_thread_answers_edit_reveal_leaderboard(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        assert fake.synced and {c["name"] for c in fake.synced[0]} == {
            "quiz", "leaderboard", "stats", "team", "schedule"}
        thread = await schedule_and_post(env, clock)
        question = fake.messages[thread]
        assert question["embeds"][0]["title"].startswith("Daily question")
        assert thread in fake.threads and fake.threads[thread]["parent_id"] == str(CHANNEL_ID)

        first = await fake.say(thread, 21, "first try")
        await fake.say(thread, 22, GOOD)
        await fake.wait_for(lambda: len(fake.reactions) == 2)
        await fake.dispatch("MESSAGE_UPDATE", {**first, "content": GOOD,
                                               "edited_timestamp": "2026-11-23T10:00:00+00:00"})
        await fake.wait_for(lambda: (thread, int(first["id"]), "✏️") in fake.reactions)
        await fake.say(CHANNEL_ID, 23, "top-level chatter is not an answer")

        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        reveal = [m for m in fake.posts(thread)][-1]
        text = fake.text_of(reveal)
        assert "Reveal" in text and "alice" in text and "bob" in text and "carol" not in text
        async with env.core.db.reading() as conn:
            answers = await Answers(conn).for_round(1)
        assert {a.person.display_name: a.text for a in answers} == {"alice": GOOD, "bob": GOOD}
        board = await env.run("leaderboard", by=22)
        assert "alice" in board and "bob" in board
