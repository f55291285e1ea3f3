"""Appeals of results and flags on reference answers, and the leads who review them.

A person appeals their own result (a daily round's graded answer, once revealed, or a
practice attempt) with a reason; anyone flags a question's reference answer as wrong or
outdated with a note. Both land in the review queue of the channel's leads (of the channel
whose round it was, or where a practice appeal or a flag was made), who accept an appeal
with a points correction, reject it with a note, or close a flag.

Who reviews: the **channel's leads** (and workspace admins), not team leads. An appeal is
about a question a channel asked and how it was graded; the people who run that channel's
question know it, and a person's team lead may not lead the channel at all. The rules that
hold for every change of points hold here too: nobody decides their own appeal, and a lead
who is not an admin stays within the per-round limit of awards and corrections.

``AppealService`` is composed of ``filing`` (appeals and flags people make) and ``review``
(the queue and the decisions), over ``AppealsBase``.
"""

from __future__ import annotations

from bot.services.appeals.base import AppealsBase
from bot.services.appeals.filing import FilingMixin
from bot.services.appeals.review import ReviewMixin

__all__ = ["AppealService", "AppealsBase"]


class AppealService(FilingMixin, ReviewMixin):
    """Appeals and flags: filing them, the leads' queue, and the decisions."""
