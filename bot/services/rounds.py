"""The daily loop: post each channel's question, take answers, reveal at the deadline.

Reliability contract (see DESIGN.md): a round row is inserted before its post, keyed by
(subscription, local date), so no trigger posts twice; points are committed before the reveal
post, so a crash between the two re-posts the reveal but never pays twice; every answer is
acknowledged only after its transaction commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.adapters.base import IncomingMessage, Message, PlatformError, Platforms, reply
from bot.bank import QuestionBank
from bot.clock import Clock
from bot.domain.questions import Question
from bot.domain.rounds import MAX_ANSWER_CHARS, AnswerOutcome, Round, RoundState
from bot.domain.scoring import Board, round_awards
from bot.domain.selection import pick_question
from bot.domain.subscriptions import ChannelRef, Slot, Subscription
from bot.services import render
from bot.storage.db import Database
from bot.storage.repositories import Answers, Events, People, Rounds, Scores, Subscriptions

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AnswerResult:
    outcome: AnswerOutcome
    reply: Message | None = None   # shown privately to the person, if the platform can


class RoundService:
    def __init__(self, db: Database, bank: QuestionBank, platforms: Platforms, clock: Clock,
                 *, seed: str = "quizbot") -> None:
        self.db, self.bank, self.platforms, self.clock, self.seed = (
            db, bank, platforms, clock, seed)

    # -- posting ---------------------------------------------------------------------------

    async def post_due(self, subscription_id: int) -> Round | None:
        """Post the subscription's current slot if it is due and not posted yet (idempotent).
        This is what the per-subscription cron job and the sweeper call."""
        async with self.db.reading() as conn:
            sub = await Subscriptions(conn).get(subscription_id)
        if sub is None or not sub.active or not self._running(sub):
            return None
        slot = sub.due_slot(self.clock.now())
        return await self._open_round(sub, slot) if slot else None

    async def post_now(self, subscription_id: int) -> Round | None:
        """Post today's round at once (first start, or a lead asking), unless today has one."""
        async with self.db.reading() as conn:
            sub = await Subscriptions(conn).get(subscription_id)
        if sub is None or not self._running(sub):
            return None
        return await self._open_round(sub, sub.immediate_slot(self.clock.now()))

    def _running(self, sub: Subscription) -> bool:
        return self.platforms.get(sub.channel.platform) is not None

    async def _open_round(self, sub: Subscription, slot: Slot) -> Round | None:
        async with self.db.transaction() as conn:
            rounds = Rounds(conn)
            rnd = await rounds.on_date(sub.id, slot.local_date)
            if rnd is None:
                pool = [q.id for q in self.bank.filtered(sub.topics, sub.levels)]
                asked = await rounds.asked_question_ids(sub.id)
                qid = pick_question(pool, asked, f"{self.seed}:{sub.id}:{slot.local_date}")
                if qid is None:
                    log.warning("subscription %s: no question matches its filters", sub.id)
                    return None
                rnd = await rounds.create(sub.id, slot.local_date, qid, slot.opens_at,
                                          slot.deadline)
        if rnd is not None and rnd.state is RoundState.POSTING:
            return await self._publish(sub, rnd)
        return rnd

    async def _publish(self, sub: Subscription, rnd: Round) -> Round:
        platform = self.platforms.get(sub.channel.platform)
        question = self.bank.get(rnd.question_id)
        if platform is None or question is None:
            log.error("round %s cannot be posted (platform or question missing)", rnd.id)
            return rnd
        async with self.db.transaction() as conn:
            await Rounds(conn).count_post_attempt(rnd.id)
        try:
            sent = await platform.send(sub.channel, render.daily_question(question, rnd, sub),
                                       start_thread=True)
        except PlatformError as exc:
            log.warning("posting round %s failed (%s); the sweeper will retry", rnd.id, exc)
            return rnd
        async with self.db.transaction() as conn:
            await Rounds(conn).mark_posted(rnd.id, sent.message_id, sent.thread_id,
                                           self.clock.now())
            posted = await Rounds(conn).get(rnd.id)
        assert posted is not None
        return posted

    # -- answers ---------------------------------------------------------------------------

    async def record_answer(self, msg: IncomingMessage) -> AnswerResult:
        """Store a reply to a round's thread as that person's answer, then acknowledge it."""
        if msg.thread_id is None:
            return AnswerResult(AnswerOutcome.NO_ROUND)
        text = msg.text.strip()
        if not text:
            return AnswerResult(AnswerOutcome.REJECTED, reply(
                "That answer is empty", "Write a sentence or two; nothing was recorded."))
        if len(text) > MAX_ANSWER_CHARS:
            return AnswerResult(AnswerOutcome.REJECTED, reply(
                "That answer is too long",
                f"Answers are limited to {MAX_ANSWER_CHARS:,} characters (yours has "
                f"{len(text):,}). Trim it and send it again; nothing was recorded."))
        now = self.clock.now()
        async with self.db.transaction() as conn:
            sub = await Subscriptions(conn).for_channel(msg.channel)
            rnd = await Rounds(conn).by_thread(sub.id, msg.thread_id) if sub else None
            if sub is None or rnd is None:
                return AnswerResult(AnswerOutcome.NO_ROUND)
            if msg.event_id and not await Events(conn).first_sight(
                    msg.channel.platform, msg.event_id, now):
                outcome = AnswerOutcome.DUPLICATE
            else:
                a = msg.actor
                person = await People(conn).upsert(a.platform, a.workspace, a.user_id,
                                                   a.display_name, now)
                answers = Answers(conn)
                existing = await answers.get(rnd.id, person.id)
                if rnd.accepts_answers_at(now):
                    if existing:
                        await answers.replace(existing.id, text, msg.message_id, now)
                        outcome = AnswerOutcome.REPLACED
                    else:
                        await answers.insert(rnd.id, person.id, text, msg.message_id, False, now)
                        outcome = AnswerOutcome.RECORDED
                elif existing:
                    return AnswerResult(AnswerOutcome.REJECTED, reply(
                        "This round is closed",
                        "Your earlier answer stands; this one was not recorded."))
                else:
                    await answers.insert(rnd.id, person.id, text, msg.message_id, True, now)
                    outcome = AnswerOutcome.LATE
        await self._acknowledge(msg, outcome)
        if outcome is AnswerOutcome.LATE:
            return AnswerResult(outcome, reply(
                "Answer kept, but late", "The deadline had passed, so it earns no points. "
                "It is still saved, and the reference answer is in the thread."))
        return AnswerResult(outcome)

    async def _acknowledge(self, msg: IncomingMessage, outcome: AnswerOutcome) -> None:
        platform = self.platforms.get(msg.channel.platform)
        if platform is None:
            return
        try:
            await platform.acknowledge(msg.channel, msg.message_id, msg.thread_id, outcome)
        except PlatformError as exc:
            # The answer is safely stored; a missing tick is cosmetic.
            log.warning("acknowledging %s failed: %s", msg.message_id, exc)

    async def open_thread(self, channel: ChannelRef) -> str | None:
        """The thread of the channel's round that is open now, if any."""
        async with self.db.reading() as conn:
            sub = await Subscriptions(conn).for_channel(channel)
            rnd = await Rounds(conn).latest(sub.id) if sub else None
        if rnd and rnd.state is RoundState.OPEN:
            return rnd.thread_id
        return None

    # -- reveal ----------------------------------------------------------------------------

    async def reveal_due(self) -> list[int]:
        """Reveal every open round past its deadline, and finish interrupted reveals."""
        async with self.db.reading() as conn:
            due = await Rounds(conn).past_deadline(self.clock.now())
            unfinished = await Rounds(conn).in_state(RoundState.REVEALING)
        done = []
        for rnd in [*unfinished, *due]:
            if await self.reveal(rnd.id):
                done.append(rnd.id)
        return done

    async def reveal(self, round_id: int) -> bool:
        """Close the round and award points (once), then post the reveal; True when posted."""
        async with self.db.transaction() as conn:
            rounds = Rounds(conn)
            rnd = await rounds.get(round_id)
            if rnd is None:
                return False
            sub = await Subscriptions(conn).get(rnd.subscription_id)
            if sub is None or not self._running(sub):
                return False
            if rnd.state is RoundState.OPEN:
                if not await rounds.claim_for_reveal(rnd.id):
                    return False
                answers = await Answers(conn).for_round(rnd.id)
                scores = Scores(conn)
                for award in round_awards([a.person.id for a in answers if not a.late]):
                    await scores.add(award, board=Board.DAILY, subscription_id=sub.id,
                                     round_id=rnd.id, at=rnd.deadline)
            elif rnd.state is not RoundState.REVEALING:
                return False
            answers = await Answers(conn).for_round(rnd.id)
            ledger = await Scores(conn).for_round(rnd.id)
        question = self.bank.get(rnd.question_id)
        platform = self.platforms.get(sub.channel.platform)
        if question is None or platform is None:
            log.error("round %s: question %s is no longer in the bank", rnd.id, rnd.question_id)
            return False
        points: dict[int, int] = {}
        for row in ledger:
            points[row["person_id"]] = points.get(row["person_id"], 0) + row["points"]
        results = sorted(((a.person.display_name, points.get(a.person.id, 0), "")
                          for a in answers if not a.late), key=lambda r: (-r[1], r[0]))
        late = [a.person.display_name for a in answers if a.late]
        try:
            sent = await platform.send(sub.channel, render.reveal(question, rnd, results, late),
                                       thread_id=rnd.thread_id)
        except PlatformError as exc:
            log.warning("reveal of round %s failed (%s); the sweeper will retry", rnd.id, exc)
            return False
        async with self.db.transaction() as conn:
            await Rounds(conn).mark_revealed(rnd.id, sent.message_id, self.clock.now())
        return True

    # -- the sweeper -----------------------------------------------------------------------

    async def sweep(self) -> None:
        """Run at start-up and every minute: finish anything that fell due or failed."""
        async with self.db.reading() as conn:
            stuck = await Rounds(conn).in_state(RoundState.POSTING)
            subs = await Subscriptions(conn).active(self.platforms.names())
        now = self.clock.now()
        for rnd in stuck:
            async with self.db.reading() as conn:
                sub = await Subscriptions(conn).get(rnd.subscription_id)
            if sub is None or not self._running(sub):
                continue
            if now >= rnd.deadline:
                log.warning("round %s was never posted before its deadline; dropping it", rnd.id)
                async with self.db.transaction() as conn:
                    await Rounds(conn).expire_unposted(rnd.id, now)
                continue
            await self._publish(sub, rnd)
        for sub in subs:
            await self.post_due(sub.id)
        await self.reveal_due()

    def question(self, question_id: str) -> Question | None:
        return self.bank.get(question_id)
