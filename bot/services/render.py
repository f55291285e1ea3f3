"""Turning rounds, answers and standings into neutral Messages (no platform formatting)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.adapters.base import Button, Message, MessageKind, Section
from bot.domain.questions import Question
from bot.domain.rounds import Round
from bot.domain.scoring import Standing
from bot.domain.subscriptions import Subscription


def local_time(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return local.strftime("%a %d %b %H:%M ") + (local.tzname() or tz)


def question_heading(q: Question) -> str:
    return f"{q.topic} · {q.level.value} · {q.kind.value} · difficulty {q.difficulty}/5"


def daily_question(q: Question, rnd: Round, sub: Subscription) -> Message:
    how = ("Answer privately with the button below; answers stay hidden until the reveal."
           if sub.blind else "Reply in this thread with your answer. One answer per person; "
           "a new reply or an edit before the deadline replaces it.")
    return Message(
        title=f"Daily question for {rnd.local_date.isoformat()}",
        sections=(Section(question_heading(q), q.prompt), Section("", how)),
        footer=f"Answers close {local_time(rnd.deadline, sub.timezone)}.",
        kind=MessageKind.QUESTION,
        buttons=(Button(f"answer:{rnd.id}", "Answer privately"),) if sub.blind else ())


def key_points_text(q: Question) -> str:
    return "\n".join(f"• {kp.label}" for kp in q.key_points)


def reveal(q: Question, rnd: Round, results: Sequence[tuple[str, int, str]],
           late: Sequence[str]) -> Message:
    """``results``: (name, points, detail) per on-time answer, best first."""
    sections = [Section("Question", q.prompt), Section("Reference answer", q.answer),
                Section("Key points", key_points_text(q))]
    if results:
        lines = [f"{i}. {name}: +{pts} pt{'s' if pts != 1 else ''}" + (f" ({d})" if d else "")
                 for i, (name, pts, d) in enumerate(results, 1)]
        sections.append(Section("Results", "\n".join(lines)))
    else:
        sections.append(Section("Results", "Nobody answered this one in time."))
    if late:
        sections.append(Section("Late (kept, not scored)", ", ".join(late)))
    return Message(title=f"Reveal: daily question for {rnd.local_date.isoformat()}",
                   sections=tuple(sections), kind=MessageKind.REVEAL)


def standings(title: str, rows: Sequence[Standing], own: Standing | None,
              empty: str = "No points yet in this period.") -> Message:
    if not rows:
        return Message(title, (Section("", empty),))
    lines = [f"{s.rank}. {s.display_name}: {s.points}" for s in rows]
    footer = ""
    if own and all(s.person_id != own.person_id for s in rows):
        footer = f"You: rank {own.rank} with {own.points} points."
    return Message(title, (Section("", "\n".join(lines)),), footer)
