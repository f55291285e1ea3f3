"""The real slack-bolt app end to end against a fake Slack on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.adapters.base import Actor
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.subscriptions import ChannelRef, Subscription
from bot.storage.repositories import Answers
from tests.dbdump import dump
from tests.e2e.slack_helpers import SlackEnv, slack_env
from tests.fakes.slack import TEAM

CHANNEL = ChannelRef("slack", TEAM, "C1")
ADMIN = Actor("slack", TEAM, "UADMIN", "lead", is_admin=True)
GOOD = ("A token is a subword piece from a fixed vocabulary. The vocabulary is learned with "
        "byte-pair encoding, which merges frequent pairs, so rare words split into pieces.")


async def scheduled(env: SlackEnv) -> Subscription:
    """A lead subscribes C1 at 09:00 UTC with an 8-hour window; nothing is posted yet."""
    await env.command("/quizadmin", "schedule 09:00 UTC 8h", user="UADMIN")
    await env.last_response(1)
    sub = await env.core.subscriptions.get(CHANNEL)
    assert sub is not None
    return sub


async def schedule_and_post(env: SlackEnv, clock: FixedClock, extra: str = "") -> str:
    """A lead subscribes C1; at 09:05 the daily question is posted. Returns its ts."""
    await env.command("/quizadmin", f"schedule 09:00 UTC 8h {extra}".strip(), user="UADMIN")
    first = await env.last_response(1)
    assert "Posts at 09:00 UTC" in first["text"], first
    sub = await env.core.subscriptions.get(CHANNEL)
    assert sub is not None
    await env.core.subscriptions.configure(ADMIN, CHANNEL, topics=("sample",))
    clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
    rnd = await env.core.rounds.post_due(sub.id)
    assert rnd is not None and rnd.thread_id
    return rnd.thread_id


async def test_daily_post_answers_edit_reveal_leaderboard(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await schedule_and_post(env, clock)
        post = fake.ok_calls("chat.postMessage")[0]
        assert post["channel"] == "C1" and post["blocks"][0]["type"] == "header"
        assert "Daily question" in post["blocks"][0]["text"]["text"]

        assert await env.reply(thread, "first try", user="U1", ts="1800000000.000001") == 200
        assert await env.reply(thread, GOOD, user="U2", ts="1800000000.000002") == 200
        await fake.wait_for(lambda: len(fake.ok_calls("reactions.add")) == 2)
        assert {r["name"] for r in fake.ok_calls("reactions.add")} == {"white_check_mark"}
        # alice edits her answer before the deadline
        await env.event({"type": "message", "subtype": "message_changed", "channel": "C1",
                         "message": {"type": "message", "user": "U1", "text": GOOD,
                                     "ts": "1800000000.000001", "thread_ts": thread,
                                     "edited": {"user": "U1", "ts": "1800000000.000501"}},
                         "previous_message": {"user": "U1", "text": "first try",
                                              "ts": "1800000000.000001"}})
        await fake.wait_for(lambda: any(r["name"] == "pencil2"
                                        for r in fake.ok_calls("reactions.add")))
        # a top-level message and the bot's own message are not answers
        await env.event({"type": "message", "channel": "C1", "user": "U3", "text": "hi",
                         "ts": "1800000000.000009"})
        await env.reply(thread, "bot noise", user="UBOT")
        await env.event({"type": "message", "subtype": "bot_message", "channel": "C1",
                         "bot_id": "BOTHER", "text": "other bot", "ts": "1800000000.000010",
                         "thread_ts": thread})

        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        reveal = fake.ok_calls("chat.postMessage")[-1]
        assert reveal["thread_ts"] == thread
        text = json.dumps(reveal["blocks"])
        assert "Reveal" in text and "alice" in text and "bob" in text and "carol" not in text
        assert "Reference answer" in text and len(reveal["blocks"]) <= 50
        async with env.core.db.reading() as conn:
            answers = await Answers(conn).for_round(1)
        assert {a.person.display_name: a.text for a in answers} == {"alice": GOOD, "bob": GOOD}

        await env.command("/leaderboard", "all", user="U1")
        board = await env.last_response(2)
        assert board["response_type"] == "ephemeral"
        assert "alice" in board["text"] and "bob" in board["text"]


async def test_a_retried_event_is_counted_once(settings: Settings, clock: FixedClock,
                                               sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        thread = await schedule_and_post(env, clock)
        for retry in (None, 1, 2):
            status = await env.reply(thread, GOOD, user="U1", ts="1800000000.000001",
                                     event_id="EvSAME", retry=retry)
            assert status == 200
        await env.fake.wait_for(lambda: len(env.fake.all_calls("reactions.add")) >= 3)
        async with env.core.db.reading() as conn:
            answers = await Answers(conn).for_round(1)
        assert len(answers) == 1
        assert len(env.fake.ok_calls("reactions.add")) == 1  # the rest: already_reacted


async def test_a_429_on_the_reveal_is_retried_and_posted_once(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        thread = await schedule_and_post(env, clock)
        await env.reply(thread, GOOD, user="U1")
        await env.fake.wait_for(lambda: len(env.fake.ok_calls("reactions.add")) == 1)
        env.fake.fail("chat.postMessage", 429, error="ratelimited", retry_after=0)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        posts = env.fake.all_calls("chat.postMessage")
        assert [c.status for c in posts] == [200, 429, 200]
        await env.core.rounds.sweep()
        assert len(env.fake.ok_calls("chat.postMessage")) == 2  # question + one reveal


async def test_a_500_on_the_reveal_is_retried_by_the_sweeper(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        await schedule_and_post(env, clock)
        env.fake.fail("chat.postMessage", 500)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        assert len(env.fake.ok_calls("chat.postMessage")) == 1
        await env.core.rounds.sweep()  # the next minute's sweep
        assert len(env.fake.ok_calls("chat.postMessage")) == 2


async def test_bad_signatures_and_stale_requests_are_rejected(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        thread = await schedule_and_post(env, clock)
        before = len(env.fake.calls)
        assert await env.reply(thread, GOOD, secret="wrong-secret") == 401
        assert await env.reply(thread, GOOD, age=600) == 401  # replayed 10 minutes later
        assert await env.command("/quizadmin", "stop", user="UADMIN", secret="nope") == 401
        assert len(env.fake.calls) == before
        async with env.core.db.reading() as conn:
            assert await Answers(conn).for_round(1) == []


async def test_non_lead_quizadmin_is_refused_and_changes_nothing(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        await env.command("/quizadmin", "schedule 09:00 UTC", user="UADMIN")
        await env.last_response(1)
        before = dump(settings.db.as_posix())
        for n, text in enumerate(["schedule 10:00 Asia/Tokyo", "stop", "blind on",
                                  "topics sample"], start=2):
            await env.command("/quizadmin", text, user="U1")
            res = await env.last_response(n)
            assert "Only this channel's leads can do that" in res["text"]
        assert dump(settings.db.as_posix()) == before
        await env.command("/quizadmin", "frobnicate", user="UADMIN")
        assert "/quizadmin schedule HH:MM" in (await env.last_response(6))["text"]


async def test_quiz_known_topic_via_modal_and_unknown_topic(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        await env.command("/quiz", "sampel", user="U1")
        await fake.wait_for(lambda: len(fake.ok_calls("views.update")) == 1)
        notice = fake.ok_calls("views.update")[0]["view"]
        assert "Did you mean: sample" in json.dumps(notice["blocks"])
        await env.command("/quiz", "sample", user="U1")
        await fake.wait_for(lambda: len(fake.ok_calls("views.update")) == 2)
        assert fake.ok_calls("views.open")[1]["view"]["callback_id"] == "quiz_loading"
        view = fake.ok_calls("views.update")[1]["view"]
        assert view["callback_id"] == "quiz_answer" and view["type"] == "modal"
        prompt = json.dumps(view["blocks"])
        question = next(q for q in sample_bank if q.prompt[:30] in prompt)
        text = GOOD if question.id == "sample-tokens" else question.answer
        await env.interaction({"type": "view_submission", "user": {"id": "U1"},
                               "view": {**view, "id": "V1", "hash": "h1", "state": {
                                   "values": {"answer": {"text": {"type": "plain_text_input",
                                                                  "value": text}}}}}})
        await fake.wait_for(lambda: len(fake.ok_calls("chat.postEphemeral")) == 1)
        result = fake.ok_calls("chat.postEphemeral")[0]
        assert result["user"] == "U1" and "Reference answer" in result["text"]
        assert f"+{2 * question.difficulty} practice points" in result["text"]


async def test_blind_mode_answers_privately_until_the_reveal(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        await env.command("/quizadmin", "blind on", user="UADMIN")  # no schedule yet
        assert "Start one with" in (await env.last_response(1))["text"]
        await env.command("/quizadmin", "schedule 09:00 UTC 8h", user="UADMIN")
        await env.command("/quizadmin", "blind on", user="UADMIN")
        assert "Blind mode" in (await env.last_response(3))["text"]
        sub = await env.core.subscriptions.get(CHANNEL)
        assert sub is not None and sub.blind
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        rnd = await env.core.rounds.post_due(sub.id)
        assert rnd is not None
        post = fake.ok_calls("chat.postMessage")[0]
        button = next(b for b in post["blocks"] if b["type"] == "actions")["elements"][0]
        assert button["action_id"] == "answer_privately" and button["value"] == str(rnd.id)
        await env.interaction({"type": "block_actions", "user": {"id": "U2"},
                               "trigger_id": env.fake.issue_trigger("trig-b"),
                               "channel": {"id": "C1"},
                               "actions": [{**button, "type": "button",
                                            "block_id": "b1", "action_ts": "1"}]})
        await fake.wait_for(lambda: len(fake.ok_calls("views.open")) == 1)
        modal = fake.ok_calls("views.open")[0]["view"]
        assert modal["callback_id"] == "blind_answer"
        submission = {"type": "view_submission", "user": {"id": "U2"},
                      "view": {**modal, "id": "V9", "hash": "h9", "state": {"values": {
                          "answer": {"text": {"type": "plain_text_input",
                                              "value": "secret answer @channel"}}}}}}
        await env.interaction(submission)
        await env.interaction(submission)  # a replayed submission changes nothing
        await fake.wait_for(lambda: len(fake.ok_calls("chat.postEphemeral")) >= 1)
        assert all("secret" not in t for t in fake.texts())  # nothing public yet
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        reveal = json.dumps(fake.ok_calls("chat.postMessage")[-1]["blocks"])
        assert "secret answer" in reveal and "@channel" not in reveal  # defused
        async with env.core.db.reading() as conn:
            assert len(await Answers(conn).for_round(rnd.id)) == 1


async def test_peer_vote_by_reaction_after_the_reveal(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        thread = await schedule_and_post(env, clock)
        await env.reply(thread, GOOD, user="U1", ts="1800000000.000101")
        await env.reply(thread, "my take", user="U2", ts="1800000000.000102")
        await env.fake.wait_for(lambda: len(env.fake.ok_calls("reactions.add")) == 2)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        await env.event({"type": "reaction_added", "user": "U2", "reaction": "+1",
                         "item_user": "U1", "item": {"type": "message", "channel": "C1",
                                                     "ts": "1800000000.000101"}})
        await env.fake.wait_for(lambda: any("Vote counted" in t for t in
                                            env.fake.texts("chat.postEphemeral")))
        await env.command("/leaderboard", "all", user="U2")
        board = await env.last_response(2)
        assert "alice" in board["text"]


async def test_app_home_shows_stats_and_boards(settings: Settings, clock: FixedClock,
                                               sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        thread = await schedule_and_post(env, clock)
        await env.reply(thread, GOOD, user="U1")
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.fake.wait_for(lambda: len(env.fake.ok_calls("reactions.add")) == 1)
        await env.core.rounds.sweep()
        await env.event({"type": "app_home_opened", "user": "U1", "channel": "D1",
                         "tab": "home"})
        await env.fake.wait_for(lambda: len(env.fake.ok_calls("views.publish")) == 1)
        home = env.fake.ok_calls("views.publish")[0]
        text = json.dumps(home["view"])
        assert home["user_id"] == "U1" and home["view"]["type"] == "home"
        assert "Stats for alice" in text and "Leaderboard #general" in text


async def test_team_follows_a_slack_user_group(settings: Settings, clock: FixedClock,
                                               sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        env.fake.groups["S123"] = ["U1", "U2"]
        await env.command("/quizteam", "create ml", user="UADMIN")
        await env.command("/quizteam", "follow ml <!subteam^S123|@ml-team>", user="UADMIN")
        assert "2 members from the group" in (await env.last_response(2))["text"]
        await env.command("/quizteam", "show ml", user="U3")
        shown = (await env.last_response(3))["text"]
        assert "alice" in shown and "bob" in shown


async def test_socket_mode_end_to_end(settings: Settings, clock: FixedClock,
                                      sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank, socket_mode=True) as env:
        fake = env.fake
        assert fake.ok_calls("apps.connections.open")
        await fake.push("slash_commands", {
            "token": "legacy", "team_id": TEAM, "channel_id": "C1", "channel_name": "general",
            "user_id": "UADMIN", "command": "/quizadmin", "text": "schedule 09:00 UTC 8h",
            "api_app_id": "A1", "response_url": f"{fake.base_url}/response/1",
            "trigger_id": "t1"}, envelope_id="cmd-1")
        await env.last_response(1)
        await fake.wait_for(lambda: any(a.get("envelope_id") == "cmd-1"
                                        for a in fake.socket_acks))
        sub = await env.core.subscriptions.get(CHANNEL)
        assert sub is not None
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        rnd = await env.core.rounds.post_due(sub.id)
        assert rnd and rnd.thread_id
        event = {"token": "legacy", "team_id": TEAM, "api_app_id": "A1",
                 "type": "event_callback", "event_id": "EvS1", "event_time": 1,
                 "event": {"type": "message", "channel": "C1", "user": "U1", "text": GOOD,
                           "ts": "1800000000.000555", "thread_ts": rnd.thread_id}}
        await fake.push("events_api", event, envelope_id="ev-1")
        await fake.push("events_api", event, envelope_id="ev-1-replay")  # redelivered
        await fake.wait_for(lambda: len(fake.all_calls("reactions.add")) == 2)
        await fake.wait_for(lambda: {"ev-1", "ev-1-replay"} <= {
            a.get("envelope_id") for a in fake.socket_acks})
        async with env.core.db.reading() as conn:
            assert len(await Answers(conn).for_round(rnd.id)) == 1


async def test_ok_false_and_dropped_connections_are_retried_without_duplicates(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        await scheduled(env)
        fake.fail("chat.postMessage", 200, error="channel_not_found")  # ok: false
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        await env.core.rounds.sweep()
        assert [p for p in fake.ok_calls("chat.postMessage") if p["channel"] == "C1"] == []
        fake.fail("chat.postMessage", 0)  # then the connection drops mid-request
        await env.core.rounds.sweep()      # (not resent blindly: Slack may have taken it)
        await env.core.rounds.sweep()      # the core's retry looks first, then posts
        posts = [c for c in fake.all_calls("chat.postMessage") if c.params["channel"] == "C1"]
        assert [(c.status, c.ok) for c in posts] == [(200, False), (0, False), (200, True)]


async def test_a_post_whose_connection_drops_after_slack_took_it_is_not_sent_twice(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    """Slack posted the message and the connection dropped before its reply: a blind resend
    (slack_sdk's connection-error retry) would post the question twice. The retry is the
    core's, which looks for the post first."""
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        sub = await scheduled(env)
        fake.fail("chat.postMessage", -2)
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        await env.core.rounds.post_due(sub.id)
        await env.core.rounds.sweep()
        questions = [m for m in fake.posted["C1"] if not m.get("thread_ts")]
        assert len(questions) == 1
        assert await env.core.rounds.open_thread(CHANNEL) == questions[0]["ts"]


async def test_a_post_whose_reply_times_out_is_adopted_not_repeated(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        sub = await scheduled(env)
        fake.fail("chat.postMessage", -1, delay=2.0)  # delivered, but the reply is too late
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        rnd = await env.core.rounds.post_due(sub.id)
        assert rnd is not None and rnd.thread_id is None  # the client gave up after 1 s
        await env.core.rounds.sweep()  # the retry finds the delivered post and adopts it
        questions = [m for m in fake.posted["C1"] if not m.get("thread_ts")]
        assert len(questions) == 1
        adopted = await env.core.rounds.open_thread(CHANNEL)
        assert adopted == questions[0]["ts"]
        assert fake.all_calls("conversations.history")


async def test_not_in_channel_tells_the_lead_who_set_the_schedule(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        await scheduled(env)
        fake.fail("chat.postMessage", 200, error="not_in_channel")
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        await env.core.rounds.sweep()
        dms = [p for p in fake.ok_calls("chat.postMessage") if p["channel"] == "UADMIN"]
        assert len(dms) == 1 and "can't post the daily question" in dms[0]["text"]
        assert "not_in_channel" in dms[0]["text"]
