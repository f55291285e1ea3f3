"""The real discord.py client end to end against a fake Discord on 127.0.0.1."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.subscriptions import ChannelRef
from bot.services.catalogue import slash_commands
from bot.storage.repositories import Answers
from tests.dbdump import dump
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
        assert fake.synced and sorted(f"/{c['name']}" for c in fake.synced[0]) == \
            sorted(slash_commands("discord"))  # the tree is the catalogue's
        # everyone sees every command; the bot checks who may do what (see rights.py)
        assert all(c.get("default_member_permissions") is None for c in fake.synced[0])
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


async def test_a_replayed_message_create_is_counted_once(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        thread = await schedule_and_post(env, clock)
        msg = env.fake.message(thread, 21, GOOD)
        for _ in range(3):  # the gateway replays after a RESUME
            await env.fake.dispatch("MESSAGE_CREATE", msg)
        await env.fake.wait_for(lambda: len([c for c in env.fake.calls
                                             if "/reactions/" in c.path]) == 3)
        async with env.core.db.reading() as conn:
            assert len(await Answers(conn).for_round(1)) == 1
        assert len(env.fake.reactions) == 1


async def test_a_429_on_the_reveal_is_retried_and_posted_once(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        thread = await schedule_and_post(env, clock)
        await env.fake.say(thread, 21, GOOD)
        await env.fake.wait_for(lambda: len(env.fake.reactions) == 1)
        with sqlite3.connect(settings.db) as conn:
            (qid,) = conn.execute("SELECT question_id FROM rounds").fetchone()
        if (question := env.core.bank.get(qid)) and question.follow_up:
            await env.fake.wait_for(lambda: len(env.fake.dms) == 1)  # the follow-up's DM
        env.fake.fail("POST /channels/{id}/messages", 429, retry_after=0.05)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        await env.core.rounds.sweep()
        statuses = [c.status for c in env.fake.calls
                    if c.method == "POST" and c.path == f"/channels/{thread}/messages"]
        assert statuses == [429, 200]
        reveals = [m for m in env.fake.posts(thread) if "Reveal" in env.fake.text_of(m)]
        assert len(reveals) == 1


async def test_member_without_manage_server_is_refused_and_nothing_changes(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        await env.run("schedule", "set 09:00 UTC", by=OWNER_ID)
        before = dump(settings.db.as_posix())
        for text in ("set 10:00 Asia/Tokyo", "stop", "blind on", "topics sample"):
            assert "Only this channel's leads can do that" in await env.run("schedule", text,
                                                                            by=21)
        assert dump(settings.db.as_posix()) == before
        assert "/schedule set HH:MM" in await env.run("schedule", "frobnicate", by=OWNER_ID)
        assert "Only a workspace admin" in await env.run("team", "create rogue", by=21)


async def test_quiz_autocomplete_known_and_unknown_topic(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        auto = await fake.interact(4, {"id": "1", "name": "quiz", "type": 1, "options": [
            {"name": "topic", "type": 3, "value": "sam", "focused": True}]})
        await fake.wait_for(lambda: fake.callback_for(auto) is not None)
        callback = fake.callback_for(auto)
        assert callback is not None and callback["body"]["type"] == 8
        assert callback["body"]["data"]["choices"] == [
            {"name": "Sample topic (intern)", "value": "sample"}]

        assert "Did you mean: sample" in await env.run("quiz", "sampel", option="topic")
        inter = await fake.command("quiz", [{"name": "topic", "type": 3, "value": "sample"}])
        await fake.wait_for(lambda: bool(fake.replies_to(inter)))
        shown = fake.replies_to(inter)[-1]
        assert shown["flags"] & 64  # ephemeral
        button = shown["components"][0]["components"][0]
        assert button["custom_id"].startswith("quizbot:practice:")
        question = next(q for q in sample_bank if q.prompt[:30] in fake.text_of(shown))

        click = await fake.interact(3, {"custom_id": button["custom_id"], "component_type": 2},
                                    message={**shown, "flags": 64})
        await fake.wait_for(lambda: fake.callback_for(click) is not None)
        modal = fake.callback_for(click)
        assert modal is not None and modal["body"]["type"] == 9
        text = GOOD if question.id == "sample-tokens" else question.answer
        submit = await fake.interact(5, {"custom_id": modal["body"]["data"]["custom_id"],
                                         "components": _filled(modal["body"]["data"], text)})
        await fake.wait_for(lambda: bool(fake.replies_to(submit)))
        result = fake.text_of(fake.replies_to(submit)[-1])
        assert "Reference answer" in result
        assert f"+{2 * question.difficulty} practice points" in result


async def test_blind_mode_by_button_and_modal(settings: Settings, clock: FixedClock,
                                              sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        await env.run("schedule", "set 09:00 UTC 8h", by=OWNER_ID)
        assert "Blind mode" in await env.run("schedule", "blind on", by=OWNER_ID)
        sub = await env.core.subscriptions.get(CHANNEL)
        assert sub is not None
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        rnd = await env.core.rounds.post_due(sub.id)
        assert rnd is not None and rnd.thread_id
        question = fake.messages[int(rnd.thread_id)]
        button = question["components"][0]["components"][0]
        assert button["custom_id"] == f"quizbot:answer:{rnd.id}"
        click = await fake.interact(3, {"custom_id": button["custom_id"], "component_type": 2},
                                    by=22, message=question)
        await fake.wait_for(lambda: fake.callback_for(click) is not None)
        modal = fake.callback_for(click)
        assert modal is not None and modal["body"]["type"] == 9
        data = {"custom_id": modal["body"]["data"]["custom_id"],
                "components": _filled(modal["body"]["data"], "my secret answer @everyone")}
        submit = await fake.interact(5, data, by=22)
        await fake.wait_for(lambda: bool(fake.replies_to(submit)))
        shown = fake.replies_to(submit)
        assert "Answer received" in fake.text_of(shown[-1]) and shown[-1]["flags"] & 64
        assert not any("secret" in fake.text_of(m) for m in fake.messages.values())
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        reveal = fake.text_of(fake.posts(int(rnd.thread_id))[-1])
        assert "my secret answer" in reveal and "@everyone" not in reveal


async def test_votes_by_reaction_and_thread_archived_when_voting_closes(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await schedule_and_post(env, clock)
        answer = await fake.say(thread, 21, GOOD)
        await fake.wait_for(lambda: len(fake.reactions) == 1)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        from tests.fakes.discord import member
        await fake.dispatch("MESSAGE_REACTION_ADD", {
            "user_id": "22", "channel_id": str(thread), "message_id": answer["id"],
            "guild_id": str(GUILD_ID), "emoji": {"id": None, "name": "👍"},
            "member": member(22), "type": 0, "burst": False})
        await fake.wait_for(lambda: any("Vote counted" in fake.text_of(d) for d in fake.dms))
        assert "alice: 4" in await env.run("leaderboard", by=22)  # 1 + 2 coverage + 1 vote
        assert fake.threads[thread]["thread_metadata"]["archived"] is False
        clock.set(datetime(2026, 11, 24, 17, 30, tzinfo=UTC))  # voting closed after 24 h
        await env.core.rounds.sweep()
        assert fake.threads[thread]["thread_metadata"]["archived"] is True


async def test_commands_sync_only_when_definitions_change(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        assert len(env.fake.synced) == 1
    async with discord_env(settings, clock, sample_bank) as env:  # restart, same definitions
        assert env.fake.synced == []


def _filled(modal: dict[str, object], value: str) -> list[dict[str, object]]:
    """The modal's text input, filled in, in the shape Discord submits it."""
    rows = modal["components"]
    assert isinstance(rows, list)
    out = []
    for row in rows:
        for comp in row.get("components", [row.get("component")]):
            if comp and comp.get("type") == 4:
                out.append({"type": 1, "components": [
                    {"type": 4, "custom_id": comp["custom_id"], "value": value}]})
    return out


async def test_a_team_follows_a_discord_role(settings: Settings, clock: FixedClock,
                                             sample_bank: QuestionBank) -> None:
    from tests.fakes.discord import ROLE_ML

    async with discord_env(settings, clock, sample_bank, members_intent=True) as env:
        assert "Team ml created" in await env.run("team", "create ml", by=OWNER_ID)
        followed = await env.run("team", f"follow ml <@&{ROLE_ML}>", by=OWNER_ID)
        assert "2 members from the group" in followed
        shown = await env.run("team", "show ml", by=23)
        assert "alice" in shown and "bob" in shown and "carol" not in shown.split("Leads")[0]
