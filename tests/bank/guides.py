"""Extracting question lines from the four source guides (each has its own layout)."""

from __future__ import annotations

import re
from pathlib import Path

ADVANCED_SECTIONS = {
    "Prompt Engineering & In-Context Learning", "ML System Design", "Specialized NLP Tasks",
    "Research & Papers", "Coding & Implementation", "Case Studies & Scenario-Based Questions",
    "Behavioral Questions (Use STAR Framework)", "Super Hard Challenges"}


def question_lines(path: Path) -> list[str]:
    """The guide's question lines, exactly as written, in order (repeats kept)."""
    text = path.read_text(encoding="utf-8")
    prefix = path.name[:3]
    out: list[str] = []
    if prefix == "000":
        out = [m.group(1) for m in re.finditer(r"(?m)^\d+\.\s+(.*\S)\s*$", text)]
    elif prefix == "001":
        section = None
        for line in text.splitlines():
            if re.match(r"^\d+\.\s+", line) or line.strip() in ADVANCED_SECTIONS:
                section = line
                continue
            m = re.match(r"^- (.*\S)\s*$", line)
            if m and section:
                out.append(m.group(1))
    elif prefix == "002":
        out = [m.group(1) for m in re.finditer(r"(?m)^\d+ Question \d+: (.*\S)\s*$", text)]
    elif prefix == "003":
        out = [line.strip() for line in text.splitlines() if line.strip().endswith("?")]
    return out
