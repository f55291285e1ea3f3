"""What appeals and flags look like: the buttons under a result, the hint naming the typed
commands, and the leads' queue (neutral Messages; adapters render them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, cast

from bot.adapters.base import Button, Message, Section, reply
from bot.domain.appeals import Appeal, AppealState, Flag
from bot.domain.text import clip, defuse

APPEAL_ACTION = "appeal:"
FLAG_ACTION = "flag:"
Source = Literal["daily", "practice"]


def buttons(source: Source, source_id: int, question_id: str) -> tuple[Button, ...]:
    """``appeal:SOURCE:ID`` (the tapper's own result there) and ``flag:QUESTION``."""
    return (Button(f"{APPEAL_ACTION}{source}:{source_id}", "Appeal my result"),
            Button(f"{FLAG_ACTION}{question_id}", "Flag the answer"))


def hint(question_id: str, result: str = "last") -> str:
    """The typed commands behind those buttons (the console has no buttons)."""
    return (f"Grade wrong? /appeal {result} REASON. Reference answer wrong or outdated? "
            f"/flag {question_id} NOTE")


def parse_appeal(action: str) -> tuple[Source, int] | None:
    """(source, id) of an appeal button's action; None if it is not one (or forged)."""
    source, _, number = action.removeprefix(APPEAL_ACTION).partition(":")
    if not action.startswith(APPEAL_ACTION) or source not in ("daily", "practice") \
            or not number.isascii() or not number.isdigit() or len(number) > 12:
        return None
    return cast(Source, source), int(number)


def parse_flag(action: str) -> str | None:
    """The question id of a flag button's action; None if it is not one."""
    question = action.removeprefix(FLAG_ACTION)
    if not action.startswith(FLAG_ACTION) or not question or len(question) > 80:
        return None
    return question


def result_name(appeal: Appeal) -> str:
    if appeal.source == "daily":
        day = appeal.round_date.isoformat() if appeal.round_date else f"round {appeal.source_id}"
        return f"the daily question of {day}"
    return f"practice attempt {appeal.source_id}"


def queue(appeals: Sequence[Appeal], flags: Sequence[Flag], where: str) -> Message:
    """The open appeals and flags, oldest first, with the ids the decisions name."""
    if not appeals and not flags:
        return reply(f"Nothing to review {where}", "No open appeals or flags.")
    sections = []
    if appeals:
        sections.append(Section(f"Appeals ({len(appeals)})", "\n".join(
            f"{a.ref} · {a.person_name} · {result_name(a)} ({a.question_id}): "
            f"«{clip(defuse(a.reason), 300)}»" for a in appeals)))
    if flags:
        sections.append(Section(f"Flags on reference answers ({len(flags)})", "\n".join(
            f"{f.ref} · {f.person_name} · {f.question_id}: «{clip(defuse(f.note), 300)}»"
            for f in flags)))
    return Message(f"Open appeals and flags {where}", tuple(sections),
                   "Accept an appeal with /accept A-ID POINTS NOTE, reject it with /reject "
                   "A-ID NOTE; close a flag with /close F-ID NOTE.")


def decision(appeal: Appeal) -> Message:
    """What the person is told (a direct message) once their appeal is decided."""
    if appeal.state is AppealState.ACCEPTED:
        verdict = (f"Accepted: +{appeal.points} point{'s' if appeal.points != 1 else ''} "
                   "added to your result.")
    else:
        verdict = "Rejected: your points stay as they were."
    return Message(f"Your appeal {appeal.ref} was {appeal.state.value}",
                   (Section("", f"About {result_name(appeal)} ({appeal.question_id}).\n"
                            f"{verdict}"),
                    Section("The lead's note", clip(defuse(appeal.note), 1000))))


def own_appeals(appeals: Sequence[Appeal]) -> Message:
    if not appeals:
        return reply("You have no appeals",
                     "After a result, /appeal last REASON asks the leads to look again.")
    lines = [f"{a.ref} · {result_name(a)}: {a.state.value}"
             + (f", +{a.points}" if a.state is AppealState.ACCEPTED else "")
             + (f" («{clip(defuse(a.note), 200)}»)" if a.note else "") for a in appeals]
    return reply("Your appeals", "\n".join(lines))
