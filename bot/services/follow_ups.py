"""Interviewer follow-ups: ask an entry's ``follow_up`` after an answer, take the reply.

A follow-up is asked once per source (a daily round, a practice attempt, an interview
step): the ask is claimed in the database first, so a retried or replayed answer never asks
twice. The reply is graded loosely: the first reply earns a participation point (a ledger
row of its own reason, once per person and round; practice: on the practice board; a mock
interview pays no points), and the LLM judge, when configured, adds short notes. A second
reply replaces the first while the follow-up is open (a daily one until the round's
deadline, a practice one for a day): the latest reply counts, the point is paid once.
Duplicate platform events (the same event id, or the same message seen again) count once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.adapters.base import Actor, Message, refusal, reply
from bot.bank import QuestionBank
from bot.clock import Clock
from bot.domain.follow_ups import FOLLOW_UP_POINTS, FollowUp, FollowUpSource
from bot.domain.questions import Question
from bot.domain.rounds import MAX_ANSWER_CHARS, AnswerOutcome, RoundState
from bot.domain.scoring import Award, Board, Reason
from bot.domain.text import clip
from bot.services.judging import Judge, RubricJudge
from bot.storage.db import Database
from bot.storage.repositories import Events, FollowUps, People, Rounds, Scores

log = logging.getLogger(__name__)

NOTHING_PENDING = refusal("No follow-up question is waiting for you",
                        "A follow-up is asked after you answer a daily or practice question; "
                        "a daily one takes replies until the round's deadline, a practice one "
                        "for a day. Nothing was recorded.")

ALREADY = refusal("Follow-up answer already recorded", "The platform sent it again; nothing "
                  "changed.")


@dataclass(frozen=True, slots=True)
class Replied:
    """What became of a follow-up reply, and what to tell the person."""

    outcome: AnswerOutcome
    message: Message


def check_text(text: str) -> Message | None:
    """Why a reply cannot be taken (empty, too long), or None."""
    if not text:
        return refusal("That follow-up answer is empty",
                     "Write a sentence or two; nothing was recorded.")
    if len(text) > MAX_ANSWER_CHARS:
        return refusal("That follow-up answer is too long",
                     f"Replies are limited to {MAX_ANSWER_CHARS:,} characters (yours has "
                     f"{len(text):,}). Trim it and send it again; nothing was recorded.")
    return None


class FollowUpService:
    def __init__(self, db: Database, bank: QuestionBank, clock: Clock, *,
                 judge: Judge | None = None, totals_tz: str = "UTC") -> None:
        self.db, self.bank, self.clock, self.totals_tz = db, bank, clock, totals_tz
        self.judge: Judge = judge or RubricJudge()

    async def claim(self, actor: Actor, source: FollowUpSource, source_id: int,
                    question: Question, mode: str = "private",
                    thread_id: str | None = None) -> int | None:
        """Record the follow-up as asked (before it is sent); None when the question has
        none or this source already asked it."""
        if not question.follow_up:
            return None
        now = self.clock.now()
        async with self.db.transaction() as conn:
            person = await People(conn).upsert(actor.platform, actor.workspace, actor.user_id,
                                               actor.display_name, now)
            return await FollowUps(conn).claim(person.id, source, source_id, question.id,
                                               mode, thread_id, now)

    async def unclaim(self, follow_up_id: int) -> None:
        async with self.db.transaction() as conn:
            await FollowUps(conn).unclaim(follow_up_id)

    async def any_in_thread(self, thread_id: str) -> bool:
        async with self.db.reading() as conn:
            return await FollowUps(conn).any_in_thread(thread_id)

    async def in_thread(self, actor: Actor, thread_id: str, message_id: str) -> int | None:
        """The follow-up a thread reply answers (thread mode), if it answers one."""
        async with self.db.reading() as conn:
            found = await FollowUps(conn).in_thread(actor.platform, actor.workspace,
                                                    actor.user_id, thread_id, message_id)
        return found.id if found else None

    async def reply(self, actor: Actor, text: str, *, follow_up_id: int | None = None,
                    message_id: str | None = None, event_id: str | None = None,
                    edited: bool = False, interview: bool = False) -> Replied:
        """Store the person's reply to a follow-up: the one ``follow_up_id`` names (a
        button, a thread reply), else their latest open one (``/followup``)."""
        text = text.strip()
        if problem := check_text(text):
            return Replied(AnswerOutcome.REJECTED, problem)
        now = self.clock.now()
        async with self.db.reading() as conn:
            target = await self._target(conn, actor, follow_up_id)
            if isinstance(target, Message):
                return Replied(AnswerOutcome.REJECTED, target)
            if not interview and target.source == "interview":
                return Replied(AnswerOutcome.REJECTED, refusal(
                    "That follow-up is part of your mock interview",
                    "Answer it in the interview; nothing was recorded."))
            closed = await self._closed(conn, target, now)
            seen = bool(event_id) and await Events(conn).seen(actor.platform, event_id or "")
        if closed:
            return Replied(AnswerOutcome.REJECTED, closed)
        if seen or (message_id and target.reply_message_id == message_id and not edited
                    and target.reply is not None):
            return Replied(AnswerOutcome.DUPLICATE, ALREADY)
        question = self.bank.get(target.question_id)
        notes = await self.notes(question, text) if question else None
        async with self.db.transaction() as conn:
            if event_id and not await Events(conn).first_sight_many(
                    [(actor.platform, event_id)], now):
                return Replied(AnswerOutcome.DUPLICATE, ALREADY)
            current = await FollowUps(conn).get(target.id)
            if current is None:
                return Replied(AnswerOutcome.REJECTED, NOTHING_PENDING)
            await FollowUps(conn).set_reply(target.id, text, message_id, notes, now)
            paid = current.reply is None and await self._pay(conn, current)
        first = current.reply is None
        lines = ["It is shown under your answer at the reveal." if target.source == "daily"
                 else "Thanks: that is what an interviewer would push on."]
        if paid:
            lines.append(f"+{FOLLOW_UP_POINTS} participation point.")
        if notes:
            lines.append(f"Notes: {notes}")
        title = "Follow-up answer recorded" if first else \
            "Follow-up answer updated (your latest one counts)"
        return Replied(AnswerOutcome.RECORDED if first else AnswerOutcome.REPLACED,
                       reply(title, "\n".join(lines)))

    async def _target(self, conn: Any, actor: Actor,
                      follow_up_id: int | None) -> FollowUp | Message:
        repo = FollowUps(conn)
        if follow_up_id is not None:
            # Only the person it was asked of: the same platform and user id. Not the
            # workspace: a Discord button in a direct message carries no server.
            if await repo.owner(follow_up_id) != (actor.platform, actor.user_id):
                return refusal("That follow-up is not yours to answer", "Nothing was recorded.")
            found = await repo.get(follow_up_id)
            return found if found is not None else NOTHING_PENDING
        person = await People(conn).find(actor.platform, actor.workspace, actor.user_id)
        now = self.clock.now()
        for candidate in await repo.latest_asked(person.id) if person else []:
            if not await self._closed(conn, candidate, now):
                return candidate
        return NOTHING_PENDING

    @staticmethod
    async def _closed(conn: Any, f: FollowUp, now: Any) -> Message | None:
        """Why the follow-up takes no more replies, or None while it is open."""
        if f.source == "daily":
            rnd = await Rounds(conn).get(f.source_id)
            if rnd is None or rnd.state is not RoundState.OPEN or now >= rnd.deadline:
                return refusal("That round is closed",
                             "Follow-ups take replies until the round's deadline; nothing "
                             "was recorded.")
            return None
        if f.source == "practice" and not f.practice_open_at(now):
            return refusal("That follow-up has closed",
                         "A practice follow-up takes replies for a day; nothing was recorded.")
        return None

    async def _pay(self, conn: Any, f: FollowUp) -> bool:
        """The first reply's participation point: on the channel's board for a daily round
        (the ledger's unique index pays it once per round), on the practice board for a
        practice question; a mock interview pays none."""
        now = self.clock.now()
        scores = Scores(conn, self.totals_tz)
        award = Award(f.person_id, FOLLOW_UP_POINTS, Reason.FOLLOW_UP, f.question_id)
        if f.source == "daily":
            rnd = await Rounds(conn).get(f.source_id)
            return rnd is not None and await scores.add(
                award, board=Board.DAILY, subscription_id=rnd.subscription_id,
                round_id=rnd.id, at=now)
        if f.source == "practice":
            return await scores.add(award, board=Board.PRACTICE, subscription_id=None,
                                    round_id=None, at=now)
        return False

    async def notes(self, question: Question, text: str) -> str | None:
        """The LLM judge's notes on a reply when that judge is on; else none."""
        judge: Any = getattr(self.judge, "inner", self.judge)  # past the metrics wrapper
        noter = getattr(judge, "note_follow_up", None)
        if noter is None:
            return None
        try:
            notes: str | None = await noter(question, text)
        except Exception:  # notes are a courtesy: never lose the reply over them
            log.exception("follow-up notes failed")
            return None
        return clip(notes, 500) if notes else None
