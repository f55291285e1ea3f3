"""What adapters ask about rounds' threads: which are open, and whose a thread is.

Platforms that do not redeliver missed messages read the open threads back after an
outage; platforms whose events name only the thread find its channel here.
"""

from __future__ import annotations

from bot.domain.rounds import RoundState
from bot.domain.subscriptions import ChannelRef
from bot.services.rounds.base import RoundsBase
from bot.storage.repositories import Rounds, Subscriptions


class ThreadsMixin(RoundsBase):
    async def open_threads(self, platform: str) -> list[tuple[ChannelRef, str]]:
        """(channel, thread) of every round taking answers on the platform: what an adapter
        reads back after an outage, on platforms that do not redeliver missed messages."""
        async with self.db.reading() as conn:
            rounds = await Rounds(conn).in_state(RoundState.OPEN)
            out = []
            for rnd in rounds:
                sub = await Subscriptions(conn).get(rnd.subscription_id)
                if sub is not None and sub.channel.platform == platform and rnd.thread_id:
                    out.append((sub.channel, rnd.thread_id))
        return out

    async def channel_of_thread(self, platform: str, workspace: str,
                                thread_id: str) -> ChannelRef | None:
        """The subscribed channel a round thread belongs to (for platforms whose events
        name only the thread)."""
        async with self.db.reading() as conn:
            sub_id = await Rounds(conn).subscription_of_thread(platform, workspace, thread_id)
            sub = await Subscriptions(conn).get(sub_id) if sub_id is not None else None
        return sub.channel if sub else None

    async def open_thread(self, channel: ChannelRef) -> str | None:
        """The thread of the channel's round that is open now, if any."""
        async with self.db.reading() as conn:
            sub = await Subscriptions(conn).for_channel(channel)
            rnd = await Rounds(conn).latest(sub.id) if sub else None
        if rnd and rnd.state is RoundState.OPEN:
            return rnd.thread_id
        return None
