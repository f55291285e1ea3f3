"""Channel subscriptions: which channels get a daily question, when, and from what pool."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Protocol

from bot.adapters.base import Actor, Message, reply
from bot.clock import Clock
from bot.domain.parsing import WEEKDAYS, format_duration
from bot.domain.rounds import Round
from bot.domain.subscriptions import ChannelRef, Subscription
from bot.services import render
from bot.services.rights import Rights
from bot.storage.db import Database
from bot.storage.leads import Leads
from bot.storage.repositories import People, Rounds, Subscriptions

Listener = Callable[[Subscription], None]


class TodayPoster(Protocol):
    async def post_now(self, subscription_id: int) -> Round | None: ...


def describe_days(days: tuple[str, ...]) -> str:
    if days == WEEKDAYS:
        return "every day"
    if days == WEEKDAYS[:5]:
        return "Monday to Friday"
    return ", ".join(d.capitalize() for d in days)


class SubscriptionService:
    def __init__(self, db: Database, clock: Clock, *, listener: Listener | None = None,
                 rights: Rights | None = None) -> None:
        self.db, self.clock = db, clock
        self.rights = rights or Rights(db)
        self.listeners: list[Listener] = [listener] if listener else []

    async def get(self, channel: ChannelRef) -> Subscription | None:
        async with self.db.reading() as conn:
            return await Subscriptions(conn).for_channel(channel)

    async def active(self, platforms: list[str]) -> list[Subscription]:
        async with self.db.reading() as conn:
            return await Subscriptions(conn).active(platforms)

    async def changed(self, seen: dict[int, str] | None, platforms: list[str]
                      ) -> tuple[dict[int, str], list[Subscription]]:
        """The stamps now, and the subscriptions (of these platforms) whose stamp is not
        the one in ``seen``: new, or changed since (none when ``seen`` is None: a first
        look). Stamps are compared for equality, not order, so replicas whose clocks
        disagree miss nothing."""
        async with self.db.reading() as conn:
            repo = Subscriptions(conn)
            stamps = await repo.stamps()
            found = [] if seen is None else [
                await repo.get(i) for i, at in sorted(stamps.items()) if seen.get(i) != at]
        return stamps, [s for s in found if s is not None and s.channel.platform in platforms]

    async def count(self) -> int:
        async with self.db.reading() as conn:
            return await Subscriptions(conn).count()

    async def subscribe(self, actor: Actor, channel: ChannelRef, channel_name: str, *,
                        post_time: time, timezone: str, window: timedelta,
                        days: tuple[str, ...] = WEEKDAYS) -> Subscription | Message:
        if refused := await self.rights.channel(actor, channel):
            return refused
        existing = await self.get(channel)
        base = existing or Subscription(0, channel, channel_name, post_time, days, timezone,
                                        window)
        sub = replace(base, channel_name=channel_name or base.channel_name, post_time=post_time,
                      timezone=timezone, window=window, days=days, active=True)
        async with self.db.transaction() as conn:
            saved = await Subscriptions(conn).save(sub, self.clock.now())
            me = await People(conn).upsert(actor.platform, actor.workspace, actor.user_id,
                                           actor.display_name, self.clock.now())
            await Subscriptions(conn).set_configured_by(saved.id, me.id)
        for listener in self.listeners:
            listener(saved)
        return saved

    async def unsubscribe(self, actor: Actor, channel: ChannelRef) -> Message:
        if refused := await self.rights.channel(actor, channel):
            return refused
        existing = await self.get(channel)
        if existing is None or not existing.active:
            return reply("This channel has no daily question", "Nothing to stop.")
        async with self.db.transaction() as conn:
            saved = await Subscriptions(conn).save(replace(existing, active=False),
                                                   self.clock.now())
        for listener in self.listeners:
            listener(saved)
        return reply("Daily question stopped",
                     "History and points are kept; /subscribe starts it again.")


    async def configure(self, actor: Actor, channel: ChannelRef, *,
                        topics: tuple[str, ...] | None = None,
                        levels: tuple[str, ...] | None = None,
                        blind: bool | None = None,
                        follow_ups: str | None = None) -> Subscription | Message:
        """Change the channel's question filters, blind mode or follow-ups (its leads)."""
        if refused := await self.rights.channel(actor, channel):
            return refused
        existing = await self.get(channel)
        if existing is None:
            return reply("No daily question here yet",
                         "Start one with /subscribe HH:MM first, then set filters.")
        changed = replace(existing,
                          topics=existing.topics if topics is None else topics,
                          levels=existing.levels if levels is None else levels,
                          blind=existing.blind if blind is None else blind)
        async with self.db.transaction() as conn:
            saved = await Subscriptions(conn).save(changed, self.clock.now())
            if follow_ups is not None and follow_ups != saved.follow_ups:
                await Subscriptions(conn).set_follow_ups(saved.id, follow_ups)
                saved = replace(saved, follow_ups=follow_ups)
            return saved


    async def give(self, actor: Actor, channel: ChannelRef, person: Actor, *,
                   to: bool) -> Message:
        """An admin gives (or takes back) the running of this channel's daily question."""
        if refused := await self.rights.admin(actor):
            return refused
        now = self.clock.now()
        async with self.db.transaction() as conn:
            people = People(conn)
            if to:
                me = await people.upsert(actor.platform, actor.workspace, actor.user_id,
                                         actor.display_name, now)
                them = await people.upsert(person.platform, person.workspace, person.user_id,
                                           person.display_name, now)
                done = await Leads(conn).give_channel(channel, them.id, me.id, now)
            else:
                found = await people.find(person.platform, person.workspace, person.user_id)
                done = found is not None and await Leads(conn).take_channel(channel, found.id)
        name = person.display_name
        if not done:
            return reply("Nothing changed", f"{name} already leads this channel." if to else
                         f"{name} does not lead this channel.")
        if to:
            return reply("Channel lead appointed", f"{name} now runs this channel's daily "
                         "question: schedule, filters and blind mode.")
        return reply("Channel lead removed", f"{name} no longer runs this channel's daily "
                     "question.")

    async def post_today(self, actor: Actor, channel: ChannelRef,
                         rounds: TodayPoster) -> Message:
        """A channel lead posts today's question now (say the schedule was set after today's
        window); nothing happens if today already has one."""
        if refused := await self.rights.channel(actor, channel):
            return refused
        sub = await self.get(channel)
        if sub is None or not sub.active:
            return reply("No daily question here yet", "Start one with /subscribe HH:MM.")
        day = sub.local_date(self.clock.now())
        async with self.db.reading() as conn:
            existing = await Rounds(conn).on_date(sub.id, day)
        if existing is not None:
            return reply("Today's question is already out",
                         f"This channel has its question for {day.isoformat()}; "
                         "/results shows it after the deadline.")
        rnd = await rounds.post_now(sub.id)
        if rnd is None:
            return reply("Nothing was posted", "No question matches this channel's filters "
                         "(see /schedule), or the platform is not connected.")
        return reply("Today's question is posted",
                     f"Answers are open until {render.local_time(rnd.deadline, sub.timezone)}.")

    async def describe(self, sub: Subscription) -> Message:
        """``describe`` with the days this channel's question is already out."""
        now = self.clock.now()
        nxt = sub.next_slot(now)
        posted: set[date] = set()
        async with self.db.reading() as conn:
            while nxt is not None and await Rounds(conn).on_date(sub.id, nxt.local_date):
                posted.add(nxt.local_date)
                nxt = sub.next_slot(nxt.opens_at)
        return describe(sub, now, posted)

    async def leads(self, channel: ChannelRef) -> list[str]:
        async with self.db.reading() as conn:
            return [p.display_name for p in await Leads(conn).of_channel(channel)]


def describe(sub: Subscription, now: datetime, posted: set[date] | frozenset[date] = frozenset()
             ) -> Message:
    """The channel's schedule in words, with the next post time (skipping days in
    ``posted``: a day whose question is already out is not posted again)."""
    nxt = sub.next_slot(now)
    while nxt is not None and nxt.local_date in posted:
        nxt = sub.next_slot(nxt.opens_at)
    when = render.local_time(nxt.opens_at, sub.timezone) if nxt else "not scheduled"
    return reply(
        f"Daily question for #{sub.channel_name or sub.channel.channel}",
        f"Posts at {sub.post_time.strftime('%H:%M')} {sub.timezone}, {describe_days(sub.days)}; "
        f"answers stay open for {format_duration(sub.window)}. Next post: {when}."
        + (f"\nTopics: {', '.join(sub.topics)}" if sub.topics else "")
        + (f"\nLevels: {', '.join(sub.levels)}" if sub.levels else "")
        + ("\nBlind mode: answers stay private until the reveal." if sub.blind else "")
        + {"thread": "\nFollow-ups: asked in the question's thread.",
           "off": "\nFollow-ups: off."}.get(sub.follow_ups, "")
        + ("" if sub.active else "\nStopped: /subscribe starts it again."))
