"""Leaderboards: totals of the points ledger over a period, in the channel's time zone."""

from __future__ import annotations

from bot.adapters.base import Actor, Message, reply
from bot.clock import Clock
from bot.domain.periods import Period, period_range
from bot.domain.scoring import Board
from bot.domain.subscriptions import ChannelRef
from bot.services import render
from bot.storage.db import Database
from bot.storage.repositories import People, Scores, Subscriptions

TITLES = {Period.WEEK: "this week", Period.MONTH: "this month", Period.ALL: "all time"}


class LeaderboardService:
    def __init__(self, db: Database, clock: Clock, *, default_timezone: str = "UTC") -> None:
        self.db, self.clock, self.default_timezone = db, clock, default_timezone

    async def channel(self, channel: ChannelRef, period: Period, actor: Actor | None = None,
                      limit: int = 10) -> Message:
        async with self.db.reading() as conn:
            sub = await Subscriptions(conn).for_channel(channel)
            if sub is None:
                return reply("This channel has no daily question yet",
                             "A lead can start one with /subscribe HH:MM [Area/City].")
            start, end = period_range(period, self.clock.now(), sub.timezone)
            scores = Scores(conn)
            rows = await scores.standings(board=Board.DAILY, start=start, end=end,
                                          subscription_id=sub.id, limit=limit)
            own = None
            if actor is not None:
                person = await People(conn).find(actor.platform, actor.workspace, actor.user_id)
                if person is not None:
                    own = await scores.standing_of(person.id, board=Board.DAILY, start=start,
                                                   end=end, subscription_id=sub.id)
        name = sub.channel_name or channel.channel
        return render.standings(f"Leaderboard #{name}, {TITLES[period]}", rows, own)

