"""Plain normalisation used to check that rubric phrases occur in reference answers."""

from __future__ import annotations

import re


def norm(text: str) -> str:
    return " " + " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split()) + " "


def occurs(phrase: str, text: str) -> bool:
    return norm(phrase) in norm(text)
