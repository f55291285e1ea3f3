"""Taking answers: checks, the group-commit writer, and replies that beat their round.

Every answer is acknowledged only after its transaction commits. Answers queue for one
writer task that stores each batch (up to ``ANSWER_BATCH``) in one transaction with
set-based statements (``_store_batch``), so a burst costs a few commits, not hundreds.
Open rounds are cached (``_open_rounds``) to spare the look-up, but each batch re-reads
their states, so an answer counts as on time only if its round is open when it is stored.
Replies in a thread no round knows yet, while that channel's post is going out, are held
as strays and stored once the round lands.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.adapters.base import Actor, IncomingMessage, Message, PlatformError, reply
from bot.domain.rounds import MAX_ANSWER_CHARS, AnswerOutcome, Person, Round, RoundState
from bot.domain.subscriptions import ChannelRef, Subscription
from bot.services.rounds.base import log
from bot.services.rounds.follow_ups import FollowUpsMixin
from bot.storage.db import StorageError
from bot.storage.repositories import Answers, Events, People, Rounds, Strays, Subscriptions

ANSWER_BATCH = 256  # answers stored per group-commit transaction
OPEN_ROUND_CACHE = 1024  # open rounds remembered; the oldest entry leaves first


@dataclass(frozen=True, slots=True)
class AnswerResult:
    outcome: AnswerOutcome
    reply: Message | None = None   # shown privately to the person, if the platform can


class AnswersMixin(FollowUpsMixin):
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
            replied = await self._reply_in_thread(msg)
            if replied is not None:   # their reply to the follow-up asked in the thread
                return AnswerResult(replied.outcome, None if replied.outcome is
                                    AnswerOutcome.DUPLICATE else replied.message)
            outcome = await self._store_answer(msg, text)
        except StorageError as exc:
            self._to_ask.pop(id(msg), None)   # its claim was rolled back with the answer
            log.error("could not store an answer: %s", exc)
            return AnswerResult(AnswerOutcome.FAILED, reply(
                "I couldn't save that answer just now",
                "Nothing was recorded. Please send it again in a minute."))
        if isinstance(outcome, AnswerResult):
            return outcome
        await self._acknowledge(msg, outcome)
        if outcome is AnswerOutcome.RECORDED:
            await self._ask_follow_up(msg)
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
            subs: dict[int, Subscription | None] = {}
            for i in keep:   # each new answer claims its follow-up in the same commit
                answered = rounds[i]
                if results[i] is AnswerOutcome.RECORDED and answered is not None:
                    await self._claim_follow_up(conn, items[i][0], answered,
                                                person_of(i).id, now, subs)
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
