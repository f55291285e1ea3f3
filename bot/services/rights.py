"""Who may do what: the one place quizbot decides it.

Powers, from the widest:

- **workspace admins** (the platform says so: Slack admins and owners, Discord members with
  Manage Server, the console's lead) may do everything;
- a **team's leads** (appointed by an admin with ``/team lead``) manage that team: its
  members, its report and its export, and the points of its members;
- a **channel's leads** (given the channel by an admin with ``/channel lead``) run that
  channel's daily question: its schedule, filters, blind mode and follow-ups, and review
  its appeals and flags (see ``bot.services.appeals`` for why them);
- **everyone** plays: answers, practises, votes, reads boards, results and stats.

Nobody changes their own points, and a lead who is not an admin may move one person's
points in one round by at most ``LEAD_AWARD_LIMIT`` in all (see ``RoundService.adjust``).
Every check runs before anything is written, so a refusal leaves the database as it was.
"""

from __future__ import annotations

from enum import StrEnum

from bot.adapters.base import Actor, Message, refusal
from bot.domain.scoring import LEAD_AWARD_LIMIT
from bot.domain.subscriptions import ChannelRef
from bot.storage.db import Database
from bot.storage.leads import Leads
from bot.storage.repositories import People, TeamRow, Teams


class Power(StrEnum):
    """Who, besides workspace admins, may run a command."""

    EVERYONE = "everyone"
    TEAM_LEAD = "that team's leads"
    MEMBERS_LEAD = "leads of the person's team"
    CHANNEL_LEAD = "that channel's leads"
    ADMIN = "admins only"


#: the matrix: every command (and /team and /channel action) and who may run it. The README's
#: "Who may do what" table is checked against it, and the permission tests walk every row.
MATRIX: dict[str, Power] = {
    "help": Power.EVERYONE,
    "topics": Power.EVERYONE,
    "quiz": Power.EVERYONE,
    "quiz review": Power.EVERYONE,
    "quiz rate": Power.EVERYONE,
    "quiz remind": Power.EVERYONE,
    "quiz interview": Power.EVERYONE,
    "followup": Power.EVERYONE,
    "leaderboard": Power.EVERYONE,
    "stats": Power.EVERYONE,
    "results": Power.EVERYONE,
    "schedule": Power.EVERYONE,
    "vote": Power.EVERYONE,
    "appeal": Power.EVERYONE,
    "flag": Power.EVERYONE,
    "team list": Power.EVERYONE,
    "team show": Power.EVERYONE,
    "team digest": Power.EVERYONE,   # a lead's own direct messages
    "team add": Power.TEAM_LEAD,
    "team remove": Power.TEAM_LEAD,
    "team report": Power.TEAM_LEAD,
    "team export": Power.TEAM_LEAD,
    "award": Power.MEMBERS_LEAD,
    "correct": Power.MEMBERS_LEAD,
    "subscribe": Power.CHANNEL_LEAD,
    "unsubscribe": Power.CHANNEL_LEAD,
    "post": Power.CHANNEL_LEAD,
    "channel topics": Power.CHANNEL_LEAD,
    "channel levels": Power.CHANNEL_LEAD,
    "channel blind": Power.CHANNEL_LEAD,
    "appeals": Power.CHANNEL_LEAD,
    "accept": Power.CHANNEL_LEAD,
    "reject": Power.CHANNEL_LEAD,
    "close": Power.CHANNEL_LEAD,
    "channel followups": Power.CHANNEL_LEAD,
    "team create": Power.ADMIN,
    "team rename": Power.ADMIN,
    "team delete": Power.ADMIN,
    "team lead": Power.ADMIN,
    "team unlead": Power.ADMIN,
    "team follow": Power.ADMIN,
    "team unfollow": Power.ADMIN,
    "channel lead": Power.ADMIN,
    "channel unlead": Power.ADMIN,
}

ADMINS_ONLY = refusal("Only a workspace admin can do that",
                      "Creating, renaming and deleting teams and appointing leads is for "
                      "workspace admins. Nothing was changed.")
NOT_TEAM_LEAD = refusal("Only this team's leads can do that",
                        "A team's members, report and export are managed by its leads and "
                        "workspace admins. Nothing was changed.")
NOT_CHANNEL_LEAD = refusal("Only this channel's leads can do that",
                           "A channel's daily question is run by workspace admins and the "
                           "leads an admin gave the channel to (/channel lead PERSON). "
                           "Nothing was changed.")
NOT_MEMBERS_LEAD = refusal("Only their team's leads can change their points",
                           "Leads adjust points for members of a team they lead; admins for "
                           "anyone. Nothing was changed.")
OWN_POINTS = refusal("You cannot change your own points",
                     "Ask another lead or an admin. Nothing was changed.")


def over_cap(already: int, change: int) -> Message:
    left = max(0, LEAD_AWARD_LIMIT - already)
    return refusal("That is over a lead's limit for this round",
                   f"A lead may move one person's points in one round by {LEAD_AWARD_LIMIT} "
                   f"in all; {already} used, {left} left. An admin can do more. "
                   "Nothing was changed.")


class Rights:
    """Answers "may this person do that here?" from the platform's word on admins and the
    appointments in the database. Each check returns the refusal to show, or None."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def admin(self, actor: Actor) -> Message | None:
        return None if actor.is_admin else ADMINS_ONLY

    async def team(self, actor: Actor, team: TeamRow) -> Message | None:
        if actor.is_admin:
            return None
        async with self.db.reading() as conn:
            me = await People(conn).find(actor.platform, actor.workspace, actor.user_id)
            allowed = me is not None and await Teams(conn).leads_team(me.id, team.id)
        return None if allowed else NOT_TEAM_LEAD

    async def channel(self, actor: Actor, channel: ChannelRef) -> Message | None:
        if actor.is_admin:
            return None
        async with self.db.reading() as conn:
            me = await People(conn).find(actor.platform, actor.workspace, actor.user_id)
            allowed = me is not None and await Leads(conn).leads_channel(me.id, channel)
        return None if allowed else NOT_CHANNEL_LEAD

    async def points_of(self, actor: Actor, person: Actor) -> Message | None:
        """May ``actor`` award or correct ``person``'s points?"""
        if (actor.platform, actor.workspace, actor.user_id) == \
                (person.platform, person.workspace, person.user_id):
            return OWN_POINTS
        if actor.is_admin:
            return None
        async with self.db.reading() as conn:
            people = People(conn)
            me = await people.find(actor.platform, actor.workspace, actor.user_id)
            them = await people.find(person.platform, person.workspace, person.user_id)
            allowed = me is not None and them is not None and \
                await Leads(conn).leads_team_of(me.id, them.id)
        return None if allowed else NOT_MEMBERS_LEAD
