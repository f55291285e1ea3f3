"""Log output: readable lines or one JSON object a line, both with secrets masked.

Tokens are SecretStr in the settings and never logged on purpose; this is the net under
that: a library echoing a request, an exception quoting a URL or header. Every record is
formatted first, then masked, so the message, its arguments and the traceback all pass
through the same redaction.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.config import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "[redacted]"

#: shapes of credentials quizbot handles: Slack bot/user/app tokens, OpenAI-style API keys,
#: Discord bot tokens (id.timestamp.hmac), and bearer and basic (an OAuth client's) headers
SECRET_PATTERNS = (
    re.compile(r"\bxox[abposre]-[A-Za-z0-9-]+"),
    re.compile(r"\bxapp-[A-Za-z0-9-]+"),
    re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"),
    re.compile(r"\b[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}"),
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(\bBasic\s+)(?=[A-Za-z+/]*[0-9+/=])[A-Za-z0-9+/=]{12,}"),
)


class Redactor:
    """Masks the configured secrets (exactly) and anything shaped like a token."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # longest first, so a secret containing another is masked whole
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        for pattern in SECRET_PATTERNS:
            text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, text)
        return text


class RedactingFormatter(logging.Formatter):
    """The usual text line, masked."""

    def __init__(self, redact: Redactor, fmt: str = TEXT_FORMAT) -> None:
        super().__init__(fmt)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, and
    exception (the traceback text) when there is one; every string masked."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        if record.exc_info:
            record.exc_text = record.exc_text or self.formatException(record.exc_info)
        if record.exc_text:
            out["exception"] = self.redact(record.exc_text)
        if record.stack_info:
            out["stack"] = self.redact(self.formatStack(record.stack_info))
        return json.dumps(out, ensure_ascii=False)


def secrets_of(settings: Settings) -> list[str]:
    values = (settings.discord_token, settings.slack_bot_token, settings.slack_app_token,
              settings.slack_signing_secret, settings.slack_client_secret,
              settings.llm_api_key)
    return [v.get_secret_value() for v in values if v is not None]


def formatter_for(settings: Settings) -> logging.Formatter:
    redact = Redactor(secrets_of(settings))
    if settings.log_format == "json":
        return JsonFormatter(redact)
    return RedactingFormatter(redact)


def configure(settings: Settings) -> None:
    """Root logging for ``quizbot run``: level and format from the settings, to stderr."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter_for(settings))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler])
