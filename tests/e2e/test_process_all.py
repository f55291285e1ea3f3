"""`quizbot run --platform discord|all` as real processes against both fakes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import SAMPLE_BANK
from tests.e2e.discord_helpers import TOKEN as DISCORD_TOKEN
from tests.fakes.discord import OWNER_ID, fake_discord
from tests.fakes.slack import TEAM, fake_slack

ROOT = Path(__file__).resolve().parents[2]
SLACK_BOT, SLACK_APP = "xoxb-all-secret-1", "xapp-all-secret-2"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QUIZBOT_", "DISCORD_", "SLACK_"))}
    env.update({"QUIZBOT_QUESTIONS_DIR": str(SAMPLE_BANK), "PYTHONPATH": str(ROOT),
                "QUIZBOT_LOG_LEVEL": "DEBUG", **extra})
    return env


async def _start(tmp_path: Path, platform: str,
                 env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--platform", platform, "--db",
        str(tmp_path / "q.db"), cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)


async def _stop(proc: asyncio.subprocess.Process) -> str:
    proc.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()[-3000:]
    return out.decode() + err.decode()


async def test_run_platform_all_serves_discord_and_slack(tmp_path: Path) -> None:
    async with fake_discord() as discord_fake, fake_slack() as slack_fake:
        slack_fake.add_user("UADMIN", "lead", admin=True)
        env = _env(DISCORD_TOKEN=DISCORD_TOKEN, QUIZBOT_DISCORD_API_BASE=discord_fake.api,
                   QUIZBOT_DISCORD_GATEWAY_URL=discord_fake.gateway,
                   SLACK_BOT_TOKEN=SLACK_BOT, SLACK_APP_TOKEN=SLACK_APP,
                   QUIZBOT_SLACK_API_BASE=f"{slack_fake.base_url}/api/")
        proc = await _start(tmp_path, "all", env)
        try:
            await asyncio.wait_for(discord_fake.identified.wait(), 30)
            await asyncio.wait_for(slack_fake.socket_connected.wait(), 30)
            inter = await discord_fake.command("schedule", [
                {"name": "command", "type": 3, "value": "set 09:00 Europe/Paris"}], by=OWNER_ID)
            await discord_fake.wait_for(lambda: bool(discord_fake.replies_to(inter)), 20)
            assert "Posts at 09:00 Europe/Paris" in discord_fake.text_of(
                discord_fake.replies_to(inter)[-1])
            await slack_fake.push("slash_commands", {
                "token": "legacy", "team_id": TEAM, "channel_id": "C1",
                "channel_name": "general", "user_id": "UADMIN", "command": "/quizadmin",
                "text": "schedule 07:30 Asia/Tokyo", "api_app_id": "A1",
                "response_url": f"{slack_fake.base_url}/response/1", "trigger_id": "t1"})
            await slack_fake.wait_for(lambda: len(slack_fake.responses) == 1, 20)
            assert "Posts at 07:30 Asia/Tokyo" in slack_fake.responses[0]["text"]
        finally:
            logs = await _stop(proc)
        assert "DEBUG" in logs
        for secret in (DISCORD_TOKEN, SLACK_BOT, SLACK_APP):
            assert secret not in logs


def test_invite_url_has_minimal_scopes_and_permissions(tmp_path: Path) -> None:
    import subprocess

    res = subprocess.run([sys.executable, "-m", "bot", "discord", "invite-url"], cwd=tmp_path,
                         env=_env(DISCORD_TOKEN=DISCORD_TOKEN), capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    query = parse_qs(urlparse(res.stdout.strip()).query)
    assert query["client_id"] == ["900"]
    assert query["scope"] == ["bot applications.commands"]
    perms = int(query["permissions"][0])
    assert perms & (1 << 11) and perms & (1 << 35) and perms & (1 << 6)  # send, threads, react
    assert not perms & (1 << 3)  # never Administrator
    none = subprocess.run([sys.executable, "-m", "bot", "discord", "invite-url"], cwd=tmp_path,
                          env=_env(), capture_output=True, text=True, timeout=60)
    assert none.returncode == 2 and "--application-id" in none.stderr


def _slack_command(fake_base: str, text: str, n: int) -> dict[str, str]:
    return {"token": "legacy", "team_id": TEAM, "channel_id": "C1", "channel_name": "general",
            "user_id": "UADMIN", "command": "/quizadmin", "text": text, "api_app_id": "A1",
            "response_url": f"{fake_base}/response/{n}", "trigger_id": f"t{n}"}


async def test_sigterm_ends_a_socket_mode_connect_that_cannot_succeed(tmp_path: Path) -> None:
    async with fake_slack() as fake:
        fake.socket_refused = True
        proc = await _start(tmp_path, "slack", _env(
            SLACK_BOT_TOKEN=SLACK_BOT, SLACK_APP_TOKEN=SLACK_APP,
            QUIZBOT_SLACK_API_BASE=f"{fake.base_url}/api/"))
        await fake.wait_for(lambda: bool(fake.all_calls("apps.connections.open")), 30)
        await asyncio.sleep(0.5)                     # inside the failing connect loop
        loop = asyncio.get_running_loop()
        started = loop.time()
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.communicate(), 5)
        assert loop.time() - started < 5 and proc.returncode == 0


async def test_a_revoked_token_ends_the_process_with_one_clear_line(tmp_path: Path) -> None:
    async with fake_slack() as fake:
        fake.revoked[SLACK_APP] = "token_revoked"
        proc = await _start(tmp_path, "slack", _env(
            SLACK_BOT_TOKEN=SLACK_BOT, SLACK_APP_TOKEN=SLACK_APP, QUIZBOT_LOG_LEVEL="INFO",
            QUIZBOT_SLACK_API_BASE=f"{fake.base_url}/api/"))
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    logs = out.decode() + err.decode()
    assert proc.returncode == 2
    assert [line for line in logs.splitlines() if "token_revoked" in line] != []
    assert len([line for line in logs.splitlines() if "token_revoked" in line]) == 1
    assert "SLACK_APP_TOKEN" in logs and "Traceback" not in logs and SLACK_APP not in logs


async def test_an_intent_discord_refuses_leaves_slack_running(tmp_path: Path) -> None:
    async with fake_discord() as discord_fake, fake_slack() as slack_fake:
        discord_fake.portal_intents = 0            # nothing privileged switched on
        slack_fake.add_user("UADMIN", "lead", admin=True)
        proc = await _start(tmp_path, "all", _env(
            DISCORD_TOKEN=DISCORD_TOKEN, QUIZBOT_DISCORD_API_BASE=discord_fake.api,
            QUIZBOT_DISCORD_GATEWAY_URL=discord_fake.gateway, QUIZBOT_LOG_LEVEL="INFO",
            SLACK_BOT_TOKEN=SLACK_BOT, SLACK_APP_TOKEN=SLACK_APP,
            QUIZBOT_SLACK_API_BASE=f"{slack_fake.base_url}/api/"))
        try:
            await discord_fake.wait_for(lambda: discord_fake.closes == [4014], 30)
            await asyncio.wait_for(slack_fake.socket_connected.wait(), 30)
            await slack_fake.push("slash_commands", _slack_command(
                slack_fake.base_url, "schedule 07:30 Asia/Tokyo", 1))
            await slack_fake.wait_for(lambda: len(slack_fake.responses) == 1, 20)
        finally:
            logs = await _stop(proc)
    assert logs.count("Message Content Intent") == 1


@pytest.mark.parametrize("dead", ["discord", "slack"])
async def test_killing_either_fake_leaves_the_other_platform_working(tmp_path: Path,
                                                                     dead: str) -> None:
    async with contextlib.AsyncExitStack() as discord_stack, \
            contextlib.AsyncExitStack() as slack_stack:
        discord_fake = await discord_stack.enter_async_context(fake_discord())
        slack_fake = await slack_stack.enter_async_context(fake_slack())
        slack_fake.add_user("UADMIN", "lead", admin=True)
        proc = await _start(tmp_path, "all", _env(
            DISCORD_TOKEN=DISCORD_TOKEN, QUIZBOT_DISCORD_API_BASE=discord_fake.api,
            QUIZBOT_DISCORD_GATEWAY_URL=discord_fake.gateway,
            SLACK_BOT_TOKEN=SLACK_BOT, SLACK_APP_TOKEN=SLACK_APP,
            QUIZBOT_SLACK_API_BASE=f"{slack_fake.base_url}/api/"))
        try:
            await asyncio.wait_for(discord_fake.identified.wait(), 30)
            await asyncio.wait_for(slack_fake.socket_connected.wait(), 30)
            if dead == "discord":
                await discord_stack.aclose()          # the Discord fake goes away
                await slack_fake.push("slash_commands", _slack_command(
                    slack_fake.base_url, "schedule 07:30 Asia/Tokyo", 1))
                await slack_fake.wait_for(lambda: len(slack_fake.responses) == 1, 20)
            else:
                await slack_stack.aclose()            # the Slack fake goes away
                inter = await discord_fake.command("schedule", [
                    {"name": "command", "type": 3, "value": "set 09:00 UTC"}], by=OWNER_ID)
                await discord_fake.wait_for(lambda: bool(discord_fake.replies_to(inter)), 20)
        finally:
            await _stop(proc)


async def test_sigterm_ends_a_discord_connect_that_cannot_succeed(tmp_path: Path) -> None:
    async with fake_discord() as fake:
        api = fake.api
    # the fake is gone: REST and gateway refuse every connection
    proc = await _start(tmp_path, "discord", _env(
        DISCORD_TOKEN=DISCORD_TOKEN, QUIZBOT_DISCORD_API_BASE=api,
        QUIZBOT_DISCORD_GATEWAY_URL=api.replace("http", "ws").replace("/api/v10", "/gateway")))
    # start-up done (signal handlers in place) once the supervisor has seen a connect fail
    assert proc.stderr is not None
    async with asyncio.timeout(30):
        while b"starting it again" not in await proc.stderr.readline():
            pass
    loop = asyncio.get_running_loop()
    started = loop.time()
    proc.send_signal(signal.SIGTERM)
    await asyncio.wait_for(proc.communicate(), 5)
    assert loop.time() - started < 5 and proc.returncode == 0
