"""Reviewing: the leads' queue of open appeals and flags, and the decisions.

Accepting an appeal writes one correction row in the ledger pointing at the result's
original row (its coverage points, else its participation point; a practice result that
earned nothing has no row, so its correction stands alone), through ``Scores`` so the
leaderboard totals change in the same transaction and a rebuild agrees with them.
Rejecting writes no points. Either way the decision is kept, made once, and the person is
told by direct message after the commit (a failure to tell is logged and shown to the lead;
``/appeal`` alone shows the person their decisions).
"""

from __future__ import annotations

from bot.adapters.base import Actor, Message, refusal, reply
from bot.domain.appeals import Appeal, AppealState, check_reason, correction_problem, parse_ref
from bot.domain.parsing import InputError
from bot.domain.scoring import LEAD_AWARD_LIMIT, Award, Board, Reason
from bot.domain.subscriptions import ChannelRef
from bot.domain.text import clip, count, defuse
from bot.services import appeal_views
from bot.services.appeals.base import AppealsBase
from bot.services.rights import OWN_POINTS, over_cap
from bot.services.rounds import Refused
from bot.storage.connection import Connection
from bot.storage.repositories import Appeals, Flags, People, Scores

#: ledger rows whose points are the grade's (what an appeal can add to)
GRADE_REASONS = {Reason.COVERAGE.value, Reason.PRACTICE.value, Reason.CORRECTION.value}
LEAD_REASONS = {Reason.LEAD_AWARD.value, Reason.CORRECTION.value}


def _elsewhere(platform: str, workspace: str, channel: str) -> ChannelRef:
    return ChannelRef(platform, workspace, channel)


class ReviewMixin(AppealsBase):
    async def queue(self, actor: Actor, channel: ChannelRef) -> Message:
        """Open appeals and flags: a channel lead's of this channel, an admin's of the
        whole workspace (a practice appeal made in a direct message has no channel lead)."""
        if refused := await self.rights.channel(actor, channel):
            return refused
        scope = None if actor.is_admin else channel.channel
        async with self.db.reading() as conn:
            appeals = await Appeals(conn).open_in(channel.platform, channel.workspace, scope)
            flags = await Flags(conn).open_in(channel.platform, channel.workspace, scope)
        where = "in this workspace" if actor.is_admin else "in this channel"
        return appeal_views.queue(appeals, flags, where)

    async def _out_of_reach(self, actor: Actor, here: ChannelRef,
                            where: tuple[str, str, str] | None,
                            missing: Message) -> Message | None:
        """None when an appeal or flag (its platform, workspace and channel) is in this
        workspace and the actor may review its channel; else the refusal (``missing``
        when it is not here at all)."""
        if where is None or where[:2] != (here.platform, here.workspace):
            return missing
        if where[2] != here.channel:
            return await self.rights.channel(actor, _elsewhere(*where))
        return None

    async def accept(self, actor: Actor, channel: ChannelRef, ref: str, points: int,
                     note: str) -> Message:
        return await self._decide(actor, channel, ref, note, points)

    async def reject(self, actor: Actor, channel: ChannelRef, ref: str, note: str) -> Message:
        return await self._decide(actor, channel, ref, note, None)

    async def _decide(self, actor: Actor, channel: ChannelRef, ref: str, note: str,
                      points: int | None) -> Message:
        if refused := await self.rights.channel(actor, channel):
            return refused
        try:
            appeal_id = parse_ref(ref, "A")
            note = check_reason(note, "note")
        except InputError as exc:
            return refusal("Nothing was decided", f"{exc}\nNothing was changed.")
        async with self.db.reading() as conn:
            appeal = await Appeals(conn).get(appeal_id)
        if refused := await self._out_of_reach(
                actor, channel,
                (appeal.platform, appeal.workspace, appeal.channel) if appeal else None,
                refusal(f"No appeal A{appeal_id} here", "The queue (/appeals) lists the "
                        "open ones. Nothing was changed.")):
            return refused
        assert appeal is not None   # in reach, so found
        now = self.clock.now()
        try:
            async with self.db.transaction() as conn:
                me = await People(conn).upsert(actor.platform, actor.workspace, actor.user_id,
                                               actor.display_name, now)
                decided = await self._record(conn, actor, me.id, appeal_id, note, points)
        except Refused as refused_:   # rolled back: the lead's upsert is undone too
            return refused_.message
        problem = await self._tell(decided.platform, decided.workspace, decided.user_id,
                                   appeal_views.decision(decided))
        if problem is None:
            async with self.db.transaction() as conn:
                await Appeals(conn).mark_told(decided.id, self.clock.now())
        told = (f"{decided.person_name} was told by direct message." if problem is None else
                f"I could not tell {decided.person_name} ({problem[:80]}); /appeal shows "
                "them the decision.")
        what = appeal_views.result_name(decided)
        if decided.state is AppealState.ACCEPTED:
            return reply(f"Appeal {decided.ref} accepted",
                         f"{decided.person_name} gets +{count(decided.points, 'point')} for "
                         f"{what}: ledger row {decided.correction_id} corrects their result. "
                         + told)
        return reply(f"Appeal {decided.ref} rejected",
                     f"{decided.person_name}'s points for {what} stay as they were. " + told)

    async def _record(self, conn: Connection, actor: Actor, me: int,
                      appeal_id: int, note: str, points: int | None) -> Appeal:
        """Decide the appeal inside the caller's transaction; Refused rolls it back."""
        now = self.clock.now()
        appeals = Appeals(conn)
        appeal = await appeals.get(appeal_id)
        assert appeal is not None
        if appeal.state is not AppealState.OPEN:
            raise Refused(refusal(f"{appeal.ref} was {appeal.state.value} already",
                                  "An appeal is decided once. Nothing was changed."))
        if appeal.person_id == me:
            raise Refused(OWN_POINTS)
        if points is None:
            await appeals.decide(appeal.id, AppealState.REJECTED, me, now, note)
        else:
            correction = await self._correct(conn, actor, me, appeal, points, note)
            await appeals.decide(appeal.id, AppealState.ACCEPTED, me, now, note, points,
                                 correction)
        decided = await appeals.get(appeal.id)
        assert decided is not None
        return decided

    async def _correct(self, conn: Connection, actor: Actor, me: int,
                       appeal: Appeal, points: int, note: str) -> int:
        """The correction row for an accepted appeal, within bounds; its id."""
        question = self.bank.get(appeal.question_id)
        if question is None:
            raise Refused(refusal("That question left the bank",
                                  "Its points cannot be weighed any more; reject the appeal "
                                  "with a note. Nothing was changed."))
        rows = await Appeals(conn).paid_rows(appeal)
        paid = max(0, sum(int(r["points"]) for r in rows if r["reason"] in GRADE_REASONS))
        if problem := correction_problem(points, paid, question.difficulty):
            raise Refused(refusal("That correction is out of bounds",
                                  f"{problem} Nothing was changed."))
        used = sum(abs(int(r["points"])) for r in rows
                   if r["actor_id"] == me and r["reason"] in LEAD_REASONS)
        if not actor.is_admin and used + points > LEAD_AWARD_LIMIT:
            raise Refused(over_cap(used, points))
        scores = Scores(conn, self.totals_tz)
        now = self.clock.now()
        why = f"appeal {appeal.ref}: {note}"
        if rows:
            return await scores.correct(int(rows[0]["id"]), points, why, me, now)
        return await scores.standalone_correction(
            Award(appeal.person_id, points, Reason.CORRECTION, why), board=Board.PRACTICE,
            actor_id=me, at=now)

    async def close(self, actor: Actor, channel: ChannelRef, ref: str, note: str) -> Message:
        """Close a flag with a note (the bank was fixed, or the answer stands)."""
        if refused := await self.rights.channel(actor, channel):
            return refused
        try:
            flag_id = parse_ref(ref, "F")
            note = check_reason(note, "note")
        except InputError as exc:
            return refusal("Nothing was closed", f"{exc}\nNothing was changed.")
        async with self.db.reading() as conn:
            row = await Flags(conn).get(flag_id)
        if refused := await self._out_of_reach(
                actor, channel,
                (row["platform"], row["workspace"], row["channel"]) if row else None,
                refusal(f"No flag F{flag_id} here", "The queue (/appeals) lists the open "
                        "ones. Nothing was changed.")):
            return refused
        assert row is not None   # in reach, so found
        now = self.clock.now()
        try:
            async with self.db.transaction() as conn:
                me = await People(conn).upsert(actor.platform, actor.workspace, actor.user_id,
                                               actor.display_name, now)
                if not await Flags(conn).close(flag_id, me.id, now, note):
                    raise Refused(refusal(f"F{flag_id} was closed already",
                                          "Nothing was changed."))
        except Refused as refused_:
            return refused_.message
        return reply(f"Flag F{flag_id} closed",
                     f"On {row['question_id']}: {clip(defuse(note), 200)}")
