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


_003_NOISE = re.compile(r"^(\d+:\d\d|\d+ audio.*|Nortren.*|-+)$")
_000_SECTIONS = {"Fine-tuning and Training", "RAG and Production"}


def guide_answers(path: Path) -> list[tuple[str, str]]:
    """(question line, the guide's own answer) for the guides that answer their questions
    (000, 002, 003; 001 lists questions only). These answers are the grading evaluation
    set's external text (tests/data/grading)."""
    prefix = path.name[:3]
    if prefix not in ("000", "002", "003"):
        return []
    heading = {"000": r"^\d+\.\s+(.*\S)\s*$", "002": r"^\d+ Question \d+: (.*\S)\s*$"}
    out: list[tuple[str, str]] = []
    question: str | None = None
    body: list[str] = []

    def close() -> None:
        if question is not None:
            sep = " " if prefix == "003" else "\n"
            text = sep.join(body).split("For more AI/ML insights")[0]
            out.append((question, text.strip().rstrip("-").strip()))

    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        m = (re.match(heading[prefix], line) if prefix != "003"
             else (re.match(r"^(.*\?)$", stripped)))
        if m:
            close()
            question, body = m.group(1), []
        elif question is not None:
            if prefix == "000" and line.startswith("Practice LLM"):
                close()
                question = None
            elif (prefix == "000" and stripped in _000_SECTIONS) or (
                    prefix == "003" and (not stripped or _003_NOISE.match(stripped))):
                continue
            else:
                body.append(line if prefix != "003" else stripped)
    close()
    return out
