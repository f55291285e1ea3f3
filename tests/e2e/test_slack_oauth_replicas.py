"""One Slack app, two replicas behind a load balancer, one PostgreSQL database: an install
started on one replica (``/slack/install`` issues the state and sets its cookie) is
completed on the other (``/slack/oauth_redirect`` consumes the state and stores the token),
and from then on either replica serves that workspace with its own token; a state used
once is refused by both, and an uninstall seen by one is seen by the other at once.

The replicas are two Cores and two Slack adapters in this process, each on its own port and
calling the fake Slack through its own path (``/via/NAME/api/``) so the fake can tell who
made each call. The test plays the load balancer: both replicas are configured with one
public redirect URL, and the test sends the browser's request to whichever replica it
chooses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.adapters.slack import SCOPES, SlackAdapter
from bot.adapters.slack_oauth import OAuthConfig
from bot.app import build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.subscriptions import ChannelRef
from bot.services.slack_installs import SlackInstallations
from tests import pg_server
from tests.conftest import SAMPLE_BANK
from tests.e2e.test_slack_oauth import OAuthEnv, eventually, subscribe
from tests.fakes.slack import FakeSlack, fake_slack

SECRET = "oauth-signing-secret"
#: what both replicas are told is their redirect URL: the load balancer's, never dialled
PUBLIC = "https://quiz.example"


@asynccontextmanager
async def replica(fake: FakeSlack, name: str, settings: Settings,
                  clock: FixedClock, bank: QuestionBank) -> AsyncIterator[OAuthEnv]:
    core = await build(settings, clock=clock, bank=bank)
    installs = SlackInstallations(core.db, clock, listeners=core.subscriptions.listeners)
    oauth = OAuthConfig(fake.client_id, fake.client_secret, tuple(SCOPES),
                        redirect_uri=f"{PUBLIC}/slack/oauth_redirect",
                        authorize_url=f"{fake.base_url}/oauth/v2/authorize")
    adapter = SlackAdapter(core, bot_token=None, signing_secret=SECRET,
                           api_base=f"{fake.base_url}/via/{name}/api/", host="127.0.0.1",
                           port=0, timeout=1, oauth=oauth, installs=installs)
    task = asyncio.create_task(adapter.run())
    try:
        await fake.wait_for(lambda: adapter.bound_port is not None)
        yield OAuthEnv(fake, core, installs, f"http://127.0.0.1:{adapter.bound_port}")
    finally:
        await adapter.stop()
        await asyncio.wait_for(task, 5)
        await core.close()


@pytest.fixture
def pg_settings(pg_shared: str, pg: pg_server.PgServer, tmp_path: Path) -> Settings:
    pg.empty(pg_shared)
    return Settings(db=tmp_path / "unused.db", database_url=pg_shared,  # type: ignore[call-arg]
                    questions_dir=SAMPLE_BANK, timezone="UTC", post_time="09:00",
                    window="8h", _env_file=None)


def on(env: OAuthEnv, url: str) -> str:
    """The load balancer: the public URL's path and query, sent to this replica."""
    assert url.startswith(PUBLIC), url
    return env.base + url.removeprefix(PUBLIC)


async def approve(fake: FakeSlack, starter: OAuthEnv, team: str) -> tuple[str, str]:
    """Start an install on ``starter`` and approve it on Slack as ``team``: the redirect
    back (to the public URL) and the browser's state cookie."""
    authorize, cookie = await starter.start_install()
    assert parse_qs(urlsplit(authorize).query)["redirect_uri"] == [
        f"{PUBLIC}/slack/oauth_redirect"]
    fake.approve_as = team
    status, headers, text = await starter.get(authorize)
    assert status == 302, (status, text)
    return headers["Location"], cookie


async def test_an_install_started_on_one_replica_completes_on_the_other_and_serves_both(
        pg_settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with fake_slack() as fake, AsyncExitStack() as stack:
        fake.add_user("UADMIN", "lead", admin=True)
        fake.add_user("UADMIN2", "lead2", admin=True)
        fake.member_of = {"C1", "C2"}
        fake.redirect_uris = {f"{PUBLIC}/slack/oauth_redirect"}
        a = await stack.enter_async_context(
            replica(fake, "a", pg_settings, clock, sample_bank))
        b = await stack.enter_async_context(
            replica(fake, "b", pg_settings, clock, sample_bank))

        # T1 starts on A and comes back to B; T2 the other way round
        back1, cookie1 = await approve(fake, a, "T1")
        status, _, page = await b.get(on(b, back1), cookie1)
        assert status == 200 and "Thank you!" in page, page
        back2, cookie2 = await approve(fake, b, "T2")
        status, _, page = await a.get(on(a, back2), cookie2)
        assert status == 200 and "Thank you!" in page, page
        exchanged = [c.client for c in fake.all_calls("oauth.v2.access")]
        assert exchanged == ["b", "a"]   # each code traded by the replica that got it back
        one, two = await a.installs.find(None, "T1"), await b.installs.find(None, "T2")
        assert one is not None and two is not None
        assert fake.tokens[one.bot_token] == "T1" and fake.tokens[two.bot_token] == "T2"

        # a used state is refused by either replica, the one that took it and the other
        for env, back, cookie in ((a, back1, cookie1), (b, back1, cookie1),
                                  (a, back2, cookie2), (b, back2, cookie2)):
            status, _, page = await env.get(on(env, back), cookie)
            assert status == 401 and "invalid_state" in page, (env.base, page)
        assert len(fake.all_calls("oauth.v2.access")) == 2   # and no code was traded again
        assert await a.installs.find(None, "T1") == one
        # a browser that sends the redirect twice at once, to both replicas: one wins
        back3, cookie3 = await approve(fake, a, "T3")
        pages = await asyncio.gather(a.get(on(a, back3), cookie3), b.get(on(b, back3), cookie3))
        assert sorted(status for status, _, _ in pages) == [200, 401], pages
        assert len(fake.all_calls("oauth.v2.access")) == 3
        assert await a.installs.find(None, "T3") is not None

        # both replicas serve both workspaces, each with that workspace's own token
        sub1 = await subscribe(a, "T1", "C1", "UADMIN")
        sub2 = await subscribe(b, "T2", "C2", "UADMIN2")
        assert await b.command("T1", "C1", "UADMIN", "/quizadmin",
                           "schedule 09:00 UTC 8h") == 200
        assert await a.command("T2", "C2", "UADMIN2", "/quizadmin",
                           "schedule 09:00 UTC 8h") == 200

        def served(client: str, method: str) -> set[str]:
            return {fake.tokens[c.token] for c in fake.all_calls(method)
                    if c.client == client and c.ok}
        await fake.wait_for(lambda: all(served(r, "users.info") == {"T1", "T2"}
                                        for r in ("a", "b")))
        # Bolt's authorize step on each replica found each workspace's token in the store
        assert served("a", "auth.test") >= {"T1", "T2"} <= served("b", "auth.test")
        assert all(fake.tokens.get(c.token) in ("T1", "T2", "T3") for c in fake.calls
                   if c.method != "oauth.v2.access")
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        r1 = await b.core.rounds.post_due(sub1)   # whichever leads posts, with the right token
        r2 = await a.core.rounds.post_due(sub2)
        assert r1 is not None and r1.thread_id and r2 is not None and r2.thread_id
        assert [(c.client, c.params["channel"], fake.tokens[c.token])
                for c in fake.all_calls("chat.postMessage")] == [("b", "C1", "T1"),
                                                                  ("a", "C2", "T2")]

        # T2 removes the app; Slack tells replica B. Replica A stops speaking for T2 at once
        fake.uninstall("T2")
        assert await b.event("T2", {"type": "app_uninstalled"}) == 200

        async def forgotten() -> bool:
            return await a.installs.find(None, "T2") is None
        await eventually(forgotten)
        clock.set(datetime(2026, 11, 24, 9, 5, tzinfo=UTC))
        before = len(fake.calls)
        await a.core.rounds.post_due(sub2)
        await a.core.rounds.post_due(sub1)
        assert [fake.tokens[c.token] for c in fake.all_calls("chat.postMessage")[2:]] == ["T1"]
        assert all(fake.tokens.get(c.token) != "T2" for c in fake.calls[before:])
        assert await a.core.subscriptions.get(ChannelRef("slack", "T2", "C2")) is not None
        assert await b.installs.find(None, "T1") == one
