"""The Slack installation and OAuth state store on both engines, through Bolt's own
installation-store and state-store interfaces (what Bolt calls during an install, on each
request, and on app_uninstalled / tokens_revoked)."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta

import pytest
from pydantic import SecretStr
from slack_sdk.oauth.installation_store.models.installation import Installation

from bot.adapters.base import Actor
from bot.adapters.slack_oauth import InstallationStore, StateStore
from bot.app import Core
from bot.clock import FixedClock
from bot.domain.subscriptions import ChannelRef, Subscription
from bot.services.slack_installs import SlackInstallations


def installation(team: str, token: str, *, scopes: str = "chat:write,commands") -> Installation:
    return Installation(app_id="A1", team_id=team, bot_token=token, bot_id="B1",
                        bot_user_id="UBOT", bot_scopes=scopes, user_id="UADMIN",
                        installed_at=1_700_000_000.0)


async def test_an_install_is_saved_found_replaced_and_deleted(core: Core,
                                                              clock: FixedClock) -> None:
    store = InstallationStore(SlackInstallations(core.db, clock))
    await store.async_save(installation("T1", "xoxb-one"))
    await store.async_save(installation("T2", "xoxb-two"))
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-one" and bot.team_id == "T1"
    assert bot.bot_scopes == ["chat:write", "commands"] and bot.bot_user_id == "UBOT"
    found = await store.async_find_installation(enterprise_id=None, team_id="T2")
    assert found is not None and found.bot_token == "xoxb-two"
    assert await store.async_find_installation(enterprise_id=None, team_id="T2",
                                               user_id="UADMIN") is None  # no user tokens
    # a reinstall (new scopes) replaces the row: one per workspace
    await store.async_save(installation("T1", "xoxb-one-again", scopes="chat:write"))
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-one-again"
    assert bot.bot_scopes == ["chat:write"]
    # a user's token revoked: nothing of the bot's goes; the bot's revoked: it goes
    await store.async_delete_installation(enterprise_id=None, team_id="T1", user_id="UADMIN")
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is not None
    await store.async_delete_bot(enterprise_id=None, team_id="T1")
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None
    await store.async_delete_all(enterprise_id=None, team_id="T2")
    assert await store.async_find_bot(enterprise_id=None, team_id="T2") is None
    await store.async_delete_all(enterprise_id=None, team_id="T2")   # twice: no error


async def test_an_install_without_a_bot_token_is_not_stored(core: Core,
                                                            clock: FixedClock) -> None:
    store = InstallationStore(SlackInstallations(core.db, clock))
    await store.async_save(Installation(team_id="T1", user_id="U1", user_token="xoxp-1"))
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None


async def test_a_state_is_good_once_and_until_it_expires(core: Core, clock: FixedClock) -> None:
    states = StateStore(SlackInstallations(core.db, clock, state_seconds=600))
    first, second = await states.async_issue(), await states.async_issue()
    assert first != second and len(first) >= 32
    assert await states.async_consume(first) is True
    assert await states.async_consume(first) is False      # used up
    assert await states.async_consume("never-issued") is False
    assert await states.async_consume("") is False
    clock.advance(timedelta(seconds=601))
    assert await states.async_consume(second) is False     # expired
    late = await states.async_issue()
    clock.advance(timedelta(seconds=599))
    assert await states.async_consume(late) is True


async def test_client_credentials_select_the_install_flow(core: Core) -> None:
    from bot.adapters.base import ConfigError
    from bot.app import make_adapters

    core.settings = core.settings.model_copy(update={
        "slack_client_id": "1.2", "slack_client_secret": SecretStr("s3cret-value"),
        "slack_signing_secret": SecretStr("signing"), "slack_port": 0})
    [(name, build)] = make_adapters(core, ["slack"])  # type: ignore[arg-type]
    adapter = build()
    assert name == "slack" and adapter.oauth is not None  # type: ignore[attr-defined]
    assert "s3cret-value" not in repr(adapter.oauth)  # type: ignore[attr-defined]
    assert adapter.app.oauth_flow is not None  # type: ignore[attr-defined]
    for missing in ({"slack_signing_secret": None},
                    {"slack_app_token": SecretStr("xapp-1")}):
        core.settings = core.settings.model_copy(update={
            "slack_signing_secret": SecretStr("signing"), "slack_app_token": None, **missing})
        with pytest.raises(ConfigError) as err:
            make_adapters(core, ["slack"])
        assert "s3cret-value" not in str(err.value)


async def test_removing_the_app_pauses_its_workspace_and_installing_it_resumes(
        core: Core, clock: FixedClock) -> None:
    """Only the removed workspace's Slack channels pause (a stopped one too, and it stays
    stopped when they resume); the scheduler hears of each; a second removal event changes
    nothing; an install resumes only what an uninstall paused."""
    heard: list[tuple[int, bool]] = []
    installs = SlackInstallations(core.db, clock,
                                  listeners=[lambda s: heard.append((s.id, s.scheduled))])
    store = InstallationStore(installs)
    await store.async_save(installation("T1", "xoxb-one"))
    await store.async_save(installation("T2", "xoxb-two"))
    lead = Actor("slack", "T1", "UADMIN", "lead", is_admin=True)
    subs = {}
    for ref in (ChannelRef("slack", "T1", "C1"), ChannelRef("slack", "T1", "C2"),
                ChannelRef("slack", "T2", "C1"), ChannelRef("memory", "T1", "C1")):
        made = await core.subscriptions.subscribe(
            replace(lead, platform=ref.platform, workspace=ref.workspace), ref, "general",
            post_time=time(9), timezone="UTC", window=timedelta(hours=8))
        assert isinstance(made, Subscription)
        subs[ref] = made.id
    await core.subscriptions.unsubscribe(lead, ChannelRef("slack", "T1", "C2"))
    t1c1, t1c2 = subs[ChannelRef("slack", "T1", "C1")], subs[ChannelRef("slack", "T1", "C2")]

    change = await installs.delete(None, "T1")
    assert change is not None and change.daily_questions == 1
    assert sorted(s.id for s in change.subscriptions) == sorted([t1c1, t1c2])
    assert sorted(heard) == sorted([(t1c1, False), (t1c2, False)])
    assert await installs.delete(None, "T1") is None            # app_uninstalled after
    running = {s.id for s in await core.subscriptions.active(["slack", "memory"])}
    assert running == {subs[ChannelRef("slack", "T2", "C1")],
                       subs[ChannelRef("memory", "T1", "C1")]}

    heard.clear()
    await store.async_save(installation("T1", "xoxb-one-again"))
    assert sorted(heard) == sorted([(t1c1, True), (t1c2, False)])
    back = await core.subscriptions.get(ChannelRef("slack", "T1", "C1"))
    assert back is not None and back.scheduled
    still = await core.subscriptions.get(ChannelRef("slack", "T1", "C2"))
    assert still is not None and still.paused is None and not still.active
    heard.clear()
    await store.async_save(installation("T1", "xoxb-one-rescoped"))   # a reinstall: no-op
    assert heard == []
