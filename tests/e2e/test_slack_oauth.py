"""One quizbot, many Slack workspaces: the real Bolt OAuth flow against the fake Slack's
authorize page and oauth.v2.access, tokens kept in quizbot's database, each workspace's
daily question posted with its own token, and an uninstall that forgets one workspace.
Run on both engines: states and tokens are rows, and PostgreSQL is where a hosted app with
many workspaces keeps them."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.adapters.base import Actor
from bot.adapters.slack import SCOPES, SlackAdapter
from bot.adapters.slack_oauth import OAuthConfig
from bot.app import Core, build
from bot.bank import QuestionBank
from bot.clock import FixedClock
from bot.config import Settings
from bot.domain.rounds import RoundState
from bot.domain.subscriptions import ChannelRef
from bot.logs import formatter_for
from bot.services.slack_installs import SlackInstallations
from bot.storage.repositories import Answers, Cards, People, Rounds, Scores
from tests.fakes.slack import FakeSlack, fake_slack

SECRET = "oauth-signing-secret"
COOKIE = "slack-app-oauth-state"
_ids = itertools.count(1)
pytestmark = pytest.mark.both_backends


@dataclass
class OAuthEnv:
    fake: FakeSlack
    core: Core
    installs: SlackInstallations
    base: str       # http://127.0.0.1:PORT of quizbot's Slack server

    async def get(self, url: str, cookie: str = "") -> tuple[int, dict[str, str], str]:
        headers = {"Cookie": cookie} if cookie else {}
        async with aiohttp.ClientSession() as session, session.get(
                url, headers=headers, allow_redirects=False) as resp:
            return resp.status, dict(resp.headers), await resp.text()

    async def start_install(self) -> tuple[str, str]:
        """GET /slack/install: the authorize URL it sends the browser to, and its cookie."""
        status, headers, _ = await self.get(f"{self.base}/slack/install")
        assert status == 302, status
        cookie = headers["Set-Cookie"].split(";")[0]
        assert cookie.startswith(f"{COOKIE}=")
        return headers["Location"], cookie

    async def install(self, team: str) -> tuple[int, str, str]:
        """The whole flow for ``team``: install, approve, redirect back. Returns the final
        page's status and text, and the redirect URL (to replay)."""
        authorize, cookie = await self.start_install()
        self.fake.approve_as = team
        status, headers, text = await self.get(authorize)
        assert status == 302, (status, text)
        back = headers["Location"]
        status, _, page = await self.get(back, cookie)
        return status, page, back

    async def post(self, body: str, content_type: str) -> int:
        ts = str(int(time.time()))
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(
                       timestamp=ts, body=body)}
        async with aiohttp.ClientSession() as session, session.post(
                f"{self.base}/slack/events", data=body.encode(), headers=headers) as resp:
            return resp.status

    async def command(self, team: str, channel: str, user: str, command: str,
                      text: str) -> int:
        n = next(_ids)
        return await self.post(urlencode({
            "token": "legacy", "team_id": team, "team_domain": team.lower(),
            "channel_id": channel, "channel_name": "general", "user_id": user,
            "user_name": user.lower(), "command": command, "text": text, "api_app_id": "A1",
            "response_url": f"{self.fake.base_url}/response/{n}",
            "trigger_id": self.fake.issue_trigger(f"trig-{n}")}),
            "application/x-www-form-urlencoded")

    async def event(self, team: str, event: dict[str, object]) -> int:
        return await self.post(json.dumps({
            "token": "legacy", "team_id": team, "api_app_id": "A1", "type": "event_callback",
            "event": event, "event_id": f"Ev{next(_ids)}", "event_time": int(time.time())}),
            "application/json")


@asynccontextmanager
async def oauth_env(settings: Settings, clock: FixedClock,
                    bank: QuestionBank) -> AsyncIterator[OAuthEnv]:
    async with fake_slack() as fake:
        fake.add_user("UADMIN", "lead", admin=True)
        fake.add_user("UADMIN2", "lead2", admin=True)
        fake.member_of = {"C1", "C2"}
        core = await build(settings, clock=clock, bank=bank)
        installs = SlackInstallations(core.db, clock, listeners=core.subscriptions.listeners)
        oauth = OAuthConfig(fake.client_id, fake.client_secret, tuple(SCOPES),
                            authorize_url=f"{fake.base_url}/oauth/v2/authorize")
        adapter = SlackAdapter(core, bot_token=None, signing_secret=SECRET,
                               api_base=f"{fake.base_url}/api/", host="127.0.0.1", port=0,
                               timeout=1, oauth=oauth, installs=installs)
        task = asyncio.create_task(adapter.run())
        try:
            await fake.wait_for(lambda: adapter.bound_port is not None)
            base = f"http://127.0.0.1:{adapter.bound_port}"
            # the app's one registered Redirect URL (Slack's default when none is sent)
            fake.redirect_uris = {f"{base}/slack/oauth_redirect"}
            yield OAuthEnv(fake, core, installs, base)
        finally:
            await adapter.stop()
            await asyncio.wait_for(task, 5)
            await core.close()


async def eventually(check: object, seconds: float = 5.0) -> None:
    """Until ``check()`` (an async predicate) holds: a listener runs after its ack."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while not await check():  # type: ignore[operator]
        assert loop.time() < end, "condition never held"
        await asyncio.sleep(0.01)


async def subscribe(env: OAuthEnv, team: str, channel: str, admin: str) -> int:
    assert await env.command(team, channel, admin, "/quizadmin", "schedule 09:00 UTC 8h") == 200
    ref = ChannelRef("slack", team, channel)

    async def subscribed() -> bool:
        return await env.core.subscriptions.get(ref) is not None
    await eventually(subscribed)
    sub = await env.core.subscriptions.get(ref)
    assert sub is not None
    await env.core.subscriptions.configure(Actor("slack", team, admin, "lead", is_admin=True),
                                           ref, topics=("sample",))
    return sub.id


async def test_two_workspaces_install_and_each_gets_its_question_with_its_own_token(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)   # slack_sdk logs each request's headers at DEBUG
    async with oauth_env(settings, clock, sample_bank) as env:
        authorize, cookie = await env.start_install()
        query = parse_qs(urlsplit(authorize).query)
        assert authorize.startswith(f"{env.fake.base_url}/oauth/v2/authorize?")
        assert query["client_id"] == [env.fake.client_id]
        assert set(query["scope"][0].split(",")) == set(SCOPES)
        assert cookie == f"{COOKIE}={query['state'][0]}"

        for team in ("T1", "T2"):
            status, page, _ = await env.install(team)
            assert status == 200 and "Thank you!" in page, page
        one, two = await env.installs.find(None, "T1"), await env.installs.find(None, "T2")
        assert one is not None and two is not None
        assert env.fake.tokens[one.bot_token] == "T1"
        assert env.fake.tokens[two.bot_token] == "T2"
        assert env.fake.client_secret not in repr(one) and one.bot_token not in repr(one)

        sub1 = await subscribe(env, "T1", "C1", "UADMIN")
        sub2 = await subscribe(env, "T2", "C2", "UADMIN2")
        # each command's reply went through its own workspace's installation
        assert {c.token for c in env.fake.all_calls("users.info")} == {one.bot_token,
                                                                       two.bot_token}
        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        r1 = await env.core.rounds.post_due(sub1)
        r2 = await env.core.rounds.post_due(sub2)
        assert r1 is not None and r1.thread_id and r2 is not None and r2.thread_id
        posts = env.fake.all_calls("chat.postMessage")
        assert [(c.params["channel"], env.fake.tokens[c.token]) for c in posts] == [
            ("C1", "T1"), ("C2", "T2")]

        # T2 removes the app: Slack revokes its token and sends app_uninstalled
        env.fake.uninstall("T2")
        assert await env.event("T2", {"type": "app_uninstalled"}) == 200

        async def forgotten() -> bool:
            return await env.installs.find(None, "T2") is None
        await eventually(forgotten)
        assert await env.installs.find(None, "T1") is not None
        assert await env.core.subscriptions.get(ChannelRef("slack", "T2", "C2")) is not None

        clock.set(datetime(2026, 11, 24, 9, 5, tzinfo=UTC))
        before = len(env.fake.calls)
        assert await env.core.rounds.post_due(sub2) is None   # paused: nothing sent for T2
        assert all(env.fake.tokens.get(c.token) != "T2" for c in env.fake.calls[before:])
        r1 = await env.core.rounds.post_due(sub1)
        assert r1 is not None and r1.thread_id
        last = env.fake.all_calls("chat.postMessage")[-1]
        assert last.ok and last.params["channel"] == "C1" and last.token == one.bot_token
        # what quizbot's log formatter writes holds neither the client secret nor a token
        formatter = formatter_for(Settings(
            _env_file=None, slack_client_secret=env.fake.client_secret))  # type: ignore[call-arg]
        written = "\n".join(formatter.format(r) for r in caplog.records)
        basic = base64.b64encode(f"{env.fake.client_id}:{env.fake.client_secret}".encode())
        assert "oauth.v2.access" in written and "xoxb-" not in written
        for secret in (env.fake.client_secret, one.bot_token, two.bot_token, basic.decode()):
            assert secret not in written


async def test_an_uninstalled_workspace_pauses_quietly_and_a_reinstall_resumes_it(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank,
        caplog: pytest.LogCaptureFixture) -> None:
    """The app removed from T2 mid-round: T2's schedules stop at once and in silence (no
    call without a token, no failure at each sweep, the open round neither revealed nor
    dropped), with one line saying so; T1 goes on. Installed again the next day, T2's round
    is revealed once, the day's question posted once, and a channel its lead had stopped
    stays stopped."""
    async with oauth_env(settings, clock, sample_bank) as env:
        fake, core = env.fake, env.core
        fake.member_of |= {"C3"}
        for team in ("T1", "T2"):
            assert (await env.install(team))[0] == 200
        sub1 = await subscribe(env, "T1", "C1", "UADMIN")
        sub2 = await subscribe(env, "T2", "C2", "UADMIN2")
        await subscribe(env, "T2", "C3", "UADMIN2")
        stopped = ChannelRef("slack", "T2", "C3")
        lead2 = Actor("slack", "T2", "UADMIN2", "lead2", is_admin=True)
        await core.subscriptions.unsubscribe(lead2, stopped)
        core.scheduler.start(await core.subscriptions.active(["slack"]))
        assert f"post:{sub2}" in core.scheduler.job_ids()

        clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=UTC))
        await core.scheduler.sweep()
        async with core.db.reading() as conn:
            round1 = await Rounds(conn).on_date(sub2, date(2026, 11, 23))
        assert round1 is not None and round1.thread_id
        assert await env.event("T2", {"type": "message", "channel": "C2", "user": "UADMIN2",
                                      "text": "my answer", "ts": "1800000000.000001",
                                      "thread_ts": round1.thread_id,
                                      "channel_type": "channel"}) == 200

        async def answered() -> bool:
            async with core.db.reading() as conn:
                return len(await Answers(conn).for_round(round1.id)) == 1
        await eventually(answered)
        question = core.bank.get(round1.question_id)
        if question is not None and question.follow_up:   # asked after the answer's commit
            await fake.wait_for(lambda: bool(fake.ok_calls("chat.postEphemeral")))

        # their review reminders on, with a review due: a DM each day, were T2 reachable
        assert await env.command("T2", "C2", "UADMIN2", "/quiz", "remind on") == 200
        await fake.wait_for(lambda: any("Review reminders on" in str(r) for r in fake.responses))
        other = next(q.id for q in sample_bank if q.id != round1.question_id)
        async with core.db.transaction() as conn:
            lead2_person = await People(conn).find("slack", "T2", "UADMIN2")
            assert lead2_person is not None
            await Cards(conn).save(lead2_person.id, other, "{}",
                                   datetime(2026, 11, 23, 0, 0, tzinfo=UTC), None)

        def reminded() -> list[str]:
            return [c.token for c in fake.all_calls("chat.postMessage")
                    if c.params["channel"] == "UADMIN2" and "due today" in str(c.params)]

        clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
        caplog.set_level(logging.INFO)
        caplog.clear()
        fake.uninstall("T2")   # Slack sends both events for one removal
        assert await env.event("T2", {"type": "tokens_revoked",
                                      "tokens": {"bot": ["UBOT"]}}) == 200
        assert await env.event("T2", {"type": "app_uninstalled"}) == 200

        async def forgotten() -> bool:
            return await env.installs.find(None, "T2") is None
        await eventually(forgotten)
        await asyncio.sleep(0.05)   # the second event's listener, which finds nothing
        said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert said == ["Slack app removed from workspace T2 (uninstalled or its token "
                        "revoked): token forgotten, 1 daily question(s) paused until it is "
                        "installed again; history kept"], said
        paused = await core.subscriptions.get(ChannelRef("slack", "T2", "C2"))
        assert paused is not None and paused.paused == "uninstalled" and paused.active
        assert f"post:{sub2}" not in core.scheduler.job_ids()
        assert f"post:{sub1}" in core.scheduler.job_ids()

        # a day of sweeps: past round 1's deadline and day 2's post time
        caplog.clear()
        before = len(fake.calls)
        while clock.now() < datetime(2026, 11, 24, 12, 0, tzinfo=UTC):
            clock.advance(timedelta(minutes=20))
            await core.scheduler.sweep()
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
        assert {fake.tokens.get(c.token) for c in fake.calls[before:]} == {"T1"}
        assert reminded() == []   # not tried: T2 is not reachable
        async with core.db.reading() as conn:
            kept = await Rounds(conn).get(round1.id)
            assert await Rounds(conn).on_date(sub2, date(2026, 11, 24)) is None
            assert len(await Answers(conn).for_round(round1.id)) == 1
            assert await Rounds(conn).on_date(sub1, date(2026, 11, 24)) is not None
        assert kept is not None and kept.state is RoundState.OPEN

        # installed again: round 1 revealed, today's question posted, each once
        caplog.clear()
        status, _, _ = await env.install("T2")
        assert status == 200
        assert "1 daily question(s) paused at its uninstall resume" in caplog.text
        assert f"post:{sub2}" in core.scheduler.job_ids()
        again = await env.installs.find(None, "T2")
        assert again is not None
        for _ in range(3):
            await core.scheduler.sweep()
            clock.advance(timedelta(minutes=1))
        t2 = [c for c in fake.all_calls("chat.postMessage") if c.params["channel"] == "C2"]
        assert all(c.ok for c in t2)
        assert [c.token == again.bot_token for c in t2] == [False, True, True]
        assert reminded() == [again.bot_token]   # the day's reminder, once, once reachable
        keys = [b["block_id"] for c in t2 for b in c.params["blocks"]
                if str(b.get("block_id", "")).startswith("quizbot_post:")]
        assert len(keys) == len(set(keys)) == 3
        async with core.db.reading() as conn:
            revealed = await Rounds(conn).get(round1.id)
            today = await Rounds(conn).on_date(sub2, date(2026, 11, 24))
            assert (await Scores(conn).for_round(round1.id)) != []
        assert revealed is not None and revealed.state is RoundState.REVEALED
        assert today is not None and today.thread_id
        still = await core.subscriptions.get(stopped)
        assert still is not None and still.paused is None and not still.active
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_tokens_revoked_forgets_the_bot_token(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with oauth_env(settings, clock, sample_bank) as env:
        assert (await env.install("T1"))[0] == 200
        assert (await env.install("T2"))[0] == 200
        assert await env.event("T1", {"type": "tokens_revoked",
                                      "tokens": {"oauth": ["UADMIN"], "bot": ["UBOT"]}}) == 200

        async def forgotten() -> bool:
            return await env.installs.find(None, "T1") is None
        await eventually(forgotten)
        assert await env.installs.find(None, "T2") is not None


async def test_a_bad_state_or_a_reused_code_stores_nothing(
        settings: Settings, clock: FixedClock, sample_bank: QuestionBank) -> None:
    async with oauth_env(settings, clock, sample_bank) as env:
        redirect = f"{env.base}/slack/oauth_redirect"
        # a forged state, with a cookie of its own: the state store never issued it
        status, _, page = await env.get(f"{redirect}?code=x&state=forged",
                                        f"{COOKIE}=forged")
        assert status == 401 and "Something Went Wrong" in page and "invalid_state" in page
        # a real state but no cookie: another browser than the one that started
        authorize, _ = await env.start_install()
        status, headers, _ = await env.get(authorize)
        status, _, page = await env.get(headers["Location"])
        assert status == 400 and "invalid_browser" in page
        assert await env.installs.find(None, "T1") is None

        status, page, back = await env.install("T1")
        assert status == 200
        token = await env.installs.find(None, "T1")
        # the same code again, under a fresh state: Slack says invalid_code
        _, cookie = await env.start_install()
        code = parse_qs(urlsplit(back).query)["code"][0]
        state = cookie.split("=", 1)[1]
        status, _, page = await env.get(f"{redirect}?code={code}&state={state}", cookie)
        assert status == 401 and "invalid_code" in page
        # replaying the whole redirect: its state was used up
        used = parse_qs(urlsplit(back).query)["state"][0]
        status, _, page = await env.get(back, f"{COOKIE}={used}")
        assert status == 401 and "invalid_state" in page
        assert await env.installs.find(None, "T1") == token
        assert await env.installs.find(None, "T2") is None


async def test_a_state_expires(settings: Settings, clock: FixedClock,
                               sample_bank: QuestionBank) -> None:
    async with oauth_env(settings, clock, sample_bank) as env:
        authorize, cookie = await env.start_install()
        status, headers, _ = await env.get(authorize)
        clock.advance(timedelta(minutes=11))
        status, _, page = await env.get(headers["Location"], cookie)
        assert status == 401 and "invalid_state" in page
        assert await env.installs.find(None, "T1") is None


async def test_the_fake_refuses_what_oauth_v2_access_refuses() -> None:
    """Slack's oauth.v2.access errors: a wrong secret, a code used twice, another
    redirect_uri than the authorize step's."""
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.async_client import AsyncWebClient

    async with fake_slack() as fake:
        client = AsyncWebClient(base_url=f"{fake.base_url}/api/")
        fake.codes["c1"] = ("T1", "", "chat:write")
        fake.codes["c2"] = ("T1", "https://a.example/slack/oauth_redirect", "chat:write")

        async def refused(**kw: str) -> str:
            try:
                await client.oauth_v2_access(**kw)
            except SlackApiError as exc:
                return str(exc.response["error"])
            return "ok"
        assert await refused(client_id=fake.client_id, client_secret="wrong",
                             code="c1") == "bad_client_secret"
        assert await refused(client_id=fake.client_id, client_secret=fake.client_secret,
                             code="c1") == "ok"
        assert await refused(client_id=fake.client_id, client_secret=fake.client_secret,
                             code="c1") == "invalid_code"
        assert await refused(client_id=fake.client_id, client_secret=fake.client_secret,
                             code="c2", redirect_uri="https://b.example/") == "bad_redirect_uri"
        assert await refused(client_id="nope", client_secret=fake.client_secret,
                             code="c2") == "invalid_client_id"
