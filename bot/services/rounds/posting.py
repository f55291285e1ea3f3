"""Posting a round: the daily post, a lead's "post now", and what a post can run into.

The round row is inserted before its post, keyed by (subscription, local date), so no
trigger posts twice; the post's id is committed before anything else is done with it. A
subscription whose time zone does not load is stopped and its lead told; a post refused
for good (not in the channel, no permission) is told to the lead once. Replies held while
the post was going out become answers once it lands (``AnswersMixin._adopt_strays``).
"""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.adapters.base import ChatPlatform, Message, PlatformError, Sent, reply
from bot.domain.rounds import Round
from bot.domain.selection import pick_question
from bot.domain.subscriptions import Slot, Subscription
from bot.services import render
from bot.services.rounds.answers import AnswersMixin
from bot.services.rounds.base import _where, log
from bot.storage.repositories import Rounds, Subscriptions


class PostingMixin(AnswersMixin):
    async def post_due(self, subscription_id: int) -> Round | None:
        """Post the subscription's current slot if it is due and not posted yet (idempotent).
        This is what the per-subscription cron job and the sweeper call."""
        async with self.db.reading() as conn:
            sub = await Subscriptions(conn).get(subscription_id)
        if sub is None or not sub.scheduled or not self._running(sub) or \
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

    async def _open_round(self, sub: Subscription, slot: Slot) -> Round | None:
        async with self.db.reading() as conn:   # most looks find it posted: no wait at the gate
            rnd = await Rounds(conn).on_date(sub.id, slot.local_date)
        if rnd is not None:
            return rnd
        async with self._holding(sub) as waited:
            if waited:   # for another post of the channel, which may have been this one
                async with self.db.reading() as conn:
                    rnd = await Rounds(conn).on_date(sub.id, slot.local_date)
                if rnd is not None:
                    return rnd
            async with self._sending(sub):
                if self.clock.now() >= slot.deadline:
                    log.warning("subscription %s: the %s post waited at the gate past its "
                                "deadline; not posted", sub.id, slot.local_date)
                    return None
                created = False
                async with self.db.transaction() as conn:
                    rounds = Rounds(conn)
                    rnd = await rounds.on_date(sub.id, slot.local_date)
                    if rnd is None:
                        pool = [q.id for q in self.bank.filtered(sub.topics, sub.levels)]
                        asked = await rounds.asked_question_ids(sub.id)
                        qid = pick_question(pool, asked,
                                            f"{self.seed}:{sub.id}:{slot.local_date}")
                        if qid is None:
                            log.warning("subscription %s: no question matches its filters",
                                        sub.id)
                            return None
                        rnd = await rounds.create(sub.id, slot.local_date, qid, slot.opens_at,
                                                  slot.deadline)
                        if rnd is not None:
                            created = True
                # A round left in 'posting' by an earlier failure is retried by the sweeper
                # alone, so one sweep never makes two attempts.
                if rnd is not None and created:
                    return await self._publish(sub, rnd, first=True)
                return rnd

    async def _publish(self, sub: Subscription, rnd: Round, *, first: bool = False) -> Round:
        """Post the round and record it. ``first``: the round was just inserted, with this
        attempt counted (``Rounds.create``); a retry counts its own."""
        platform = self.platforms.get(sub.channel.platform)
        question = self.bank.get(rnd.question_id)
        if platform is None or question is None:
            log.error("round %s cannot be posted (platform or question missing)", rnd.id)
            return rnd
        message = render.daily_question(question, rnd, sub,
                                        thread_answers=getattr(platform, "reads_replies", True))
        threaded = getattr(platform, "start_thread", None) is not None
        try:
            sent = await self._send_question(platform, sub, rnd, message, first=first,
                                             record=threaded)
            thread_id = await self._thread_for(platform, sub, sent, message.title)
        except PlatformError as exc:
            log.warning("posting round %s failed (%s); the sweeper will retry", rnd.id, exc)
            if not exc.retryable:
                await self._tell_lead(sub, rnd, platform, exc)
            return rnd
        async with self.db.transaction() as conn:
            posted = await Rounds(conn).mark_posted(rnd.id, sent.message_id, thread_id,
                                                    self.clock.now()) \
                or await Rounds(conn).get(rnd.id)
        assert posted is not None
        await self._adopt_strays(sub.channel, thread_id)
        return posted

    async def _send_question(self, platform: ChatPlatform, sub: Subscription, rnd: Round,
                             message: Message, *, first: bool, record: bool) -> Sent:
        """The round's post: the one already recorded, the one an interrupted attempt made,
        or a new one, whose id is committed before anything else is done with it: here
        (``record``) when a thread is to be opened on it next, else by the caller's
        mark_posted, which is then the next thing done."""
        if rnd.message_id is not None:
            return Sent(rnd.message_id, rnd.message_id)
        if first:   # counted with the round's insert: no attempt came before
            earlier_attempts = 0
        else:
            async with self.db.transaction() as conn:
                earlier_attempts = await Rounds(conn).count_post_attempt(rnd.id)
        sent = await self._find_sent(platform, sub.channel, message.key) \
            if earlier_attempts else None
        if sent is None:
            sent = await platform.send(sub.channel, message)
        if record:
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
