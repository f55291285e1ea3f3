"""`quizbot run` with QUIZBOT_METRICS_PORT and JSON logs, as a real process on the fake
Slack: the endpoint answers on 127.0.0.1 and every log line is JSON without a token."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import SAMPLE_BANK
from tests.fakes.slack import fake_slack

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN, APP_TOKEN = "xoxb-health-secret-1", "xapp-health-secret-2"


def _lines(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


async def _until(check: Callable[[], Awaitable[Any]], tries: int = 400) -> Any:
    """Poll for something the process reports (never a clock deadline): up to 20 s."""
    for _ in range(tries):
        if found := await check():
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("the process never reported it")


def _port(lines: list[dict[str, Any]]) -> int | None:
    for line in lines:
        if line["message"].startswith("health and metrics on http://127.0.0.1:"):
            return int(line["message"].split(":")[2].split("/")[0])
    return None


async def test_a_running_bot_serves_healthz_and_metrics(tmp_path: Path) -> None:
    log = tmp_path / "stderr.log"
    async with fake_slack() as fake:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("QUIZBOT_", "DISCORD_", "SLACK_"))}
        env.update({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN,
                    "QUIZBOT_SLACK_API_BASE": f"{fake.base_url}/api/",
                    "QUIZBOT_QUESTIONS_DIR": str(SAMPLE_BANK), "QUIZBOT_LOG_LEVEL": "DEBUG",
                    "QUIZBOT_LOG_FORMAT": "json", "QUIZBOT_METRICS_PORT": "0",
                    "PYTHONPATH": str(ROOT)})
        with log.open("wb") as err:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--platform", "slack", "--db",
                str(tmp_path / "q.db"), cwd=tmp_path, env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=err)
        try:
            await asyncio.wait_for(fake.socket_connected.wait(), 20)
            async def logged_port() -> int | None:
                return _port(_lines(log))

            port = await _until(logged_port)
            base = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession() as http:
                async def healthz() -> tuple[int, Any] | None:
                    async with http.get(f"{base}/healthz") as resp:
                        body = await resp.json()
                        return (resp.status, body) if body["adapters"].get("slack") else None

                status, body = await _until(healthz)
                assert status == 200 and body["database"] == "writable"
                async with http.get(f"{base}/metrics") as resp:
                    assert resp.status == 200
                    assert resp.headers["Content-Type"].startswith("text/plain")
                    text = await resp.text()
            assert 'quizbot_platform_connected{platform="slack"} 1.0' in text
            # the start-up sweep, and one more when Slack became ready
            sweeps = re.search(r"^quizbot_sweep_duration_seconds_count (\S+)$", text, re.M)
            assert sweeps is not None and float(sweeps.group(1)) >= 1
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 20)
    raw = log.read_text(encoding="utf-8")
    assert proc.returncode == 0, raw[-2000:]
    lines = _lines(log)   # every line is one JSON object
    assert any(line["level"] == "DEBUG" for line in lines)
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert BOT_TOKEN not in raw and APP_TOKEN not in raw
