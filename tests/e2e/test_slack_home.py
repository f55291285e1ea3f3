"""Issue 18: the Slack App Home shows reviews due today, retention and the person's
standing, published with views.publish, which the fake checks as Slack does."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from tests.e2e.slack_helpers import slack_env
from tests.e2e.test_slack import schedule_and_post


async def test_home_shows_reviews_due_retention_and_standing(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        fake = env.fake
        thread = await schedule_and_post(env, clock)
        await env.reply(thread, "no idea", user="U1")      # missed: the card is due tomorrow
        await fake.wait_for(lambda: len(fake.ok_calls("reactions.add")) == 1)
        clock.set(datetime(2026, 11, 23, 17, 0, tzinfo=UTC))
        await env.core.rounds.sweep()
        clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
        await env.event({"type": "app_home_opened", "user": "U1", "channel": "D1",
                         "tab": "home"})
        await fake.wait_for(lambda: len(fake.ok_calls("views.publish")) == 1)
        home = fake.ok_calls("views.publish")[0]
        view = home["view"] if isinstance(home["view"], dict) else json.loads(home["view"])
        text = json.dumps(view)
        assert home["user_id"] == "U1" and view["type"] == "home"
        assert "Reviews due today: 1" in text and "Retention (last 30 days): 0%" in text
        assert "Leaderboard #general" in text and "alice" in text      # her standing
        await env.event({"type": "app_home_opened", "user": "U1", "channel": "D1",
                         "tab": "messages"})                      # the Messages tab: nothing
        await env.event({"type": "app_home_opened", "user": "U2", "channel": "D2",
                         "tab": "home"})
        await fake.wait_for(lambda: len(fake.ok_calls("views.publish")) == 2)
        assert [c["user_id"] for c in fake.ok_calls("views.publish")] == ["U1", "U2"]
        assert "No stats yet" in json.dumps(fake.ok_calls("views.publish")[1]["view"])


@pytest.mark.parametrize(("user", "view", "error"), [
    ("U9", {"type": "home", "blocks": []}, "invalid_arguments"),
    ("U1", {"type": "modal", "blocks": [], "title": {"type": "plain_text", "text": "x"}},
     "invalid_arguments"),
    ("U1", {"type": "home", "blocks": [], "submit": {"type": "plain_text", "text": "Go"}},
     "invalid_arguments"),
    ("U1", {"type": "home", "blocks": [], "private_metadata": "x" * 3001},
     "invalid_arguments"),
    ("U1", {"type": "home", "blocks": [{"type": "divider"}] * 101}, "invalid_blocks"),
    ("U1", {"type": "home", "blocks": [{"type": "section", "text": {
        "type": "mrkdwn", "text": "x" * 3001}}]}, "invalid_blocks"),
])
async def test_the_fake_refuses_what_slack_refuses(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank, user: str,
        view: dict[str, Any], error: str) -> None:
    async with slack_env(settings, clock, sample_bank) as env:
        with pytest.raises(SlackApiError) as refused:
            await env.adapter.client.views_publish(user_id=user, view=view)
        assert refused.value.response["error"] == error
        ok = await env.adapter.client.views_publish(
            user_id="U1", view={"type": "home", "blocks": [{"type": "divider"}] * 100})
        assert ok["ok"]
