"""`quizbot run --platform discord|all` as real processes against both fakes."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

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
