"""`quizbot run --platform slack` as a real process against the fake Slack."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.conftest import SAMPLE_BANK
from tests.fakes.slack import TEAM, fake_slack

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN, APP_TOKEN = "xoxb-process-secret-1", "xapp-process-secret-2"


async def test_run_platform_slack_starts_serves_and_stops(tmp_path: Path) -> None:
    async with fake_slack() as fake:
        fake.add_user("UADMIN", "lead", admin=True)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("QUIZBOT_", "DISCORD_", "SLACK_"))}
        env.update({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN,
                    "QUIZBOT_SLACK_API_BASE": f"{fake.base_url}/api/",
                    "QUIZBOT_QUESTIONS_DIR": str(SAMPLE_BANK), "QUIZBOT_LOG_LEVEL": "DEBUG",
                    "PYTHONPATH": str(ROOT)})
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--platform", "slack", "--db",
            str(tmp_path / "q.db"), cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await asyncio.wait_for(fake.socket_connected.wait(), 20)
            await fake.push("slash_commands", {
                "token": "legacy", "team_id": TEAM, "channel_id": "C1",
                "channel_name": "general", "user_id": "UADMIN", "command": "/quizadmin",
                "text": "schedule 09:00 Europe/Paris", "api_app_id": "A1",
                "response_url": f"{fake.base_url}/response/1", "trigger_id": "t1"})
            await fake.wait_for(lambda: len(fake.responses) == 1, 20)
            assert "Posts at 09:00 Europe/Paris" in fake.responses[0]["text"]
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode == 0, err.decode()[-2000:]
        logs = out.decode() + err.decode()
        assert "DEBUG" in logs  # the run really logged at debug level...
        assert BOT_TOKEN not in logs and APP_TOKEN not in logs  # ...and never a token


async def test_missing_slack_settings_are_named_without_values(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("QUIZBOT_", "DISCORD_", "SLACK_"))}
    env.update({"SLACK_BOT_TOKEN": BOT_TOKEN, "PYTHONPATH": str(ROOT),
                "QUIZBOT_QUESTIONS_DIR": str(SAMPLE_BANK)})
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--platform", "slack", "--db",
        str(tmp_path / "q.db"), cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2
    assert "SLACK_APP_TOKEN" in err.decode() and BOT_TOKEN not in (out + err).decode()
