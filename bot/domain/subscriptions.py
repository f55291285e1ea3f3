"""A channel's daily schedule, and the pure time arithmetic that drives it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.parsing import WEEKDAYS


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """Where something lives on a platform: (platform, workspace/guild, channel)."""

    platform: str
    workspace: str
    channel: str


@dataclass(frozen=True, slots=True)
class Slot:
    """One scheduled daily round: its local date, when it opens and when it closes."""

    local_date: date
    opens_at: datetime
    deadline: datetime


#: ``Subscription.paused`` while the platform's app is removed from the workspace
UNINSTALLED = "uninstalled"


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    channel: ChannelRef
    channel_name: str
    post_time: time
    days: tuple[str, ...]
    timezone: str
    window: timedelta
    topics: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    blind: bool = False
    active: bool = True
    #: how follow-ups of the daily question are asked: private | thread | off
    follow_ups: str = "private"
    #: why quizbot paused it on its own, apart from a lead's stop (None: it is not):
    #: UNINSTALLED while the Slack app is removed from its workspace
    paused: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def scheduled(self) -> bool:
        """Whether its posts go out: a lead started it and nothing paused it."""
        return self.active and self.paused is None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def slot_on(self, day: date) -> Slot | None:
        """The round scheduled on a local date, or None if the channel does not post then.

        A post time that does not exist on a spring-forward night resolves to the instant an
        hour later (zoneinfo's fold=0 rule), so the round is shifted, never skipped.
        """
        if WEEKDAYS[day.weekday()] not in self.days:
            return None
        local = datetime.combine(day, self.post_time, tzinfo=self.tz)
        opens = local.astimezone(ZoneInfo("UTC"))
        return Slot(day, opens, opens + self.window)

    def latest_slot(self, now: datetime) -> Slot | None:
        """The most recent slot that has opened at or before ``now`` (within a week)."""
        today = self.local_date(now)
        for back in range(8):
            slot = self.slot_on(today - timedelta(days=back))
            if slot and slot.opens_at <= now:
                return slot
        return None

    def next_slot(self, now: datetime) -> Slot | None:
        """The first slot that opens strictly after ``now``."""
        today = self.local_date(now)
        for ahead in range(9):
            slot = self.slot_on(today + timedelta(days=ahead))
            if slot and slot.opens_at > now:
                return slot
        return None

    def due_slot(self, now: datetime) -> Slot | None:
        """The slot that should have a round right now: opened, and its window still open."""
        slot = self.latest_slot(now)
        if slot and slot.opens_at <= now < slot.deadline:
            return slot
        return None

    def immediate_slot(self, now: datetime) -> Slot:
        """A slot opening now, for today's date: used to post the very first round at once."""
        return Slot(self.local_date(now), now, now + self.window)
