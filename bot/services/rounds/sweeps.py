"""The sweeper and the jobs it runs: reminders, posting and reveals that fell due, archiving.

``sweep`` runs at start-up and every minute and finishes whatever fell due or failed:
rounds stuck in 'posting' (retried, or adopted or dropped once their window closed), due
posts, streak reminders, reveals, thread archiving, and forgetting stray replies to posts
that never landed. Each step is isolated, so one subscription's failure stops no other.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from itertools import chain, zip_longest

from bot.adapters.base import PlatformError, Sent
from bot.domain.rounds import Round, RoundState
from bot.domain.subscriptions import Subscription
from bot.services import render
from bot.services.rounds.base import log
from bot.services.rounds.posting import PostingMixin
from bot.services.rounds.reveal import RevealMixin
from bot.storage.repositories import Answers, Rounds, Strays, Subscriptions

REMINDER_AHEAD = timedelta(hours=1)
VOTING_WINDOW = timedelta(hours=24)
STRAY_KEEP = timedelta(days=2)


class SweepsMixin(PostingMixin, RevealMixin):
    async def remind_due(self) -> None:
        """An hour before a deadline, nudge people whose streak would break (once a round)."""
        now = self.clock.now()
        async with self.db.reading() as conn:
            rounds = await Rounds(conn).needing_reminder(now, REMINDER_AHEAD)
        for rnd in rounds:
            async with self._isolated("the reminder", rnd.subscription_id, rnd.id):
                async with self.db.transaction() as conn:
                    sub = await Subscriptions(conn).get(rnd.subscription_id)
                    if sub is None or not self._running(sub) or \
                            not await Rounds(conn).mark_reminded(rnd.id, now):
                        continue
                    answered = {a.person.id for a in await Answers(conn).for_round(rnd.id)}
                    previous = await Rounds(conn).before(sub.id, rnd.local_date)
                    at_risk = [a.person for a in await Answers(conn).for_round(previous.id)
                               if not a.late and a.person.id not in answered] if previous else []
                platform = self.platforms.get(sub.channel.platform)
                if not at_risk or platform is None:   # (it runs: _running said so)
                    continue
                message = render.reminder(rnd, [p.display_name for p in at_risk],
                                          [p.user_id for p in at_risk])
                try:
                    await platform.send(sub.channel, message, thread_id=rnd.thread_id)
                except PlatformError as exc:
                    log.warning("streak reminder for round %s failed: %s", rnd.id, exc)

    async def sweep(self) -> None:
        """Run at start-up and every minute: finish anything that fell due or failed.
        Posts go out several at once (the gate bounds them), other steps one by one."""
        async with self.db.reading() as conn:
            stuck = await Rounds(conn).in_state(RoundState.POSTING)
            subs = await Subscriptions(conn).active(self.platforms.names())
        now = self.clock.now()

        async def retry(rnd: Round) -> None:
            async with self._isolated("posting", rnd.subscription_id, rnd.id):
                await self._retry_post(rnd)

        async def post(sub: Subscription) -> None:
            async with self._isolated("the daily post", sub.id):
                await self.post_due(sub.id)

        await self._each(stuck, retry)
        await self._each(interleaved(subs), post)
        await self.remind_due()
        await self.reveal_due()
        await self.archive_due()
        async with self.db.transaction() as conn:  # replies to posts that never landed
            await Strays(conn).forget_before(now - STRAY_KEEP)

    async def _retry_post(self, stuck: Round) -> None:
        """A round left in 'posting': posted again, or adopted or dropped once its window
        closed. Behind the gate, and read again there: a post of it this process was
        making when the sweep began (a cron job's) has finished by then."""
        async with self.db.reading() as conn:
            sub = await Subscriptions(conn).get(stuck.subscription_id)
        if sub is None or not self._running(sub) or not await self._zone_loads(sub):
            return
        async with self._holding(sub):
            async with self.db.reading() as conn:
                rnd = await Rounds(conn).get(stuck.id)
            if rnd is None or rnd.state is not RoundState.POSTING:
                return
            async with self._sending(sub):
                await self._post_or_settle(sub, rnd)

    async def _post_or_settle(self, sub: Subscription, rnd: Round) -> None:
        """Post the round again while its window is open; after, adopt what an attempt
        posted, or drop it. The time is read here, after the wait at the gate."""
        now = self.clock.now()
        if now < rnd.deadline:
            await self._publish(sub, rnd)
            return
        # Its window closed while the post was unconfirmed. If an attempt did reach
        # the platform, people saw the question: adopt the post so it is revealed.
        platform = self.platforms.get(sub.channel.platform)
        question = self.bank.get(rnd.question_id)
        sent = Sent(rnd.message_id, rnd.message_id) if rnd.message_id else None
        if sent is None and rnd.post_attempts and platform is not None \
                and question is not None:
            key = render.daily_question(question, rnd, sub).key
            sent = await self._find_sent(platform, sub.channel, key)
        thread: str | None = None
        adopt: str | None = None
        if sent is not None and platform is not None and question is not None:
            try:  # the reveal goes in the thread, or the channel if there is none
                thread = await self._thread_for(platform, sub, sent, question.prompt)
            except PlatformError as exc:
                log.warning("round %s has no thread (%s)", rnd.id, exc)
        async with self.db.transaction() as conn:
            if sent is not None:
                await Rounds(conn).mark_posted(rnd.id, sent.message_id, thread, now)
                adopt = thread
            else:
                log.warning("round %s was never posted before its deadline; "
                            "dropping it", rnd.id)
                await Rounds(conn).expire_unposted(rnd.id, now)
        await self._adopt_strays(sub.channel, adopt)

    async def archive_due(self) -> None:
        """Close the threads of rounds whose voting window has ended, on platforms that
        have such a thing (Discord archives them; others do nothing)."""
        now = self.clock.now()
        async with self.db.reading() as conn:
            rounds = await Rounds(conn).voting_closed(now - VOTING_WINDOW)
        for rnd in rounds:
            async with self._isolated("archiving", rnd.subscription_id, rnd.id):
                async with self.db.reading() as conn:
                    sub = await Subscriptions(conn).get(rnd.subscription_id)
                platform = self.platforms.get(sub.channel.platform) if sub else None
                if sub is None or platform is None or rnd.thread_id is None:
                    continue
                archive = getattr(platform, "archive", None)
                if archive is not None:
                    try:
                        await archive(sub.channel, rnd.thread_id)
                    except PlatformError as exc:
                        log.warning("archiving the thread of round %s failed: %s", rnd.id, exc)
                        continue
                async with self.db.transaction() as conn:
                    await Rounds(conn).mark_archived(rnd.id, now)


def interleaved(subs: list[Subscription]) -> list[Subscription]:
    """The subscriptions taking each workspace in turn (first channels of every workspace,
    then the second ones...), each workspace's in their order: a workspace whose channels
    were subscribed one after another does not keep a sweep's workers waiting its pace."""
    by_workspace: dict[tuple[str, str], list[Subscription]] = defaultdict(list)
    for sub in subs:
        by_workspace[(sub.channel.platform, sub.channel.workspace)].append(sub)
    rounds = zip_longest(*by_workspace.values())
    return [sub for sub in chain.from_iterable(rounds) if sub is not None]
