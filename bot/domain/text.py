"""Making people's text safe to echo back into a channel."""

from __future__ import annotations

import re

_MASS_MENTIONS = re.compile(r"@(everyone|here|channel)\b|<!(everyone|here|channel)[^>]*>|"
                            r"<@[!&]?[A-Za-z0-9]+>|<#[A-Za-z0-9]+>", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
ZWSP = "\u200b"


def defuse(text: str) -> str:
    """Neutralise mass mentions, user/role/channel mention syntax and control characters, so
    quoting an answer can never ping anyone (Slack <!channel>, Discord @everyone, <@id>)."""
    text = _CONTROL.sub("", text)
    return _MASS_MENTIONS.sub(lambda m: m.group(0)[0] + ZWSP + m.group(0)[1:], text)


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def count(n: int, word: str, plural: str | None = None) -> str:
    """``n`` and the word, singular for exactly one: "1 point", "3 points"."""
    return f"{n} {word if abs(n) == 1 else plural or word + 's'}"
