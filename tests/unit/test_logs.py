"""Log output: JSON lines and text lines, tokens masked in both."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.logs import (
    MASK,
    JsonFormatter,
    RedactingFormatter,
    Redactor,
    formatter_for,
    secrets_of,
)
from tests.e2e.discord_helpers import TOKEN as DISCORD_TOKEN
from tests.e2e.test_process_all import SLACK_APP, SLACK_BOT

SECRETS = (DISCORD_TOKEN, SLACK_BOT, SLACK_APP, "sk-test-secret")


def _record(msg: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise RuntimeError(f"auth failed for {SLACK_BOT}")
        except RuntimeError:
            exc_info = sys.exc_info()
    return logging.LogRecord("bot.adapters.slack", logging.ERROR, __file__, 1, msg, args,
                             exc_info)


def _settings(**kw: Any) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


def test_json_lines_carry_the_fields_and_no_tokens() -> None:
    settings = _settings(log_format="json", discord_token=DISCORD_TOKEN,
                         slack_bot_token=SLACK_BOT, slack_app_token=SLACK_APP)
    formatter = formatter_for(settings)
    assert isinstance(formatter, JsonFormatter)
    line = formatter.format(_record("connecting with %s and %s, header Bearer %s",
                                    SLACK_APP, DISCORD_TOKEN, "sk-test-secret", exc=True))
    assert "\n" not in line
    out = json.loads(line)
    assert set(out) == {"time", "level", "logger", "message", "exception"}
    assert out["level"] == "ERROR" and out["logger"] == "bot.adapters.slack"
    assert out["time"].endswith("+00:00")
    assert "RuntimeError" in out["exception"] and MASK in out["exception"]
    assert out["message"].startswith("connecting with ") and MASK in out["message"]
    for secret in SECRETS:
        assert secret not in line


def test_token_shapes_are_masked_even_when_not_configured() -> None:
    redact = Redactor()
    text = redact(f"tokens {SLACK_BOT} {SLACK_APP} xoxp-1-2-3 sk-abcdefgh1234 "
                  "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123 "
                  "Authorization: Bearer abc.def")
    assert text == f"tokens {' '.join([MASK] * 5)} Authorization: Bearer {MASK}"
    assert redact("bot.adapters.discord posted round 12") == \
        "bot.adapters.discord posted round 12"


def test_text_lines_are_masked_too() -> None:
    settings = _settings(slack_signing_secret="plain-signing-value")
    formatter = formatter_for(settings)
    assert isinstance(formatter, RedactingFormatter)
    line = formatter.format(_record("signature with %s", "plain-signing-value", exc=True))
    assert "plain-signing-value" not in line and SLACK_BOT not in line
    assert "ERROR bot.adapters.slack: signature with [redacted]" in line


def test_log_format_setting() -> None:
    assert _settings().log_format == "text"
    with pytest.raises(ValidationError):
        _settings(log_format="xml")


def test_an_oauth_client_secret_and_basic_header_are_masked() -> None:
    settings = _settings(slack_client_secret="client-secret-value")
    redact = Redactor(secrets_of(settings))
    header = "Basic MTExMS4yMjIyOmNsaWVudC1zZWNyZXQtdmFsdWU="
    assert redact(f"client_secret=client-secret-value {header}") == \
        f"client_secret={MASK} Basic {MASK}"
    assert redact("see Basic Information in the app settings") == \
        "see Basic Information in the app settings"
