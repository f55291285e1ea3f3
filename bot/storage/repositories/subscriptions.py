"""Subscriptions: a channel's daily-question settings (one per channel), and who set them."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from bot.domain.rounds import Person
from bot.domain.subscriptions import ChannelRef, Subscription
from bot.storage.connection import Row
from bot.storage.db import fetch_all, fetch_one, to_db
from bot.storage.repositories.base import _person, _Repo


def _subscription(row: Row) -> Subscription:
    hh, mm = row["post_time"].split(":")
    return Subscription(
        id=row["id"], channel=ChannelRef(row["platform"], row["workspace"], row["channel_id"]),
        channel_name=row["channel_name"], post_time=time(int(hh), int(mm)),
        days=tuple(d for d in row["days"].split(",") if d), timezone=row["timezone"],
        window=timedelta(minutes=row["window_minutes"]),
        topics=tuple(json.loads(row["topics"])), levels=tuple(json.loads(row["levels"])),
        blind=bool(row["blind"]), active=bool(row["active"]),
        follow_ups=row["follow_ups"], paused=row["paused"])


class Subscriptions(_Repo):
    async def save(self, sub: Subscription, now: datetime) -> Subscription:
        """Create or update the channel's subscription (one per channel)."""
        c = sub.channel
        await self.conn.execute(
            "INSERT INTO subscriptions (platform, workspace, channel_id, channel_name, post_time,"
            " days, timezone, window_minutes, topics, levels, blind, active, created_at,"
            " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (platform, workspace, channel_id) DO UPDATE SET"
            " channel_name=excluded.channel_name, post_time=excluded.post_time,"
            " days=excluded.days, timezone=excluded.timezone,"
            " window_minutes=excluded.window_minutes, topics=excluded.topics,"
            " levels=excluded.levels, blind=excluded.blind, active=excluded.active,"
            " updated_at=excluded.updated_at",
            (c.platform, c.workspace, c.channel, sub.channel_name,
             sub.post_time.strftime("%H:%M"), ",".join(sub.days), sub.timezone,
             int(sub.window.total_seconds() // 60), json.dumps(list(sub.topics)),
             json.dumps(list(sub.levels)), int(sub.blind), int(sub.active), to_db(now),
             to_db(now)))
        saved = await self.for_channel(c)
        assert saved is not None
        return saved

    async def get(self, sub_id: int) -> Subscription | None:
        row = await fetch_one(self.conn, "SELECT * FROM subscriptions WHERE id=?", (sub_id,))
        return _subscription(row) if row else None

    async def for_channel(self, channel: ChannelRef) -> Subscription | None:
        row = await fetch_one(
            self.conn, "SELECT * FROM subscriptions WHERE platform=? AND workspace=?"
            " AND channel_id=?", (channel.platform, channel.workspace, channel.channel))
        return _subscription(row) if row else None

    async def active(self, platforms: list[str] | None = None) -> list[Subscription]:
        """The subscriptions whose posts go out (started, not paused)."""
        rows = await fetch_all(self.conn, "SELECT * FROM subscriptions WHERE active=1"
                               " AND paused IS NULL ORDER BY id")
        subs = [_subscription(r) for r in rows]
        return [s for s in subs if platforms is None or s.channel.platform in platforms]

    async def stamps(self) -> dict[int, str]:
        """Every subscription's id and a stamp of its schedule: what the leader compares
        between two looks to find schedules another replica changed. The schedule's own
        columns are in it, not only updated_at: two changes within one tick of a clock
        (a frozen test clock, a coarse one) still differ."""
        rows = await fetch_all(
            self.conn, "SELECT id, post_time || '|' || days || '|' || timezone || '|' ||"
            " active || '|' || COALESCE(paused, '') || '|' || updated_at FROM subscriptions")
        return {int(r[0]): str(r[1]) for r in rows}

    async def pause_workspace(self, platform: str, workspace: str, reason: str,
                              now: datetime) -> list[Subscription]:
        """Pause every subscription of the workspace that is not paused already (a stopped
        one too, so it stays stopped when it resumes); returns those it paused."""
        rows = await fetch_all(
            self.conn, "UPDATE subscriptions SET paused=?, updated_at=? WHERE platform=?"
            " AND workspace=? AND paused IS NULL RETURNING id",
            (reason, to_db(now), platform, workspace))
        return await self._by_ids([int(r[0]) for r in rows])

    async def resume_workspace(self, platform: str, workspace: str, reason: str,
                               now: datetime) -> list[Subscription]:
        """Lift the workspace's pause for ``reason`` (another kind stays); returns those
        it resumed, each as its lead left it (started or stopped)."""
        rows = await fetch_all(
            self.conn, "UPDATE subscriptions SET paused=NULL, updated_at=? WHERE platform=?"
            " AND workspace=? AND paused=? RETURNING id",
            (to_db(now), platform, workspace, reason))
        return await self._by_ids([int(r[0]) for r in rows])

    async def _by_ids(self, ids: list[int]) -> list[Subscription]:
        found = [await self.get(i) for i in sorted(ids)]
        return [s for s in found if s is not None]

    async def set_follow_ups(self, sub_id: int, mode: str) -> None:
        await self.conn.execute("UPDATE subscriptions SET follow_ups=? WHERE id=?",
                                (mode, sub_id))

    async def set_configured_by(self, sub_id: int, person_id: int) -> None:
        await self.conn.execute("UPDATE subscriptions SET configured_by=? WHERE id=?",
                                (person_id, sub_id))

    async def configured_by(self, sub_id: int) -> Person | None:
        row = await fetch_one(self.conn, "SELECT p.* FROM subscriptions s JOIN people p ON"
                              " p.id = s.configured_by WHERE s.id=?", (sub_id,))
        return _person(row) if row else None

    async def count(self) -> int:
        row = await fetch_one(self.conn, "SELECT COUNT(*) FROM subscriptions")
        return int(row[0]) if row else 0
