"""Leaderboards: totals of the points ledger over a period, top N plus the asker's rank."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.adapters.base import Actor, Message, reply
from bot.clock import Clock
from bot.domain.periods import Period
from bot.domain.scoring import Board
from bot.domain.subscriptions import ChannelRef
from bot.domain.totals import period_key, sub_scope, workspace_scope
from bot.services import render
from bot.storage.db import Database
from bot.storage.repositories import People, Scores, Subscriptions, TeamRow

TITLES = {Period.WEEK: "this week", Period.MONTH: "this month", Period.ALL: "all time"}


class Scope(StrEnum):
    CHANNEL = "channel"
    WORKSPACE = "workspace"
    TEAM = "team"
    PRACTICE = "practice"


@dataclass(frozen=True, slots=True)
class BoardQuery:
    scope: Scope = Scope.CHANNEL
    period: Period = Period.WEEK
    team: TeamRow | None = None


class LeaderboardService:
    def __init__(self, db: Database, clock: Clock, *, default_timezone: str = "UTC") -> None:
        self.db, self.clock, self.default_timezone = db, clock, default_timezone

    async def channel(self, channel: ChannelRef, period: Period, actor: Actor | None = None,
                      limit: int = 10) -> Message:
        return await self.show(BoardQuery(Scope.CHANNEL, period), channel, actor, limit)

    async def show(self, query: BoardQuery, channel: ChannelRef, actor: Actor | None = None,
                   limit: int = 10) -> Message:
        """Top ``limit`` plus the asker's own rank, from the pre-aggregated totals. The
        channel board runs in the channel's time zone; workspace, team and practice boards
        in the workspace's default zone."""
        async with self.db.reading() as conn:
            sub = await Subscriptions(conn).for_channel(channel)
            if query.scope is Scope.CHANNEL and sub is None:
                return reply("This channel has no daily question yet",
                             "A lead can start one with /subscribe HH:MM [Area/City].")
            if query.scope is Scope.CHANNEL and sub is not None:
                scope, tz = sub_scope(sub.id), sub.timezone
            else:
                scope, tz = workspace_scope(channel.platform, channel.workspace), \
                    self.default_timezone
            board = Board.PRACTICE if query.scope is Scope.PRACTICE else Board.DAILY
            period = period_key(query.period, self.clock.now(), tz)
            team_id = query.team.id if query.team else None
            scores = Scores(conn)
            rows = await scores.top(scope=scope, board=board, period=period, limit=limit,
                                    team_id=team_id)
            own = None
            if actor is not None:
                person = await People(conn).find(actor.platform, actor.workspace, actor.user_id)
                if person is not None:
                    own = await scores.rank_of(person.id, scope=scope, board=board,
                                               period=period, team_id=team_id)
        if query.scope is Scope.CHANNEL and sub is not None:
            name = f"#{sub.channel_name or channel.channel}"
        elif query.team is not None:
            name = f"team {query.team.name}"
        else:
            name = "practice" if query.scope is Scope.PRACTICE else "workspace"
        return render.standings(f"Leaderboard {name}, {TITLES[query.period]}", rows, own)
