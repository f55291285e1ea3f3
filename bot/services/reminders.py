"""The daily review reminder: ``/quiz remind on|off`` (off until the person turns it on).

Once a day, at their workspace's time (its first channel's posting time, in its zone), a
person who turned it on gets a direct message saying how many reviews are due today, only
when there are some. The day is claimed before the message goes out, so a restart or a
second sweep never sends it twice; one that fell due while the bot was down goes out when it
is back, the same day, never a day late.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.adapters.base import Actor, Message, Platforms, reply
from bot.clock import Clock
from bot.domain.parsing import InputError
from bot.domain.rounds import Person
from bot.domain.text import count
from bot.services.nudges import WorkspaceTime, deliver_once, workspace_time
from bot.storage.db import Database
from bot.storage.digests import Claims, ReminderSwitch
from bot.storage.repositories import Cards, People


def on_or_off(word: str, usage: str) -> bool:
    key = word.strip().lower()
    if key not in ("on", "off"):
        raise InputError(f"Say on or off: {usage}.")
    return key == "on"


async def switch_reminder(db: Database, clock: Clock, actor: Actor, word: str) -> Message:
    """``/quiz remind on|off``: InputError for another word."""
    on = on_or_off(word, "/quiz remind on|off")
    now = clock.now()
    async with db.transaction() as conn:
        person = await People(conn).upsert(actor.platform, actor.workspace, actor.user_id,
                                           actor.display_name, now)
        await ReminderSwitch(conn).set(person.id, on, now)
    if on:
        return reply("Review reminders on",
                     "Once a day, at the daily question's time, I will message you how many "
                     "reviews are due, when there are some. /quiz remind off stops them.")
    return reply("Review reminders off", "No more reminders; /quiz review still works.")


class ReminderService:
    def __init__(self, db: Database, clock: Clock, platforms: Platforms,
                 default: WorkspaceTime) -> None:
        self.db, self.clock, self.platforms, self.default = db, clock, platforms, default

    async def sweep(self) -> int:
        """Send every reminder due now that was not sent today; returns how many were sent."""
        now = self.clock.now()
        async with self.db.reading() as conn:
            people = await ReminderSwitch(conn).enabled()
        sent = 0
        for person in people:
            if self.platforms.get(person.platform) is None:
                continue
            async with self.db.reading() as conn:
                when = await workspace_time(conn, person.platform, person.workspace,
                                            self.default)
                zone = ZoneInfo(when.timezone)
                today = now.astimezone(zone).date()
                if now < datetime.combine(today, when.post_time, tzinfo=zone):
                    continue
                end = datetime.combine(today + timedelta(1), time(), tzinfo=zone)
                due = await Cards(conn).count_due(person.id, end - timedelta(microseconds=1))
            if due == 0:
                continue
            sent += await self._send(person, today.isoformat(), due)
        return sent

    async def _send(self, person: Person, day: str, due: int) -> bool:
        now = self.clock.now()

        async def compose() -> Message:
            return reply(f"{count(due, 'review')} due today",
                         f"You have {count(due, 'card')} to review today. /quiz review asks "
                         "the most overdue one.", "/quiz remind off stops these reminders.")

        return await deliver_once(
            self.db, self.platforms, person,
            claimed=lambda c: Claims(c).has_reminder(person.id, day),
            claim=lambda c: Claims(c).claim_reminder(person.id, day, due, now),
            sent=lambda c: Claims(c).reminder_sent(person.id, day, self.clock.now()),
            release=lambda c: Claims(c).release_reminder(person.id, day), compose=compose,
            what="the review reminder")

