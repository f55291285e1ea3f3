"""Turning rounds, answers and standings into neutral Messages (no platform formatting)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, cast
from zoneinfo import ZoneInfo

from bot.adapters.base import Button, Message, MessageKind, Section
from bot.domain.grading import Grade
from bot.domain.questions import Question
from bot.domain.rounds import Person, Round
from bot.domain.scoring import Standing
from bot.domain.subscriptions import Subscription
from bot.domain.text import clip, count, defuse
from bot.services import appeal_views

VOTE_HINT = "Vote for an answer you learned from: /vote NAME (3 votes each)."
#: the one line under a result that offers the rating override (``/quiz rate``)
RATE_HINT = "How well did you know it? /quiz rate knew|partly|didnt"
#: the one-tap buttons under a practice result: (word of /quiz rate, label)
RATE_CHOICES = (("knew", "I knew it"), ("partly", "Partly"), ("didnt", "I didn't"))
RATE_ACTION = "rate:"


def rate_buttons(source: str, source_id: int) -> tuple[Button, ...]:
    """``rate:SOURCE:ID:WORD`` buttons; adapters without buttons leave them out."""
    return tuple(Button(f"{RATE_ACTION}{source}:{source_id}:{word}", label)
                 for word, label in RATE_CHOICES)


def parse_rate_action(action: str) -> tuple[Literal["daily", "practice"], int, str] | None:
    """(source, source id, word) of a rate button's action; None if it is not one."""
    source, _, rest = action.removeprefix(RATE_ACTION).partition(":")
    number, _, word = rest.partition(":")
    if not action.startswith(RATE_ACTION) or source not in ("daily", "practice") \
            or not number.isascii() or not number.isdigit() or len(number) > 12:
        return None
    return cast(Literal["daily", "practice"], source), int(number), word


FOLLOW_UP_ACTION = "followup:"
INTERVIEW_ACTION = "interview:"


def follow_up_question(q: Question, follow_up_id: int, *, thread: bool = False,
                       user_id: str = "", name: str = "") -> Message:
    """The follow-up asked after a daily answer: privately, with a button that opens a form
    (and ``/followup`` for typing), or in the thread, naming the person."""
    if thread:
        return Message(f"Follow-up for {name}", (Section("", q.follow_up or ""),),
                       "Your next reply in this thread answers it; it is shown under your "
                       "answer at the reveal.", kind=MessageKind.NOTICE,
                       mentions=(user_id,) if user_id else ())
    return Message("Follow-up question", (Section("", q.follow_up or ""),),
                   "Answer with the button or /followup YOUR ANSWER; it is shown under your "
                   "answer at the reveal.", kind=MessageKind.REPLY,
                   buttons=(Button(f"{FOLLOW_UP_ACTION}{follow_up_id}", "Answer the follow-up"),))


def parse_id_action(action: str, prefix: str, parts: int = 1) -> tuple[int, ...] | None:
    """The numbers of a ``PREFIX:N[:M]`` button action; None if it is not one."""
    if not action.startswith(prefix):
        return None
    numbers = action.removeprefix(prefix).split(":")
    if len(numbers) != parts or not all(n.isascii() and n.isdigit() and len(n) <= 12
                                        for n in numbers):
        return None
    return tuple(int(n) for n in numbers)


def local_time(moment: datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return local.strftime("%a %d %b %H:%M ") + (local.tzname() or tz)


def question_heading(q: Question) -> str:
    return f"{q.topic} · {q.level.value} · {q.kind.value} · difficulty {q.difficulty}/5"


def daily_question(q: Question, rnd: Round, sub: Subscription, *,
                   thread_answers: bool = True) -> Message:
    """The day's question. Without ``thread_answers`` (blind mode, or a platform that cannot
    read replies) it carries the private-answer button instead of asking for replies."""
    private = sub.blind or not thread_answers
    where = ("Type your answer as a plain line" if sub.channel.platform == "console"
             else "Reply in this thread with your answer")  # the console has no threads
    how = ("Answer privately with the button below; answers stay hidden until the reveal."
           if private else f"{where}. One answer per person; a new reply or an edit before "
           "the deadline replaces it.")
    return Message(
        title=f"Daily question for {rnd.local_date.isoformat()}",
        sections=(Section(question_heading(q), q.prompt), Section("", how)),
        footer=f"Answers close {local_time(rnd.deadline, sub.timezone)}.",
        kind=MessageKind.QUESTION, key=f"round:{rnd.id}:question",
        buttons=(Button(f"answer:{rnd.id}", "Answer privately"),) if private else ())


def key_points_text(q: Question) -> str:
    """Each key point's name and the fact it stands for."""
    return "\n".join(f"• {kp.label}: {kp.claim}" for kp in q.key_points)


@dataclass(frozen=True, slots=True)
class RevealLine:
    """One on-time answer's result, as shown at the reveal."""

    name: str
    points: int
    grade: Grade
    answer: str = ""
    #: their reply to the follow-up, and the judge's notes on it
    follow_up: str = ""
    follow_up_notes: str | None = None


EVIDENCE_CHARS = 90


def feedback(g: Grade) -> list[str]:
    """What a grade says, one line per kind: covered points with the words that earned
    them, missed points, each misconception with its correction, and style notes."""
    lines = []
    if g.covered:
        lines.append("covered: " + "; ".join(
            f"{label} («{clip(defuse(quote), EVIDENCE_CHARS)}»)" if (quote := g.evidence_for(
                label)) else label for label in g.covered))
    if g.missed:
        lines.append("missed: " + "; ".join(g.missed))
    for m in g.mistakes:
        lines.append(f"not quite: «{clip(defuse(m.quote), EVIDENCE_CHARS)}». {m.correction}")
    if g.notes:
        lines.append(f"note: {'; '.join(g.notes)}")
    return lines


def result_line(i: int, r: RevealLine) -> str:
    g = r.grade
    total = len(g.covered) + len(g.missed)
    head = f"{i}. {r.name}: +{r.points} pt{'s' if r.points != 1 else ''}, covered " \
           f"{len(g.covered)}/{total}"
    lines = feedback(g)
    if r.follow_up:
        lines.append(f"follow-up: «{clip(defuse(r.follow_up), 280)}»")
    if r.follow_up_notes:
        lines.append(f"follow-up note: {clip(defuse(r.follow_up_notes), 280)}")
    return "\n".join([head, *(f"   {line}" for line in lines)])


def reveal(q: Question, rnd: Round, results: Sequence[RevealLine], late: Sequence[str], *,
           blind: bool = False, limit: int = 15) -> Message:
    """The reveal: reference answer, key points and each person's result, best first.
    Long result lists are cut at ``limit`` with a pointer to ``/results`` for the rest."""
    sections = [Section("Question", q.prompt), Section("Reference answer", q.answer),
                Section("Key points", key_points_text(q))]
    if q.follow_up and any(r.follow_up for r in results):
        sections.append(Section("Follow-up", q.follow_up))
    if results:
        shown = [result_line(i, r) for i, r in enumerate(results[:limit], 1)]
        if len(results) > limit:
            shown.append(f"…and {len(results) - limit} more: /results "
                         f"{rnd.local_date.isoformat()} shows everyone.")
        sections.append(Section("Results", "\n".join(shown)))
        if blind:
            answers = [f"{r.name}: {clip(defuse(r.answer), 280)}" for r in results[:limit]]
            sections.append(Section("Answers", "\n".join(answers)))
    else:
        sections.append(Section("Results", "Nobody answered this one in time."))
    if late:
        sections.append(Section("Late (kept, not scored)", ", ".join(late)))
    return Message(title=f"Reveal: daily question for {rnd.local_date.isoformat()}",
                   sections=tuple(sections), kind=MessageKind.REVEAL,
                   key=f"round:{rnd.id}:reveal",
                   footer="\n".join([VOTE_HINT, *([RATE_HINT] if results else []),
                                     appeal_views.hint(q.id, rnd.local_date.isoformat())]),
                   buttons=(*(rate_buttons("daily", rnd.id) if results else ()),
                            *appeal_views.buttons("daily", rnd.id, q.id)[0 if results else 1:]))


def full_results(q: Question, rnd: Round, results: Sequence[RevealLine]) -> Message:
    lines = [result_line(i, r) for i, r in enumerate(results, 1)] or ["No on-time answers."]
    return Message(f"Results for {rnd.local_date.isoformat()}",
                   (Section(question_heading(q), q.prompt), Section("", "\n".join(lines))))


def reminder(rnd: Round, names: Sequence[str], user_ids: Sequence[str]) -> Message:
    return Message("One hour left",
                   (Section("", f"{', '.join(names)}: answer today's question to keep your "
                            "streak going."),),
                   kind=MessageKind.NOTICE, mentions=tuple(user_ids))


def unknown_zone(sub: Subscription, lead: Person | None) -> Message:
    """A channel stopped because its stored time zone cannot be loaded."""
    who = f"{lead.display_name}: " if lead else ""
    return Message("Daily question stopped: unknown time zone",
                   (Section("", f"{who}this channel's schedule names the time zone "
                            f"'{clip(defuse(sub.timezone), 64)}', which I cannot load, so "
                            "I stopped posting here. Set it again with /subscribe HH:MM "
                            "Area/City (for example /subscribe 09:00 Europe/Paris)."),),
                   kind=MessageKind.NOTICE, mentions=(lead.user_id,) if lead else ())


def standings(title: str, rows: Sequence[Standing], own: Standing | None,
              empty: str = "No points yet in this period.") -> Message:
    if not rows:
        return Message(title, (Section("", empty),))
    lines = [f"{s.rank}. {s.display_name}: {s.points}" for s in rows]
    footer = ""
    if own and all(s.person_id != own.person_id for s in rows):
        footer = f"You: rank {own.rank} with {count(own.points, 'point')}."
    return Message(title, (Section("", "\n".join(lines)),), footer)
