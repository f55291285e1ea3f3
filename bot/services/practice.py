"""On-demand practice (`/quiz`): a private question, answered once, then the reference answer."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from fsrs import Card
from rapidfuzz import fuzz

from bot.adapters.base import Actor, Button, Message, MessageKind, Section, reply
from bot.bank import QuestionBank
from bot.clock import Clock
from bot.domain.parsing import InputError
from bot.domain.questions import Question
from bot.domain.reviews import OVERRIDE_WORDS, override_rating
from bot.domain.rounds import MAX_ANSWER_CHARS
from bot.domain.scoring import Award, Board, Reason, coverage_points
from bot.services import appeal_views, render
from bot.services.follow_ups import FollowUpService
from bot.services.judging import Judge, RubricJudge
from bot.services.reminders import switch_reminder
from bot.services.reviews import (
    Override,
    Source,
    due_questions,
    next_review,
    override_latest,
    record_review,
)
from bot.storage.connection import Connection
from bot.storage.db import Database
from bot.storage.repositories import Answers, Cards, People, Practice, Scores

UNTRIED_PRIOR = 0.5
WEAKEST_POOL = 3
#: the /quiz topic that asks the most overdue review card
REVIEW = "review"
#: the /quiz word that overrides the rating of the latest review: /quiz rate knew
RATE = "rate"
#: the /quiz word that turns the daily review reminder on or off: /quiz remind on
REMIND = "remind"
#: /quiz words answered at once, without a practice question (Slack opens no form for them)
AT_ONCE = (RATE, REMIND)


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
    # Plain ratio against the id and the title alone: WRatio's partial matching suggested
    # topics that merely share a word or a few letters.
    scores = {t.id: max(fuzz.ratio(wanted, t.id), fuzz.ratio(wanted, t.title.lower()))
              for t in bank.topics.values()}
    close = sorted((k for k, s in scores.items() if s >= 75), key=lambda k: (-scores[k], k))
    return None, close[:3]


def unknown_topic(text: str, suggestions: list[str]) -> Message:
    hint = f"Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    return reply(f"I don't know the topic '{text[:60]}'",
                 f"{hint}\nSee /topics for the full list.".strip())


class PracticeService:
    def __init__(self, db: Database, bank: QuestionBank, clock: Clock,
                 rng: random.Random | None = None, judge: Judge | None = None,
                 totals_tz: str = "UTC", follow_ups: FollowUpService | None = None) -> None:
        self.db, self.bank, self.clock, self.totals_tz = db, bank, clock, totals_tz
        self.rng = rng or random.Random()
        self.judge: Judge = judge or RubricJudge()
        self.follow_ups = follow_ups or FollowUpService(db, bank, clock, judge=self.judge,
                                                        totals_tz=totals_tz)

    async def start(self, actor: Actor, topic_text: str = "",
                    level: str | None = None) -> PracticeQuestion | Message:
        """Pick a question: ``review`` asks the most overdue card; no topic prefers a due
        card, then a weakest topic; else one not practised recently in the topic."""
        word, _, rest = topic_text.strip().partition(" ")
        if word.lower() == RATE:
            try:
                return await self.rate(actor, rest)
            except InputError as exc:
                return reply("I could not read that",
                             f"{exc}\nUsage: /quiz rate {OVERRIDE_WORDS}")
        if word.lower() == REMIND:
            try:
                return await switch_reminder(self.db, self.clock, actor, rest)
            except InputError as exc:
                return reply("I could not read that", str(exc))
        topic: str | None = None
        review = topic_text.strip().lower() == REVIEW
        if topic_text.strip() and not review:
            topic, suggestions = resolve_topic(self.bank, topic_text)
            if topic is None:
                return unknown_topic(topic_text.strip(), suggestions)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            person = await People(conn).upsert(actor.platform, actor.workspace, actor.user_id,
                                               actor.display_name, now)
            question = None
            if topic is None:
                question = next((q for qid in await due_questions(conn, person.id, now)
                                 if (q := self.bank.get(qid)) is not None
                                 and (level is None or q.level.value == level)), None)
                if question is None and review:
                    return self._nothing_due(await next_review(conn, person.id))
            reviewing = question is not None
            if question is None:
                picked = await self.pick(conn, person.id, topic, level)
                if isinstance(picked, Message):
                    return picked
                question = picked
            attempt = await Practice(conn).start(person.id, question.id, question.topic, now)
        message = Message(
            title="Review question" if reviewing else "Practice question",
            sections=(Section(render.question_heading(question), question.prompt),),
            footer="Answer it in your own words; the reference answer follows at once.",
            kind=MessageKind.QUESTION)
        return PracticeQuestion(attempt, question, message)

    async def pick(self, conn: Connection, person_id: int, topic: str | None,
                    level: str | None) -> Question | Message:
        if topic is None:
            history = await Practice(conn).graded_by_person(person_id) + [
                (q.topic, s) for q, s in
                ((self.bank.get(qid), s) for qid, s in
                 await Answers(conn).graded_by_person(person_id)) if q is not None]
            topic = self.weakest_topic(history, [
                t.id for t in self.bank.topics.values()
                if level is None or t.level.value == level])
        pool = [q for q in self.bank.in_topic(topic)
                if level is None or q.level.value == level]
        if not pool:
            return reply(f"No {level} questions in {topic}",
                         "Try another level, or leave the level out.")
        recent = set(await Practice(conn).recent_question_ids(person_id))
        fresh = [q for q in pool if q.id not in recent] or pool
        return self.rng.choice(fresh)

    async def rate_button(self, actor: Actor, action: str) -> Message:
        """A rating tapped on a result: the button names the review; a stale or forged one,
        or someone else's, changes nothing."""
        parsed = render.parse_rate_action(action)
        if parsed is None:
            return reply("That button is out of date", "Nothing was changed.")
        source, source_id, word = parsed
        try:
            return await self.rate(actor, word, (source, source_id))
        except InputError as exc:
            return reply("I could not read that", str(exc))

    async def rate(self, actor: Actor, word: str,
                   on: tuple[Source, int] | None = None) -> Message:
        """Override the rating of the person's latest review, or of their review from the
        source ``on`` (a rating button); InputError for an unknown word. The card is
        rescheduled as if that had been the rating. Only the person's own review is found."""
        rating = override_rating(word)
        async with self.db.transaction() as conn:
            person = await People(conn).find(actor.platform, actor.workspace, actor.user_id)
            rated = await override_latest(conn, person.id, rating, on) if person else None
            if rated is None:
                return reply("Nothing to rate yet" if on is None else
                             "That is not a result of yours to rate",
                             "Answer a daily or practice question first; after its result, "
                             f"/quiz rate {OVERRIDE_WORDS} says how well you knew it. "
                             "Nothing was changed.")
            state = await Cards(conn).get(person.id, rated.question_id) if person else None
        question = self.bank.get(rated.question_id)
        name = question.prompt if question else rated.question_id
        due = Card.from_json(state).due if state else None
        when = (due.astimezone(ZoneInfo(self.totals_tz)).strftime("%Y-%m-%d")
                if due else "later")
        if rated.outcome is Override.SAME:
            return reply("Already rated that way", f"Nothing changed; it comes back {when}.")
        return reply(f"Rated: {word.strip().lower()}",
                     f"«{name[:80]}» comes back for review on {when} ({self.totals_tz}).")

    def _nothing_due(self, due: datetime | None) -> Message:
        if due is None:
            return reply("No cards yet: answer a daily or practice question first",
                         "Every question you answer becomes a card that comes back for "
                         "review when you are about to forget it. Try /quiz [topic].")
        when = due.astimezone(ZoneInfo(self.totals_tz)).strftime("%Y-%m-%d %H:%M")
        return reply(f"Nothing is due for review; next review: {when} ({self.totals_tz})",
                     "Practise anything meanwhile with /quiz [topic].")

    def weakest_topic(self, history: list[tuple[str, float]],
                      candidates: list[str] | None = None) -> str:
        """One of the three topics with the lowest average coverage; a topic never tried
        counts as 50%, so new topics come up too. Ties are broken at random."""
        sums: dict[str, list[float]] = {}
        for t, score in history:
            sums.setdefault(t, []).append(score)
        def average(t: str) -> float:
            return sum(sums[t]) / len(sums[t]) if t in sums else UNTRIED_PRIOR
        pool = candidates or list(self.bank.topics)
        ranked = sorted(pool, key=lambda t: (average(t), self.rng.random()))
        return self.rng.choice(ranked[:WEAKEST_POOL])

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
            if attempt["answered_at"] is not None:
                return reply("You already answered that one", "Start another with /quiz.")
        question = self.bank.get(attempt["question_id"])
        if question is None:
            return reply("That question left the bank", "Start another with /quiz.")
        result = await self.judge.grade(question, text)
        points = coverage_points(result.score, question.difficulty)
        now = self.clock.now()
        async with self.db.transaction() as conn:
            if not await Practice(conn).finish(attempt_id, text, result, now):
                return reply("You already answered that one", "Start another with /quiz.")
            if points:
                award = Award(person.id, points, Reason.PRACTICE, question.id)
                await Scores(conn, self.totals_tz).add(award, board=Board.PRACTICE,
                                                       subscription_id=None, round_id=None,
                                                       at=now)
            await record_review(conn, person.id, question.id, result.coverage,
                                source="practice", source_id=attempt_id, at=now)
        # The interviewer's next question, asked privately with the result.
        follow_up = await self.follow_ups.claim(actor, "practice", attempt_id, question)
        verdict = "\n".join([
            f"You covered {len(result.covered)} of {len(question.key_points)} key points: "
            f"+{points} practice point{'s' if points != 1 else ''}.",
            *(line[0].upper() + line[1:] for line in render.feedback(result))])
        return Message(
            title="Reference answer",
            sections=(Section("Your result", verdict),
                      Section("Question", question.prompt),
                      Section("Reference answer", question.answer),
                      Section("Key points", render.key_points_text(question)),
                      *((Section("Follow-up question", f"{question.follow_up}\nAnswer it "
                                 "with the button or /followup YOUR ANSWER (within a day).")
                         ,) if follow_up is not None else ())),
            footer=f"{render.RATE_HINT}\n{appeal_views.hint(question.id)}",
            kind=MessageKind.REVEAL,
            buttons=(*render.rate_buttons("practice", attempt_id), *((Button(
                f"{render.FOLLOW_UP_ACTION}{follow_up}", "Answer the follow-up"),)
                if follow_up is not None else ()),
                *appeal_views.buttons("practice", attempt_id, question.id)))
