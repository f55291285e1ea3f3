"""On-demand practice (`/quiz`): a private question, answered once, then the reference answer."""

from __future__ import annotations

import random
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.adapters.base import Actor, Message, MessageKind, Section, reply
from bot.bank import QuestionBank
from bot.clock import Clock
from bot.domain.questions import Question
from bot.domain.rounds import MAX_ANSWER_CHARS
from bot.services import render
from bot.storage.db import Database
from bot.storage.repositories import People, Practice


@dataclass(frozen=True, slots=True)
class PracticeQuestion:
    attempt_id: int
    question: Question
    message: Message


def resolve_topic(bank: QuestionBank, text: str) -> tuple[str | None, list[str]]:
    """(topic id, []) when ``text`` names a topic (id or title, any case); else (None, the
    closest topic ids) so the caller can say "did you mean"."""
    wanted = text.strip().lower()
    for topic in bank.topics.values():
        if wanted in (topic.id, topic.title.lower()):
            return topic.id, []
    choices = {t.id: f"{t.id} {t.title.lower()}" for t in bank.topics.values()}
    close = process.extract(wanted, choices, scorer=fuzz.WRatio, limit=3, score_cutoff=55)
    return None, [key for _, _, key in close]


def unknown_topic(text: str, suggestions: list[str]) -> Message:
    hint = f"Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    return reply(f"I don't know the topic '{text[:60]}'",
                 f"{hint}\nSee /topics for the full list.".strip())


class PracticeService:
    def __init__(self, db: Database, bank: QuestionBank, clock: Clock,
                 rng: random.Random | None = None) -> None:
        self.db, self.bank, self.clock = db, bank, clock
        self.rng = rng or random.Random()

    async def start(self, actor: Actor, topic_text: str = "") -> PracticeQuestion | Message:
        """Pick a question the person has not practised recently (in the topic, if given)."""
        if topic_text.strip():
            topic, suggestions = resolve_topic(self.bank, topic_text)
            if topic is None:
                return unknown_topic(topic_text.strip(), suggestions)
            pool = self.bank.in_topic(topic)
        else:
            pool = list(self.bank)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            person = await People(conn).upsert(actor.platform, actor.workspace, actor.user_id,
                                               actor.display_name, now)
            recent = set(await Practice(conn).recent_question_ids(person.id))
            fresh = [q for q in pool if q.id not in recent] or pool
            question = self.rng.choice(fresh)
            attempt = await Practice(conn).start(person.id, question.id, question.topic, now)
        message = Message(
            title="Practice question",
            sections=(Section(render.question_heading(question), question.prompt),),
            footer="Your next message is your answer; the reference answer follows at once.",
            kind=MessageKind.QUESTION)
        return PracticeQuestion(attempt, question, message)

    async def answer(self, actor: Actor, attempt_id: int, text: str) -> Message:
        text = text.strip()
        if not text:
            return reply("That answer is empty", "Write a sentence or two and send it again.")
        if len(text) > MAX_ANSWER_CHARS:
            return reply("That answer is too long",
                         f"Keep it under {MAX_ANSWER_CHARS:,} characters and send it again.")
        async with self.db.transaction() as conn:
            attempt = await Practice(conn).get(attempt_id)
            person = await People(conn).upsert(actor.platform, actor.workspace, actor.user_id,
                                               actor.display_name, self.clock.now())
            if attempt is None or attempt["person_id"] != person.id:
                return reply("No practice question is waiting for you",
                             "Start one with /quiz [topic].")
            if not await Practice(conn).finish(attempt_id, text, None, self.clock.now()):
                return reply("You already answered that one", "Start another with /quiz.")
        question = self.bank.get(attempt["question_id"])
        if question is None:
            return reply("That question left the bank", "Start another with /quiz.")
        return Message(
            title="Reference answer",
            sections=(Section("Question", question.prompt),
                      Section("Reference answer", question.answer),
                      Section("Key points", render.key_points_text(question)),
                      *((Section("Follow-up to think about", question.follow_up),)
                        if question.follow_up else ())),
            kind=MessageKind.REVEAL)
