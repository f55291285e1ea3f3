"""Follow-ups of the daily question: asked once a person's answer is stored, and, in a
channel that asks them in the thread, the person's next thread reply taken as the reply.

Asked privately by default (the platform's private note where the person answered, else a
direct message), in the thread when the channel chose it (``/channel followups thread``)
and answers are read from the thread, never when it chose ``off``. The ask is claimed in
the database before it is sent, so an answer stored twice asks once; an ask that cannot be
delivered is forgotten, so nobody is held to a question they never saw.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.adapters.base import IncomingMessage, PlatformError
from bot.domain.follow_ups import FollowUpMode
from bot.domain.questions import Question
from bot.domain.rounds import AnswerOutcome, Round
from bot.domain.subscriptions import Subscription
from bot.services import render
from bot.services.follow_ups import Replied
from bot.services.rounds.base import RoundsBase, log
from bot.storage.repositories import FollowUps, Subscriptions

#: threads whose "has follow-ups" is remembered; the oldest leaves first
THREADS_REMEMBERED = 4096


@dataclass(frozen=True, slots=True)
class _Ask:
    """A follow-up claimed with an answer, waiting for that answer's commit to be sent."""

    follow_up_id: int
    thread: bool
    round: Round
    sub: Subscription
    question: Question


class FollowUpsMixin(RoundsBase):
    if TYPE_CHECKING:  # taking answers (``AnswersMixin``, built over this) provides them
        @staticmethod
        async def _round_for(conn: Any, msg: IncomingMessage) -> Round | None: ...

        async def _acknowledge(self, msg: IncomingMessage, outcome: AnswerOutcome) -> None: ...

    async def _claim_follow_up(self, conn: Any, msg: IncomingMessage, rnd: Round,
                               person_id: int, now: datetime,
                               subs: dict[int, Subscription | None]) -> None:
        """In the transaction that records the answer: claim the round's follow-up for
        this person (once), if the channel asks them and there is somewhere to ask. The
        answer's own commit carries the claim, so a burst of answers costs no extra
        commits; ``_ask_follow_up`` sends it once that commit is done."""
        if rnd.subscription_id not in subs:
            subs[rnd.subscription_id] = await Subscriptions(conn).get(rnd.subscription_id)
        sub = subs[rnd.subscription_id]
        question = self.bank.get(rnd.question_id)
        platform = self.platforms.get(sub.channel.platform) if sub else None
        if sub is None or sub.follow_ups == FollowUpMode.OFF or question is None \
                or not question.follow_up or platform is None:
            return
        thread = (sub.follow_ups == FollowUpMode.THREAD and not sub.blind and not msg.private
                  and rnd.thread_id is not None and getattr(platform, "reads_replies", True))
        if not thread and not hasattr(platform, "ask_privately") and \
                not hasattr(platform, "tell"):
            return   # nowhere private to ask: nothing is claimed
        follow_up_id = await FollowUps(conn).claim(
            person_id, "daily", rnd.id, question.id, "thread" if thread else "private",
            rnd.thread_id if thread else None, now)
        if follow_up_id is not None:
            self._to_ask[id(msg)] = _Ask(follow_up_id, thread, rnd, sub, question)

    async def _ask_follow_up(self, msg: IncomingMessage) -> None:
        """Ask the follow-up claimed with this answer, now that it is committed."""
        ask = self._to_ask.pop(id(msg), None)
        if ask is None:
            return
        try:
            await self._ask(msg, ask)
        except Exception:  # the answer is stored and acknowledged: a follow-up never undoes it
            log.exception("asking a follow-up failed")

    async def _ask(self, msg: IncomingMessage, ask: _Ask) -> None:
        rnd, platform = ask.round, self.platforms.get(ask.sub.channel.platform)
        if ask.thread and rnd.thread_id:
            self._thread_follow_ups[rnd.thread_id] = True
        note = render.follow_up_question(ask.question, ask.follow_up_id, thread=ask.thread,
                                         user_id=msg.actor.user_id,
                                         name=msg.actor.display_name[:80])
        asker = getattr(platform, "ask_privately", None)
        teller = getattr(platform, "tell", None)
        try:
            if platform is None:
                raise PlatformError("the platform went away")
            if ask.thread:
                await platform.send(ask.sub.channel, note, thread_id=rnd.thread_id)
            elif asker is not None:
                await asker(msg, note)
            elif teller is not None:
                await teller(msg.actor.workspace, msg.actor.user_id, note)
        except PlatformError as exc:
            log.warning("could not ask the follow-up of round %s: %s", rnd.id, exc)
            await self.follow_ups.unclaim(ask.follow_up_id)

    async def _reply_in_thread(self, msg: IncomingMessage) -> Replied | None:
        """A thread reply that answers the person's pending thread follow-up (or edits
        their reply to it): stored as that reply, never as a second daily answer. None when
        it is not one (then it is an answer, as ever: an edit of the answer included)."""
        if msg.thread_id is None or msg.round_id is not None:
            return None
        known = self._thread_follow_ups.get(msg.thread_id)
        if known is None:
            # one look-up per thread, shared by a burst of replies arriving together
            check = self._thread_checks.get(msg.thread_id)
            if check is None:
                check = asyncio.ensure_future(self.follow_ups.any_in_thread(msg.thread_id))
                self._thread_checks[msg.thread_id] = check
            try:
                known = await asyncio.shield(check)
            finally:
                if check.done() and self._thread_checks.get(msg.thread_id) is check:
                    del self._thread_checks[msg.thread_id]
            if len(self._thread_follow_ups) >= THREADS_REMEMBERED:
                self._thread_follow_ups.pop(next(iter(self._thread_follow_ups)))
            self._thread_follow_ups.setdefault(msg.thread_id, known)
            known = self._thread_follow_ups[msg.thread_id]
        if not known:
            return None
        follow_up_id = await self.follow_ups.in_thread(msg.actor, msg.thread_id,
                                                       msg.message_id)
        if follow_up_id is None:
            return None
        replied = await self.follow_ups.reply(msg.actor, msg.text, follow_up_id=follow_up_id,
                                              message_id=msg.message_id,
                                              event_id=msg.event_id, edited=msg.edited)
        if replied.outcome in (AnswerOutcome.RECORDED, AnswerOutcome.REPLACED):
            await self._acknowledge(msg, replied.outcome)
        return replied
