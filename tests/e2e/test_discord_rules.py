"""Discord's own rules, enforced by the fake, against the real discord.py adapter: the
defects a real Discord shows and a lenient fake hides."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.adapters.base import ConfigError
from bot.app import Core
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.rounds import RoundState
from bot.storage.repositories import Answers, Rounds
from tests.e2e.discord_helpers import DiscordEnv, discord_env
from tests.e2e.test_discord import CHANNEL, GOOD, _filled, schedule_and_post
from tests.fakes.discord import CHANNEL_ID, INTENT_MEMBERS, OWNER_ID, FakeDiscord

QUESTION = "Daily question for 20"   # the day's post, not a /schedule reply about it


def posts_of(env: DiscordEnv, channel: int, title: str) -> list[dict[str, Any]]:
    """The bot's posts in a channel whose first embed's title starts with ``title``."""
    return [m for m in env.fake.posts(channel)
            if m["embeds"] and (m["embeds"][0].get("title") or "").startswith(title)]


async def test_without_the_content_intent_in_the_portal_one_line_says_what_to_do(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank,
        caplog: pytest.LogCaptureFixture) -> None:
    async def no_content(fake: FakeDiscord, core: Core) -> None:
        fake.portal_intents = INTENT_MEMBERS

    with caplog.at_level(logging.ERROR):
        async with discord_env(settings, clock, sample_bank, prepare=no_content,
                               wait_ready=False) as env:
            assert env.task is not None
            with pytest.raises(ConfigError) as exc:
                await asyncio.wait_for(env.task, 10)
    assert env.fake.closes == [4014]
    assert "Message Content Intent" in str(exc.value)
    assert "QUIZBOT_DISCORD_MESSAGE_CONTENT=false" in str(exc.value)


async def test_without_message_content_answers_come_by_button(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async def no_content(fake: FakeDiscord, core: Core) -> None:
        fake.portal_intents = INTENT_MEMBERS

    async with discord_env(settings, clock, sample_bank, prepare=no_content,
                           message_content=False) as env:
        thread = await schedule_and_post(env, clock)
        question = env.fake.messages[thread]
        button = question["components"][0]["components"][0]
        assert button["custom_id"].startswith("quizbot:answer:")
        assert "Answer privately with the button" in env.fake.text_of(question)


async def test_a_thread_that_cannot_be_created_never_reposts_the_question(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        env.fake.can_create_threads = False
        await env.run("schedule", "set 09:00 UTC 8h", by=OWNER_ID)
        await env.run("schedule", "topics sample", by=OWNER_ID)
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        for _ in range(5):
            await env.core.rounds.sweep()
        assert len(posts_of(env, CHANNEL_ID, QUESTION)) == 1
        env.fake.can_create_threads = True          # the permission is granted
        await env.core.rounds.sweep()
        async with env.core.db.reading() as conn:
            rnd = await Rounds(conn).get(1)
        assert rnd is not None and rnd.state is RoundState.OPEN
        assert rnd.thread_id == rnd.message_id and int(rnd.thread_id) in env.fake.threads
        assert len(posts_of(env, CHANNEL_ID, QUESTION)) == 1


async def test_posts_lost_before_their_commit_are_found_not_repeated(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        thread = await schedule_and_post(env, clock)
        async with env.core.db.transaction() as conn:  # as if we died before the commit
            await conn.execute("UPDATE rounds SET state='posting', message_id=NULL,"
                               " thread_id=NULL WHERE id=1")
        await env.core.rounds.sweep()
        assert len(posts_of(env, CHANNEL_ID, QUESTION)) == 1
        async with env.core.db.reading() as conn:
            rnd = await Rounds(conn).get(1)
        assert rnd is not None and rnd.thread_id == str(thread)

        await env.fake.say(thread, 21, GOOD)
        await env.fake.wait_for(lambda: len(env.fake.reactions) == 1)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        async with env.core.db.transaction() as conn:  # the reveal's commit was lost too
            await conn.execute("UPDATE rounds SET state='revealing' WHERE id=1")
        await env.core.rounds.sweep()
        assert len(posts_of(env, thread, "Reveal")) == 1


async def test_a_thread_discord_already_archived_counts_as_archived(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        thread = await schedule_and_post(env, clock)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        await env.fake.auto_archive(thread)          # 24 h idle: Discord got there first
        clock.set(datetime(2026, 11, 24, 17, 30, tzinfo=UTC))
        for _ in range(3):
            await env.core.rounds.sweep()
        patches = [c for c in env.fake.calls if c.method == "PATCH"]
        assert len(patches) <= 1
        async with env.core.db.reading() as conn:
            assert await Rounds(conn).voting_closed(clock.now()) == []


async def test_a_blind_answer_is_deferred_before_a_slow_database(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        await env.run("schedule", "set 09:00 UTC 8h", by=OWNER_ID)
        await env.run("schedule", "blind on", by=OWNER_ID)
        sub = await env.core.subscriptions.get(CHANNEL)
        assert sub is not None
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        rnd = await env.core.rounds.post_due(sub.id)
        assert rnd is not None and rnd.thread_id
        question = fake.messages[int(rnd.thread_id)]
        button = question["components"][0]["components"][0]
        click = await fake.interact(3, {"custom_id": button["custom_id"],
                                        "component_type": 2}, by=22, message=question)
        await fake.wait_for(lambda: fake.callback_for(click) is not None)
        modal = fake.callback_for(click)
        assert modal is not None
        fake.callback_seconds = 0.3                  # a real 3 s, scaled down
        release = _hold_write_lock(settings, 0.8)    # the database is busy for longer
        submit = await fake.interact(5, {"custom_id": modal["body"]["data"]["custom_id"],
                                         "components": _filled(modal["body"]["data"], GOOD)},
                                     by=22)
        await fake.wait_for(lambda: bool(fake.replies_to(submit)), seconds=10)
        release.join()
        ack = fake.callback_for(submit)
        assert ack is not None and ack["body"]["type"] == 5           # deferred at once
        assert "Answer received" in fake.text_of(fake.replies_to(submit)[-1])
        async with env.core.db.reading() as conn:
            assert len(await Answers(conn).for_round(rnd.id)) == 1


def _hold_write_lock(settings: Settings, seconds: float) -> threading.Thread:
    """Another process's write transaction, held for ``seconds``."""
    ready = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(settings.db, timeout=10)
        conn.execute("BEGIN IMMEDIATE")
        ready.set()
        threading.Event().wait(seconds)
        conn.rollback()
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait(5)
    return thread


async def test_unfurls_pins_and_partial_updates_are_not_edits(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await schedule_and_post(env, clock)
        first = await fake.say(thread, 21, GOOD)
        await fake.wait_for(lambda: len(fake.reactions) == 1)
        # an unfurl: the same content, no edited_timestamp, new embeds
        await fake.dispatch("MESSAGE_UPDATE", {**first, "embeds": [{"type": "link",
                                                                    "url": "https://x"}]})
        await fake.dispatch("MESSAGE_UPDATE", {**first, "pinned": True})
        partial = {k: first[k] for k in ("id", "channel_id", "guild_id")}
        await fake.dispatch("MESSAGE_UPDATE", {**partial, "embeds": []})   # no "type"
        later = await fake.say(thread, 22, GOOD)      # the adapter is still alive
        await fake.wait_for(lambda: (thread, int(later["id"]), "✅") in fake.reactions)
        assert not any(r[2] == "✏️" for r in fake.reactions)


async def test_deleting_an_answer_before_the_deadline_withdraws_it(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await schedule_and_post(env, clock)
        gone = await fake.say(thread, 21, GOOD)
        kept = await fake.say(thread, 22, GOOD)
        await fake.wait_for(lambda: len(fake.reactions) == 2)
        await fake.delete(thread, int(gone["id"]))

        async def withdrawn() -> list[str]:
            async with env.core.db.reading() as conn:
                return [a.person.display_name for a in await Answers(conn).for_round(1)]

        for _ in range(100):
            if await withdrawn() == ["bob"]:
                break
            await asyncio.sleep(0.02)
        assert await withdrawn() == ["bob"]
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        await fake.delete(thread, int(kept["id"]))     # after the reveal: it stands
        await asyncio.sleep(0.1)
        assert await withdrawn() == ["bob"]


async def test_the_first_sweep_waits_until_discord_is_ready(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async def due_before_connecting(fake: FakeDiscord, core: Core) -> None:
        from bot.adapters.base import Actor
        from tests.fakes.discord import GUILD_ID

        lead = Actor("discord", str(GUILD_ID), str(OWNER_ID), "lead", is_admin=True)
        await core.subscriptions.subscribe(lead, CHANNEL, "general",
                                           post_time=core.default_post_time, timezone="UTC",
                                           window=core.default_window)
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        await core.start()          # the start-up sweep: Discord has not connected yet

    async with discord_env(settings, clock, sample_bank, prepare=due_before_connecting) as env:
        await env.fake.wait_for(lambda: bool(posts_of(env, CHANNEL_ID, QUESTION)))
        assert len(posts_of(env, CHANNEL_ID, QUESTION)) == 1


async def test_answers_sent_while_offline_are_read_back_and_stay_on_time(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await schedule_and_post(env, clock)
        seen = await fake.say(thread, 21, GOOD)                # delivered live
        await fake.wait_for(lambda: len(fake.reactions) == 1)
        missed = await fake.say(thread, 22, GOOD, deliver=False)  # sent while we were down
        clock.set(datetime(2026, 11, 23, 17, 30, tzinfo=UTC))   # read back after the deadline
        await env.adapter.catch_up()
        async with env.core.db.reading() as conn:
            answers = {a.person.display_name: a.late for a in await Answers(conn).for_round(1)}
        assert answers == {"alice": False, "bob": False}
        assert (thread, int(missed["id"]), "✅") in fake.reactions
        assert len([r for r in fake.reactions if r[1] == int(seen["id"])]) == 1
