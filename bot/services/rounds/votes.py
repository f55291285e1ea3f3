"""Peer votes and lead adjustments on a channel's last revealed round.

A vote is +1 to an on-time answer, within ``vote_allowed``'s limits; a lead's award
(+/- points) or correction (set the round total) needs a reason and stays within
``LEAD_AWARD_LIMIT`` unless the lead is an admin. A refused adjustment raises ``Refused``
inside its transaction, so nothing of it (not even the lead's upsert) is kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.adapters.base import Actor, Message, reply
from bot.domain.rounds import Answer, Person, Round, RoundState
from bot.domain.scoring import LEAD_AWARD_LIMIT, Award, Board, Reason, vote_allowed
from bot.domain.subscriptions import ChannelRef, Subscription
from bot.services.rights import over_cap
from bot.services.rounds.base import RoundsBase
from bot.storage.repositories import Answers, People, Rounds, Scores, Subscriptions


class Refused(Exception):
    """Raised inside a transaction to roll it back and show ``message`` instead."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.title)
        self.message = message


class VotesMixin(RoundsBase):
    @staticmethod
    async def _last_answer(conn: Any, channel: ChannelRef, actor: Actor, about: Actor,
                           now: datetime, round_id: int | None = None
                           ) -> tuple[Subscription, Round, Person, Person | None,
                                      Answer | None] | None:
        """For votes and lead adjustments: the channel's last revealed round (or the revealed
        round ``round_id`` of this channel), the acting person (recorded), the person acted
        on and their answer; None without such a round."""
        sub = await Subscriptions(conn).for_channel(channel)
        if sub is None:
            return None
        if round_id is None:
            rnd = await Rounds(conn).latest_revealed(sub.id)
        else:
            rnd = await Rounds(conn).get(round_id)
            if rnd is not None and (rnd.subscription_id != sub.id
                                    or rnd.state is not RoundState.REVEALED):
                rnd = None
        if rnd is None:
            return None
        people = People(conn)
        me = await people.upsert(actor.platform, actor.workspace, actor.user_id,
                                 actor.display_name, now)
        target = await people.find(about.platform, about.workspace, about.user_id)
        answer = await Answers(conn).get(rnd.id, target.id) if target else None
        return sub, rnd, me, target, answer

    async def vote(self, voter: Actor, channel: ChannelRef, author: Actor, *,
                   round_id: int | None = None) -> Message:
        """A peer vote for ``author``'s answer in the channel's latest revealed round (or in
        round ``round_id``: a reaction names the answer, and so its round)."""
        now = self.clock.now()
        async with self.db.transaction() as conn:
            found = await self._last_answer(conn, channel, voter, author, now, round_id)
            if found is None:
                return reply("Nothing to vote on yet", "Votes open once a round is revealed.")
            sub, rnd, v, target, answer = found
            if target is None or answer is None or answer.late:
                return reply("No answer to vote for",
                             f"{author.display_name} has no on-time answer in "
                             f"{'that' if round_id else 'the last'} round.")
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
                                                     p.display_name), round_id=answer.round_id)

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
