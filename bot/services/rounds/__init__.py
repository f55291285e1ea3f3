"""The daily loop: post each channel's question, take answers, reveal at the deadline.

Reliability contract (see DESIGN.md): a round row is inserted before its post, keyed by
(subscription, local date), so no trigger posts twice; points are committed before the reveal
post, so a crash between the two re-posts the reveal but never pays twice; every answer is
acknowledged only after its transaction commits.

``RoundService`` is composed of one mixin per use case, over ``RoundsBase`` (the shared
state: database, bank, platforms, clock, judge, the answer writer and its open-round cache):

- ``posting``: the daily post and a lead's "post now";
- ``answers``: taking answers, the group-commit writer, stray replies;
- ``follow_ups``: the follow-up asked once an answer is stored, and thread replies to it;
- ``threads``: what adapters ask about rounds' threads;
- ``reveal``: grading, paying and posting the reveal; full results;
- ``votes``: peer votes and lead adjustments (``Refused``);
- ``sweeps``: the sweeper, reminders and archiving.
"""

from __future__ import annotations

from bot.services.rounds.answers import ANSWER_BATCH, OPEN_ROUND_CACHE, AnswerResult, AnswersMixin
from bot.services.rounds.base import RoundsBase
from bot.services.rounds.posting import PostingMixin
from bot.services.rounds.reveal import RevealMixin
from bot.services.rounds.sweeps import REMINDER_AHEAD, STRAY_KEEP, VOTING_WINDOW, SweepsMixin
from bot.services.rounds.threads import ThreadsMixin
from bot.services.rounds.votes import Refused, VotesMixin

__all__ = [
    "ANSWER_BATCH",
    "OPEN_ROUND_CACHE",
    "REMINDER_AHEAD",
    "STRAY_KEEP",
    "VOTING_WINDOW",
    "AnswerResult",
    "Refused",
    "RoundService",
    "RoundsBase",
]


class RoundService(SweepsMixin, PostingMixin, AnswersMixin, ThreadsMixin, RevealMixin,
                   VotesMixin):
    """Posts each channel's daily question, takes answers, reveals and pays at the deadline."""
