"""What the weekly digest and the daily review reminder share: the time a workspace keeps,
and delivering one private message once, by a claim made before it is sent.

A workspace's time is its first subscribed channel's posting time, days and time zone (the
bot's defaults when it has no channel), so private messages arrive when the workspace
already expects the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.adapters.base import Message, PlatformError, Platforms
from bot.domain.parsing import WEEKDAYS
from bot.domain.rounds import Person
from bot.storage.connection import Connection
from bot.storage.db import Database
from bot.storage.repositories import Subscriptions

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkspaceTime:
    post_time: time
    timezone: str
    days: tuple[str, ...] = WEEKDAYS


async def workspace_time(conn: Connection, platform: str, workspace: str,
                         default: WorkspaceTime) -> WorkspaceTime:
    for sub in await Subscriptions(conn).active([platform]):
        if sub.channel.workspace != workspace:
            continue
        try:
            ZoneInfo(sub.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return default
        return WorkspaceTime(sub.post_time, sub.timezone, sub.days)
    return default


#: the claim and its undoing, each in the caller's own transaction
Step = Callable[[Connection], Awaitable[object]]


async def deliver_once(db: Database, platforms: Platforms, person: Person, claimed: Step,
                       claim: Step, sent: Step, release: Step,
                       compose: Callable[[], Awaitable[Message]], what: str) -> bool:
    """Claim, compose, send by DM, record: True when this call sent it. ``claimed`` is read
    first, so a sweep finding it done writes nothing (sweeps run every minute). Nothing is claimed
    when the person's platform is not running or cannot DM (a later sweep sends it); a send
    that failed and may work later gives the claim back; one the platform refused for good
    keeps it, so nobody is messaged every minute. A workspace the platform does not reach
    (an uninstalled Slack app) is skipped without a claim: a reinstall lets a later sweep
    send what is due then."""
    platform = platforms.get(person.platform)
    tell = getattr(platform, "tell", None)
    if tell is None:
        return False
    async with db.reading() as conn:
        if await claimed(conn):
            return False
    reaches = getattr(platform, "reaches", None)
    if reaches is not None and not await reaches(person.workspace):
        return False   # the app is not in their workspace now: nothing claimed, nothing said
    async with db.transaction() as conn:
        if not await claim(conn):
            return False
    try:
        message = await compose()
        await tell(person.workspace, person.user_id, message)
    except PlatformError as exc:
        log.warning("%s for person %s failed: %s", what, person.id, exc)
        if exc.retryable:
            async with db.transaction() as conn:
                await release(conn)
        return False
    except Exception as exc:
        log.error("%s for person %s failed: %s: %s", what, person.id, type(exc).__name__, exc)
        async with db.transaction() as conn:
            await release(conn)
        return False
    async with db.transaction() as conn:
        await sent(conn)
    return True
