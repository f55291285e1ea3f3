"""Issue 18, appeals and flags on the real discord.py client against the fake Discord: the
reveal's "Appeal my result" and "Flag the answer" buttons answer with a modal (type 9,
validated as Discord does), /appeal works typed, a server admin reviews with /schedule
appeals, accepts (a correction row pointing at the original; the leaderboard follows) or
rejects (no points move); each person gets a DM. Refusals change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from tests.dbdump import dump, events_of, ledger
from tests.e2e.discord_helpers import DiscordEnv, discord_env, option
from tests.e2e.test_discord import GOOD, _filled, schedule_and_post
from tests.fakes.discord import OWNER_ID, _check_callback

REASON = "The grade missed that I explained subword pieces"


async def tap(env: DiscordEnv, custom_id: str, by: int,
              message: dict[str, Any]) -> dict[str, Any]:
    inter = await env.fake.interact(3, {"custom_id": custom_id, "component_type": 2}, by=by,
                                    message=message)
    await env.fake.wait_for(lambda: env.fake.callback_for(inter) is not None)
    return inter


async def submit(env: DiscordEnv, modal: dict[str, Any], text: str, by: int) -> str:
    data = modal["body"]["data"]
    inter = await env.fake.interact(5, {"custom_id": data["custom_id"],
                                        "components": _filled(data, text)}, by=by)
    await env.fake.wait_for(lambda: bool(env.fake.replies_to(inter)))
    return env.fake.text_of(env.fake.replies_to(inter)[-1])


async def test_discord_appeal_accept_reject_and_flag(settings: Settings, clock: FixedClock,
                                                     sample_bank: QuestionBank) -> None:
    async with discord_env(settings, clock, sample_bank) as env:
        fake, db = env.fake, settings.db
        thread = await schedule_and_post(env, clock)
        await fake.say(thread, 21, "no idea, maybe words")
        await fake.say(thread, 22, GOOD)
        await fake.wait_for(lambda: len(fake.reactions) == 2)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        reveal = fake.posts(thread)[-1]
        assert "/appeal 2026-11-23 REASON" in fake.text_of(reveal)
        row = reveal["components"][1]["components"]
        assert [b["label"] for b in row] == ["Appeal my result", "Flag the answer"]
        appeal_id, flag_id = row[0]["custom_id"], row[1]["custom_id"]
        assert appeal_id.startswith("quizbot:appeal:daily:")

        before = dump(db.as_posix())      # carol did not answer: no form, nothing changes
        inter = await tap(env, appeal_id, 23, reveal)
        await fake.wait_for(lambda: bool(fake.replies_to(inter)))
        assert "No result of yours" in fake.text_of(fake.replies_to(inter)[-1])
        assert fake.callback_for(inter)["body"]["type"] == 5   # type: ignore[index]
        assert dump(db.as_posix()) == before

        inter = await tap(env, appeal_id, 21, reveal)
        modal = fake.callback_for(inter)
        assert modal is not None and modal["body"]["type"] == 9
        assert _check_callback(modal["body"]) == ""
        assert "Appeal A1 sent" in await submit(env, modal, REASON, 21)
        again = await tap(env, appeal_id, 21, reveal)     # a second tap opens no form
        await fake.wait_for(lambda: bool(fake.replies_to(again)))
        assert "appealed this result already" in fake.text_of(fake.replies_to(again)[-1])

        typed = await fake.command("appeal", [option("result", "last"),
                                              option("reason", REASON)], by=22)
        await fake.wait_for(lambda: bool(fake.replies_to(typed)))
        assert "Appeal A2 sent" in fake.text_of(fake.replies_to(typed)[-1])

        inter = await tap(env, flag_id, 22, reveal)
        modal = fake.callback_for(inter)
        assert modal is not None and modal["body"]["type"] == 9
        assert "Flag F1 sent" in await submit(env, modal, "It should mention byte-level BPE",
                                              22)

        before = dump(db.as_posix())
        assert "Only this channel's leads" in await env.run("schedule", "appeals", by=23)
        assert "Only this channel's leads" in await env.run(
            "schedule", "accept A1 2 looks right to me", by=23)
        assert dump(db.as_posix()) == before
        queue = await env.run("schedule", "appeals", by=OWNER_ID)
        assert "A1 · alice" in queue and "A2 · bob" in queue and "F1 · bob" in queue
        assert "/schedule accept A-ID" in queue

        board = await env.run("leaderboard", "all", by=21, option="period")
        alice_before = int(board.split("alice: ")[1].split()[0])
        points = ledger(db)
        said = await env.run("schedule", "accept A1 2 the subword point is there",
                             by=OWNER_ID)
        assert "Appeal A1 accepted" in said and "alice was told" in said
        original = next(r for r in points if r[1] in ("coverage", "participation")
                        and r[0] in events_of(db, "21"))
        assert ledger(db)[:-1] == points
        assert ledger(db)[-1][1:] == ("correction", 2, original[0])
        board = await env.run("leaderboard", "all", by=21, option="period")
        assert f"alice: {alice_before + 2}" in board
        assert any("Your appeal A1 was accepted" in fake.text_of(d) for d in fake.dms)

        points = ledger(db)
        said = await env.run("schedule", "reject A2 full marks already, well done",
                             by=OWNER_ID)
        assert "Appeal A2 rejected" in said and ledger(db) == points
        assert any("Your appeal A2 was rejected" in fake.text_of(d) for d in fake.dms)


def test_the_fake_refuses_modals_and_buttons_discord_would_refuse() -> None:
    text = {"type": 4, "custom_id": "reason", "label": "Why", "style": 2,
            "min_length": 10, "max_length": 1000}
    good = {"type": 9, "data": {"custom_id": "quizbot:appeal-form:daily:1", "title": "Appeal",
                                "components": [{"type": 1, "components": [text]}]}}
    assert _check_callback(good) == ""

    def modal(**change: Any) -> dict[str, Any]:
        return {"type": 9, "data": {**good["data"], **change}}  # type: ignore[dict-item]

    def with_input(**change: Any) -> dict[str, Any]:
        return modal(components=[{"type": 1, "components": [{**text, **change}]}])

    for bad in (modal(custom_id="x" * 101), modal(custom_id=""), modal(title="t" * 46),
                modal(components=[]), modal(components=[good["data"]["components"][0]] * 6),
                with_input(label="l" * 46), with_input(custom_id="c" * 101),
                with_input(style=3), with_input(max_length=4001),
                with_input(min_length=2000, max_length=1000), with_input(placeholder="p" * 101),
                modal(components=[{"type": 1, "components": [text]}] * 2)):
        assert _check_callback(bad) != "", bad
    button = {"type": 2, "style": 2, "label": "Appeal", "custom_id": "quizbot:flag:x"}
    message = {"type": 4, "data": {"content": "x", "components": [
        {"type": 1, "components": [button]}]}}
    assert _check_callback(message) == ""
    for components in ([{"type": 1, "components": [button, button]}],
                       [{"type": 1, "components": [{**button, "custom_id": "c" * 101}]}],
                       [{"type": 1, "components": [{**button, "label": "l" * 81}]}],
                       [{"type": 1, "components": [{**button, "custom_id": f"b{i}"}
                                                   for i in range(6)]}]):
        assert _check_callback({"type": 4, "data": {"content": "x",
                                                    "components": components}}) != ""
