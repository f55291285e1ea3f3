"""The daily loop: post each channel's question, take answers, reveal at the deadline.

Reliability contract (see DESIGN.md): a round row is inserted before its post, keyed by
(subscription, local date), so no trigger posts twice; points are committed before the reveal
post, so a crash between the two re-posts the reveal but never pays twice; every answer is
acknowledged only after its transaction commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.adapters.base import (
    Actor,
    ChatPlatform,
    IncomingMessage,
    Message,
    PlatformError,
    Platforms,
    Sent,
    reply,
)
from bot.bank import QuestionBank
from bot.clock import Clock
from bot.domain.grading import Grade, grade
from bot.domain.questions import Question
from bot.domain.rounds import (
    MAX_ANSWER_CHARS,
    Answer,
    AnswerOutcome,
    Person,
    Round,
    RoundState,
)
from bot.domain.scoring import (
    LEAD_AWARD_LIMIT,
    Award,
    Board,
    Entry,
    Reason,
    round_awards,
    streak_length,
    vote_allowed,
)
from bot.domain.selection import pick_question
from bot.domain.subscriptions import ChannelRef, Slot, Subscription
from bot.services import render
from bot.services.judging import Judge, RubricJudge
from bot.services.rights import over_cap
from bot.storage.db import Database, StorageError
from bot.storage.repositories import (
    Answers,
    Events,
    People,
    Rounds,
    Scores,
    Strays,
    Subscriptions,
)

log = logging.getLogger(__name__)

REMINDER_AHEAD = timedelta(hours=1)
ANSWER_BATCH = 256  # answers stored per group-commit transaction
OPEN_ROUND_CACHE = 1024  # open rounds remembered; the oldest entry leaves first
VOTING_WINDOW = timedelta(hours=24)
STRAY_KEEP = timedelta(days=2)


class Refused(Exception):
    """Raised inside a transaction to roll it back and show ``message`` instead."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.title)
        self.message = message


@dataclass(frozen=True, slots=True)
class AnswerResult:
    outcome: AnswerOutcome
    reply: Message | None = None   # shown privately to the person, if the platform can


class RoundService:
    def __init__(self, db: Database, bank: QuestionBank, platforms: Platforms, clock: Clock,
                 *, seed: str = "quizbot", judge: Judge | None = None,
                 totals_tz: str = "UTC") -> None:
        self.db, self.bank, self.platforms, self.clock, self.seed = (
            db, bank, platforms, clock, seed)
        self.totals_tz = totals_tz
        self.judge: Judge = judge or RubricJudge()
        self._pending: list[tuple[IncomingMessage, str,
                                  asyncio.Future[AnswerOutcome | AnswerResult]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._open_rounds: dict[tuple[object, ...], Round] = {}

    # -- posting ---------------------------------------------------------------------------

    async def post_due(self, subscription_id: int) -> Round | None:
        """Post the subscription's current slot if it is due and not posted yet (idempotent).
        This is what the per-subscription cron job and the sweeper call."""
        async with self.db.reading() as conn:
            sub = await Subscriptions(conn).get(subscription_id)
        if sub is None or not sub.active or not self._running(sub) or \
                not await self._zone_loads(sub):
            return None
        slot = sub.due_slot(self.clock.now())
        return await self._open_round(sub, slot) if slot else None

    async def post_now(self, subscription_id: int) -> Round | None:
        """Post today's round at once (first start, or a lead asking), unless today has one."""
        async with self.db.reading() as conn:
            sub = await Subscriptions(conn).get(subscription_id)
        if sub is None or not self._running(sub) or not await self._zone_loads(sub):
            return None
        return await self._open_round(sub, sub.immediate_slot(self.clock.now()))

    def _running(self, sub: Subscription) -> bool:
        return self.platforms.get(sub.channel.platform) is not None

    async def _zone_loads(self, sub: Subscription) -> bool:
        """True when the subscription's time zone loads. One that cannot (a zone written
        to the database without validation, or gone from tzdata) stops the subscription
        and its lead is told, once: nothing of its schedule can be computed."""
        try:
            ZoneInfo(sub.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return True
        async with self.db.transaction() as conn:
            subs = Subscriptions(conn)
            current = await subs.get(sub.id)
            if current is None or not current.active:
                return False   # already stopped (and its lead told)
            await subs.save(replace(current, active=False), self.clock.now())
            lead = await subs.configured_by(sub.id)
        log.error("subscription %s (channel %s): unknown time zone; stopped it", sub.id,
                  _where(sub.channel))
        platform = self.platforms.get(sub.channel.platform)
        if platform is not None:
            try:
                await platform.send(sub.channel, render.unknown_zone(sub, lead))
            except PlatformError as exc:
                log.warning("could not tell subscription %s about its time zone: %s",
                            sub.id, exc)
        return False

    @contextlib.asynccontextmanager
    async def _isolated(self, step: str, subscription_id: int,
                        round_id: int | None = None) -> AsyncIterator[None]:
        """One subscription's (or round's) step in a sweep or job: a failure is logged in
        one line and the caller goes on with the others."""
        try:
            yield
        except Exception as exc:
            channel = "?"
            with contextlib.suppress(Exception):
                async with self.db.reading() as conn:
                    found = await Subscriptions(conn).get(subscription_id)
                channel = _where(found.channel) if found else "?"
            of_round = f" round {round_id}" if round_id is not None else ""
            log.error("%s failed for subscription %s (channel %s)%s: %s: %s", step,
                      subscription_id, channel, of_round, type(exc).__name__, exc)

    async def _open_round(self, sub: Subscription, slot: Slot) -> Round | None:
        created = False
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
                if rnd is not None:
                    created = True
        # A round left in 'posting' by an earlier failure is retried by the sweeper alone,
        # so one sweep never makes two attempts.
        if rnd is not None and created:
            return await self._publish(sub, rnd)
        return rnd

    async def _publish(self, sub: Subscription, rnd: Round) -> Round:
        platform = self.platforms.get(sub.channel.platform)
        question = self.bank.get(rnd.question_id)
        if platform is None or question is None:
            log.error("round %s cannot be posted (platform or question missing)", rnd.id)
            return rnd
        message = render.daily_question(question, rnd, sub,
                                        thread_answers=getattr(platform, "reads_replies", True))
        try:
            sent = await self._send_question(platform, sub, rnd, message)
            thread_id = await self._thread_for(platform, sub, sent, message.title)
        except PlatformError as exc:
            log.warning("posting round %s failed (%s); the sweeper will retry", rnd.id, exc)
            if not exc.retryable:
                await self._tell_lead(sub, rnd, platform, exc)
            return rnd
        async with self.db.transaction() as conn:
            await Rounds(conn).mark_posted(rnd.id, sent.message_id, thread_id, self.clock.now())
            posted = await Rounds(conn).get(rnd.id)
        assert posted is not None
        await self._adopt_strays(sub.channel, thread_id)
        return posted

    async def _send_question(self, platform: ChatPlatform, sub: Subscription, rnd: Round,
                             message: Message) -> Sent:
        """The round's post: the one already recorded, the one an interrupted attempt made,
        or a new one, whose id is committed before anything else is done with it."""
        if rnd.message_id is not None:
            return Sent(rnd.message_id, rnd.message_id)
        async with self.db.transaction() as conn:
            earlier_attempts = await Rounds(conn).count_post_attempt(rnd.id)
        sent = await self._find_sent(platform, sub.channel, message.key) \
            if earlier_attempts else None
        if sent is None:
            sent = await platform.send(sub.channel, message)
        async with self.db.transaction() as conn:
            await Rounds(conn).mark_sent(rnd.id, sent.message_id)
        return sent

    @staticmethod
    async def _thread_for(platform: ChatPlatform, sub: Subscription, sent: Sent,
                          title: str) -> str:
        """Where answers go: a thread opened on the post where the platform needs one."""
        start = getattr(platform, "start_thread", None)
        if start is None:
            return sent.thread_id
        thread_id: str = await start(sub.channel, sent, title)
        return thread_id

    # -- answers ---------------------------------------------------------------------------

    async def record_answer(self, msg: IncomingMessage) -> AnswerResult:
        """Store a reply to a round's thread (or a private answer naming its round) as that
        person's answer, then acknowledge it."""
        if msg.thread_id is None and msg.round_id is None:
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
        try:
            outcome = await self._store_answer(msg, text)
        except StorageError as exc:
            log.error("could not store an answer: %s", exc)
            return AnswerResult(AnswerOutcome.FAILED, reply(
                "I couldn't save that answer just now",
                "Nothing was recorded. Please send it again in a minute."))
        if isinstance(outcome, AnswerResult):
            return outcome
        await self._acknowledge(msg, outcome)
        if outcome is AnswerOutcome.LATE:
            return AnswerResult(outcome, reply(
                "Answer kept, but late", "The deadline had passed, so it earns no points. "
                "It is still saved, and the reference answer is in the thread."))
        return AnswerResult(outcome)

    async def _store_answer(self, msg: IncomingMessage,
                            text: str) -> AnswerOutcome | AnswerResult:
        """Queue the answer for the group-commit writer and wait for its commit."""
        future: asyncio.Future[AnswerOutcome | AnswerResult] = \
            asyncio.get_running_loop().create_future()
        self._pending.append((msg, text, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain_answers())
        return await future

    async def _drain_answers(self) -> None:
        """Group commit: store whatever answers are queued in one transaction per batch.
        Under a burst this turns hundreds of commits into a few; alone, a batch is one."""
        while self._pending:
            batch = self._pending[:ANSWER_BATCH]
            del self._pending[:ANSWER_BATCH]
            try:
                results = await self._store_batch([(m, t) for m, t, _ in batch])
            except StorageError as exc:
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            except Exception:  # a bug in one answer must not lose the others
                log.exception("an answer batch failed; storing its answers one at a time")
                for msg, text, future in batch:
                    try:
                        (result,) = await self._store_batch([(msg, text)])
                    except Exception as exc:
                        if not future.done():
                            future.set_exception(exc)
                        continue
                    if not future.done():
                        future.set_result(result)
                continue
            for (_, _, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _store_batch(self, items: list[tuple[IncomingMessage, str]],
                           ) -> list[AnswerOutcome | AnswerResult]:
        """Store a batch of answers in one transaction, with set-based statements."""
        now = self.clock.now()
        results: list[AnswerOutcome | AnswerResult] = \
            [AnswerResult(AnswerOutcome.NO_ROUND)] * len(items)
        async with self.db.transaction() as conn:
            found: dict[tuple[object, ...], Round | None] = {}
            for msg, _ in items:
                key = (msg.channel, msg.thread_id, msg.round_id)
                if key not in found:
                    cached = self._open_rounds.get(key)
                    # A cached round before its deadline saves looking it up; later, ask
                    # the database. Its state is checked below all the same: a clock that
                    # stepped back puts "before the deadline" after a reveal.
                    if cached is not None and now < cached.deadline:
                        found[key] = cached
                    else:
                        found[key] = await self._round_for(conn, msg)
                        self._remember_open(key, found[key])
            await self._refresh_states(conn, found)
            rounds = [found[(m.channel, m.thread_id, m.round_id)] for m, _ in items]
            await self._hold_strays(conn, items, rounds, results, now)
            live = [i for i, r in enumerate(rounds)
                    if r is not None and r.state is not RoundState.POSTING]
            events = [(items[i][0].channel.platform, items[i][0].event_id or "")
                      for i in live if items[i][0].event_id]
            fresh = await Events(conn).first_sight_many(list(dict.fromkeys(events)), now)
            seen: set[tuple[str, str]] = set()
            keep = []
            for i in live:
                msg = items[i][0]
                if msg.event_id:
                    pe = (msg.channel.platform, msg.event_id)
                    if pe not in fresh or pe in seen:
                        results[i] = AnswerOutcome.DUPLICATE
                        continue
                    seen.add(pe)
                keep.append(i)
            people = await People(conn).upsert_many(
                [(a.platform, a.workspace, a.user_id, a.display_name)
                 for a in (items[i][0].actor for i in keep)], now)

            def person_of(i: int) -> Person:
                a = items[i][0].actor
                return people[(a.platform, a.workspace, a.user_id)]

            answers = Answers(conn)
            first: dict[tuple[int, int], int] = {}
            def sent(i: int) -> datetime:
                at = items[i][0].sent_at
                return min(at, now) if at is not None else now

            for i in keep:
                rnd = rounds[i]
                assert rnd is not None
                if rnd.accepts_answers_at(sent(i)):
                    first.setdefault((rnd.id, person_of(i).id), i)
            inserted = await answers.insert_on_time_many(
                [(k[0], k[1], items[i][1], items[i][0].message_id) for k, i in first.items()],
                now)
            for i in keep:
                rnd, person, (msg, text) = rounds[i], person_of(i), items[i]
                assert rnd is not None
                if rnd.accepts_answers_at(sent(i)):
                    if first.get((rnd.id, person.id)) == i and (rnd.id, person.id) in inserted:
                        results[i] = AnswerOutcome.RECORDED
                        continue
                    new = await answers.put_on_time(rnd.id, person.id, text, msg.message_id,
                                                    now)
                    if new is not None:
                        results[i] = AnswerOutcome.RECORDED if new else AnswerOutcome.REPLACED
                        continue
                if await answers.get(rnd.id, person.id):
                    results[i] = AnswerResult(AnswerOutcome.REJECTED, reply(
                        "This round is closed",
                        "Your earlier answer stands; this one was not recorded."))
                else:
                    await answers.insert(rnd.id, person.id, text, msg.message_id, True, now)
                    results[i] = AnswerOutcome.LATE
        return results

    async def _refresh_states(self, conn: Any,
                              found: dict[tuple[object, ...], Round | None]) -> None:
        """Give each round its state as of this transaction (one query), so an answer is
        taken as on time only if its round is open when the answer is stored; a cached
        round that is no longer open leaves the cache."""
        ids = list({r.id for r in found.values() if r is not None})
        states = await Rounds(conn).states(ids)
        for key, rnd in found.items():
            if rnd is None or states.get(rnd.id) is rnd.state:
                continue
            found[key] = replace(rnd, state=states[rnd.id]) if rnd.id in states else None
            self._remember_open(key, found[key])

    @staticmethod
    async def _hold_strays(conn: Any, items: list[tuple[IncomingMessage, str]],
                           rounds: list[Round | None],
                           results: list[AnswerOutcome | AnswerResult], now: datetime) -> None:
        """Replies in a thread no round knows yet, in a channel whose post is going out right
        now, are kept: the thread is most likely that post's, whose id we have not yet
        committed. They become answers when the round lands (``_adopt_strays``)."""
        posting: dict[ChannelRef, Round | None] = {}
        for i, (msg, text) in enumerate(items):
            if rounds[i] is not None or msg.thread_id is None or msg.round_id is not None:
                continue
            if msg.channel not in posting:
                posting[msg.channel] = await Rounds(conn).posting_in(msg.channel, now)
            if posting[msg.channel] is None:
                continue
            a = msg.actor
            await Strays(conn).keep(msg.channel, msg.thread_id, msg.message_id,
                                    (a.user_id, a.display_name, a.is_admin), text,
                                    msg.event_id, msg.edited, now)
            results[i] = AnswerResult(AnswerOutcome.HELD)

    async def _adopt_strays(self, channel: ChannelRef, thread_id: str | None) -> None:
        """Store (and acknowledge) the replies that reached the thread before its round."""
        if thread_id is None:
            return
        async with self.db.transaction() as conn:
            rows = await Strays(conn).take(channel, thread_id)
        for r in rows:
            actor = Actor(channel.platform, channel.workspace, r["user_id"], r["display_name"],
                          bool(r["is_admin"]))
            await self.record_answer(IncomingMessage(
                actor, channel, r["text"], r["message_id"], thread_id=thread_id,
                event_id=r["event_id"], edited=bool(r["edited"])))

    def _remember_open(self, key: tuple[object, ...], rnd: Round | None) -> None:
        if rnd is None or rnd.state is not RoundState.OPEN:
            self._open_rounds.pop(key, None)
            return
        self._open_rounds[key] = rnd
        while len(self._open_rounds) > OPEN_ROUND_CACHE:
            self._open_rounds.pop(next(iter(self._open_rounds)))

    @staticmethod
    async def _round_for(conn: Any, msg: IncomingMessage) -> Round | None:
        if msg.round_id is not None:
            sub = await Subscriptions(conn).for_channel(msg.channel)
            rnd = await Rounds(conn).get(msg.round_id) if sub else None
            return rnd if rnd and sub and rnd.subscription_id == sub.id else None
        if msg.thread_id is not None:
            hit = await Rounds(conn).in_channel_thread(msg.channel, msg.thread_id)
            return hit[1] if hit else None
        return None

    async def _acknowledge(self, msg: IncomingMessage, outcome: AnswerOutcome) -> None:
        platform = self.platforms.get(msg.channel.platform)
        if platform is None:
            return
        try:
            await platform.acknowledge(msg, outcome)
        except PlatformError as exc:
            # The answer is safely stored; a missing tick is cosmetic.
            log.warning("acknowledging %s failed: %s", msg.message_id, exc)

    async def withdraw_answer(self, platform: str, workspace: str, message_id: str) -> bool:
        """A person deleted their answer's message: while the round is open the answer is
        withdrawn (as if never given); after the deadline it stands."""
        try:
            async with self.db.transaction() as conn:
                return await Answers(conn).withdraw(platform, workspace, message_id,
                                                    self.clock.now())
        except StorageError as exc:
            log.error("could not withdraw a deleted answer: %s", exc)
            return False

    async def open_threads(self, platform: str) -> list[tuple[ChannelRef, str]]:
        """(channel, thread) of every round taking answers on the platform: what an adapter
        reads back after an outage, on platforms that do not redeliver missed messages."""
        async with self.db.reading() as conn:
            rounds = await Rounds(conn).in_state(RoundState.OPEN)
            out = []
            for rnd in rounds:
                sub = await Subscriptions(conn).get(rnd.subscription_id)
                if sub is not None and sub.channel.platform == platform and rnd.thread_id:
                    out.append((sub.channel, rnd.thread_id))
        return out

    async def channel_of_thread(self, platform: str, workspace: str,
                                thread_id: str) -> ChannelRef | None:
        """The subscribed channel a round thread belongs to (for platforms whose events
        name only the thread)."""
        async with self.db.reading() as conn:
            sub_id = await Rounds(conn).subscription_of_thread(platform, workspace, thread_id)
            sub = await Subscriptions(conn).get(sub_id) if sub_id is not None else None
        return sub.channel if sub else None

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
            async with self._isolated("the reveal", rnd.subscription_id, rnd.id):
                if await self.reveal(rnd.id):
                    done.append(rnd.id)
        return done

    async def reveal(self, round_id: int) -> bool:
        """Close the round, grade and pay (once), then post the reveal; True when posted.

        Three steps so a slow judge never holds the database: claim the round; grade outside
        any transaction; store grades and awards (idempotent: a retried reveal after a crash
        keeps the first grades and cannot pay twice); then post.
        """
        async with self.db.transaction() as conn:
            rnd = await Rounds(conn).get(round_id)
            sub = await Subscriptions(conn).get(rnd.subscription_id) if rnd else None
            if rnd is None or sub is None or not self._running(sub):
                return False
            resumed = rnd.state is RoundState.REVEALING  # an earlier attempt may have posted
            if rnd.state is RoundState.OPEN and not await Rounds(conn).claim_for_reveal(rnd.id):
                return False
            if rnd.state not in (RoundState.OPEN, RoundState.REVEALING):
                return False
            answers = await Answers(conn).for_round(rnd.id)
            graded = await Answers(conn).grades(rnd.id)
        question = self.bank.get(rnd.question_id)
        platform = self.platforms.get(sub.channel.platform)
        if question is None or platform is None:
            log.error("round %s: question %s is no longer in the bank", rnd.id, rnd.question_id)
            return False
        on_time = [a for a in answers if not a.late]
        ungraded = [a for a in on_time if a.person.id not in graded]
        fresh = dict(zip((a.id for a in ungraded),
                         await self.judge_answers(question, [a.text for a in ungraded],
                                                  f"round {rnd.id}"), strict=True))
        async with self.db.transaction() as conn:
            answers_repo, scores = Answers(conn), Scores(conn, self.totals_tz)
            for answer_id, g in fresh.items():
                await answers_repo.set_grade(answer_id, g)
            graded = await answers_repo.grades(rnd.id)
            entries = []
            for a in on_time:
                history = await answers_repo.streak_history(sub.id, a.person.id, rnd.local_date)
                entries.append(Entry(a.person.id, graded[a.person.id].score,
                                     1 + streak_length(history)))
            for award in round_awards(entries, question.difficulty):
                await scores.add(award, board=Board.DAILY, subscription_id=sub.id,
                                 round_id=rnd.id, at=rnd.deadline)
            lines = await self._result_lines(graded, scores, rnd.id, on_time)
        late = [a.person.display_name for a in answers if a.late]
        message = render.reveal(question, rnd, lines, late, blind=sub.blind or not getattr(
            platform, "reads_replies", True))
        try:
            sent = await self._find_sent(platform, sub.channel, message.key, rnd.thread_id) \
                if resumed else None
            if sent is None:
                sent = await platform.send(sub.channel, message, thread_id=rnd.thread_id)
        except PlatformError as exc:
            log.warning("reveal of round %s failed (%s); the sweeper will retry", rnd.id, exc)
            return False
        async with self.db.transaction() as conn:
            await Rounds(conn).mark_revealed(rnd.id, sent.message_id, self.clock.now())
        return True

    async def _tell_lead(self, sub: Subscription, rnd: Round, platform: ChatPlatform,
                         exc: PlatformError) -> None:
        """A post failing for a reason retrying cannot fix (the bot is not in the channel,
        the channel is gone, a permission is missing): tell whoever set the schedule, once
        per round, directly."""
        async with self.db.transaction() as conn:
            lead = await Subscriptions(conn).configured_by(sub.id)
            if lead is None or not await Rounds(conn).mark_lead_told(rnd.id, self.clock.now()):
                return
        tell = getattr(platform, "tell", None)
        if tell is None:
            return
        where = sub.channel_name or sub.channel.channel
        try:
            await tell(sub.channel.workspace, lead.user_id, reply(
                f"I can't post the daily question in #{where}",
                f"The platform said: {exc}. Check that I am in the channel and may post "
                "there; I keep retrying until the answer window closes."))
        except PlatformError as again:
            log.warning("could not tell the lead about round %s: %s", rnd.id, again)

    @staticmethod
    async def _find_sent(platform: ChatPlatform, channel: ChannelRef, key: str,
                         thread_id: str | None = None) -> Sent | None:
        """The post an earlier, interrupted attempt made, if the platform can tell."""
        finder = getattr(platform, "find_sent", None)
        if finder is None:
            return None
        try:
            found: Sent | None = await finder(channel, key, thread_id)
        except PlatformError as exc:
            log.warning("looking up an earlier post failed (%s); posting again", exc)
            return None
        if found is not None:
            log.info("adopting the post an interrupted attempt made (%s)", key)
        return found

    async def judge_answers(self, question: Question, texts: list[str],
                            label: str) -> list[Grade]:
        try:
            return await self.judge.grade_all(question, texts, label=label)
        except Exception:  # a plugged-in judge must never block a reveal
            log.exception("judge %s failed; using the rubric grader", self.judge.name)
            return [grade(question, t) for t in texts]

    @staticmethod
    async def _result_lines(graded: dict[int, Grade], scores: Scores, round_id: int,
                            on_time: list[Answer]) -> list[render.RevealLine]:
        points: dict[int, int] = {}
        for row in await scores.for_round(round_id):
            points[row["person_id"]] = points.get(row["person_id"], 0) + row["points"]
        lines = [render.RevealLine(a.person.display_name, points.get(a.person.id, 0),
                                   graded[a.person.id], a.text)
                 for a in on_time if a.person.id in graded]
        return sorted(lines, key=lambda r: (-r.points, r.name.lower()))

    async def results(self, channel: ChannelRef, day: date | None = None) -> Message:
        """Every person's result for a revealed round (the reveal shows the top only)."""
        async with self.db.reading() as conn:
            sub = await Subscriptions(conn).for_channel(channel)
            rnd = None
            if sub is not None:
                rnd = (await Rounds(conn).on_date(sub.id, day) if day
                       else await Rounds(conn).latest_revealed(sub.id))
            if sub is None or rnd is None or rnd.state is not RoundState.REVEALED:
                return reply("No revealed round found",
                             "Results appear after a round's deadline. Try /results YYYY-MM-DD.")
            answers = [a for a in await Answers(conn).for_round(rnd.id) if not a.late]
            lines = await self._result_lines(await Answers(conn).grades(rnd.id),
                                             Scores(conn, self.totals_tz), rnd.id, answers)
        question = self.bank.get(rnd.question_id)
        if question is None:
            return reply("That question left the bank", "No results to show.")
        return render.full_results(question, rnd, lines)

    # -- reminders, votes, lead corrections ------------------------------------------------

    async def remind_due(self) -> None:
        """An hour before a deadline, nudge people whose streak would break (once a round)."""
        now = self.clock.now()
        async with self.db.reading() as conn:
            rounds = await Rounds(conn).needing_reminder(now, REMINDER_AHEAD)
        for rnd in rounds:
            async with self._isolated("the reminder", rnd.subscription_id, rnd.id):
                async with self.db.transaction() as conn:
                    sub = await Subscriptions(conn).get(rnd.subscription_id)
                    if sub is None or not self._running(sub) or \
                            not await Rounds(conn).mark_reminded(rnd.id, now):
                        continue
                    answered = {a.person.id for a in await Answers(conn).for_round(rnd.id)}
                    previous = await Rounds(conn).before(sub.id, rnd.local_date)
                    at_risk = [a.person for a in await Answers(conn).for_round(previous.id)
                               if not a.late and a.person.id not in answered] if previous else []
                platform = self.platforms.get(sub.channel.platform) if sub else None
                if not at_risk or platform is None or sub is None:
                    continue
                message = render.reminder(rnd, [p.display_name for p in at_risk],
                                          [p.user_id for p in at_risk])
                try:
                    await platform.send(sub.channel, message, thread_id=rnd.thread_id)
                except PlatformError as exc:
                    log.warning("streak reminder for round %s failed: %s", rnd.id, exc)

    @staticmethod
    async def _last_answer(conn: Any, channel: ChannelRef, actor: Actor, about: Actor,
                           now: datetime) -> tuple[Subscription, Round, Person, Person | None,
                                                   Answer | None] | None:
        """For votes and lead adjustments: the channel's last revealed round, the acting
        person (recorded), the person acted on and their answer; None without a round."""
        sub = await Subscriptions(conn).for_channel(channel)
        rnd = await Rounds(conn).latest_revealed(sub.id) if sub else None
        if sub is None or rnd is None:
            return None
        people = People(conn)
        me = await people.upsert(actor.platform, actor.workspace, actor.user_id,
                                 actor.display_name, now)
        target = await people.find(about.platform, about.workspace, about.user_id)
        answer = await Answers(conn).get(rnd.id, target.id) if target else None
        return sub, rnd, me, target, answer

    async def vote(self, voter: Actor, channel: ChannelRef, author: Actor) -> Message:
        """A peer vote for ``author``'s answer in the channel's latest revealed round."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            found = await self._last_answer(conn, channel, voter, author, now)
            if found is None:
                return reply("Nothing to vote on yet", "Votes open once a round is revealed.")
            sub, rnd, v, target, answer = found
            if target is None or answer is None or answer.late:
                return reply("No answer to vote for",
                             f"{author.display_name} has no on-time answer in the last round.")
            scores = Scores(conn, self.totals_tz)
            refusal = vote_allowed(voter_id=v.id, author_id=target.id,
                                   votes_by_voter=await scores.votes_by(rnd.id, v.id),
                                   points_to_author=await scores.vote_points_to(rnd.id, target.id))
            if refusal:
                return reply("Vote not counted", refusal)
            if not await scores.record_vote(rnd.id, v.id, answer.id, now):
                return reply("Already counted", "You voted for that answer before.")
            await scores.add(Award(target.id, 1, Reason.PEER_VOTE, f"vote from {v.display_name}"),
                             board=Board.DAILY, subscription_id=sub.id, round_id=rnd.id, at=now,
                             actor_id=v.id)
        return reply("Vote counted", f"+1 to {target.display_name} for their answer on "
                     f"{rnd.local_date.isoformat()}.")

    async def vote_for_message(self, voter: Actor, channel: ChannelRef,
                               message_id: str) -> Message | None:
        """A vote given by reacting to an answer's message; None when the message is not an
        on-time answer of a revealed round (an ordinary reaction, ignored)."""
        async with self.db.reading() as conn:
            found = await Answers(conn).by_message(channel.platform, message_id)
        if found is None:
            return None
        answer, state = found
        if state is not RoundState.REVEALED or answer.late:
            return None
        p = answer.person
        return await self.vote(voter, channel, Actor(p.platform, p.workspace, p.user_id,
                                                     p.display_name))

    async def adjust(self, lead: Actor, channel: ChannelRef, person: Actor, points: int,
                     reason: str, *, set_total: bool) -> Message:
        """A lead's award (+/- points) or correction (set the round total) on the latest
        revealed round; the ledger keeps the original rows and the reason."""
        if not reason.strip():
            return reply("Say why", "Awards and corrections need a reason, for the record.")
        if abs(points) > LEAD_AWARD_LIMIT:
            return reply("That is a lot of points",
                         f"Awards are limited to ±{LEAD_AWARD_LIMIT} at a time.")
        now = self.clock.now()
        try:
            async with self.db.transaction() as conn:
                return await self._adjust(conn, lead, channel, person, points, reason,
                                          set_total=set_total, now=now)
        except Refused as refused:  # rolled back: the lead's upsert is undone too
            return refused.message

    async def _adjust(self, conn: Any, lead: Actor, channel: ChannelRef, person: Actor,
                      points: int, reason: str, *, set_total: bool, now: datetime) -> Message:
        found = await self._last_answer(conn, channel, lead, person, now)
        if found is None:
            raise Refused(reply("No revealed round here",
                                "Awards apply to the last revealed round."))
        sub, rnd, actor, target, answer = found
        if target is None or answer is None:
            raise Refused(reply("No answer found",
                                f"{person.display_name} did not answer the round of "
                                f"{rnd.local_date.isoformat()}."))
        scores = Scores(conn, self.totals_tz)
        rows = [r for r in await scores.for_round(rnd.id) if r["person_id"] == target.id]
        current = sum(r["points"] for r in rows)
        delta = points - current if set_total else points
        if not lead.is_admin:
            used = sum(abs(r["points"]) for r in rows if r["actor_id"] == actor.id
                       and r["reason"] in (Reason.LEAD_AWARD.value, Reason.CORRECTION.value))
            if used + abs(delta) > LEAD_AWARD_LIMIT:
                raise Refused(over_cap(used, abs(delta)))
        if set_total:
            base = next((r for r in rows if r["reason"] == Reason.COVERAGE.value),
                        rows[0] if rows else None)
            if base is None:  # nothing paid yet: the correction stands on its own
                await scores.add(Award(target.id, delta, Reason.CORRECTION, reason),
                                 board=Board.DAILY, subscription_id=sub.id,
                                 round_id=rnd.id, at=now, actor_id=actor.id)
            elif delta:
                await scores.correct(base["id"], delta, reason, actor.id, now)
            total = points
        else:
            await scores.add(Award(target.id, points, Reason.LEAD_AWARD, reason),
                             board=Board.DAILY, subscription_id=sub.id, round_id=rnd.id,
                             at=now, actor_id=actor.id)
            total = current + points
        verb = "corrected to" if set_total else "now"
        return reply("Points updated", f"{target.display_name}'s points for "
                     f"{rnd.local_date.isoformat()}: {verb} {total} ({reason}).")

    # -- the sweeper -----------------------------------------------------------------------

    async def sweep(self) -> None:
        """Run at start-up and every minute: finish anything that fell due or failed."""
        async with self.db.reading() as conn:
            stuck = await Rounds(conn).in_state(RoundState.POSTING)
            subs = await Subscriptions(conn).active(self.platforms.names())
        now = self.clock.now()
        for rnd in stuck:
            async with self._isolated("posting", rnd.subscription_id, rnd.id):
                async with self.db.reading() as conn:
                    sub = await Subscriptions(conn).get(rnd.subscription_id)
                if sub is None or not self._running(sub) or not await self._zone_loads(sub):
                    continue
                if now >= rnd.deadline:
                    # Its window closed while the post was unconfirmed. If an attempt did reach
                    # the platform, people saw the question: adopt the post so it is revealed.
                    platform = self.platforms.get(sub.channel.platform)
                    question = self.bank.get(rnd.question_id)
                    sent = Sent(rnd.message_id, rnd.message_id) if rnd.message_id else None
                    if sent is None and rnd.post_attempts and platform is not None \
                            and question is not None:
                        key = render.daily_question(question, rnd, sub).key
                        sent = await self._find_sent(platform, sub.channel, key)
                    thread: str | None = None
                    adopt: str | None = None
                    if sent is not None and platform is not None and question is not None:
                        try:  # the reveal goes in the thread, or the channel if there is none
                            thread = await self._thread_for(platform, sub, sent, question.prompt)
                        except PlatformError as exc:
                            log.warning("round %s has no thread (%s)", rnd.id, exc)
                    async with self.db.transaction() as conn:
                        if sent is not None:
                            await Rounds(conn).mark_posted(rnd.id, sent.message_id, thread, now)
                            adopt = thread
                        else:
                            log.warning("round %s was never posted before its deadline; "
                                        "dropping it", rnd.id)
                            await Rounds(conn).expire_unposted(rnd.id, now)
                    await self._adopt_strays(sub.channel, adopt)
                    continue
                await self._publish(sub, rnd)
        for sub in subs:
            async with self._isolated("the daily post", sub.id):
                await self.post_due(sub.id)
        await self.remind_due()
        await self.reveal_due()
        await self.archive_due()
        async with self.db.transaction() as conn:  # replies to posts that never landed
            await Strays(conn).forget_before(now - STRAY_KEEP)

    async def archive_due(self) -> None:
        """Close the threads of rounds whose voting window has ended, on platforms that
        have such a thing (Discord archives them; others do nothing)."""
        now = self.clock.now()
        async with self.db.reading() as conn:
            rounds = await Rounds(conn).voting_closed(now - VOTING_WINDOW)
        for rnd in rounds:
            async with self._isolated("archiving", rnd.subscription_id, rnd.id):
                async with self.db.reading() as conn:
                    sub = await Subscriptions(conn).get(rnd.subscription_id)
                platform = self.platforms.get(sub.channel.platform) if sub else None
                if sub is None or platform is None or rnd.thread_id is None:
                    continue
                archive = getattr(platform, "archive", None)
                if archive is not None:
                    try:
                        await archive(sub.channel, rnd.thread_id)
                    except PlatformError as exc:
                        log.warning("archiving the thread of round %s failed: %s", rnd.id, exc)
                        continue
                async with self.db.transaction() as conn:
                    await Rounds(conn).mark_archived(rnd.id, now)


def _where(channel: ChannelRef) -> str:
    return f"{channel.platform}:{channel.workspace}/{channel.channel}"
