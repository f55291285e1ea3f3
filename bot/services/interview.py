"""A mock interview (`/quiz interview [topic]`): three questions in a row, each followed by
its follow-up, then a summary of the key points covered and missed and the topics to review.

The questions are chosen as `/quiz` chooses (reviews that are due first, then the weakest
topics) or from the topic named. Each question is a practice attempt, so its answer is
graded and reviews the person's spaced-repetition card like a practice answer (no points:
a mock interview is for learning, not the leaderboard). Everything is stored as it
happens, so an interview survives a restart; one left alone for ``STALE_AFTER`` goes stale
and a new one may start (``/quiz interview stop`` ends one at once).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from bot.adapters.base import Actor, Button, Message, MessageKind, Section, reply
from bot.bank import QuestionBank
from bot.clock import Clock
from bot.domain.follow_ups import FollowUp
from bot.domain.questions import Question
from bot.domain.text import clip
from bot.services import render
from bot.services.follow_ups import FollowUpService, check_text
from bot.services.practice import PracticeService, resolve_topic, unknown_topic
from bot.services.reviews import due_questions, record_review
from bot.storage.db import Database, from_db
from bot.storage.repositories import FollowUps, Interviews, People, Practice

QUESTIONS = 3
STALE_AFTER = timedelta(hours=2)
#: the word after /quiz interview that ends the running one
STOP = "stop"
#: a question is worth reviewing when less than this share of its key points was covered
REVIEW_BELOW = 0.75
PICK_TRIES = 12

NOT_RUNNING = reply("No mock interview is running",
                    "Start one with /quiz interview [topic]. Nothing was recorded.")


class InterviewService:
    def __init__(self, db: Database, bank: QuestionBank, clock: Clock,
                 practice: PracticeService, follow_ups: FollowUpService) -> None:
        self.db, self.bank, self.clock = db, bank, clock
        self.practice, self.follow_ups = practice, follow_ups

    async def start(self, actor: Actor, topic_text: str = "") -> Message:
        """Start a mock interview, or show where the running one is."""
        text = topic_text.strip()
        if text.lower() == STOP:
            return await self.stop(actor)
        topic = None
        if text:
            topic, suggestions = resolve_topic(self.bank, text)
            if topic is None:
                return unknown_topic(text, suggestions)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            person = await People(conn).upsert(actor.platform, actor.workspace, actor.user_id,
                                               actor.display_name, now)
            running = await Interviews(conn).running(person.id)
            if running is not None and not self._stale(running, now):
                step = await self._step_message(conn, actor, running)
                return Message(f"Your mock interview continues: {step.title}", step.sections,
                               "You have one running; answer this, or /quiz interview stop "
                               "ends it.", step.kind, step.buttons)
            if running is not None:
                await Interviews(conn).abandon(running["id"], now)
            questions = await self._choose(conn, person.id, topic, now)
            if not questions:
                return reply("No questions to interview you on",
                             "Try another topic, or leave the topic out.")
            attempts = [await Practice(conn).start(person.id, q.id, q.topic, now)
                        for q in questions]
            interview = await Interviews(conn).start(person.id, topic, attempts, now)
        return self._question(actor, interview, 0, questions[0], len(questions))

    async def stop(self, actor: Actor) -> Message:
        now = self.clock.now()
        async with self.db.transaction() as conn:
            person = await People(conn).find(actor.platform, actor.workspace, actor.user_id)
            running = await Interviews(conn).running(person.id) if person else None
            if running is None:
                return NOT_RUNNING
            await Interviews(conn).abandon(running["id"], now)
        return reply("Mock interview stopped",
                     "The answers you gave still count toward your review cards. Start "
                     "another with /quiz interview [topic].")

    async def progress(self, actor: Actor) -> str | None:
        """"interview 2/3" while one is running (the console's prompt), else None."""
        async with self.db.reading() as conn:
            person = await People(conn).find(actor.platform, actor.workspace, actor.user_id)
            running = await Interviews(conn).running(person.id) if person else None
        if running is None or self._stale(running, self.clock.now()):
            return None
        total = len(running["attempts"].split(","))
        return f"interview {min(running['step'] // 2 + 1, total)}/{total}"

    async def answer(self, actor: Actor, text: str, *, interview_id: int | None = None,
                     step: int | None = None) -> Message:
        """Take the answer to the interview's current step (a question or its follow-up)
        and return what comes next. A form submitted twice (``step`` already answered)
        changes nothing."""
        text = text.strip()
        if problem := check_text(text):
            return problem
        now = self.clock.now()
        async with self.db.transaction() as conn:
            person = await People(conn).find(actor.platform, actor.workspace, actor.user_id)
            row = await self._find(conn, actor, person.id if person else None, interview_id)
            if row is None:
                return NOT_RUNNING
            if self._stale(row, now):
                await Interviews(conn).abandon(row["id"], now)
                return reply("That mock interview went stale",
                             f"It had no answer for {int(STALE_AFTER.total_seconds() // 3600)} "
                             "hours. Start another with /quiz interview [topic]; nothing was "
                             "recorded.")
            if step is not None and step != row["step"]:
                current = await self._step_message(conn, actor, row)
                return Message("That one is already answered", current.sections,
                               f"You are at: {current.title}.", current.kind, current.buttons)
            attempts = [int(a) for a in row["attempts"].split(",")]
        at, index = row["step"], row["step"] // 2
        attempt = attempts[index]
        async with self.db.reading() as conn:
            practice = await Practice(conn).get(attempt)
        question = self.bank.get(practice["question_id"]) if practice else None
        if question is None:
            return reply("That question left the bank", "Start another interview.")
        asks_follow_up = at % 2 == 0 and bool(question.follow_up)
        moves = 1 if asks_follow_up or at % 2 else 2
        last = at + moves >= 2 * len(attempts)
        result = await self.practice.judge.grade(question, text) if at % 2 == 0 else None
        notes = await self.follow_ups.notes(question, text) if at % 2 else None
        async with self.db.transaction() as conn:
            if not await Interviews(conn).advance(row["id"], at, now, by=moves, finished=last):
                return reply("That one is already answered", "Nothing was recorded twice.")
            if result is not None:
                await Practice(conn).finish(attempt, text, result, now)
                await record_review(conn, row["person_id"], question.id, result.coverage,
                                    source="practice", source_id=attempt, at=now)
                if asks_follow_up:
                    await FollowUps(conn).claim(row["person_id"], "interview", attempt,
                                                question.id, "private", None, now)
            else:
                asked = await FollowUps(conn).of_source(row["person_id"], "interview", attempt)
                if asked is not None:
                    await FollowUps(conn).set_reply(asked.id, text, None, notes, now)
            if last:
                return await self._summary(conn, attempts, row["person_id"])
            moved = await Interviews(conn).get(row["id"])
            return await self._step_message(conn, actor, moved)

    # -- steps -----------------------------------------------------------------------------

    async def _find(self, conn: Any, actor: Actor, person_id: int | None,
                    interview_id: int | None) -> Any:
        """The interview answered: the one a button names (only its own person's: the
        same platform and user id), else the person's running one."""
        if interview_id is None:
            return await Interviews(conn).running(person_id) if person_id else None
        row = await Interviews(conn).get(interview_id)
        owner = await People(conn).get(row["person_id"]) if row else None
        if row is None or owner is None or \
                (owner.platform, owner.user_id) != (actor.platform, actor.user_id):
            return None
        if row["finished_at"] is not None or row["abandoned_at"] is not None:
            return None
        return row

    async def _step_message(self, conn: Any, actor: Actor, row: Any) -> Message:
        attempts = [int(a) for a in row["attempts"].split(",")]
        index = min(row["step"] // 2, len(attempts) - 1)
        practice = await Practice(conn).get(attempts[index])
        question = self.bank.get(practice["question_id"]) if practice else None
        if question is None:
            return reply("That question left the bank", "/quiz interview stop ends it.")
        if row["step"] % 2:
            return self._follow_up(actor, row["id"], row["step"], question, index,
                                   len(attempts))
        return self._question(actor, row["id"], row["step"], question, len(attempts))

    def _question(self, actor: Actor, interview: int, step: int, q: Question,
                  total: int) -> Message:
        return Message(f"Mock interview: question {step // 2 + 1} of {total}",
                       (Section(render.question_heading(q), q.prompt),),
                       f"{_how(actor)} /quiz interview stop ends it.", MessageKind.QUESTION,
                       (Button(f"{render.INTERVIEW_ACTION}{interview}:{step}", "Answer"),))

    def _follow_up(self, actor: Actor, interview: int, step: int, q: Question, index: int,
                   total: int) -> Message:
        return Message(f"Follow-up to question {index + 1} of {total}",
                       (Section("", q.follow_up or ""),),
                       f"As an interviewer would ask next. {_how(actor)}",
                       MessageKind.QUESTION,
                       (Button(f"{render.INTERVIEW_ACTION}{interview}:{step}", "Answer"),))

    async def _summary(self, conn: Any, attempts: list[int], person_id: int) -> Message:
        sections, review = [], []
        for i, attempt in enumerate(attempts, 1):
            row = await Practice(conn).get(attempt)
            question = self.bank.get(row["question_id"]) if row else None
            if row is None or question is None:
                continue
            covered, missed = json.loads(row["covered"] or "[]"), json.loads(row["missed"] or "[]")
            follow_up: FollowUp | None = await FollowUps(conn).of_source(
                person_id, "interview", attempt)
            lines = [f"covered: {'; '.join(covered) or 'none'}",
                     f"missed: {'; '.join(missed) or 'none'}"]
            if follow_up is not None:
                lines.append("follow-up: " + ("answered" if follow_up.reply else "not answered"))
                if follow_up.notes:
                    lines.append(f"follow-up note: {clip(follow_up.notes, 280)}")
            sections.append(Section(f"{i}. {question.topic}: {clip(question.prompt, 120)}",
                                    "\n".join(lines)))
            if float(row["coverage"] or 0) < REVIEW_BELOW and question.topic not in review:
                review.append(question.topic)
        sections.append(Section("Topics to review", ", ".join(review) if review else
                                "None: you covered most key points of every question."))
        return Message("Mock interview: summary", tuple(sections),
                       "Each answer updated your review card for its question; /quiz review "
                       "brings it back when it is due.", MessageKind.REVEAL)

    async def _choose(self, conn: Any, person_id: int, topic: str | None,
                      now: datetime) -> list[Question]:
        """Due reviews first (when no topic is named), then what /quiz would pick: three
        different questions, those with a follow-up preferred."""
        chosen: list[Question] = []
        if topic is None:
            for qid in await due_questions(conn, person_id, now):
                q = self.bank.get(qid)
                if q is not None and q.follow_up and q not in chosen:
                    chosen.append(q)
                if len(chosen) == QUESTIONS:
                    return chosen
        for _ in range(PICK_TRIES):
            if len(chosen) == QUESTIONS:
                break
            picked = await self.practice.pick(conn, person_id, topic, None)
            if isinstance(picked, Message):
                break
            # /quiz's pick names the topic (and a question in it); within that topic one not
            # chosen yet, with a follow-up if any has one
            pool = [q for q in self.bank.in_topic(picked.topic)
                    if all(q.id != c.id for c in chosen)]
            probing = [q for q in pool if q.follow_up]
            if pool:
                chosen.append(picked if picked in (probing or pool) else (probing or pool)[0])
        return chosen

    @staticmethod
    def _stale(row: Any, now: datetime) -> bool:
        return now - from_db(row["updated_at"]) >= STALE_AFTER


def _how(actor: Actor) -> str:
    return ("Type your answer as a plain line." if actor.platform == "console"
            else "Answer with the button below.")
