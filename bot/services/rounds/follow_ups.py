"""Follow-ups of the daily question: asked once a person's answer is stored, and, in a
channel that asks them in the thread, the person's next thread reply taken as the reply.

Asked privately by default (the platform's private note where the person answered, else a
direct message), in the thread when the channel chose it (``/channel followups thread``)
and answers are read from the thread, never when it chose ``off``. The ask is claimed in
the database before it is sent, so an answer stored twice asks once; an ask that cannot be
delivered is forgotten, so nobody is held to a question they never saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.adapters.base import IncomingMessage, PlatformError
from bot.domain.follow_ups import FollowUpMode
from bot.domain.rounds import AnswerOutcome, Round
from bot.services import render
from bot.services.follow_ups import Replied
from bot.services.rounds.base import RoundsBase, log
from bot.storage.repositories import Subscriptions


class FollowUpsMixin(RoundsBase):
    if TYPE_CHECKING:  # taking answers (``AnswersMixin``, built over this) provides them
        @staticmethod
        async def _round_for(conn: Any, msg: IncomingMessage) -> Round | None: ...

        async def _acknowledge(self, msg: IncomingMessage, outcome: AnswerOutcome) -> None: ...

    async def _ask_follow_up(self, msg: IncomingMessage) -> None:
        """Ask the round's follow-up of the person who just answered (once)."""
        try:
            await self._ask(msg)
        except Exception:  # the answer is stored and acknowledged: a follow-up never undoes it
            log.exception("asking a follow-up failed")

    async def _ask(self, msg: IncomingMessage) -> None:
        async with self.db.reading() as conn:
            rnd = await self._round_for(conn, msg)
            sub = await Subscriptions(conn).get(rnd.subscription_id) if rnd else None
        if rnd is None or sub is None or sub.follow_ups == FollowUpMode.OFF:
            return
        question = self.bank.get(rnd.question_id)
        platform = self.platforms.get(sub.channel.platform)
        if question is None or not question.follow_up or platform is None:
            return
        thread = (sub.follow_ups == FollowUpMode.THREAD and not sub.blind and not msg.private
                  and rnd.thread_id is not None and getattr(platform, "reads_replies", True))
        asker = getattr(platform, "ask_privately", None)
        teller = getattr(platform, "tell", None)
        if not thread and asker is None and teller is None:
            return   # nowhere private to ask: nothing is claimed
        follow_up_id = await self.follow_ups.claim(
            msg.actor, "daily", rnd.id, question, "thread" if thread else "private",
            rnd.thread_id if thread else None)
        if follow_up_id is None:
            return
        note = render.follow_up_question(question, follow_up_id, thread=thread,
                                         user_id=msg.actor.user_id,
                                         name=msg.actor.display_name[:80])
        try:
            if thread:
                await platform.send(sub.channel, note, thread_id=rnd.thread_id)
            elif asker is not None:
                await asker(msg, note)
            elif teller is not None:
                await teller(msg.actor.workspace, msg.actor.user_id, note)
        except PlatformError as exc:
            log.warning("could not ask the follow-up of round %s: %s", rnd.id, exc)
            await self.follow_ups.unclaim(follow_up_id)

    async def _reply_in_thread(self, msg: IncomingMessage) -> Replied | None:
        """A thread reply that answers the person's pending thread follow-up (or edits
        their reply to it): stored as that reply, never as a second daily answer. None when
        it is not one (then it is an answer, as ever: an edit of the answer included)."""
        if msg.thread_id is None or msg.round_id is not None:
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
