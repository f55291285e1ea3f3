"""Filing: a person appeals their own result, or flags a question's reference answer.

Each check runs before anything is written, so a refusal (no such result of theirs, a round
not revealed yet, an empty or huge reason) changes nothing. An appeal is keyed by (person,
result) and an open flag by (person, question), so a form submitted twice, or a platform's
retry, counts once.
"""

from __future__ import annotations

from datetime import date

from bot.adapters.base import Actor, Message, refusal, reply
from bot.domain.appeals import check_reason
from bot.domain.parsing import InputError
from bot.domain.rounds import Person
from bot.domain.subscriptions import ChannelRef
from bot.services import appeal_views
from bot.services.appeal_views import Source
from bot.services.appeals.base import AppealsBase
from bot.storage.connection import Connection
from bot.storage.repositories import Appeals, Flags, People, Rounds, Subscriptions

#: a result an appeal names: (source, id, question id, (platform, workspace, channel))
Result = tuple[Source, int, str, tuple[str, str, str]]

NOT_YOURS = refusal("No result of yours to appeal there",
                    "You can appeal your own graded answer once its round is revealed, or "
                    "your own practice result. Nothing was changed.")


class FilingMixin(AppealsBase):
    async def appeal(self, actor: Actor, channel: ChannelRef, reason: str, *,
                     result: str = "last", on: tuple[Source, int] | None = None) -> Message:
        """Appeal the actor's own result: the one a button names (``on``), else ``result``
        as typed: "last" (their latest result here, daily or practice) or a round's date."""
        try:
            reason = check_reason(reason)
            day = None if on is not None or result.lower() == "last" else _date(result)
        except InputError as exc:
            return refusal("That appeal was not sent", f"{exc}\nNothing was changed.")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            person = await People(conn).find(actor.platform, actor.workspace, actor.user_id)
            found = await self._result(conn, person, channel, on, day) if person else None
            if person is None or found is None:
                return NOT_YOURS
            source, source_id, question_id, where = found
            appeals = Appeals(conn)
            appeal_id = await appeals.create(person.id, source, source_id, question_id, where,
                                             reason, now)
            if appeal_id is None:
                existing = await appeals.of_result(person.id, source, source_id)
                assert existing is not None
                return refusal("You appealed this result already",
                               f"{existing.ref} is {existing.state.value}; an appeal is decided "
                               "once. Nothing was changed.")
        return reply(f"Appeal A{appeal_id} sent to the leads",
                     "They accept it with a points correction or reject it with a note, and "
                     "you are told either way. /appeal alone lists your appeals.")

    async def check_appeal(self, actor: Actor, channel: ChannelRef,
                           on: tuple[Source, int]) -> Message | None:
        """Before a form opens: None when the actor may appeal that result, else why not."""
        async with self.db.reading() as conn:
            person = await People(conn).find(actor.platform, actor.workspace, actor.user_id)
            found = await self._result(conn, person, channel, on, None) if person else None
            if person is None or found is None:
                return NOT_YOURS
            existing = await Appeals(conn).of_result(person.id, on[0], on[1])
        if existing is not None:
            return refusal("You appealed this result already",
                           f"{existing.ref} is {existing.state.value}. Nothing was changed.")
        return None

    async def _result(self, conn: Connection, person: Person, channel: ChannelRef,
                      on: tuple[Source, int] | None, day: date | None) -> Result | None:
        if on is not None:
            return await self._named(conn, person, channel, on)
        appeals = Appeals(conn)
        sub = await Subscriptions(conn).for_channel(channel)
        daily = await appeals.latest_daily(sub.id, person.id, day) if sub else None
        practice = None if day else await appeals.latest_practice(person.id)
        if daily is not None and (practice is None or
                                  str(daily["revealed_at"]) >= str(practice["answered_at"])):
            return await self._named(conn, person, channel, ("daily", int(daily["id"])))
        if practice is not None:
            return await self._named(conn, person, channel, ("practice", int(practice["id"])))
        return None

    @staticmethod
    async def _named(conn: Connection, person: Person, channel: ChannelRef,
                     on: tuple[Source, int]) -> Result | None:
        appeals = Appeals(conn)
        source, source_id = on
        if source == "daily":
            row = await appeals.daily_result(source_id, person.id)
            return (source, source_id, row["question_id"],
                    (row["platform"], row["workspace"], row["channel_id"])) if row else None
        row = await appeals.practice_result(source_id, person.id)
        return (source, source_id, row["question_id"],
                (channel.platform, channel.workspace, channel.channel)) if row else None

    async def mine(self, actor: Actor) -> Message:
        """The actor's own appeals and what became of them."""
        async with self.db.reading() as conn:
            person = await People(conn).find(actor.platform, actor.workspace, actor.user_id)
            appeals = await Appeals(conn).of_person(person.id) if person else []
        return appeal_views.own_appeals(appeals)

    async def flag(self, actor: Actor, channel: ChannelRef, question: str,
                   note: str) -> Message:
        """Flag a question's reference answer as wrong or outdated: the question by its id
        (or "last": this channel's latest revealed question), with a note for the leads."""
        try:
            note = check_reason(note, "note")
        except InputError as exc:
            return refusal("That flag was not sent", f"{exc}\nNothing was changed.")
        now = self.clock.now()
        async with self.db.transaction() as conn:
            question_id = await self._question(conn, channel, question.strip())
            if question_id is None:
                return refusal(f"No question called '{question.strip()[:60]}'",
                               "Name it by the id in a reveal's footer (/flag ID NOTE), or "
                               "/flag last NOTE for this channel's latest reveal. Nothing was "
                               "changed.")
            person = await People(conn).upsert(actor.platform, actor.workspace, actor.user_id,
                                               actor.display_name, now)
            flags = Flags(conn)
            where = (channel.platform, channel.workspace, channel.channel)
            flag_id = await flags.create(person.id, question_id, where, note, now)
            if flag_id is None:
                existing = await flags.open_of(person.id, question_id)
                which = existing.ref if existing else "Your flag"
                return refusal("You flagged this question already",
                               f"{which} is still open. Nothing was changed.")
        return reply(f"Flag F{flag_id} sent", f"Thanks: the leads see it in their queue and "
                     f"the bank's maintainers in `quizbot questions flags` ({question_id}).")

    async def _question(self, conn: Connection, channel: ChannelRef,
                        word: str) -> str | None:
        if word.lower() != "last":
            return word if self.bank.get(word) is not None else None
        sub = await Subscriptions(conn).for_channel(channel)
        rnd = await Rounds(conn).latest_revealed(sub.id) if sub else None
        return rnd.question_id if rnd and self.bank.get(rnd.question_id) else None


def _date(word: str) -> date:
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise InputError(f"'{word[:30]}' is not a result: say last, or a round's date "
                         "(YYYY-MM-DD).") from None
